/* dispatch: turns one received query into the response to send: parse
 * (wire), answer from our zones (zone), or an error rcode. Nothing here
 * allocates; the response is written into the caller's buffer. */
#include "server_int.h"
#include "cairn/cache.h"
#include "cairn/xfr.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One line per query (log-queries: yes): client, name, type, rcode, where
 * the answer came from (the zone's name for zone answers) and the time
 * taken. qname NULL: the query had no usable question. */
static void log_line(const struct worker *w, const struct sockaddr *addr, bool tcp,
		     const uint8_t *qname, uint16_t qtype, unsigned rcode,
		     enum stats_source source, uint64_t ms)
{
	char client[INET6_ADDRSTRLEN + 8], name[1024], zone[1024], tb[16], rb[16];
	struct cairn_sockaddr sa = { .len = sizeof(struct sockaddr_in6) };
	const char *rc;
	const struct zone *z = NULL;

	if (addr->sa_family == AF_INET)
		sa.len = sizeof(struct sockaddr_in);
	memcpy(&sa.ss, addr, sa.len);
	cairn_sockaddr_format(&sa, client, sizeof(client));
	rc = source == STATS_SRC_DROPPED ? "dropped" : stats_rcode_name(rcode, rb, sizeof(rb));
	if (!qname || wire_name_to_text(qname, name, sizeof(name)) != CAIRN_OK) {
		log_info("query %s%s: no question: %s source %s, %llu ms", client,
			 tcp ? " tcp" : "", rc, stats_source_name(source), (unsigned long long)ms);
		return;
	}
	zone[0] = '\0';
	if (source == STATS_SRC_ZONE && w->zones)
		z = zone_set_find(w->zones, qname);
	if (z && wire_name_to_text(zone_origin(z), zone + 1, sizeof(zone) - 1) == CAIRN_OK)
		zone[0] = ' ';
	log_info("query %s%s: %s %s: %s source %s%s, %llu ms", client, tcp ? " tcp" : "", name,
		 stats_type_name(qtype, tb, sizeof(tb)), rc, stats_source_name(source), zone,
		 (unsigned long long)ms);
}

static enum stats_source stats_source_of(enum resolve_source src)
{
	switch (src) {
	case RESOLVE_SRC_CACHE:
		return STATS_SRC_CACHE;
	case RESOLVE_SRC_LOCAL:
		return STATS_SRC_LOCAL;
	case RESOLVE_SRC_RESOLVED:
		break;
	}
	return STATS_SRC_RESOLVED;
}

/* Counts (and logs) a late answer of the resolver: the question is read
 * back from the response. resp NULL: none was sent. start_ms: when the
 * query arrived. */
static void late_answered(struct worker *w, const struct sockaddr *client, bool tcp,
			  const uint8_t *resp, size_t len, uint64_t start_ms,
			  enum resolve_source rsrc)
{
	uint8_t qname[WIRE_NAME_MAX];
	size_t pos = WIRE_HDR_LEN, qlen;
	bool have_q = false;
	uint16_t qtype = 0;
	uint64_t ms = cairn_now_ms() - start_ms;
	enum stats_source source = STATS_SRC_DROPPED;

	if (!resp || len < WIRE_HDR_LEN) {
		stats_count_answer(&w->stats, 0, STATS_SRC_DROPPED);
	} else {
		source = stats_source_of(rsrc);
		stats_count_answer(&w->stats, resp[3] & 0x0f, source);
		if (source == STATS_SRC_RESOLVED)
			stats_count_resolution(&w->stats, ms);
	}
	if (!w->srv->set.log_queries)
		return;
	if (resp && len >= WIRE_HDR_LEN && wire_get16(resp + 4) == 1 &&
	    wire_name_unpack(resp, len, &pos, qname, &qlen, true) == CAIRN_OK && pos + 4 <= len) {
		have_q = true;
		qtype = wire_get16(resp + pos);
	}
	log_line(w, client, tcp, have_q ? qname : NULL, qtype, resp ? resp[3] & 0x0f : 0,
		 source, ms);
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

/* ---- recursion (the resolver answers later) ---- */

/* The resolver's done function for every late query: statistics and the
 * log line, then the transport delivers (and frees l). Runs from the
 * resolver's run loop only (resolver_tick), never inside dispatch. */
static void late_done(void *ctx, const uint8_t *resp, size_t len, enum resolve_source src)
{
	struct dispatch_late *l = ctx;

	late_answered(l->w, (const struct sockaddr *)&l->client.ss, l->tcp, resp, len,
		      l->start_ms, src);
	l->deliver(l, resp, len);
}

static bool recursion_allowed(const struct worker *w, const struct sockaddr *sa)
{
	for (size_t i = 0; i < w->srv->n_allow; i++)
		if (cairn_prefix_match(&w->srv->allow[i], sa))
			return true;
	return false;
}

/* Hands q to the resolver; returns the late context (the caller's) when
 * the answer comes later, NULL when out of memory. */
static struct dispatch_late *resolve_late(struct worker *w, const struct dispatch_src *src,
					  const struct wire_query *q, size_t limit)
{
	struct dispatch_late *l;
	socklen_t alen = src->addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							   : sizeof(struct sockaddr_in);

	assert(src->late_size >= sizeof(*l) && src->deliver);
	l = calloc(1, src->late_size);
	if (!l)
		return NULL;
	l->w = w;
	l->deliver = src->deliver;
	l->tcp = src->tcp;
	l->start_ms = cairn_now_ms();
	memcpy(&l->client.ss, src->addr, alen);
	l->client.len = alen;
	/* done never runs before this returns (resolver.h) */
	if (resolver_query(w->resolver, q, limit, late_done, l) != CAIRN_OK) {
		free(l);
		return NULL;
	}
	return l;
}

/* ---- abuse defences: cookies and response rate limiting ---- */

/* RFC 7873 §5.2: checks q's COOKIE option (answer-cookie: yes), which
 * sets the cookie every response carries, and counts it. */
static enum cookie_verdict check_cookie(struct worker *w, struct wire_query *q,
					const struct sockaddr *client)
{
	enum cookie_verdict v;

	if (!w->srv->set.answer_cookie || q->cookie_len == 0)
		return COOKIE_NONE;
	v = cookie_check_memo(&w->srv->cookies, &w->cookie_memo, q, client, (uint32_t)time(NULL));
	stats_inc(v == COOKIE_VALID ? &w->stats.cookies_valid :
		  v == COOKIE_INVALID ? &w->stats.cookies_invalid : &w->stats.cookies_client_only);
	return v;
}

/* NSD's classification of an authoritative response resp (len bytes) to
 * q: the kind and the name its RRL bucket is keyed on (*name: q's, the
 * zone's, the delegation's in buf or the wildcard; NULL: none). wild:
 * the wildcard a zone answer came from, or NULL. */
static enum rrl_kind rrl_classify(const struct worker *w, const struct wire_query *q,
				  const uint8_t *resp, size_t len, const uint8_t *wild,
				  const uint8_t **name, uint8_t *buf)
{
	unsigned rcode = resp[3] & 0x0f;
	uint16_t an = wire_get16(resp + 6), ns = wire_get16(resp + 8);
	size_t pos = WIRE_HDR_LEN + (wire_get16(resp + 4) ? q->question_len : 0), nlen;
	enum rrl_kind kind = RRL_NODATA;
	const struct zone *z;

	*name = q->qname;
	if (rcode == WIRE_RCODE_NXDOMAIN)
		kind = RRL_NXDOMAIN;
	else if (rcode != WIRE_RCODE_NOERROR || !q->has_question)
		kind = RRL_ERROR;
	else if (!(resp[2] & (WIRE_FLAG_AA >> 8)) && an == 0 && ns > 0 &&
		 wire_name_unpack(resp, len, &pos, buf, &nlen, true) == CAIRN_OK) {
		/* a referral (AA clear, NS in authority): keyed on the cut */
		*name = buf;
		return RRL_REFERRAL;
	} else if (q->qtype == WIRE_TYPE_ANY) {
		return RRL_ANY;
	} else if (wild) {
		*name = wild;
		return RRL_WILDCARD;
	} else if (an > 0) {
		return RRL_POSITIVE;
	}
	/* NXDOMAIN, NODATA and errors: keyed on the zone (none: no name) */
	z = w->zones && q->has_question ? zone_set_find(w->zones, q->qname) : NULL;
	*name = z ? zone_origin(z) : NULL;
	return kind;
}

/* Response rate limiting of an authoritative UDP response in out (*len
 * bytes, limit usable, its rcode extended rcode included): passes it,
 * drops it (*len = 0) or rewrites it empty with TC=1 (the client retries
 * over TCP). */
static void rate_limit(struct worker *w, const struct dispatch_in *in,
		       const struct sockaddr *client, uint8_t *out, size_t *len,
		       size_t limit, unsigned rcode, const uint8_t *wild)
{
	const struct wire_query *q = &in->q;
	uint8_t buf[WIRE_NAME_MAX];
	const uint8_t *name;
	struct wire_writer wr;
	enum rrl_kind kind = rrl_classify(w, q, out, *len, wild, &name, buf);
	struct timespec now;
	enum rrl_action a;
	/* dispatch_prefetch's key, made for the likeliest kind */
	uint64_t key = in->rrl_keyed && kind == RRL_POSITIVE && name == q->qname ?
		       in->rrl_key : rrl_key(w->srv->rrl, client, kind, name, q->qtype);

	/* whole seconds only: the coarse clock is the cheap one */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	a = rrl_account_key(w->srv->rrl, client, key, (uint32_t)now.tv_sec);

	if (a == RRL_DROP) {
		stats_inc(&w->stats.rrl_dropped);
		*len = 0;
	} else if (a == RRL_SLIP) {
		stats_inc(&w->stats.rrl_slipped);
		wire_writer_begin(&wr, out, limit, q, wire_get16(out + 2) & WIRE_FLAG_AA,
				  rcode, w->srv->set.edns_size);
		wr.tc = true;
		*len = wire_writer_finish(&wr);
	}
}

_Static_assert(UDP_BATCH <= ZONE_PREFETCH_MAX && UDP_BATCH <= CACHE_PREFETCH_MAX,
	       "a batch is prefetched whole");

CAIRN_HOT void dispatch_prefetch(const struct worker *w, struct dispatch_in *in,
		       const struct sockaddr_storage *clients, unsigned n)
{
	const uint8_t *names[UDP_BATCH];
	uint32_t hashes[UDP_BATCH];   /* the parser's, for both */
	uint16_t types[UDP_BATCH];
	/* rate limiting counts our zones' answers: no key for a resolver
	 * without zones of its own */
	struct rrl *rrl = w->zones && zone_set_count(w->zones) ? w->srv->rrl : NULL;
	unsigned left = 0;   /* names to look up */

	if (n > UDP_BATCH)
		n = UDP_BATCH;
	for (unsigned i = 0; i < n; i++) {
		const struct wire_query *q = &in[i].q;

		/* (udp_round started loading their answer cache index lines) */
		names[i] = in[i].verdict == WIRE_OK ? q->qname : NULL;
		hashes[i] = q->qname_hash;
		types[i] = q->qtype;
		left += names[i] != NULL;
		/* the rate limiting bucket of a positive answer, the usual
		 * one, for rate_limit to count in; not for a query with a
		 * server cookie, which a valid one exempts (rate_limit makes
		 * the key itself if it was not) */
		in[i].rrl_keyed = names[i] && rrl && q->cookie_len <= WIRE_COOKIE_CLIENT_LEN;
		if (in[i].rrl_keyed) {
			in[i].rrl_key = rrl_key(rrl, (const struct sockaddr *)&clients[i],
						RRL_POSITIVE, q->qname, q->qtype);
			rrl_prefetch(rrl, in[i].rrl_key);
		}
	}
	/* what the answer cache likely holds needs nothing else */
	if (w->acache)
		for (unsigned i = 0; i < n; i++)
			if (names[i] && acache_likely(w->acache, hashes[i], types[i])) {
				names[i] = NULL;
				left--;
			}
	if (left == 0)
		return;
	if (w->zones)
		zone_set_prefetch(w->zones, names, hashes, n);
	if (w->resolver && w->srv->set.recursion)
		resolver_prefetch(w->resolver, names, hashes, types, n);
}

size_t dispatch_query(struct worker *w, const uint8_t *pkt, size_t len,
		      const struct dispatch_src *src, uint8_t *out, size_t cap,
		      struct dispatch_next *next)
{
	struct dispatch_in in;

	in.verdict = wire_query_parse(pkt, len, &in.q);
	in.rrl_keyed = false;
	return dispatch_answer(w, &in, src, out, cap, next);
}

CAIRN_HOT size_t dispatch_answer(struct worker *w, struct dispatch_in *in,
		       const struct dispatch_src *src, uint8_t *out, size_t cap,
		       struct dispatch_next *next)
{
	const struct server_settings *set = &w->srv->set;
	struct wire_query *q = &in->q;
	struct wire_writer wr;
	size_t limit, resp_len = 0;
	unsigned rcode = WIRE_RCODE_NOERROR;
	enum stats_source source = STATS_SRC_LOCAL;
	uint64_t start_ms = set->log_queries ? cairn_now_ms() : 0;
	enum resolve_source rsrc;
	bool may_recurse, xfr_path = false;
	bool auth = false;              /* an authoritative answer: RRL applies */
	const uint8_t *wild = NULL;     /* its wildcard, if any */
	enum cookie_verdict cookie;
	bool cacheable;                 /* the answer cache may give or keep it */
	struct acache_key ak;
	struct acache_state ast;
	struct acache_hit hit;

	next->late = NULL;
	next->xfr = NULL;
	stats_count_query(&w->stats, src->tcp ? STATS_TCP : STATS_UDP,
			  q->has_question ? q->qtype : 0);
	switch (in->verdict) {
	case WIRE_DROP:
		/* too short to answer, or a response (QR=1): RFC 1035 §4.1.1 */
		stats_count_answer(&w->stats, 0, STATS_SRC_DROPPED);
		return 0;
	case WIRE_FORMERR:
		rcode = WIRE_RCODE_FORMERR;
		break;
	case WIRE_NOTIMP:
		if (q->opcode == WIRE_OPCODE_NOTIFY && q->has_question)
			break; /* RFC 1996: answered by dispatch_xfr */
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
	limit = src->tcp ? TCP_MSG_MAX : wire_query_udp_limit(q, set->edns_size);
	if (limit > cap)
		limit = cap;
	cookie = check_cookie(w, q, src->addr);

	may_recurse = set->recursion && w->resolver && recursion_allowed(w, src->addr);
	/* the answer cache (acache.h): UDP answers from our zones and the
	 * resolver's cache, unsigned (a TSIG MAC is made for each) */
	cacheable = w->acache && !src->tcp && in->verdict == WIRE_OK &&
		    !xfr_query_signed(q);
	if (cacheable) {
		ak.q = q;
		ak.limit = (uint16_t)limit;
		ak.recurse = may_recurse;
		ast.zones_gen = atomic_load_explicit(&w->active_gen, memory_order_relaxed);
		ast.cache_gen = w->srv->cache ? cache_generation(w->srv->cache) : 0;
		ast.now = w->now_s;
	}
	if (rcode != WIRE_RCODE_NOERROR) {
		resp_len = error_response(w, q, rcode, out, limit, 0xffff, NULL);
		auth = true;
	} else if (set->cookie_required && !src->tcp &&
		   (cookie == COOKIE_CLIENT_ONLY || cookie == COOKIE_INVALID)) {
		/* RFC 7873 §5.2.3-5.2.4: over UDP, no answer without a valid
		 * server cookie, only a fresh one; TCP is answered (§5.2.3) */
		rcode = WIRE_RCODE_BADCOOKIE;
		resp_len = error_response(w, q, rcode, out, limit, 0xffff, NULL);
		stats_inc(&w->stats.badcookie);
		auth = true;   /* rate limited as an error: spoofed sources get it too */
	} else if (q->qtype == WIRE_TYPE_AXFR || q->qtype == WIRE_TYPE_IXFR ||
		   q->opcode == WIRE_OPCODE_NOTIFY) {
		/* zone transfers (RFC 5936, 1995) and NOTIFY (RFC 1996). No
		 * COOKIE: OPT goes in the first message of a transfer only
		 * (RFC 5936 §2.2.5) and dig then wants one in every message;
		 * a transfer runs over TCP, which proves the address anyway. */
		q->resp_cookie_len = 0;
		resp_len = dispatch_xfr(w, q, src, out, limit, &rcode, &source, &next->xfr);
		xfr_path = true;
	} else if (w->zones && xfr_zone_unavailable(w->zones, q->qname)) {
		/* a secondary zone past its expiry, or never transferred */
		rcode = WIRE_RCODE_SERVFAIL;
		resp_len = error_response(w, q, rcode, out, limit, 0xffff, NULL);
		source = STATS_SRC_ZONE;
		auth = true;
	} else if (cacheable && (resp_len = acache_get(w->acache, &ak, &ast, out, limit, &hit))) {
		/* built before for the same question (RA, rate limiting and
		 * statistics below, as for a new one) */
		stats_inc(&w->stats.answer_cache_hits);
		rcode = out[3] & 0x0f;
		if (hit.kind == ACACHE_ZONE) {
			source = STATS_SRC_ZONE;
			auth = true;
			wild = hit.wild;
		} else {
			source = STATS_SRC_CACHE;
		}
	} else if (w->zones && zone_set_answer(w->zones, q, out,
					       xfr_query_signed(q) ? xfr_signed_limit(q, limit) : limit,
					       set->edns_size, &wr)) {
		resp_len = wire_writer_finish(&wr);
		if (cacheable)
			acache_put(w->acache, &ak, &ast, ACACHE_ZONE, out, resp_len, wr.wildcard);
		if (may_recurse)  /* RA: see below; before the MAC is computed */
			out[3] |= (uint8_t)WIRE_FLAG_RA;
		if (xfr_query_signed(q)) /* TSIG (RFC 8945 §5.3), e.g. a secondary's SOA query */
			resp_len = xfr_sign_answer(w->zones, q, src->addr, out, resp_len, limit,
						   set->edns_size);
		rcode = out[3] & 0x0f;
		source = STATS_SRC_ZONE;
		auth = true;
		wild = wr.wildcard;
	} else if (may_recurse) {
		if (resolver_answer_cached(w->resolver, q, out, limit, &resp_len, &rsrc)) {
			/* the cache-hit path (or a local zone, or RD=0):
			 * answered now, nothing allocated */
			rcode = out[3] & 0x0f;
			source = stats_source_of(rsrc);
			if (cacheable && rsrc == RESOLVE_SRC_CACHE &&
			    (rcode == WIRE_RCODE_NOERROR || rcode == WIRE_RCODE_NXDOMAIN))
				acache_put(w->acache, &ak, &ast, ACACHE_CACHE, out, resp_len, NULL);
		} else if ((next->late = resolve_late(w, src, q, limit))) {
			return 0;   /* answered later: the caller says where */
		} else {
			rcode = WIRE_RCODE_SERVFAIL;
			resp_len = error_response(w, q, rcode, out, limit, 0xffff, NULL);
		}
	} else {
		/* Not authoritative and no resolver here (or the client may not
		 * recurse): RFC 1034 §4.3.2 step 3, RFC 5358 — REFUSED, RA clear. */
		rcode = WIRE_RCODE_REFUSED;
		resp_len = error_response(w, q, rcode, out, limit, 0xffff, NULL);
		auth = true;
	}
	/* Response rate limiting (as NSD/BIND RRL): authoritative answers and
	 * our error answers over UDP only; resolver answers are not limited.
	 * Exempt: TCP, a valid server cookie (the source address is proven,
	 * RFC 7873 §5.2.5), TSIG-signed queries (a secondary's SOA check). */
	if (auth && w->srv->rrl && !src->tcp && resp_len >= WIRE_HDR_LEN &&
	    cookie != COOKIE_VALID && !xfr_query_signed(q))
		rate_limit(w, in, src->addr, out, &resp_len, limit, rcode, wild);
	/* RFC 1035 §4.1.1: RA says whether recursive service is available to
	 * this client, whatever answered this query (our own zones too), so
	 * that stub resolvers and dig do not warn "recursion requested but
	 * not available"; authoritative-only servers and clients outside
	 * allow-recursion see RA=0 (RFC 5358). Transfers, NOTIFY and signed
	 * answers are left as they are (a TSIG MAC covers the flags: those
	 * signed here got RA before signing). */
	if (may_recurse && resp_len >= WIRE_HDR_LEN && !xfr_path && !xfr_query_signed(q))
		out[3] |= (uint8_t)WIRE_FLAG_RA;
	if (resp_len == 0 && !next->xfr)
		source = STATS_SRC_DROPPED;
	stats_count_answer(&w->stats, rcode, source);
	if (set->log_queries)
		log_line(w, src->addr, src->tcp, q->has_question ? q->qname : NULL, q->qtype, rcode,
			 source, cairn_now_ms() - start_ms);
	return resp_len;
}
