/* wire: DNS wire format: names (wire form, lowercase, compare, hash),
 * query parsing (header, question, OPT) and the response writer with name
 * compression and truncation. Nothing here allocates. */
#ifndef CAIRN_WIRE_H
#define CAIRN_WIRE_H

#include "cairn/common.h"

#define WIRE_NAME_MAX   255    /* RFC 1035 §2.3.4 */
#define WIRE_LABEL_MAX  63
#define WIRE_HDR_LEN    12
#define WIRE_UDP_MIN    512    /* RFC 1035 §4.2.1 */
#define WIRE_EDNS_SIZE  1232   /* our default advertised EDNS buffer */

enum {
	WIRE_TYPE_A = 1, WIRE_TYPE_NS = 2, WIRE_TYPE_CNAME = 5, WIRE_TYPE_SOA = 6,
	WIRE_TYPE_PTR = 12, WIRE_TYPE_HINFO = 13, WIRE_TYPE_MX = 15,
	WIRE_TYPE_TXT = 16, WIRE_TYPE_AAAA = 28, WIRE_TYPE_SRV = 33,
	WIRE_TYPE_DNAME = 39, WIRE_TYPE_OPT = 41, WIRE_TYPE_DS = 43,
	WIRE_TYPE_RRSIG = 46, WIRE_TYPE_NSEC = 47, WIRE_TYPE_DNSKEY = 48,
	WIRE_TYPE_NSEC3 = 50, WIRE_TYPE_NSEC3PARAM = 51,
	WIRE_TYPE_TSIG = 250, WIRE_TYPE_IXFR = 251, WIRE_TYPE_AXFR = 252, WIRE_TYPE_ANY = 255,
	WIRE_TYPE_CAA = 257,
	/* further types with domain names in their rdata, lowercased in the
	 * DNSSEC canonical form (RFC 4034 §6.2, RFC 6840 §5.1) */
	WIRE_TYPE_MD = 3, WIRE_TYPE_MF = 4, WIRE_TYPE_MB = 7, WIRE_TYPE_MG = 8,
	WIRE_TYPE_MR = 9, WIRE_TYPE_MINFO = 14, WIRE_TYPE_RP = 17,
	WIRE_TYPE_AFSDB = 18, WIRE_TYPE_RT = 21, WIRE_TYPE_SIG = 24,
	WIRE_TYPE_PX = 26, WIRE_TYPE_NXT = 30, WIRE_TYPE_NAPTR = 35,
	WIRE_TYPE_KX = 36, WIRE_TYPE_A6 = 38,
};
enum { WIRE_CLASS_IN = 1, WIRE_CLASS_CH = 3, WIRE_CLASS_ANY = 255 };
enum {
	WIRE_RCODE_NOERROR = 0, WIRE_RCODE_FORMERR = 1, WIRE_RCODE_SERVFAIL = 2,
	WIRE_RCODE_NXDOMAIN = 3, WIRE_RCODE_NOTIMP = 4, WIRE_RCODE_REFUSED = 5,
	WIRE_RCODE_BADVERS = 16, /* extended, RFC 6891 §6.1.3 */
	WIRE_RCODE_BADCOOKIE = 23, /* extended, RFC 7873 §8 */
	WIRE_RCODE_NOTAUTH = 9,  /* RFC 8945 §5.2: TSIG errors */
};
/* TSIG error field values (RFC 8945 §3) */
enum { WIRE_TSIG_BADSIG = 16, WIRE_TSIG_BADKEY = 17, WIRE_TSIG_BADTIME = 18 };
enum { WIRE_OPCODE_QUERY = 0, WIRE_OPCODE_NOTIFY = 4 /* RFC 1996 */ };

