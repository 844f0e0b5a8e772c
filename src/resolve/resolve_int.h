/* resolve_int: internals shared by the files of the resolver module:
 * the transport (c-ares, transport.c only), upstream message parsing and
 * scrubbing (msg.c, iterate.c), server selection (servers.c), root hints
 * (hints.c) and the per-worker resolver (resolver.c). */
#ifndef CAIRN_RESOLVE_INT_H
#define CAIRN_RESOLVE_INT_H

#include "cairn/resolve.h"
#include "cairn/cache.h"
#include "cairn/dnssec.h"

/* ---- transport (transport.c: the only file that includes <ares.h>) ---- */
struct transport;

typedef resolver_reply_fn transport_done_fn;

/* Creates a transport whose sockets go into epoll_fd; caller owns it. */
cairn_err transport_new(int epoll_fd, unsigned timeout_ms, struct transport **out);
/* Destroys every channel; pending callbacks run with CAIRN_ENOTFOUND. */
void transport_free(struct transport *t);
/* Sends pkt (a complete DNS query; c-ares replaces its ID with a random
 * one) to server over UDP, or TCP when tcp; udp_size is the EDNS buffer
 * size pkt's OPT advertises (0: no OPT, UDP replies are limited to 512
 * bytes). fn runs exactly once, never before this returns. Returns
 * CAIRN_OK or CAIRN_ENOMEM/CAIRN_EIO. */
cairn_err transport_send(struct transport *t, const struct cairn_sockaddr *server,
			 bool tcp, uint16_t udp_size, const uint8_t *pkt, size_t len,
			 transport_done_fn fn, void *arg);
/* Milliseconds until transport_tick is due, -1 when nothing is pending. */
int transport_timeout_ms(struct transport *t);
/* Processes c-ares timeouts and retires idle or used-up channels. */
void transport_tick(struct transport *t);
/* Number of live channels (tests). */
unsigned transport_channels(const struct transport *t);
/* Fills io with t as the resolver's network seam and the system clock;
 * io->free frees t. */
void transport_io(struct transport *t, struct resolver_io *io);

/* ---- upstream messages (msg.c) ---- */
/* A reply of up to 65,535 bytes has at most (65535 - 12) / 11 records and
 * decompresses to a few MB at most: RMSG_DATA_MAX only guards against a
 * bug, it is never reached by a well-formed message (RFC 1035 §4.2.2). */
#define RMSG_DATA_MAX (16u << 20)

struct rmsg_rr {
	uint8_t sec;             /* enum wire_section */
	bool keep;               /* survives scrubbing */
	bool chain;              /* scrub: on the answer's CNAME chain */
	uint16_t type, rclass;
	uint32_t ttl;
	uint32_t owner;          /* offset in data: lowercase wire name */
	uint32_t rdata;          /* offset in data: rdata, names decompressed */
	uint16_t rdlen;
};

/* A parsed reply; rr and data grow as needed (rmsg_free releases them). */
struct rmsg {
	uint16_t id, flags;
	uint8_t rcode;           /* header rcode (4 bits) */
	bool has_opt;
	uint8_t qname[WIRE_NAME_MAX]; /* as sent (case kept) */
	size_t qname_len;
	uint16_t qtype, qclass;
	unsigned nrr, rr_cap;
	struct rmsg_rr *rr;
	size_t dlen, dcap;
	uint8_t *data;
};

/* Parses a reply: header, exactly one question, all records (names
 * decompressed, rdata names of RFC 1035 types decompressed, OPT noted and
 * skipped), any number of them. m starts zeroed or from an earlier parse.
 * Returns CAIRN_OK, CAIRN_EFORMAT, or CAIRN_ENOMEM / CAIRN_ELIMIT (a
 * resource limit: not the server's fault). */
cairn_err rmsg_parse(const uint8_t *pkt, size_t len, struct rmsg *m);
/* Releases what m holds (m may be parsed again afterwards). */
void rmsg_free(struct rmsg *m);
/* Appends a record made here (a CNAME synthesised from a DNAME), kept, of
 * class IN; *idx is its index. Returns CAIRN_OK or CAIRN_ENOMEM /
 * CAIRN_ELIMIT. */
cairn_err rmsg_add_rr(struct rmsg *m, int sec, const uint8_t *owner, uint16_t type,
		      uint32_t ttl, const uint8_t *rdata, uint16_t rdlen, unsigned *idx);
static inline const uint8_t *rmsg_owner(const struct rmsg *m, unsigned i)
{ return m->data + m->rr[i].owner; }
static inline const uint8_t *rmsg_rdata(const struct rmsg *m, unsigned i)
{ return m->data + m->rr[i].rdata; }
/* Collects the kept records of (sec, owner, type) into one RRset: rdata in
 * buf (cap bytes) as count x (rdlength, rdata), TTL the minimum (RFC 2181
 * §5.2), duplicates dropped. rs->owner points into m. Returns false when
 * there is no such record or buf is too small. */
bool rmsg_rrset(const struct rmsg *m, int sec, const uint8_t *owner, uint16_t type,
		uint8_t *buf, size_t cap, struct wire_rrset *rs);

/* Collects the kept RRSIG records of (sec, owner) that cover type covered
 * into one RRSIG RRset as rmsg_rrset does (rs->owner points into m).
 * Returns false when there is none or buf is too small. */
