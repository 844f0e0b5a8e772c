/* reconf: what cairn-control changes in the running server until the next
 * restart: forward zones (forward-add, forward-remove) and the settings
 * set-option may change. The master copy is the server's resolver
 * settings (s->rc, under rc_lock); each change is copied to every
 * worker's resolver on that worker's thread (server_reconf_push, infra.c),
 * as every other change of a resolver is (doc/ARCHITECTURE.md, rule 1). */
#include "server_int.h"
#include "cairn/cache.h"

#include <stdlib.h>
#include <string.h>

void server_forward_list(struct server *s, void (*fn)(void *arg, const struct resolver_forward *f),
			 void *arg)
{
	pthread_mutex_lock(&s->rc_lock);
	for (unsigned i = 0; i < s->rc.res.n_forwards; i++)
		fn(arg, &s->rc.res.forwards[i]);
	pthread_mutex_unlock(&s->rc_lock);
}

cairn_err server_forward_set(struct server *s, const struct resolver_forward *f,
			     unsigned timeout_ms)
{
	struct resolver_forward *fw;
	unsigned n, at;
	cairn_err err = CAIRN_ENOTFOUND;

	if (!s->cache)
		return CAIRN_ENOTFOUND;
	pthread_mutex_lock(&s->rc_lock);
	n = s->rc.res.n_forwards;
	for (at = 0; at < n; at++)
		if (wire_name_equal(s->rc.res.forwards[at].name, f->name))
			break;
	if (!f->naddr && at == n)
		goto done;          /* not forwarded: nothing to remove */
	err = CAIRN_ELIMIT;
	if (f->naddr && at == n && n >= SERVER_MAX_FORWARDS)
		goto done;
	err = CAIRN_ENOMEM;
	fw = malloc((n + 1) * sizeof(*fw));
	if (!fw)
		goto done;
	if (n)
		memcpy(fw, s->rc.res.forwards, n * sizeof(*fw));
	if (!f->naddr)
		memmove(&fw[at], &fw[at + 1], (n - at - 1) * sizeof(*fw)), n--;
	else if (at == n)
		fw[n++] = *f;
	else
		fw[at] = *f;
	free(s->rc.forwards);
	s->rc.forwards = fw;
	s->rc.res.forwards = fw;
	s->rc.res.n_forwards = n;
	err = server_reconf_push(s, &s->rc.res, timeout_ms);
	/* what the cache holds under the zone came the other way (iterated,
	 * or from the old forwarders): asked again the new way */
	cache_flush_name(s->cache, f->name, true);
done:
	pthread_mutex_unlock(&s->rc_lock);
	return err;
}

cairn_err server_resolver_tune(struct server *s, const struct resolver_config *cfg,
			       unsigned timeout_ms)
{
	cairn_err err;

	if (!s->cache)
		return CAIRN_ENOTFOUND;
	pthread_mutex_lock(&s->rc_lock);
	resolver_config_tune(&s->rc.res, cfg);
	err = server_reconf_push(s, &s->rc.res, timeout_ms);
	pthread_mutex_unlock(&s->rc_lock);
	return err;
}

void server_set_log_queries(struct server *s, bool on)
{
	atomic_store(&s->set.log_queries, on);
}

void server_resolver_settings(struct server *s, struct resolver_config *out)
{
	pthread_mutex_lock(&s->rc_lock);
	*out = s->rc.res;
	out->forwards = NULL;
	out->n_forwards = 0;
	pthread_mutex_unlock(&s->rc_lock);
}
