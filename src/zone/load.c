/* zone/load.c: reads a zone file (RFC 1035 §5.1 master file format) one
 * entry at a time into compact records: the plain entries of the common
 * types through fast.c, every other one with ldns (which fast.c imitates
 * exactly, see there). The entry splitter here handles comments,
 * parentheses and quotes across lines so that every record keeps the file
 * and line it started on; it also implements $ORIGIN, $TTL and $INCLUDE,
 * which ldns 1.8.3 cannot do for us. */
#include "zone_int.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

/* What one file being read needs; includes nest through the C stack. */
struct zfile {
	const char *path;
	uint16_t idx;             /* index into zl->files */
	unsigned depth;
	ldns_rdf *origin;         /* current $ORIGIN (owned) */
	ldns_rdf *prev;           /* previous owner for ldns (owned, managed by ldns) */
	uint8_t prevw[WIRE_NAME_MAX]; /* the previous owner, wire form as written */
	size_t prevw_len;         /* 0: none, or longer than a name (see prev) */
	bool prev_stale;          /* the fast route moved prevw on: rebuild prev */
	uint32_t default_ttl;
	bool have_ttl;            /* $TTL seen (else the last TTL is the default) */
	char *real;               /* realpath, for loop detection */
	struct zfile *up;         /* the including file */
};

static cairn_err read_file(struct zload *zl, const char *path, const char *shown,
			   const ldns_rdf *origin, struct zfile *up, uint16_t from_file,
			   uint32_t from_line);

