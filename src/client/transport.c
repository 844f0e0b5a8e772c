/* cdig transport: one DNS exchange over c-ares (UDP or TCP). This is the
 * client's only file that includes <ares.h> (DESIGN.md: c-ares is only the
 * transport). Each exchange gets its own channel with exactly one server,
 * one try (the caller owns retries, as dig does), and every option set so
 * c-ares never reads /etc/resolv.conf. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <arpa/inet.h>
#include <ares.h>

#include "cdig.h"

struct xfer_state {
	bool done;
	int status;
	uint8_t *resp;
	size_t resplen;
};

static void xfer_cb(void *arg, int status, int timeouts, unsigned char *abuf,
		    int alen)
{
	struct xfer_state *x = arg;

	(void)timeouts;
	x->done = true;
	x->status = status;
	if (status == ARES_SUCCESS && abuf && alen > 0) {
		x->resp = malloc((size_t)alen);
		if (!x->resp) {
			x->status = ARES_ENOMEM;
			return;
		}
		memcpy(x->resp, abuf, (size_t)alen);
		x->resplen = (size_t)alen;
	}
}

cairn_err cdig_transport_init(void)
{
	return ares_library_init(ARES_LIB_INIT_ALL) == ARES_SUCCESS ? CAIRN_OK
								      : CAIRN_EIO;
}

void cdig_transport_cleanup(void)
{
	ares_library_cleanup();
}

const char *cdig_transport_version(void)
{
	return ares_version(NULL);
}

static cairn_err set_server(ares_channel ch, const struct cdig_server *srv)
{
	struct ares_addr_port_node node;
	uint16_t port;

	memset(&node, 0, sizeof(node));
	if (srv->ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)&srv->ss;
		node.family = AF_INET;
		memcpy(&node.addr.addr4, &sin->sin_addr, 4);
		port = ntohs(sin->sin_port);
	} else if (srv->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)&srv->ss;
		node.family = AF_INET6;
		memcpy(&node.addr.addr6, &sin6->sin6_addr, 16);
		port = ntohs(sin6->sin6_port);
	} else {
		return CAIRN_EINVAL;
	}
	node.udp_port = port;
	node.tcp_port = port;
	return ares_set_servers_ports(ch, &node) == ARES_SUCCESS ? CAIRN_OK
								 : CAIRN_ENOMEM;
}

static void set_source(ares_channel ch, const struct sockaddr *src)
{
	if (!src)
		return;
	if (src->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)src;
		ares_set_local_ip4(ch, ntohl(sin->sin_addr.s_addr));
	} else if (src->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)src;
		ares_set_local_ip6(ch, sin6->sin6_addr.s6_addr);
	}
}

cairn_err cdig_transport_exchange(const struct cdig_server *srv,
				  const struct sockaddr *src, bool tcp,
				  int timeout_ms, const uint8_t *q, size_t qlen,
				  uint8_t **resp, size_t *resplen,
				  enum cdig_xstatus *st, unsigned *elapsed_ms)
{
	struct ares_options opts;
	ares_channel ch = NULL;
	struct xfer_state x = { 0 };
	char *lookups = "b";
	uint64_t start;
	cairn_err err = CAIRN_OK;
	int optmask;

	*resp = NULL;
	*resplen = 0;
	*st = CDIG_X_ERROR;
	*elapsed_ms = 0;
	memset(&opts, 0, sizeof(opts));
	/* NOCHECKRESP: SERVFAIL/REFUSED are answers too. IGNTC: the caller
	 * does dig's TC -> TCP retry itself (RFC 7766 §5). Flags in the
	 * packet (RD, CD, ...) come from the query we built. */
	opts.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_IGNTC | ARES_FLAG_NOSEARCH |
		     ARES_FLAG_NOALIASES | (tcp ? ARES_FLAG_USEVC : 0);
	opts.timeout = timeout_ms > 0 ? timeout_ms : 1;
	opts.tries = 1;
	opts.ndots = 1;
	opts.nservers = 0;
	opts.servers = NULL;
	opts.ndomains = 0;
	opts.domains = NULL;
	opts.lookups = lookups;
	opts.nsort = 0;
	opts.sortlist = NULL;
	optmask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
		  ARES_OPT_NDOTS | ARES_OPT_SERVERS | ARES_OPT_DOMAINS |
		  ARES_OPT_LOOKUPS | ARES_OPT_SORTLIST;
	if (ares_init_options(&ch, &opts, optmask) != ARES_SUCCESS) {
		ch = NULL;
		err = CAIRN_ENOMEM;
		goto done;
	}
	err = set_server(ch, srv);
	if (err != CAIRN_OK)
		goto done;
	set_source(ch, src);

	start = cairn_now_ms();
	ares_send(ch, q, (int)qlen, xfer_cb, &x);
	while (!x.done) {
		fd_set rfds, wfds;
		struct timeval tv, *tvp;
		int nfds;

		FD_ZERO(&rfds);
		FD_ZERO(&wfds);
		nfds = ares_fds(ch, &rfds, &wfds);
		if (nfds == 0)
			break;
		tvp = ares_timeout(ch, NULL, &tv);
		if (select(nfds, &rfds, &wfds, NULL, tvp) < 0 && errno != EINTR) {
			err = CAIRN_EIO;
			goto done;
		}
		ares_process(ch, &rfds, &wfds);
	}
	*elapsed_ms = (unsigned)(cairn_now_ms() - start);
	if (!x.done) {
		*st = CDIG_X_ERROR;
	} else if (x.status == ARES_SUCCESS) {
		*st = CDIG_X_OK;
		*resp = x.resp;
		*resplen = x.resplen;
		x.resp = NULL;
	} else if (x.status == ARES_ETIMEOUT) {
		*st = CDIG_X_TIMEOUT;
	} else if (x.status == ARES_ECONNREFUSED) {
		*st = CDIG_X_REFUSED;
	} else if (x.status == ARES_ENOMEM) {
		err = CAIRN_ENOMEM;
	} else {
		*st = CDIG_X_ERROR;
	}
done:
	if (ch)
		ares_destroy(ch);   /* runs the callback with ARES_EDESTRUCTION if pending */
	free(x.resp);
	return err;
}
