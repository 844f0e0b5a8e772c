/* xfr/fetch.c: the secondary's side of a transfer (RFC 5936, RFC 1995):
 * the SOA query that tells whether the primary has a newer serial, the
 * IXFR (falling back to AXFR) over TCP with every response checked against
 * the request's TSIG, the difference sequences applied to the copy we
 * serve, the checks on what came in (one SOA at the apex, nothing outside
 * the zone, the serial the primary announced) and the new zone file,
 * written to FILE.xfr-tmp, loaded by the zone loader, then renamed over
 * FILE. Blocking I/O with timeouts: it runs on the service thread.
 * Without ldns: the records are read from the messages by xrec.c, an AXFR
 * goes straight to the file as it arrives (zwrite.c), an IXFR's
 * differences are applied to the served zone by ixfr.c (O(1) a deletion
 * or addition), which then writes the new version out. */
#include "xfr_int.h"

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

/* ---- the records ---- */

struct fetch {
	const uint8_t *origin;
	const struct zone *have;
	const char *file, *zone;  /* where to write, the zone's name */
	char *tmp;                /* FILE.xfr-tmp */
	size_t tmplen;
	FILE *fp;                 /* open: tmp is being written */
	struct zwrite w;
	struct ixfr ix;           /* IXFR: the differences applied to have */
	uint8_t soa_mem[3 * WIRE_NAME_MAX + 20];
	struct xrec soa;          /* the newest SOA */
	bool ixfr_form;           /* incremental answer */
	bool from_ixfr;           /* the new zone is have changed (IXFR, up to date) */
	bool done;
	uint32_t first_serial;    /* of the opening SOA */
	uint32_t have_serial;
	int stage;                /* IXFR: 0 = deleting, 1 = adding */
	size_t nrr;
	char *err;
	size_t errlen;
};

static uint32_t rr_serial(const struct xrec *rr)
{
	return wire_get32(rr->rdata + rr->rdlen - 20);
}

/* Keeps a copy of the SOA rr (checked by xrec_parse: names and 20
 * bytes, so it fits) as f->soa. */
static void keep_soa(struct fetch *f, const struct xrec *rr)
{
	uint8_t *rd = f->soa_mem + wire_name_len(rr->owner);

	f->soa = *rr;
	f->soa.owner = memcpy(f->soa_mem, rr->owner, (size_t)(rd - f->soa_mem));
	f->soa.rdata = memcpy(rd, rr->rdata, rr->rdlen);
}

/* Opens FILE.xfr-tmp and writes its comment and the SOA. */
static bool start_file(struct fetch *f)
{
	if (snprintf(f->tmp, f->tmplen, "%s.xfr-tmp", f->file) >= (int)f->tmplen) {
		set_err(f->err, f->errlen, "the file name %s is too long", f->file);
		return false;
	}
	f->fp = fopen(f->tmp, "w");
	if (!f->fp) {
		set_err(f->err, f->errlen, "cannot write %s: %s", f->tmp, strerror(errno));
		return false;
	}
	if (zwrite_begin(&f->w, f->fp) != CAIRN_OK) {
		set_err(f->err, f->errlen, "out of memory");
		return false;
	}
	fprintf(f->fp, "; zone %s, serial %u, written by cairnd from a zone transfer\n", f->zone,
		rr_serial(&f->soa));
	return zwrite_rr(&f->w, &f->soa) == CAIRN_OK ||
	       (set_err(f->err, f->errlen, "cannot write %s: %s", f->tmp, strerror(errno)), false);
}

/* Ends the file: all written, flushed and synced (true), or removed. */
static bool end_file(struct fetch *f, bool ok)
{
	if (!f->fp)
		return ok;
	if (zwrite_end(&f->w) != CAIRN_OK || fflush(f->fp) != 0 || fsync(fileno(f->fp)) != 0 ||
	    ferror(f->fp)) {
		if (ok)
			set_err(f->err, f->errlen, "cannot write %s: %s", f->tmp, strerror(errno));
		ok = false;
	}
	if (fclose(f->fp) != 0 && ok) {
		set_err(f->err, f->errlen, "cannot write %s: %s", f->tmp, strerror(errno));
		ok = false;
	}
	f->fp = NULL;
	if (!ok)
		unlink(f->tmp);
	return ok;
}