void zload_problem(struct zload *zl, uint32_t seq, uint16_t file, uint32_t line,
		   const char *fmt, ...)
{
	va_list ap;
	char buf[1200];

	zl->nerrors++;
	if (zl->nprobs >= ZONE_PROBLEMS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (zl->nprobs == zl->capprobs) {
		size_t cap = zl->capprobs ? zl->capprobs * 2 : 16;
		struct zone_problem *p = realloc(zl->probs, cap * sizeof *p);
		if (!p) {
			zl->oom = true;
			return;
		}
		zl->probs = p;
		zl->capprobs = cap;
	}
	char *msg = strdup(buf);
	if (!msg) {
		zl->oom = true;
		return;
	}
	zl->probs[zl->nprobs++] = (struct zone_problem){
		.seq = seq, .line = line, .order = (uint32_t)zl->nprobs, .file = file,
		.msg = msg };
}

const char *zload_name(const uint8_t *name, char *buf, size_t buflen)
{
	if (wire_name_to_text(name, buf, buflen) != CAIRN_OK)
		snprintf(buf, buflen, "(name)");
	return buf;
}

static uint16_t add_file(struct zload *zl, const char *path)
{
	if (zl->nfiles >= UINT16_MAX - 1)
		return UINT16_MAX;
	char **f = realloc(zl->files, (zl->nfiles + 1) * sizeof *f);
	if (!f)
		return UINT16_MAX;
	zl->files = f;
	f[zl->nfiles] = strdup(path);
	if (!f[zl->nfiles])
		return UINT16_MAX;
	return (uint16_t)zl->nfiles++;
}

/* Length of the uncompressed wire name at rd[0..max), 0 when it is not one
 * (runs past max, a compression pointer or reserved label type, longer
 * than 255 bytes: RFC 1035 §2.3.4, §3.3). */
static size_t rdata_name_len(const uint8_t *rd, size_t max)
{
	size_t n = 0;

	for (;;) {
		if (n >= max || (rd[n] & 0xc0))
			return 0;
		if (rd[n] == 0)
			return n + 1;
		n += rd[n] + 1u;
		if (n > WIRE_NAME_MAX - 1)
			return 0;
	}
}

/* The types whose rdata holds names that the server reads (CNAME chains,
 * additional-section targets, the SOA) or compresses (RFC 3597 §4): their
 * rdata must be exactly those names and fields (RFC 1035 §3.3, RFC 2782),
 * also when written in the generic `\# len hex` form (RFC 3597 §5).
 * Returns the type's name when rd is malformed, NULL when it is fine. */
static const char *rdata_malformed(uint16_t type, const uint8_t *rd, size_t rdlen)
{
	size_t pre = 0, names = 1, post = 0, off, l;
	const char *name;

	switch (type) {
	case LDNS_RR_TYPE_NS: name = "NS"; break;
	case LDNS_RR_TYPE_CNAME: name = "CNAME"; break;
	case LDNS_RR_TYPE_PTR: name = "PTR"; break;
	case LDNS_RR_TYPE_MX: name = "MX"; pre = 2; break;
	case LDNS_RR_TYPE_SRV: name = "SRV"; pre = 6; break;
	case LDNS_RR_TYPE_SOA: name = "SOA"; names = 2; post = 20; break;
	default: return NULL;
	}
	if (rdlen < pre)
		return name;
	off = pre;
	for (size_t i = 0; i < names; i++) {
		l = rdata_name_len(rd + off, rdlen - off);
		if (l == 0)
			return name;
		off += l;
	}
	return off + post == rdlen ? NULL : name;
}

/* Appends one record: owner (wire, olen bytes, any case), type, ttl and
 * rdata (wire, uncompressed). */
static cairn_err add_wire(struct zload *zl, struct zfile *zf, uint32_t line,
			  const uint8_t *own, size_t olen, uint16_t type, uint32_t ttl,
			  const uint8_t *rd, size_t rdlen)
{
	cairn_err err = CAIRN_OK;
	uint8_t owner[WIRE_NAME_MAX];

	if (olen == 0 || olen > WIRE_NAME_MAX) {
		zload_problem(zl, zl->seq, zf->idx, line, "bad owner name");
		goto done;
	}
	memcpy(owner, own, olen);
	wire_name_lower(owner);

	if (rdlen > UINT16_MAX) {
		zload_problem(zl, zl->seq, zf->idx, line, "record data longer than 65535 bytes");
		goto done;
	}
	const char *bad = rdata_malformed(type, rd, rdlen);
	if (bad) {
		zload_problem(zl, zl->seq, zf->idx, line, "malformed %s record data", bad);
		goto done;
	}
	if (zl->nrecs == zl->caprecs) {
		size_t cap = zl->caprecs ? zl->caprecs * 2 : 1024;
		struct zone_rec *r = realloc(zl->recs, cap * sizeof *r);
		if (!r) {
			err = CAIRN_ENOMEM;
			goto done;
		}
		zl->recs = r;
		zl->caprecs = cap;
	}
	struct zone_rec *r = &zl->recs[zl->nrecs];
	const struct zone_rec *last = zl->nrecs ? &zl->recs[zl->nrecs - 1] : NULL;
	memset(r, 0, sizeof *r);
	if (last && last->owner_len == olen && memcmp(last->owner, owner, olen) == 0) {
		r->owner = last->owner;      /* consecutive records share the owner */
		r->hash = last->hash;
	} else {
		r->owner = arena_dup(&zl->tmp, owner, olen);
		r->hash = wire_name_hash(owner, olen);
	}
	r->rdata = rdlen ? arena_dup(&zl->tmp, rd, rdlen) : (const uint8_t *)"";
	if (!r->owner || !r->rdata) {
		err = CAIRN_ENOMEM;
		goto done;
	}
	r->owner_len = (uint8_t)olen;
	r->rdlen = (uint16_t)rdlen;
	r->type = type;
	r->ttl = ttl;
	r->seq = zl->seq;
	r->line = line;
	r->file = zf->idx;
	zl->nrecs++;
done:
	return err;
}

/* Appends one record converted from rr (the ldns route). */
static cairn_err add_record(struct zload *zl, struct zfile *zf, uint32_t line,
			    const ldns_rr *rr)
{
	cairn_err err = CAIRN_OK;
	ldns_buffer *buf = ldns_buffer_new(256);
	const ldns_rdf *own = ldns_rr_owner(rr);

	if (!buf || ldns_rr_rdata2buffer_wire(buf, rr) != LDNS_STATUS_OK) {
		err = CAIRN_ENOMEM;
		goto done;
	}
	err = add_wire(zl, zf, line, ldns_rdf_data(own), ldns_rdf_size(own),
		       (uint16_t)ldns_rr_get_type(rr), ldns_rr_ttl(rr),
		       ldns_buffer_begin(buf), ldns_buffer_position(buf));
done:
	ldns_buffer_free(buf);
	return err;
}

/* Parses a directive's domain name argument relative to origin; NULL on a
 * bad name. */
static ldns_rdf *parse_origin(const char *text, const ldns_rdf *origin)
{
	ldns_rdf *d = ldns_dname_new_frm_str(text);
	if (!d)
		return NULL;
	if (!ldns_dname_str_absolute(text) && origin) {
		if (ldns_dname_cat(d, origin) != LDNS_STATUS_OK) {
			ldns_rdf_deep_free(d);
			return NULL;
		}
	}
	/* ldns_dname_cat does not check RFC 1035 §2.3.4: every name made
	 * relative to an over-long origin would be over-long too */
	if (ldns_rdf_size(d) > WIRE_NAME_MAX) {
		ldns_rdf_deep_free(d);
		return NULL;
	}
	return d;
}

/* Splits a directive line into at most 4 whitespace separated words (a word
 * may be double-quoted); returns the number found. Modifies s. */
static int split_words(char *s, char *w[4])
{
	int n = 0;
	while (*s && n < 4) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		if (*s == '"') {
			w[n++] = ++s;
			while (*s && *s != '"')
				s++;
		} else {
			w[n++] = s;
			while (*s && !isspace((unsigned char)*s))
				s++;
		}
		if (*s)
			*s++ = '\0';
	}
	while (isspace((unsigned char)*s))
		s++;
	return *s ? n + 1 : n;
}

