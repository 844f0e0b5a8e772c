/* infra: cairn-control infra and flush-infra. The infra cache
 * (src/resolve/servers.c) belongs to each worker's resolver and is read
 * and changed only on that worker's thread: the control thread hands one
 * request to every worker through a one-slot mailbox and its eventfd, as
 * explain.c does for worker 0; each worker carries it out in its own loop
 * (server_infra_poll), writes its part of the reply into the request and
 * counts down. No lock is held across the threads' work: the request has
 * its own mutex and condition variable, held only to publish a part or to
 * wait, and a reference count so that whichever side finishes last frees
 * it. */
#include "server_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct infra_req {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int refs;                /* the control thread and each worker given it */
	unsigned pending;        /* workers that have not answered yet */
	bool flush, json, have_only;
	bool lookup;             /* cairn-control lookup NAME (worker 0 only) */
	bool json_lookup;        /* ... as JSON */
	bool reconf;             /* new settings and forward zones for every worker */
	struct resolver_config cfg;   /* reconf: its forwards point to fwd */
	struct resolver_forward *fwd; /* owned */
	unsigned failed;         /* reconf: workers that could not take it */
	uint8_t name[WIRE_NAME_MAX];
	struct cairn_sockaddr only;
	char **part;             /* per worker: its lines, or NULL */
	size_t removed;
	unsigned n;              /* workers */
};

