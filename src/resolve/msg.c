/* msg: parsing of upstream replies into records (names decompressed and
 * owners lowercased) for the scrubber and the iterator, and the answer
 * accumulator that later becomes the client's response. Slow path only. */
#include "resolve_int.h"

#include <stdlib.h>
#include <string.h>

/* RFC 3597 §4: only the RFC 1035 types may carry compressed names in
 * RDATA; we decompress those (and SRV, which some servers compress). */
static int rdata_layout(uint16_t type, unsigned *pre, unsigned *names)
{
	*pre = 0;
	switch (type) {
	case WIRE_TYPE_NS: case WIRE_TYPE_CNAME: case WIRE_TYPE_PTR:
	case 3: case 4: case 7: case 8: case 9:   /* MD MF MB MG MR */
		*names = 1;
		return 1;
	case WIRE_TYPE_SOA:
	case 14:                                  /* MINFO */
		*names = 2;
		return 1;
	case WIRE_TYPE_MX:
		*pre = 2;
		*names = 1;
		return 1;
	case WIRE_TYPE_SRV:
		*pre = 6;
		*names = 1;
		return 1;
	default:
		return 0;
	}
}

static cairn_err put(struct rmsg *m, const void *p, size_t n, uint32_t *off)
{
	if (m->dlen + n > m->dcap) {
		size_t cap = m->dcap ? m->dcap : 16384;
		uint8_t *nd;

		while (cap < m->dlen + n)
			cap *= 2;
		if (cap > RMSG_DATA_MAX)
			return CAIRN_ELIMIT;
		nd = realloc(m->data, cap);
		if (!nd)
			return CAIRN_ENOMEM;
		m->data = nd;
		m->dcap = cap;
	}
	*off = (uint32_t)m->dlen;
	memcpy(m->data + m->dlen, p, n);
	m->dlen += n;
	return CAIRN_OK;
}

static cairn_err parse_rdata(const uint8_t *pkt, size_t len, size_t pos, uint16_t rdlen,
			     uint16_t type, struct rmsg *m, struct rmsg_rr *rr)
{
	unsigned pre, names;
	uint8_t tmp[WIRE_NAME_MAX * 2 + 32];
	size_t tlen = 0, end = pos + rdlen, nlen;
	uint32_t off = 0;
	cairn_err err;

	if ((type == WIRE_TYPE_A && rdlen != 4) || (type == WIRE_TYPE_AAAA && rdlen != 16))
		return CAIRN_EFORMAT;
	if (!rdata_layout(type, &pre, &names)) {
		err = put(m, pkt + pos, rdlen, &off);
		rr->rdata = off;
		rr->rdlen = rdlen;
		return err;
	}
	if (pre > rdlen)
		return CAIRN_EFORMAT;
	memcpy(tmp, pkt + pos, pre);
	tlen = pre;
	pos += pre;
	for (unsigned i = 0; i < names; i++) {
		if (pos >= end)
			return CAIRN_EFORMAT;
		/* lowercase (RFC 4034 §6.2 canonical form): a name compressed
		 * against our 0x20-cased question would otherwise carry that
		 * case into the cache, the answers and the comparisons of
		 * validated data */
		err = wire_name_unpack(pkt, len, &pos, tmp + tlen, &nlen, true);
		if (err != CAIRN_OK || pos > end)
			return CAIRN_EFORMAT;
		tlen += nlen;
	}
	if (type == WIRE_TYPE_SOA) {
		if (end - pos != 20)
			return CAIRN_EFORMAT;
		memcpy(tmp + tlen, pkt + pos, 20);
		tlen += 20;
		pos += 20;
	}
	if (pos != end)
		return CAIRN_EFORMAT;
	err = put(m, tmp, tlen, &off);
	rr->rdata = off;
	rr->rdlen = (uint16_t)tlen;
	return err;
}

