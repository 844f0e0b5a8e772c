/* cdig: the dig-like client. Shared types of the client's files: options and
 * query descriptions (args.c, opts.c), the exchange on its own sockets
 * (transport.c), query
 * building and sending with dig's retry rules (query.c), dig-layout text
 * output (print.c), RFC 8427 JSON output (json.c), +trace and +nssearch
 * (trace.c), TSIG keys and signing (tsig.c) and verification
 * (tsig_verify.c). */
#ifndef CDIG_H
#define CDIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <ldns/ldns.h>

#include "cairn/common.h"
#include "cairn/wire.h"

/* dig's exit codes. */
enum {
	CDIG_EXIT_OK = 0, CDIG_EXIT_USAGE = 1, CDIG_EXIT_BATCH = 8,
	CDIG_EXIT_NOREPLY = 9, CDIG_EXIT_INTERNAL = 10,
};

#define CDIG_MAX_SERVERS 8
#define CDIG_NAME_TEXT   1024   /* presentation form of any name, escaped */
#define CDIG_MAX_EDNSOPT 16     /* +ednsopt= options per query */
#define CDIG_EDNSOPT_MAX 512    /* bytes of one +ednsopt= value */
#define CDIG_MAX_SEARCH  8      /* resolv.conf search domains used */

/* One +ednsopt=code[:hex] (RFC 6891 §6.1.2 option). */
struct cdig_ednsopt {
	uint16_t code, len;
	uint8_t data[CDIG_EDNSOPT_MAX];
};

/* DNS over TLS settings (RFC 7858, RFC 8310). */
struct cdig_tls {
	bool on, verify;         /* +tls; +tls-ca (authenticate the server) */
	char ca[256];            /* +tls-ca=FILE; "" = the system's CAs */
	char hostname[256];      /* +tls-hostname= */
	char certfile[256], keyfile[256];
};

/* A TSIG key (-y or -k; RFC 8945). */
struct cdig_key {
	bool on;
	char name[CDIG_NAME_TEXT];
	char alg[64];            /* ldns name: "hmac-sha256." ... */
	char secret[1024];       /* base64 */
};

/* Everything one lookup needs: the question and every option. */
struct cdig_query {
	/* @server words as given, in order (none: resolv.conf). As dig's
	 * getaddresses(): those before the first name are every query's
	 * list; one after a name is appended to that query's list. */
	char server[CDIG_MAX_SERVERS][256];
	size_t nserver;
	size_t nserver_glob;     /* of them, from before the first name */
	bool greet;              /* dig's banner: the first query, +cmd then */
	bool name_bad;           /* name checked when its lookup runs */
	bool from_batch;         /* a line of a -f batch file */
	uint16_t port;           /* -p (one for all, as dig), default 53 */
	bool port_set;
	int family;              /* 0, 4 (-4) or 6 (-6) */
	char source[64];         /* -b address; "" = any */
	uint16_t source_port;    /* -b address#port */
	char name[CDIG_NAME_TEXT];
	bool have_name;
	uint16_t qtype, qclass;
	bool qtype_set, qclass_set;
	bool reverse;            /* name came from -x */
	uint32_t ixfr_serial;    /* IXFR=serial */

	/* header (RFC 1035 §4.1.1) */
	bool recurse, aaflag, tcflag, raflag, zflag, adflag, cdflag;
	uint8_t opcode;
	int32_t qid;             /* +qid=; -1: random */
	bool header_only;

	/* transport */
	bool tcp, tcp_set, ignore_tc, fail, keepopen;
	int time_s, tries;
	struct cdig_tls tls;
	struct cdig_key key;

