/* explain: one resolution run on behalf of `cairn-control explain`, whose
 * event log (doc/ARCHITECTURE.md, "The event log") is handed back as text
 * and JSON with the response a client would get. It is an ordinary
 * resolution of the run loop, not merged with clients' questions and
 * holding no process-wide claim; its function is called from step 4 of
 * resolver_tick, like a client's done function. */
#include "resolve_int.h"
#include "cairn/stats.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPLAIN_TEXT_MAX 16384
#define EXPLAIN_JSON_MAX 32768
#define EDE_NONE 0xffff         /* rq.ede: no EDE */

cairn_err resolver_explain(struct resolver *r, const uint8_t *name, uint16_t qtype,
			   bool nocache, resolver_explain_fn fn, void *ctx)
{
	size_t len = wire_name_len(name);
	struct rq *q;

	if (len == 0 || len > WIRE_NAME_MAX || qtype == 0 || qtype == WIRE_TYPE_AXFR ||
	    qtype == WIRE_TYPE_IXFR)
		return CAIRN_EINVAL;
	q = rq_new(r, name, qtype, WIRE_CLASS_IN);
	if (!q)
		return CAIRN_ENOMEM;
	q->no_cache = nocache ? RQ_NOCACHE_ALL : RQ_NOCACHE_NONE;
	q->explain_fn = fn;
	q->explain_ctx = ctx;
	rq_ready(q);             /* advanced by the next resolver_tick */
	return CAIRN_OK;
}

void explain_mirror(const struct rq *q, const struct rq_event *e)
{
	unsigned depth = 1;

	if (!e) {
		/* rq_log_reply completed q's newest event: complete its copy */
		const struct rq_event *last = &q->log.ev[(q->log.n - 1) % RQ_LOG_MAX];

		for (struct rq *p = q->parent; p; p = p->parent) {
			struct rq_event *c;

			if (!p->explain_fn || !p->log.n)
				continue;
			c = &p->log.ev[(p->log.n - 1) % RQ_LOG_MAX];
			if (c->depth && c->kind == EV_REPLY) {
				c->flags = last->flags;
				c->size = last->size;
			}
			return;
		}
		return;
	}

	for (struct rq *p = q->parent; p && depth < 8; p = p->parent, depth++) {
		struct rq_log *l = &p->log;
		struct rq_event *c;
		uint64_t now;

		if (!p->explain_fn)
			continue;
		/* the explain resolution's own clock and names */
		c = &l->ev[l->n % RQ_LOG_MAX];
		*c = *e;
		now = rnow_ms(p->r);
		c->t_ms = now - p->started > UINT32_MAX ? UINT32_MAX : (uint32_t)(now - p->started);
		c->depth = (uint8_t)depth;
		c->name = e->name != 0xffff ? rq_log_name(l, q->log.names + e->name) : 0xffff;
		l->n++;
		return;
	}
}

size_t rq_json_str(char *buf, size_t cap, size_t len, const char *s)
{
	if (len < cap)
		buf[len] = '"';
	len++;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (len + 7 >= cap)
			return cap;
		if (c == '"' || c == '\\')
			len += (size_t)snprintf(buf + len, cap - len, "\\%c", c);
		else if (c < 0x20)
			len += (size_t)snprintf(buf + len, cap - len, "\\u%04x", c);
		else
			buf[len++] = (char)c;
	}
	if (len < cap)
		buf[len] = '"';
	return len + 1;
}

/* q's events as a JSON array of objects: t_ms, event, and when known
 * server, port, name, type, rcode, rtt_ms (reply) / srtt_ms (send),
 * size, flags (reply), reason. */
static size_t log_json(const struct rq *q, char *buf, size_t cap)
{
	const struct rq_log *l = &q->log;
	unsigned first = l->n > RQ_LOG_MAX ? l->n - RQ_LOG_MAX : 0;
	size_t len = 0;

#define PUT(...) do { if (len < cap) len += (size_t)snprintf(buf + len, cap - len, __VA_ARGS__); } while (0)
	PUT("[");
	for (unsigned i = first; i < l->n && len < cap; i++) {
		const struct rq_event *e = &l->ev[i % RQ_LOG_MAX];
		char name[1024], addr[INET6_ADDRSTRLEN], t[16], fl[32];

		PUT("%s{\"t_ms\":%u,", i > first ? "," : "", e->t_ms);
		if (e->depth)   /* a sub-resolution's step (glueless NS, priming) */
			PUT("\"depth\":%u,", e->depth);
		PUT("\"event\":");
		len = rq_json_str(buf, cap, len, rq_ev_name(e->kind));
		if (e->family && inet_ntop(e->family, e->addr, addr, sizeof(addr))) {
			PUT(",\"server\":");
			len = rq_json_str(buf, cap, len, addr);
			PUT(",\"port\":%u", e->port);
		}
		if (e->name != 0xffff &&
		    wire_name_to_text(l->names + e->name, name, sizeof(name)) == CAIRN_OK) {
			PUT(",\"name\":");
			len = rq_json_str(buf, cap, len, name);
		}
		if (e->qtype) {
			PUT(",\"type\":");
			len = rq_json_str(buf, cap, len, stats_type_name(e->qtype, t, sizeof(t)));
		}
		if (e->kind == EV_REPLY || e->kind == EV_DONE || e->kind == EV_LAME ||
		    e->kind == EV_STALE || e->kind == EV_FAIL || e->kind == EV_CACHE) {
			PUT(",\"rcode\":");
			len = rq_json_str(buf, cap, len, stats_rcode_name(e->rcode, t, sizeof(t)));
		}
		if (e->kind == EV_REPLY) {
			rq_flags_text(e->flags, fl, sizeof(fl));
			PUT(",\"rtt_ms\":%u,\"size\":%u,\"flags\":", e->rtt_ms, e->size);
			len = rq_json_str(buf, cap, len, fl);
		}
		if (e->kind == EV_SEND)
			PUT(",\"srtt_ms\":%u,\"tcp\":%s", e->rtt_ms,
			    e->reason && strcmp(e->reason, "tcp") == 0 ? "true" : "false");
		if (e->reason) {
			PUT(",\"reason\":");
			len = rq_json_str(buf, cap, len, e->reason);
		}
		PUT("}");
	}
	PUT("]");
#undef PUT
	if (len >= cap)
		return 0;        /* never cut a JSON document: say nothing */
	return len;
}

