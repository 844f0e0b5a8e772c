/* xfr: zone transfers: AXFR (RFC 5936) and IXFR (RFC 1995) out with the
 * IXFR journal, access control and TSIG (RFC 8945), NOTIFY (RFC 1996) and
 * the secondary role. The server calls in for AXFR/IXFR queries and
 * NOTIFY messages; the daemon builds the transfer settings with each zone
 * set and runs the service thread (NOTIFY out, refreshes). */
#ifndef CAIRN_XFR_H
#define CAIRN_XFR_H

#include "cairn/common.h"
#include "cairn/wire.h"

#include <stdio.h>
#include <sys/socket.h>

struct cairn_config;
struct zone_set;
struct xfr_policy;   /* keys and per-zone transfer settings, with journals */
struct xfr_out;      /* one outgoing transfer in progress */
struct xfr_service;  /* the thread that sends NOTIFY and runs refreshes */

/* Builds the transfer settings of cfg for the zones of zs and attaches
 * them to zs (zone_set_attach; they are freed with zs). prev is the set
 * served until now (NULL at start-up): for each zone whose serial changed
 * the difference goes into its journal (kept in FILE.ixfr beside the zone
 * file), and a zone whose content changed without a new serial is logged
 * as a warning. svc (may be NULL) is given the settings; the zones with a
 * new serial are announced by xfr_announce once zs is served. Returns CAIRN_OK, CAIRN_EINVAL (a key the config
 * checked could not be used) or CAIRN_ENOMEM; problems are logged. */
cairn_err xfr_attach(const struct cairn_config *cfg, struct zone_set *zs,
		     const struct zone_set *prev, struct xfr_service *svc);
/* Sends NOTIFY (through svc, which retries) for the zones of zs whose
 * serial xfr_attach found new (RFC 1996 §3.5): call it once zs is served,
 * so that a secondary that asks for the SOA at once gets the new one. */
void xfr_announce(const struct zone_set *zs, struct xfr_service *svc);

/* Answers an AXFR or IXFR query q (zs: the zones served now, with their
 * settings attached) from peer. Writes a complete response into out (cap
 * bytes, limit usable for UDP) and returns its length: a refusal, a TSIG
 * error, the SOA for IXFR over UDP (RFC 1995 §2) or an IXFR that is up to
 * date. Over TCP a transfer returns 0 and *stream: the caller sends its
 * messages with xfr_out_next and frees it with xfr_out_free. *rcode is
 * the rcode answered. */
size_t xfr_query(const struct zone_set *zs, const struct wire_query *q,
		 const struct sockaddr *peer, bool tcp, uint8_t *out, size_t limit,
		 uint16_t edns_size, struct xfr_out **stream, unsigned *rcode);

/* Writes the next message of x into out (cap >= 65535 bytes); returns its
 * length, 0 when the transfer is complete. */
size_t xfr_out_next(struct xfr_out *x, uint8_t *out, size_t cap);
/* Ends x (complete or not) and releases the zone it holds. */
void xfr_out_free(struct xfr_out *x);

/* Answers a NOTIFY message (opcode 4) q from peer (RFC 1996 §3.7):
 * checks allow-notify and TSIG, tells the service to refresh the zone,
 * writes the response into out and returns its length (0: no answer). */
size_t xfr_notify_query(const struct zone_set *zs, const struct wire_query *q,
			const struct sockaddr *peer, uint8_t *out, size_t limit,
			unsigned *rcode);

/* True when name falls in a secondary zone of zs that may not be
 * answered (expired, or never transferred): the caller answers
 * SERVFAIL. Cheap when zs has no secondary zone. */
bool xfr_zone_unavailable(const struct zone_set *zs, const uint8_t *name);

/* True when the query q carries a record besides its OPT (a TSIG). */
static inline bool xfr_query_signed(const struct wire_query *q)
{
	return q->len >= WIRE_HDR_LEN && wire_get16(q->pkt + 10) > (q->has_edns ? 1u : 0u);
}
/* The answer limit for a signed query q: limit less the room its TSIG
 * record will take (RFC 8945 §4.2: the same key, algorithm and MAC size
 * as the request's, plus other data). */
size_t xfr_signed_limit(const struct wire_query *q, size_t limit);
/* Signs the answer resp (len bytes, room for cap) to the signed query q
 * (RFC 8945 §5.3): checks the query's TSIG against the keys of zs and
 * appends the response's; a bad TSIG turns the answer into NOTAUTH with
 * BADKEY, BADSIG or BADTIME (logged once per client). Returns the new
 * length. */
size_t xfr_sign_answer(const struct zone_set *zs, const struct wire_query *q,
		       const struct sockaddr *peer, uint8_t *resp, size_t len, size_t cap,
		       uint16_t edns_size);

/* The service thread: NOTIFY to the notify: targets of a zone whose
 * serial changed (RFC 1996 §3.5), retried with back-off until each target
 * answers, and the refreshes of secondary zones (primary:). After a
 * transfer is written to the zone's file it calls reload(ctx, fresh), which
 * must load the zones again and call xfr_attach (cairnd does it with the
 * configuration in use, without reading cairnd.conf again); fresh is that
 * zone, already loaded from its new file: the callback owns it and uses it
 * instead of reading the file again (or frees it). Returns
 * CAIRN_OK and *out (xfr_service_free), CAIRN_EIO when no socket can be
 * opened, CAIRN_ENOMEM. */
struct zone;
cairn_err xfr_service_new(cairn_err (*reload)(void *ctx, struct zone *fresh), void *ctx,
			  struct xfr_service **out);
/* Starts the thread. Returns CAIRN_OK or CAIRN_EIO. */
cairn_err xfr_service_start(struct xfr_service *svc);
/* Stops the thread (unsent NOTIFYs are dropped) and frees svc (NULL ok). */
void xfr_service_free(struct xfr_service *svc);
/* Writes one line per zone with pending NOTIFYs into out. */
void xfr_service_status(struct xfr_service *svc, FILE *out);
/* cairn-control transfer NAME: refreshes the secondary zone NAME now.
 * Writes a message to out; returns CAIRN_OK or CAIRN_EINVAL (not a
 * secondary zone). */
cairn_err xfr_service_transfer(struct xfr_service *svc, const char *name, FILE *out);
/* cairn-control zone-status NAME: serial, state, last and next refresh,
 * expiry and the last error, one "key: value" line each. Returns CAIRN_OK
 * or CAIRN_EINVAL (not a secondary zone). */
cairn_err xfr_service_zone_status(struct xfr_service *svc, const char *name, FILE *out);

struct config_zone;
/* Catalog zones (RFC 9432 version 2): writes the file of the zone cat
 * (`catalog: yes`) listing every primary zone of cfg as a member, with a
 * serial one higher than the file's when the members changed (the file is
 * left alone otherwise). Call before loading the zone. Returns CAIRN_OK,
 * or an error with the reason in err. */
cairn_err xfr_catalog_write(const struct cairn_config *cfg, const struct config_zone *cat,
			    char *err, size_t errlen);

#endif