	/* EDNS (RFC 6891) and its options */
	bool edns, dnssec, ednsneg, nsid, expire, keepalive, badcookie;
	bool showbadcookie;
	uint8_t edns_version;
	uint16_t ednsflags;      /* Z bits besides DO */
	uint16_t bufsize;
	bool cookie;             /* RFC 7873: send a client cookie */
	uint8_t cookie_val[40];  /* +cookie=hex (8 client + 8..32 server) */
	size_t cookie_len;       /* 0: a random client cookie */
	bool subnet;             /* RFC 7871 client subnet */
	uint16_t subnet_family;
	uint8_t subnet_bits, subnet_addr[16];
	uint16_t padding;        /* RFC 7830 block size, 0 = none */
	struct cdig_ednsopt ednsopt[CDIG_MAX_EDNSOPT];
	size_t nednsopt;

	/* search list (resolv.conf) */
	bool search, showsearch;
	int ndots;
	char domain[256];

	/* output */
	bool short_form, qr, cmd, comments, question, answer, authority;
	bool additional, stats, multiline, ttlunits, ttlid, nssearch, trace;
	bool json, yaml, identify, rrcomments, onesoa, unknownformat, klass;
	bool crypto, besteffort, rrcomments_set, usec;
	int split;               /* split base64/hex fields every N chars */
	bool split_set;
	char hints[512];         /* +hints=FILE for +trace; "" = ask server */
	bool chain;              /* +chain (chain.c) */
	char anchor[512];        /* +anchor=FILE for +chain; "" = the default */
	struct cdig_keep *keep;  /* +keepopen's connection (main's) */
	int argc;                /* the command line, for the banner */
	char **argv;
};

/* A resolved server address with the label dig prints in parentheses. */
struct cdig_server {
	struct sockaddr_storage ss;
	socklen_t len;
	char label[256];
};

/* ---- args.c ---- */
/* Defaults dig uses (EDNS 1232, RD, AD, 5 s, 3 tries, all sections). */
void cdig_query_defaults(struct cdig_query *q);
/* Parses argv (argv[0] excluded) into a malloc'd array of queries (*out,
 * owned by the caller, *n entries; at least one: ". NS" when no name was
 * given). Batch files (-f) are read here. On a usage error prints dig's
 * style of message on stderr and returns CDIG_EXIT_USAGE; an unreadable
 * batch file returns CDIG_EXIT_BATCH; -h prints help and sets *done. */
int cdig_args_parse(int argc, char **argv, struct cdig_query **out, size_t *n,
		    bool *done);
/* opts.c: applies one +option word (arg starts with '+') to q. Prints
 * dig's message and returns CDIG_EXIT_USAGE for an invalid or an
 * unsupported option, else 0. */
int cdig_plus_option(const char *arg, struct cdig_query *q);
/* Text of the +option words and flags, for `cdig -h`. */
void cdig_args_usage(FILE *f);
/* Parses a type name or TYPEnnn; returns false when unknown. */
bool cdig_parse_type(const char *s, uint16_t *out);
bool cdig_parse_class(const char *s, uint16_t *out);
/* Writes the reverse-lookup name of an IPv4 (whole or 1-3 leading octets)
 * or IPv6 address into buf. Returns false when addr is not an address. */
bool cdig_reverse_name(const char *addr, char *buf, size_t buflen);

/* ---- transport.c: cdig's own UDP, TCP and TLS sockets ---- */
enum cdig_xstatus {
	CDIG_X_OK = 0, CDIG_X_TIMEOUT, CDIG_X_REFUSED, CDIG_X_ERROR,
	CDIG_X_UNREACH, CDIG_X_EOF, CDIG_X_TLS,
};
/* Library set-up and tear-down (call once each). */
cairn_err cdig_transport_init(void);
void cdig_transport_cleanup(void);
/* Sends wire query q once to srv over UDP and waits at most timeout_ms
 * for the answer with q's ID from srv's address and port (other IDs are
 * reported unless quiet, and waited past). On CDIG_X_OK *resp is malloc'd
 * (caller frees), *resplen bytes, up to 65535. src (may be NULL) is the
 * -b source. Returns CAIRN_ENOMEM/CAIRN_EIO for local failures,
 * CAIRN_EINVAL when src cannot be bound, otherwise CAIRN_OK with *st. */
