/* xfr internals shared by the files of src/xfr/: TSIG (tsig.c), the
 * transfer settings (policy.c), the outgoing transfers (out.c), the
 * journal (journal.c) and the service thread (service.c, secondary.c,
 * notify.c). Not part of any other module's interface. */
#ifndef CAIRN_XFR_INT_H
#define CAIRN_XFR_INT_H

#include "cairn/xfr.h"
#include "cairn/config.h"
#include "cairn/wire.h"
#include "cairn/zone.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>

#define TSIG_MAC_MAX     64      /* SHA-512 */
#define TSIG_FUDGE       300     /* seconds, RFC 8945 §10 recommends 300 */
#define TSIG_RR_MAX      (WIRE_NAME_MAX * 2 + 10 + 16 + TSIG_MAC_MAX + 6)
#define TSIG_UNSIGNED_MAX 99     /* RFC 8945 §5.3.1: unsigned messages in a row */

/* ---- TSIG (tsig.c), RFC 8945 ---- */
struct xfr_key {
	uint8_t name[WIRE_NAME_MAX];      /* lowercase wire name */
	size_t name_len;
	char *text;                       /* as configured, for messages */
	const uint8_t *alg;               /* algorithm name, wire form */
	size_t alg_len;
	const char *digest;               /* OpenSSL digest name */
	size_t mac_len;                   /* full MAC length */
	uint8_t *secret;
	size_t secret_len;
};

/* A TSIG record found in a message. */
struct tsig_rr {
	size_t start;                     /* offset of the TSIG RR */
	uint8_t keyname[WIRE_NAME_MAX];   /* lowercase */
	size_t keyname_len;
	uint8_t alg[WIRE_NAME_MAX];       /* lowercase */
	size_t alg_len;
	uint64_t time_signed;
	uint16_t fudge;
	const uint8_t *mac;
	size_t mac_len;
	uint16_t orig_id;
	uint16_t error;
	const uint8_t *other;
	size_t other_len;
};

/* Fills k from a configured key. Returns CAIRN_OK, CAIRN_EINVAL (unknown
 * algorithm or bad name) or CAIRN_ENOMEM. Free with tsig_key_clear. */
cairn_err tsig_key_init(struct xfr_key *k, const struct config_tsig_key *ck);
void tsig_key_clear(struct xfr_key *k);

/* Looks for a TSIG record in msg: it must be the last additional record
 * (RFC 8945 §5.1). Returns 1 (found, *rr filled), 0 (none) or -1 (the
 * message is malformed, or a TSIG record sits elsewhere). */
int tsig_find(const uint8_t *msg, size_t len, struct tsig_rr *rr);

/* Checks a signed request (rr from tsig_find) against keys. Returns 0 and
 * *key on success, else the TSIG error (WIRE_TSIG_BADKEY, BADSIG,
 * BADTIME); *key is still set for BADTIME (the answer is signed then). */
uint16_t tsig_verify_request(const struct xfr_key *keys, size_t nkeys, const uint8_t *msg,
			     const struct tsig_rr *rr, uint64_t now,
			     const struct xfr_key **key);

/* Signs msg[0..*len) in place by appending a TSIG record (ARCOUNT + 1),
 * within cap bytes. prior (prior_len bytes, may be 0) is the request's MAC
 * for a response, or the previous message's MAC for the later messages of
 * a transfer (timers_only: RFC 8945 §5.3.1). error and other are the TSIG
 * error and other data (BADTIME). The MAC is written to mac_out
 * (TSIG_MAC_MAX bytes), its length to *mac_out_len. Returns CAIRN_OK,
 * CAIRN_ELIMIT (no room) or CAIRN_ENOMEM. */
cairn_err tsig_sign(const struct xfr_key *key, uint8_t *msg, size_t *len, size_t cap,
		    const uint8_t *prior, size_t prior_len, bool timers_only, uint64_t now,
		    uint16_t error, const uint8_t *other, size_t other_len,
		    uint8_t *mac_out, size_t *mac_out_len);

/* Appends an unsigned TSIG record carrying error (BADKEY, BADSIG: RFC
 * 8945 §5.3.2) for the key and algorithm named in rr. */
cairn_err tsig_append_error(uint8_t *msg, size_t *len, size_t cap, const struct tsig_rr *rr,
			    uint16_t error, uint64_t now);

/* Verifies the responses of a signed request, message by message (RFC
 * 8945 §5.3.1): the first must be signed, up to TSIG_UNSIGNED_MAX may
 * follow unsigned, and each signed one covers those before it. */