/* Writes the IXFR's result: the SOA, then the changed zone. Returns
 * CAIRN_OK, CAIRN_EFORMAT (a second SOA: a bad zone) or CAIRN_EIO. */
static cairn_err write_ixfr(struct fetch *f)
{
	cairn_err e;

	if (!start_file(f))
		return CAIRN_EIO;
	e = ixfr_write(&f->ix, &f->w);
	if (e == CAIRN_EFORMAT)
		set_err(f->err, f->errlen, "more than one SOA");
	else if (e != CAIRN_OK)
		set_err(f->err, f->errlen, "cannot write %s: %s", f->tmp, strerror(errno));
	return e;
}

/* The IXFR starts from the zone we serve. */
static bool start_ixfr(struct fetch *f)
{
	f->from_ixfr = true;
	if (ixfr_init(&f->ix, f->have) != CAIRN_OK) {
		set_err(f->err, f->errlen, "out of memory");
		return false;
	}
	return true;
}

/* Records a sequence's SOA (ixfr_soa). */
static bool sequence_soa(struct fetch *f, const struct xrec *rr, bool old)
{
	if (ixfr_soa(&f->ix, rr, old) != CAIRN_OK) {
		set_err(f->err, f->errlen, "out of memory");
		return false;
	}
	return true;
}

/* The text of rr on one line (for messages), in buf. */
static void rr_text(const struct xrec *rr, char *buf, size_t len)
{
	char *line = malloc(ZWRITE_LINE_MAX);
	size_t n;

	if (!line) {
		snprintf(buf, len, "?");
		return;
	}
	n = zwrite_format(rr, line);
	line[n - 1] = '\0';
	for (char *c = line; *c; c++)
		if (*c == '\t')
			*c = ' ';
	snprintf(buf, len, "%s", line);
	free(line);
}