void explain_finish(struct rq *q, bool ended)
{
	struct resolver *r = q->r;
	resolver_explain_fn fn = q->explain_fn;
	struct resolver_explain_result res;
	struct wire_query cq;
	uint8_t pkt[WIRE_HDR_LEN + WIRE_NAME_MAX + 4 + 11];
	size_t nlen = wire_name_len(q->qname), plen;
	char *text = NULL, *json = NULL;

	q->explain_fn = NULL;
	if (!ended) {
		fn(q->explain_ctx, NULL);
		return;
	}
	/* the query a client would send: RD=1, EDNS (so the EDE shows) */
	memset(pkt, 0, sizeof(pkt));
	wire_put16(pkt + 2, WIRE_FLAG_RD);
	wire_put16(pkt + 4, 1);
	wire_put16(pkt + 10, 1);
	memcpy(pkt + WIRE_HDR_LEN, q->qname, nlen);
	wire_put16(pkt + WIRE_HDR_LEN + nlen, q->qtype);
	wire_put16(pkt + WIRE_HDR_LEN + nlen + 2, q->qclass);
	plen = WIRE_HDR_LEN + nlen + 4;
	pkt[plen] = 0;
	wire_put16(pkt + plen + 1, WIRE_TYPE_OPT);
	wire_put16(pkt + plen + 3, r->cfg.edns_size);
	plen += 11;
	memset(&res, 0, sizeof(res));
	text = malloc(EXPLAIN_TEXT_MAX);
	json = malloc(EXPLAIN_JSON_MAX);
	if (!text || !json || wire_query_parse(pkt, plen, &cq) != WIRE_OK) {
		free(text);
		free(json);
		fn(q->explain_ctx, NULL);
		return;
	}
	rq_log_format(q, text, EXPLAIN_TEXT_MAX);
	if (!log_json(q, json, EXPLAIN_JSON_MAX))
		snprintf(json, EXPLAIN_JSON_MAX, "[]");
	res.text = text;
	res.json = json;
	res.resp = r->out;
	{
		bool bogus = q->vstate == DSEC_BOGUS;
		const char *why;
		uint16_t ede = rq_answer_ede(q, &why);

		res.len = resolver_build_answer(r, r->out, &cq, sizeof(r->out), &q->acc,
						q->rcode, ede, why, q->vstate);
		res.rcode = bogus ? WIRE_RCODE_SERVFAIL : q->rcode;
		res.ede = ede;
		res.ede_text = why;
	}
	fn(q->explain_ctx, &res);
	free(text);
	free(json);
}

/* log-servfail (cairnd.conf(5)): "servfail NAME TYPE: REASON (EDE n) after
 * T ms; events: EVENT; EVENT; ..." on one line, the events as
 * rq_log_format writes them, each without its padding. */
size_t rq_log_servfail_line(const struct rq *q, char *buf, size_t cap)
{
	char name[1024], type[16], events[3072];
	size_t len, i, o = 0;
	bool space = true;
	uint64_t took = rnow_ms(q->r) - q->started;

	if (wire_name_to_text(q->qname, name, sizeof(name)) != CAIRN_OK)
		snprintf(name, sizeof(name), "?");
	rq_log_format(q, events, sizeof(events));
	/* one line: padding collapsed, newlines become "; " */
	for (i = 0; events[i]; i++) {
		char c = events[i];

		if (c == '\n') {
			while (o && events[o - 1] == ' ')
				o--;
			if (events[i + 1]) {
				events[o++] = ';';
				events[o++] = ' ';
			}
			space = true;
			continue;
		}
		if (c == ' ' && space)
			continue;
		space = c == ' ';
		events[o++] = c;
	}
	events[o] = '\0';
	len = (size_t)snprintf(buf, cap, "servfail %s %s: %s", name,
			       stats_type_name(q->qtype, type, sizeof(type)),
			       q->ede_text ? q->ede_text : "failed");
	if (len < cap && q->ede != EDE_NONE)
		len += (size_t)snprintf(buf + len, cap - len, " (EDE %u)", q->ede);
	if (len < cap)
		len += (size_t)snprintf(buf + len, cap - len, " after %llu ms; events: %s",
					(unsigned long long)took, events);
	if (len >= cap)
		len = cap ? cap - 1 : 0;
	return len;
}
