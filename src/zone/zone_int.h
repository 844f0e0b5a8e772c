/* zone internals: the records read from a zone file, the problem list, the
 * compiled node/RRset database and the lookups answer.c runs on it. Shared
 * by load.c, check.c, db.c, answer.c and, for signed zones, dnssec.c
 * and proof.c only (the NSEC3 hash lives in src/dnssec/nsec3.c). */
#ifndef CAIRN_ZONE_INT_H
#define CAIRN_ZONE_INT_H

#include "cairn/zone.h"
#include "cairn/dnssec.h"

#include <stdatomic.h>

#define ZONE_INCLUDE_DEPTH 10     /* nested $INCLUDE files */
#define ZONE_PROBLEMS_MAX  1000   /* problems reported before giving up */
#define ZONE_CHAIN_MAX     12     /* CNAME links followed in one answer */
#define ZONE_NONE          UINT32_MAX

/* ---- the load: records as read, before compilation ---- */
struct zone_rec {
	const uint8_t *owner;     /* lowercase wire name (temporary arena) */
	const uint8_t *rdata;     /* uncompressed wire rdata, as written */
	uint32_t hash;            /* wire_name_hash(owner) */
	uint32_t ttl;
	uint32_t seq;             /* position in reading order */
	uint32_t line;
	uint16_t type;
	uint16_t rdlen;
	uint16_t file;            /* index into zload.files */
	uint8_t owner_len;
	uint8_t dead;             /* dropped by validation (duplicate, outside) */
};

struct zone_problem {
	uint32_t seq;
	uint32_t line;
	uint32_t order;           /* insertion order, keeps the sort stable */
	uint16_t file;            /* UINT16_MAX: no file (zone as a whole) */
	char *msg;                /* malloc'd */
};

struct zload {
	uint8_t origin[WIRE_NAME_MAX];
	size_t origin_len;
	const char *report_file;  /* name used for zone-wide problems */
	struct arena tmp;         /* owners and rdata of recs */
	struct zone_rec *recs;
	size_t nrecs, caprecs;
	char **files;             /* every file read, for messages */
	size_t nfiles;
	struct zone_problem *probs;
	size_t nprobs, capprobs;
	size_t nerrors;
	bool oom;
	bool ldns_only;            /* every entry through ldns: the reference route (tests) */
	size_t nfast;             /* entries the fast route (fast.c) took */
	uint32_t seq;
};

/* Records a problem at (file, line) attached to position seq. Never fails
 * (out of memory is remembered in zl->oom). */
