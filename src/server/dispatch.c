/* dispatch: turns one received query into the response to send: parse
 * (wire), answer from our zones (zone), or an error rcode. Nothing here
 * allocates; the response is written into the caller's buffer. */
#include "server_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static const char *type_name(uint16_t t, char *buf, size_t len)
{
	static const struct { uint16_t t; const char *s; } names[] = {
		{ WIRE_TYPE_A, "A" }, { WIRE_TYPE_NS, "NS" }, { WIRE_TYPE_CNAME, "CNAME" },
		{ WIRE_TYPE_SOA, "SOA" }, { WIRE_TYPE_PTR, "PTR" }, { WIRE_TYPE_HINFO, "HINFO" },
		{ WIRE_TYPE_MX, "MX" }, { WIRE_TYPE_TXT, "TXT" }, { WIRE_TYPE_AAAA, "AAAA" },
		{ WIRE_TYPE_SRV, "SRV" }, { WIRE_TYPE_DNAME, "DNAME" }, { WIRE_TYPE_OPT, "OPT" },
		{ WIRE_TYPE_DS, "DS" }, { WIRE_TYPE_RRSIG, "RRSIG" }, { WIRE_TYPE_NSEC, "NSEC" },
		{ WIRE_TYPE_DNSKEY, "DNSKEY" }, { WIRE_TYPE_IXFR, "IXFR" },
		{ WIRE_TYPE_AXFR, "AXFR" }, { WIRE_TYPE_ANY, "ANY" }, { WIRE_TYPE_CAA, "CAA" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].t == t)
			return names[i].s;
	snprintf(buf, len, "TYPE%u", t); /* RFC 3597 §5 */
	return buf;
}

static const char *rcode_name(unsigned rcode, char *buf, size_t len)
{
	static const char *names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
	};

	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	if (rcode == WIRE_RCODE_BADVERS)
		return "BADVERS";
	snprintf(buf, len, "RCODE%u", rcode);
	return buf;
}

/* One line per query (log-queries: yes): client, name, type, rcode, zone. */
static void log_query(const struct worker *w, const struct dispatch_src *src,
		      const struct wire_query *q, unsigned rcode, size_t resp_len)
{
	char client[INET6_ADDRSTRLEN + 8], name[1024], zone[1024], tb[16], rb[16];
	struct cairn_sockaddr sa = { .len = sizeof(struct sockaddr_in6) };
	const struct zone *z = NULL;

	if (src->addr->sa_family == AF_INET)
		sa.len = sizeof(struct sockaddr_in);
	memcpy(&sa.ss, src->addr, sa.len);
	cairn_sockaddr_format(&sa, client, sizeof(client));
	if (!q->has_question || wire_name_to_text(q->qname, name, sizeof(name)) != CAIRN_OK) {
		log_info("query %s%s: no question: %s", client, src->tcp ? " tcp" : "",
			 resp_len ? rcode_name(rcode, rb, sizeof(rb)) : "dropped");
		return;
	}
	if (w->zones)
		z = zone_set_find(w->zones, q->qname);
	if (!z || wire_name_to_text(zone_origin(z), zone, sizeof(zone)) != CAIRN_OK)
		snprintf(zone, sizeof(zone), "-");
	log_info("query %s%s: %s %s: %s zone %s", client, src->tcp ? " tcp" : "", name,
		 type_name(q->qtype, tb, sizeof(tb)),
		 resp_len ? rcode_name(rcode, rb, sizeof(rb)) : "dropped", zone);
}

/* Writes a response with just the question (when parsed), OPT (when the
 * query had one) and rcode. Returns its length. */
static size_t error_response(const struct worker *w, const struct wire_query *q,
			     unsigned rcode, uint8_t *out, size_t limit,
			     uint16_t ede, const char *ede_text)
{
	struct wire_writer wr;

	wire_writer_begin(&wr, out, limit, q, 0, rcode, w->srv->set.edns_size);
	if (ede != 0xffff && q->has_edns)
		wire_writer_ede(&wr, ede, ede_text);
	return wire_writer_finish(&wr);
}

size_t dispatch_query(struct worker *w, const uint8_t *pkt, size_t len,
		      const struct dispatch_src *src, uint8_t *out, size_t cap)
{
	const struct server_settings *set = &w->srv->set;
	struct wire_query q;
	struct wire_writer wr;
	size_t limit, resp_len = 0;
	unsigned rcode = WIRE_RCODE_NOERROR;

	switch (wire_query_parse(pkt, len, &q)) {
	case WIRE_DROP:
		/* too short to answer, or a response (QR=1): RFC 1035 §4.1.1 */
		return 0;
	case WIRE_FORMERR:
		rcode = WIRE_RCODE_FORMERR;
		break;
	case WIRE_NOTIMP:
		rcode = WIRE_RCODE_NOTIMP; /* RFC 1035 §4.1.1: opcode not supported */
		break;
	case WIRE_BADVERS:
		rcode = WIRE_RCODE_BADVERS; /* RFC 6891 §6.1.3, upper bits in OPT */
		break;
	case WIRE_OK:
		break;
	}
	/* RFC 1035 §4.2.1 / RFC 6891 §6.2.5: the client's buffer bounds UDP
	 * answers; over TCP a response may use the whole 16-bit length. */
	limit = src->tcp ? TCP_MSG_MAX : wire_query_udp_limit(&q, set->edns_size);
	if (limit > cap)
		limit = cap;

	if (rcode != WIRE_RCODE_NOERROR) {
		resp_len = error_response(w, &q, rcode, out, limit, 0xffff, NULL);
	} else if (q.qtype == WIRE_TYPE_AXFR || q.qtype == WIRE_TYPE_IXFR) {
		if (!src->tcp && q.qtype == WIRE_TYPE_AXFR) {
			/* RFC 5936 §4.2: AXFR is not defined over UDP */
			rcode = WIRE_RCODE_FORMERR;
			resp_len = error_response(w, &q, rcode, out, limit, 0xffff, NULL);
		} else {
			/* zone transfers are not offered (yet): RFC 5936 §4.2
			 * allows REFUSED; EDE 18 "Prohibited" (RFC 8914 §4.19) */
			rcode = WIRE_RCODE_REFUSED;
			resp_len = error_response(w, &q, rcode, out, limit, 18, NULL);
		}
	} else if (w->zones && zone_set_answer(w->zones, &q, out, limit, set->edns_size, &wr)) {
		resp_len = wire_writer_finish(&wr);
		rcode = out[3] & 0x0f;
	} else {
		/* Not authoritative and no resolver here: RFC 1034 §4.3.2 step 3,
		 * RFC 5358 — REFUSED, RA clear. */
		rcode = WIRE_RCODE_REFUSED;
		resp_len = error_response(w, &q, rcode, out, limit, 0xffff, NULL);
	}
	if (set->log_queries)
		log_query(w, src, &q, rcode, resp_len);
	return resp_len;
}
