/* cachefile: the cache as text (cache-file:, cairn-control dump-cache /
 * load-cache; cairnd.conf(5)). Zone-file records a person can read and
 * grep, each entry introduced by a comment line with what the records do
 * not say:
 *
 *   ;; rrset www.example.com. A expires=1764664800 ttl=3600 rank=auth-answer
 *   www.example.com.	3512	IN	A	192.0.2.80
 *   ;; nxdomain nx.example.com. expires=1764661500 ttl=300 rank=auth-authority
 *   example.com.	212	IN	SOA	ns1.example.com. ...
 *   ;; nodata www.example.com. AAAA expires=... ttl=300 rank=auth-authority
 *
 * expires is the absolute expiry in Unix time (the cache's monotonic clock
 * does not survive a restart), ttl the original TTL, rank the RFC 2181
 * §5.4.1 credibility (as cache-show names it), sec the validation state
 * (RFC 4035 §4.3; left out for unchecked data), ede the Extended DNS Error kept with it (RFC 8914; only
 * when set) and zone the zone of a signed NSEC RRset (only for those: the
 * RFC 8198 index). The records' TTLs are the seconds left when written (0:
 * stale), for the reader; loading uses expires. A negative entry lists the
 * SOA kept with it (none: no record lines). DNSSEC data follows in
 * sub-sections: after a ';; sigs' line the RRSIGs of the RRset (of the SOA
 * for a negative entry), after a ';; proof' line the denial proof of a
 * negative entry (NSEC, NSEC3 and RRSIG records; consecutive records of one
 * owner and type -- and covered type, for RRSIG -- form one RRset):
 *
 *   ;; nxdomain nx.example.com. expires=... ttl=300 rank=auth-authority sec=secure
 *   example.com.	212	IN	SOA	ns1.example.com. ...
 *   ;; sigs
 *   example.com.	212	IN	RRSIG	SOA 13 2 300 ...
 *   ;; proof
 *   mx.example.com.	212	IN	NSEC	www.example.com. A RRSIG NSEC
 *   mx.example.com.	212	IN	RRSIG	NSEC 13 3 300 ...
 *
 * Files without sec= and sub-sections (older ones) load as unchecked data.
 * The file is written to FILE.tmp and renamed (atomic). */
#include "cairn/server.h"
#include "control_int.h"
#include "cairn/cache.h"
#include "cairn/stats.h"

#include <errno.h>
#include <ldns/ldns.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CF_RDATA_MAX (65535u * 4)   /* rdata bytes of one entry */

static const char *const rank_names[] = {
	[CACHE_RANK_GLUE] = "glue", [CACHE_RANK_REFERRAL] = "referral",
	[CACHE_RANK_ANSWER_NONAUTH] = "nonauth-answer",
	[CACHE_RANK_AUTH_AUTHORITY] = "auth-authority",
	[CACHE_RANK_AUTH_ANSWER] = "auth-answer",
};

static const char *const sec_names[] = {
	[CACHE_SEC_UNCHECKED] = "unchecked", [CACHE_SEC_INSECURE] = "insecure",
	[CACHE_SEC_SECURE] = "secure", [CACHE_SEC_BOGUS] = "bogus",
};

struct dump_ctx {
	FILE *f;
	uint64_t now;            /* cache clock, s */
	int64_t wall;            /* Unix time, s */
	size_t n;
};

void server_print_rrset(const struct wire_rrset *rs, FILE *out, bool note_unshown)
{
	size_t olen = wire_name_len(rs->owner), off = 0;
	static _Thread_local uint8_t rr[WIRE_NAME_MAX + 10 + 65535];

	for (uint16_t i = 0; i < rs->count && off + 2 <= rs->rdata_len; i++) {
		size_t rdlen = wire_get16(rs->rdata + off), pos = 0;
		ldns_rr *lrr = NULL;
		char *text;

		if (off + 2 + rdlen > rs->rdata_len)
			break;
		memcpy(rr, rs->owner, olen);
		wire_put16(rr + olen, rs->type);
		wire_put16(rr + olen + 2, rs->rclass);
		wire_put32(rr + olen + 4, rs->ttl);
		memcpy(rr + olen + 8, rs->rdata + off, 2 + rdlen);
		off += 2 + rdlen;
		if (ldns_wire2rr(&lrr, rr, olen + 10 + rdlen, &pos, LDNS_SECTION_ANSWER) !=
		    LDNS_STATUS_OK) {
			if (note_unshown)
				fprintf(out, "; (record %u of the RRset cannot be shown)\n",
					(unsigned)i + 1);
			continue;
		}
		text = ldns_rr2str(lrr);
		if (text)
			fputs(text, out);
		free(text);
		ldns_rr_free(lrr);
	}
}

