/* bench/floor/floor.c -- the floor responder: the cheapest UDP "DNS
 * server" there is, to measure what the kernel and the UDP path cost by
 * themselves (bench/floor.sh builds it with cc and runs it beside cairnd;
 * not part of the product or of make check).
 *
 *   floor [-e] -a ADDR -p PORT
 *
 * One thread (pin it with taskset, as bench/floor.sh pins cairnd's single
 * worker): it reads up to 32 datagrams at once with recvmmsg (blocking
 * until the first, then taking what is queued, MSG_WAITFORONE), sets the
 * QR bit of each one that has a DNS header and sends them all back
 * unchanged otherwise with one sendmmsg. No parsing, no answer, no
 * allocation. SIGTERM/SIGINT end it.
 *
 * -e: the floor of an event-loop server: before each batch it waits in
 * epoll_wait for the socket to be readable and then reads without
 * blocking (MSG_DONTWAIT), as cairnd's workers (and NSD's and Knot's) do,
 * so that what one epoll_wait per batch costs can be told apart. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define FLOOR_BATCH 32            /* as cairnd's UDP_BATCH */
#define FLOOR_BUF   4096          /* as cairnd's UDP_RX_SIZE */
#define DNS_HEADER  12            /* RFC 1035 §4.1.1 */
#define DNS_QR      0x80          /* in the third header byte */

struct batch {
	struct mmsghdr rx[FLOOR_BATCH], tx[FLOOR_BATCH];
	struct iovec iov[FLOOR_BATCH], txiov[FLOOR_BATCH];
	struct sockaddr_storage addr[FLOOR_BATCH];
	uint8_t buf[FLOOR_BATCH][FLOOR_BUF];
};

static int open_socket(const char *addr, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	memset(&ss, 0, sizeof ss);
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, addr, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		len = sizeof *in;
	} else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		len = sizeof *in6;
	} else {
		fprintf(stderr, "floor: bad address %s\n", addr);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) != 0) {
		fprintf(stderr, "floor: %s@%d: %s\n", addr, port, strerror(errno));
		return -1;
	}
	return fd;
}

/* ep >= 0: wait in epoll_wait on it, then read without blocking */
static void serve(int fd, int ep, struct batch *b)
{
	for (unsigned i = 0; i < FLOOR_BATCH; i++) {
		b->iov[i] = (struct iovec){ .iov_base = b->buf[i], .iov_len = FLOOR_BUF };
		b->rx[i].msg_hdr = (struct msghdr){ .msg_iov = &b->iov[i], .msg_iovlen = 1 };
	}
	for (;;) {
		for (unsigned i = 0; i < FLOOR_BATCH; i++) {
			b->rx[i].msg_hdr.msg_name = &b->addr[i];
			b->rx[i].msg_hdr.msg_namelen = sizeof b->addr[i];
		}
		struct epoll_event ev;
		if (ep >= 0 && epoll_wait(ep, &ev, 1, -1) < 0 && errno != EINTR) {
			fprintf(stderr, "floor: epoll_wait: %s\n", strerror(errno));
			return;
		}
		int n = recvmmsg(fd, b->rx, FLOOR_BATCH, ep >= 0 ? MSG_DONTWAIT : MSG_WAITFORONE,
				 NULL);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fprintf(stderr, "floor: recvmmsg: %s\n", strerror(errno));
			return;
		}
		unsigned m = 0;
		for (int i = 0; i < n; i++) {
			if (b->rx[i].msg_len < DNS_HEADER)
				continue;
			b->buf[i][2] |= DNS_QR;
			b->txiov[m] = (struct iovec){ .iov_base = b->buf[i],
						      .iov_len = b->rx[i].msg_len };
			b->tx[m].msg_hdr = (struct msghdr){
				.msg_name = &b->addr[i], .msg_namelen = b->rx[i].msg_hdr.msg_namelen,
				.msg_iov = &b->txiov[m], .msg_iovlen = 1 };
			m++;
		}
		for (unsigned sent = 0; sent < m;) {
			int r = sendmmsg(fd, b->tx + sent, m - sent, 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;    /* dropped, as a full socket buffer drops */
			sent += (unsigned)r;
		}
	}
}

int main(int argc, char **argv)
{
	const char *addr = NULL;
	int port = 0, opt, fd, ep = -1;
	bool use_epoll = false;
	struct batch *b;

	while ((opt = getopt(argc, argv, "a:p:e")) != -1) {
		switch (opt) {
		case 'e': use_epoll = true; break;
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		default: addr = NULL; port = 0; optind = argc; break;
		}
	}
	if (!addr || port <= 0 || port > 65535) {
		fprintf(stderr, "usage: floor [-e] -a ADDR -p PORT\n");
		return 2;
	}
	fd = open_socket(addr, port);
	b = calloc(1, sizeof *b);
	if (fd < 0 || !b)
		return 1;
	if (use_epoll) {
		struct epoll_event ev = { .events = EPOLLIN };

		ep = epoll_create1(0);
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
			fprintf(stderr, "floor: epoll: %s\n", strerror(errno));
			return 1;
		}
	}
	serve(fd, ep, b);
	return 1;
}