bool rmsg_sigs(const struct rmsg *m, int sec, const uint8_t *owner, uint16_t covered,
	       uint8_t *buf, size_t cap, struct wire_rrset *rs);

/* ---- accumulated answer: RRsets to put in the client's response ---- */
struct acc {
	uint8_t *buf;
	size_t len, cap;
	bool fixed;              /* buf is not malloc'd: never grows */
};
/* Appends rs to section sec with TTL ttl. Returns CAIRN_OK, CAIRN_ENOMEM or
 * CAIRN_ELIMIT (fixed buffer full). */
cairn_err acc_add(struct acc *a, int sec, const struct wire_rrset *rs, uint32_t ttl);
/* acc_add with the RRset's validation state (enum dsec_state, 0:
 * not validated). */
cairn_err acc_add_sec(struct acc *a, int sec, const struct wire_rrset *rs, uint32_t ttl,
		      uint8_t vstate);
/* The validation state of the entry that starts at entry (the *pos
 * acc_next was called with), and setting it. */
uint8_t acc_state(const struct acc *a, size_t entry);
void acc_set_state(struct acc *a, size_t entry, uint8_t vstate);
/* Lowers the TTL of the entry at entry to ttl (no change when lower). */
void acc_cap_ttl(struct acc *a, size_t entry, uint32_t ttl);
/* Iterates: *pos starts at 0; returns false at the end. */
bool acc_next(const struct acc *a, size_t *pos, int *sec, struct wire_rrset *rs);
/* True when an answer-section RRset (name, type) is already in a. */
bool acc_has_rrset(const struct acc *a, const uint8_t *name, uint16_t type);
/* True when an answer-section CNAME owned by name is already in a. */
bool acc_has_cname(const struct acc *a, const uint8_t *name);

/* ---- root hints (hints.c) ---- */
#define HINTS_MAX_NS   16
#define HINTS_MAX_ADDR 4
struct hints_ns {
	uint8_t name[WIRE_NAME_MAX];
	unsigned naddr;
	struct cairn_sockaddr addr[HINTS_MAX_ADDR];
};
struct hints {
	unsigned n;
	struct hints_ns ns[HINTS_MAX_NS];
};
/* Parses root hints in zone file form (". NS name", "name A addr", "name
 * AAAA addr"). Returns CAIRN_OK, or CAIRN_EFORMAT when a line is malformed
 * or no server has an address. */
cairn_err hints_parse(const char *text, uint16_t port, struct hints *out);
/* Loads path; when path is NULL the default file is tried and the built-in
 * IANA copy used if it is missing (*builtin set). A configured path that
 * cannot be read is CAIRN_EIO. */
cairn_err hints_load(const char *path, uint16_t port, struct hints *out, bool *builtin);

/* ---- the infra cache (servers.c) ----
 * Per worker (each worker has its own transport, so its own RTT samples;
 * no lock on the hot path), same semantics in every worker. */
struct lnode {                   /* a hash table entry in LRU order */
	struct lnode *hnext, *prev, *next;
	uint64_t hash;
};
struct ltab {
	struct lnode **b;
	size_t nb, n, max;
	struct lnode lru;            /* sentinel: lru.next is the oldest */
};
struct server_info {             /* one upstream address */
	struct lnode node;           /* first */
	struct cairn_sockaddr sa;
	uint32_t srtt_ms;            /* smoothed round trip time */
	uint64_t down_until;         /* ms; back-off after repeated timeouts */
	uint64_t tcp_until;          /* ms; TCP only (unwanted replies) */
	uint64_t last_used;
	unsigned timeouts;           /* consecutive */
	unsigned unwanted;           /* mismatched replies since the last switch */
	bool noedns;                 /* answered FORMERR to EDNS */
	bool loopback_logged, unwanted_logged;
};
struct lame_info {               /* one (zone, address) found lame */
	struct lnode node;           /* first */
	struct cairn_sockaddr sa;
	uint64_t until;              /* ms */
	unsigned level;              /* back-off doublings so far */
	uint8_t zone[];              /* lowercase wire form */
};
struct servers {
	struct ltab hosts, lame;
	struct server_info spare;    /* when out of memory */
	uint64_t v4_down_until, v6_down_until;  /* family unreachable */
	uint64_t unwanted_total;
	uint64_t lame_total;         /* lame verdicts (servers_lame calls) */
	uint64_t rng;
};
/* Sets up empty tables bounded to max_hosts addresses and max_lame
 * (zone, address) marks. Returns CAIRN_OK or CAIRN_ENOMEM. */
cairn_err servers_init(struct servers *s, uint64_t seed, unsigned max_hosts,
		       unsigned max_lame);
void servers_free(struct servers *s);
/* The entry of sa, created (evicting the least recently used) if new;
 * never NULL; owned by s, valid until the next call that may evict. */
struct server_info *servers_get(struct servers *s, const struct cairn_sockaddr *sa,
				uint64_t now);
/* Chooses among n candidate addresses of zone's servers the one to query
 * next: not tried[], not lame for zone, not backing off, of a reachable
 * family while there is one (else of any); lowest SRTT, with occasional
 * exploration of another. Returns an index, or -1 when none is usable. */
int servers_select(struct servers *s, const uint8_t *zone, const struct cairn_sockaddr *cand,
		   const bool *tried, unsigned n, uint64_t now);