/* Extended DNS Error info-codes (RFC 8914 §4) */
#define WIRE_EDE_UNSUPPORTED_DNSKEY_ALG 1  /* RFC 8914 §4.2 */
#define WIRE_EDE_UNSUPPORTED_DS_DIGEST  2  /* RFC 8914 §4.3 */
#define WIRE_EDE_STALE_ANSWER     3   /* RFC 8914 §4.4, RFC 8767 */
#define WIRE_EDE_INDETERMINATE    5   /* RFC 8914 §4.6 DNSSEC Indeterminate */
#define WIRE_EDE_DNSSEC_BOGUS     6   /* RFC 8914 §4.7 */
#define WIRE_EDE_SIG_EXPIRED      7   /* RFC 8914 §4.8 */
#define WIRE_EDE_SIG_NOT_YET      8   /* RFC 8914 §4.9 Signature Not Yet Valid */
#define WIRE_EDE_DNSKEY_MISSING   9   /* RFC 8914 §4.10 */
#define WIRE_EDE_RRSIGS_MISSING  10   /* RFC 8914 §4.11 */
#define WIRE_EDE_NSEC_MISSING    12   /* RFC 8914 §4.13 */
#define WIRE_EDE_UNSUPPORTED_NSEC3_ITER 27 /* RFC 9276 §3.2, IANA EDE registry */
#define WIRE_EDE_NONE        0xffff   /* no extended error (cairn's marker) */
#define WIRE_EDE_STALE_NXDOMAIN  19   /* RFC 8914 §4.20, RFC 8767 */

/* Header flag bits in the 16-bit flags word (bytes 2-3 of the header). */
#define WIRE_FLAG_QR 0x8000
#define WIRE_FLAG_AA 0x0400
#define WIRE_FLAG_TC 0x0200
#define WIRE_FLAG_RD 0x0100
#define WIRE_FLAG_RA 0x0080
#define WIRE_FLAG_AD 0x0020
#define WIRE_FLAG_CD 0x0010

/* EDNS option codes (IANA "DNS EDNS0 Option Codes"; RFC 6891 §6.1.2). */
enum {
	WIRE_OPT_NSID = 3,        /* RFC 5001 */
	WIRE_OPT_ECS = 8,         /* RFC 7871 client subnet */
	WIRE_OPT_EXPIRE = 9,      /* RFC 7314 */
	WIRE_OPT_COOKIE = 10,     /* RFC 7873 */
	WIRE_OPT_KEEPALIVE = 11,  /* RFC 7828 */
	WIRE_OPT_PADDING = 12,    /* RFC 7830 */
	WIRE_OPT_CHAIN = 13,      /* RFC 7901 */
	WIRE_OPT_KEYTAG = 14,     /* RFC 8145 */
	WIRE_OPT_EDE = 15,        /* RFC 8914 */
};

/* COOKIE option sizes (RFC 7873 §4): an 8-byte client cookie, then a
 * server cookie of 8 to 32 bytes; ours is RFC 9018's 16-byte version 1. */
#define WIRE_COOKIE_CLIENT_LEN  8
#define WIRE_COOKIE_SERVER_MIN  8
#define WIRE_COOKIE_SERVER_MAX  32
#define WIRE_COOKIE_MAX        (WIRE_COOKIE_CLIENT_LEN + WIRE_COOKIE_SERVER_MAX)
#define WIRE_COOKIE_OURS       16   /* RFC 9018 §4: version 1 server cookie */

static inline uint16_t wire_get16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t wire_get32(const uint8_t *p)
{ return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]; }
static inline void wire_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void wire_put32(uint8_t *p, uint32_t v)
{ p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }

/* ---- names ----
 * A "wire name" is an uncompressed sequence of length-prefixed labels ending
 * in the root label, at most 255 bytes. Keys are lowercase wire names. */

/* Reads the possibly compressed name at msg[*pos] into out (at least
 * WIRE_NAME_MAX bytes), lowercased when lower is true. Rejects labels > 63,
 * names > 255, reserved label types, pointers that leave the message, and
 * pointers that do not point strictly backwards (which also stops loops).
 * Advances *pos past the name as it appears at *pos. Returns CAIRN_OK or
 * CAIRN_EFORMAT; *outlen is the name's length. */
cairn_err wire_name_unpack(const uint8_t *msg, size_t msglen, size_t *pos,
			   uint8_t *out, size_t *outlen, bool lower);
