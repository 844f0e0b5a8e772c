/* config: the cairnd.conf parser (clause/key syntax in the style of
 * unbound.conf and nsd.conf) and the settings it produces. */
#ifndef CAIRN_CONFIG_H
#define CAIRN_CONFIG_H

#include "cairn/common.h"

#define CONFIG_DEFAULT_PORT          53
#define CONFIG_DEFAULT_EDNS_SIZE     1232
#define CONFIG_DEFAULT_TCP_IDLE      10   /* seconds, RFC 7766 §6.2.3 */
#define CONFIG_DEFAULT_TCP_MAX_CONNS 256  /* per worker thread */

/* One `listen:` address. */
struct config_listen {
	struct cairn_sockaddr addr;
	char text[64];           /* as written (or the default), for messages */
	unsigned line;           /* 0 for a default address */
};

/* One `key:` clause: a TSIG key (RFC 8945). */
struct config_tsig_key {
	char *name;              /* as written, without a trailing dot */
	char *algorithm;         /* hmac-sha256 | hmac-sha512 | hmac-sha1 */
	uint8_t *secret;         /* decoded base64 */
	size_t secret_len;
	unsigned line;           /* line of `key:` */
};

/* One prefix of provide-xfr: or allow-notify: with its key. */
struct config_xfr_acl {
	struct cairn_prefix pfx;
	char *key;               /* NULL: NOKEY */
	unsigned line;
};

/* One notify: target or primary: server. */
struct config_remote {
	struct cairn_sockaddr addr;
	char text[64];           /* as written, for messages */
	char *key;               /* NULL: none */
	unsigned line;
};

/* One `zone:` clause. */
struct config_zone {
	char *name;              /* as written, without a trailing dot */
	char *file;              /* resolved against the config file's directory */
	unsigned line;           /* line of `zone:` */
	unsigned file_line;      /* line of `file:` */
	/* zone transfers (xfr.h) */
	struct config_xfr_acl *provide_xfr, *allow_notify;
	size_t n_provide_xfr, n_allow_notify;
	struct config_remote *notify, *primary;
	size_t n_notify, n_primary;  /* n_primary > 0: we are a secondary */
	unsigned ixfr_number;        /* journal: differences kept */
	bool catalog;                /* catalog: yes (RFC 9432): cairnd writes file */
	size_t ixfr_size;            /* journal: bytes kept */
};

#define CONFIG_DEFAULT_IXFR_NUMBER 5
#define CONFIG_DEFAULT_IXFR_SIZE   (1024u * 1024)

/* One `forward-zone:` clause (the resolver sends names under it, RD=1, to
 * these addresses instead of iterating). */
struct config_forward {
	char *name;              /* as written */
	struct cairn_sockaddr *addr;
	size_t n_addr;
	unsigned line;
};

#define CONFIG_DEFAULT_CACHE_SIZE    (64u * 1024 * 1024)
#define CONFIG_DEFAULT_CACHE_MAX_TTL 86400
#define CONFIG_DEFAULT_CACHE_NEG_TTL 3600
/* the resolver's limits (cairnd.conf(5)); same as resolver_config_default */
#define CONFIG_DEFAULT_MAX_UPSTREAM_QUERIES 32   /* per client question */
#define CONFIG_DEFAULT_MAX_REFERRALS        20
#define CONFIG_DEFAULT_MAX_GLUELESS_NS      5    /* per delegation (NXNSAttack) */
#define CONFIG_DEFAULT_RESOLVE_TIMEOUT      10   /* seconds per question */
#define CONFIG_DEFAULT_UPSTREAM_TIMEOUT     1000 /* milliseconds per exchange */
#define CONFIG_DEFAULT_UNWANTED_THRESHOLD   10   /* mismatched replies, then TCP */
#define CONFIG_DEFAULT_INFRA_HOSTS          10000 /* server addresses per worker */
#define CONFIG_DEFAULT_INFRA_LAME           10000 /* (zone, address) marks per worker */
/* serve-stale (RFC 8767) and prefetch (cairnd.conf(5)) */
#define CONFIG_DEFAULT_STALE_CLIENT_TIMEOUT 1800  /* ms: stale-answer-client-timeout */
#define CONFIG_DEFAULT_STALE_ANSWER_TTL     30    /* s: stale-answer-ttl (RFC 8767 §4) */
#define CONFIG_DEFAULT_STALE_MAX_AGE       86400 /* s past expiry: serve-stale-max-age */
/* DNSSEC validation (cairnd.conf(5)) */
#define CONFIG_DEFAULT_TRUST_ANCHOR_FILE "/usr/share/dns/root.key" /* Debian's dns-root-data */
#define CONFIG_DEFAULT_VAL_BOGUS_TTL      60    /* s a bogus result is cached: val-bogus-ttl */

/* abuse defences (cairnd.conf(5)): response rate limiting, NSD's defaults */
#define CONFIG_DEFAULT_RRL_RATELIMIT   200     /* responses/s per bucket: rrl-ratelimit */
#define CONFIG_DEFAULT_RRL_SLIP        2       /* every 2nd limited one slips: rrl-slip */
#define CONFIG_DEFAULT_RRL_IPV4_PREFIX 24      /* rrl-ipv4-prefix-length */
#define CONFIG_DEFAULT_RRL_IPV6_PREFIX 56      /* rrl-ipv6-prefix-length */
#define CONFIG_DEFAULT_RRL_SIZE        1000000 /* buckets (8 bytes each): rrl-size */
#define CONFIG_DEFAULT_ANSWER_CACHE    4096    /* entries (256 bytes each) per worker */
#define CONFIG_COOKIE_SECRET_LEN       16      /* bytes of a cookie-secret (SipHash key) */

