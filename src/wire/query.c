/* wire/query.c: parsing of incoming queries: header, the one question, and
 * the additional section (OPT, RFC 6891; other records skipped). Every read
 * is bounds-checked; malformed input yields FORMERR or DROP. */
#include "cairn/wire.h"
#include "hash_int.h"

#include <string.h>

#define OPT_FIXED_LEN 11
#define RR_FIXED_LEN  10      /* type, class, TTL, rdlength */

/* Parses the uncompressed question name at pkt[*pos] into q->qname
 * (lowercased) and q->qname_hash (wire_name_hash of it, made as it is
 * copied, eight bytes at a time). A compression pointer in the question
 * is malformed here: nothing precedes it that it could legitimately
 * point to. */
static bool parse_qname(const uint8_t *pkt, size_t len, size_t *pos,
			struct wire_query *q)
{
	const uint8_t *name = pkt + *pos;
	size_t p = *pos, n, i;
	uint64_t h, w;

	/* the labels: where the name ends */
	for (;;) {
		if (p >= len)
			return false;
		uint8_t c = pkt[p];
		if (c & 0xc0)           /* pointer or reserved label type */
			return false;
		if (p + 1 + c > len)
			return false;
		p += 1 + (size_t)c;
		if (p - *pos > WIRE_NAME_MAX)  /* RFC 1035 §2.3.4 */
			return false;
		if (c == 0)
			break;
	}
	/* the bytes, lowercased (lower8 leaves label lengths, < 64, alone) */
	n = p - *pos;
	h = name_hash_init(n);
	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, name + i, 8);
		w = lower8(w);
		memcpy(q->qname + i, &w, 8);
		h = name_hash_step(h, w);
	}
	if (i < n && n >= 8) {
		/* the last 8 bytes again: the rest is their end */
		memcpy(&w, name + n - 8, 8);
		w = lower8(w);
		memcpy(q->qname + n - 8, &w, 8);
		h = name_hash_tail(h, tail_of(w, n - i));
	} else if (i < n) {
		/* under 8 bytes: gathered into a register, byte j at 8 j */
		w = 0;
		for (size_t j = 0; j < n; j++)
			w |= (uint64_t)name[j] << (8 * j);
		w = lower8(w);
		for (size_t j = 0; j < n; j++)
			q->qname[j] = (uint8_t)(w >> (8 * j));
		h = name_hash_tail(h, w);
	}
	q->qname_len = n;
	q->qname_hash = name_hash_final(h);
	*pos = p;
	return true;
}

/* Checks the option TLVs of an OPT RR's rdata (RFC 6891 §6.1.2) and copies
 * the first COOKIE option into q. A COOKIE of a length other than 8 or
 * 16..40 is malformed (RFC 7873 §5.2.2); later ones are ignored (§5.2). */
static bool opt_options_ok(const uint8_t *rd, size_t rdlen, struct wire_query *q)
{
	size_t p = 0;
	while (p < rdlen) {
		if (rdlen - p < 4)
			return false;
		uint16_t code = wire_get16(rd + p);
		size_t olen = wire_get16(rd + p + 2);
		p += 4;
		if (rdlen - p < olen)
			return false;
		if (code == WIRE_OPT_COOKIE && q->cookie_len == 0) {
			if (olen != WIRE_COOKIE_CLIENT_LEN &&
			    (olen < WIRE_COOKIE_CLIENT_LEN + WIRE_COOKIE_SERVER_MIN ||
			     olen > WIRE_COOKIE_MAX))
				return false;
			memcpy(q->cookie, rd + p, olen);
			q->cookie_len = (uint8_t)olen;
		}
		p += olen;
	}
	return true;
}

/* Walks count records from *pos: any record (OPT, TSIG, ...) is parsed
 * for bounds, names may be compressed; the OPT fills q. Returns false for
 * a malformed record. */
CAIRN_HOT static bool parse_records(const uint8_t *pkt, size_t len, size_t *posp,
			  unsigned count, struct wire_query *q)
{
	size_t pos = *posp;
	bool opt_seen = false;

	for (unsigned i = 0; i < count; i++) {
		uint8_t owner[WIRE_NAME_MAX];
		size_t owner_len, rr_start = pos;
		if (wire_name_unpack(pkt, len, &pos, owner, &owner_len, false) != CAIRN_OK)
			return false;
		if (len - pos < RR_FIXED_LEN)
			return false;
		uint16_t type = wire_get16(pkt + pos);
		uint16_t rclass = wire_get16(pkt + pos + 2);
		uint32_t ttl = wire_get32(pkt + pos + 4);
		size_t rdlen = wire_get16(pkt + pos + 8);
		pos += RR_FIXED_LEN;
		if (type == WIRE_TYPE_OPT) {
			/* RFC 6891 §7: a FORMERR for a bad OPT still carries
			 * an OPT, so q says EDNS as soon as one is seen. */
			if (!q->has_edns) {
				q->has_edns = true;
				q->edns_udp = rclass;
				q->edns_version = (uint8_t)(ttl >> 16);
				q->edns_do = (ttl & 0x8000u) != 0;   /* RFC 3225 §3 */
			}
			/* RFC 6891 §6.1.1: one OPT, owned by the root. */
			if (opt_seen || owner_len != 1)
				return false;
			opt_seen = true;
			if (len - pos < rdlen)
				return false;
			/* Options are only defined for version 0; a higher
			 * version gets BADVERS whatever its options hold. */
			if (q->edns_version == 0 && !opt_options_ok(pkt + pos, rdlen, q))
				return false;
			q->opt_len = pos + rdlen - rr_start;
		} else if (len - pos < rdlen) {
			return false;
		}
		pos += rdlen;
	}
	*posp = pos;
	return true;
}

