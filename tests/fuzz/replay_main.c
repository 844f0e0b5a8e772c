/* replay_main: a main() for the fuzz harnesses without libFuzzer, so that
 * `make check` (gcc, the sanitizer build) replays their inputs: every file
 * named, and every file of every directory named (in name order), is
 * given to LLVMFuzzerTestOneInput once. A broken invariant aborts (the
 * sanitizers report memory errors), so the exit status is 0 only when
 * every input passed; an empty run (no input at all) fails too, so that a
 * harness can never replay nothing by accident.
 *
 *   replay_NAME [-v] FILE|DIR...
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

struct run {
	unsigned inputs;
	int verbose;
};

/* Reads path whole; returns a malloc'd buffer (size in *len) or NULL. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL, *grown;
	size_t cap = 0, n;

	*len = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (cap - *len < 65536) {
			grown = realloc(buf, cap + 65536 + 1);
			if (!grown) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = grown;
			cap += 65536;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int replay_file(struct run *r, const char *path)
{
	size_t len;
	uint8_t *buf = slurp(path, &len), *copy;

	if (!buf) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno ? errno : EIO));
		return 1;
	}
	if (r->verbose)
		fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
	/* an exact-size copy: reads past the input are caught by ASan */
	copy = malloc(len ? len : 1);
	if (!copy) {
		free(buf);
		return 1;
	}
	memcpy(copy, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	r->inputs++;
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int replay_path(struct run *r, const char *path)
{
	struct dirent **ents;
	struct stat st;
	int n, rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(r, path);
	n = scandir(path, &ents, NULL, by_name);
	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char sub[4096];

		if (ents[i]->d_name[0] != '.' &&
		    snprintf(sub, sizeof(sub), "%s/%s", path, ents[i]->d_name) < (int)sizeof(sub))
			rc |= replay_path(r, sub);
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int main(int argc, char **argv)
{
	struct run r = { 0 };
	int rc = 0, first = 1;

	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		r.verbose = 1;
		first = 2;
	}
	if (first >= argc) {
		fprintf(stderr, "usage: %s [-v] FILE|DIR...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = first; i < argc; i++)
		rc |= replay_path(&r, argv[i]);
	if (r.inputs == 0) {
		fprintf(stderr, "replay: no input found\n");
		return 1;
	}
	printf("%s: %u inputs replayed%s\n", argv[0], r.inputs, rc ? ", some unreadable" : "");
	return rc;
}