/* The path of an $INCLUDE: relative to the including file's directory. */
static char *include_path(const char *from, const char *name)
{
	const char *slash = strrchr(from, '/');
	if (name[0] == '/' || !slash)
		return strdup(name);
	size_t dl = (size_t)(slash - from) + 1;
	char *p = malloc(dl + strlen(name) + 1);
	if (p) {
		memcpy(p, from, dl);
		strcpy(p + dl, name);
	}
	return p;
}

static cairn_err directive(struct zload *zl, struct zfile *zf, uint32_t line, char *text)
{
	char *w[4];
	int n = split_words(text, w);

	if (strcasecmp(w[0], "$ORIGIN") == 0) {
		ldns_rdf *o = n == 2 ? parse_origin(w[1], zf->origin) : NULL;
		if (!o) {
			zload_problem(zl, zl->seq, zf->idx, line, "$ORIGIN needs one valid domain name");
			return CAIRN_OK;
		}
		ldns_rdf_deep_free(zf->origin);
		zf->origin = o;
	} else if (strcasecmp(w[0], "$TTL") == 0) {
		const char *why = NULL;
		uint32_t ttl = 0;
		if (n != 2) {
			zload_problem(zl, zl->seq, zf->idx, line, "$TTL needs one valid TTL");
			return CAIRN_OK;
		}
		if (!zlint_ttl(w[1], &ttl, &why)) {
			zload_problem(zl, zl->seq, zf->idx, line, "$TTL: bad TTL '%s': %s", w[1], why);
			return CAIRN_OK;
		}
		zf->default_ttl = ttl;
		zf->have_ttl = true;
	} else if (strcasecmp(w[0], "$INCLUDE") == 0) {
		if (n < 2 || n > 3) {
			zload_problem(zl, zl->seq, zf->idx, line, "$INCLUDE needs a file name and an optional origin");
			return CAIRN_OK;
		}
		ldns_rdf *o = NULL;
		if (n == 3 && !(o = parse_origin(w[2], zf->origin))) {
			zload_problem(zl, zl->seq, zf->idx, line, "$INCLUDE origin is not a valid domain name");
			return CAIRN_OK;
		}
		char *path = include_path(zf->path, w[1]);
		cairn_err err = path ? read_file(zl, path, w[1], o ? o : zf->origin, zf,
						 zf->idx, line) : CAIRN_ENOMEM;
		free(path);
		ldns_rdf_deep_free(o);
		/* RFC 1035 §5.1: the origin reverts after an $INCLUDE; a file
		 * that cannot be read was reported already. */
		return err == CAIRN_EIO ? CAIRN_OK : err;
	} else {
		zload_problem(zl, zl->seq, zf->idx, line, "unknown directive %s", w[0]);
	}
	return CAIRN_OK;
}