cairn_err cdig_udp_exchange(const struct cdig_server *srv,
			    const struct sockaddr *src, int timeout_ms,
			    const uint8_t *q, size_t qlen, bool quiet,
			    uint8_t **resp, size_t *resplen,
			    enum cdig_xstatus *st, unsigned *elapsed_ms);
/* A TCP (or TLS over TCP) connection to one server. */
struct cdig_conn;
/* +keepopen: the connection kept open between the lookups of one
 * invocation for the next lookup to the same server (dig's "keep" in
 * dighost.c), owned by main and closed at the end. */
struct cdig_keep {
	struct cdig_conn *conn;  /* NULL: none kept */
	struct cdig_server srv;  /* whom conn goes to */
	bool tls;
};
/* Whether a and b are the same address and port (dig's
 * isc_sockaddr_equal). */
bool cdig_same_server(const struct cdig_server *a, const struct cdig_server *b);
/* Connects (and with tls->on, completes the TLS handshake, verifying the
 * certificate when tls->verify) within timeout_ms. On CDIG_X_OK *out is
 * the connection (close with cdig_conn_close). why (may be NULL) gets a
 * reason for a TLS failure. Errors as cdig_udp_exchange. */
cairn_err cdig_conn_open(const struct cdig_server *srv,
			 const struct sockaddr *src, const struct cdig_tls *tls,
			 int timeout_ms, struct cdig_conn **out,
			 enum cdig_xstatus *st, char *why, size_t whylen);
/* Writes one length-prefixed message. */
cairn_err cdig_conn_send(struct cdig_conn *c, const uint8_t *q, size_t qlen,
			 int timeout_ms, enum cdig_xstatus *st);
/* Reads one length-prefixed message into *msg (malloc'd, caller frees);
 * CDIG_X_EOF when the server closed between messages. */
cairn_err cdig_conn_recv(struct cdig_conn *c, int timeout_ms, uint8_t **msg,
			 size_t *len, enum cdig_xstatus *st);
void cdig_conn_close(struct cdig_conn *c);
/* The TLS library's version string (static). */
const char *cdig_transport_version(void);

/* ---- query.c ---- */
/* One received message and how it was obtained. */
struct cdig_reply {
	uint8_t *wire;           /* malloc'd, owned by the reply */
	size_t len;
	ldns_pkt *pkt;           /* parsed, owned by the reply */
	struct cdig_server from;
	bool tcp, tls;
	unsigned ms, us;
	uint8_t ccookie[8];      /* the client cookie sent, for "(good)" */
	bool have_ccookie;
	bool tsig_failed;        /* dig's closing TSIG warning */
	bool is_query;           /* +qr +yaml: the query, sent to from */
	bool connect_failed;     /* no answer: the last try's TCP/TLS
				  * connection failed */
};
void cdig_reply_free(struct cdig_reply *r);
/* msg.c: builds the wire query for name/type/class with q's header
 * flags, opcode and ID (+qid, else random), and q's EDNS record and
 * options; *wire is malloc'd (caller frees). Returns CAIRN_EINVAL for a
 * name that is not a valid domain name, CAIRN_ELIMIT over 65535 bytes. */
cairn_err cdig_query_build(const struct cdig_query *q, const char *name,
			   uint16_t type, uint16_t klass, bool rd,
			   uint8_t **wire, size_t *len);
/* Fills buf with n random bytes (getrandom). */
void cdig_random(void *buf, size_t n);
/* Parses a received message with ldns after checking its records (one
 * OPT at most, TSIG only last: RFC 6891 §6.1.1, RFC 8945 §5.2), which
 * ldns does not. CAIRN_EFORMAT for a malformed message. */
cairn_err cdig_wire2pkt(ldns_pkt **out, const uint8_t *wire, size_t len);
/* Finds EDNS option code in the OPT record of wire; *val points into
 * wire. Returns false when the message has no such option. */