/* A reply from sa after ms: the smoothed RTT moves (1/8 gain), the
 * timeout back-off and the family's unreachability end. */
void servers_rtt(struct servers *s, const struct cairn_sockaddr *sa, uint32_t ms,
		 uint64_t now);
/* No reply from sa in time: RTT doubled plus 1 s; after two in a row, sa
 * is left alone for 5 s, doubling to 2 min. Never lameness. */
void servers_timeout(struct servers *s, const struct cairn_sockaddr *sa, uint64_t now);
/* Marks sa lame for zone (only), with a growing back-off. */
void servers_lame(struct servers *s, const uint8_t *zone, const struct cairn_sockaddr *sa,
		  uint64_t now);
/* A good answer from sa for zone: forgets its lameness there. */
void servers_good(struct servers *s, const uint8_t *zone, const struct cairn_sockaddr *sa);
/* True while sa is marked lame for zone. */
bool servers_is_lame(struct servers *s, const uint8_t *zone,
		     const struct cairn_sockaddr *sa, uint64_t now);
/* sa could not be reached at all (no route): its whole address family is
 * avoided for 5 minutes while the other family has servers. */
void servers_unreachable(struct servers *s, const struct cairn_sockaddr *sa, uint64_t now);
/* Counts a reply from sa that failed the ID/question/0x20 checks. At
 * threshold (0: never) sa is asked over TCP only for a while; returns true
 * the first time that happens for sa (log it once). */
bool servers_unwanted(struct servers *s, const struct cairn_sockaddr *sa, uint64_t now,
		      unsigned threshold);
/* True while sa is to be asked over TCP only. */
bool servers_tcp_only(struct servers *s, const struct cairn_sockaddr *sa, uint64_t now);
/* Entries in the address and the lame tables (tests). */
unsigned servers_count(const struct servers *s);
unsigned servers_lame_count(const struct servers *s);
/* Reports every address entry, then every live lame mark, of s (only
 * those of only's IP address, any port, when only is not NULL) to fn. */
void servers_walk(struct servers *s, const struct cairn_sockaddr *only, uint64_t now,
		  void (*fn)(void *ctx, const struct resolver_infra *e), void *ctx);
/* sa's entry, or NULL when s knows nothing of it; creates and touches
 * nothing (cairn-control lookup). */
const struct server_info *servers_peek(struct servers *s, const struct cairn_sockaddr *sa);
/* Forgets the entries and lame marks of only's IP address (NULL: all, and
 * the families' unreachability). Returns how many were removed. */
unsigned servers_forget(struct servers *s, const struct cairn_sockaddr *only);
/* True for 127/8, ::1 and v4-mapped 127/8. */
bool servers_is_loopback(const struct cairn_sockaddr *sa);
/* The next number of s's generator (xorshift64*; IDs, 0x20, exploration). */
uint64_t servers_random(struct servers *s);

/* ---- locally served zones (localzone.c) ---- */
#define LZ_MAX       112     /* default zones (102 today) */
#define LZ_NAME_MAX  80      /* longest: the 34-label ip6.arpa names */
#define LZ_MAX_TLD   8
#define LZ_DEPTHS    64      /* label counts tracked in the depth mask */
enum lz_kind { LZ_STATIC, LZ_REDIRECT };
struct lz_entry {
	uint8_t name[LZ_NAME_MAX];  /* lowercase wire form */
	uint8_t ptr[LZ_NAME_MAX];   /* the PTR to localhost. (ptr_len 0: none) */
	uint8_t len, labels, ptr_len, kind;
	bool off;                   /* local-zone-disable */
};
struct localzones {
	unsigned n, ntld;
	uint64_t depths;            /* bit d: some zone has d labels */
	struct lz_entry e[LZ_MAX];  /* sorted by length, then bytes */
	uint8_t tld[LZ_MAX_TLD][WIRE_LABEL_MAX + 2]; /* their last labels */
	uint8_t rd_ns[16], rd_soa[64], rd_a[8], rd_aaaa[20];  /* rdlength + rdata */
	size_t rd_ns_len, rd_soa_len, rd_a_len, rd_aaaa_len;
};
/* Builds the table of default zones with those named in disable[0..n)
 * (presentation form) turned off. Returns CAIRN_OK, or CAIRN_ENOTFOUND
 * with *bad set to a name that is not a default zone. */
cairn_err localzone_init(struct localzones *lz, const char *const *disable, unsigned n,
			 const char **bad);
/* When q's name lies in an enabled local zone, writes the response (AA
 * and RA set, at most limit bytes) to out, sets *len and returns true.
 * Allocates nothing. */
bool localzone_answer(const struct localzones *lz, const struct wire_query *q,
		      uint8_t *out, size_t limit, uint16_t edns_size, size_t *len);

/* ---- resolutions (resolver.c, iterate.c; doc/ARCHITECTURE.md,
 * "The resolution state machine") ---- */
