/* cdig main: parse the command line, run each query, print as dig does and
 * return dig's exit code (0 answer, 1 usage, 8 batch file, 9 no reply,
 * 10 internal error), that of the last lookup. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cdig.h"
#include "config.h"

int main(int argc, char **argv)
{
	struct cdig_query *qs = NULL;
	size_t n = 0, i;
	bool done = false;
	int rc, last = CDIG_EXIT_OK;
	struct cdig_banner b = { argc - 1, argv + 1, false, 0 };
	struct cdig_keep keep = { 0 };

	/* a kept (+keepopen) connection the server closed must give an
	 * error to retry on, not end the program (dig ignores it too) */
	signal(SIGPIPE, SIG_IGN);
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
		qs[i].keep = &keep;
		rc = cdig_lookup(&qs[i], &b);
		fflush(stdout);
		/* dig's banner is the first lookup's only */
		b.printed = true;
		/* dig: the status of the last lookup (an answer resets its
		 * exitcode to 0, no reply sets 9); a fatal error (a bad
		 * name, 10; a usage error, 1) ends the run at once */
		last = rc;
		if (rc != CDIG_EXIT_OK && rc != CDIG_EXIT_NOREPLY)
			break;
	}
done:
	cdig_conn_close(keep.conn);
	free(qs);
	cdig_transport_cleanup();
	return last;
}