void rmsg_free(struct rmsg *m)
{
	free(m->rr);
	free(m->data);
	m->rr = NULL;
	m->data = NULL;
	m->nrr = m->rr_cap = 0;
	m->dlen = m->dcap = 0;
}

/* Room for n records (n is bounded by the packet's length). */
static cairn_err reserve(struct rmsg *m, size_t n)
{
	struct rmsg_rr *nr;

	if (n <= m->rr_cap)
		return CAIRN_OK;
	nr = realloc(m->rr, n * sizeof(*nr));
	if (!nr)
		return CAIRN_ENOMEM;
	m->rr = nr;
	m->rr_cap = (unsigned)n;
	return CAIRN_OK;
}

cairn_err rmsg_parse(const uint8_t *pkt, size_t len, struct rmsg *m)
{
	size_t pos = WIRE_HDR_LEN, nlen;
	unsigned counts[3];
	uint8_t name[WIRE_NAME_MAX];
	cairn_err err;

	m->nrr = 0;
	m->dlen = 0;
	m->has_opt = false;
	if (len < WIRE_HDR_LEN)
		return CAIRN_EFORMAT;
	m->id = wire_get16(pkt);
	m->flags = wire_get16(pkt + 2);
	m->rcode = m->flags & 0xf;
	if (wire_get16(pkt + 4) != 1)
		return CAIRN_EFORMAT;
	for (int s = 0; s < 3; s++)
		counts[s] = wire_get16(pkt + 6 + 2 * s);
	/* every record takes at least 11 bytes: a lying count costs nothing */
	{
		size_t total = (size_t)counts[0] + counts[1] + counts[2];
		size_t most = (len - WIRE_HDR_LEN) / 11 + 1;

		err = reserve(m, total < most ? total : most);
		if (err != CAIRN_OK)
			return err;
	}
	/* The question name must not be compressed: compare it byte for byte. */
	for (size_t p = pos;;) {
		if (p >= len || (pkt[p] & 0xc0))
			return CAIRN_EFORMAT;
		if (pkt[p] == 0)
			break;
		p += pkt[p] + 1;
	}
	err = wire_name_unpack(pkt, len, &pos, m->qname, &m->qname_len, false);
	if (err != CAIRN_OK || pos + 4 > len)
		return CAIRN_EFORMAT;
	m->qtype = wire_get16(pkt + pos);
	m->qclass = wire_get16(pkt + pos + 2);
	pos += 4;
	for (int s = 0; s < 3; s++) {
		for (unsigned i = 0; i < counts[s]; i++) {
			struct rmsg_rr *rr;
			uint16_t type, rdlen;

			err = wire_name_unpack(pkt, len, &pos, name, &nlen, true);
			if (err != CAIRN_OK || pos + 10 > len)
				return CAIRN_EFORMAT;
			type = wire_get16(pkt + pos);
			rdlen = wire_get16(pkt + pos + 8);
			if (pos + 10 + rdlen > len)
				return CAIRN_EFORMAT;
			if (type == WIRE_TYPE_OPT) {
				if (s != WIRE_SEC_ADDITIONAL || m->has_opt)
					return CAIRN_EFORMAT;
				m->has_opt = true;
				/* RFC 6891 §6.1.3: extended rcode upper bits */
				m->rcode |= (uint8_t)(pkt[pos + 4] << 4);
				pos += 10 + rdlen;
				continue;
			}
			if (m->nrr >= m->rr_cap)
				return CAIRN_EFORMAT;  /* more records than bytes */
			rr = &m->rr[m->nrr];
			memset(rr, 0, sizeof(*rr));
			rr->sec = (uint8_t)s;
			rr->keep = true;
			rr->type = type;
			rr->rclass = wire_get16(pkt + pos + 2);
			rr->ttl = wire_get32(pkt + pos + 4);
			/* RFC 2181 §8: a TTL with the top bit set means zero */
			if (rr->ttl & 0x80000000u)
				rr->ttl = 0;
			err = put(m, name, nlen, &rr->owner);
			if (err != CAIRN_OK)
				return err;
			err = parse_rdata(pkt, len, pos + 10, rdlen, type, m, rr);
			if (err != CAIRN_OK)
				return err;
			pos += 10 + rdlen;
			m->nrr++;
		}
	}
	if (pos != len)
		return CAIRN_EFORMAT;
	return CAIRN_OK;
}

