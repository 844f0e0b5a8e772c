/* xfr_hook: the server's side of zone transfers and NOTIFY (the protocol
 * is in src/xfr/): hands AXFR/IXFR queries and NOTIFY messages to the xfr
 * module and streams a transfer's messages on its TCP connection as the
 * client reads them, never more than TCP_WBUF_HIGH bytes ahead. */
#include "server_int.h"
#include "cairn/xfr.h"

size_t dispatch_xfr(struct worker *w, const struct wire_query *q,
		    const struct dispatch_src *src, uint8_t *out, size_t limit,
		    unsigned *rcode, enum stats_source *source, struct xfr_out **xfr)
{
	struct xfr_out *x = NULL;
	size_t len;

	*source = STATS_SRC_ZONE;
	if (q->opcode == WIRE_OPCODE_NOTIFY)
		return xfr_notify_query(w->zones, q, src->addr, out, limit, rcode);
	if (!src->tcp && q->qtype == WIRE_TYPE_AXFR) {
		/* RFC 5936 §4.2: AXFR is not defined over UDP */
		struct wire_writer wr;

		*rcode = WIRE_RCODE_FORMERR;
		wire_writer_begin(&wr, out, limit, q, 0, *rcode, w->srv->set.edns_size);
		return wire_writer_finish(&wr);
	}
	len = xfr_query(w->zones, q, src->addr, src->tcp, out, limit, w->srv->set.edns_size, &x,
			rcode);
	if (x) {
		/* the messages follow through tcp_xfr_pump */
		*xfr = x;
		return 0;
	}
	return len;
}

bool tcp_xfr_pump(struct tcp_conn *c)
{
	while (c->xfr && c->wlen - c->woff < TCP_WBUF_HIGH) {
		size_t n = xfr_out_next(c->xfr, c->w->tcp_out, TCP_MSG_MAX);

		if (n == 0) {
			tcp_xfr_end(c);
			break;
		}
		if (tcp_conn_send(c, c->w->tcp_out, n) != CAIRN_OK)
			return false;
	}
	return true;
}

void tcp_xfr_end(struct tcp_conn *c)
{
	xfr_out_free(c->xfr);
	c->xfr = NULL;
}
