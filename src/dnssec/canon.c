/* dnssec/canon.c: the DNSSEC canonical form (RFC 4034 §6): record walking
 * over cairn's wire RRsets, rdata with embedded names lowercased for the
 * types listed in RFC 4034 §6.2 item 3 as corrected by RFC 6840 §5.1, the
 * canonical RR order (§6.3) and the signed data of one RRSIG (§3.1.8.1). */
#include "dnssec_int.h"

#include <stdlib.h>
#include <string.h>

bool dsec_rr_next(const struct wire_rrset *rs, size_t *pos, struct dsec_rr *rr)
{
	if (*pos + 2 > rs->rdata_len)
		return false;
	rr->len = wire_get16(rs->rdata + *pos);
	if (*pos + 2 + rr->len > rs->rdata_len)
		return false;
	rr->rd = rs->rdata + *pos + 2;
	*pos += 2u + rr->len;
	return true;
}

size_t dsec_name_len(const uint8_t *p, size_t avail)
{
	size_t i = 0;

	while (i < avail) {
		uint8_t l = p[i];
		if (l == 0)
			return i + 1 <= WIRE_NAME_MAX ? i + 1 : 0;
		if (l > WIRE_LABEL_MAX)     /* pointers and reserved label types */
			return 0;
		i += 1u + l;
	}
	return 0;
}

bool dsec_serial_lt(uint32_t a, uint32_t b)
{
	/* RFC 1982 §3.2 with SERIAL_BITS 32, as RFC 4034 §3.1.5 asks */
	return a != b && (uint32_t)(b - a) < 0x80000000u;
}

/* Lowercases the name at rd[*off] (RFC 4343) and advances *off past it. */
static bool lower_name(uint8_t *rd, size_t len, size_t *off)
{
	size_t n;

	if (*off > len)
		return false;
	n = dsec_name_len(rd + *off, len - *off);
	if (n == 0)
		return false;
	wire_name_lower(rd + *off);
	*off += n;
	return true;
}

/* Skips one <character-string> (RFC 1035 §3.3) at rd[*off]. */
static bool skip_string(const uint8_t *rd, size_t len, size_t *off)
{
	if (*off >= len || *off + 1u + rd[*off] > len)
		return false;
	*off += 1u + rd[*off];
	return true;
}

/* Lowercases the domain names embedded in rd (type type) in place: the
 * types of RFC 4034 §6.2 item 3 without NSEC and HINFO (RFC 6840 §5.1).
 * Returns false when the rdata does not hold the names it should. */
static bool canon_rdata(uint16_t type, uint8_t *rd, size_t len)
{
	size_t off = 0;

	switch (type) {
	case WIRE_TYPE_NS: case WIRE_TYPE_MD: case WIRE_TYPE_MF: case WIRE_TYPE_CNAME:
	case WIRE_TYPE_MB: case WIRE_TYPE_MG: case WIRE_TYPE_MR: case WIRE_TYPE_PTR:
	case WIRE_TYPE_DNAME: case WIRE_TYPE_NXT:
		return lower_name(rd, len, &off);
	case WIRE_TYPE_SOA: case WIRE_TYPE_MINFO: case WIRE_TYPE_RP:
		return lower_name(rd, len, &off) && lower_name(rd, len, &off);
	case WIRE_TYPE_MX: case WIRE_TYPE_AFSDB: case WIRE_TYPE_RT: case WIRE_TYPE_KX:
		off = 2;
		return lower_name(rd, len, &off);
	case WIRE_TYPE_PX:
		off = 2;
		return lower_name(rd, len, &off) && lower_name(rd, len, &off);
	case WIRE_TYPE_SRV:
		off = 6;
		return lower_name(rd, len, &off);
	case WIRE_TYPE_NAPTR:
		off = 4;
		return skip_string(rd, len, &off) && skip_string(rd, len, &off) &&
		       skip_string(rd, len, &off) && lower_name(rd, len, &off);
	case WIRE_TYPE_SIG: case WIRE_TYPE_RRSIG:
		off = DSEC_RRSIG_FIXED;
		return lower_name(rd, len, &off);
	case WIRE_TYPE_A6:        /* RFC 2874 §3.1: prefix len, suffix, prefix name */
		if (len < 1 || rd[0] > 128)
			return false;
		off = 1u + (128u - rd[0] + 7u) / 8u;
		return rd[0] == 0 ? off <= len : lower_name(rd, len, &off);
	default:
		return true;
	}
}