CAIRN_HOT enum wire_verdict wire_query_parse(const uint8_t *pkt, size_t len, struct wire_query *q)
{
	enum wire_verdict v = WIRE_FORMERR;
	uint16_t qd, an, ns, ar;
	size_t pos = WIRE_HDR_LEN;

	q->pkt = pkt;
	q->len = len;
	q->id = 0;
	q->flags = 0;
	q->opcode = 0;
	q->has_question = false;
	q->question_len = 0;
	q->qname_len = 0;
	q->qname_hash = 0;
	q->qtype = q->qclass = 0;
	q->has_edns = false;
	q->edns_version = 0;
	q->edns_do = false;
	q->edns_udp = 0;
	q->opt_len = 0;
	q->cookie_len = 0;
	q->resp_cookie_len = 0;

	/* RFC 1035 §4.1.1: a message shorter than its header gets no answer. */
	if (len < WIRE_HDR_LEN) {
		v = WIRE_DROP;
		goto done;
	}
	q->id = wire_get16(pkt);
	q->flags = wire_get16(pkt + 2);
	q->opcode = (uint8_t)((q->flags >> 11) & 0xf);
	/* Responses are never answered (avoids answer loops). */
	if (q->flags & WIRE_FLAG_QR) {
		v = WIRE_DROP;
		goto done;
	}
	qd = wire_get16(pkt + 4);
	an = wire_get16(pkt + 6);
	ns = wire_get16(pkt + 8);
	ar = wire_get16(pkt + 10);

	if (qd == 1) {
		if (!parse_qname(pkt, len, &pos, q) || len - pos < 4) {
			/* RFC 1035 §4.1.2 malformed question; an unknown
			 * opcode still gets NOTIMP. */
			v = q->opcode != WIRE_OPCODE_QUERY ? WIRE_NOTIMP : WIRE_FORMERR;
			goto done;
		}
		q->qtype = wire_get16(pkt + pos);
		q->qclass = wire_get16(pkt + pos + 2);
		pos += 4;
		q->has_question = true;
		q->question_len = pos - WIRE_HDR_LEN;
	}
	/* Opcodes other than QUERY are not implemented (RFC 1035 §4.1.1).
	 * Their records are still walked, best effort, so that the NOTIMP
	 * answer can carry an OPT when the request had one (RFC 6891 §7). */
	if (q->opcode != WIRE_OPCODE_QUERY) {
		if (qd <= 1 && (qd == 0 || q->has_question))
			(void)parse_records(pkt, len, &pos, (unsigned)an + ns + ar, q);
		v = WIRE_NOTIMP;
		goto done;
	}
	/* A standard query holds exactly one question and no answer or
	 * authority records (RFC 1035 §4.1.1, §7.3; RFC 7873 cookie-only
	 * queries with QDCOUNT 0 get FORMERR too). */
	if (qd != 1 || an != 0 || (ns != 0 && !(ns == 1 && q->qtype == WIRE_TYPE_IXFR))) {
		/* (RFC 1995 §3: an IXFR query carries the client's SOA in
		 * the authority section) */
		v = WIRE_FORMERR;
		goto done;
	}
	if (!parse_records(pkt, len, &pos, (unsigned)ns + ar, q))
		goto done;
	/* Bytes after the last record make the message malformed. */
	if (pos != len)
		goto done;
	/* RFC 6891 §6.1.3: unsupported EDNS version gets BADVERS. */
	if (q->has_edns && q->edns_version > 0) {
		v = WIRE_BADVERS;
		goto done;
	}
	v = WIRE_OK;
done:
	return v;
}

size_t wire_query_udp_limit(const struct wire_query *q, size_t ours)
{
	size_t lim;

	/* RFC 1035 §4.2.1: 512 without EDNS; RFC 6891 §6.2.3/§6.2.5: the
	 * smaller of the two sizes, never below 512. */
	if (!q->has_edns)
		return WIRE_UDP_MIN;
	lim = q->edns_udp < ours ? q->edns_udp : ours;
	return lim < WIRE_UDP_MIN ? WIRE_UDP_MIN : lim;
}
