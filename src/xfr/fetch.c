/* xfr/fetch.c: the secondary's side of a transfer (RFC 5936, RFC 1995):
 * the SOA query that tells whether the primary has a newer serial, the
 * IXFR (falling back to AXFR) over TCP with every response checked against
 * the request's TSIG, the difference sequences applied to the copy we
 * serve, the checks on what came in (one SOA at the apex, nothing outside
 * the zone, the serial the primary announced) and the new zone file,
 * written to FILE.xfr-tmp, loaded by the zone loader, then renamed over
 * FILE. Blocking I/O with timeouts: it runs on the service thread. ldns
 * turns wire records into presentation form (the slow path). */
#include "xfr_int.h"

#include <ldns/ldns.h>
#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define FETCH_UDP_TIMEOUT_MS 2000
#define FETCH_TCP_TIMEOUT_MS 10000   /* per message */
#define FETCH_MAX_BYTES      (2ULL << 30) /* budget of one transfer */

static void set_err(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* Builds a query for origin/qtype (IXFR: with our SOA in authority) into
 * m, signed with key when not NULL. Returns the length, 0 on error. */
static size_t build_query(uint8_t *m, size_t cap, const uint8_t *origin, uint16_t qtype,
			  const struct zone *have, const struct xfr_key *key, uint8_t *mac,
			  size_t *mac_len)
{
	size_t olen = wire_name_len(origin), len;
	uint16_t id;

	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		id = (uint16_t)cairn_now_ms();
	wire_put16(m, id);
	wire_put16(m + 2, 0);
	wire_put16(m + 4, 1);
	memset(m + 6, 0, 6);
	memcpy(m + WIRE_HDR_LEN, origin, olen);
	len = WIRE_HDR_LEN + olen;
	wire_put16(m + len, qtype);
	wire_put16(m + len + 2, WIRE_CLASS_IN);
	len += 4;
	if (qtype == WIRE_TYPE_IXFR && have) {
		/* RFC 1995 §3: our SOA in the authority section */
		const struct wire_rrset *soa = zone_soa_rrset(have);
		size_t rdlen = wire_get16(soa->rdata);

		if (len + olen + 10 + rdlen > cap)
			return 0;
		memcpy(m + len, origin, olen);
		len += olen;
		wire_put16(m + len, WIRE_TYPE_SOA);
		wire_put16(m + len + 2, WIRE_CLASS_IN);
		wire_put32(m + len + 4, soa->ttl);
		memcpy(m + len + 8, soa->rdata, 2 + rdlen);
		len += 10 + rdlen;
		wire_put16(m + 8, 1);
	}
	*mac_len = 0;
	if (key && tsig_sign(key, m, &len, cap, NULL, 0, false, (uint64_t)time(NULL), 0, NULL, 0,
			     mac, mac_len) != CAIRN_OK)
		return 0;
	return len;
}

static int connect_to(const struct xfr_remote *r, int type)
{
	int fd = socket(r->addr.ss.ss_family, type | SOCK_CLOEXEC, 0);
	struct timeval tv = { FETCH_TCP_TIMEOUT_MS / 1000, 0 };

	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (const struct sockaddr *)&r->addr.ss, r->addr.len) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The serial of the SOA in the answer section of m, or false. */
static bool answer_soa_serial(const uint8_t *m, size_t len, const uint8_t *origin,
			      uint32_t *serial)
{
	size_t pos = WIRE_HDR_LEN, nlen;
	uint8_t name[WIRE_NAME_MAX];

	if (wire_get16(m + 4) != 1 || wire_get16(m + 6) < 1)
		return false;
	if (wire_name_unpack(m, len, &pos, name, &nlen, true) != CAIRN_OK || len - pos < 4)
		return false;
	pos += 4;
	if (wire_name_unpack(m, len, &pos, name, &nlen, true) != CAIRN_OK || len - pos < 10 ||
	    !wire_name_equal(name, origin) || wire_get16(m + pos) != WIRE_TYPE_SOA)
		return false;
	{
		size_t rdend = pos + 10 + wire_get16(m + pos + 8);
		size_t p = pos + 10;

		if (rdend > len)
			return false;
		/* two names (maybe compressed), then the serial */
		if (wire_name_unpack(m, rdend, &p, name, &nlen, true) != CAIRN_OK ||
		    wire_name_unpack(m, rdend, &p, name, &nlen, true) != CAIRN_OK || rdend - p != 20)
			return false;
		*serial = wire_get32(m + p);
	}
	return true;
}

cairn_err fetch_soa(const struct xfr_remote *r, const struct xfr_key *key, const uint8_t *origin,
		    uint32_t *serial, char *err, size_t errlen)
{
	uint8_t q[1024], m[4096], mac[TSIG_MAC_MAX];
	size_t qlen, mac_len;
	int fd = connect_to(r, SOCK_DGRAM);
	cairn_err ret = CAIRN_EIO;
	uint64_t deadline = cairn_now_ms() + FETCH_UDP_TIMEOUT_MS;

	qlen = build_query(q, sizeof(q), origin, WIRE_TYPE_SOA, NULL, key, mac, &mac_len);
	if (fd < 0 || !qlen || send(fd, q, qlen, 0) != (ssize_t)qlen) {
		set_err(err, errlen, "cannot send the SOA query: %s", strerror(errno));
		goto done;
	}
	for (;;) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		uint64_t now = cairn_now_ms();
		ssize_t n;
		const char *why = NULL;

		if (now >= deadline || poll(&pf, 1, (int)(deadline - now)) <= 0) {
			set_err(err, errlen, "no answer to the SOA query");
			goto done;
		}
		n = recv(fd, m, sizeof(m), 0);
		if (n < WIRE_HDR_LEN || wire_get16(m) != wire_get16(q) ||
		    !(wire_get16(m + 2) & WIRE_FLAG_QR))
			continue; /* not our answer */
		if (key) {
			struct tsig_verifier v;

			tsig_verifier_init(&v, key, mac, mac_len);
			why = tsig_verifier_next(&v, m, (size_t)n, (uint64_t)time(NULL));
			tsig_verifier_clear(&v);
		}
		if (why) {
			set_err(err, errlen, "SOA answer: %s", why);
			goto done;
		}
		if ((m[3] & 0xf) != WIRE_RCODE_NOERROR || !(wire_get16(m + 2) & WIRE_FLAG_AA) ||
		    !answer_soa_serial(m, (size_t)n, origin, serial)) {
			set_err(err, errlen, "SOA query answered with rcode %u%s", m[3] & 0xf,
				(m[3] & 0xf) ? "" : " but no authoritative SOA");
			goto done;
		}
		ret = CAIRN_OK;
		break;
	}
done:
	if (fd >= 0)
		close(fd);
	return ret;
}