/* Length of a valid uncompressed wire name, including the root label. */
size_t wire_name_len(const uint8_t *name);
/* Number of labels, not counting the root. */
unsigned wire_name_labels(const uint8_t *name);
/* Lowercases ASCII letters in place (RFC 4343). */
void wire_name_lower(uint8_t *name);
/* Case-insensitive equality. */
bool wire_name_equal(const uint8_t *a, const uint8_t *b);
/* RFC 4034 §6.1 canonical order: <0, 0, >0. Case-insensitive. */
int wire_name_compare(const uint8_t *a, const uint8_t *b);
/* True when name equals parent or lies below it (case-insensitive). */
bool wire_name_is_subdomain(const uint8_t *name, const uint8_t *parent);
/* Hash of a lowercase wire name (FNV-1a style, fast). */
uint32_t wire_name_hash(const uint8_t *name, size_t len);
/* The name with its first label removed (points into name); the root
 * returns itself. */
const uint8_t *wire_name_parent(const uint8_t *name);
/* Presentation form ("www.example.", "." for the root) with \DDD and \.
 * escapes. Returns CAIRN_ELIMIT when buf is too small. */
cairn_err wire_name_to_text(const uint8_t *name, char *buf, size_t buflen);
/* Parses presentation form (absolute or relative to origin; origin may be
 * NULL meaning the root) into out (WIRE_NAME_MAX bytes), lowercased.
 * Returns CAIRN_EFORMAT for empty labels, labels > 63 or names > 255. */
cairn_err wire_name_from_text(const char *text, const uint8_t *origin,
			      uint8_t *out, size_t *outlen);

/* ---- queries ---- */
enum wire_verdict {
	WIRE_OK = 0,        /* a well-formed query to answer */
	WIRE_DROP,          /* no answer at all (short header, QR=1) */
	WIRE_FORMERR,       /* answer FORMERR */
	WIRE_NOTIMP,        /* opcode other than QUERY: answer NOTIMP */
	WIRE_BADVERS,       /* EDNS version > 0: answer BADVERS (RFC 6891 §6.1.3) */
};

struct wire_query {
	const uint8_t *pkt;
	size_t len;
	uint16_t id;
	uint16_t flags;          /* raw flags word of the query */
	uint8_t opcode;
	bool has_question;       /* question parsed (echo it in any answer) */
	size_t question_len;     /* bytes of the question at pkt+12 (name+type+class) */
	uint8_t qname[WIRE_NAME_MAX]; /* lowercase wire form */
	size_t qname_len;
	uint32_t qname_hash;     /* wire_name_hash(qname, qname_len) */
	uint16_t qtype, qclass;
	bool has_edns;           /* an OPT was seen (also when it was malformed:
				  * the FORMERR answer carries OPT, RFC 6891 §7) */
	uint8_t edns_version;
	bool edns_do;
	uint16_t edns_udp;       /* client's advertised size, as sent */
	size_t opt_len;          /* 0 when no OPT was parsed */
	/* The first COOKIE option (RFC 7873 §5.2: the others are ignored),
	 * copied: client cookie then the server cookie, if any. 0: none. A
	 * malformed one (length not 8 or 16..40) makes the query FORMERR. */
	uint8_t cookie_len;
	uint8_t cookie[WIRE_COOKIE_MAX];
	/* The COOKIE option every response to this query carries (client
	 * cookie + our server cookie, RFC 7873 §5.2.3-5.2.5): set by the
	 * server before answering (0: none); wire_writer_begin copies it. */
	uint8_t resp_cookie_len;
	uint8_t resp_cookie[WIRE_COOKIE_CLIENT_LEN + WIRE_COOKIE_OURS];
};

/* Parses a query. Fills q as far as it got (so that an error answer can echo
 * ID, RD, opcode and the question when those parsed) and returns the
 * verdict. Malformed means: QDCOUNT != 1, ANCOUNT or NSCOUNT != 0 for QUERY,
 * a bad name, a compressed question name, truncated records, more than one
 * OPT, OPT not owned by the root, malformed OPT options (a COOKIE option of
 * a length other than 8 or 16..40 included, RFC 7873 §5.2.2), bytes after
 * the last record. */
enum wire_verdict wire_query_parse(const uint8_t *pkt, size_t len, struct wire_query *q);

/* Largest UDP response allowed for q: 512 without EDNS, otherwise
 * max(512, min(client size, ours)). */
