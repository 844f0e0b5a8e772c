/* xfr/out.c: zone transfers out. AXFR (RFC 5936 §2.2): the SOA, every
 * other record, the SOA again, in as many messages as needed, each
 * compressed and each signed when the request was (RFC 8945 §5.3.1).
 * IXFR (RFC 1995 §4): the difference sequences from the client's serial
 * out of the journal, or the whole zone (AXFR form) when the journal does
 * not reach back that far; over UDP only the SOA (§2). */
#include "xfr_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define XFR_QUERY_MAX 512   /* header + question + OPT of a request we keep */

enum out_phase { PH_SOA_FIRST, PH_BODY, PH_SOA_LAST, PH_DONE };

struct xfr_out {
	struct zone *z;               /* a reference (zone_ref) */
	struct xfr_journal *j;        /* IXFR: a reference; NULL for AXFR form */
	size_t j_entry;               /* IXFR: next entry */
	size_t j_off;                 /* IXFR: offset in it */
	enum out_phase phase;
	struct zone_cursor cur;       /* AXFR: the walk */
	const struct wire_rrset *rs;  /* AXFR: RRset being written */
	unsigned rr;                  /* ... and its next record */
	const uint8_t *rd;            /* ... whose rdata starts here */
	uint8_t query[XFR_QUERY_MAX]; /* header and question, for each message */
	struct wire_query q;
	unsigned msgs;
	uint16_t edns_size;
	/* TSIG */
	bool sign;
	struct xfr_key key;           /* a copy: the policy may go */
	uint8_t mac[TSIG_MAC_MAX];    /* request MAC, then each message's */
	size_t mac_len;
};

void xfr_out_free(struct xfr_out *x)
{
	if (!x)
		return;
	zone_free(x->z);
	journal_unref(x->j);
	tsig_key_clear(&x->key);
	free(x);
}

/* Writes one record (a single-record RRset) to w. */
static cairn_err put_one(struct wire_writer *w, const uint8_t *owner, uint16_t type,
			 uint16_t rclass, uint32_t ttl, const uint8_t *rd)
{
	struct wire_rrset one = {
		.owner = owner, .type = type, .rclass = rclass, .ttl = ttl, .count = 1,
		.rdata_len = 2u + wire_get16(rd), .rdata = rd,
	};

	return wire_writer_rrset(w, WIRE_SEC_ANSWER, &one, NULL);
}

static cairn_err put_soa(struct wire_writer *w, const struct zone *z)
{
	const struct wire_rrset *soa = zone_soa_rrset(z);

	return put_one(w, soa->owner, soa->type, soa->rclass, soa->ttl, soa->rdata);
}

/* The next record of the body into w; CAIRN_OK, CAIRN_ELIMIT (message
 * full, record kept for the next), CAIRN_EEXIST at the end of the body. */
static cairn_err put_body(struct xfr_out *x, struct wire_writer *w)
{
	cairn_err err;

	if (x->j) {
		const struct xfr_jentry *e;
		const uint8_t *p;
		size_t olen;

		if (x->j_entry >= x->j->n)
			return CAIRN_EEXIST;
		e = &x->j->e[x->j_entry];
		p = e->data + x->j_off;
		olen = wire_name_len(p);
		err = put_one(w, p, wire_get16(p + olen), wire_get16(p + olen + 2),
			      wire_get32(p + olen + 4), p + olen + 8);
		if (err != CAIRN_OK)
			return err;
		x->j_off += olen + 10 + wire_get16(p + olen + 8);
		if (x->j_off >= e->len) {
			x->j_entry++;
			x->j_off = 0;
		}
		return CAIRN_OK;
	}
	while (!x->rs || x->rr >= x->rs->count) {
		x->rs = zone_next_rrset(x->z, &x->cur);
		if (!x->rs)
			return CAIRN_EEXIST;
		x->rr = 0;
		x->rd = x->rs->rdata;
	}
	err = put_one(w, x->rs->owner, x->rs->type, x->rs->rclass, x->rs->ttl, x->rd);
	if (err != CAIRN_OK)
		return err;
	x->rd += 2u + wire_get16(x->rd);
	x->rr++;
	return CAIRN_OK;
}

