/* xfr/notify.c: NOTIFY (RFC 1996). In: a NOTIFY for a zone of ours is
 * answered (§3.7) when it comes from an allow-notify: address (and key)
 * of a secondary zone; anything else is refused and logged once per
 * client. NOTIFY out is sent by the service thread (service.c). */
#include "xfr_int.h"

#include <string.h>

size_t xfr_notify_query(const struct zone_set *zs, const struct wire_query *q,
			const struct sockaddr *peer, uint8_t *out, size_t limit,
			unsigned *rcode)
{
	struct xfr_policy *p = zs ? zone_set_ext(zs) : NULL;
	struct xfr_zone *xz = p ? policy_zone(p, q->qname) : NULL;
	const struct xfr_key *key = NULL;
	struct tsig_rr rr;
	bool is_signed = false;
	uint16_t terr = 0;
	const char *why = "not a secondary zone here";
	char peer_text[80], zname[1024];

	if (wire_name_to_text(q->qname, zname, sizeof(zname)) != CAIRN_OK)
		zname[0] = '\0';
	/* not a zone of ours: NOTAUTH (as Knot); ours but no secondary
	 * (no allow-notify to match): REFUSED, like a transfer refused */
	*rcode = xz ? WIRE_RCODE_REFUSED : WIRE_RCODE_NOTAUTH;
	if (xz && xz->n_primary) {
		*rcode = policy_check(p, xz->allow_notify, xz->n_allow_notify, q, peer, &key, &rr,
				      &is_signed, &terr, &why);
		if (*rcode == 0) {
			/* §3.7: acknowledge, then refresh (§3.11) */
			service_notified(p->svc, xz->origin);
			log_info("NOTIFY %s from %s%s%s", zname,
				 xfr_peer_text(peer, peer_text, sizeof(peer_text)),
				 key ? " TSIG " : "", key ? key->text : "");
			*rcode = WIRE_RCODE_NOERROR;
			return policy_error(q, WIRE_RCODE_NOERROR, 0, &rr, is_signed, key, out,
					    limit, WIRE_EDNS_SIZE);
		}
	} else if (tsig_find(q->pkt, q->len, &rr) == 1) {
		is_signed = false; /* not checked: answer without signature */
	}
	policy_log_refused(p, peer, *rcode << 8 | terr, "NOTIFY %s from %s refused: %s", zname,
			   xfr_peer_text(peer, peer_text, sizeof(peer_text)), why);
	return policy_error(q, *rcode, terr, &rr, is_signed, key, out, limit, WIRE_EDNS_SIZE);
}
