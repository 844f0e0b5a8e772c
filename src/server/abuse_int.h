/* abuse defences of the answer path: DNS cookies (RFC 7873 with RFC 9018's
 * interoperable server cookies, cookie.c) and response rate limiting in
 * the manner of NSD and BIND (rrl.c). Both are shared by every worker
 * thread without locks: the cookie secrets behind a sequence counter, the
 * RRL buckets as single atomic words. Nothing here allocates after
 * set-up. Internal to server/. */
#ifndef CAIRN_SERVER_ABUSE_INT_H
#define CAIRN_SERVER_ABUSE_INT_H

#include "cairn/common.h"
#include "cairn/wire.h"

#include <stdatomic.h>
#include <sys/socket.h>

/* ---- cookie.c ---- */

#define COOKIE_SECRET_LEN 16     /* SipHash-2-4 key (RFC 9018 §4.4) */
/* A secret generates server cookies for one period, then verifies them
 * for one more: with one hour, every cookie young enough for RFC 9018
 * §4.3 still verifies. */
#define COOKIE_ROTATE_S   3600
#define COOKIE_MAX_AGE_S  3600   /* RFC 9018 §4.3: 1 hour in the past ... */
#define COOKIE_MAX_SKEW_S 300    /* ... and 5 minutes in the future */
#define COOKIE_RENEW_S    1800   /* RFC 9018 §4.3: renewed when half an hour old */

/* SipHash-2-4 (Aumasson and Bernstein) of in[0..len) under a 16-byte key;
 * the 8 output bytes in the reference byte order go to out. */
void cookie_siphash24(const uint8_t key[COOKIE_SECRET_LEN], const uint8_t *in, size_t len,
		      uint8_t out[8]);

/* The server secrets: the current one generates, it and the previous one
 * verify. Lives in struct server; every worker reads it. */
struct cookie_jar {
	_Atomic uint32_t seq;         /* odd while a secret is being replaced */
	_Atomic uint64_t key[2][2];   /* two secrets as little-endian words */
	_Atomic uint32_t cur;         /* index of the current secret */
	_Atomic uint32_t next_rotate; /* wall-clock second (RFC 1982 arithmetic) */
	atomic_flag rotating;         /* held by the one thread rotating */
	uint32_t period;              /* seconds between rotations, 0: none */
};

/* How a query's COOKIE option fared (RFC 7873 §5.2). */
enum cookie_verdict {
	COOKIE_NONE = 0,       /* no COOKIE option */
	COOKIE_CLIENT_ONLY,    /* a client cookie alone (§5.2.3) */
	COOKIE_INVALID,        /* a server cookie that does not verify (§5.2.4) */
	COOKIE_VALID,          /* a server cookie of ours, fresh enough (§5.2.5) */
};

/* Sets j up at wall-clock second now with secret (COOKIE_SECRET_LEN bytes;
 * NULL: from getrandom) as the current secret and no previous one; it
 * rotates every period seconds (0: never). Returns CAIRN_OK, or CAIRN_EIO
 * when the kernel gives no random bytes. */
cairn_err cookie_jar_init(struct cookie_jar *j, const uint8_t *secret, uint32_t now,
			  uint32_t period);
/* Makes secret the current one and the current one the previous (the one
 * before is forgotten). One thread at a time (cookie_check makes sure). */
void cookie_jar_rotate(struct cookie_jar *j, const uint8_t secret[COOKIE_SECRET_LEN]);
/* Examines q's COOKIE option from client at wall-clock second now and
 * writes the response's COOKIE option (client cookie + a fresh version 1
 * server cookie, RFC 9018 §4) into q->resp_cookie; a valid server cookie
 * of the current secret younger than COOKIE_RENEW_S goes back as it came
 * (one hash instead of two). A server cookie is
 * valid when it is 16 bytes of version 1, its hash verifies with the
 * current or the previous secret and its timestamp lies at most one hour
 * in the past and five minutes in the future (RFC 9018 §4.3). Rotates the
 * secret (getrandom) when its period is over. Returns the verdict. */
enum cookie_verdict cookie_check(struct cookie_jar *j, struct wire_query *q,
				 const struct sockaddr *client, uint32_t now);