cairn_err rmsg_add_rr(struct rmsg *m, int sec, const uint8_t *owner, uint16_t type,
		      uint32_t ttl, const uint8_t *rdata, uint16_t rdlen, unsigned *idx)
{
	struct rmsg_rr rr = { .sec = (uint8_t)sec, .keep = true, .type = type,
			      .rclass = WIRE_CLASS_IN, .ttl = ttl, .rdlen = rdlen };
	cairn_err err;

	if (m->nrr == m->rr_cap && (err = reserve(m, (size_t)m->rr_cap * 2 + 4)) != CAIRN_OK)
		return err;
	if ((err = put(m, owner, wire_name_len(owner), &rr.owner)) != CAIRN_OK ||
	    (err = put(m, rdata, rdlen, &rr.rdata)) != CAIRN_OK)
		return err;
	*idx = m->nrr;
	m->rr[m->nrr++] = rr;
	return CAIRN_OK;
}

/* The kept records of (sec, owner, type) -- of RRSIGs covering covered
 * when type is RRSIG -- as one RRset in buf (see rmsg_rrset). */
static bool collect(const struct rmsg *m, int sec, const uint8_t *owner, uint16_t type,
		    int covered, uint8_t *buf, size_t cap, struct wire_rrset *rs)
{
	size_t len = 0;
	unsigned count = 0;
	uint32_t ttl = 0;
	const uint8_t *own = NULL;
	uint16_t rclass = WIRE_CLASS_IN;

	for (unsigned i = 0; i < m->nrr; i++) {
		const struct rmsg_rr *rr = &m->rr[i];
		bool dup = false;

		if (!rr->keep || rr->sec != sec || rr->type != type ||
		    !wire_name_equal(rmsg_owner(m, i), owner))
			continue;
		/* RFC 4034 §3.1.1: an RRSIG's first field is the type covered */
		if (covered >= 0 && (rr->rdlen < 18 || wire_get16(rmsg_rdata(m, i)) != covered))
			continue;
		/* RFC 2181 §5: an RRset has no duplicate records */
		for (size_t p = 0; p < len;) {
			uint16_t l = wire_get16(buf + p);
			if (l == rr->rdlen && memcmp(buf + p + 2, rmsg_rdata(m, i), l) == 0) {
				dup = true;
				break;
			}
			p += 2 + l;
		}
		if (dup)
			continue;
		if (len + 2 + rr->rdlen > cap || count == 0xffff)
			return false;
		wire_put16(buf + len, rr->rdlen);
		memcpy(buf + len + 2, rmsg_rdata(m, i), rr->rdlen);
		len += 2 + rr->rdlen;
		/* RFC 2181 §5.2: differing TTLs in one RRset: use the lowest */
		if (count == 0 || rr->ttl < ttl)
			ttl = rr->ttl;
		if (!own) {
			own = rmsg_owner(m, i);
			rclass = rr->rclass;
		}
		count++;
	}
	if (!count)
		return false;
	rs->owner = own;
	rs->type = type;
	rs->rclass = rclass;
	rs->ttl = ttl;
	rs->count = (uint16_t)count;
	rs->rdata_len = (uint32_t)len;
	rs->rdata = buf;
	return true;
}

bool rmsg_rrset(const struct rmsg *m, int sec, const uint8_t *owner, uint16_t type,
		uint8_t *buf, size_t cap, struct wire_rrset *rs)
{
	return collect(m, sec, owner, type, -1, buf, cap, rs);
}