static void dump_one(void *arg, const struct cache_dump_entry *e)
{
	struct dump_ctx *d = arg;
	char name[1024], tb[16];
	int64_t expires = d->wall + ((int64_t)e->expiry - (int64_t)d->now);

	if (wire_name_to_text(e->name, name, sizeof(name)) != CAIRN_OK)
		return;
	if (e->kind == CACHE_NXDOMAIN)
		fprintf(d->f, ";; nxdomain %s", name);
	else
		fprintf(d->f, ";; %s %s %s", e->kind == CACHE_NODATA ? "nodata" : "rrset", name,
			stats_type_name(e->type, tb, sizeof(tb)));
	fprintf(d->f, " expires=%lld ttl=%u rank=%s", (long long)expires, e->orig_ttl,
		rank_names[e->rank]);
	/* unchecked (the default) is left out: such lines read as before */
	if (e->sec != CACHE_SEC_UNCHECKED)
		fprintf(d->f, " sec=%s", sec_names[e->sec]);
	if (e->ede != CACHE_EDE_NONE)
		fprintf(d->f, " ede=%u", (unsigned)e->ede);
	if (e->signer && wire_name_to_text(e->signer, name, sizeof(name)) == CAIRN_OK)
		fprintf(d->f, " zone=%s", name);
	fputc('\n', d->f);
	if (e->rs.count)
		server_print_rrset(&e->rs, d->f, false);  /* the cache took only valid rdata */
	if (e->sigs.count) {
		fputs(";; sigs\n", d->f);
		server_print_rrset(&e->sigs, d->f, false);
	}
	if (e->nproof)
		fputs(";; proof\n", d->f);
	for (unsigned i = 0; i < e->nproof; i++)
		server_print_rrset(&e->proof[i], d->f, false);
	d->n++;
}

cairn_err server_cache_dump(struct cache *c, const char *path, size_t *count)
{
	struct dump_ctx d = { .now = cairn_now_ms() / 1000, .wall = (int64_t)time(NULL) };
	char *tmp = NULL;
	cairn_err err = CAIRN_EIO;
	int saved;

	*count = 0;
	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return CAIRN_ENOMEM;
	d.f = fopen(tmp, "w");
	if (!d.f)
		goto done;
	fprintf(d.f, "; cairn cache, written at %lld (Unix time)\n"
		"; each entry: ';; KIND NAME [TYPE] expires=UNIXTIME ttl=ORIGINAL-TTL rank=RANK\n"
		"; [sec=STATE] [ede=N] [zone=ZONE]', then its records, then ';; sigs' and its\n"
		"; RRSIGs, ';; proof' and its denial proof (cairnd.conf(5), cache-file)\n",
		(long long)d.wall);
	err = cache_walk_all(c, d.now, dump_one, &d, count);
	if (fflush(d.f) != 0 || ferror(d.f) || fsync(fileno(d.f)) != 0)
		err = CAIRN_EIO;
	saved = errno;
	if (fclose(d.f) != 0 && err == CAIRN_OK)
		err = CAIRN_EIO, saved = errno;
	errno = saved;
	/* atomic: readers see the old file or the whole new one */
	if (err == CAIRN_OK && rename(tmp, path) != 0)
		err = CAIRN_EIO;
	if (err != CAIRN_OK) {
		saved = errno;
		unlink(tmp);
		errno = saved;
	}
done:
	free(tmp);
	return err;
}

/* ---- loading ---- */

struct load {
	struct cache *c;
	const char *path;
	server_report_fn report;
	void *ctx;
	struct server_cache_load_stats *st;
	uint64_t now;
	int64_t wall;
	bool open, bad;          /* an entry is being read; it is malformed */
	unsigned line;           /* of its header */
	enum { PART_RECORDS, PART_SIGS, PART_PROOF } part;  /* what its records are */
	struct cache_dump_entry e;
	uint8_t name[WIRE_NAME_MAX];
	uint8_t owner[WIRE_NAME_MAX];
	uint8_t zone[WIRE_NAME_MAX];
	uint8_t powner[CACHE_MAX_PROOF][WIRE_NAME_MAX];  /* the proof's owners */
	int64_t expires;
	uint8_t *rdata;
	size_t rdata_len;
};

static void say(struct load *l, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(struct load *l, unsigned line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->report)
		l->report(l->ctx, l->path, line, msg);
}