/* One record of the answer stream. Returns false with f->err set. */
static bool take_rr(struct fetch *f, const struct xrec *rr)
{
	bool soa = rr->type == WIRE_TYPE_SOA;
	char text[256];

	f->nrr++;
	if (!wire_name_is_subdomain(rr->owner, f->origin)) {
		if (wire_name_to_text(rr->owner, text, sizeof(text)) != CAIRN_OK)
			snprintf(text, sizeof(text), "?");
		set_err(f->err, f->errlen, "out-of-zone record %s in the transfer", text);
		return false;
	}
	if (f->nrr == 1) {
		if (!soa) {
			set_err(f->err, f->errlen, "the answer does not start with the SOA");
			return false;
		}
		f->first_serial = rr_serial(rr);
		keep_soa(f, rr);
		return true;
	}
	if (f->nrr == 2) {
		/* RFC 1995 §4: an SOA second means difference sequences */
		f->ixfr_form = soa && f->have && rr_serial(rr) != f->first_serial;
		if (f->ixfr_form) {
			if (rr_serial(rr) != f->have_serial) {
				set_err(f->err, f->errlen, "IXFR starts at serial %u, ours is %u",
					rr_serial(rr), f->have_serial);
				return false;
			}
			f->stage = 0;
			return start_ixfr(f) && sequence_soa(f, rr, true);
		}
		/* AXFR (RFC 5936): the records go to the file as they come */
		if (!start_file(f))
			return false;
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
		if (zwrite_rr(&f->w, rr) != CAIRN_OK) {
			set_err(f->err, f->errlen, "cannot write %s: %s", f->tmp, strerror(errno));
			return false;
		}
		return true;
	}
	/* IXFR difference sequences: SOA(old) deletions SOA(new) additions */
	if (soa) {
		if (f->stage == 0) {
			f->stage = 1;   /* the new SOA of this sequence */
			keep_soa(f, rr);
			f->have_serial = rr_serial(rr);
			return sequence_soa(f, rr, false);
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
		return sequence_soa(f, rr, true);
	}
	if (f->stage == 0) {
		cairn_err e = ixfr_del(&f->ix, rr);

		if (e == CAIRN_ENOTFOUND) {
			char line[320];

			rr_text(rr, line, sizeof(line));
			set_err(f->err, f->errlen, "broken IXFR: deletes a record we do not have: %s",
				line);
		} else if (e != CAIRN_OK) {
			set_err(f->err, f->errlen, "out of memory");
		}
		return e == CAIRN_OK;
	}
	if (ixfr_add(&f->ix, rr) != CAIRN_OK) {
		set_err(f->err, f->errlen, "out of memory");
		return false;
	}
	return true;
}

/* The answer section of message m (len bytes) into take_rr. Returns
 * false with f->err set. */
static bool take_message(struct fetch *f, const uint8_t *m, size_t len, uint8_t *buf)
{
	unsigned qd = wire_get16(m + 4), an = wire_get16(m + 6);
	size_t pos = WIRE_HDR_LEN, nlen;
	const char *why = NULL;
	struct xrec rr;

	for (unsigned i = 0; i < qd; i++) {
		if (wire_name_unpack(m, len, &pos, buf, &nlen, true) != CAIRN_OK || len - pos < 4) {
			why = "a bad question";
			goto malformed;
		}
		pos += 4;
	}
	for (unsigned i = 0; i < an && !f->done; i++) {
		if (pos >= len) {
			why = "fewer records than its header counts";
			goto malformed;
		}
		if (xrec_parse(m, len, &pos, buf, &rr, &why) != CAIRN_OK)
			goto malformed;
		if (!take_rr(f, &rr))
			return false;
		/* IXFR up to date: just the SOA (RFC 1995 §4) */
		if (f->nrr == 1 && an == 1 && f->have && f->first_serial == f->have_serial) {
			f->done = true;
			return start_ixfr(f);
		}
	}
	if (!f->done && !xrec_skip(m, len, &pos, wire_get16(m + 8) + wire_get16(m + 10))) {
		/* unused (OPT, TSIG: checked by the verifier), but a message
		 * whose records do not parse is not taken (RFC 1035 §4.1) */
		why = "a bad record in the authority or additional section";
		goto malformed;
	}
	return true;
malformed:
	set_err(f->err, f->errlen, "a malformed message after %zu records: %s", f->nrr, why);
	return false;
}

cairn_err fetch_zone(const struct xfr_remote *r, const struct xfr_key *key, const uint8_t *origin,
		     const struct zone *have, const char *file, const char *zone, bool *used_ixfr,
		     char *tmp, size_t tmplen, struct xfr_jentry **seq, size_t *nseq, char *err,
		     size_t errlen)
{
	uint8_t q[1024], mac[TSIG_MAC_MAX], lenb[2];
	uint8_t *m = malloc(65535), *buf = malloc(XREC_BUF_MAX);
	size_t qlen, mac_len, total = 0;
	struct tsig_verifier v;
	struct fetch f = { .origin = origin, .have = have, .file = file, .zone = zone,
			   .tmp = tmp, .tmplen = tmplen, .err = err, .errlen = errlen };
	cairn_err ret = CAIRN_EIO;
	int fd = -1;

	*seq = NULL;
	*nseq = 0;
	tsig_verifier_init(&v, key, NULL, 0);
	if (!m || !buf) {
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
		if (!take_message(&f, m, mlen, buf))
			goto done;
	}
	if (key && !v.last_signed) {
		set_err(err, errlen, "the last message is not signed");
		goto done;
	}
	if (f.from_ixfr) {
		/* IXFR (or up to date): the zone we had, changed */
		if ((ret = write_ixfr(&f)) != CAIRN_OK)
			goto done;
		ret = CAIRN_EIO;
	}
	*used_ixfr = f.ixfr_form;
	if (!end_file(&f, true)) {
		ret = CAIRN_EFORMAT;  /* cannot write: not the transfer's fault */
		goto done;
	}
	*seq = ixfr_take_sequences(&f.ix, nseq);
	ret = CAIRN_OK;
done:
	if (ret != CAIRN_OK)
		end_file(&f, false);
	if (fd >= 0)
		close(fd);
	tsig_verifier_clear(&v);
	ixfr_free(&f.ix);
	free(buf);
	free(m);
	return ret;
}
