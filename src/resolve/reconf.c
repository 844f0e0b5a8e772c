/* reconf: what the control commands change in a running resolver
 * (cairn-control set-option, forward-add, forward-remove): the settings
 * read afresh by each resolution, and the forward zones. On the resolver's
 * thread only, like everything of a resolver (doc/ARCHITECTURE.md, rule 1):
 * the server hands the new settings to each worker (server/infra.c). */
#include "resolve_int.h"

#include <stdlib.h>
#include <string.h>

void resolver_config_tune(struct resolver_config *dst, const struct resolver_config *src)
{
	dst->qname_minimisation = src->qname_minimisation;
	dst->max_queries = src->max_queries;
	dst->max_referrals = src->max_referrals;
	dst->max_glueless = src->max_glueless;
	dst->max_time_ms = src->max_time_ms;
	dst->unwanted_threshold = src->unwanted_threshold;
	dst->log_servfail = src->log_servfail;
	dst->serve_stale = src->serve_stale;
	dst->stale_client_ms = src->stale_client_ms;
	dst->stale_ttl = src->stale_ttl;
	dst->prefetch = src->prefetch;
}

cairn_err resolver_reconfigure(struct resolver *r, const struct resolver_config *cfg)
{
	struct resolver_forward *fw = NULL;

	/* a resolution copies a forward zone's name and addresses when it
	 * finds it (FIND_DP): nothing keeps pointers into the old array */
	if (cfg->n_forwards) {
		fw = malloc(cfg->n_forwards * sizeof(*fw));
		if (!fw)
			return CAIRN_ENOMEM;
		memcpy(fw, cfg->forwards, cfg->n_forwards * sizeof(*fw));
	}
	free(r->forwards);
	r->forwards = fw;
	r->cfg.forwards = fw;
	r->cfg.n_forwards = cfg->n_forwards;
	resolver_config_tune(&r->cfg, cfg);
	return CAIRN_OK;
}