#define DP_MAX_NS      32
#define DP_MAX_ADDR    64
#define DP_NAMES       2048    /* bytes of NS names per delegation point */
#define RQ_MAX_CNAME   12      /* CNAME links followed per question */
#define RQ_MAX_NEST    4       /* sub-resolutions (glueless NS) within one */
#define RQ_BUCKETS     16384   /* in-flight table: short chains at 10,000 in flight */
#define RQ_MAX_STEPS   1000    /* state transitions per resolution */
#define RQ_MAX_FALLBACK 2      /* returns to the parent zone per resolution */
#define QMIN_MAX_COUNT 10      /* RFC 9156 §2.3 MAX_MINIMISE_COUNT */
#define QMIN_ONE_LAB   4       /* RFC 9156 §2.3 MINIMISE_ONE_LAB */
#define RQ_MAX_MISMATCH 3      /* mismatched replies in a row from one server,
                                * then the next server (not lameness) */
#define RQ_PARK_CHECK_MS 2000  /* a parked question re-checks its claim (it
                                * is woken when the claim ends; this only
                                * catches claims that lapse) */
#define RQ_LOG_MAX     48      /* events kept per resolution (the latest) */
#define RQ_LOG_NAMES   1024    /* bytes of names those events may keep */
/* DNSSEC validation (validate.c; doc/ARCHITECTURE.md rule 10) */
#define VAL_MAX_FETCH  32      /* DS/DNSKEY lookups started for one answer */
#define VAL_MAX_NEST   24      /* sub-resolutions within one, validation's
                                * lookups included (RQ_MAX_NEST bounds the
                                * glueless ones) */
#define VAL_MAX_DEPTH  32      /* zone cuts between a signer and its anchor */

enum ns_state { NS_NEW = 0, NS_HAVE_ADDR, NS_TRIED_A, NS_DONE };

/* A server address as a delegation point keeps it: compact (24 bytes,
 * not a sockaddr_storage), turned into a struct cairn_sockaddr to use. */
struct dp_addr {
	uint8_t family;          /* AF_INET or AF_INET6 */
	uint16_t port;           /* host order */
	uint32_t scope;          /* IPv6 scope id */
	uint8_t a[16];
};

/* A delegation point: a zone and the servers we may ask about it. Its NS
 * names are packed in names[] (an NS set whose names do not fit is cut
 * short, like one of more than DP_MAX_NS names). */
struct dp {
	bool forward;            /* forward-zone: RD=1 to resolvers, no iteration */
	bool from_cache;         /* built from cached NS/addresses (may be stale) */
	uint8_t zone[WIRE_NAME_MAX];
	unsigned nns;
	struct {
		uint16_t off;        /* of the name in names[] */
		uint8_t state;       /* enum ns_state */
	} ns[DP_MAX_NS];
	size_t names_len;
	uint8_t names[DP_NAMES];
	unsigned naddr;
	struct dp_addr addr[DP_MAX_ADDR];
	bool tried[DP_MAX_ADDR];
	unsigned glueless;       /* sub-resolutions started for NS names */
};

/* The i-th NS name of dp (lowercase wire form). */
static inline const uint8_t *dp_ns_name(const struct dp *dp, unsigned i)
{ return dp->names + dp->ns[i].off; }
/* The i-th address of dp as a socket address. */
void dp_sockaddr(const struct dp *dp, unsigned i, struct cairn_sockaddr *out);

struct waiter {
	struct waiter *next;
	resolve_done_fn done;
	void *ctx;
	size_t limit;
	struct wire_query q;     /* q.pkt points to pkt */
	uint8_t pkt[];           /* header and question of the client's query */
};

/* The states of a resolution. Each step function moves a resolution from
 * one state to the next; the run loop (resolver_tick) calls them until the
 * resolution waits (WAIT_REPLY, WAIT_CHILD, PARKED) or is DONE. */
enum rq_state {
	RQ_START,        /* answer from the cache, else FIND_DP */
	RQ_FIND_DP,      /* closest delegation known; may start priming */
	RQ_SEND,         /* choose a server and send; glueless child; parent */
	RQ_WAIT_REPLY,   /* one upstream query is out */
	RQ_REPLY,        /* its reply (or failure) arrived: judge and use it */
	RQ_WAIT_CHILD,   /* a sub-resolution works for us */
	RQ_PARKED,       /* another worker resolves the same question */
	RQ_VALIDATE,     /* DNSSEC: check the answer; may wait for DS/DNSKEY */
	RQ_DONE,         /* answered or failed; waiters get the response */
};

/* What a resolution did, for log-servfail and the explain command. */
enum rq_ev_kind {
	EV_CACHE,        /* answered from the cache */
	EV_DELEGATION,   /* the closest delegation (zone) */
	EV_PRIME,        /* root priming started */
	EV_SEND,         /* query sent (server, name, type; reason "tcp") */
	EV_REPLY,        /* reply accepted (rcode, RTT) */
	EV_TIMEOUT,      /* no reply in time */
	EV_NETERR,       /* network error */
	EV_MISMATCH,     /* reply failed the ID/question/0x20 checks: dropped */
	EV_TRUNCATED,    /* TC=1: ask again over TCP */
	EV_NOEDNS,       /* FORMERR to EDNS: ask again without */
	EV_LAME,         /* server lame for the zone (reason) */
	EV_REFERRAL,     /* referral to a zone */
	EV_CNAME,        /* CNAME followed to a name */
	EV_QMIN,         /* QNAME minimisation: one more label, or given up */
	EV_GLUELESS,     /* sub-resolution for an NS name's address */
	EV_PARENT,       /* no usable server: back to the parent zone */
	EV_FAIL,         /* SERVFAIL (reason) */
	EV_DONE,         /* answered (rcode) */
	EV_STALE,        /* clients answered with stale data (RFC 8767; reason) */
	EV_PREFETCH,     /* a background refresh of an expiring RRset */
	EV_VAL_FETCH,    /* DNSSEC: a DS or DNSKEY RRset fetched for the chain */
	EV_VAL_LINK,     /* DNSSEC: a link of the chain checked (verdict) */
	EV_VAL_DONE,     /* DNSSEC: the answer's verdict (reason) */
};