size_t xfr_out_next(struct xfr_out *x, uint8_t *out, size_t cap)
{
	struct wire_writer w;
	size_t limit = cap > TCP_LIMIT ? TCP_LIMIT : cap, len;
	unsigned n = 0;
	cairn_err err = CAIRN_OK;

	if (x->phase == PH_DONE)
		return 0;
	if (x->sign)
		limit -= TSIG_RR_MAX;
	wire_writer_begin(&w, out, limit, &x->q, WIRE_FLAG_AA, WIRE_RCODE_NOERROR, x->edns_size);
	/* RFC 5936 §2.2.5: EDNS (OPT) in the first message only */
	if (x->msgs > 0) {
		w.edns = false;
		w.reserve = 0;
	}
	while (x->phase != PH_DONE) {
		if (x->phase == PH_SOA_FIRST || x->phase == PH_SOA_LAST)
			err = put_soa(&w, x->z);
		else
			err = put_body(x, &w);
		if (err == CAIRN_EEXIST) {       /* end of the body */
			x->phase = PH_SOA_LAST;
			continue;
		}
		if (err != CAIRN_OK)
			break;
		n++;
		if (x->phase != PH_BODY)
			x->phase = x->phase == PH_SOA_FIRST ? PH_BODY : PH_DONE;
	}
	if (err != CAIRN_OK && n == 0) {
		/* a record larger than a message: cannot be sent */
		log_err("zone transfer: a record does not fit in a message, transfer aborted");
		x->phase = PH_DONE;
		return 0;
	}
	w.tc = false; /* a full message is not a truncated one */
	len = wire_writer_finish(&w);
	if (x->sign) {
		/* RFC 8945 §5.3.1: the first with the request MAC and all
		 * variables, the later ones with the previous MAC and timers */
		uint8_t mac[TSIG_MAC_MAX];
		size_t mac_len;

		if (tsig_sign(&x->key, out, &len, cap, x->mac, x->mac_len, x->msgs > 0,
			      (uint64_t)time(NULL), 0, NULL, 0, mac, &mac_len) != CAIRN_OK) {
			log_err("zone transfer: cannot sign a message, transfer aborted");
			x->phase = PH_DONE;
			return 0;
		}
		memcpy(x->mac, mac, mac_len);
		x->mac_len = mac_len;
	}
	x->msgs++;
	return len;
}

/* The serial of the SOA in the authority section of an IXFR query (RFC
 * 1995 §3), or false when it is missing or malformed. */
static bool ixfr_serial(const struct wire_query *q, uint32_t *serial)
{
	const uint8_t *m = q->pkt;
	size_t pos = WIRE_HDR_LEN + q->question_len, nlen;
	uint8_t name[WIRE_NAME_MAX];

	if (wire_get16(m + 8) != 1 ||
	    wire_name_unpack(m, q->len, &pos, name, &nlen, true) != CAIRN_OK ||
	    q->len - pos < 10 || wire_get16(m + pos) != WIRE_TYPE_SOA)
		return false;
	if (q->len - pos - 10 < wire_get16(m + pos + 8) || wire_get16(m + pos + 8) < 22)
		return false;
	/* serial: 20 bytes before the end of the rdata */
	*serial = wire_get32(m + pos + 10 + wire_get16(m + pos + 8) - 20);
	return true;
}

/* A response holding just the SOA (IXFR up to date, or over UDP). */
static size_t soa_only(const struct wire_query *q, const struct zone *z, uint8_t *out,
		       size_t limit, uint16_t edns_size, bool sign, const struct xfr_key *key,
		       const struct tsig_rr *rr)
{
	struct wire_writer w;
	size_t len;
	uint8_t mac[TSIG_MAC_MAX];
	size_t mac_len;

	wire_writer_begin(&w, out, sign ? limit - TSIG_RR_MAX : limit, q, WIRE_FLAG_AA,
			  WIRE_RCODE_NOERROR, edns_size);
	(void)put_soa(&w, z);
	len = wire_writer_finish(&w);
	if (sign)
		(void)tsig_sign(key, out, &len, limit, rr->mac, rr->mac_len, false,
				(uint64_t)time(NULL), 0, NULL, 0, mac, &mac_len);
	return len;
}