static bool read_full(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = recv(fd, p, n, 0);

		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			return false;
		}
		p += r;
		n -= (size_t)r;
	}
	return true;
}

/* ---- the records: ldns lists ---- */

/* Our served zone as an ldns list (SOA first). */
static ldns_rr_list *zone_to_list(const struct zone *z)
{
	ldns_rr_list *l = ldns_rr_list_new();
	struct zone_cursor c = { 0 };
	const struct wire_rrset *rs = zone_soa_rrset(z);
	uint8_t buf[WIRE_NAME_MAX + 10 + 65535];
	bool first = true;

	while (l && rs) {
		const uint8_t *rd = rs->rdata;
		size_t olen = wire_name_len(rs->owner);

		for (unsigned i = 0; i < rs->count; i++) {
			size_t rdlen = wire_get16(rd), pos = 0;
			ldns_rr *rr = NULL;

			memcpy(buf, rs->owner, olen);
			wire_put16(buf + olen, rs->type);
			wire_put16(buf + olen + 2, rs->rclass);
			wire_put32(buf + olen + 4, rs->ttl);
			memcpy(buf + olen + 8, rd, 2 + rdlen);
			if (ldns_wire2rr(&rr, buf, olen + 10 + rdlen, &pos, LDNS_SECTION_ANSWER) !=
				    LDNS_STATUS_OK ||
			    !ldns_rr_list_push_rr(l, rr)) {
				ldns_rr_free(rr);
				ldns_rr_list_deep_free(l);
				return NULL;
			}
			rd += 2 + rdlen;
		}
		rs = zone_next_rrset(z, &c);
		first = false;
	}
	(void)first;
	return l;
}