bool cdig_find_option(const uint8_t *wire, size_t len, uint16_t code,
		      const uint8_t **val, uint16_t *vlen);
/* Fills srv[] (at most CDIG_MAX_SERVERS) from q's @server words in order
 * (addresses, or names resolved with getaddrinfo) or from
 * /etc/resolv.conf. *found (may be NULL) gets the number of addresses of
 * the last @server given before the first name (dig's "N servers found"),
 * 0 without one. Prints dig's message for a name that does not resolve;
 * returns CAIRN_ENOTFOUND when no address is usable. */
cairn_err cdig_servers(const struct cdig_query *q, struct cdig_server *srv,
		       size_t *n, size_t *found);
/* Sends wire to the servers in turn with q's tries, timeout and TCP rules
 * (a TC=1 UDP answer is retried over TCP unless +ignore), printing dig's
 * communication error lines. Returns CAIRN_OK with *out filled, or
 * CAIRN_ENOTFOUND when no server answered. */
cairn_err cdig_query_send(const struct cdig_query *q,
			  const struct cdig_server *srv, size_t nsrv,
			  const uint8_t *wire, size_t len, bool quiet,
			  struct cdig_reply *out);
/* Fills a server from an address literal and port; label as given. */
bool cdig_server_from_text(const char *addr, uint16_t port, const char *label,
			   struct cdig_server *out);
/* "ADDR#PORT" of a server. */
void cdig_server_addr(const struct cdig_server *s, char *buf, size_t len);

/* ---- print.c ---- */
/* Presentation text of rr's rdata (space separated fields, dig's forms);
 * returns a malloc'd string or NULL. */
char *cdig_rdata_str(const ldns_rr *rr);
/* Prints rr in dig's column layout (or +multiline layout). */
void cdig_print_rr(FILE *f, const struct cdig_query *q, const ldns_rr *rr,
		   bool question);
/* Prints a whole message as dig does for q's options: header comments,
 * OPT pseudosection, sections, TSIG pseudosection. r is NULL for the
 * query itself (+qr), else the reply (for the COOKIE check). */
void cdig_print_message(FILE *f, const struct cdig_query *q, ldns_pkt *pkt,
			const uint8_t *wire, size_t len,
			const struct cdig_reply *r);
/* rdata.c: rdata text in dig's forms for q's options (+split,
 * +multiline, +unknownformat, +rrcomments, +nocrypto); malloc'd. */
char *cdig_rdata_text(const struct cdig_query *q, const ldns_rr *rr);
/* Prints the EDNS options of an OPT record's rdata in dig's forms, each
 * line starting with prefix. */
void cdig_print_edns_options(FILE *f, const ldns_rdf *data,
			     const struct cdig_reply *r, const char *prefix);
const char *cdig_opcode_name(unsigned op, char *buf, size_t len);
/* The mnemonic of rcode (extended included), or its number in buf. */
const char *cdig_rcode_name(unsigned rc, char *buf, size_t len);
/* Prints the statistics block (Query time, SERVER, WHEN, MSG SIZE). */
void cdig_print_stats(FILE *f, const struct cdig_reply *r);
/* Prints the section's records, one per line, without a header. */
void cdig_print_section(FILE *f, const struct cdig_query *q,
			const ldns_rr_list *l);
/* Writes dig's +ttlunits form of ttl ("1h30m") into buf. */
void cdig_ttl_units(uint32_t ttl, bool verbose, char *buf, size_t len);

/* ---- json.c ---- */
/* Prints the message as one RFC 8427 JSON object followed by a newline. */
void cdig_json_message(FILE *f, ldns_pkt *pkt, const uint8_t *wire,
		       size_t len, const struct cdig_reply *r);