size_t wire_query_udp_limit(const struct wire_query *q, size_t ours);

/* ---- RRsets as stored by zones and the cache ---- */
struct wire_rrset {
	const uint8_t *owner;    /* lowercase wire name */
	uint16_t type, rclass;
	uint32_t ttl;
	uint16_t count;          /* number of RRs */
	uint32_t rdata_len;      /* bytes at rdata */
	const uint8_t *rdata;    /* count x (16-bit big-endian rdlength, rdata) */
};

/* ---- response writer ---- */
enum wire_section { WIRE_SEC_ANSWER = 0, WIRE_SEC_AUTHORITY, WIRE_SEC_ADDITIONAL };
#define WIRE_COMP_MAX 64

struct wire_writer {
	uint8_t *buf;
	size_t limit;            /* bytes the response may use (UDP limit or 65535) */
	size_t len;
	size_t reserve;          /* bytes kept free for the OPT record */
	uint16_t count[3];
	bool tc;                 /* truncated: nothing more is added */
	bool edns;               /* the query had EDNS: finish() adds OPT */
	bool edns_do;
	uint16_t edns_size;      /* our advertised size */
	uint16_t ede_code;       /* RFC 8914 extended error, 0xffff = none */
	const char *ede_text;
	uint8_t ext_rcode;       /* upper 8 bits of the rcode, for OPT (RFC 6891 §6.1.3) */
	uint8_t cookie_len;      /* COOKIE option data for OPT (q->resp_cookie), 0: none */
	uint8_t cookie[WIRE_COOKIE_CLIENT_LEN + WIRE_COOKIE_OURS];
	/* RFC 4592: the wildcard an answer was synthesised from (set by the
	 * zone answer; NULL otherwise): response rate limiting keys on it */
	const uint8_t *wildcard;
	unsigned ncomp;
	uint16_t comp[WIRE_COMP_MAX]; /* offsets of names usable as pointer targets */
};

/* Starts a response to q in buf (limit bytes usable): copies ID, opcode and
 * RD, sets QR, flags (WIRE_FLAG_AA, WIRE_FLAG_RA ...) and rcode (an extended
 * rcode's upper bits go to OPT at finish), copies the question byte-exact
 * when q->has_question, and reserves room for OPT (with q->resp_cookie
 * when set) when q->has_edns. */
void wire_writer_begin(struct wire_writer *w, uint8_t *buf, size_t limit,
		       const struct wire_query *q, uint16_t flags, unsigned rcode,
		       uint16_t edns_size);
/* Sets the rcode (may be extended) after begin. */
void wire_writer_rcode(struct wire_writer *w, unsigned rcode);
/* Bytes the OPT record written by finish() will take (0 without EDNS). */
size_t wire_writer_opt_len(const struct wire_writer *w);
/* Appends one RRset to sec. owner overrides rs->owner when not NULL (used
 * for wildcard synthesis); names are compressed for the RFC 1035 types
 * (NS CNAME SOA PTR MX, RFC 3597 §4) and copied verbatim otherwise.
 * If it does not fit the RRset is rolled back whole (RFC 2181 §9); in the
 * answer and authority sections that sets TC and stops further writes.
 * Returns CAIRN_OK, CAIRN_ELIMIT, or CAIRN_EFORMAT (rolled back) when
 * rs->rdata is not count well-framed records. */
cairn_err wire_writer_rrset(struct wire_writer *w, enum wire_section sec,
			    const struct wire_rrset *rs, const uint8_t *owner);
/* Same with the TTL of every record replaced by ttl (cache aging, SOA
 * negative TTL). */
cairn_err wire_writer_rrset_ttl(struct wire_writer *w, enum wire_section sec,
				const struct wire_rrset *rs, const uint8_t *owner,
				uint32_t ttl);
/* Adds an Extended DNS Error (RFC 8914) to the OPT written by finish. text
 * must outlive the writer. */
void wire_writer_ede(struct wire_writer *w, uint16_t code, const char *text);
/* Writes counts, TC, and OPT (our size, DO echoed, extended rcode); returns
 * the response length. */
size_t wire_writer_finish(struct wire_writer *w);

#endif