/* Everything cairnd.conf says. Owned by whoever config_load() gave it to;
 * release with config_free(). */
struct cairn_config {
	char *path;              /* the file read */
	char *dir;               /* its directory, base of relative paths */

	struct config_listen *listen;
	size_t n_listen;
	unsigned threads;        /* >= 1 */
	char *user;              /* NULL or "" keeps the current user */
	char *pidfile;           /* NULL: none */
	char *control_socket;    /* NULL: CONTROL_DEFAULT_SOCKET (control.h); "": none */
	char *chroot_dir;        /* NULL or "": no chroot */
	enum log_sink log_sink;
	char *log_path;          /* for LOG_SINK_FILE */
	bool log_queries;
	bool recursion;
	unsigned edns_buffer_size;
	unsigned tcp_idle_timeout;     /* seconds */
	unsigned tcp_max_connections;  /* per worker */

	struct config_zone *zones;
	size_t n_zones;
	struct config_tsig_key *keys;  /* key: clauses */
	size_t n_keys;

	/* the resolver (recursion: yes) */
	struct cairn_prefix *allow_recursion; /* NULL: loopback, RFC 1918, ULA, link-local */
	size_t n_allow_recursion;
	char *root_hints;              /* NULL: the default file, else built-in */
	bool query_loopback;
	bool qname_minimisation;
	size_t cache_size;             /* bytes */
	unsigned cache_max_ttl, cache_max_negative_ttl;
	unsigned max_upstream_queries; /* per client question */
	unsigned max_referrals;        /* per client question */
	unsigned max_glueless_ns;      /* NS names without glue chased per delegation */
	unsigned resolve_timeout;      /* seconds per client question */
	unsigned upstream_timeout;     /* milliseconds per upstream exchange */
	unsigned unwanted_reply_threshold; /* mismatched replies from one server
	                                * before it is asked over TCP; 0: never */
	unsigned infra_cache_numhosts; /* server addresses remembered per worker */
	unsigned infra_cache_lame_size; /* lame (zone, address) marks per worker */
	bool log_servfail;             /* one info line per SERVFAIL with its reason */
	bool serve_stale;              /* RFC 8767 */
	unsigned stale_client_timeout; /* ms before a stale answer is given */
	unsigned stale_answer_ttl;     /* TTL of stale records in answers */
	unsigned serve_stale_max_age;  /* seconds past expiry data is kept and served */
	bool prefetch;                 /* refresh RRsets asked for in their last 10% */
	char *cache_file;              /* NULL: none; dumped at stop, loaded at start */
	struct config_forward *forwards;
	size_t n_forwards;
	char **local_zone_disable;     /* local-zone-disable names, as written */
	size_t n_local_zone_disable;
	unsigned *key_line;            /* per key of the table: the line that set
	                                * it (0: not set); see config_key_line */
	char *control_group;           /* NULL or "": the control socket is root's alone */
	/* DNSSEC validation (RFC 4033-4035) */
	bool dnssec;                   /* validate (default yes) */
	char *trust_anchor_file;       /* NULL: CONFIG_DEFAULT_TRUST_ANCHOR_FILE, built-in
	                                * root KSKs when that is missing */
	char **trust_anchors;          /* trust-anchor: DS/DNSKEY records, as written */
	size_t n_trust_anchors;
	char **domain_insecure;        /* domain-insecure: negative trust anchors */
	size_t n_domain_insecure;
	unsigned val_bogus_ttl;        /* seconds a bogus result is cached */
	/* abuse defences */
	bool answer_cookie;            /* DNS cookies (RFC 7873); default yes */
	unsigned answer_cache_size;    /* answer cache entries per worker, 0: off */
	bool cookie_required;          /* BADCOOKIE over UDP without a valid server cookie */
	uint8_t cookie_secrets[2][CONFIG_COOKIE_SECRET_LEN]; /* cookie-secret: the first
	                                * generates, both verify; none: random, rotated */
	size_t n_cookie_secrets;
	unsigned rrl_ratelimit;        /* responses/s per RRL bucket; 0: off */
	unsigned rrl_whitelist_ratelimit; /* the same for rrl-whitelist clients; 0: unlimited */
	unsigned rrl_slip;
	unsigned rrl_ipv4_prefix, rrl_ipv6_prefix;
	unsigned rrl_size;             /* buckets */
	struct cairn_prefix *rrl_whitelist;
	size_t n_rrl_whitelist;
};

/* Receives one problem: file, line (0 when it concerns the file as a
 * whole) and message. Same shape as zone_report_fn. */
typedef void (*config_report_fn)(void *ctx, const char *file, unsigned line,
				 const char *msg);

/* Reads and checks the configuration file at path. Every problem is passed
 * to report (may be NULL). Returns CAIRN_OK and a new config in *out (the
 * caller frees it with config_free), CAIRN_EIO when the file cannot be read,
 * or CAIRN_EFORMAT when it has problems (*out is then NULL). */
/* The line of cfg's file where key name of clause was last set, 0 when
 * it was not (or the key does not exist). */
unsigned config_key_line(const struct cairn_config *cfg, const char *clause,
			 const char *name);

cairn_err config_load(const char *path, config_report_fn report, void *ctx,
		      struct cairn_config **out);

/* Same as config_load for text already in memory; path names it in
 * messages and gives the directory relative paths are resolved against. */
cairn_err config_load_text(const char *path, const char *text,
			   config_report_fn report, void *ctx,
			   struct cairn_config **out);

/* Frees cfg and everything it holds (NULL is allowed). */
void config_free(struct cairn_config *cfg);

#endif