struct rq_event {
	uint32_t t_ms;           /* since the resolution started */
	uint8_t kind;            /* enum rq_ev_kind */
	uint8_t rcode;
	uint16_t qtype;
	uint32_t rtt_ms;
	uint16_t name;           /* offset in the log's names, 0xffff: none */
	uint8_t family;          /* AF_INET, AF_INET6 or 0: no server */
	uint8_t addr[16];
	uint16_t port;
	uint16_t flags;          /* EV_REPLY: the reply's header flags */
	uint16_t size;           /* EV_REPLY: its size in bytes (65535 at most) */
	uint8_t depth;           /* 0: the resolution's own event; n: copied from
	                          * a sub-resolution n levels down (explain) */
	const char *reason;      /* static text or NULL */
};

struct rq_log {
	unsigned n;              /* events ever logged (ring of RQ_LOG_MAX) */
	struct rq_event ev[RQ_LOG_MAX];
	size_t names_len;
	uint16_t last_name;      /* offset of the newest name kept */
	uint8_t names[RQ_LOG_NAMES];
};

/* Cache reads a resolution skips */
enum rq_nocache {
	RQ_NOCACHE_NONE = 0,
	RQ_NOCACHE_FIRST,        /* prefetch: the question's answer, once */
	RQ_NOCACHE_ALL,          /* explain --no-cache: every answer, and the first
	                          * delegation comes from the root hints */
};

/* One resolution: a client question (shared by identical ones in flight)
 * or a sub-resolution (root priming, an NS name without glue). */
struct rq {
	struct rq *next, *prev;  /* resolver's list of all resolutions */
	struct rq *rnext;        /* ready queue */
	struct rq *fnext;        /* finished list, then dead list */
	struct rq *hnext;        /* in-flight table */
	struct rq *pnext, *pprev; /* resolver's parked list */
	struct resolver *r;
	struct rq *parent;       /* the first to wait for us (sub-resolution) */
	struct rq *child;        /* we wait for it */
	struct rq *deps, *deps_tail; /* every resolution waiting for us ... */
	struct rq *dep_next;     /* ... linked through this */
	struct waiter *waiters;
	enum rq_state state;
	unsigned steps;          /* state transitions so far */
	size_t heap_idx;         /* in the timer heap; SIZE_MAX: not there */
	uint64_t timer;          /* ms: deadline, or next claim check if parked */
	uint64_t started;        /* ms */
	uint64_t deadline;       /* ms */
	uint8_t qname[WIRE_NAME_MAX];
	uint16_t qtype, qclass;
	uint8_t cur[WIRE_NAME_MAX];   /* current name of the CNAME chain */
	unsigned cnames, sent, max_sent, referrals, nest, qmin_labels, fallbacks;
	unsigned mismatches;     /* in a row from the current server */
	unsigned qmin_count;     /* minimised queries sent (RFC 9156 §2.3) */
	bool in_ready, in_table, outstanding, net_error;
	bool child_priming;      /* the sub-resolution we wait for primes the root */
	bool child_failed;       /* the sub-resolution we waited for failed: */
	uint16_t child_ede;      /* its EDE and text */
	const char *child_ede_text;
	uint64_t claim;          /* cache_inflight_claim token, 0 = none */
	bool qmin_off;           /* relaxed QNAME minimisation fell back to full names */
	bool fail_logged;        /* rq_fail logged EV_FAIL already */
	uint8_t no_cache;        /* enum rq_nocache */
	bool cache_skipped;      /* RQ_NOCACHE_FIRST: START skipped the cache */
	uint64_t park_at;        /* ms: next claim check while PARKED */
	resolver_explain_fn explain_fn;  /* explain: told at the end (explain.c) */
	void *explain_ctx;
	uint64_t stale_at;       /* ms: client timeout of serve-stale, 0: none */
	/* DNSSEC validation (validate.c) */
	uint8_t vstate;          /* enum dsec_state of the answer (0: not validated) */
	uint16_t vede;           /* its EDE when not secure, 0xffff: none */
	const char *vwhy;        /* static reason when bogus */
	bool child_val;          /* the sub-resolution we wait for is validation's */
	bool vchecked;           /* some part of the answer was verified here */
	unsigned vfetches;       /* DS/DNSKEY lookups started */
	uint16_t vfetch_type;    /* the last one: type and name */
	uint8_t vfetch[WIRE_NAME_MAX];
	struct dsec_budget budget;
	struct dp dp;
	uint8_t above[WIRE_NAME_MAX]; /* FIND_DP: look above this zone (fallback) */
	bool use_above;
	/* the upstream query in flight */
	uint8_t qpkt[WIRE_HDR_LEN + WIRE_NAME_MAX + 4 + 11];
	size_t qpkt_len, qsec_len;
	uint8_t sname[WIRE_NAME_MAX]; /* lowercase name asked */
	uint16_t stype;
	int addr_idx;
	struct cairn_sockaddr sa;     /* dp.addr[addr_idx], the server asked */
	int retry_idx;           /* SEND: ask this server again (-1: choose) */
	bool tcp, edns;
	uint64_t sent_at;
	/* its reply, kept from the callback until REPLY judges it */
	cairn_err rerr;
	uint8_t *reply;
	size_t reply_len, reply_cap;
	/* the outcome */
	uint8_t rcode;
	uint16_t ede;            /* RFC 8914 code, 0xffff = none */
	const char *ede_text;
	struct acc acc;
	struct rq_log log;
};

