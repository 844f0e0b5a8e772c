/* rconfig: cairnd.conf's settings for the resolver and the cache, in one
 * place for cairnd (server.c) and the replay harness (tests/replay/),
 * so that a scenario's CONFIG means what the same lines mean to cairnd. */
#include "server_int.h"
#include "cairn/config.h"
#include "cairn/dnssec.h"

#include <stdlib.h>
#include <string.h>

cairn_err server_rconfig_init(struct server_rconfig *rc, const struct cairn_config *cfg)
{
	memset(rc, 0, sizeof(*rc));
	cache_config_default(&rc->cache);
	rc->cache.max_bytes = cfg->cache_size;
	rc->cache.max_ttl = cfg->cache_max_ttl;
	rc->cache.max_negative_ttl = cfg->cache_max_negative_ttl;
	/* RFC 8767: expired data is kept only when it may be served */
	rc->cache.stale_max_age = cfg->serve_stale ? cfg->serve_stale_max_age : 0;
	resolver_config_default(&rc->res);
	if (cfg->root_hints && !(rc->root_hints = strdup(cfg->root_hints)))
		goto nomem;
	rc->res.root_hints = rc->root_hints;
	rc->res.query_loopback = cfg->query_loopback;
	rc->res.qname_minimisation = cfg->qname_minimisation;
	rc->res.edns_size = (uint16_t)cfg->edns_buffer_size;
	rc->res.max_queries = cfg->max_upstream_queries;
	rc->res.max_referrals = cfg->max_referrals;
	rc->res.max_glueless = cfg->max_glueless_ns;
	rc->res.max_time_ms = cfg->resolve_timeout * 1000;
	rc->res.upstream_timeout_ms = cfg->upstream_timeout;
	rc->res.unwanted_threshold = cfg->unwanted_reply_threshold;
	rc->res.infra_hosts = cfg->infra_cache_numhosts;
	rc->res.infra_lame = cfg->infra_cache_lame_size;
	rc->res.log_servfail = cfg->log_servfail;
	rc->res.serve_stale = cfg->serve_stale && cfg->serve_stale_max_age > 0;
	rc->res.stale_client_ms = cfg->stale_client_timeout;
	rc->res.stale_ttl = cfg->stale_answer_ttl;
	rc->res.prefetch = cfg->prefetch;
	rc->res.bogus_ttl = cfg->val_bogus_ttl;
	if (cfg->dnssec && cfg->recursion) {
		bool builtin = false;
		cairn_err err = dsec_anchors_new(cfg->trust_anchor_file,
						 (const char *const *)cfg->trust_anchors,
						 (unsigned)cfg->n_trust_anchors,
						 (const char *const *)cfg->domain_insecure,
						 (unsigned)cfg->n_domain_insecure, &rc->anchors,
						 &builtin);

		if (err != CAIRN_OK) {
			server_rconfig_free(rc);
			return err;
		}
		if (builtin)
			log_info("dnssec: %s is missing: using the built-in root trust "
				 "anchors (KSK-2017, KSK-2024)", CONFIG_DEFAULT_TRUST_ANCHOR_FILE);
		rc->res.anchors = rc->anchors;
	}
	if (cfg->n_forwards) {
		rc->forwards = calloc(cfg->n_forwards, sizeof(*rc->forwards));
		if (!rc->forwards)
			goto nomem;
		for (size_t i = 0; i < cfg->n_forwards; i++) {
			struct resolver_forward *f = &rc->forwards[i];
			size_t len;

			/* the config parser checked the name already */
			if (wire_name_from_text(cfg->forwards[i].name, NULL, f->name, &len) !=
			    CAIRN_OK) {
				server_rconfig_free(rc);
				return CAIRN_EINVAL;
			}
			for (size_t j = 0; j < cfg->forwards[i].n_addr &&
					   j < RESOLVER_MAX_FORWARD_ADDR; j++)
				f->addr[f->naddr++] = cfg->forwards[i].addr[j];
		}
		rc->res.forwards = rc->forwards;
		rc->res.n_forwards = (unsigned)cfg->n_forwards;
	}
	if (cfg->n_local_zone_disable) {
		rc->lz_disable = calloc(cfg->n_local_zone_disable, sizeof(*rc->lz_disable));
		if (!rc->lz_disable)
			goto nomem;
		for (size_t i = 0; i < cfg->n_local_zone_disable; i++) {
			if (!(rc->lz_disable[i] = strdup(cfg->local_zone_disable[i])))
				goto nomem;
			rc->n_lz_disable++;
		}
		rc->res.local_zone_disable = (const char *const *)rc->lz_disable;
		rc->res.n_local_zone_disable = (unsigned)rc->n_lz_disable;
	}
	return CAIRN_OK;
nomem:
	server_rconfig_free(rc);
	return CAIRN_ENOMEM;
}

void server_rconfig_free(struct server_rconfig *rc)
{
	dsec_anchors_free(rc->anchors);
	free(rc->forwards);
	free(rc->root_hints);
	for (size_t i = 0; i < rc->n_lz_disable; i++)
		free(rc->lz_disable[i]);
	free(rc->lz_disable);
	memset(rc, 0, sizeof(*rc));
}