/* The entry read so far goes into the cache (or is dropped). */
static void finish_entry(struct load *l)
{
	cairn_err err;

	if (!l->open)
		return;
	l->open = false;
	if (l->bad)
		return;
	if (l->e.kind == CACHE_POSITIVE && !l->e.rs.count) {
		say(l, l->line, "entry without records: skipped");
		l->st->malformed++;
		return;
	}
	/* RFC 8767 §5: data older than serve-stale-max-age is never served */
	if (l->expires + (int64_t)l->st->max_age <= l->wall) {
		l->st->expired++;
		return;
	}
	l->e.expiry = (int64_t)l->now + (l->expires - l->wall) > 1 ?
		      (uint64_t)((int64_t)l->now + (l->expires - l->wall)) : 1;
	err = cache_restore(l->c, &l->e, l->now);
	if (err == CAIRN_OK)
		l->st->loaded++;
	else if (err == CAIRN_ENOTFOUND)
		l->st->expired++;
	else {
		say(l, l->line, "entry not stored: %s", cairn_strerror(err));
		l->st->malformed++;
	}
}

/* The optional DNSSEC fields of an entry line: "sec=STATE", "ede=N",
 * "zone=NAME". Returns false (reported) for a bad or unknown one. */
static bool entry_option(struct load *l, const char *tok, unsigned line)
{
	unsigned long v;
	char *end;
	size_t len;

	if (strncmp(tok, "sec=", 4) == 0) {
		for (unsigned s = 0; s < sizeof(sec_names) / sizeof(sec_names[0]); s++)
			if (strcmp(tok + 4, sec_names[s]) == 0) {
				l->e.sec = (enum cache_sec)s;
				return true;
			}
		say(l, line, "unknown validation state '%.40s': entry skipped", tok + 4);
		return false;
	}
	if (strncmp(tok, "ede=", 4) == 0) {
		errno = 0;
		v = strtoul(tok + 4, &end, 10);
		if (errno || end == tok + 4 || *end || v >= CACHE_EDE_NONE) {
			say(l, line, "bad ede '%.40s': entry skipped", tok + 4);
			return false;
		}
		l->e.ede = (uint16_t)v;
		return true;
	}
	if (strncmp(tok, "zone=", 5) == 0) {
		if (wire_name_from_text(tok + 5, NULL, l->zone, &len) != CAIRN_OK) {
			say(l, line, "bad zone '%.80s': entry skipped", tok + 5);
			return false;
		}
		wire_name_lower(l->zone);
		l->e.signer = l->zone;
		return true;
	}
	say(l, line, "unknown field '%.40s': entry skipped", tok);
	return false;
}

/* ";; sigs" or ";; proof": the open entry's records that follow are its
 * RRSIGs, or its denial proof (in that order, each once). */
static void part_marker(struct load *l, const char *what, unsigned line)
{
	bool sigs = strcmp(what, "sigs") == 0;

	if (!l->open) {
		say(l, line, "';; %s' outside an entry: skipped", what);
		l->st->malformed++;
		return;
	}
	if (l->bad)
		return;              /* its entry was reported already */
	if (sigs ? l->part != PART_RECORDS : l->part == PART_PROOF) {
		say(l, line, "';; %s' out of place (records, ';; sigs', ';; proof'): "
		    "entry skipped", what);
		goto bad;
	}
	if (!sigs && l->e.kind == CACHE_POSITIVE) {
		say(l, line, "a denial proof with an RRset: entry skipped");
		goto bad;
	}
	if (sigs && l->e.rs.count == 0) {
		say(l, line, "signatures without the records they cover: entry skipped");
		goto bad;
	}
	l->part = sigs ? PART_SIGS : PART_PROOF;
	return;
bad:
	l->bad = true;
	l->st->malformed++;
}

