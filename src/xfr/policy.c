/* xfr/policy.c: the transfer settings that go with a zone set: TSIG keys,
 * per-zone provide-xfr / allow-notify ACLs, notify targets, primaries and
 * journals; the access check (address prefix plus key, RFC 5936 §6) and
 * the "logged once per client" refusal log. */
#include "xfr_int.h"

#include "cairn/config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static void policy_free(void *ptr)
{
	struct xfr_policy *p = ptr;

	if (!p)
		return;
	for (size_t i = 0; i < p->n_zones; i++) {
		struct xfr_zone *z = &p->zones[i];

		free(z->name);
		free(z->file);
		free(z->provide);
		free(z->allow_notify);
		free(z->notify);
		free(z->primary);
		journal_unref(z->journal);
	}
	free(p->zones);
	free(p->secondary);
	for (size_t i = 0; i < p->n_keys; i++)
		tsig_key_clear(&p->keys[i]);
	free(p->keys);
	pthread_mutex_destroy(&p->log_lock);
	free(p);
}

static int key_index(const struct cairn_config *cfg, const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < cfg->n_keys; i++)
		if (strcasecmp(cfg->keys[i].name, name) == 0)
			return (int)i;
	return -2;
}

static cairn_err copy_acl(const struct cairn_config *cfg, const struct config_xfr_acl *in,
			  size_t n, struct xfr_acl **out)
{
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out)
		return CAIRN_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		(*out)[i].pfx = in[i].pfx;
		(*out)[i].key = key_index(cfg, in[i].key);
		if ((*out)[i].key == -2)
			return CAIRN_EINVAL;
	}
	return CAIRN_OK;
}

static cairn_err copy_remotes(const struct cairn_config *cfg, const struct config_remote *in,
			      size_t n, struct xfr_remote **out)
{
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out)
		return CAIRN_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		(*out)[i].addr = in[i].addr;
		memcpy((*out)[i].text, in[i].text, sizeof(in[i].text));
		(*out)[i].key = key_index(cfg, in[i].key);
		if ((*out)[i].key == -2)
			return CAIRN_EINVAL;
	}
	return CAIRN_OK;
}

static const struct zone *set_zone(const struct zone_set *zs, const uint8_t *origin)
{
	for (size_t i = 0; zs && i < zone_set_count(zs); i++)
		if (wire_name_equal(zone_origin(zone_set_zone(zs, i)), origin))
			return zone_set_zone(zs, i);
	return NULL;
}

/* The journal of xz: the previous one updated with the difference between
 * the zone served until now and the new one, or read from disk. */
static cairn_err zone_journal(const struct config_zone *cz, struct xfr_zone *xz,
			      const struct xfr_policy *prev_pol, const struct zone_set *prev,
			      struct xfr_service *svc)
{
	char path[4096];
	const struct zone *old = set_zone(prev, xz->origin);
	struct xfr_zone *pz = prev_pol ? policy_zone(prev_pol, xz->origin) : NULL;
	bool warn = false;
	cairn_err err;
	struct xfr_jentry *seq;
	size_t nseq;

	/* nobody transfers it from us: no journal (a secondary's too, whose
	 * difference of two versions of a big zone costs more than the rest
	 * of the transfer) */
	if (!xz->zone || (!cz->n_provide_xfr && !cz->n_notify))
		return CAIRN_OK;
	if (snprintf(path, sizeof(path), "%s.ixfr", cz->file) >= (int)sizeof(path))
		return CAIRN_OK;
	if (!old)
		return journal_load(path, xz->name, zone_serial(xz->zone), &xz->journal);
	if (old == xz->zone) {
		/* a reload kept this zone as it was (its file did not change):
		 * nothing to compare, the journal stays */
		xz->journal = journal_ref(pz ? pz->journal : NULL);
		return CAIRN_OK;
	}
	/* a secondary journals the IXFR it received (RFC 1995 §4), without
	 * comparing the two versions */
	seq = secondary_take_received(svc, xz->origin, zone_serial(old), zone_serial(xz->zone),
				      &nseq);
	if (seq) {
		err = journal_extend(pz ? pz->journal : NULL, seq, nseq, cz->ixfr_number,
				     cz->ixfr_size, path, xz->name, &xz->journal);
		free(seq);
	} else {
		err = journal_update(pz ? pz->journal : NULL, old, xz->zone, cz->ixfr_number,
				     cz->ixfr_size, path, xz->name, &xz->journal, &warn);
	}
	if (err == CAIRN_OK && warn)
		log_warn("zone %s: the content changed but the serial stayed %u: secondaries "
			 "will not see the change (increase the SOA serial)", xz->name,
			 zone_serial(xz->zone));
	else if (err == CAIRN_OK && zone_serial(old) != zone_serial(xz->zone))
		log_info("zone %s: serial %u -> %u%s", xz->name, zone_serial(old),
			 zone_serial(xz->zone), xz->journal ? " (journaled for IXFR)" : "");
	return err;
}