/* Removes from l the first record equal to rr (owner, type, class,
 * rdata; RFC 1995 §4: deletions name records exactly). Returns false when
 * there is none. */
static bool list_delete(ldns_rr_list *l, const ldns_rr *rr)
{
	size_t n = ldns_rr_list_rr_count(l);

	for (size_t i = 0; i < n; i++) {
		ldns_rr *o = ldns_rr_list_rr(l, i);

		if (ldns_rr_compare(o, rr) == 0) {
			ldns_rr_list_set_rr(l, ldns_rr_list_rr(l, n - 1), i);
			ldns_rr_list_pop_rr(l);
			ldns_rr_free(o);
			return true;
		}
	}
	return false;
}

/* Removes the SOA from l. */
static void list_drop_soa(ldns_rr_list *l)
{
	size_t n = ldns_rr_list_rr_count(l);

	for (size_t i = 0; i < n; i++) {
		ldns_rr *o = ldns_rr_list_rr(l, i);

		if (ldns_rr_get_type(o) == LDNS_RR_TYPE_SOA) {
			ldns_rr_list_set_rr(l, ldns_rr_list_rr(l, n - 1), i);
			ldns_rr_list_pop_rr(l);
			ldns_rr_free(o);
			return;
		}
	}
}

struct fetch {
	const uint8_t *origin;
	ldns_rdf *origin_rdf;
	ldns_rr_list *result;      /* the new zone */
	bool ixfr_form;            /* incremental answer */
	bool done;
	unsigned n_soa;
	uint32_t first_serial;     /* of the opening SOA */
	uint32_t have_serial;
	int stage;                 /* IXFR: 0 = deleting, 1 = adding */
	size_t nrr;
	char *err;
	size_t errlen;
};

static uint32_t rr_serial(const ldns_rr *rr)
{
	return ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
}