/* A worker's memo of the server cookie hashes it computed lately: a
 * client asking again in the same second with the same client cookie,
 * or sending back the cookie it got, costs no SipHash (the hash is a
 * function of secret and input alone: a rotation changes the secret). */
#define COOKIE_MEMO 16
struct cookie_memo {
	struct cookie_memo_entry {
		uint64_t k[2], h;
		uint8_t n;   /* input bytes, 0: free */
		uint8_t in[WIRE_COOKIE_CLIENT_LEN + 8 + 16];
	} e[COOKIE_MEMO];
};
/* cookie_check with the caller's memo (NULL: none). */
enum cookie_verdict cookie_check_memo(struct cookie_jar *j, struct cookie_memo *memo,
				      struct wire_query *q, const struct sockaddr *client,
				      uint32_t now);

/* ---- rrl.c ---- */

/* Response kinds, each limited on its own (NSD's classification): the
 * name a bucket is keyed on is given with it. */
enum rrl_kind {
	RRL_POSITIVE = 0,      /* an answer: qname and qtype */
	RRL_NODATA,            /* no data: the zone */
	RRL_NXDOMAIN,          /* name error: the zone */
	RRL_REFERRAL,          /* a delegation: its name */
	RRL_WILDCARD,          /* synthesised from a wildcard: the wildcard */
	RRL_ANY,               /* qtype ANY: qname */
	RRL_ERROR,             /* REFUSED, FORMERR, SERVFAIL ...: the zone, if any */
};

enum rrl_action {
	RRL_PASS = 0,          /* send the response */
	RRL_DROP,              /* send nothing */
	RRL_SLIP,              /* send it empty with TC=1 (the client retries over TCP) */
};

#define RRL_SIZE_MIN 16
#define RRL_SIZE_MAX (1u << 24)   /* 128 MB of buckets */
#define RRL_RATE_MAX 1000000      /* fits the bucket's 24-bit counter */

struct rrl_config {
	unsigned ratelimit;           /* responses a second per bucket; 0: off */
	unsigned whitelist_ratelimit; /* the same for whitelisted clients; 0: unlimited */
	unsigned slip;                /* every slip-th limited response slips; 0: none */
	unsigned ipv4_prefix, ipv6_prefix; /* bits of the client address kept */
	size_t size;                  /* buckets, RRL_SIZE_MIN..RRL_SIZE_MAX */
	const struct cairn_prefix *whitelist; /* copied */
	size_t n_whitelist;
};

struct rrl;
/* Creates the bucket table for cfg. Returns CAIRN_OK with *out (the
 * caller's, rrl_free), *out NULL when cfg limits nothing (both rates 0);
 * CAIRN_ENOMEM; CAIRN_EIO when the kernel gives no random hash key. */
cairn_err rrl_new(const struct rrl_config *cfg, struct rrl **out);
void rrl_free(struct rrl *r);
/* Counts one response of kind for name (lowercase wire name, NULL: none)
 * and qtype (used for RRL_POSITIVE only) to client at monotonic second
 * now, and says what to do with it: within the limit of its bucket this
 * second it passes; beyond, every slip-th limited response slips and the
 * others are dropped. Lock-free, O(1), allocates nothing. */
enum rrl_action rrl_account(struct rrl *r, const struct sockaddr *client, enum rrl_kind kind,
			    const uint8_t *name, uint16_t qtype, uint32_t now);
/* rrl_account in two steps, so that the bucket can be fetched for a whole
 * batch of queries before their answers are counted: the bucket key of
 * (client, kind, name, qtype) under r's secret hash key, ... */
uint64_t rrl_key(const struct rrl *r, const struct sockaddr *client, enum rrl_kind kind,
		 const uint8_t *name, uint16_t qtype);
/* ... a hint to load its bucket into the CPU's cache, ... */
void rrl_prefetch(const struct rrl *r, uint64_t key);
/* ... and the count (client: for the whitelist), as rrl_account. */
enum rrl_action rrl_account_key(struct rrl *r, const struct sockaddr *client, uint64_t key,
				uint32_t now);

#endif