cairn_err xfr_attach(const struct cairn_config *cfg, struct zone_set *zs,
		     const struct zone_set *prev, struct xfr_service *svc)
{
	struct xfr_policy *p = calloc(1, sizeof(*p));
	const struct xfr_policy *prev_pol = prev ? zone_set_ext(prev) : NULL;
	cairn_err err = CAIRN_ENOMEM;

	if (!p)
		return CAIRN_ENOMEM;
	pthread_mutex_init(&p->log_lock, NULL);
	p->svc = svc;
	p->keys = calloc(cfg->n_keys ? cfg->n_keys : 1, sizeof(*p->keys));
	p->zones = calloc(cfg->n_zones ? cfg->n_zones : 1, sizeof(*p->zones));
	p->secondary = calloc(cfg->n_zones ? cfg->n_zones : 1, sizeof(*p->secondary));
	if (!p->keys || !p->zones || !p->secondary)
		goto done;
	for (size_t i = 0; i < cfg->n_keys; i++) {
		err = tsig_key_init(&p->keys[i], &cfg->keys[i]);
		if (err != CAIRN_OK)
			goto done;
		p->n_keys++;
	}
	for (size_t i = 0; i < cfg->n_zones; i++) {
		const struct config_zone *cz = &cfg->zones[i];
		struct xfr_zone *xz = &p->zones[p->n_zones++];

		err = CAIRN_EINVAL;
		if (wire_name_from_text(cz->name, NULL, xz->origin, &xz->origin_len) != CAIRN_OK)
			goto done;
		err = CAIRN_ENOMEM;
		xz->name = strdup(cz->name);
		xz->file = strdup(cz->file);
		if (!xz->name || !xz->file)
			goto done;
		xz->zone = set_zone(zs, xz->origin);
		xz->policy = p;
		if ((err = copy_acl(cfg, cz->provide_xfr, cz->n_provide_xfr, &xz->provide)) ||
		    (err = copy_acl(cfg, cz->allow_notify, cz->n_allow_notify, &xz->allow_notify)) ||
		    (err = copy_remotes(cfg, cz->notify, cz->n_notify, &xz->notify)) ||
		    (err = copy_remotes(cfg, cz->primary, cz->n_primary, &xz->primary)))
			goto done;
		xz->n_provide = cz->n_provide_xfr;
		xz->n_allow_notify = cz->n_allow_notify;
		xz->n_notify = cz->n_notify;
		xz->n_primary = cz->n_primary;
		if (xz->n_primary)
			p->secondary[p->n_secondary++] = p->n_zones - 1;
		err = zone_journal(cz, xz, prev_pol, prev, svc);
		if (err != CAIRN_OK)
			goto done;
	}
	err = CAIRN_OK;
	/* NOTIFY (RFC 1996 §3.5): on a serial we did not serve before, sent by
	 * xfr_announce once zs answers (a secondary asks for the SOA at once) */
	for (size_t i = 0; svc && i < p->n_zones; i++) {
		struct xfr_zone *xz = &p->zones[i];
		const struct zone *old = set_zone(prev, xz->origin);

		xz->announce = xz->zone && xz->n_notify &&
			       (!old || zone_serial(old) != zone_serial(xz->zone));
	}
	if (svc)
		service_configure(svc, p);
	zone_set_attach(zs, p, policy_free);
	p = NULL;
done:
	policy_free(p);
	return err;
}