struct tsig_verifier {
	const struct xfr_key *key;
	uint8_t prior[TSIG_MAC_MAX];
	size_t prior_len;
	EVP_MAC_CTX *ctx;        /* open while unsigned messages accumulate */
	unsigned unsigned_run;
	bool first_done;
	bool last_signed;
};
void tsig_verifier_init(struct tsig_verifier *v, const struct xfr_key *key,
			const uint8_t *request_mac, size_t request_mac_len);
/* Returns NULL when msg is acceptable so far, else the reason (static
 * text). msg is not changed. */
const char *tsig_verifier_next(struct tsig_verifier *v, const uint8_t *msg, size_t len,
			       uint64_t now);
void tsig_verifier_clear(struct tsig_verifier *v);

#endif

/* ---- the journal (journal.c): IXFR differences, RFC 1995 §4 ---- */
/* One difference: the records of an IXFR "difference sequence", as
 * uncompressed wire RRs: old SOA, deleted records, new SOA, added. */
struct xfr_jentry {
	uint32_t from, to;
	uint8_t *data;
	size_t len;
};
/* Immutable once built; shared by the policies and transfers using it. */
struct xfr_journal {
	_Atomic unsigned refs;
	struct xfr_jentry *e;    /* oldest first */
	size_t n;
	size_t bytes;
};
struct xfr_journal *journal_ref(struct xfr_journal *j);
void journal_unref(struct xfr_journal *j);
/* Reads the journal file at path; keeps it only when its last version is
 * serial. *out is NULL when there is none (or it was discarded: logged). */
cairn_err journal_load(const char *path, const char *zone, uint32_t serial,
		       struct xfr_journal **out);
/* Compares the zones a (old) and b (new). When they differ and the serial
 * changed, *out is old (may be NULL) plus the difference, trimmed to
 * max_n entries and max_bytes, and saved to path; when they differ
 * without a new serial, *same_serial_change is set. *out is a new
 * reference in every case (old's when nothing is added; NULL possible). */
cairn_err journal_update(struct xfr_journal *old, const struct zone *a, const struct zone *b,
			 unsigned max_n, size_t max_bytes, const char *path, const char *zone,
			 struct xfr_journal **out, bool *same_serial_change);
/* Appends the entries add (nadd of them, in order, their data taken over
 * and freed in every case) to old (may be NULL; left out when the chain
 * of serials breaks), keeping the newest entries within max_n and
 * max_bytes, and saves the result to path; none fits: no journal (*out
 * NULL, path removed). CAIRN_OK or CAIRN_ENOMEM. */
cairn_err journal_extend(struct xfr_journal *old, struct xfr_jentry *add, size_t nadd,
			 unsigned max_n, size_t max_bytes, const char *path, const char *zone,
			 struct xfr_journal **out);
/* The index of the entry starting at serial, or -1. */
long journal_find(const struct xfr_journal *j, uint32_t serial);

/* ---- the transfer settings (policy.c) ---- */
struct xfr_acl {
	struct cairn_prefix pfx;
	int key;                 /* index in policy keys, -1: none */
};
struct xfr_remote {
	struct cairn_sockaddr addr;
	char text[64];
	int key;
};
struct xfr_zone {
	uint8_t origin[WIRE_NAME_MAX];
	size_t origin_len;
	char *name;              /* presentation, for messages */
	char *file;
	const struct zone *zone; /* in the policy's zone set; NULL: no data yet */
	struct xfr_acl *provide, *allow_notify;
	size_t n_provide, n_allow_notify;
	struct xfr_remote *notify, *primary;
	size_t n_notify, n_primary;
	struct xfr_journal *journal; /* may be NULL */
	bool announce;           /* a serial not served before: NOTIFY once the
	                          * set is published (xfr_announce) */
	_Atomic bool *unavailable;   /* secondary: expired or never loaded
				      * (the service's flag; NULL: no service) */
	const struct xfr_policy *policy; /* the policy holding this zone */
};
#define XFR_REFUSED_LOG 128  /* clients remembered for "logged once" */
struct xfr_policy {
	struct xfr_key *keys;
	size_t n_keys;
	struct xfr_zone *zones;
	size_t n_zones;
	size_t n_secondary;
	size_t *secondary;           /* indexes of the secondary zones */
	struct xfr_service *svc;
	pthread_mutex_t log_lock;    /* the refused-clients table */
	struct {
		struct cairn_sockaddr addr;
		unsigned kind;
	} refused[XFR_REFUSED_LOG];
	size_t n_refused;
};
/* The settings of the zone whose origin is name, or NULL. */
struct xfr_zone *policy_zone(const struct xfr_policy *p, const uint8_t *name);
/* Logs msg about peer once per policy lifetime (reload), client address
 * and kind of refusal (e.g. the rcode and TSIG error); repeats are not
 * logged again. */
