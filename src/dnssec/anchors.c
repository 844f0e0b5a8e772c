/* dnssec/anchors.c: the store of trust anchors (immutable once built, read
 * by every worker without locks) and of negative trust anchors (RFC 7646;
 * changed at run time by cairn-control, so behind a mutex). */
#include "anchors_int.h"
#include "cairn/config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* The anchor RRset of one owner. */
struct anchor {
	uint8_t owner[WIRE_NAME_MAX];
	uint16_t type, count;
	uint32_t len;
	uint8_t *rdata;             /* count x (16-bit length, rdata) */
};

struct dsec_anchors {
	struct anchor *v;
	unsigned n;
	pthread_mutex_t lock;       /* guards the NTAs below */
	uint8_t **nta;              /* malloc'd wire names, canonical order */
	unsigned nnta, ntacap;
};

/* An owner with both DS and DNSKEY anchors keeps one RRset: its DNSKEYs
 * become SHA-256 DS records (RFC 4034 §5.1.4), which trust the same keys. */
static cairn_err unify_types(struct anc_list *l)
{
	uint8_t ds[4 + 32];
	cairn_err err;

	for (unsigned i = 0; i < l->n; i++) {
		struct anc_rec *r = &l->v[i];
		bool mixed = false;
		if (r->type != WIRE_TYPE_DNSKEY)
			continue;
		for (unsigned j = 0; j < l->n && !mixed; j++)
			mixed = l->v[j].type == WIRE_TYPE_DS && wire_name_equal(l->v[j].owner, r->owner);
		if (!mixed)
			continue;
		wire_put16(ds, dsec_key_tag(r->rd, r->len));
		ds[2] = r->rd[3];
		ds[3] = DSEC_DIGEST_SHA256;
		dsec_ds_digest(DSEC_DIGEST_SHA256, r->owner, r->rd, r->len, ds + 4);
		if ((err = anc_list_add(l, r->owner, WIRE_TYPE_DS, ds, sizeof ds)) != CAIRN_OK)
			return err;
		r = &l->v[i];               /* the list may have moved */
		r->type = 0;                /* dropped below */
	}
	return CAIRN_OK;
}

/* Groups the records by owner into a->v. */
static cairn_err build(struct dsec_anchors *a, const struct anc_list *l)
{
	a->v = calloc(l->n ? l->n : 1, sizeof *a->v);
	if (a->v == NULL)
		return CAIRN_ENOMEM;
	for (unsigned i = 0; i < l->n; i++) {
		const struct anc_rec *r = &l->v[i];
		struct anchor *an = NULL;
		uint8_t *p;
		/* RFC 5011 §2.1: a revoked key is no anchor */
		if (r->type == 0 ||
		    (r->type == WIRE_TYPE_DNSKEY && (wire_get16(r->rd) & DSEC_DNSKEY_REVOKE)))
			continue;
		for (unsigned j = 0; j < a->n && an == NULL; j++)
			if (wire_name_equal(a->v[j].owner, r->owner))
				an = &a->v[j];
		if (an == NULL) {
			an = &a->v[a->n++];
			memcpy(an->owner, r->owner, wire_name_len(r->owner));
			an->type = r->type;
		}
		if (an->len + 2u + r->len > DSEC_ANCHOR_MAX) {
			log_err("trust anchors: the records of one owner exceed %u bytes",
				DSEC_ANCHOR_MAX);
			return CAIRN_ELIMIT;
		}
		p = realloc(an->rdata, an->len + 2u + r->len);
		if (p == NULL)
			return CAIRN_ENOMEM;
		an->rdata = p;
		wire_put16(p + an->len, r->len);
		memcpy(p + an->len + 2, r->rd, r->len);
		an->len += 2u + r->len;
		an->count++;
	}
	return CAIRN_OK;
}

cairn_err dsec_anchors_new(const char *file, const char *const *lines, unsigned n,
			   const char *const *nta, unsigned nn, struct dsec_anchors **out,
			   bool *builtin)
{
	struct anc_list l = { 0 };
	struct dsec_anchors *a = calloc(1, sizeof *a);
	cairn_err err = CAIRN_ENOMEM;

	*out = NULL;
	*builtin = false;
	if (a == NULL)
		goto done;
	pthread_mutex_init(&a->lock, NULL);
	if ((err = anc_read_default(file, CONFIG_DEFAULT_TRUST_ANCHOR_FILE, &l, builtin)) != CAIRN_OK ||
	    (err = anc_read_lines(lines, n, &l)) != CAIRN_OK ||
	    (err = unify_types(&l)) != CAIRN_OK || (err = build(a, &l)) != CAIRN_OK)
		goto done;
	for (unsigned i = 0; i < nn; i++) {
		uint8_t name[WIRE_NAME_MAX];
		size_t len;
		if (wire_name_from_text(nta[i], NULL, name, &len) != CAIRN_OK) {
			log_err("domain-insecure: \"%s\": not a domain name", nta[i]);
			err = CAIRN_EFORMAT;
			goto done;
		}
		if ((err = dsec_nta_add(a, name)) != CAIRN_OK)
			goto done;
	}
	*out = a;
	a = NULL;
done:
	anc_list_free(&l);
	dsec_anchors_free(a);
	return err;
}