static int rr_cmp(const void *a, const void *b)
{
	const struct dsec_rr *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->rd, y->rd, n);

	/* RFC 4034 §6.3: left-justified octet strings, absence sorts first */
	if (c != 0)
		return c;
	return (int)x->len - (int)y->len;
}

cairn_err dsec_signed_data(const struct wire_rrset *rs, const uint8_t *sig, size_t prefix,
			   uint8_t *owner_buf, uint8_t **out, size_t *outlen)
{
	cairn_err err = CAIRN_EFORMAT;
	struct dsec_rr *rrs = NULL, rr;
	uint8_t *copy = NULL, *data = NULL, *p;
	const uint8_t *owner = rs->owner;
	size_t pos = 0, olen, fill = 0, total;
	unsigned nrr = 0, labels = sig[3], have = wire_name_labels(rs->owner);
	uint32_t origttl = wire_get32(sig + 4);

	/* RFC 4035 §5.3.2: a wildcard expansion is signed as "*." + the last
	 * labels labels of the owner */
	if (labels < have) {
		const uint8_t *ce = rs->owner;
		for (unsigned i = 0; i < have - labels; i++)
			ce = wire_name_parent(ce);
		owner_buf[0] = 1;
		owner_buf[1] = '*';
		memcpy(owner_buf + 2, ce, wire_name_len(ce));
		owner = owner_buf;
	}
	olen = wire_name_len(owner);
	rrs = calloc(rs->count ? rs->count : 1, sizeof *rrs);
	copy = malloc(rs->rdata_len ? rs->rdata_len : 1);
	if (rrs == NULL || copy == NULL) {
		err = CAIRN_ENOMEM;
		goto done;
	}
	while (nrr < rs->count && dsec_rr_next(rs, &pos, &rr)) {
		memcpy(copy + fill, rr.rd, rr.len);
		if (!canon_rdata(rs->type, copy + fill, rr.len))
			goto done;
		rrs[nrr].rd = copy + fill;
		rrs[nrr++].len = rr.len;
		fill += rr.len;
	}
	if (nrr != rs->count || pos != rs->rdata_len)
		goto done;
	qsort(rrs, nrr, sizeof *rrs, rr_cmp);
	total = prefix + (size_t)nrr * (olen + 10) + fill;
	data = malloc(total);
	if (data == NULL) {
		err = CAIRN_ENOMEM;
		goto done;
	}
	memcpy(data, sig, prefix);
	wire_name_lower(data + DSEC_RRSIG_FIXED);          /* RFC 6840 §5.1 */
	p = data + prefix;
	for (unsigned i = 0; i < nrr; i++) {
		if (i > 0 && rr_cmp(&rrs[i - 1], &rrs[i]) == 0)
			continue;               /* RFC 4034 §6.3: duplicates removed */
		memcpy(p, owner, olen);
		wire_name_lower(p);
		p += olen;
		wire_put16(p, rs->type);
		wire_put16(p + 2, rs->rclass);
		wire_put32(p + 4, origttl);     /* RFC 4034 §6.2 item 4 */
		wire_put16(p + 8, rrs[i].len);
		memcpy(p + 10, rrs[i].rd, rrs[i].len);
		p += 10u + rrs[i].len;
	}
	*out = data;
	*outlen = (size_t)(p - data);
	data = NULL;
	err = CAIRN_OK;
done:
	free(data);
	free(copy);
	free(rrs);
	return err;
}