void policy_log_refused(struct xfr_policy *p, const struct sockaddr *peer, unsigned kind,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Address of peer as text (ADDR#PORT) in buf. */
const char *xfr_peer_text(const struct sockaddr *peer, char *buf, size_t len);
/* Checks TSIG of a request q against the ACL acl (n entries) for peer.
 * Returns 0 when allowed (*key: the key used or NULL), else the rcode of
 * the refusal (REFUSED, NOTAUTH with *tsig_error set, FORMERR) and a
 * reason in *why. rr is filled when the request was signed (*signed). */
unsigned policy_check(const struct xfr_policy *p, const struct xfr_acl *acl, size_t n,
		      const struct wire_query *q, const struct sockaddr *peer,
		      const struct xfr_key **key, struct tsig_rr *rr, bool *is_signed,
		      uint16_t *tsig_error, const char **why);
/* Writes an error response to q (with TSIG error record or signature as
 * required). Returns its length. */
size_t policy_error(const struct wire_query *q, unsigned rcode, uint16_t tsig_error,
		    const struct tsig_rr *rr, bool is_signed, const struct xfr_key *key,
		    uint8_t *out, size_t limit, uint16_t edns_size);

struct notify_job {
	uint8_t zone[WIRE_NAME_MAX];
	char name[256];
	uint32_t serial;
	struct xfr_remote target;
	struct xfr_key key;           /* copy; alg NULL: unsigned */
	uint16_t id;
	unsigned tries;
	uint64_t next_ms;
	uint64_t wait_ms;
	uint8_t mac[TSIG_MAC_MAX];    /* of the last request sent */
	size_t mac_len;
};

/* A secondary zone's state, kept across reloads (its address is stable:
 * policies point at its unavailable flag). */
struct sec_zone {
	uint8_t origin[WIRE_NAME_MAX];
	char name[256];
	char *file;
	struct xfr_remote *primary;
	struct xfr_key *keys;         /* per primary; alg NULL: none */
	size_t n_primary;
	struct zone *zone;            /* the copy served (a reference), or NULL */
	uint32_t refresh, retry, expire; /* seconds, from its SOA */
	uint64_t next_ms;             /* next refresh */
	uint64_t expire_ms;           /* 0: no copy */
	uint64_t last_ok_ms, last_try_ms;
	unsigned failures;            /* in a row */
	char last_err[384];
	_Atomic bool unavailable;
	bool active;                  /* still configured */
	bool busy;                    /* a refresh runs (outside the lock) */
};

struct xfr_service {
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	bool stop;
	int wakefd;                   /* eventfd: new jobs or stop */
	int fd4, fd6;
	struct notify_job *jobs;
	size_t n_jobs;
	struct sec_zone **sec;        /* secondary zones */
	size_t n_sec;
	cairn_err (*reload)(void *ctx, struct zone *fresh); /* installs new zone files (daemon) */
	struct {                      /* an IXFR's sequences for the journal of */
		uint8_t origin[WIRE_NAME_MAX]; /* this zone, while it is installed */
		struct xfr_jentry *e;
		size_t n;
	} received;
	void *reload_ctx;
};

/* ---- the secondary role (secondary.c), on the service thread ---- */
/* Runs the refreshes that are due (takes and drops s->lock itself);
 * returns the time of the next one. */
uint64_t secondary_run(struct xfr_service *s, uint64_t now);
/* The difference sequences an IXFR brought for the zone origin, from
 * serial from to serial to, if those are what the service holds: taken
 * (*n entries, the caller's). NULL otherwise. */
struct xfr_jentry *secondary_take_received(struct xfr_service *s, const uint8_t *origin,
					   uint32_t from, uint32_t to, size_t *n);
/* Frees the secondary zones' state (service shutdown). */
void secondary_free_all(struct xfr_service *s);

/* ---- the service (service.c) ---- */
/* Tells svc that zone (of policy p) has a new serial to announce
 * (notify: targets) — called by xfr_attach. */
void service_zone_changed(struct xfr_service *svc, const struct xfr_zone *xz, uint32_t serial);
/* A NOTIFY for the secondary zone name arrived: refresh it soon. */
void service_notified(struct xfr_service *svc, const uint8_t *name);
/* Takes the secondary zones of p into the service (new ones are fetched
 * at once) and points their unavailable flags at the service's. */
void service_configure(struct xfr_service *svc, struct xfr_policy *p);

/* ---- transfer records in wire form (xrec.c) ---- */
#define XREC_RDATA_MAX 65535u                    /* RFC 1035 §3.2.1 rdlength */
#define XREC_BUF_MAX   (WIRE_NAME_MAX + XREC_RDATA_MAX)
/* One record: owner lowercase, names in the rdata uncompressed (case as
 * received). The pointers are the owner's (a parse buffer, a set, a zone). */
struct xrec {
	const uint8_t *owner;
	uint16_t type, rclass;
	uint32_t ttl;
	uint16_t rdlen;
	const uint8_t *rdata;
};
/* Reads the record at msg[*pos] (len bytes in msg) into rr, its owner and
 * rdata copied into buf (XREC_BUF_MAX bytes): the owner lowercased, the
 * names of the rdata of the types that have them decompressed (RFC 3597
 * §4), the rdata of fixed-size and name-bearing types checked against
 * rdlength. Returns CAIRN_OK and advances *pos, or CAIRN_EFORMAT with *why
 * (static text): a bad name or compression pointer, rdlength beyond the
 * message, rdata not matching its type. */
/* Steps *pos over n records of msg (len bytes) without reading them:
 * true when each has a good owner name and its rdata within the message
 * (the sections a transfer does not use, RFC 1035 §4.1). */
bool xrec_skip(const uint8_t *msg, size_t len, size_t *pos, unsigned n);
cairn_err xrec_parse(const uint8_t *msg, size_t len, size_t *pos, uint8_t *buf,
		     struct xrec *rr, const char **why);
/* Writes rr as an uncompressed wire RR (owner, type, class, TTL,
 * rdlength, rdata) to out (room: owner + 10 + rdlen bytes). Returns its
 * length. */
size_t xrec_to_wire(const struct xrec *rr, uint8_t *out);
/* True when RFC 4034 §6.2 lowercases names in type's rdata. */
bool xrec_has_names(uint16_t type);

/* A set of records compared in canonical form (RFC 4034 §6.2: owner and
 * rdata names case-insensitive, TTL not compared), in insertion order. */
struct xset_slot {
	uint32_t idx;            /* record index; empty or tombstone markers */
	uint32_t hash;
};
struct xrec_set {
	uint8_t *arena;          /* the records, packed */
	size_t used, cap;
	size_t *off;             /* per record index: offset in arena, SIZE_MAX: deleted */
	size_t n, offcap;
	struct xset_slot *tab;   /* open addressing, linear probing */
	size_t tabcap, live, tombs;
	uint8_t *scratch;        /* canonical rdata of two records */
};
void xrec_set_init(struct xrec_set *s);
void xrec_set_free(struct xrec_set *s);
/* Adds a copy of rr; when an equal record is there already (not checked
 * when known_new), only its TTL becomes rr's. Returns CAIRN_OK,
 * CAIRN_ENOMEM or CAIRN_ELIMIT (2^32 - 2 records). */
cairn_err xrec_set_add(struct xrec_set *s, const struct xrec *rr, bool known_new);
/* Removes the record equal to rr: CAIRN_OK, CAIRN_ENOTFOUND when there is
 * none (RFC 1995 §4: a deletion names a record exactly), CAIRN_ENOMEM. */
cairn_err xrec_set_del(struct xrec_set *s, const struct xrec *rr);
/* Record i (< s->n) into rr (pointing into s, valid until the next
 * change); false when it was deleted. */
bool xrec_set_get(const struct xrec_set *s, size_t i, struct xrec *rr);
/* ---- the zone file written from a transfer (zwrite.c) ---- */
#define ZWRITE_LINE_MAX (4 * WIRE_NAME_MAX + 4 * XREC_RDATA_MAX + 256)
struct zwrite {
	FILE *fp;
	char *buf;               /* pending output */
	size_t len;
};
/* Writes rr as one zone file line (with its newline) into out
 * (ZWRITE_LINE_MAX bytes): the fast route's form for the common types,
 * else RFC 3597 §5's generic form. Returns its length (no NUL). */
size_t zwrite_format(const struct xrec *rr, char *out);
/* Starts writing records to fp (owned by the caller). CAIRN_OK or
 * CAIRN_ENOMEM; zwrite_end frees what it took in every case. */
cairn_err zwrite_begin(struct zwrite *w, FILE *fp);
/* Appends rr (the uncommon types through ldns). CAIRN_OK or CAIRN_EIO. */
cairn_err zwrite_rr(struct zwrite *w, const struct xrec *rr);
/* Writes out what is pending and frees the buffer. CAIRN_OK or CAIRN_EIO. */
cairn_err zwrite_end(struct zwrite *w);

/* True when s holds a record equal to rr (s not empty: its scratch is
 * there). */
bool xrec_set_has(struct xrec_set *s, const struct xrec *rr);
/* True when a and b are the same record in canonical form; scratch:
 * 2 * XREC_RDATA_MAX bytes. */
bool xrec_equal(const struct xrec *a, const struct xrec *b, uint8_t *scratch);

/* ---- IXFR differences applied to a zone (ixfr.c), RFC 1995 §4 ---- */
/* The zone served (base) and what the difference sequences took away
 * from it and added to it so far; O(1) a change (hash sets), O(changes)
 * memory; the base is not copied. */
struct ixfr {
	const struct zone *base;
	struct xrec_set del;     /* records of base deleted */
	struct xrec_set add;     /* records added (not in base, or with a new TTL) */
	uint8_t *scratch;        /* 2 * XREC_RDATA_MAX */
	struct xfr_jentry *seq;  /* the sequences as journal entries (RFC 1995 §4) */
	size_t nseq, capseq, seqcap; /* entries, their room, current entry's data room */
};
/* Starts with base (a reference the caller keeps). CAIRN_OK or
 * CAIRN_ENOMEM; ixfr_free in every case. */
cairn_err ixfr_init(struct ixfr *x, const struct zone *base);
void ixfr_free(struct ixfr *x);
/* Deletes rr (TTL not compared): CAIRN_OK, CAIRN_ENOTFOUND when the zone
 * as changed so far does not have it, CAIRN_ENOMEM. */
cairn_err ixfr_del(struct ixfr *x, const struct xrec *rr);
/* Adds rr (one equal to it there already: its TTL becomes rr's). CAIRN_OK
 * or CAIRN_ENOMEM. */
cairn_err ixfr_add(struct ixfr *x, const struct xrec *rr);
/* A sequence's SOA: old (it starts a sequence: a new entry from its
 * serial) or new (the entry goes to its serial). Deletions and additions
 * are recorded in the current entry. CAIRN_OK or CAIRN_ENOMEM. */
cairn_err ixfr_soa(struct ixfr *x, const struct xrec *soa, bool old);
/* Hands the entries recorded (journal form) to the caller: *n of them,
 * freed with their data by the caller (journal_extend takes them). */
struct xfr_jentry *ixfr_take_sequences(struct ixfr *x, size_t *n);
/* Writes every record of the changed zone but the apex SOA to w, in the
 * base's order, the additions last. CAIRN_OK, CAIRN_EFORMAT (a second SOA
 * in the zone) or CAIRN_EIO. */
cairn_err ixfr_write(struct ixfr *x, struct zwrite *w);

/* ---- the secondary's transfers (fetch.c), blocking, service thread ---- */
/* Asks r for the zone's SOA over UDP (signed with key when not NULL).
 * Returns CAIRN_OK and *serial, else an error with the reason in err. */
cairn_err fetch_soa(const struct xfr_remote *r, const struct xfr_key *key, const uint8_t *origin,
		    uint32_t *serial, char *err, size_t errlen);
/* Transfers the zone from r: IXFR when we have a copy (have), else AXFR;
 * applies difference sequences to have, and writes the new version (SOA
 * first) to FILE.xfr-tmp (file: the zone's file, zone: its name for the
 * file's comment), whose name goes to tmp. Returns CAIRN_OK (*used_ixfr
 * says how it came; an IXFR's difference sequences in *seq, *nseq of
 * them, the caller's to free), else an error with the reason in err and
 * no temporary file left (nothing changed). */
cairn_err fetch_zone(const struct xfr_remote *r, const struct xfr_key *key, const uint8_t *origin,
		     const struct zone *have, const char *file, const char *zone, bool *used_ixfr,
		     char *tmp, size_t tmplen, struct xfr_jentry **seq, size_t *nseq, char *err,
		     size_t errlen);

/* Copies key src into k (own secret). Returns CAIRN_OK or CAIRN_ENOMEM. */
cairn_err tsig_key_init_copy(struct xfr_key *k, const struct xfr_key *src);
#define TCP_LIMIT 65535   /* RFC 1035 §4.2.2 */