void dsec_anchors_free(struct dsec_anchors *a)
{
	if (a == NULL)
		return;
	for (unsigned i = 0; i < a->n; i++)
		free(a->v[i].rdata);
	for (unsigned i = 0; i < a->nnta; i++)
		free(a->nta[i]);
	free(a->v);
	free(a->nta);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

bool dsec_anchor_find(struct dsec_anchors *a, const uint8_t *name, uint8_t *zone,
		      uint8_t *buf, size_t cap, struct wire_rrset *rs)
{
	/* the anchors never change after dsec_anchors_new: no lock */
	for (const uint8_t *s = name;; s = wire_name_parent(s)) {
		for (unsigned i = 0; i < a->n; i++) {
			const struct anchor *an = &a->v[i];
			if (!wire_name_equal(an->owner, s))
				continue;
			if (an->len > cap)
				return false;
			memcpy(zone, an->owner, wire_name_len(an->owner));
			memcpy(buf, an->rdata, an->len);
			rs->owner = zone;
			rs->type = an->type;
			rs->rclass = WIRE_CLASS_IN;
			rs->ttl = 0;
			rs->count = an->count;
			rs->rdata_len = an->len;
			rs->rdata = buf;
			return true;
		}
		if (s[0] == 0)
			return false;
	}
}

/* Index where name is or would go in the sorted NTA list; *found. */
static unsigned nta_pos(const struct dsec_anchors *a, const uint8_t *name, bool *found)
{
	unsigned lo = 0, hi = a->nnta;

	*found = false;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		int c = wire_name_compare(a->nta[mid], name);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool dsec_nta_covers(struct dsec_anchors *a, const uint8_t *name)
{
	bool hit = false;

	/* RFC 7646 §2: an NTA covers its name and everything below it */
	pthread_mutex_lock(&a->lock);
	for (unsigned i = 0; i < a->nnta && !hit; i++)
		hit = wire_name_is_subdomain(name, a->nta[i]);
	pthread_mutex_unlock(&a->lock);
	return hit;
}

cairn_err dsec_nta_add(struct dsec_anchors *a, const uint8_t *name)
{
	cairn_err err = CAIRN_OK;
	size_t len = wire_name_len(name);
	unsigned at;
	bool found;
	uint8_t *copy;

	pthread_mutex_lock(&a->lock);
	at = nta_pos(a, name, &found);
	if (found)
		goto done;
	if (a->nnta == a->ntacap) {
		unsigned cap = a->ntacap ? 2 * a->ntacap : 8;
		uint8_t **v = realloc(a->nta, cap * sizeof *v);
		if (v == NULL) {
			err = CAIRN_ENOMEM;
			goto done;
		}
		a->nta = v;
		a->ntacap = cap;
	}
	copy = malloc(len);
	if (copy == NULL) {
		err = CAIRN_ENOMEM;
		goto done;
	}
	memcpy(copy, name, len);
	wire_name_lower(copy);
	memmove(a->nta + at + 1, a->nta + at, (a->nnta - at) * sizeof *a->nta);
	a->nta[at] = copy;
	a->nnta++;
done:
	pthread_mutex_unlock(&a->lock);
	return err;
}

bool dsec_nta_remove(struct dsec_anchors *a, const uint8_t *name)
{
	unsigned at;
	bool found;

	pthread_mutex_lock(&a->lock);
	at = nta_pos(a, name, &found);
	if (found) {
		free(a->nta[at]);
		memmove(a->nta + at, a->nta + at + 1, (a->nnta - at - 1) * sizeof *a->nta);
		a->nnta--;
	}
	pthread_mutex_unlock(&a->lock);
	return found;
}

void dsec_nta_list(struct dsec_anchors *a, void (*fn)(void *ctx, const char *name), void *ctx)
{
	char text[WIRE_NAME_MAX * 4 + 2];

	pthread_mutex_lock(&a->lock);
	for (unsigned i = 0; i < a->nnta; i++)
		if (wire_name_to_text(a->nta[i], text, sizeof text) == CAIRN_OK)
			fn(ctx, text);
	pthread_mutex_unlock(&a->lock);
}