struct resolver {
	struct resolver_config cfg;
	struct resolver_io io;   /* the network and the clock (the seams) */
	struct resolver_forward *forwards;
	struct cache *cache;
	struct dsec_anchors *anchors;   /* NULL: no validation (dnssec: no) */
	struct hints hints;
	struct servers servers;
	struct rq *all;          /* every resolution not yet freed */
	struct rq *ready, *ready_tail;   /* to advance (FIFO) */
	struct rq *finished;     /* DONE, waiters to answer */
	struct rq *dead;         /* DONE and answered, a query still out */
	struct rq *parked;       /* PARKED: another worker has the claim */
	struct stale_out *stale_out;  /* stale answers for step 4 (stale.c) */
	unsigned worker;         /* our number for the claims' waiters (64: none) */
	void (*wake)(void *ctx, uint64_t workers);  /* wakes other workers */
	void *wake_ctx;
	struct rq **heap;        /* timers: min-heap on rq->timer */
	size_t nheap, heap_cap;
	unsigned nactive;        /* resolutions not DONE */
	struct rq *table[RQ_BUCKETS];
	struct resolver_counters cnt; /* upstream queries, timeouts, TCP fallbacks */
	struct localzones lz;    /* RFC 6761 / RFC 6303 names answered here */
	struct rmsg msg;         /* the reply being processed */
	uint8_t scratch[65536 + 4096];  /* cache_get */
	uint8_t rrbuf[65536 + 4096];    /* rmsg_rrset */
	uint8_t out[65536];             /* responses */
	uint8_t fastbuf[65536];         /* accumulator of the cache-hit path */
	uint8_t sigbuf[65536 + 4096];   /* rmsg_sigs */
	uint8_t proofbuf[65536 + 4096]; /* denial proofs and DS of a reply */
	uint8_t vbuf1[65536 + 4096], vbuf2[65536 + 4096];  /* validate.c lookups */
	uint8_t vkeys[65536 + 256];     /* the trusted keys in use */
	uint8_t vanchor[DSEC_ANCHOR_MAX];  /* the trust anchor in use */
};

/* The resolver's clock (the "now" seam), in ms and in s. */
static inline uint64_t rnow_ms(const struct resolver *r)
{ return r->io.now_ms(r->io.ctx); }
static inline uint64_t rnow_s(const struct resolver *r)
{ return rnow_ms(r) / 1000; }

enum chain_res { CHAIN_MISS, CHAIN_DONE, CHAIN_FAIL };
/* The validation state of what the cache gave. */
struct chain_sec {
	uint8_t state;           /* enum dsec_state: the weakest of the parts
	                          * (bogus < insecure < secure) */
	uint16_t ede;            /* the EDE of that part */
	bool unchecked;          /* a part was never validated */
};
/* The cache's state as an enum dsec_state. */
static inline uint8_t val_from_cache(enum cache_sec s)
{
	return s == CACHE_SEC_SECURE ? DSEC_SECURE : s == CACHE_SEC_INSECURE ? DSEC_INSECURE :
	       s == CACHE_SEC_BOGUS ? DSEC_BOGUS : DSEC_INDETERMINATE;
}
/* Follows (name, qtype) and CNAMEs through the cache, appending what it
 * finds to a, each RRset with its validation state; with dnssec also
 * their RRSIGs and the denial proofs. On CHAIN_MISS name is the name still
 * to resolve, on CHAIN_DONE *rcode is set (and *vs, when not NULL), on
 * CHAIN_FAIL the chain is too long or loops. */
enum chain_res iter_chain_cache(struct resolver *r, uint8_t *name, uint16_t qtype,
				unsigned *cnames, struct acc *a, uint8_t *rcode, bool *expiring,
				bool dnssec, struct chain_sec *vs);
/* (expiring, may be NULL: set to true when a record found is in the last
 * 10 % of its original TTL: prefetch) */
/* Advances q from state to state until it waits or is DONE (iterate.c;
 * called only by the run loop in resolver.c). */
void iter_advance(struct rq *q);
/* The transport's callback for q's upstream query: keeps the reply and
 * makes q ready; never advances anything itself. */
void iter_on_reply(void *arg, cairn_err err, const uint8_t *pkt, size_t len);

/* dp.c: delegation point building, for iterate.c and scrub.c. q->dp is
 * owned by q; these copy what they are given. */
/* Adds the cached addresses of the dp's NS names: of those without an
 * address yet, or of all (all: a fresh referral's glue plus the cached
 * child addresses). */
void iter_dp_cached_addrs(struct rq *q, bool all);
/* Empties q->dp and makes it the delegation point of zone (QNAME
 * minimisation restarts one label below it). */
void iter_dp_reset(struct rq *q, const uint8_t *zone);
/* Adds the NS name name (lowercased; duplicates and more than DP_MAX_NS
 * ignored). */