static void req_put(struct infra_req *q)
{
	bool last;

	pthread_mutex_lock(&q->lock);
	last = --q->refs == 0;
	pthread_mutex_unlock(&q->lock);
	if (!last)
		return;
	for (unsigned i = 0; i < q->n; i++)
		free(q->part[i]);
	free(q->part);
	free(q->fwd);
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

struct render {
	FILE *out;
	unsigned worker;
	bool json, first;
};

/* One entry as a text line or a JSON object (cairn-control(8)). */
static void render(void *ctx, const struct resolver_infra *e)
{
	struct render *r = ctx;
	char addr[INET6_ADDRSTRLEN + 16], zone[1024] = "";
	char *hash;

	cairn_sockaddr_format(&e->sa, addr, sizeof(addr));
	hash = strrchr(addr, '#');
	if (hash)
		*hash = '@';   /* the configuration's ADDRESS@PORT form */
	if (e->lame && wire_name_to_text(e->zone, zone, sizeof(zone)) != CAIRN_OK)
		snprintf(zone, sizeof(zone), "?");
	if (r->json) {
		fprintf(r->out, "%s{\"worker\":%u,\"address\":\"%s\"", r->first ? "" : ",",
			r->worker, addr);
		if (e->lame)
			fprintf(r->out, ",\"lame\":true,\"zone\":\"%s\",\"lame_ms\":%llu}", zone,
				(unsigned long long)e->lame_ms);
		else
			fprintf(r->out, ",\"lame\":false,\"rtt_ms\":%u,\"timeouts\":%u,"
				"\"down_ms\":%llu,\"tcp_only_ms\":%llu,\"edns\":%s}", e->srtt_ms,
				e->timeouts, (unsigned long long)e->down_ms,
				(unsigned long long)e->tcp_only_ms, e->noedns ? "false" : "true");
	} else if (e->lame) {
		fprintf(r->out, "%s worker %u lame %s %llu\n", addr, r->worker, zone,
			(unsigned long long)e->lame_ms);
	} else {
		fprintf(r->out, "%s worker %u rtt %u timeouts %u down %llu tcp-only %llu edns %s\n",
			addr, r->worker, e->srtt_ms, e->timeouts, (unsigned long long)e->down_ms,
			(unsigned long long)e->tcp_only_ms, e->noedns ? "no" : "yes");
	}
	r->first = false;
}

void server_infra_poll(struct worker *w)
{
	struct infra_req *q = atomic_exchange(&w->infra_in, NULL);
	const struct cairn_sockaddr *only;
	char *text = NULL;
	size_t len = 0, removed = 0;
	bool failed = false;

	if (!q)
		return;
	only = q->have_only ? &q->only : NULL;
	if (q->reconf) {
		failed = resolver_reconfigure(w->resolver, &q->cfg) != CAIRN_OK;
		/* answers built under the old settings are not given again */
		acache_clear(w->acache);
	} else if (q->lookup) {
		FILE *f = open_memstream(&text, &len);

		if (f) {
			resolver_lookup(w->resolver, q->name, q->json_lookup, f);
			if (fclose(f) != 0) {
				free(text);
				text = NULL;
			}
		}
	} else if (q->flush) {
		removed = resolver_flush_infra(w->resolver, only);
	} else {
		struct render r = { .worker = w->id, .json = q->json, .first = true };

		r.out = open_memstream(&text, &len);
		if (r.out) {
			resolver_infra(w->resolver, only, render, &r);
			if (fclose(r.out) != 0) {
				free(text);
				text = NULL;
			}
		}
	}
	pthread_mutex_lock(&q->lock);
	q->part[w->id] = text;
	q->removed += removed;
	q->failed += failed;
	q->pending--;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	req_put(q);
}

/* A request for the first n workers, or NULL when out of memory. */
static struct infra_req *req_new(unsigned n)
{
	struct infra_req *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->part = calloc(n, sizeof(*q->part));
	if (!q->part) {
		free(q);
		return NULL;
	}
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	q->n = n;
	q->refs = 1 + (int)n;
	q->pending = n;
	return q;
}

/* Gives q to workers 0..q->n-1, waits at most timeout_ms for their parts
 * and joins them into *out (json: comma-separated); drops the caller's
 * reference. */
static cairn_err run(struct server *s, struct infra_req *q, unsigned timeout_ms, char **out,
		     size_t *removed)
{
	struct timespec until;
	uint64_t one = 1;
	unsigned given = 0;
	cairn_err err = CAIRN_OK;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	for (unsigned i = 0; i < q->n; i++) {
		struct worker *w = &s->workers[i];
		struct infra_req *expect = NULL;

		if (!atomic_compare_exchange_strong(&w->infra_in, &expect, q))
			break;   /* an earlier request still waits there */
		given++;
		if (write(w->wakefd, &one, sizeof(one)) != sizeof(one))
			log_debug("infra: cannot wake worker %u: %s", i, strerror(errno));
	}
	if (given < q->n) {
		/* the workers not given it will never answer */
		pthread_mutex_lock(&q->lock);
		q->refs -= (int)(q->n - given);
		q->pending -= q->n - given;
		pthread_mutex_unlock(&q->lock);
		err = CAIRN_EEXIST;
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&q->lock);
	while (q->pending)
		if (pthread_cond_timedwait(&q->cond, &q->lock, &until) == ETIMEDOUT)
			break;
	if (q->pending && err == CAIRN_OK)
		err = CAIRN_ELIMIT;
	pthread_mutex_unlock(&q->lock);
	/* the requests not taken yet (worker stuck or stopping): taken back */
	for (unsigned i = 0; i < given; i++) {
		struct infra_req *expect = q;

		if (atomic_compare_exchange_strong(&s->workers[i].infra_in, &expect, NULL))
			req_put(q);  /* that worker's reference */
	}
	if (err == CAIRN_OK) {
		/* every worker answered: their parts, in worker order */
		f = open_memstream(&text, &len);
		if (!f) {
			err = CAIRN_ENOMEM;
		} else {
			bool first = true;

			pthread_mutex_lock(&q->lock);
			for (unsigned i = 0; i < q->n; i++) {
				if (!q->part[i] || !q->part[i][0])
					continue;
				fprintf(f, "%s%s", q->json && !first ? "," : "", q->part[i]);
				first = false;
			}
			if (removed)
				*removed = q->removed;
			if (q->failed)
				err = CAIRN_ENOMEM;
			pthread_mutex_unlock(&q->lock);
			if (fclose(f) != 0) {
				free(text);
				text = NULL;
				err = CAIRN_ENOMEM;
			}
		}
	}
	*out = text;
	req_put(q);
	return err;
}

cairn_err server_infra(struct server *s, const struct cairn_sockaddr *only, bool flush,
		       bool json, unsigned timeout_ms, char **out, size_t *removed)
{
	struct infra_req *q;

	*out = NULL;
	*removed = 0;
	if (!s->cache || !s->n_workers || !s->workers[0].resolver)
		return CAIRN_ENOTFOUND;
	q = req_new(s->n_workers);
	if (!q)
		return CAIRN_ENOMEM;
	q->flush = flush;
	q->json = json;
	if (only) {
		q->only = *only;
		q->have_only = true;
	}
	return run(s, q, timeout_ms, out, removed);
}

cairn_err server_lookup(struct server *s, const uint8_t *name, bool json, unsigned timeout_ms,
			char **out)
{
	struct infra_req *q;

	*out = NULL;
	if (!s->cache || !s->n_workers || !s->workers[0].resolver)
		return CAIRN_ENOTFOUND;
	q = req_new(1);   /* worker 0: its infra cache, the shared cache */
	if (!q)
		return CAIRN_ENOMEM;
	q->lookup = true;
	q->json_lookup = json;
	memcpy(q->name, name, wire_name_len(name));
	wire_name_lower(q->name);
	return run(s, q, timeout_ms, out, NULL);
}

cairn_err server_reconf_push(struct server *s, const struct resolver_config *cfg,
			     unsigned timeout_ms)
{
	struct infra_req *q;
	char *text = NULL;
	cairn_err err;

	if (!s->cache || !s->n_workers || !s->workers[0].resolver)
		return CAIRN_ENOTFOUND;
	q = req_new(s->n_workers);
	if (!q)
		return CAIRN_ENOMEM;
	q->reconf = true;
	q->cfg = *cfg;
	if (cfg->n_forwards) {
		q->fwd = malloc(cfg->n_forwards * sizeof(*q->fwd));
		if (!q->fwd) {
			q->refs = 1;
			req_put(q);
			return CAIRN_ENOMEM;
		}
		memcpy(q->fwd, cfg->forwards, cfg->n_forwards * sizeof(*q->fwd));
	}
	q->cfg.forwards = q->fwd;
	err = run(s, q, timeout_ms, &text, NULL);
	free(text);
	return err;
}