/* The fast route for entry text (fast.c); true when it took the entry,
 * with *err set. */
static bool fast_entry(struct zload *zl, struct zfile *zf, uint32_t line, const char *text,
		       cairn_err *err)
{
	struct zfast_in in = {
		.origin = ldns_rdf_data(zf->origin), .origin_len = ldns_rdf_size(zf->origin),
		.prev = zf->prevw, .prev_len = zf->prevw_len, .default_ttl = zf->default_ttl };
	struct zfast_rr rr;

	if (!zfast_entry(text, &in, &rr))
		return false;
	zl->nfast++;
	if (rr.owner_len != zf->prevw_len || memcmp(rr.owner, zf->prevw, rr.owner_len) != 0) {
		memcpy(zf->prevw, rr.owner, rr.owner_len);
		zf->prevw_len = rr.owner_len;
		zf->prev_stale = true;
	}
	/* RFC 1035 §5.1: without $TTL an omitted TTL is the last one given. */
	if (!zf->have_ttl)
		zf->default_ttl = rr.ttl;
	*err = add_wire(zl, zf, line, rr.owner, rr.owner_len, rr.type, rr.ttl, rr.rdata,
			rr.rdlen);
	return true;
}

/* One complete entry (parentheses joined, comments removed). */
static cairn_err entry(struct zload *zl, struct zfile *zf, uint32_t line, char *text)
{
	const char *p = text;
	ldns_rr *rr = NULL;
	cairn_err err = CAIRN_OK;

	while (isspace((unsigned char)*p))
		p++;
	if (!*p)
		return CAIRN_OK;
	zl->seq++;
	if (*text == '$')
		return directive(zl, zf, line, text);
	if (!zl->ldns_only && fast_entry(zl, zf, line, text, &err))
		return err;
	/* the previous owner as the fast route left it */
	if (zf->prev_stale) {
		ldns_rdf_deep_free(zf->prev);
		zf->prev = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, zf->prevw_len, zf->prevw);
		if (!zf->prev)
			return CAIRN_ENOMEM;
		zf->prev_stale = false;
	}

	/* ldns reads "1hx" as 1h and wraps TTLs past 2^32: checked first */
	if (!zlint_entry_ttl(zl, zf->idx, line, text))
		return CAIRN_OK;
	char *reordered = zlint_ttl_first(text);
	ldns_status st = ldns_rr_new_frm_str(&rr, reordered ? reordered : text, zf->default_ttl,
					     zf->origin, &zf->prev);
	free(reordered);
	zf->prevw_len = 0;
	if (zf->prev && ldns_rdf_size(zf->prev) <= WIRE_NAME_MAX) {
		zf->prevw_len = ldns_rdf_size(zf->prev);
		memcpy(zf->prevw, ldns_rdf_data(zf->prev), zf->prevw_len);
	}
	if (st != LDNS_STATUS_OK) {
		char reason[600];
		const char *why = ldns_get_errorstr_by_id(st);
		if (zlint_rdata_reason(text, reason, sizeof reason))
			why = reason;
		else if (!why)
			why = "cannot parse the record";
		else if (strncasecmp(why, "Syntax error, ", 14) == 0)
			why += 14;
		zload_problem(zl, zl->seq, zf->idx, line, "syntax error: %s", why);
		goto done;
	}
	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
		char *c = ldns_rr_class2str(ldns_rr_get_class(rr));
		zload_problem(zl, zl->seq, zf->idx, line, "class %s is not supported (only IN)",
			      c ? c : "?");
		free(c);
		goto done;
	}
	/* RFC 1035 §5.1: without $TTL an omitted TTL is the last one given. */
	if (!zf->have_ttl)
		zf->default_ttl = ldns_rr_ttl(rr);
	err = add_record(zl, zf, line, rr);
