/* bench/delayserver.c -- a bench-only authoritative server for the root
 * zone of a toy tree that answers every question after a fixed delay
 * (bench/inflight.sh builds it with cc; not part of the product or of make
 * check).  Python cannot keep up with 10,000 replies a second, hence C.
 *
 *   delayserver -a ADDR [-p PORT] [-d DELAY_MS] [-s STATSFILE]
 *
 * The zone it serves (every answer authoritative, TTL 3600):
 *   .            SOA ns.delay. hostmaster.delay. 1 3600 600 86400 300
 *   .            NS  ns.delay.
 *   ns.delay.    A   ADDR
 *   LABEL.       A   127.0.0.99     for every one-label name but delay.
 * delay. is an empty non-terminal; other types give NODATA, other names
 * NXDOMAIN, both with the SOA.  A query with OPT gets OPT back (1232).
 * The question is copied as sent (0x20 case kept).
 *
 * Replies wait in a FIFO (the delay is the same for all, so the FIFO is in
 * due order) and are sent with sendmmsg when due; queries are read with
 * recvmmsg.  On SIGUSR1 it writes one line to STATSFILE: queries received,
 * replies sent, dropped (queue full), pending now, the time-averaged and
 * the largest number pending since the previous SIGUSR1 (which starts a
 * new window).  SIGTERM/SIGINT end it. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define QCAP    (1u << 17)      /* pending replies (power of two) */
#define RMAX    240             /* largest reply we build */
#define BATCH   64

struct pend {
	uint64_t due_ns;
	struct sockaddr_in peer;
	uint16_t len;
	uint8_t buf[RMAX];
};

static volatile sig_atomic_t want_stats, want_stop;

static void on_usr1(int s) { (void)s; want_stats = 1; }
static void on_term(int s) { (void)s; want_stop = 1; }

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }

static const uint8_t NS_NAME[] = "\002ns\005delay";          /* + NUL */
static const uint8_t HM_NAME[] = "\012hostmaster\005delay";

/* Appends an RR header (owner already written) and returns the rdata
 * length position. */
static size_t rr(uint8_t *b, size_t n, unsigned type, uint32_t ttl)
{
	put16(b + n, type);
	put16(b + n + 2, 1);
	put32(b + n + 4, ttl);
	return n + 8;   /* RDLENGTH at n + 8, rdata at n + 10 */
}

static size_t soa(uint8_t *b, size_t n)
{
	size_t rl;

	b[n++] = 0;     /* owner . */
	n = rr(b, n, 6, 3600);
	rl = n;
	n += 2;
	memcpy(b + n, NS_NAME, sizeof(NS_NAME));
	n += sizeof(NS_NAME);
	memcpy(b + n, HM_NAME, sizeof(HM_NAME));
	n += sizeof(HM_NAME);
	put32(b + n, 1);
	put32(b + n + 4, 3600);
	put32(b + n + 8, 600);
	put32(b + n + 12, 86400);
	put32(b + n + 16, 300);
	n += 20;
	put16(b + rl, (unsigned)(n - rl - 2));
	return n;
}

static size_t a_rr(uint8_t *b, size_t n, const uint8_t *owner, size_t olen, struct in_addr a)
{
	memcpy(b + n, owner, olen);
	n = rr(b, n + olen, 1, 3600);
	put16(b + n, 4);
	memcpy(b + n + 2, &a, 4);
	return n + 6;
}

static int label_eq(const uint8_t *q, size_t qlen, const uint8_t *want, size_t wlen)
{
	return qlen == wlen && strncasecmp((const char *)q, (const char *)want, qlen) == 0;
}

/* Builds the reply to the query q (len n) in out; returns its length or 0
 * to drop it. */
