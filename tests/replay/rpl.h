/* rpl: the .rpl scenario format of unbound's testbound and CZ-NIC's
 * Deckard (the subset tests/replay/README.md describes): parsing a file
 * into a scenario, matching packets against its entries and building the
 * scripted replies. Test code only; ldns does the presentation format. */
#ifndef CAIRN_TESTS_RPL_H
#define CAIRN_TESTS_RPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ldns/ldns.h>

#include "cairn/common.h"

/* MATCH keywords (bits of rpl_entry.match) */
enum {
	RPL_M_OPCODE = 1u << 0,
	RPL_M_QTYPE = 1u << 1,
	RPL_M_QNAME = 1u << 2,
	RPL_M_QCASE = 1u << 3,      /* qname compared byte for byte (0x20) */
	RPL_M_SUBDOMAIN = 1u << 4,  /* qname at or below the entry's */
	RPL_M_FLAGS = 1u << 5,      /* QR AA TC RD RA AD CD */
	RPL_M_RCODE = 1u << 6,
	RPL_M_QUESTION = 1u << 7,
	RPL_M_ANSWER = 1u << 8,
	RPL_M_AUTHORITY = 1u << 9,
	RPL_M_ADDITIONAL = 1u << 10,
	RPL_M_TCP = 1u << 11,
	RPL_M_UDP = 1u << 12,
	RPL_M_TTL = 1u << 13,       /* sections compare TTLs too */
	RPL_M_DO = 1u << 14,        /* the packet has EDNS with DO set */
	RPL_M_NOEDNS = 1u << 15,    /* the packet has no OPT */
	RPL_M_EDNS = 1u << 16,      /* the packet has an OPT (cairn extension) */
	RPL_M_EDE = 1u << 17,       /* ede=N / ede=any */
	RPL_M_ALL = RPL_M_OPCODE | RPL_M_FLAGS | RPL_M_RCODE | RPL_M_QUESTION |
		    RPL_M_ANSWER | RPL_M_AUTHORITY | RPL_M_ADDITIONAL,
};

#define RPL_EDE_ANY (-1)

/* One ENTRY_BEGIN .. ENTRY_END block. */
struct rpl_entry {
	struct rpl_entry *next;
	unsigned line;
	unsigned match;             /* RPL_M_* */
	int ede;                    /* with RPL_M_EDE: the info-code or RPL_EDE_ANY */
	unsigned times;             /* MATCH times=N (cairn): answers at most N
	                             * queries, 0 = any number */
	unsigned used;              /* queries answered so far (run time) */
	bool copy_id, copy_query;   /* ADJUST */
	unsigned sleep_ms;          /* ADJUST packet_sleep=MS */
	ldns_pkt *pkt;              /* REPLY flags and rcode, the SECTIONs, EDNS */
	uint8_t *raw;               /* RAW: the reply as hex bytes (or NULL) */
	size_t raw_len;
};

/* One server address of a RANGE. */
struct rpl_addr {
	int family;
	uint8_t a[16];
};

/* RANGE_BEGIN a b .. RANGE_END: what the addresses answer during steps
 * a..b. */
struct rpl_range {
	struct rpl_range *next;
	unsigned from, to, line;
	unsigned naddr;
	struct rpl_addr *addr;
	struct rpl_entry *entries;
};

enum rpl_step_kind {
	RPL_STEP_QUERY,             /* submit entry's packet as a client query */
	RPL_STEP_CHECK_ANSWER,      /* the next answer matches entry */
	RPL_STEP_TIME_PASSES,       /* elapse_ms of fake time */
	RPL_STEP_CHECK_OUT_QUERY,   /* the next query sent upstream matches entry */
	RPL_STEP_CHECK_UPSTREAM,    /* count upstream queries sent so far */
	RPL_STEP_EXPLAIN,           /* cairn: resolver_explain of the entry's question */
	RPL_STEP_CHECK_EXPLAIN,     /* cairn: the explain log contains text */
	RPL_STEP_CHECK_DEFERRED,    /* no completion so far ran inside
	                             * resolver_query or a reply callback */
};

struct rpl_step {
	struct rpl_step *next;
	unsigned num, line;
	enum rpl_step_kind kind;
	struct rpl_entry *entry;    /* QUERY, CHECK_ANSWER, CHECK_OUT_QUERY */
	uint64_t elapse_ms;         /* TIME_PASSES */
	unsigned long count;        /* CHECK_UPSTREAM */
	char *text;                 /* CHECK_EXPLAIN: words joined by one space */
};

struct rpl_scenario {
	char *path;
	char *title;                /* SCENARIO_BEGIN's text */
	char *config;               /* the CONFIG lines for config_load_text
	                             * (other lines blank: line numbers kept) */
	char *hints;                /* root hints text from stub-zone "." */
	uint64_t wall_base;         /* val-override-date: the wall clock (s since
	                             * 1970) at the fake clock's start; 0: the
	                             * harness's default (REPLAY_WALL_BASE) */
	struct rpl_range *ranges;
	struct rpl_step *steps;     /* in file order, step numbers increasing */
};

/* Reads and parses path. Returns CAIRN_OK and *out (rpl_free), or an error
 * with a message "file:line: why" in err (CAIRN_EIO: unreadable,
 * CAIRN_EFORMAT: bad syntax or an unknown keyword). */
cairn_err rpl_parse_file(const char *path, struct rpl_scenario **out, char *err,
			 size_t errlen);
/* Same for text in memory; path names it in messages. */
cairn_err rpl_parse_text(const char *path, const char *text, struct rpl_scenario **out,
			 char *err, size_t errlen);
void rpl_free(struct rpl_scenario *s);

/* True when the packet pkt (len bytes, received over TCP when tcp) matches
 * e's MATCH keywords; otherwise false with the first difference in why. */
bool rpl_match(const struct rpl_entry *e, const uint8_t *pkt, size_t len, bool tcp,
	       char *why, size_t whylen);
/* Builds e's reply to the query q (qlen bytes): ADJUST copy_id takes q's
 * ID, copy_query its question byte for byte. Returns CAIRN_OK and a
 * malloc'd packet in *out, or CAIRN_ENOMEM / CAIRN_EFORMAT. */
cairn_err rpl_reply(const struct rpl_entry *e, const uint8_t *q, size_t qlen,
		    uint8_t **out, size_t *outlen);
/* The presentation form of a packet, or of an entry's REPLY and sections
 * (malloc'd; never NULL). */
char *rpl_pkt_str(const uint8_t *pkt, size_t len);
char *rpl_entry_str(const struct rpl_entry *e);
/* True when a (from a RANGE's ADDRESS) is the address of sa. */
bool rpl_addr_is(const struct rpl_addr *a, const struct cairn_sockaddr *sa);

#endif