bool rmsg_sigs(const struct rmsg *m, int sec, const uint8_t *owner, uint16_t covered,
	       uint8_t *buf, size_t cap, struct wire_rrset *rs)
{
	return collect(m, sec, owner, WIRE_TYPE_RRSIG, covered, buf, cap, rs);
}

/* Entry: sec and validation state(1: sec in the low nibble) owner_len(1)
 * owner type(2) class(2) ttl(4) count(2) rdata_len(4) rdata. */
cairn_err acc_add(struct acc *a, int sec, const struct wire_rrset *rs, uint32_t ttl)
{
	return acc_add_sec(a, sec, rs, ttl, 0);
}

cairn_err acc_add_sec(struct acc *a, int sec, const struct wire_rrset *rs, uint32_t ttl,
		      uint8_t vstate)
{
	size_t olen = wire_name_len(rs->owner);
	size_t need = 2 + olen + 14 + rs->rdata_len;
	uint8_t *p;

	if (a->len + need > a->cap) {
		size_t ncap;
		uint8_t *nb;

		if (a->fixed)
			return CAIRN_ELIMIT;
		ncap = a->cap ? a->cap * 2 : 1024;
		while (ncap < a->len + need)
			ncap *= 2;
		nb = realloc(a->buf, ncap);
		if (!nb)
			return CAIRN_ENOMEM;
		a->buf = nb;
		a->cap = ncap;
	}
	p = a->buf + a->len;
	p[0] = (uint8_t)(sec | vstate << 4);
	p[1] = (uint8_t)olen;
	memcpy(p + 2, rs->owner, olen);
	p += 2 + olen;
	wire_put16(p, rs->type);
	wire_put16(p + 2, rs->rclass);
	wire_put32(p + 4, ttl);
	wire_put16(p + 8, rs->count);
	wire_put32(p + 10, rs->rdata_len);
	memcpy(p + 14, rs->rdata, rs->rdata_len);
	a->len += need;
	return CAIRN_OK;
}

bool acc_next(const struct acc *a, size_t *pos, int *sec, struct wire_rrset *rs)
{
	const uint8_t *p;
	size_t olen;

	if (*pos >= a->len)
		return false;
	p = a->buf + *pos;
	*sec = p[0] & 0xf;
	olen = p[1];
	rs->owner = p + 2;
	p += 2 + olen;
	rs->type = wire_get16(p);
	rs->rclass = wire_get16(p + 2);
	rs->ttl = wire_get32(p + 4);
	rs->count = wire_get16(p + 8);
	rs->rdata_len = wire_get32(p + 10);
	rs->rdata = p + 14;
	*pos += 2 + olen + 14 + rs->rdata_len;
	return true;
}

bool acc_has_rrset(const struct acc *a, const uint8_t *name, uint16_t type)
{
	size_t pos = 0;
	int sec;
	struct wire_rrset rs;

	while (acc_next(a, &pos, &sec, &rs))
		if (sec == WIRE_SEC_ANSWER && rs.type == type && wire_name_equal(rs.owner, name))
			return true;
	return false;
}

bool acc_has_cname(const struct acc *a, const uint8_t *name)
{
	return acc_has_rrset(a, name, WIRE_TYPE_CNAME);
}

uint8_t acc_state(const struct acc *a, size_t entry)
{
	return a->buf[entry] >> 4;
}

void acc_set_state(struct acc *a, size_t entry, uint8_t vstate)
{
	a->buf[entry] = (uint8_t)((a->buf[entry] & 0xf) | vstate << 4);
}

void acc_cap_ttl(struct acc *a, size_t entry, uint32_t ttl)
{
	uint8_t *p = a->buf + entry;
	uint8_t *t = p + 2 + p[1] + 4;

	if (wire_get32(t) > ttl)
		wire_put32(t, ttl);
}