void zload_problem(struct zload *zl, uint32_t seq, uint16_t file, uint32_t line,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* name in presentation form for messages, written into the caller's buf
 * (1024 bytes hold any name); returns buf. */
const char *zload_name(const uint8_t *name, char *buf, size_t buflen);
/* Reads file (and what it includes) into zl->recs. Returns CAIRN_EIO when
 * the top file cannot be opened, CAIRN_ENOMEM, else CAIRN_OK (syntax errors
 * are problems, counted in zl->nerrors). */
cairn_err zload_read(struct zload *zl, const char *file);
/* ---- fast.c: common record entries without ldns ---- */
#define ZFAST_RDATA_MAX 4096
struct zfast_in {                 /* what is in force where the entry stands */
	const uint8_t *origin;    /* $ORIGIN, wire form as written */
	size_t origin_len;
	const uint8_t *prev;      /* the previous owner, wire form as written */
	size_t prev_len;          /* 0: none known (the entry goes to ldns) */
	uint32_t default_ttl;
};
struct zfast_rr {
	uint8_t owner[WIRE_NAME_MAX]; /* case as written */
	size_t owner_len;
	uint32_t ttl;
	uint16_t type;
	uint16_t rdlen;
	uint8_t rdata[ZFAST_RDATA_MAX];
};
/* Reads one complete entry (text as zload's splitter leaves it: comments
 * gone, parentheses joined) of type A, AAAA, NS, CNAME, PTR, MX, SRV or
 * TXT in plain form into *out, exactly as ldns would. Returns false,
 * leaving nothing in force changed, for anything else: the caller then
 * parses the entry with ldns. */
bool zfast_entry(const char *text, const struct zfast_in *in, struct zfast_rr *out);

/* Orders records by owner (hash, length, bytes), type, rdata and seq
 * (sort.c); zsort_cmp is that order for qsort(). Allocates a copy of
 * recs for the time of the sort when it can (else sorts in place). */
int zsort_cmp(const void *a, const void *b);
void zsort_records(struct zone_rec *recs, size_t n);
/* Sorts the records by owner, type and rdata and checks them: outside the
 * zone, duplicates, SOA, NS at the apex, CNAME rules, TTLs within RRsets
 * (lowered to the smallest with a warning). Marks dropped records dead. */
void zcheck_records(struct zload *zl);

/* ---- the compiled database ---- */
enum {
	ZNODE_CUT      = 0x01,    /* NS below the apex: a delegation point */
	ZNODE_BELOW    = 0x02,    /* strictly below a zone cut (glue, occluded) */
	ZNODE_WILDCHILD = 0x04,   /* "*.<this name>" exists */
	ZNODE_APEX     = 0x08,
	ZNODE_WILD     = 0x10,    /* the first label is "*" */
	ZNODE_HIDDEN   = 0x20,    /* NSEC3 owner: not a name of the zone (RFC 5155 §7.2.8) */
};

struct zone_node;
struct zone_addl {                /* one NS/MX/SRV target */
	const struct zone_node *node; /* the target's node, NULL if not ours */
	bool same_zone;
};
struct zone_rrx {                 /* what only some RRsets have */
	struct zone_addl *addl;   /* count entries for NS/MX/SRV, else NULL */
	const struct wire_rrset *sig; /* the RRSIGs covering it (signed zones), or NULL */
};
/* 40 bytes: a zone of a million records holds a million of these, and
 * most (A, AAAA, TXT of unsigned zones) need neither field of zone_rrx. */
struct zone_rrset {
	struct wire_rrset rs;
	struct zone_rrx *x;       /* arena, NULL when it would be empty */
};
static inline struct zone_addl *zrrset_addl(const struct zone_rrset *s)
{
	return s->x ? s->x->addl : NULL;
}
static inline const struct wire_rrset *zrrset_sig(const struct zone_rrset *s)
{
	return s->x ? s->x->sig : NULL;
}
struct zone_node {
	const uint8_t *name;      /* lowercase wire name */
	struct zone_rrset *rrsets;/* in order of first appearance in the file */
	uint32_t parent;          /* node index, ZONE_NONE for the apex */
	uint16_t nrrsets;         /* 0: empty non-terminal */
	uint8_t name_len;         /* 1 (the root) .. 255 */
	uint8_t flags;
};
struct zone_slot { uint32_t hash, node; };

struct zone {
	uint8_t origin[WIRE_NAME_MAX];
	size_t origin_len;
	unsigned origin_labels;
	struct arena arena;       /* names, rrsets, rdata, addl arrays */
	struct zone_node *nodes;  /* malloc'd, nnodes entries */
	size_t nnodes;
	struct zone_slot *slots;  /* malloc'd, mask + 1 entries */
	uint32_t mask;
	const struct zone_node *apex;
	const struct zone_rrset *soa;
	uint32_t neg_ttl;         /* min(SOA TTL, MINIMUM), RFC 2308 §3 */
	uint32_t serial;
	size_t rr_count;
	struct zone_sec *sec;     /* DNSSEC data of a signed zone (dnssec.c), or NULL */
	_Atomic unsigned refs;    /* owners: 1 + zone_ref() calls (iter.c) */
};

/* Builds z's nodes, ENTs, flags and in-zone additional pointers from the
 * live records of zl (sorted by zcheck_records). Returns CAIRN_OK or
 * CAIRN_ENOMEM. */
cairn_err zdb_build(struct zone *z, struct zload *zl);
/* Puts (hash, node) into an open-addressing table with room to spare. */
void zdb_slot_put(struct zone_slot *slots, uint32_t mask, uint32_t hash, uint32_t node);
/* Exact lookup of a lowercase wire name; NULL when absent. */
const struct zone_node *zdb_find(const struct zone *z, const uint8_t *name,
				 size_t len);
/* Exact lookup with the name's hash already computed. */
const struct zone_node *zdb_find_h(const struct zone *z, const uint8_t *name,
				   size_t len, uint32_t hash);
/* The RRset of type at node, or NULL. */
const struct zone_rrset *zdb_rrset(const struct zone_node *n, uint16_t type);
/* The topmost zone cut at or above n (n must carry CUT or BELOW). */
const struct zone_node *zdb_cut_above(const struct zone *z, const struct zone_node *n);
/* Checks glue for NS targets below delegations (needs the built db). */
void zcheck_glue(struct zload *zl, const struct zone *z);
/* Offset of the target name inside the rdata of an NS, MX or SRV record,
 * or -1 for other types. */
int zdb_target_offset(uint16_t type);
/* Calls fn for every NS/MX/SRV target of z (lowercased) with the slot that
 * holds its additional-section node. */
void zdb_each_target(struct zone *z,
		     void (*fn)(void *ctx, struct zone_addl *a, const uint8_t *target),
		     void *ctx);

/* ---- DNSSEC: signed zones (dnssec.c, proof.c) ---- */
#define ZSEC_HASH_LEN     DSEC_NSEC3_HASH_LEN  /* SHA-1, RFC 5155 §11 */
#define ZSEC_ITER_MAX     2500        /* RFC 5155 §10.3: highest iteration count */
#define ZSEC_EXPIRE_WARN  (7 * 86400) /* cairnd -n warns of signatures ending sooner */
#define ZSEC_PROOF_MAX    24          /* NSEC/NSEC3 RRsets in one answer */
#define ZSEC_MATCH        0x80000000u /* in zone_sec.h3: the NSEC3 matches */

struct zsec_n3 {                  /* one NSEC3 of the chain in use */
	uint8_t hash[ZSEC_HASH_LEN];
	const struct zone_rrset *rrset;
};
struct zsec_sigs {                /* the RRSIGs of a node, one set per type covered */
	const struct wire_rrset *sets;
	uint16_t n;
};
struct zone_sec {
	bool nsec3;                   /* denial by NSEC3 (else by NSEC) */
	const struct zone_node **nsec;/* nodes with an NSEC, canonical order (RFC 4034 §6.1) */
	size_t nnsec;
	struct zsec_n3 *n3;           /* the NSEC3 chain, sorted by hash */
	size_t nn3;
	uint16_t iterations;
	uint8_t saltlen;
	uint8_t salt[255];
	uint32_t *h3;                 /* per node: NSEC3 matching (| ZSEC_MATCH) or covering it */
	uint32_t *wc3;                /* per node: NSEC3 matching or covering *.<node> */
	struct zsec_sigs *sigs;       /* per node */
};
/* The proof RRsets (NSEC/NSEC3) chosen for one answer, without duplicates. */
struct zsec_proof {
	const struct zone_rrset *rs[ZSEC_PROOF_MAX];
	unsigned n;
	bool collision;               /* a name to deny hashes to an NSEC3 owner */
};

/* Compiles the DNSSEC view of z (RRSIGs per covered RRset, the NSEC or
 * NSEC3 chain, NSEC3 hashes of every name) when its apex is signed, and
 * warns (log) about signatures that end within ZSEC_EXPIRE_WARN of now
 * and NSEC3 iterations above 0 (RFC 9276 §3.1). Problems that make the
 * zone unservable go to zl. Returns CAIRN_OK or CAIRN_ENOMEM. */
cairn_err zsec_build(struct zone *z, struct zload *zl, uint32_t now);
/* Frees what zsec_build made (NULL allowed). */
void zsec_free(struct zone_sec *s);
/* The NSEC3 hash and Base32hex decoder are dsec_nsec3_hash and
 * dsec_b32hex_decode (src/dnssec/nsec3.c, cairn/dnssec.h). */
/* Index of the NSEC3 of s matching (| ZSEC_MATCH) or covering hash. */
uint32_t zsec_n3_find(const struct zone_sec *s, const uint8_t hash[ZSEC_HASH_LEN]);
/* The NSEC node matching or covering name (canonical order), or NULL. */
const struct zone_node *zsec_nsec_find(const struct zone_sec *s, const uint8_t *name);

/* ---- proofs on the answer path (proof.c): nothing allocates ---- */
/* Writes rs (owner overrides its owner when not NULL; ttl replaces the
 * TTLs unless UINT32_MAX) and, when do_bit and z is signed, its RRSIGs;
 * for the RRSIG RRset of node n of a signed zone, writes the node's
 * signatures one set per covered type instead (each with its TTL).
 * Returns what wire_writer_rrset returns. */
cairn_err zsec_put(struct wire_writer *w, enum wire_section sec, const struct zone *z,
		   const struct zone_node *n, const struct zone_rrset *rs,
		   const uint8_t *owner, bool do_bit, uint32_t ttl);
/* Writes rs to the additional section with its RRSIGs when do_bit; when
 * the RRSIGs do not fit, neither is written. */
void zsec_put_additional(struct wire_writer *w, const struct zone_rrset *rs, bool do_bit);
/* The denial records of a NODATA answer at node n (exact match, qname =
 * its name) of z (RFC 4035 §3.1.3.1, RFC 5155 §7.2.3-4). */
void zsec_proof_nodata(const struct zone *z, const struct zone_node *n,
		       struct zsec_proof *p);
/* NXDOMAIN for name (lowercase wire, len) whose closest encloser is ce
 * (RFC 4035 §3.1.3.2, RFC 5155 §7.2.2). */
void zsec_proof_nxdomain(const struct zone *z, const struct zone_node *ce,
			 const uint8_t *name, size_t len, struct zsec_proof *p);
/* An answer synthesised from the wildcard node wild below ce for name: the
 * proof that name does not exist (RFC 4035 §3.1.3.3, RFC 5155 §7.2.6) and,
 * when nodata, that the wildcard lacks the type (§3.1.3.4, §7.2.5). */
void zsec_proof_wildcard(const struct zone *z, const struct zone_node *ce,
			 const struct zone_node *wild, const uint8_t *name, size_t len,
			 bool nodata, struct zsec_proof *p);
/* A referral at cut: its DS, or the proof there is none (RFC 4035
 * §3.1.4, RFC 5155 §7.2.7). */
void zsec_proof_referral(const struct zone *z, const struct zone_node *cut,
			 struct zsec_proof *p);
/* Writes the proof RRsets with their RRSIGs to the authority section. */
void zsec_proof_write(struct wire_writer *w, const struct zsec_proof *p);

/* ---- lint.c: the checks of named-checkzone that ldns does not make ---- */
#define ZLINT_TTL_MAX 2147483647u   /* RFC 2181 §8 */
/* Parses a TTL in seconds or with units (1h30m, 2w: BIND and NSD) into
 * *out; false with *why (static text) when it is not one or exceeds
 * ZLINT_TTL_MAX. */
bool zlint_ttl(const char *text, uint32_t *out, const char **why);
/* Checks the TTL field of a record entry (text as in the file, a leading
 * blank meaning no owner); records a problem at (file, line) and returns
 * false when it is bad. */
bool zlint_entry_ttl(struct zload *zl, uint16_t file, uint32_t line, const char *text);
/* RFC 1035 §5.1 allows the class before the TTL; ldns only reads the TTL
 * first. Returns the entry rewritten TTL first (malloc'd, the caller
 * frees) when text has the class first, else NULL. */
char *zlint_ttl_first(const char *text);
/* Why ldns could not parse the data of the record entry text: writes a
 * message naming the type and the field into out and returns true, or
 * false when no better reason than ldns's is found. */
bool zlint_rdata_reason(const char *text, char *out, size_t outlen);
/* The same for rdata (the fields only) of a known type named tname. */
bool zlint_rdata_fields(uint16_t type, const char *tname, const char *rdata,
			char *out, size_t outlen);
/* Warns (log, file:line) about NS, CNAME, MX and SRV targets below the
 * origin that have no data in z: names that probably miss their final
 * dot (RFC 1035 §5.1). */
void zlint_targets(struct zload *zl, const struct zone *z);

#endif
