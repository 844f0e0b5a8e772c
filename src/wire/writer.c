/* wire/writer.c: the response writer: header and question echo, RRsets with
 * name compression, whole-RRset truncation, and the OPT record. Hot path:
 * no allocation, bounded work per name. */
#include "cairn/wire.h"

#include <string.h>

#define OPT_FIXED_LEN 11         /* root owner, type, class, TTL, rdlength */
#define EDE_NONE      0xffff
#define PTR_LIMIT     0x4000     /* RFC 1035 §4.1.4: 14-bit offsets */

static inline uint8_t fold(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

size_t wire_writer_opt_len(const struct wire_writer *w)
{
	size_t n;

	if (!w->edns)
		return 0;
	n = OPT_FIXED_LEN;
	if (w->cookie_len)
		n += 4u + w->cookie_len;
	if (w->ede_code != EDE_NONE)
		n += 4 + 2 + (w->ede_text ? strlen(w->ede_text) : 0);
	return n;
}

static void add_target(struct wire_writer *w, size_t off)
{
	if (off < PTR_LIMIT && w->ncomp < WIRE_COMP_MAX)
		w->comp[w->ncomp++] = (uint16_t)off;
}

void wire_writer_begin(struct wire_writer *w, uint8_t *buf, size_t limit,
		       const struct wire_query *q, uint16_t flags, unsigned rcode,
		       uint16_t edns_size)
{
	uint16_t f;

	w->buf = buf;
	w->limit = limit;
	w->len = WIRE_HDR_LEN;
	w->count[0] = w->count[1] = w->count[2] = 0;
	w->tc = false;
	w->edns = q->has_edns;
	w->edns_do = q->has_edns && q->edns_do;
	w->edns_size = edns_size;
	w->ede_code = EDE_NONE;
	w->ede_text = NULL;
	w->ext_rcode = (uint8_t)(rcode >> 4);
	w->ncomp = 0;
	w->wildcard = NULL;
	/* RFC 7873 §5.2.3-5.2.5: the response's COOKIE option */
	w->cookie_len = q->has_edns ? q->resp_cookie_len : 0;
	if (w->cookie_len)
		memcpy(w->cookie, q->resp_cookie, w->cookie_len);
	w->reserve = wire_writer_opt_len(w);

	/* RFC 1035 §4.1.1: ID and opcode copied, RD copied; CD copied too
	 * (RFC 4035 §3.1.6 and §3.2.2, RFC 6840 §5.9). */
	f = (uint16_t)(WIRE_FLAG_QR | ((q->opcode & 0xf) << 11) |
		       (q->flags & (WIRE_FLAG_RD | WIRE_FLAG_CD)) | flags | (rcode & 0xf));
	f &= (uint16_t)~WIRE_FLAG_TC;
	wire_put16(buf, q->id);
	wire_put16(buf + 2, f);
	memset(buf + 4, 0, 8);

	if (q->has_question && q->question_len >= 5 &&
	    WIRE_HDR_LEN + q->question_len + w->reserve <= limit) {
		/* Echo the question byte-exact, case preserved. */
		memcpy(buf + WIRE_HDR_LEN, q->pkt + WIRE_HDR_LEN, q->question_len);
		w->len += q->question_len;
		wire_put16(buf + 4, 1);
		/* Every label of the question name is a pointer target. */
		size_t p = WIRE_HDR_LEN;
		size_t nend = WIRE_HDR_LEN + q->question_len - 4;
		while (p < nend && buf[p] != 0 && (buf[p] & 0xc0) == 0) {
			add_target(w, p);
			p += buf[p] + 1u;
		}
	}
}

void wire_writer_rcode(struct wire_writer *w, unsigned rcode)
{
	uint16_t f = wire_get16(w->buf + 2);
	f = (uint16_t)((f & ~0xfu) | (rcode & 0xf));
	wire_put16(w->buf + 2, f);
	/* RFC 6891 §6.1.3: the upper 8 bits go in the OPT TTL. */
	w->ext_rcode = (uint8_t)(rcode >> 4);
}

void wire_writer_ede(struct wire_writer *w, uint16_t code, const char *text)
{
	w->ede_code = code;
	w->ede_text = text;
	w->reserve = wire_writer_opt_len(w);
}

/* True when the (possibly compressed) name at buf[t] equals name,
 * case-insensitively. Our own buffer only holds backward pointers; hops are
 * bounded anyway. */
static bool match_at(const uint8_t *buf, size_t t, const uint8_t *name)
{
	unsigned hops = 0;

	for (;;) {
		uint8_t c = buf[t];
		if ((c & 0xc0) == 0xc0) {
			if (++hops > 64)
				return false;
			t = ((size_t)(c & 0x3f) << 8) | buf[t + 1];
			continue;
		}
		if (c != *name)
			return false;
		if (c == 0)
			return true;
		const uint8_t *a = buf + t + 1, *b = name + 1;
		for (unsigned i = 0; i < c; i++)
			if (a[i] != b[i] && fold(a[i]) != fold(b[i]))
				return false;
		t += c + 1u;
		name += c + 1u;
	}
}

/* Writes name (uncompressed wire form) at w->len, compressed against the
 * known targets when compress is set, within space bytes of the buffer.
 * Registers the label starts it writes as new targets. */
static bool put_name(struct wire_writer *w, const uint8_t *name, size_t space,
		     bool compress)
{
	const uint8_t *suf = name;
	size_t target = 0;
	bool found = false;

	if (compress && w->ncomp > 0) {
		/* RFC 1035 §4.1.4: the longest suffix already present. */
		for (; *suf && !found; ) {
			for (unsigned i = 0; i < w->ncomp; i++) {
				uint16_t t = w->comp[i];
				if (w->buf[t] == *suf && match_at(w->buf, t, suf)) {
					target = t;
					found = true;
					break;
				}
			}
			if (!found)
				suf += *suf + 1;
		}
	} else {
		while (*suf)
			suf += *suf + 1;
	}
	size_t lit = (size_t)(suf - name);
	if (w->len + lit + (found ? 2 : 1) > space)
		return false;
	const uint8_t *p = name;
	uint8_t *o = w->buf + w->len;
	while (p < suf) {
		if (compress)
			add_target(w, w->len + (size_t)(p - name));
		p += *p + 1;
	}
	memcpy(o, name, lit);
	w->len += lit;
	if (found) {
		wire_put16(w->buf + w->len, (uint16_t)(0xc000 | target));
		w->len += 2;
	} else {
		w->buf[w->len++] = 0;
	}
	return true;
}

/* Length of the uncompressed name at p within max bytes, 0 if invalid. */
static size_t flat_name_len(const uint8_t *p, size_t max)
{
	size_t n = 0;
	for (;;) {
		if (n >= max)
			return 0;
		uint8_t c = p[n];
		if (c & 0xc0)
			return 0;
		n += 1u + c;
		if (n > WIRE_NAME_MAX)
			return 0;
		if (c == 0)
			return n;
	}
}

/* Writes rdata of an RR whose names may be compressed: prefix bytes, then
 * nnames names, then suffix bytes. Falls back to a verbatim copy when the
 * stored rdata does not have that shape. */
static bool put_rdata(struct wire_writer *w, uint16_t type, const uint8_t *rd,
		      size_t rdlen, size_t space)
{
	size_t pre = 0, post = 0;
	unsigned nnames = 0;

	/* RFC 3597 §4: compress only the RFC 1035 well-known types. */
	switch (type) {
	case WIRE_TYPE_NS: case WIRE_TYPE_CNAME: case WIRE_TYPE_PTR:
		nnames = 1;
		break;
	case WIRE_TYPE_MX:
		pre = 2;
		nnames = 1;
		break;
	case WIRE_TYPE_SOA:
		nnames = 2;
		post = 20;
		break;
	default:
		break;
	}
	if (nnames) {
		size_t n1 = 0, n2 = 0;
		if (rdlen < pre)
			goto verbatim;
		n1 = flat_name_len(rd + pre, rdlen - pre);
		if (!n1)
			goto verbatim;
		if (nnames == 2) {
			n2 = flat_name_len(rd + pre + n1, rdlen - pre - n1);
			if (!n2)
				goto verbatim;
		}
		if (pre + n1 + n2 + post != rdlen)
			goto verbatim;
		if (w->len + pre > space)
			return false;
		memcpy(w->buf + w->len, rd, pre);
		w->len += pre;
		if (!put_name(w, rd + pre, space, true))
			return false;
		if (nnames == 2 && !put_name(w, rd + pre + n1, space, true))
			return false;
		if (w->len + post > space)
			return false;
		memcpy(w->buf + w->len, rd + pre + n1 + n2, post);
		w->len += post;
		return true;
	}
verbatim:
	if (w->len + rdlen > space)
		return false;
	memcpy(w->buf + w->len, rd, rdlen);
	w->len += rdlen;
	return true;
}

static cairn_err put_rrset(struct wire_writer *w, enum wire_section sec,
			   const struct wire_rrset *rs, const uint8_t *owner,
			   uint32_t ttl)
{
	cairn_err err = CAIRN_ELIMIT;
	size_t save_len = w->len;
	unsigned save_ncomp = w->ncomp;
	size_t space;
	size_t owner_off = 0;
	const uint8_t *rd = rs->rdata, *rdend = rs->rdata + rs->rdata_len;

	if (w->tc || (unsigned)sec > WIRE_SEC_ADDITIONAL)
		return CAIRN_ELIMIT;
	if (rs->count == 0)
		return CAIRN_OK;
	if ((uint32_t)w->count[sec] + rs->count > 0xffffu - 1)
		goto done;
	space = w->limit > w->reserve ? w->limit - w->reserve : 0;
	if (!owner)
		owner = rs->owner;

	for (unsigned i = 0; i < rs->count; i++) {
		if (rdend - rd < 2) {
			err = CAIRN_EFORMAT;
			goto done;
		}
		size_t rdlen = wire_get16(rd);
		rd += 2;
		if ((size_t)(rdend - rd) < rdlen) {
			err = CAIRN_EFORMAT;
			goto done;
		}
		/* Owner: the first RR's owner is compressed; later ones point
		 * at it (or repeat its pointer). */
		if (i == 0 || owner[0] == 0 || owner_off >= PTR_LIMIT) {
			owner_off = w->len;
			if (!put_name(w, owner, space, true))
				goto done;
		} else {
			if (w->len + 2 > space)
				goto done;
			if ((w->buf[owner_off] & 0xc0) == 0xc0)
				memcpy(w->buf + w->len, w->buf + owner_off, 2);
			else
				wire_put16(w->buf + w->len, (uint16_t)(0xc000 | owner_off));
			w->len += 2;
		}
		if (w->len + 10 > space)
			goto done;
		uint8_t *fixed = w->buf + w->len;
		wire_put16(fixed, rs->type);
		wire_put16(fixed + 2, rs->rclass);
		wire_put32(fixed + 4, ttl);
		w->len += 10;
		size_t rdstart = w->len;
		if (!put_rdata(w, rs->type, rd, rdlen, space))
			goto done;
		wire_put16(fixed + 8, (uint16_t)(w->len - rdstart));
		rd += rdlen;
	}
	w->count[sec] = (uint16_t)(w->count[sec] + rs->count);
	return CAIRN_OK;
done:
	/* RFC 2181 §9: never a partial RRset; roll back all of it. */
	w->len = save_len;
	w->ncomp = save_ncomp;
	if (err == CAIRN_ELIMIT && sec != WIRE_SEC_ADDITIONAL)
		w->tc = true;   /* RFC 2181 §9, RFC 1035 §4.1.1: TC */
	return err;
}

cairn_err wire_writer_rrset(struct wire_writer *w, enum wire_section sec,
			    const struct wire_rrset *rs, const uint8_t *owner)
{
	return put_rrset(w, sec, rs, owner, rs->ttl);
}

cairn_err wire_writer_rrset_ttl(struct wire_writer *w, enum wire_section sec,
				const struct wire_rrset *rs, const uint8_t *owner,
				uint32_t ttl)
{
	return put_rrset(w, sec, rs, owner, ttl);
}

size_t wire_writer_finish(struct wire_writer *w)
{
	uint8_t *b = w->buf;
	uint16_t arcount = w->count[2];

	if (w->edns) {
		/* RFC 6891 §6.1.2-6.1.3: root owner, type OPT, class = our
		 * payload size, TTL = extended rcode, version 0, DO (echoed,
		 * RFC 3225 §3), then options. */
		size_t textlen = w->ede_text ? strlen(w->ede_text) : 0;
		bool ede = w->ede_code != EDE_NONE;
		size_t ck = w->cookie_len ? 4u + w->cookie_len : 0;
		size_t need = OPT_FIXED_LEN + ck + (ede ? 6 + textlen : 0);
		if (ede && w->len + need > w->limit) {
			textlen = 0;    /* EDE set late: drop the text first */
			need = OPT_FIXED_LEN + ck + 6;
		}
		if (ede && w->len + need > w->limit) {
			ede = false;
			need = OPT_FIXED_LEN + ck;
		}
		if (ck && w->len + need > w->limit) {
			ck = 0;         /* no room left (a question that filled it) */
			need = OPT_FIXED_LEN;
		}
		if (w->len + need <= w->limit) {
			uint8_t *o = b + w->len;
			o[0] = 0;
			wire_put16(o + 1, WIRE_TYPE_OPT);
			wire_put16(o + 3, w->edns_size);
			wire_put32(o + 5, ((uint32_t)w->ext_rcode << 24) |
					  (w->edns_do ? 0x8000u : 0));
			wire_put16(o + 9, (uint16_t)(need - OPT_FIXED_LEN));
			o += OPT_FIXED_LEN;
			if (ck) {
				/* RFC 7873 §4: client cookie, server cookie */
				wire_put16(o, WIRE_OPT_COOKIE);
				wire_put16(o + 2, w->cookie_len);
				memcpy(o + 4, w->cookie, w->cookie_len);
				o += ck;
			}
			if (ede) {
				/* RFC 8914 §2: INFO-CODE then UTF-8 text. */
				wire_put16(o, WIRE_OPT_EDE);
				wire_put16(o + 2, (uint16_t)(2 + textlen));
				wire_put16(o + 4, w->ede_code);
				if (textlen)
					memcpy(o + 6, w->ede_text, textlen);
			}
			w->len += need;
			arcount++;
		}
	}
	wire_put16(b + 6, w->count[0]);
	wire_put16(b + 8, w->count[1]);
	wire_put16(b + 10, arcount);
	if (w->tc)
		wire_put16(b + 2, (uint16_t)(wire_get16(b + 2) | WIRE_FLAG_TC));
	return w->len;
}
