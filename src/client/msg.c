/* cdig query messages: the wire query built byte by byte so that what is
 * sent (and printed by +qr) is exactly what the options ask for: header
 * flags and opcode (RFC 1035 §4.1.1), the ID (+qid), the question (none
 * with +header-only), and the OPT record (RFC 6891 §6.1) with dig's
 * options in dig's order: NSID, CLIENT-SUBNET, COOKIE, EXPIRE, TCP
 * KEEPALIVE, +ednsopt values, PADDING last. */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cdig.h"

#define MSG_MAX 65535

struct mbuf {
	uint8_t b[MSG_MAX];
	size_t n;
	bool overflow;
};

static void put8(struct mbuf *m, unsigned v)
{
	if (m->n + 1 > MSG_MAX) {
		m->overflow = true;
		return;
	}
	m->b[m->n++] = (uint8_t)v;
}

static void put16(struct mbuf *m, unsigned v)
{
	put8(m, (v >> 8) & 0xff);
	put8(m, v & 0xff);
}

static void putmem(struct mbuf *m, const uint8_t *p, size_t n)
{
	if (m->n + n > MSG_MAX) {
		m->overflow = true;
		return;
	}
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void option(struct mbuf *m, uint16_t code, const uint8_t *p, size_t n)
{
	put16(m, code);
	put16(m, (unsigned)n);
	if (n)
		putmem(m, p, n);
}

void cdig_random(void *buf, size_t n)
{
	size_t off = 0;

	while (off < n) {
		ssize_t r = getrandom((uint8_t *)buf + off, n - off, 0);
		if (r <= 0) {
			/* no entropy source: ldns's generator (seeded at load) */
			for (; off < n; off++)
				((uint8_t *)buf)[off] = (uint8_t)ldns_get_random();
			return;
		}
		off += (size_t)r;
	}
}

/* RFC 7871 §6: FAMILY, SOURCE PREFIX-LENGTH, SCOPE 0, the address cut to
 * the prefix (whole octets, trailing bits zeroed). */
static void ecs_option(struct mbuf *m, const struct cdig_query *q)
{
	uint8_t d[4 + 16];
	size_t alen = ((size_t)q->subnet_bits + 7) / 8;

	d[0] = (uint8_t)(q->subnet_family >> 8);
	d[1] = (uint8_t)q->subnet_family;
	d[2] = q->subnet_bits;
	d[3] = 0;
	memcpy(d + 4, q->subnet_addr, alen);
	if (q->subnet_bits % 8)
		d[4 + alen - 1] &= (uint8_t)(0xff << (8 - q->subnet_bits % 8));
	option(m, WIRE_OPT_ECS, d, 4 + alen);
}

cairn_err cdig_query_build(const struct cdig_query *q, const char *name,
			   uint16_t type, uint16_t klass, bool rd,
			   uint8_t **wire, size_t *len)
{
	struct mbuf *m;
	ldns_rdf *owner = NULL;
	uint16_t id, flags;
	cairn_err err = CAIRN_OK;
	size_t i, rdlen_at;

	*wire = NULL;
	*len = 0;
	m = calloc(1, sizeof(*m));
	if (!m)
		return CAIRN_ENOMEM;
	if (!q->header_only && ldns_str2rdf_dname(&owner, name) != LDNS_STATUS_OK) {
		err = CAIRN_EINVAL;
		goto done;
	}
	if (q->qid >= 0)
		id = (uint16_t)q->qid;
	else
		cdig_random(&id, sizeof(id));
	/* RFC 1035 §4.1.1; AD in queries RFC 6840 §5.7; Z the last unassigned
	 * bit (dig's +zflag) */
	flags = (uint16_t)((q->opcode & 0xf) << 11);
	if (q->aaflag) flags |= 0x0400;
	if (q->tcflag) flags |= 0x0200;
	if (rd) flags |= 0x0100;
	if (q->raflag) flags |= 0x0080;
	if (q->zflag) flags |= 0x0040;
	if (q->adflag) flags |= 0x0020;
	if (q->cdflag) flags |= 0x0010;
	put16(m, id);
	put16(m, flags);
	put16(m, q->header_only ? 0 : 1);
	put16(m, 0);
	put16(m, 0);
	put16(m, q->edns || q->dnssec ? 1 : 0);   /* DO needs OPT, as in dig */
	if (!q->header_only) {
		putmem(m, ldns_rdf_data(owner), ldns_rdf_size(owner));
		put16(m, type);
		put16(m, klass);
		if (type == LDNS_RR_TYPE_IXFR) {
			/* RFC 1995 §3: the client's SOA in authority (NSCOUNT 1) */
			m->b[9] = 1;
			putmem(m, ldns_rdf_data(owner), ldns_rdf_size(owner));
			put16(m, LDNS_RR_TYPE_SOA);
			put16(m, klass);
			put16(m, 0); put16(m, 0);   /* TTL */
			put16(m, 22);               /* ". . serial 0 0 0 0" */
			put8(m, 0);
			put8(m, 0);
			put16(m, q->ixfr_serial >> 16);
			put16(m, q->ixfr_serial & 0xffff);
			for (i = 0; i < 8; i++)
				put16(m, 0);
		}
	}
	if (q->edns || q->dnssec) {
		uint16_t z = q->ednsflags & 0x7fff;

		/* RFC 6891 §6.1.2-6.1.3: root owner, TYPE 41, CLASS = our UDP
		 * buffer size, TTL = extended RCODE 0, VERSION, DO (RFC 3225) | Z */
		if (q->dnssec)
			z |= 0x8000;
		put8(m, 0);
		put16(m, LDNS_RR_TYPE_OPT);
		put16(m, q->bufsize);
		put8(m, 0);
		put8(m, q->edns_version);
		put16(m, z);
		rdlen_at = m->n;
		put16(m, 0);
		if (q->nsid)
			option(m, WIRE_OPT_NSID, NULL, 0);         /* RFC 5001 §2.3 */
		if (q->subnet)
			ecs_option(m, q);
		if (q->cookie) {
			/* RFC 7873 §5.1: an 8-byte client cookie, plus the
			 * server cookie when one is known */
			uint8_t c[40];
			size_t cl = q->cookie_len;

			if (cl)
				memcpy(c, q->cookie_val, cl);
			else {
				cdig_random(c, 8);
				cl = 8;
			}
			option(m, WIRE_OPT_COOKIE, c, cl);
		}
		if (q->expire)
			option(m, WIRE_OPT_EXPIRE, NULL, 0);       /* RFC 7314 §2 */
		if (q->keepalive)
			option(m, WIRE_OPT_KEEPALIVE, NULL, 0);    /* RFC 7828 §3.1 */
		for (i = 0; i < q->nednsopt; i++)
			option(m, q->ednsopt[i].code, q->ednsopt[i].data,
			       q->ednsopt[i].len);
		if (q->padding) {
			/* RFC 7830 §3, RFC 8467 §4.1: pad the whole message to a
			 * multiple of the block size */
			size_t total = m->n + 4, pad = 0;
			uint8_t zero[512] = { 0 };

			if (total % q->padding)
				pad = q->padding - total % q->padding;
			option(m, WIRE_OPT_PADDING, zero, pad);
		}
		m->b[rdlen_at] = (uint8_t)((m->n - rdlen_at - 2) >> 8);
		m->b[rdlen_at + 1] = (uint8_t)(m->n - rdlen_at - 2);
	}
	if (m->overflow) {
		err = CAIRN_ELIMIT;
		goto done;
	}
	*wire = malloc(m->n);
	if (!*wire) {
		err = CAIRN_ENOMEM;
		goto done;
	}
	memcpy(*wire, m->b, m->n);
	*len = m->n;
done:
	ldns_rdf_deep_free(owner);
	free(m);
	return err;
}

/* ---- checking and reading received messages ---- */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/* Steps over a wire name (labels or a compression pointer). */
static bool skip_name(const uint8_t *w, size_t len, size_t *off)
{
	while (*off < len) {
		uint8_t c = w[*off];

		if (c == 0) {
			(*off)++;
			return true;
		}
		if ((c & 0xc0) == 0xc0) {
			*off += 2;
			return *off <= len;
		}
		if (c & 0xc0)
			return false;
		*off += 1u + c;
	}
	return false;
}

/* Walks the records of wire: at most one OPT (RFC 6891 §6.1.1) and a TSIG
 * only as the last record (RFC 8945 §5.2). With opt non-NULL, *opt and
 * *optlen get the OPT rdata. False for a message that breaks these rules
 * or is cut short. */
static bool walk(const uint8_t *w, size_t len, const uint8_t **opt,
		 size_t *optlen)
{
	size_t off = 12, i, total;
	unsigned nopt = 0;

	if (len < 12)
		return false;
	for (i = 0; i < get16(w + 4); i++) {
		if (!skip_name(w, len, &off) || off + 4 > len)
			return false;
		off += 4;
	}
	total = (size_t)get16(w + 6) + get16(w + 8) + get16(w + 10);
	for (i = 0; i < total; i++) {
		uint16_t type, rdlen;

		if (!skip_name(w, len, &off) || off + 10 > len)
			return false;
		type = get16(w + off);
		rdlen = get16(w + off + 8);
		if (off + 10 + rdlen > len)
			return false;
		if (type == LDNS_RR_TYPE_TSIG && i + 1 != total)
			return false;
		if (type == LDNS_RR_TYPE_OPT) {
			if (++nopt > 1)
				return false;
			if (opt) {
				*opt = w + off + 10;
				*optlen = rdlen;
			}
		}
		off += 10u + rdlen;
	}
	return true;
}

cairn_err cdig_wire2pkt(ldns_pkt **out, const uint8_t *wire, size_t len)
{
	*out = NULL;
	if (!walk(wire, len, NULL, NULL))
		return CAIRN_EFORMAT;
	if (ldns_wire2pkt(out, wire, len) != LDNS_STATUS_OK) {
		*out = NULL;
		return CAIRN_EFORMAT;
	}
	return CAIRN_OK;
}

bool cdig_find_option(const uint8_t *wire, size_t len, uint16_t code,
		      const uint8_t **val, uint16_t *vlen)
{
	const uint8_t *d = NULL;
	size_t dl = 0, off = 0;

	if (!walk(wire, len, &d, &dl) || !d)
		return false;
	while (off + 4 <= dl) {
		uint16_t c = get16(d + off), l = get16(d + off + 2);

		if (off + 4 + l > dl)
			return false;
		if (c == code) {
			*val = d + off + 4;
			*vlen = l;
			return true;
		}
		off += 4u + l;
	}
	return false;
}