void xfr_announce(const struct zone_set *zs, struct xfr_service *svc)
{
	struct xfr_policy *p = zs ? zone_set_ext(zs) : NULL;

	for (size_t i = 0; p && svc && i < p->n_zones; i++)
		if (p->zones[i].announce)
			service_zone_changed(svc, &p->zones[i], zone_serial(p->zones[i].zone));
}

struct xfr_zone *policy_zone(const struct xfr_policy *p, const uint8_t *name)
{
	for (size_t i = 0; i < p->n_zones; i++)
		if (wire_name_equal(p->zones[i].origin, name))
			return &p->zones[i];
	return NULL;
}

const char *xfr_peer_text(const struct sockaddr *peer, char *buf, size_t len)
{
	struct cairn_sockaddr sa = { .len = sizeof(struct sockaddr_in6) };

	if (peer->sa_family == AF_INET)
		sa.len = sizeof(struct sockaddr_in);
	memcpy(&sa.ss, peer, sa.len);
	return cairn_sockaddr_format(&sa, buf, len);
}

static bool same_host(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	if (a->ss_family != b->sa_family)
		return false;
	if (b->sa_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
			      &((const struct sockaddr_in *)b)->sin_addr, 4) == 0;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		      &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

void policy_log_refused(struct xfr_policy *p, const struct sockaddr *peer, unsigned kind,
			const char *fmt, ...)
{
	char msg[512];
	bool seen = false;
	va_list ap;

	if (!p)
		return; /* no transfer settings at all: nothing is offered */
	pthread_mutex_lock(&p->log_lock);
	for (size_t i = 0; i < p->n_refused && !seen; i++)
		seen = p->refused[i].kind == kind && same_host(&p->refused[i].addr.ss, peer);
	if (!seen && p->n_refused < XFR_REFUSED_LOG) {
		struct cairn_sockaddr *r = &p->refused[p->n_refused].addr;

		p->refused[p->n_refused++].kind = kind;
		r->len = peer->sa_family == AF_INET ? sizeof(struct sockaddr_in)
						    : sizeof(struct sockaddr_in6);
		memcpy(&r->ss, peer, r->len);
	}
	pthread_mutex_unlock(&p->log_lock);
	if (seen)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warn("%s", msg);
}

unsigned policy_check(const struct xfr_policy *p, const struct xfr_acl *acl, size_t n,
		      const struct wire_query *q, const struct sockaddr *peer,
		      const struct xfr_key **key, struct tsig_rr *rr, bool *is_signed,
		      uint16_t *tsig_error, const char **why)
{
	int found = tsig_find(q->pkt, q->len, rr);
	uint16_t terr = 0;

	*key = NULL;
	*is_signed = found == 1;
	*tsig_error = 0;
	if (found < 0) {
		*why = "malformed TSIG record";
		return WIRE_RCODE_FORMERR;
	}
	if (found == 1) {
		terr = tsig_verify_request(p->keys, p->n_keys, q->pkt, rr, (uint64_t)time(NULL), key);
		if (terr) {
			/* RFC 8945 §5.2: NOTAUTH with the TSIG error */
			*tsig_error = terr;
			*why = terr == WIRE_TSIG_BADKEY ? "unknown TSIG key (BADKEY)" :
			       terr == WIRE_TSIG_BADSIG ? "wrong TSIG signature (BADSIG)" :
			       "TSIG time outside the fudge window (BADTIME)";
			return WIRE_RCODE_NOTAUTH;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!cairn_prefix_match(&acl[i].pfx, peer))
			continue;
		/* as NSD: NOKEY matches unsigned requests, a key name the
		 * requests signed with that key */
		if (acl[i].key < 0 ? !*key : *key == &p->keys[acl[i].key])
			return 0;
	}
	*why = *key ? "address or key not allowed" : "address not allowed, or a key is required";
	return WIRE_RCODE_REFUSED;
}

size_t policy_error(const struct wire_query *q, unsigned rcode, uint16_t tsig_error,
		    const struct tsig_rr *rr, bool is_signed, const struct xfr_key *key,
		    uint8_t *out, size_t limit, uint16_t edns_size)
{
	struct wire_writer w;
	size_t len;
	uint8_t mac[TSIG_MAC_MAX];
	size_t mac_len;
	uint64_t now = (uint64_t)time(NULL);

	wire_writer_begin(&w, out, limit > TSIG_RR_MAX ? limit - TSIG_RR_MAX : limit, q,
			  rcode == WIRE_RCODE_NOTAUTH ? 0 : 0, rcode, edns_size);
	if (rcode == WIRE_RCODE_REFUSED && q->has_edns)
		wire_writer_ede(&w, 18, NULL); /* RFC 8914 §4.19: Prohibited */
	len = wire_writer_finish(&w);
	if (tsig_error == WIRE_TSIG_BADTIME && key) {
		/* RFC 8945 §5.2.3: signed, with our time as other data */
		uint8_t other[6];

		wire_put16(other, (uint16_t)(now >> 32));
		wire_put32(other + 2, (uint32_t)now);
		(void)tsig_sign(key, out, &len, limit, rr->mac, rr->mac_len, false, rr->time_signed,
				WIRE_TSIG_BADTIME, other, 6, mac, &mac_len);
	} else if (tsig_error) {
		/* §5.3.2: BADKEY and BADSIG answers are not signed */
		(void)tsig_append_error(out, &len, limit, rr, tsig_error, rr->time_signed);
	} else if (is_signed && key) {
		(void)tsig_sign(key, out, &len, limit, rr->mac, rr->mac_len, false, now, 0, NULL, 0,
				mac, &mac_len);
	}
	return len;
}

bool xfr_zone_unavailable(const struct zone_set *zs, const uint8_t *name)
{
	const struct xfr_policy *p = zs ? zone_set_ext(zs) : NULL;

	if (!p || !p->n_secondary)
		return false;
	for (size_t i = 0; i < p->n_secondary; i++) {
		const struct xfr_zone *z = &p->zones[p->secondary[i]];

		if (z->unavailable && atomic_load(z->unavailable) &&
		    wire_name_is_subdomain(name, z->origin)) {
			/* a closer zone of ours would still answer */
			const struct zone *o = zone_set_find(zs, name);

			if (!o || wire_name_is_subdomain(z->origin, zone_origin(o)))
				return true;
		}
	}
	return false;
}

size_t xfr_sign_answer(const struct zone_set *zs, const struct wire_query *q,
		       const struct sockaddr *peer, uint8_t *resp, size_t len, size_t cap,
		       uint16_t edns_size)
{
	struct xfr_policy *p = zs ? zone_set_ext(zs) : NULL;
	const struct xfr_key *key = NULL;
	struct tsig_rr rr;
	uint16_t terr;
	uint8_t mac[TSIG_MAC_MAX];
	size_t mac_len;
	char peer_text[80];
	int found = tsig_find(q->pkt, q->len, &rr);

	if (found <= 0 || !p)
		return len; /* another kind of record: answered as it is */
	terr = tsig_verify_request(p->keys, p->n_keys, q->pkt, &rr, (uint64_t)time(NULL), &key);
	if (terr) {
		policy_log_refused(p, peer, WIRE_RCODE_NOTAUTH << 8 | terr,
				   "query from %s: TSIG %s", xfr_peer_text(peer, peer_text,
									 sizeof(peer_text)),
				   terr == WIRE_TSIG_BADKEY ? "unknown key (BADKEY)" :
				   terr == WIRE_TSIG_BADSIG ? "wrong signature (BADSIG)" :
				   "time outside the fudge window (BADTIME)");
		return policy_error(q, WIRE_RCODE_NOTAUTH, terr, &rr, true, key, resp, cap,
				    edns_size);
	}
	/* RFC 8945 §5.3: the answer signed with the request's MAC */
	if (tsig_sign(key, resp, &len, cap, rr.mac, rr.mac_len, false, (uint64_t)time(NULL), 0,
		      NULL, 0, mac, &mac_len) != CAIRN_OK)
		log_warn("query from %s: cannot sign the answer",
			 xfr_peer_text(peer, peer_text, sizeof(peer_text)));
	return len;
}

size_t xfr_signed_limit(const struct wire_query *q, size_t limit)
{
	struct tsig_rr rr;
	size_t room;

	if (tsig_find(q->pkt, q->len, &rr) != 1)
		return limit;
	room = q->len - rr.start + 6; /* + BADTIME's other data */
	return limit > room + WIRE_UDP_MIN / 2 ? limit - room : limit;
}