static size_t answer(const uint8_t *q, size_t n, uint8_t *out, struct in_addr self)
{
	size_t p = 12, qend, o;
	unsigned labels = 0, qtype, an = 0, ns = 0, ar = 0, rcode = 0;
	const uint8_t *l1 = NULL, *l2 = NULL;
	int edns = 0;
	struct in_addr leaf;

	if (n < 12 || (q[2] & 0x80) || ((q[2] >> 3) & 0xf) != 0 ||
	    q[4] != 0 || q[5] != 1)
		return 0;
	while (p < n && q[p]) {
		if ((q[p] & 0xc0) || p + 1 + q[p] >= n)
			return 0;
		if (labels == 0)
			l1 = q + p;
		else if (labels == 1)
			l2 = q + p;
		labels++;
		p += 1 + q[p];
	}
	if (p + 5 > n || p - 12 + 1 > 255)
		return 0;
	qtype = (unsigned)q[p + 1] << 8 | q[p + 2];
	if (q[p + 3] != 0 || q[p + 4] != 1)
		return 0;   /* class IN only */
	qend = p + 5;
	/* an OPT as the first additional record */
	if ((q[10] || q[11]) && qend + 11 <= n && q[qend] == 0 && q[qend + 1] == 0 && q[qend + 2] == 41)
		edns = 1;
	if (qend > RMAX - 120)
		return 0;
	memcpy(out, q, qend);
	out[2] = (uint8_t)(0x80 | 0x04 | (q[2] & 0x01));    /* QR AA RD */
	out[3] = 0;
	o = qend;
	if (labels == 0) {
		if (qtype == 2) {       /* . NS, glue */
			size_t rl;

			out[o++] = 0xc0;
			out[o++] = 12;
			o = rr(out, o, 2, 3600);
			rl = o;
			put16(out + o, sizeof(NS_NAME));
			memcpy(out + o + 2, NS_NAME, sizeof(NS_NAME));
			o += 2 + sizeof(NS_NAME);
			an = 1;
			uint8_t ptr[2] = { 0xc0, (uint8_t)(rl + 2) };
			o = a_rr(out, o, ptr, 2, self);
			ar = 1;
		} else if (qtype == 6) {
			o = soa(out, o);
			an = 1;
		} else {
			o = soa(out, o);
			ns = 1;
		}
	} else if (labels == 1) {
		if (label_eq(l1 + 1, l1[0], (const uint8_t *)"delay", 5)) {
			o = soa(out, o);        /* empty non-terminal */
			ns = 1;
		} else if (qtype == 1) {
			uint8_t ptr[2] = { 0xc0, 12 };

			inet_pton(AF_INET, "127.0.0.99", &leaf);
			o = a_rr(out, o, ptr, 2, leaf);
			an = 1;
		} else {
			o = soa(out, o);
			ns = 1;
		}
	} else if (labels == 2 && label_eq(l1 + 1, l1[0], (const uint8_t *)"ns", 2) &&
		   label_eq(l2 + 1, l2[0], (const uint8_t *)"delay", 5)) {
		if (qtype == 1) {
			uint8_t ptr[2] = { 0xc0, 12 };

			o = a_rr(out, o, ptr, 2, self);
			an = 1;
		} else {
			o = soa(out, o);
			ns = 1;
		}
	} else {
		rcode = 3;
		o = soa(out, o);
		ns = 1;
	}
	if (edns) {
		out[o++] = 0;
		put16(out + o, 41);
		put16(out + o + 2, 1232);
		put32(out + o + 4, 0);
		put16(out + o + 8, 0);
		o += 10;
		ar++;
	}
	out[3] = (uint8_t)rcode;
	put16(out + 6, an);
	put16(out + 8, ns);
	put16(out + 10, ar);
	return o;
}

