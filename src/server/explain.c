/* explain: hands one question from the control thread to worker 0's
 * resolver (cairn-control explain) and waits, bounded, for its event log.
 * The request goes through a one-slot mailbox on the worker and its
 * eventfd; the worker starts the resolution in its own loop
 * (resolver_explain) and its run loop completes the request. No lock is
 * held across the two threads' work: the request has its own mutex and
 * condition variable, held only to publish or read the result, and a
 * reference count so that whichever side finishes last frees it. */
#include "server_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct explain_req {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int refs;                /* the control thread and the worker */
	bool done;
	cairn_err err;
	uint8_t name[WIRE_NAME_MAX];
	uint16_t qtype;
	bool nocache;
	struct server_explain out;
};

static void req_put(struct explain_req *q)
{
	bool last;

	pthread_mutex_lock(&q->lock);
	last = --q->refs == 0;
	pthread_mutex_unlock(&q->lock);
	if (!last)
		return;
	server_explain_free(&q->out);
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

/* The worker's side ends: publishes the result and drops its reference. */
static void req_complete(struct explain_req *q, cairn_err err)
{
	pthread_mutex_lock(&q->lock);
	q->done = true;
	q->err = err;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	req_put(q);
}

static void on_result(void *ctx, const struct resolver_explain_result *res)
{
	struct explain_req *q = ctx;
	struct server_explain *o = &q->out;

	if (!res) {
		req_complete(q, CAIRN_EIO);
		return;
	}
	o->text = strdup(res->text);
	o->json = strdup(res->json);
	o->resp = malloc(res->len ? res->len : 1);
	if (!o->text || !o->json || !o->resp) {
		req_complete(q, CAIRN_ENOMEM);
		return;
	}
	memcpy(o->resp, res->resp, res->len);
	o->len = res->len;
	o->rcode = res->rcode;
	o->ede = res->ede;
	if (res->ede_text && !(o->ede_text = strdup(res->ede_text))) {
		req_complete(q, CAIRN_ENOMEM);
		return;
	}
	req_complete(q, CAIRN_OK);
}

void server_explain_poll(struct worker *w)
{
	struct explain_req *q = atomic_exchange(&w->explain_in, NULL);
	cairn_err err;

	if (!q)
		return;
	err = w->resolver ? resolver_explain(w->resolver, q->name, q->qtype, q->nocache,
					     on_result, q)
			  : CAIRN_ENOTFOUND;
	if (err != CAIRN_OK)
		req_complete(q, err);
}

cairn_err server_explain(struct server *s, const uint8_t *name, uint16_t qtype, bool nocache,
			 unsigned timeout_ms, struct server_explain *out)
{
	struct worker *w = s->n_workers ? &s->workers[0] : NULL;
	struct explain_req *q, *expect = NULL;
	struct timespec until;
	uint64_t one = 1;
	cairn_err err;

	memset(out, 0, sizeof(*out));
	if (!s->cache || !w || !w->resolver)
		return CAIRN_ENOTFOUND;
	if (!timeout_ms)
		timeout_ms = s->rc.res.max_time_ms + 2000;
	q = calloc(1, sizeof(*q));
	if (!q)
		return CAIRN_ENOMEM;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	q->refs = 2;
	memcpy(q->name, name, wire_name_len(name));
	q->qtype = qtype;
	q->nocache = nocache;
	if (!atomic_compare_exchange_strong(&w->explain_in, &expect, q)) {
		q->refs = 1;     /* an abandoned request is still waiting there */
		req_put(q);
		return CAIRN_EEXIST;
	}
	if (write(w->wakefd, &one, sizeof(one)) != sizeof(one))
		log_debug("explain: cannot wake worker 0: %s", strerror(errno));
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&q->lock);
	while (!q->done)
		if (pthread_cond_timedwait(&q->cond, &q->lock, &until) == ETIMEDOUT)
			break;
	err = q->done ? q->err : CAIRN_ELIMIT;
	if (q->done && err == CAIRN_OK) {
		*out = q->out;   /* the result moves to the caller */
		memset(&q->out, 0, sizeof(q->out));
	}
	pthread_mutex_unlock(&q->lock);
	if (!q->done) {
		/* not taken yet (worker stuck or stopping): take it back */
		expect = q;
		if (atomic_compare_exchange_strong(&w->explain_in, &expect, NULL))
			req_put(q);  /* the worker's reference */
	}
	req_put(q);
	return err;
}

void server_explain_free(struct server_explain *e)
{
	free(e->text);
	free(e->json);
	free(e->resp);
	free(e->ede_text);
	memset(e, 0, sizeof(*e));
}
