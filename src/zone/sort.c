/* zone/sort.c: puts the records read from a zone file in the order check.c
 * and db.c work in: by owner (hash first, then length and bytes), type,
 * rdata and position in the file. A stable radix sort on the 32-bit owner
 * hash does the bulk in linear time; the short runs of equal hashes are
 * then sorted by the full comparison. Every record has its own seq, so the
 * order is total and the same as one qsort() with zsort_cmp would give. */
#include "zone_int.h"

#include <stdlib.h>
#include <string.h>

#define SORT_BITS    16
#define SORT_BUCKETS (1u << SORT_BITS)
#define SORT_SMALL   12           /* runs up to this long: insertion sort */

int zsort_cmp(const void *a, const void *b)
{
	const struct zone_rec *x = a, *y = b;
	int c;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->owner_len != y->owner_len)
		return x->owner_len < y->owner_len ? -1 : 1;
	if (x->owner != y->owner && (c = memcmp(x->owner, y->owner, x->owner_len)) != 0)
		return c;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->rdlen != y->rdlen)
		return x->rdlen < y->rdlen ? -1 : 1;
	if ((c = memcmp(x->rdata, y->rdata, x->rdlen)) != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* One stable counting pass on bits [shift, shift + SORT_BITS) of the hash. */
static void radix_pass(const struct zone_rec *from, struct zone_rec *to, size_t n,
		       unsigned shift, size_t *count)
{
	size_t sum = 0;

	memset(count, 0, SORT_BUCKETS * sizeof *count);
	for (size_t i = 0; i < n; i++)
		count[(from[i].hash >> shift) & (SORT_BUCKETS - 1)]++;
	for (size_t b = 0; b < SORT_BUCKETS; b++) {
		size_t c = count[b];
		count[b] = sum;
		sum += c;
	}
	for (size_t i = 0; i < n; i++)
		to[count[(from[i].hash >> shift) & (SORT_BUCKETS - 1)]++] = from[i];
}

static void sort_run(struct zone_rec *r, size_t n)
{
	if (n > SORT_SMALL) {
		qsort(r, n, sizeof *r, zsort_cmp);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		struct zone_rec v = r[i];
		size_t j = i;
		while (j > 0 && zsort_cmp(&r[j - 1], &v) > 0) {
			r[j] = r[j - 1];
			j--;
		}
		r[j] = v;
	}
}

void zsort_records(struct zone_rec *recs, size_t n)
{
	struct zone_rec *tmp = n > SORT_BUCKETS ? malloc(n * sizeof *tmp) : NULL;
	size_t *count = tmp ? malloc(SORT_BUCKETS * sizeof *count) : NULL;

	if (!count) {                 /* small, or no memory to spare */
		free(tmp);
		if (n > 1)
			qsort(recs, n, sizeof *recs, zsort_cmp);
		return;
	}
	radix_pass(recs, tmp, n, 0, count);
	radix_pass(tmp, recs, n, SORT_BITS, count);
	free(count);
	free(tmp);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && recs[j].hash == recs[i].hash)
			j++;
		if (j - i > 1)
			sort_run(recs + i, j - i);
		i = j;
	}
}