int main(int argc, char **argv)
{
	const char *addr = NULL, *statsfile = NULL;
	unsigned port = 53, delay_ms = 200;
	struct sockaddr_in sa;
	struct pend *qp;
	uint64_t head = 0, tail = 0, received = 0, sent = 0, dropped = 0;
	uint64_t win_start, last, max_pend = 0;
	double area = 0;
	int opt, fd, one = 1, sz = 8 << 20;

	while ((opt = getopt(argc, argv, "a:p:d:s:")) != -1) {
		switch (opt) {
		case 'a': addr = optarg; break;
		case 'p': port = (unsigned)atoi(optarg); break;
		case 'd': delay_ms = (unsigned)atoi(optarg); break;
		case 's': statsfile = optarg; break;
		default: goto usage;
		}
	}
	if (!addr) {
usage:
		fprintf(stderr, "usage: delayserver -a ADDR [-p PORT] [-d DELAY_MS] [-s STATSFILE]\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "delayserver: bad address %s\n", addr);
		return 2;
	}
	qp = calloc(QCAP, sizeof(*qp));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (!qp || fd < 0) {
		perror("delayserver");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("delayserver: bind");
		return 1;
	}
	signal(SIGUSR1, on_usr1);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	win_start = last = now_ns();

	while (!want_stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct timespec ts, *tsp = NULL;
		uint64_t now = now_ns();

		if (head != tail) {
			uint64_t due = qp[head & (QCAP - 1)].due_ns;
			uint64_t wait = due > now ? due - now : 0;

			ts.tv_sec = (time_t)(wait / 1000000000u);
			ts.tv_nsec = (long)(wait % 1000000000u);
			tsp = &ts;
		}
		ppoll(&pfd, 1, tsp, NULL);
		now = now_ns();
		area += (double)(tail - head) * (double)(now - last);
		last = now;
		if (want_stats) {
			want_stats = 0;
			if (statsfile) {
				FILE *f = fopen(statsfile, "w");
				double span = (double)(now - win_start);

				if (f) {
					fprintf(f, "received %llu sent %llu dropped %llu pending %llu "
						"mean_pending %.1f max_pending %llu\n",
						(unsigned long long)received, (unsigned long long)sent,
						(unsigned long long)dropped, (unsigned long long)(tail - head),
						span > 0 ? area / span : 0.0, (unsigned long long)max_pend);
					fclose(f);
				}
			}
			win_start = now;
			area = 0;
			max_pend = tail - head;
		}
		/* read everything there is */
		for (;;) {
			struct mmsghdr mh[BATCH];
			struct iovec iov[BATCH];
			struct sockaddr_in from[BATCH];
			uint8_t in[BATCH][512];
			int got;

			for (int i = 0; i < BATCH; i++) {
				iov[i].iov_base = in[i];
				iov[i].iov_len = sizeof(in[i]);
				memset(&mh[i], 0, sizeof(mh[i]));
				mh[i].msg_hdr.msg_iov = &iov[i];
				mh[i].msg_hdr.msg_iovlen = 1;
				mh[i].msg_hdr.msg_name = &from[i];
				mh[i].msg_hdr.msg_namelen = sizeof(from[i]);
			}
			got = recvmmsg(fd, mh, BATCH, MSG_DONTWAIT, NULL);
			if (got <= 0)
				break;
			now = now_ns();
			for (int i = 0; i < got; i++) {
				struct pend *e;
				size_t len;

				received++;
				if (tail - head >= QCAP) {
					dropped++;
					continue;
				}
				e = &qp[tail & (QCAP - 1)];
				len = answer(in[i], mh[i].msg_len, e->buf, sa.sin_addr);
				if (!len)
					continue;
				e->len = (uint16_t)len;
				e->peer = from[i];
				e->due_ns = now + (uint64_t)delay_ms * 1000000u;
				tail++;
			}
			if (tail - head > max_pend)
				max_pend = tail - head;
			if (got < BATCH)
				break;
		}
		/* send what is due */
		now = now_ns();
		while (head != tail && qp[head & (QCAP - 1)].due_ns <= now) {
			struct mmsghdr mh[BATCH];
			struct iovec iov[BATCH];
			int n = 0, done;

			while (n < BATCH && head + (uint64_t)n != tail &&
			       qp[(head + (uint64_t)n) & (QCAP - 1)].due_ns <= now) {
				struct pend *e = &qp[(head + (uint64_t)n) & (QCAP - 1)];

				iov[n].iov_base = e->buf;
				iov[n].iov_len = e->len;
				memset(&mh[n], 0, sizeof(mh[n]));
				mh[n].msg_hdr.msg_iov = &iov[n];
				mh[n].msg_hdr.msg_iovlen = 1;
				mh[n].msg_hdr.msg_name = &e->peer;
				mh[n].msg_hdr.msg_namelen = sizeof(e->peer);
				n++;
			}
			done = sendmmsg(fd, mh, (unsigned)n, MSG_DONTWAIT);
			if (done <= 0) {
				if (done < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
					/* e.g. the peer's port is gone: skip that reply */
					head++;
					sent++;
					continue;
				}
				break;  /* buffer full: try again after the next poll */
			}
			head += (uint64_t)done;
			sent += (uint64_t)done;
		}
	}
	free(qp);
	close(fd);
	return 0;
}