/* ";; KIND NAME [TYPE] expires=N ttl=N rank=R [sec=S] [ede=N] [zone=Z]" */
static void header(struct load *l, char *text, unsigned line)
{
	char *tok[10], *save = NULL, *t;
	int n = 0, i;
	size_t len;
	long long expires = 0;
	unsigned long ttl = 0;
	int rank = 0;

	for (t = strtok_r(text, " \t\r\n", &save); t && n < 10; t = strtok_r(NULL, " \t\r\n", &save))
		tok[n++] = t;
	if (n == 1 && !t && (strcmp(tok[0], "sigs") == 0 || strcmp(tok[0], "proof") == 0)) {
		part_marker(l, tok[0], line);
		return;
	}
	finish_entry(l);
	memset(&l->e, 0, sizeof(l->e));
	l->e.ede = CACHE_EDE_NONE;
	l->open = true;
	l->bad = true;
	l->line = line;
	l->part = PART_RECORDS;
	l->rdata_len = 0;
	if (n < 5 || t) {
		say(l, line, "malformed entry line: skipped");
		l->st->malformed++;
		return;
	}
	if (strcmp(tok[0], "rrset") == 0)
		l->e.kind = CACHE_POSITIVE;
	else if (strcmp(tok[0], "nodata") == 0)
		l->e.kind = CACHE_NODATA;
	else if (strcmp(tok[0], "nxdomain") == 0)
		l->e.kind = CACHE_NXDOMAIN;
	else {
		say(l, line, "unknown entry kind '%.40s': skipped", tok[0]);
		l->st->malformed++;
		return;
	}
	if (wire_name_from_text(tok[1], NULL, l->name, &len) != CAIRN_OK) {
		say(l, line, "bad name '%.80s': entry skipped", tok[1]);
		l->st->malformed++;
		return;
	}
	wire_name_lower(l->name);
	i = 2;
	if (l->e.kind != CACHE_NXDOMAIN) {
		l->e.type = (uint16_t)ldns_get_rr_type_by_name(tok[i]);
		if (!l->e.type) {
			say(l, line, "bad type '%.40s': entry skipped", tok[i]);
			l->st->malformed++;
			return;
		}
		i++;
	}
	if (n < i + 3 || sscanf(tok[i], "expires=%lld", &expires) != 1 ||
	    sscanf(tok[i + 1], "ttl=%lu", &ttl) != 1 || ttl > INT32_MAX ||
	    strncmp(tok[i + 2], "rank=", 5) != 0) {
		say(l, line, "malformed entry line (expires=, ttl=, rank=): skipped");
		l->st->malformed++;
		return;
	}
	for (rank = CACHE_RANK_GLUE; rank <= CACHE_RANK_AUTH_ANSWER; rank++)
		if (strcmp(tok[i + 2] + 5, rank_names[rank]) == 0)
			break;
	if (rank > CACHE_RANK_AUTH_ANSWER) {
		say(l, line, "unknown rank '%.40s': entry skipped", tok[i + 2] + 5);
		l->st->malformed++;
		return;
	}
	for (int j = i + 3; j < n; j++)
		if (!entry_option(l, tok[j], line)) {
			l->st->malformed++;
			return;
		}
	l->e.name = l->name;
	l->e.rank = (enum cache_rank)rank;
	l->e.orig_ttl = (uint32_t)ttl;
	l->e.rs.type = l->e.kind == CACHE_POSITIVE ? l->e.type : WIRE_TYPE_SOA;
	l->e.rs.rclass = WIRE_CLASS_IN;
	l->e.rs.owner = l->e.kind == CACHE_POSITIVE ? l->name : l->owner;
	l->e.rs.rdata = l->rdata;
	l->expires = expires;
	l->bad = false;
}

/* The RRset of the open entry that a record of type (covering covered, for
 * an RRSIG) and owner belongs to, as l->part says; a new proof RRset is
 * started when it differs from the last one. NULL (reported) when the
 * record has no place there. */
static struct wire_rrset *record_set(struct load *l, uint16_t type, uint16_t covered,
				     const uint8_t *owner, unsigned line)
{
	struct wire_rrset *rs;

	switch (l->part) {
	case PART_RECORDS:
		if (type != l->e.rs.type) {
			say(l, line, "record of another type or class than its entry: "
			    "entry skipped");
			return NULL;
		}
		if (l->e.kind != CACHE_POSITIVE && l->e.rs.count == 0) {
			memcpy(l->owner, owner, wire_name_len(owner));
			wire_name_lower(l->owner);
		}
		rs = &l->e.rs;
		break;
	case PART_SIGS:
		if (type != WIRE_TYPE_RRSIG) {
			say(l, line, "a record other than RRSIG after ';; sigs': entry skipped");
			return NULL;
		}
		rs = &l->e.sigs;
		if (rs->count == 0) {
			rs->owner = l->e.rs.owner;  /* RFC 4035 §5.3.1: the RRset's owner */
			rs->type = type;
			rs->rclass = WIRE_CLASS_IN;
			rs->rdata = l->rdata + l->rdata_len;
		}
		break;
	default:
		if (type != WIRE_TYPE_NSEC && type != WIRE_TYPE_NSEC3 && type != WIRE_TYPE_RRSIG) {
			say(l, line, "a proof record other than NSEC, NSEC3 or RRSIG: "
			    "entry skipped");
			return NULL;
		}
		rs = l->e.nproof ? &l->e.proof[l->e.nproof - 1] : NULL;
		if (rs && rs->type == type && wire_name_equal(rs->owner, owner) &&
		    (type != WIRE_TYPE_RRSIG || wire_get16(rs->rdata + 2) == covered))
			return rs;
		if (l->e.nproof == CACHE_MAX_PROOF) {
			say(l, line, "a proof of more than %u RRsets: entry skipped",
			    CACHE_MAX_PROOF);
			return NULL;
		}
		memcpy(l->powner[l->e.nproof], owner, wire_name_len(owner));
		wire_name_lower(l->powner[l->e.nproof]);
		rs = &l->e.proof[l->e.nproof++];
		*rs = (struct wire_rrset){ .owner = l->powner[l->e.nproof - 1], .type = type,
			.rclass = WIRE_CLASS_IN, .rdata = l->rdata + l->rdata_len };
		return rs;
	}
	if (!wire_name_equal(owner, rs->owner)) {
		say(l, line, "record owner differs from its entry's: entry skipped");
		return NULL;
	}
	return rs;
}