void iter_dp_add_ns(struct rq *q, const uint8_t *name);
/* Adds a server address (duplicates, more than DP_MAX_ADDR and loopback
 * addresses without query-loopback are ignored; the latter logged once). */
void iter_dp_add_addr(struct rq *q, const struct cairn_sockaddr *sa);
/* Adds the addresses of an A or AAAA RRset; true when it had any. */
bool iter_dp_add_rrset(struct rq *q, const struct wire_rrset *rs);
/* Makes q->dp the delegation point of zone with the NS names of rs. */
void iter_dp_from_ns(struct rq *q, const uint8_t *zone, const struct wire_rrset *rs);
/* Makes q->dp the root from the hints (names and addresses). */
void iter_dp_from_hints(struct rq *q);
/* The forward-zone with the longest name covering name, or NULL. */
const struct resolver_forward *iter_find_forward(struct resolver *r, const uint8_t *name);

/* scrub.c: what a validated reply to q means */
enum outcome {
	IT_DONE,        /* q->acc and q->rcode hold the answer */
	IT_FOLLOW,      /* a CNAME led out of the zone: q->cur changed */
	IT_REFERRAL,    /* q->dp is the delegated zone */
	IT_LAME,        /* the server cannot answer for the zone */
	IT_QMIN_NEXT,   /* minimised name exists: ask one label more */
	IT_FAIL,        /* CNAME loop or chain too long */
};
/* Scrubs m (RFC 2181 §5.4.1, bailiwick of q->dp.zone), caches what is
 * believable and classifies the reply. */
enum outcome scrub_process(struct rq *q, struct rmsg *m);
/* RFC 2308 §5 negative TTL of an SOA RRset: min(TTL, MINIMUM); 0 if none. */
uint32_t scrub_soa_negative_ttl(const struct wire_rrset *soa);

/* norec.c: the answer to a query with RD=0, from the cache (or the root
 * hints) only: appends it to a (a fixed buffer) and sets *rcode. Returns
 * where it came from. Allocates nothing, sends nothing. */
enum resolve_source norec_answer(struct resolver *r, const struct wire_query *q,
				 struct acc *a, uint8_t *rcode);

/* runloop.c and resolver.c, for iterate.c; resolutions are owned by
 * their resolver and freed by its run loop */
/* Ends q with its answer (acc, rcode): q becomes DONE, leaves the timers
 * and the in-flight table, its parent becomes ready; its waiters are
 * answered by the run loop after this step. */
void rq_finish(struct rq *q);
/* Ends q with SERVFAIL and EDE ede (text static, may be NULL). */
void rq_fail(struct rq *q, uint16_t ede, const char *text);
/* Makes parent (moved to WAIT_CHILD) wait for a resolution of (name,
 * qtype): the one in flight when there is one (shared by every
 * resolution that needs it), else a new sub-resolution. The child is owned
 * by the resolver. NULL when out of memory. */
struct rq *rq_child(struct rq *parent, const uint8_t *name, uint16_t qtype);
/* Puts q on the ready queue (once). */
void rq_ready(struct rq *q);
/* A new resolution of (name, qtype, qclass) in state START, not yet ready,
 * with its deadline in the timer heap; NULL when out of memory. */
struct rq *rq_new(struct resolver *r, const uint8_t *name, uint16_t qtype, uint16_t qclass);
/* The in-flight table's bucket of (name, qtype). */
unsigned rq_bucket(const uint8_t *name, uint16_t qtype);
/* Claims q's question for this worker (cache_inflight_claim); true when q
 * may resolve it. */
bool rq_claim(struct rq *q);
/* q waits for another worker's claim: PARKED until resolver_wake() or a
 * timer finds the claim ended. */
void rq_park(struct rq *q);
/* Frees every resolution (the transport is already gone); waiters are
 * told with resp NULL. */
void resolver_free_all(struct resolver *r);
/* Writes the response for one client from an accumulated answer (AA
 * clear, RA set, EDE when the client has EDNS). Returns its length. */
size_t resolver_build_response(struct resolver *r, uint8_t *out, const struct wire_query *cq,
			       size_t limit, const struct acc *a, uint8_t rcode, uint16_t ede,
			       const char *ede_text);
/* resolver_build_response for an answer whose validation state is vstate
 * (enum dsec_state): bogus is SERVFAIL with EDE ede unless the client set
 * CD; secure sets AD for a client that set DO or AD; RRSIG, NSEC and
 * NSEC3 records go only to DO clients (RFC 4035 §3.2). */
size_t resolver_build_answer(struct resolver *r, uint8_t *out, const struct wire_query *cq,
			     size_t limit, const struct acc *a, uint8_t rcode, uint16_t ede,
			     const char *ede_text, uint8_t vstate);
/* The EDE (and its text, *text) a client of q's result gets: the reason of
 * a bogus answer, else the resolution's own, else validation's. */
uint16_t rq_answer_ede(const struct rq *q, const char **text);
/* Recomputes q's timer (deadline, claim check, serve-stale client
 * timeout: the earliest) in the heap. */
void rq_timer_update(struct rq *q);

/* valchain.c: the chain of trust of DNSSEC validation */
/* What val_keys_for found. */
enum kres { K_SECURE, K_INSECURE, K_BOGUS, K_PENDING };

