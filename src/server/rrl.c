/* rrl: response rate limiting in the manner of NSD and BIND (there is no
 * RFC; see the ISC technical note on DNS RRL). A response is counted in a
 * bucket keyed by the client's prefix (/24, /56 by default), the response
 * kind and a name (NSD's classification, abuse_int.h); a bucket allows
 * `ratelimit` responses in each second (a fixed one-second window, not
 * NSD's smoothed rate: simpler to predict and to test), and of the
 * responses beyond, every slip-th is sent empty with TC=1 and the others
 * are dropped.
 *
 * The table is one array of 64-bit atomic words shared by every worker:
 * a word holds a 24-bit fingerprint of the key, the 16-bit second of its
 * count and a 24-bit count, and is updated by compare-and-swap. A
 * different key landing in a bucket takes it over (as in NSD), so memory
 * is bounded by the table size and every operation is O(1). The key is
 * hashed with SipHash-2-4 under a random key, so that clients cannot aim
 * at one another's buckets. */
#include "abuse_int.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define FP_BITS    24
#define STAMP_BITS 16
#define COUNT_BITS 24
#define COUNT_MAX  ((1u << COUNT_BITS) - 1)

struct rrl {
	struct rrl_config cfg;        /* whitelist points at wl */
	struct cairn_prefix *wl;
	uint8_t key[COOKIE_SECRET_LEN];
	size_t size;
	_Atomic uint64_t *bucket;
	size_t bucket_bytes;          /* as cairn_table_alloc mapped them */
};

cairn_err rrl_new(const struct rrl_config *cfg, struct rrl **out)
{
	struct rrl *r = NULL;
	cairn_err err = CAIRN_ENOMEM;

	*out = NULL;
	if (cfg->ratelimit == 0 && cfg->whitelist_ratelimit == 0)
		return CAIRN_OK;
	r = calloc(1, sizeof(*r));
	if (!r)
		goto done;
	r->cfg = *cfg;
	r->size = cfg->size < RRL_SIZE_MIN ? RRL_SIZE_MIN :
		  cfg->size > RRL_SIZE_MAX ? RRL_SIZE_MAX : cfg->size;
	/* zero pages, mapped as buckets get used; a client's bucket is one
	 * at random in megabytes: on huge pages (cairn_table_alloc) */
	r->bucket = cairn_table_alloc(r->size * sizeof(*r->bucket), &r->bucket_bytes);
	if (!r->bucket)
		goto done;
	if (cfg->n_whitelist) {
		r->wl = calloc(cfg->n_whitelist, sizeof(*r->wl));
		if (!r->wl)
			goto done;
		memcpy(r->wl, cfg->whitelist, cfg->n_whitelist * sizeof(*r->wl));
	}
	r->cfg.whitelist = r->wl;
	err = CAIRN_EIO;
	if (getrandom(r->key, sizeof(r->key), 0) != (ssize_t)sizeof(r->key))
		goto done;
	err = CAIRN_OK;
	*out = r;
	r = NULL;
done:
	rrl_free(r);
	return err;
}

void rrl_free(struct rrl *r)
{
	if (!r)
		return;
	cairn_table_free((void *)r->bucket, r->bucket_bytes);
	free(r->wl);
	free(r);
}

/* Writes the client's address cut to the configured prefix length into
 * addr (16 bytes) and returns 4 for IPv4 (v4-mapped IPv6 included) or 6. */
static uint8_t client_prefix(const struct rrl *r, const struct sockaddr *sa, uint8_t addr[16])
{
	const uint8_t *a;
	unsigned bits, len;
	uint8_t fam = 4;

	memset(addr, 0, 16);
	if (sa->sa_family == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
		len = 4;
	} else {
		const struct in6_addr *in6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		a = in6->s6_addr;
		len = 16;
		fam = 6;
		if (IN6_IS_ADDR_V4MAPPED(in6)) {
			a += 12;
			len = 4;
			fam = 4;
		}
	}
	bits = fam == 4 ? r->cfg.ipv4_prefix : r->cfg.ipv6_prefix;
	if (bits > len * 8)
		bits = len * 8;
	memcpy(addr, a, bits / 8);
	if (bits % 8)
		addr[bits / 8] = (uint8_t)(a[bits / 8] & (0xff00u >> (bits % 8)));
	return fam;
}

static bool whitelisted(const struct rrl *r, const struct sockaddr *sa)
{
	for (size_t i = 0; i < r->cfg.n_whitelist; i++)
		if (cairn_prefix_match(&r->cfg.whitelist[i], sa))
			return true;
	return false;
}

uint64_t rrl_key(const struct rrl *r, const struct sockaddr *client, enum rrl_kind kind,
		 const uint8_t *name, uint16_t qtype)
{
	uint8_t in[2 + 16 + 2 + WIRE_NAME_MAX], h[8];
	size_t n = 0, nlen;
	uint64_t key;

	/* kind, address family, prefix, qtype (answers), name */
	in[n++] = (uint8_t)kind;
	in[n++] = client_prefix(r, client, in + 2);
	n += 16;
	wire_put16(in + n, kind == RRL_POSITIVE ? qtype : 0);
	n += 2;
	if (name) {
		nlen = wire_name_len(name);
		memcpy(in + n, name, nlen);
		n += nlen;
	}
	cookie_siphash24(r->key, in, n, h);
	memcpy(&key, h, sizeof(key));
	return key;
}

/* The bucket of key: its low 32 bits scaled to the table (a multiply, not
 * a division); the top FP_BITS are the fingerprint kept in the bucket. */
static _Atomic uint64_t *bucket_of(const struct rrl *r, uint64_t key)
{
	return &r->bucket[((key & 0xffffffffu) * r->size) >> 32];
}

void rrl_prefetch(const struct rrl *r, uint64_t key)
{
	__builtin_prefetch((const void *)bucket_of(r, key), 1);
}

enum rrl_action rrl_account(struct rrl *r, const struct sockaddr *client, enum rrl_kind kind,
			    const uint8_t *name, uint16_t qtype, uint32_t now)
{
	return rrl_account_key(r, client, rrl_key(r, client, kind, name, qtype), now);
}

enum rrl_action rrl_account_key(struct rrl *r, const struct sockaddr *client, uint64_t key,
				uint32_t now)
{
	unsigned limit = r->cfg.ratelimit;
	uint64_t fp = key >> (64 - FP_BITS), stamp = now & ((1u << STAMP_BITS) - 1), old, nw;
	uint32_t count;
	_Atomic uint64_t *b = bucket_of(r, key);

	if (r->cfg.n_whitelist && whitelisted(r, client))
		limit = r->cfg.whitelist_ratelimit;
	if (limit == 0)
		return RRL_PASS;
	old = atomic_load_explicit(b, memory_order_relaxed);
	do {
		count = 1;
		if ((old >> (STAMP_BITS + COUNT_BITS)) == fp &&
		    ((old >> COUNT_BITS) & ((1u << STAMP_BITS) - 1)) == stamp) {
			count = (uint32_t)(old & COUNT_MAX);
			if (count < COUNT_MAX)
				count++;
		}
		nw = (fp << (STAMP_BITS + COUNT_BITS)) | (stamp << COUNT_BITS) | count;
	} while (!atomic_compare_exchange_weak_explicit(b, &old, nw, memory_order_relaxed,
							memory_order_relaxed));
	if (count <= limit)
		return RRL_PASS;
	/* every slip-th response past the limit slips (NSD rrl-slip, BIND slip) */
	if (r->cfg.slip && (count - limit) % r->cfg.slip == 0)
		return RRL_SLIP;
	return RRL_DROP;
}
