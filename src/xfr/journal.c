/* xfr/journal.c: the IXFR journal (RFC 1995 §4): the differences between
 * the versions of a zone served one after another, computed at reload by
 * comparing the old and the new zone, bounded in number and bytes, and
 * kept across restarts in FILE.ixfr beside the zone file (written to a
 * temporary file and renamed, so a crash never leaves half a journal). */
#include "xfr_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define JOURNAL_MAGIC "cairn-ixfr-1\n"
#define JOURNAL_MAGIC_LEN 13

struct xfr_journal *journal_ref(struct xfr_journal *j)
{
	if (j)
		atomic_fetch_add(&j->refs, 1);
	return j;
}

void journal_unref(struct xfr_journal *j)
{
	if (!j || atomic_fetch_sub(&j->refs, 1) != 1)
		return;
	for (size_t i = 0; i < j->n; i++)
		free(j->e[i].data);
	free(j->e);
	free(j);
}

long journal_find(const struct xfr_journal *j, uint32_t serial)
{
	for (size_t i = 0; j && i < j->n; i++)
		if (j->e[i].from == serial)
			return (long)i;
	return -1;
}

/* ---- the difference of two zones ---- */

/* One record, encoded for comparison: key = owner|type|class|rdlen|rdata,
 * with the TTL beside it. */
struct rec {
	const uint8_t *key;
	size_t key_len;
	uint32_t ttl;
	size_t owner_len;
};

struct recs {
	struct arena a;
	struct rec *r;
	size_t n, cap;
	bool oom;
};

static void add_rrset(struct recs *rs, const struct wire_rrset *s)
{
	const uint8_t *rd = s->rdata;
	size_t olen = wire_name_len(s->owner);

	for (unsigned i = 0; i < s->count && !rs->oom; i++) {
		size_t rdlen = wire_get16(rd);
		uint8_t *k;

		if (rs->n == rs->cap) {
			size_t cap = rs->cap ? rs->cap * 2 : 1024;
			struct rec *g = realloc(rs->r, cap * sizeof(*g));

			if (!g) {
				rs->oom = true;
				return;
			}
			rs->r = g;
			rs->cap = cap;
		}
		k = arena_alloc(&rs->a, olen + 6 + rdlen);
		if (!k) {
			rs->oom = true;
			return;
		}
		memcpy(k, s->owner, olen);
		wire_put16(k + olen, s->type);
		wire_put16(k + olen + 2, s->rclass);
		memcpy(k + olen + 4, rd, 2 + rdlen);
		rs->r[rs->n++] = (struct rec){ k, olen + 6 + rdlen, s->ttl, olen };
		rd += 2 + rdlen;
	}
}

static int rec_cmp(const void *pa, const void *pb)
{
	const struct rec *a = pa, *b = pb;
	size_t m = a->key_len < b->key_len ? a->key_len : b->key_len;
	int c = memcmp(a->key, b->key, m);

	if (c)
		return c;
	return a->key_len < b->key_len ? -1 : a->key_len > b->key_len;
}

static void collect(struct recs *rs, const struct zone *z)
{
	struct zone_cursor c = { 0 };
	const struct wire_rrset *s;

	arena_init(&rs->a, 1 << 20);
	add_rrset(rs, zone_soa_rrset(z));
	while ((s = zone_next_rrset(z, &c)) && !rs->oom)
		add_rrset(rs, s);
	if (!rs->oom)
		qsort(rs->r, rs->n, sizeof(*rs->r), rec_cmp);
}

struct buf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};

