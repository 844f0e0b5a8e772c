/* cdig: the dig-like client. Shared types of the client's files: options and
 * query descriptions (args.c), the c-ares exchange (transport.c), query
 * building and sending with dig's retry rules (query.c), dig-layout text
 * output (print.c), RFC 8427 JSON output (json.c), +trace and +nssearch
 * (trace.c). */
#ifndef CDIG_H
#define CDIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <ldns/ldns.h>

#include "cairn/common.h"

/* dig's exit codes. */
enum {
	CDIG_EXIT_OK = 0, CDIG_EXIT_USAGE = 1, CDIG_EXIT_BATCH = 8,
	CDIG_EXIT_NOREPLY = 9, CDIG_EXIT_INTERNAL = 10,
};

#define CDIG_MAX_SERVERS 8
#define CDIG_NAME_TEXT   1024   /* presentation form of any name, escaped */

/* Everything one lookup needs: the question and every option. */
struct cdig_query {
	char server[256];        /* @server as given; "" = resolv.conf */
	uint16_t port;           /* -p, default 53 */
	int family;              /* 0, 4 (-4) or 6 (-6) */
	char source[64];         /* -b address; "" = any */
	char name[CDIG_NAME_TEXT];
	bool have_name;
	uint16_t qtype, qclass;
	bool qtype_set, qclass_set;
	bool reverse;            /* name came from -x */

	bool tcp, tcp_set, ignore_tc, recurse, dnssec, edns, adflag, cdflag;
	uint16_t bufsize;
	int time_s, tries;

	bool short_form, qr, cmd, comments, question, answer, authority;
	bool additional, stats, multiline, ttlunits, ttlid, nssearch, trace;
	bool json, identify;
	char hints[512];         /* +hints=FILE for +trace; "" = ask server */
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
/* Text of the +option words and flags, for `cdig -h`. */
void cdig_args_usage(FILE *f);
/* Parses a type name or TYPEnnn; returns false when unknown. */
bool cdig_parse_type(const char *s, uint16_t *out);
bool cdig_parse_class(const char *s, uint16_t *out);
/* Writes the reverse-lookup name of an IPv4 (whole or 1-3 leading octets)
 * or IPv6 address into buf. Returns false when addr is not an address. */
bool cdig_reverse_name(const char *addr, char *buf, size_t buflen);

/* ---- transport.c (the only file that includes <ares.h>) ---- */
enum cdig_xstatus {
	CDIG_X_OK = 0, CDIG_X_TIMEOUT, CDIG_X_REFUSED, CDIG_X_ERROR,
};
/* Library set-up and tear-down (call once each). */
cairn_err cdig_transport_init(void);
void cdig_transport_cleanup(void);
/* Sends wire query q (qlen bytes) once to srv over UDP or TCP and waits at
 * most timeout_ms. On CDIG_X_OK *resp is a malloc'd copy of the answer
 * (caller frees) of *resplen bytes. *elapsed_ms is the round-trip time.
 * src (may be NULL) is the -b source address. Returns CAIRN_ENOMEM or
 * CAIRN_EIO for local failures, otherwise CAIRN_OK with *st set. */
cairn_err cdig_transport_exchange(const struct cdig_server *srv,
				  const struct sockaddr *src, bool tcp,
				  int timeout_ms, const uint8_t *q, size_t qlen,
				  uint8_t **resp, size_t *resplen,
				  enum cdig_xstatus *st, unsigned *elapsed_ms);
/* The c-ares version string (static). */
const char *cdig_transport_version(void);

/* ---- query.c ---- */
/* One received message and how it was obtained. */
struct cdig_reply {
	uint8_t *wire;           /* malloc'd, owned by the reply */
	size_t len;
	ldns_pkt *pkt;           /* parsed, owned by the reply */
	struct cdig_server from;
	bool tcp;
	unsigned ms;
};
void cdig_reply_free(struct cdig_reply *r);
/* Builds the wire query for name/type/class with q's flags (RD, AD, CD,
 * EDNS, DO, buffer size); *wire is malloc'd (caller frees). Returns
 * CAIRN_EINVAL for a name that is not a valid domain name. */
cairn_err cdig_query_build(const struct cdig_query *q, const char *name,
			   uint16_t type, uint16_t klass, bool rd,
			   uint8_t **wire, size_t *len);
/* Fills srv[] (at most CDIG_MAX_SERVERS) from q's @server (address or a
 * name resolved with getaddrinfo) or from /etc/resolv.conf. Prints dig's
 * message and returns CDIG_EXIT_USAGE/… codes through *exitcode. */
cairn_err cdig_servers(const struct cdig_query *q, struct cdig_server *srv,
		       size_t *n);
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
 * OPT pseudosection, sections. query is true for +qr output. */
void cdig_print_message(FILE *f, const struct cdig_query *q, ldns_pkt *pkt,
			const uint8_t *wire, size_t len, bool query);
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

/* ---- trace.c ---- */
/* +trace: iterates from the root; returns a dig exit code. */
int cdig_trace(const struct cdig_query *q);
/* +nssearch: SOA from every authoritative server; returns an exit code. */
int cdig_nssearch(const struct cdig_query *q);

#endif