/* ---- main.c, lookup.c ---- */
/* The command-line banner, printed once before the first output. */
struct cdig_banner {
	int argc;
	char **argv;
	bool printed;
	size_t found;            /* cdig_servers' *found for the lookup */
};
/* Prints the banner unless printed or q's output has none. */
void cdig_print_banner(struct cdig_banner *b, const struct cdig_query *q);
/* dig's end of a lookup no server answered: the banner when q had one
 * (dig prints it even with +short given after the name) unless
 * tcp_refused (dig's TCP connect failure path prints none), then ";; no
 * servers could be reached" on stdout (a DIG_ERROR document with +yaml,
 * standard error with +json). */
void cdig_print_unreached(struct cdig_banner *b, const struct cdig_query *q,
			  bool tcp_refused);
/* Checks that name is a legal domain name; prints dig's message and
 * returns CDIG_EXIT_INTERNAL (dig's fatal status) when not, else 0. */
int cdig_check_name(const char *name);
/* Runs one query line (search list, resends, output); dig's exit code. */
int cdig_lookup(const struct cdig_query *q, struct cdig_banner *b);
/* resolv.conf's search list (or +domain=); up to max domains, each
 * without a trailing dot. Returns how many. */
size_t cdig_search_list(const struct cdig_query *q, char (*out)[256],
			size_t max);

/* ---- xfr.c ---- */
/* AXFR or IXFR=serial (RFC 5936, RFC 1995) over one TCP/TLS connection:
 * every message printed as dig prints a transfer; exit code. */
int cdig_xfr(const struct cdig_query *q, const struct cdig_server *srv,
	     size_t nsrv, struct cdig_banner *b);

/* ---- tsig.c ---- */
/* -y [hmac:]name:secret into k; prints dig's message, CDIG_EXIT_USAGE. */
int cdig_key_from_arg(const char *arg, struct cdig_key *k);
/* -k FILE (a named.conf key clause or a K*.private file). */
int cdig_key_from_file(const char *path, struct cdig_key *k);
/* Signs the query in *wire (replaced by the signed copy); *mac is the
 * request MAC for the answer's check (caller frees). */
cairn_err cdig_tsig_sign(const struct cdig_key *k, uint8_t **wire, size_t *len,
			 ldns_rdf **mac);

/* ---- tsig_verify.c ---- */
/* The verification of the answers to one signed query (RFC 8945 §5.3):
 * one answer, or the messages of a zone transfer. */
struct cdig_tsig_check;
/* Starts one for key k and request_mac (cdig_tsig_sign's *mac). *out is
 * the caller's (cdig_tsig_check_free). CAIRN_EINVAL for a key the
 * verifier cannot use, CAIRN_ENOMEM. */
cairn_err cdig_tsig_check_new(const struct cdig_key *k, const ldns_rdf *request_mac,
			      struct cdig_tsig_check **out);
/* Checks the next message received (wire, len): NULL when it verifies
 * or is an unsigned message a later MAC must cover (at most 99 in a row,
 * §5.3.1), else dig's reason text (static). */
const char *cdig_tsig_check_next(struct cdig_tsig_check *c, const uint8_t *wire, size_t len);
/* At the end of a transfer: NULL, or dig's reason text when the last
 * message was not signed (§5.3.1). */
const char *cdig_tsig_check_end(const struct cdig_tsig_check *c);
void cdig_tsig_check_free(struct cdig_tsig_check *c);

/* ---- yaml.c ---- */
/* Prints the message in dig's +yaml layout; r NULL or r->is_query for
 * a query (r then names the server it goes to). */
void cdig_yaml_message(FILE *f, const struct cdig_query *q, ldns_pkt *pkt,
		       const uint8_t *wire, size_t len,
		       const struct cdig_reply *r);

/* ---- trace.c ---- */
/* +trace: iterates from the root; returns a dig exit code. */
int cdig_trace(const struct cdig_query *q);
/* +nssearch: SOA from every authoritative server; returns an exit code. */
int cdig_nssearch(const struct cdig_query *q);

/* print.c: writes the header flags set in flags as dig does (" qr aa
 * rd ..."). */