/* One record of the answer stream. Returns false with f->err set. */
static bool take_rr(struct fetch *f, ldns_rr *rr, const struct zone *have)
{
	bool soa = ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA;
	char *owner;

	f->nrr++;
	if (ldns_dname_compare(ldns_rr_owner(rr), f->origin_rdf) != 0 &&
	    !ldns_dname_is_subdomain(ldns_rr_owner(rr), f->origin_rdf)) {
		owner = ldns_rdf2str(ldns_rr_owner(rr));
		set_err(f->err, f->errlen, "out-of-zone record %s in the transfer",
			owner ? owner : "?");
		free(owner);
		return false;
	}
	if (f->nrr == 1) {
		if (!soa) {
			set_err(f->err, f->errlen, "the answer does not start with the SOA");
			return false;
		}
		f->first_serial = rr_serial(rr);
		f->n_soa = 1;
		return ldns_rr_list_push_rr(f->result, ldns_rr_clone(rr)) || true;
	}
	if (f->nrr == 2) {
		/* RFC 1995 §4: an SOA second means difference sequences */
		f->ixfr_form = soa && have && rr_serial(rr) != f->first_serial;
		if (f->ixfr_form) {
			if (rr_serial(rr) != f->have_serial) {
				set_err(f->err, f->errlen, "IXFR starts at serial %u, ours is %u",
					rr_serial(rr), f->have_serial);
				return false;
			}
			ldns_rr_list_deep_free(f->result);
			f->result = zone_to_list(have);
			if (!f->result) {
				set_err(f->err, f->errlen, "out of memory");
				return false;
			}
			f->stage = 0;
			return true;
		}
	}
	if (!f->ixfr_form) {
		if (soa) {
			/* AXFR: the closing SOA */
			if (rr_serial(rr) != f->first_serial) {
				set_err(f->err, f->errlen, "the closing SOA has serial %u, the opening %u",
					rr_serial(rr), f->first_serial);
				return false;
			}
			f->done = true;
			return true;
		}
		return ldns_rr_list_push_rr(f->result, ldns_rr_clone(rr));
	}
	/* IXFR difference sequences: SOA(old) deletions SOA(new) additions */
	if (soa) {
		if (f->stage == 0) {
			f->stage = 1;   /* the new SOA of this sequence */
			list_drop_soa(f->result);
			ldns_rr_list_push_rr(f->result, ldns_rr_clone(rr));
			f->have_serial = rr_serial(rr);
			return true;
		}
		if (rr_serial(rr) == f->first_serial && f->have_serial == f->first_serial) {
			f->done = true;  /* the closing SOA */
			return true;
		}
		if (rr_serial(rr) != f->have_serial) {
			set_err(f->err, f->errlen, "broken IXFR: a sequence starts at serial %u after "
				"reaching %u", rr_serial(rr), f->have_serial);
			return false;
		}
		f->stage = 0;
		return true;
	}
	if (f->stage == 0) {
		if (!list_delete(f->result, rr)) {
			owner = ldns_rr2str(rr);
			for (char *c = owner; c && *c; c++)
				if (*c == '\t' || *c == '\n')
					*c = *c == '\n' ? '\0' : ' ';
			set_err(f->err, f->errlen, "broken IXFR: deletes a record we do not have: %s",
				owner ? owner : "?");
			free(owner);
			return false;
		}
		return true;
	}
	return ldns_rr_list_push_rr(f->result, ldns_rr_clone(rr));
}

