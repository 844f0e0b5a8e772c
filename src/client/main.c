/* cdig main: parse the command line, run each query, print as dig does and
 * return dig's exit code (0 answer, 1 usage, 8 batch file, 9 no reply,
 * 10 internal error). */
#include <stdlib.h>
#include <string.h>

#include "cdig.h"
#include "config.h"

void cdig_print_banner(struct cdig_banner *b, const struct cdig_query *q,
		       size_t nsrv)
{
	int i;

	if (b->printed || !q->cmd || q->short_form || q->json || q->yaml)
		return;
	b->printed = true;
	printf("\n; <<>> cdig %s <<>>", PACKAGE_VERSION);
	for (i = 0; i < b->argc; i++)
		printf(" %s", b->argv[i]);
	putchar('\n');
	if (q->server[0])
		printf("; (%zu server%s found)\n", nsrv, nsrv == 1 ? "" : "s");
	printf(";; global options: +cmd\n");
}

int main(int argc, char **argv)
{
	struct cdig_query *qs = NULL;
	size_t n = 0, i;
	bool done = false;
	int rc, last = CDIG_EXIT_OK;
	struct cdig_banner b = { argc - 1, argv + 1, false };

	if (cdig_transport_init() != CAIRN_OK) {
		fprintf(stderr, "cdig: TLS library initialisation failed\n");
		return CDIG_EXIT_INTERNAL;
	}
	rc = cdig_args_parse(argc - 1, argv + 1, &qs, &n, &done);
	if (rc || done) {
		last = rc;
		goto done;
	}
	for (i = 0; i < n; i++) {
		qs[i].argc = argc - 1;
		qs[i].argv = argv + 1;
		rc = cdig_lookup(&qs[i], &b);
		if (rc)
			last = rc;
		fflush(stdout);
	}
done:
	free(qs);
	cdig_transport_cleanup();
	return last;
}