void cdig_print_flags(FILE *f, unsigned flags);

/* ---- chain.c: +chain, the chain of trust link by link ---- */
#define CDIG_EXIT_BOGUS 12       /* +chain: the verdict is bogus (cdig(1)) */
/* +chain NAME [TYPE]: fetches (DO=1, CD=1) the answer and every DS and
 * DNSKEY RRset from the trust anchor (q->anchor) down to it, from q's
 * server or by iterating from q->hints, and prints each link's verdict.
 * Returns 0 (secure or insecure), CDIG_EXIT_BOGUS, CDIG_EXIT_NOREPLY when
 * a link could not be fetched, CDIG_EXIT_USAGE for a bad anchor or hints
 * file, CDIG_EXIT_INTERNAL when out of memory. */
int cdig_chain(const struct cdig_query *q);
/* trace.c: a quiet iteration from q->hints for chain.c. cdig_iter_new
 * returns NULL (message printed) when the hints cannot be loaded or memory
 * is short; the caller frees with cdig_iter_free. q must outlive it. */
struct cdig_iter;
struct cdig_iter *cdig_iter_new(const struct cdig_query *q);
/* Resolves name/type with RD=0 and DO=1 from the root servers; on CAIRN_OK
 * *r is the last response (caller frees with cdig_reply_free). */
cairn_err cdig_iter_query(struct cdig_iter *it, const char *name, uint16_t type,
			  struct cdig_reply *r);
void cdig_iter_free(struct cdig_iter *it);
/* chain_rrset.c: one RRset copied out of a message in the form
 * src/dnssec checks. */
#define CDIG_CHAIN_MAX_NSEC 16   /* NSEC/NSEC3 RRsets used from one answer */
struct cdig_rrset {
	uint8_t owner[WIRE_NAME_MAX];
	uint8_t *data;           /* malloc'd rdata: count x (len16, rdata) */
	struct wire_rrset rs;    /* points into owner and data */
};
/* Copies the records of type at owner in l (NULL: none) into *c (the
 * caller's; free with cdig_rrset_free; count 0 when there are none).
 * false when out of memory or an rdata does not fit. */
bool cdig_rrset_get(const ldns_rr_list *l, const uint8_t *owner, uint16_t type,
		    struct cdig_rrset *c);
void cdig_rrset_free(struct cdig_rrset *c);
/* True when rr's owner is the wire name name (case-insensitive). */
bool cdig_owner_is(const ldns_rr *rr, const uint8_t *name);
/* The rdata of the i-th record of rs (its length in *len), NULL past the
 * end; points into rs. */
const uint8_t *cdig_rdata_at(const struct wire_rrset *rs, unsigned i, uint16_t *len);
/* The key tag of the first RRSIG in sigs covering type, -1 when none. */
int cdig_sig_tag(const struct wire_rrset *sigs, uint16_t type);
/* "KSK" or "ZSK" (static) by the SEP flag of the key tagged tag in keys,
 * "key" when there is none. */
const char *cdig_key_role(const struct wire_rrset *keys, int tag);
/* The tag of a key in keys that a DS (tag and algorithm) or DNSKEY record
 * of anchor names, -1 when none. */
int cdig_anchored_tag(const struct wire_rrset *keys, const struct wire_rrset *anchor);
/* Copies the NSEC/NSEC3 RRsets of l and their RRSIGs into set[] and
 * sigs[] (CDIG_CHAIN_MAX_NSEC each, the caller's; free with
 * cdig_nsec_free); returns how many. */
unsigned cdig_nsec_collect(const ldns_rr_list *l, struct cdig_rrset *set,
			   struct cdig_rrset *sigs);
void cdig_nsec_free(struct cdig_rrset *set, struct cdig_rrset *sigs, unsigned n);
/* print.c: the RFC 8914 name of an EDE info-code (static), NULL if unknown. */
const char *cdig_ede_name(unsigned code);

#endif