/* One record of the open entry. */
static void record(struct load *l, const char *text, unsigned line)
{
	ldns_rr *rr = NULL;
	uint8_t *wire = NULL;
	size_t size = 0, olen, rdlen;
	const uint8_t *owner;
	struct wire_rrset *rs;
	ldns_status s;

	if (!l->open) {
		say(l, line, "record outside an entry: skipped");
		l->st->malformed++;
		return;
	}
	if (l->bad)
		return;              /* its entry was reported already */
	s = ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL);
	if (s != LDNS_STATUS_OK || !rr) {
		say(l, line, "cannot parse the record (%s): entry skipped",
		    ldns_get_errorstr_by_id(s));
		goto bad;
	}
	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
		say(l, line, "record of another type or class than its entry: entry skipped");
		goto bad;
	}
	if (ldns_rr2wire(&wire, rr, LDNS_SECTION_ANSWER, &size) != LDNS_STATUS_OK || !wire) {
		say(l, line, "record cannot be converted: entry skipped");
		goto bad;
	}
	owner = wire;
	olen = wire_name_len(owner);
	if (olen == 0 || olen + 10 > size) {
		say(l, line, "record cannot be converted: entry skipped");
		goto bad;
	}
	rdlen = size - olen - 8;    /* rdlength and rdata, as the cache keeps them */
	rs = record_set(l, ldns_rr_get_type(rr),
			rdlen >= 4 ? wire_get16(wire + olen + 10) : 0, owner, line);
	if (!rs)
		goto bad;
	if (l->rdata_len + rdlen > CF_RDATA_MAX || rs->count == UINT16_MAX) {
		say(l, line, "entry too large: skipped");
		goto bad;
	}
	memcpy(l->rdata + l->rdata_len, wire + olen + 8, rdlen);
	l->rdata_len += rdlen;
	rs->rdata_len += (uint32_t)rdlen;
	rs->count++;
	free(wire);
	ldns_rr_free(rr);
	return;
bad:
	free(wire);
	ldns_rr_free(rr);
	l->bad = true;
	l->st->malformed++;
}

cairn_err server_cache_load(struct cache *c, const char *path, uint32_t max_age,
			    server_report_fn report, void *ctx,
			    struct server_cache_load_stats *st)
{
	struct load l = { .c = c, .path = path, .report = report, .ctx = ctx, .st = st,
			  .now = cairn_now_ms() / 1000, .wall = (int64_t)time(NULL) };
	char *buf = NULL;
	size_t cap = 0;
	unsigned line = 0;
	ssize_t len;
	FILE *f;

	memset(st, 0, sizeof(*st));
	st->max_age = max_age;
	f = fopen(path, "r");
	if (!f)
		return CAIRN_EIO;
	l.rdata = malloc(CF_RDATA_MAX);
	if (!l.rdata) {
		fclose(f);
		return CAIRN_ENOMEM;
	}
	while ((len = getline(&buf, &cap, f)) >= 0) {
		char *p = buf;

		line++;
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, ";;", 2) == 0)
			header(&l, p + 2, line);
		else if (*p == ';' || *p == '\0')
			continue;        /* comments, blank lines */
		else
			record(&l, p, line);
	}
	finish_entry(&l);
	free(buf);
	free(l.rdata);
	fclose(f);
	return CAIRN_OK;
}