static void put(struct buf *b, const void *d, size_t n)
{
	if (b->oom || n == 0)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *g;

		while (cap < b->len + n)
			cap *= 2;
		g = realloc(b->p, cap);
		if (!g) {
			b->oom = true;
			return;
		}
		b->p = g;
		b->cap = cap;
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

/* Appends r as a wire RR (owner, type, class, TTL, rdlength, rdata). */
static void put_rec(struct buf *b, const struct rec *r)
{
	uint8_t ttl[4];

	put(b, r->key, r->owner_len + 4);
	wire_put32(ttl, r->ttl);
	put(b, ttl, 4);
	put(b, r->key + r->owner_len + 4, r->key_len - r->owner_len - 4);
}

static bool is_soa(const struct rec *r)
{
	return wire_get16(r->key + r->owner_len) == WIRE_TYPE_SOA;
}

/* Builds the difference sequence (RFC 1995 §4) from a to b into d.
 * Returns whether anything besides the SOA differs. */
static bool diff(const struct recs *a, const struct recs *b, struct buf *d)
{
	struct buf add = { 0 };
	size_t i = 0, j = 0, soa_a = 0, soa_b = 0;
	bool changed = false;

	for (size_t k = 0; k < a->n; k++)
		if (is_soa(&a->r[k]))
			soa_a = k;
	for (size_t k = 0; k < b->n; k++)
		if (is_soa(&b->r[k]))
			soa_b = k;
	put_rec(d, &a->r[soa_a]);
	while (i < a->n || j < b->n) {
		int c = i == a->n ? 1 : j == b->n ? -1 : rec_cmp(&a->r[i], &b->r[j]);

		if (c == 0 && a->r[i].ttl == b->r[j].ttl) {
			i++, j++;
			continue;
		}
		if (c <= 0) {
			if (!is_soa(&a->r[i])) {
				put_rec(d, &a->r[i]);
				changed = true;
			}
			i++;
		}
		if (c >= 0) {
			if (!is_soa(&b->r[j])) {
				put_rec(&add, &b->r[j]);
				changed = true;
			}
			j++;
		}
	}
	put_rec(d, &b->r[soa_b]);
	put(d, add.p, add.len);
	if (add.oom)
		d->oom = true;
	free(add.p);
	return changed;
}

static void recs_free(struct recs *rs)
{
	arena_free(&rs->a);
	free(rs->r);
}

/* ---- the file ---- */

static cairn_err journal_save(const struct xfr_journal *j, const char *path, const char *zone)
{
	char tmp[4096];
	FILE *f;
	bool ok;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return CAIRN_ELIMIT;
	f = fopen(tmp, "w");
	if (!f) {
		log_warn("zone %s: cannot write journal %s: %s", zone, tmp, strerror(errno));
		return CAIRN_EIO;
	}
	ok = fwrite(JOURNAL_MAGIC, 1, JOURNAL_MAGIC_LEN, f) == JOURNAL_MAGIC_LEN;
	for (size_t i = 0; ok && i < j->n; i++) {
		uint8_t h[12];

		wire_put32(h, j->e[i].from);
		wire_put32(h + 4, j->e[i].to);
		wire_put32(h + 8, (uint32_t)j->e[i].len);
		ok = fwrite(h, 1, 12, f) == 12 && fwrite(j->e[i].data, 1, j->e[i].len, f) == j->e[i].len;
	}
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
	if (fclose(f) != 0)
		ok = false;
	if (!ok || rename(tmp, path) != 0) {
		log_warn("zone %s: cannot write journal %s: %s", zone, path, strerror(errno));
		unlink(tmp);
		return CAIRN_EIO;
	}
	return CAIRN_OK;
}

cairn_err journal_load(const char *path, const char *zone, uint32_t serial,
		       struct xfr_journal **out)
{
	FILE *f = fopen(path, "r");
	struct xfr_journal *j = NULL;
	char magic[JOURNAL_MAGIC_LEN];
	cairn_err err = CAIRN_OK;
	const char *why = NULL;

	*out = NULL;
	if (!f)
		return CAIRN_OK; /* none yet */
	j = calloc(1, sizeof(*j));
	if (!j) {
		err = CAIRN_ENOMEM;
		goto done;
	}
	atomic_init(&j->refs, 1);
	if (fread(magic, 1, sizeof(magic), f) != sizeof(magic) ||
	    memcmp(magic, JOURNAL_MAGIC, sizeof(magic)) != 0) {
		why = "not a cairn journal";
		goto done;
	}
	for (;;) {
		uint8_t h[12];
		size_t n = fread(h, 1, 12, f);
		struct xfr_jentry e, *g;

		if (n == 0)
			break;
		if (n != 12 || wire_get32(h + 8) > (1u << 30)) {
			why = "truncated";
			goto done;
		}
		e.from = wire_get32(h);
		e.to = wire_get32(h + 4);
		e.len = wire_get32(h + 8);
		e.data = malloc(e.len ? e.len : 1);
		g = e.data ? realloc(j->e, (j->n + 1) * sizeof(*g)) : NULL;
		if (!g) {
			free(e.data);
			err = CAIRN_ENOMEM;
			goto done;
		}
		j->e = g;
		if (fread(e.data, 1, e.len, f) != e.len) {
			free(e.data);
			why = "truncated";
			goto done;
		}
		j->e[j->n++] = e;
		j->bytes += e.len;
	}
	if (j->n && j->e[j->n - 1].to != serial)
		why = "it ends at another serial than the zone file";
done:
	if (f)
		fclose(f);
	if (why)
		log_warn("zone %s: journal %s ignored: %s", zone, path, why);
	if (why || err != CAIRN_OK || (j && j->n == 0)) {
		journal_unref(j);
		j = NULL;
	}
	*out = j;
	return err;
}

cairn_err journal_extend(struct xfr_journal *old, struct xfr_jentry *add, size_t nadd,
			 unsigned max_n, size_t max_bytes, const char *path, const char *zone,
			 struct xfr_journal **out)
{
	struct xfr_journal *j = NULL;
	cairn_err err = CAIRN_ENOMEM;
	size_t first = nadd, bytes = 0, n = 0, keep_old;

	*out = NULL;
	/* RFC 1982: a serial that did not go forward breaks the chain */
	if (!nadd || (int32_t)(add[nadd - 1].to - add[0].from) <= 0)
		old = NULL;
	if (old && old->n && old->e[old->n - 1].to != add[0].from)
		old = NULL;
	/* the newest entries within the bounds */
	while (first > 0 && n < max_n && bytes + add[first - 1].len <= max_bytes) {
		first--;
		n++;
		bytes += add[first].len;
	}
	if (first == nadd) {
		unlink(path);
		err = CAIRN_OK;
		goto done; /* no journal at all */
	}
	/* then the newest of old, when all of add is kept */
	keep_old = 0;
	while (old && first == 0 && keep_old < old->n && n < max_n &&
	       bytes + old->e[old->n - 1 - keep_old].len <= max_bytes) {
		bytes += old->e[old->n - 1 - keep_old].len;
		n++;
		keep_old++;
	}
	j = calloc(1, sizeof(*j));
	if (!j || !(j->e = calloc(n, sizeof(*j->e))))
		goto done;
	atomic_init(&j->refs, 1);
	for (size_t i = old ? old->n - keep_old : 0; old && i < old->n; i++) {
		struct xfr_jentry *e = &j->e[j->n];

		*e = old->e[i];
		e->data = malloc(e->len ? e->len : 1);
		if (!e->data)
			goto done;
		memcpy(e->data, old->e[i].data, e->len);
		j->bytes += e->len;
		j->n++;
	}
	for (size_t i = first; i < nadd; i++) {
		j->e[j->n++] = add[i];
		j->bytes += add[i].len;
		add[i].data = NULL;
	}
	err = CAIRN_OK;
	(void)journal_save(j, path, zone); /* logged; IXFR still works until restart */
	*out = j;
	j = NULL;
done:
	for (size_t i = 0; i < nadd; i++) {
		free(add[i].data);
		add[i].data = NULL;
	}
	journal_unref(j);
	return err;
}

cairn_err journal_update(struct xfr_journal *old, const struct zone *a, const struct zone *b,
			 unsigned max_n, size_t max_bytes, const char *path, const char *zone,
			 struct xfr_journal **out, bool *same_serial_change)
{
	struct recs ra = { 0 }, rb = { 0 };
	struct buf d = { 0 };
	struct xfr_jentry e;
	cairn_err err = CAIRN_ENOMEM;
	bool changed;

	*out = NULL;
	*same_serial_change = false;
	collect(&ra, a);
	collect(&rb, b);
	if (ra.oom || rb.oom)
		goto done;
	changed = diff(&ra, &rb, &d);
	if (d.oom)
		goto done;
	err = CAIRN_OK;
	if (zone_serial(a) == zone_serial(b)) {
		*same_serial_change = changed;
		*out = journal_ref(old);
		goto done;
	}
	e = (struct xfr_jentry){ zone_serial(a), zone_serial(b), d.p, d.len };
	d.p = NULL;
	err = journal_extend(old, &e, 1, max_n, max_bytes, path, zone, out);
done:
	free(d.p);
	recs_free(&ra);
	recs_free(&rb);
	return err;
}