struct kout {
	enum kres res;
	uint16_t ede;
	const char *why;
	struct wire_rrset keys;    /* K_SECURE: the zone's DNSKEY RRset, in r->vkeys */
};
/* The trusted DNSKEY RRset of zone (o->keys, in r->vkeys) on K_SECURE;
 * K_INSECURE (no anchor above, a negative trust anchor, a proven insecure
 * delegation, unsupported algorithms: o->ede), K_BOGUS (o->ede, o->why),
 * or K_PENDING when a DS or DNSKEY sub-resolution was started (q waits). */
enum kres val_keys_for(struct rq *q, const uint8_t *zone, struct kout *o);
/* Copies into signer the signer of sigs over type when it may sign owner's
 * RRset (an ancestor of owner, or owner itself except for DS, RFC 4035
 * §5.2); false otherwise or without signatures. */
bool val_signer_of(const struct wire_rrset *sigs, uint16_t type, const uint8_t *owner,
		   uint8_t *signer);
/* Stores a verdict in the cache on (name, type) -- the NXDOMAIN entry when
 * nx -- / on the RRset rs only while the cache holds its records: secure
 * data for at most ttl seconds (RFC 4035 §5.3.3), bogus for val-bogus-ttl. */
void val_verdict(struct resolver *r, const uint8_t *name, uint16_t type, bool nx,
		 enum dsec_state s, uint16_t ede, uint32_t ttl);
void val_verdict_rrset(struct resolver *r, const struct wire_rrset *rs, enum dsec_state s,
		       uint16_t ede, uint32_t ttl);
/* The closest enclosing zone of name the cache knows (an NS RRset; the
 * root at last): the zone of unsigned data, whose chain says whether it
 * may be unsigned. Points into name. */
const uint8_t *val_zone_of(struct resolver *r, const uint8_t *name);
/* "secure", "insecure", "bogus", "indeterminate". */
const char *val_state_name(enum dsec_state s);

/* validate.c: DNSSEC validation (RFC 4035 §5) */
/* True when q's answer is to be validated (VALIDATE before DONE). */
bool val_needed(const struct rq *q);
/* The VALIDATE step: checks q->acc, stores the verdicts in the cache and
 * ends q (vstate, vede, vwhy), or starts a DS/DNSKEY lookup and waits. */
void val_step(struct rq *q);

/* aggressive.c: RFC 8198. When cached secure NSEC records prove q's name
 * (q->cur, nothing accumulated yet) absent or without the type, q's
 * answer becomes that NXDOMAIN or NODATA, secure, and true is returned. */
bool val_aggressive(struct rq *q);

/* stale.c: serve-stale (RFC 8767) */
struct stale_out;
/* q (a client question) fails: when stale data answers it, q's answer
 * becomes that data (EDE 3 or 19) and true is returned. */
bool stale_on_fail(struct rq *q);
/* q's client timeout: when stale data answers q, its waiters are moved
 * to the resolver's stale answers (answered in step 4) and q goes on. */
void stale_on_timer(struct rq *q);
/* Step 4 of the run loop: answers the clients of the stale answers. */
void stale_deliver(struct resolver *r);
/* Forgets the stale answers' waiters whose ctx is ctx. */
void stale_cancel(struct resolver *r, void *ctx);
/* Releases the stale answers' waiters (done with resp NULL). */
void stale_free_all(struct resolver *r);

/* explain.c: q (an explain resolution) ended, or is freed unanswered
 * (ended false): tells its explain function. */
void explain_finish(struct rq *q, bool ended);
/* explain.c: q (a sub-resolution) logged e: a copy goes to the log of the
 * explain resolution above it, if any, so that explain shows the glueless
 * and priming side resolutions' own steps. e NULL: rq_log_reply completed
 * q's newest event (a reply's flags and size): so is its copy. */
void explain_mirror(const struct rq *q, const struct rq_event *e);
/* explain.c: appends s to buf (cap bytes, len used) as a JSON string;
 * returns the new length (cap or more: it did not fit). */
size_t rq_json_str(char *buf, size_t cap, size_t len, const char *s);
/* Keeps name in l's names; its offset, 0xffff when full (runloop.c). */
uint16_t rq_log_name(struct rq_log *l, const uint8_t *name);
/* The name of an event kind ("send", ...). */
const char *rq_ev_name(enum rq_ev_kind kind);
/* Adds a reply's header flags and size to q's newest event (EV_REPLY). */
void rq_log_reply(struct rq *q, uint16_t flags, size_t size);
/* A reply's header flags as text: "qr,aa,rd" ("-" for none). */
void rq_flags_text(uint16_t flags, char *buf, size_t cap);

/* Appends an event to q's log. sa, name may be NULL; reason static. */
void rq_log_event(struct rq *q, enum rq_ev_kind kind, const struct cairn_sockaddr *sa,
		  const uint8_t *name, uint16_t qtype, uint8_t rcode, uint32_t rtt_ms,
		  const char *reason);
/* Writes q's event log as text, one event a line (at most cap bytes,
 * NUL-terminated). Returns the length written. */
size_t rq_log_format(const struct rq *q, char *buf, size_t cap);
/* The log-servfail line of q (failed): its question, reason, EDE, time
 * and events on one line (at most cap bytes, NUL-terminated). Returns its
 * length. */
size_t rq_log_servfail_line(const struct rq *q, char *buf, size_t cap);

#endif