size_t xfr_query(const struct zone_set *zs, const struct wire_query *q,
		 const struct sockaddr *peer, bool tcp, uint8_t *out, size_t limit,
		 uint16_t edns_size, struct xfr_out **stream, unsigned *rcode)
{
	struct xfr_policy *p = zs ? zone_set_ext(zs) : NULL;
	struct xfr_zone *xz = p ? policy_zone(p, q->qname) : NULL;
	const struct xfr_key *key = NULL;
	struct tsig_rr rr;
	bool is_signed = false, ixfr = q->qtype == WIRE_TYPE_IXFR;
	uint16_t terr = 0;
	const char *why = "no such zone here";
	char peer_text[80], zname[1024];
	uint32_t serial = 0;
	struct xfr_out *x;
	long from = -1;

	*stream = NULL;
	*rcode = WIRE_RCODE_REFUSED;
	if (wire_name_to_text(q->qname, zname, sizeof(zname)) != CAIRN_OK)
		zname[0] = '\0';
	if (xz && !xz->zone)
		why = "the zone has no data yet";
	if (xz && xz->zone) {
		*rcode = policy_check(p, xz->provide, xz->n_provide, q, peer, &key, &rr, &is_signed,
				      &terr, &why);
		if (ixfr && *rcode == 0 && !ixfr_serial(q, &serial)) {
			*rcode = WIRE_RCODE_FORMERR; /* RFC 1995 §3 */
			why = "IXFR without the client's SOA";
		}
	}
	if (!xz || !xz->zone || *rcode != 0) {
		/* RFC 5936 §6 (access), RFC 8945 §5.2 (TSIG errors) */
		policy_log_refused(p, peer, *rcode << 8 | terr, "%s %s from %s refused: %s",
				   ixfr ? "IXFR" : "AXFR", zname,
				   xfr_peer_text(peer, peer_text, sizeof(peer_text)), why);
		return policy_error(q, *rcode, terr, &rr, is_signed, key, out, limit, edns_size);
	}
	if (ixfr && ((int32_t)(serial - zone_serial(xz->zone)) >= 0 || !tcp)) {
		/* RFC 1995 §2: over UDP the SOA only (the client then uses
		 * TCP); up to date (or newer): the SOA only, §4 */
		*rcode = WIRE_RCODE_NOERROR;
		return soa_only(q, xz->zone, out, limit, edns_size, is_signed, key, &rr);
	}
	if (ixfr)
		from = journal_find(xz->journal, serial);
	x = calloc(1, sizeof(*x));
	if (!x || q->len > XFR_QUERY_MAX ||
	    (is_signed && tsig_key_init_copy(&x->key, key) != CAIRN_OK)) {
		free(x);
		*rcode = WIRE_RCODE_SERVFAIL;
		return policy_error(q, *rcode, 0, &rr, is_signed, key, out, limit, edns_size);
	}
	x->z = zone_ref(xz->zone);
	if (from >= 0) {
		x->j = journal_ref(xz->journal);
		x->j_entry = (size_t)from;
	}
	/* keep header and question (and OPT, for the first message) */
	memcpy(x->query, q->pkt, q->len);
	x->q = *q;
	x->q.pkt = x->query;
	x->sign = is_signed;
	x->edns_size = edns_size;
	if (is_signed) {
		memcpy(x->mac, rr.mac, rr.mac_len);
		x->mac_len = rr.mac_len;
	}
	log_info("%s %s serial %u to %s%s%s%s", ixfr ? (from >= 0 ? "IXFR" : "IXFR (as AXFR)") :
		 "AXFR", zname, zone_serial(xz->zone),
		 xfr_peer_text(peer, peer_text, sizeof(peer_text)), is_signed ? " (TSIG " : "",
		 is_signed ? key->text : "", is_signed ? ")" : "");
	*rcode = WIRE_RCODE_NOERROR;
	*stream = x;
	return 0;
}