done:
	ldns_rr_free(rr);
	return err;
}

struct splitter {
	char *buf;
	size_t len, cap;
	int paren;
	uint32_t start;           /* line the pending entry began on */
};

/* Appends n bytes at p to the pending entry. */
static bool sp_putn(struct splitter *s, const char *p, size_t n)
{
	if (s->len + n + 1 >= s->cap) {
		size_t cap = s->cap ? s->cap : 256;
		while (s->len + n + 1 >= cap)
			cap *= 2;
		char *b = realloc(s->buf, cap);
		if (!b)
			return false;
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return true;
}

static bool sp_put(struct splitter *s, char c)
{
	return sp_putn(s, &c, 1);
}

/* Feeds one physical line; returns false on out of memory. Sets *done
 * when an entry is complete in s->buf. */
static bool sp_line(struct zload *zl, struct zfile *zf, struct splitter *s,
		    const char *l, uint32_t lineno, bool *done)
{
	bool quoted = false;

	*done = false;
	if (s->len == 0 && s->paren == 0)
		s->start = lineno;
	for (const char *p = l; *p && *p != '\n' && *p != '\r'; p++) {
		/* a run of bytes that mean nothing to the splitter at once */
		size_t run = strcspn(p, "\\\";()\r\n");
		if (run) {
			if (!sp_putn(s, p, run))
				return false;
			p += run;
			if (!*p || *p == '\n' || *p == '\r')
				break;
		}
		char c = *p;
		if (c == '\\' && p[1] && p[1] != '\n') {
			if (!sp_put(s, c) || !sp_put(s, p[1]))
				return false;
			p++;
			continue;
		}
		if (quoted) {
			if (c == '"')
				quoted = false;
		} else if (c == '"') {
			quoted = true;
		} else if (c == ';') {
			break;
		} else if (c == '(') {
			s->paren++;
			c = ' ';
		} else if (c == ')') {
			if (s->paren == 0) {
				zload_problem(zl, zl->seq + 1, zf->idx, lineno,
					      "syntax error: ')' without '('");
				s->len = 0;
				return true;
			}
			s->paren--;
			c = ' ';
		}
		if (!sp_put(s, c))
			return false;
	}
	if (quoted) {
		zload_problem(zl, zl->seq + 1, zf->idx, lineno, "syntax error: unterminated quoted string");
		s->len = 0;
		s->paren = 0;
		return true;
	}
	if (s->paren > 0)
		return sp_put(s, ' ');
	*done = s->len > 0;
	return true;
}

/* Reads path (shown in messages as shown) with origin; up is the including
 * file, from_file/from_line where the $INCLUDE stood. */
static cairn_err read_file(struct zload *zl, const char *path, const char *shown,
			   const ldns_rdf *origin, struct zfile *up, uint16_t from_file,
			   uint32_t from_line)
{
	cairn_err err = CAIRN_OK;
	struct zfile zf = { .path = path, .up = up, .depth = up ? up->depth + 1 : 0 };
	struct splitter sp = { 0 };
	char *line = NULL;
	size_t linecap = 0;
	uint32_t lineno = 0;
	FILE *fp = NULL;
	struct stat st;

	if (zf.depth > ZONE_INCLUDE_DEPTH) {
		zload_problem(zl, zl->seq, from_file, from_line,
			      "$INCLUDE nested deeper than %d files", ZONE_INCLUDE_DEPTH);
		return CAIRN_EIO;
	}
	fp = fopen(path, "r");
	if (!fp) {
		zload_problem(zl, zl->seq, up ? from_file : UINT16_MAX, from_line,
			      "cannot open %s: %s", shown, strerror(errno));
		return CAIRN_EIO;
	}
	/* Only regular files: a device (/dev/zero) or FIFO would never end,
	 * a directory reads as an error. */
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
		zload_problem(zl, zl->seq, up ? from_file : UINT16_MAX, from_line,
			      "cannot read %s: not a regular file", shown);
		err = CAIRN_EIO;
		goto done;
	}
	zf.real = realpath(path, NULL);
	for (struct zfile *u = up; u && zf.real; u = u->up) {
		if (u->real && strcmp(u->real, zf.real) == 0) {
			zload_problem(zl, zl->seq, from_file, from_line,
				      "$INCLUDE loop: %s is already being read", shown);
			err = CAIRN_EIO;
			goto done;
		}
	}
	zf.idx = add_file(zl, path);
	zf.origin = ldns_rdf_clone(origin);
	if (zf.idx == UINT16_MAX || !zf.origin) {
		err = CAIRN_ENOMEM;
		goto done;
	}
	if (up) {
		zf.default_ttl = up->default_ttl;
		zf.have_ttl = up->have_ttl;
	} else {
		zf.default_ttl = 3600;
	}

	while (getline(&line, &linecap, fp) >= 0) {
		bool complete;
		const char *l = line;
		lineno++;
		/* a UTF-8 byte order mark some editors write is not data */
		if (lineno == 1 && strncmp(l, "\xEF\xBB\xBF", 3) == 0)
			l += 3;
		if (!sp_line(zl, &zf, &sp, l, lineno, &complete)) {
			err = CAIRN_ENOMEM;
			goto done;
		}
		if (!complete)
			continue;
		err = entry(zl, &zf, sp.start, sp.buf);
		sp.len = 0;
		if (err != CAIRN_OK)
			goto done;
	}
	/* A read error (a directory, an I/O error, a line too long for
	 * memory) is not the end of the file: the zone would be cut short. */
	if (ferror(fp) || !feof(fp)) {
		zload_problem(zl, zl->seq + 1, zf.idx, lineno + 1, "cannot read %s: %s", shown,
			      strerror(errno ? errno : EIO));
		err = CAIRN_EIO;
		goto done;
	}
	if (sp.paren > 0)
		zload_problem(zl, zl->seq + 1, zf.idx, sp.start, "syntax error: '(' without ')'");
	/* The origin, owner and $TTL of the including file are its own and
	 * stay as they were (RFC 1035 §5.1). */
done:
	if (fp)
		fclose(fp);
	free(line);
	free(sp.buf);
	free(zf.real);
	ldns_rdf_deep_free(zf.origin);
	ldns_rdf_deep_free(zf.prev);
	return err;
}

cairn_err zload_read(struct zload *zl, const char *file)
{
	char text[WIRE_NAME_MAX * 4 + 1];
	ldns_rdf *origin = NULL;
	cairn_err err;

	/* ldns_rr_new_frm_str() mallocs and frees ~200 KB of scratch buffers
	 * per record. With glibc's default 128 KB trim threshold that memory
	 * goes back to the kernel and comes again three brk() calls a record:
	 * 10 s of system time for a million records instead of 0.1 s. Keep
	 * up to 16 MB of free heap instead (process-wide, harmless). */
	mallopt(M_TRIM_THRESHOLD, 16 << 20);

	if (wire_name_to_text(zl->origin, text, sizeof text) != CAIRN_OK)
		return CAIRN_EINVAL;
	origin = ldns_dname_new_frm_str(text);
	if (!origin)
		return CAIRN_ENOMEM;
	err = read_file(zl, file, file, origin, NULL, UINT16_MAX, 0);
	ldns_rdf_deep_free(origin);
	return err;
}
