/* fuzz_net: a fake network and clock behind the resolver's two seams
 * (struct resolver_io, include/cairn/resolve.h) for the fuzz harnesses.
 * Every query the resolver sends is kept, oldest first, until the harness
 * answers it (fakenet_pop, then calling its fn); the clock only moves when
 * the harness moves it. Nothing is ever due on its own: the harness
 * delivers timeouts itself. */
#ifndef CAIRN_FUZZ_NET_H
#define CAIRN_FUZZ_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "cairn/resolve.h"
#include "fuzz_check.h"

#define FAKENET_PEND_MAX 64
#define FAKENET_CLOCK_START 1000000000ull   /* ms; any value far from 0 */

struct pending {
	resolver_reply_fn fn;
	void *arg;
	bool tcp;
	size_t len;
	uint8_t pkt[WIRE_HDR_LEN + WIRE_NAME_MAX + 4 + 11];
};

struct fakenet {
	uint64_t now_ms;
	unsigned sent;            /* queries sent in all */
	unsigned n;               /* pending in p[0..n) */
	struct pending p[FAKENET_PEND_MAX];
};

/* Takes the oldest pending query into *out; false when none is. */
static inline bool pop(struct fakenet *f, struct pending *out)
{
	if (!f->n)
		return false;
	*out = f->p[0];
	memmove(&f->p[0], &f->p[1], --f->n * sizeof(f->p[0]));
	return true;
}

static inline cairn_err fakenet_send(void *ctx, const struct cairn_sockaddr *server, bool tcp,
				     uint16_t udp_size, const uint8_t *pkt, size_t len,
				     resolver_reply_fn fn, void *arg)
{
	struct fakenet *f = ctx;
	struct pending *p;

	(void)udp_size;
	FUZZ_REQUIRE(server->ss.ss_family == AF_INET || server->ss.ss_family == AF_INET6,
		     "query to family %d", server->ss.ss_family);
	FUZZ_REQUIRE(len >= WIRE_HDR_LEN + 5 && len <= sizeof(p->pkt), "query of %zu bytes", len);
	FUZZ_REQUIRE(!(pkt[2] & 0x80), "query with QR set");
	if (f->n == FAKENET_PEND_MAX)
		return CAIRN_EIO;
	p = &f->p[f->n++];
	p->fn = fn;
	p->arg = arg;
	p->tcp = tcp;
	p->len = len;
	memcpy(p->pkt, pkt, len);
	f->sent++;
	return CAIRN_OK;
}

static inline uint64_t fakenet_now_ms(void *ctx)
{
	return ((struct fakenet *)ctx)->now_ms;
}

static inline int fakenet_timeout_ms(void *ctx)
{
	(void)ctx;
	return -1;
}

/* The resolver is being freed: what is pending gets CAIRN_ENOTFOUND, as
 * from c-ares when its channel is destroyed. */
static inline void fakenet_free(void *ctx)
{
	struct fakenet *f = ctx;
	struct pending p;

	while (pop(f, &p))
		p.fn(p.arg, CAIRN_ENOTFOUND, NULL, 0);
}

/* Empties f, sets its clock and fills *io with f's seams (seed fixed:
 * the resolver's IDs and choices are the same on every replay). */
static inline void fakenet_init(struct fakenet *f, struct resolver_io *io)
{
	memset(f, 0, sizeof(*f));
	f->now_ms = FAKENET_CLOCK_START;
	memset(io, 0, sizeof(*io));
	io->ctx = f;
	io->send = fakenet_send;
	io->now_ms = fakenet_now_ms;
	io->timeout_ms = fakenet_timeout_ms;
	io->free = fakenet_free;
	io->seed = 42;
}

#endif