cairn_err fetch_zone(const struct xfr_remote *r, const struct xfr_key *key, const uint8_t *origin,
		     const struct zone *have, bool *used_ixfr, ldns_rr_list **out, char *err,
		     size_t errlen)
{
	uint8_t q[1024], mac[TSIG_MAC_MAX], lenb[2];
	uint8_t *m = malloc(65535);
	size_t qlen, mac_len, total = 0;
	struct tsig_verifier v;
	struct fetch f = { .origin = origin, .err = err, .errlen = errlen };
	cairn_err ret = CAIRN_EIO;
	int fd = -1;
	char otext[1024];

	*out = NULL;
	tsig_verifier_init(&v, key, NULL, 0);
	f.result = ldns_rr_list_new();
	if (wire_name_to_text(origin, otext, sizeof(otext)) != CAIRN_OK ||
	    ldns_str2rdf_dname(&f.origin_rdf, otext) != LDNS_STATUS_OK || !m || !f.result) {
		set_err(err, errlen, "out of memory");
		goto done;
	}
	f.have_serial = have ? zone_serial(have) : 0;
	*used_ixfr = have != NULL;
	qlen = build_query(q + 2, sizeof(q) - 2, origin, have ? WIRE_TYPE_IXFR : WIRE_TYPE_AXFR,
			   have, key, mac, &mac_len);
	if (key)
		tsig_verifier_init(&v, key, mac, mac_len);
	fd = connect_to(r, SOCK_STREAM);
	if (fd < 0) {
		set_err(err, errlen, "cannot connect: %s", strerror(errno));
		goto done;
	}
	wire_put16(q, (uint16_t)qlen);
	if (!qlen || send(fd, q, qlen + 2, MSG_NOSIGNAL) != (ssize_t)(qlen + 2)) {
		set_err(err, errlen, "cannot send the query: %s", strerror(errno));
		goto done;
	}
	while (!f.done) {
		size_t mlen;
		ldns_pkt *pkt = NULL;
		ldns_rr_list *an;
		const char *why;

		if (!read_full(fd, lenb, 2) || !read_full(fd, m, mlen = wire_get16(lenb))) {
			set_err(err, errlen, "the connection ended before the transfer did (after %zu "
				"records)", f.nrr);
			goto done;
		}
		total += mlen;
		if (total > FETCH_MAX_BYTES) {
			set_err(err, errlen, "transfer larger than %llu bytes",
				(unsigned long long)FETCH_MAX_BYTES);
			goto done;
		}
		if (mlen < WIRE_HDR_LEN || wire_get16(m) != wire_get16(q + 2)) {
			set_err(err, errlen, "an answer with another ID");
			goto done;
		}
		if ((m[3] & 0xf) != WIRE_RCODE_NOERROR) {
			set_err(err, errlen, "the primary answered rcode %u%s", m[3] & 0xf,
				(m[3] & 0xf) == WIRE_RCODE_NOTAUTH ? " (TSIG refused)" :
				(m[3] & 0xf) == WIRE_RCODE_REFUSED ? " (REFUSED)" : "");
			goto done;
		}
		if (key && (why = tsig_verifier_next(&v, m, mlen, (uint64_t)time(NULL)))) {
			set_err(err, errlen, "%s", why);
			goto done;
		}
		if (ldns_wire2pkt(&pkt, m, mlen) != LDNS_STATUS_OK) {
			set_err(err, errlen, "a malformed message after %zu records", f.nrr);
			goto done;
		}
		an = ldns_pkt_answer(pkt);
		for (size_t i = 0; i < ldns_rr_list_rr_count(an) && !f.done; i++) {
			if (!take_rr(&f, ldns_rr_list_rr(an, i), have)) {
				ldns_pkt_free(pkt);
				goto done;
			}
			/* IXFR up to date: just the SOA (RFC 1995 §4) */
			if (f.nrr == 1 && ldns_rr_list_rr_count(an) == 1 && have &&
			    wire_get16(m + 6) == 1 && f.first_serial == f.have_serial)
				f.done = true;
		}
		ldns_pkt_free(pkt);
	}
	if (key && !v.last_signed) {
		set_err(err, errlen, "the last message is not signed");
		goto done;
	}
	*used_ixfr = f.ixfr_form;
	*out = f.result;
	f.result = NULL;
	ret = CAIRN_OK;
done:
	if (fd >= 0)
		close(fd);
	tsig_verifier_clear(&v);
	ldns_rr_list_deep_free(f.result);
	ldns_rdf_deep_free(f.origin_rdf);
	free(m);
	return ret;
}

cairn_err fetch_write(const char *file, const char *zone, ldns_rr_list *rrs, char *err,
		      size_t errlen, char *tmp, size_t tmplen)
{
	FILE *fp;
	size_t n = ldns_rr_list_rr_count(rrs), soa = n;
	bool ok;

	for (size_t i = 0; i < n; i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(rrs, i)) == LDNS_RR_TYPE_SOA) {
			if (soa != n) {
				set_err(err, errlen, "more than one SOA");
				return CAIRN_EFORMAT;
			}
			soa = i;
		}
	if (soa == n) {
		set_err(err, errlen, "no SOA");
		return CAIRN_EFORMAT;
	}
	if (snprintf(tmp, tmplen, "%s.xfr-tmp", file) >= (int)tmplen)
		return CAIRN_ELIMIT;
	fp = fopen(tmp, "w");
	if (!fp) {
		set_err(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		return CAIRN_EIO;
	}
	fprintf(fp, "; zone %s, serial %u, written by cairnd from a zone transfer\n", zone,
		rr_serial(ldns_rr_list_rr(rrs, soa)));
	ldns_rr_print(fp, ldns_rr_list_rr(rrs, soa));
	for (size_t i = 0; i < n; i++)
		if (i != soa)
			ldns_rr_print(fp, ldns_rr_list_rr(rrs, i));
	ok = fflush(fp) == 0 && fsync(fileno(fp)) == 0 && !ferror(fp);
	if (fclose(fp) != 0 || !ok) {
		set_err(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return CAIRN_EIO;
	}
	return CAIRN_OK;
}
