/* cdig transport: DNS exchanges on cdig's own sockets. UDP (one datagram
 * out, the answer read into a 65535-byte buffer so any answer the
 * advertised EDNS size allows arrives whole, RFC 6891 §6.2.5), TCP with
 * the two-byte length prefix (RFC 1035 §4.2.2, RFC 7766 §8), and TCP
 * inside TLS (RFC 7858 §3.3, OpenSSL). The message goes out byte for byte
 * as built: the ID printed by +qr and covered by a TSIG MAC is the ID sent
 * (c-ares 1.18.1's ares_send replaces the ID, so the client does not use
 * it; the resolver's transport still does). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "cdig.h"

#define CDIG_UDP_MAX 65535      /* largest DNS message (RFC 1035 §4.2.1 + EDNS) */

struct cdig_conn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	char tls_err[256];
};

cairn_err cdig_transport_init(void)
{
	return OPENSSL_init_ssl(0, NULL) == 1 ? CAIRN_OK : CAIRN_EIO;
}

void cdig_transport_cleanup(void)
{
}

const char *cdig_transport_version(void)
{
	return OpenSSL_version(OPENSSL_VERSION);
}

static int remaining(uint64_t deadline)
{
	uint64_t now = cairn_now_ms();

	return now >= deadline ? 0 : (int)(deadline - now);
}

/* Waits for events on fd until deadline: 1 ready, 0 timeout, -1 error. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int rc;

	for (;;) {
		rc = poll(&p, 1, remaining(deadline));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -1;
		return rc;
	}
}

static enum cdig_xstatus errno_status(int e)
{
	if (e == ECONNREFUSED)
		return CDIG_X_REFUSED;
	if (e == ETIMEDOUT)
		return CDIG_X_TIMEOUT;
	if (e == ENETUNREACH || e == EHOSTUNREACH)
		return CDIG_X_UNREACH;
	return CDIG_X_ERROR;
}

static cairn_err open_socket(const struct cdig_server *srv,
			     const struct sockaddr *src, int type, int *out)
{
	int fd, on = 1;
	socklen_t slen;

	*out = -1;
	fd = socket(srv->ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return CAIRN_EIO;
	if (src) {
		slen = src->sa_family == AF_INET ? sizeof(struct sockaddr_in)
						 : sizeof(struct sockaddr_in6);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, src, slen) < 0) {
			close(fd);
			return CAIRN_EINVAL;
		}
	}
	*out = fd;
	return CAIRN_OK;
}

static bool same_peer(const struct sockaddr_storage *a,
		      const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	{
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
	}
}

bool cdig_same_server(const struct cdig_server *a, const struct cdig_server *b)
{
	return same_peer(&a->ss, &b->ss);
}

/* RFC 5452 §4.3 / dig: a reply whose question is not ours (name in any
 * case, type, class) is reported and waited past. Replies without a
 * question (NOTIMP, FORMERR...) are taken. */
static bool question_matches(const uint8_t *q, size_t qlen, const uint8_t *r,
			     size_t rlen, bool quiet)
{
	ldns_pkt *qp = NULL, *rp = NULL;
	const ldns_rr *a, *b;
	bool ok = true;

	if (rlen < 12 || ((r[4] << 8) | r[5]) == 0 || qlen < 12 ||
	    ((q[4] << 8) | q[5]) == 0)
		return true;
	if (ldns_wire2pkt(&qp, q, qlen) != LDNS_STATUS_OK ||
	    ldns_wire2pkt(&rp, r, rlen) != LDNS_STATUS_OK ||
	    ldns_rr_list_rr_count(ldns_pkt_question(qp)) < 1 ||
	    ldns_rr_list_rr_count(ldns_pkt_question(rp)) < 1)
		goto done;     /* a malformed reply is reported by the caller */
	a = ldns_rr_list_rr(ldns_pkt_question(qp), 0);
	b = ldns_rr_list_rr(ldns_pkt_question(rp), 0);
	if (ldns_dname_compare(ldns_rr_owner(a), ldns_rr_owner(b)) != 0 ||
	    ldns_rr_get_type(a) != ldns_rr_get_type(b) ||
	    ldns_rr_get_class(a) != ldns_rr_get_class(b)) {
		ok = false;
		if (!quiet) {
			char *nm = ldns_rdf2str(ldns_rr_owner(b));
			char *ty = ldns_rr_type2str(ldns_rr_get_type(b));
			char *cl = ldns_rr_class2str(ldns_rr_get_class(b));

			size_t l = nm ? strlen(nm) : 0;

			/* dig's words, doubled ";; " and the name without its
			 * final dot included */
			if (l > 1 && nm[l - 1] == '.')
				nm[l - 1] = '\0';
			printf(";; ;; Question section mismatch: got %s/%s/%s\n",
			       nm ? nm : "", ty ? ty : "", cl ? cl : "");
			free(nm);
			free(ty);
			free(cl);
		}
	}
done:
	if (qp)
		ldns_pkt_free(qp);
	if (rp)
		ldns_pkt_free(rp);
	return ok;
}

cairn_err cdig_udp_exchange(const struct cdig_server *srv,
			    const struct sockaddr *src, int timeout_ms,
			    const uint8_t *q, size_t qlen, bool quiet,
			    uint8_t **resp, size_t *resplen,
			    enum cdig_xstatus *st, unsigned *elapsed_ms)
{
	uint8_t *buf = NULL;
	uint64_t start = cairn_now_ms(), deadline = start + (uint64_t)timeout_ms;
	cairn_err err;
	int fd = -1;

	*resp = NULL;
	*resplen = 0;
	*st = CDIG_X_ERROR;
	*elapsed_ms = 0;
	err = open_socket(srv, src, SOCK_DGRAM, &fd);
	if (err != CAIRN_OK)
		goto done;
	buf = malloc(CDIG_UDP_MAX);
	if (!buf) {
		err = CAIRN_ENOMEM;
		goto done;
	}
	/* connect(): only the server's datagrams reach us, and ICMP port
	 * unreachable comes back as ECONNREFUSED. */
	if (connect(fd, (const struct sockaddr *)&srv->ss, srv->len) < 0 ||
	    send(fd, q, qlen, 0) != (ssize_t)qlen) {
		*st = errno_status(errno);
		goto done;
	}
	for (;;) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n;
		int w = wait_fd(fd, POLLIN, deadline);

		if (w == 0) {
			*st = CDIG_X_TIMEOUT;
			goto done;
		}
		if (w < 0) {
			*st = CDIG_X_ERROR;
			goto done;
		}
		n = recvfrom(fd, buf, CDIG_UDP_MAX, 0, (struct sockaddr *)&from, &flen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			*st = errno_status(errno);
			goto done;
		}
		if (!same_peer(&from, &srv->ss))
			continue;
		if (n < 2 || (qlen >= 2 && memcmp(buf, q, 2) != 0)) {
			/* dig keeps waiting for the right ID (RFC 5452 §4.3) */
			if (!quiet && n >= 2)
				printf(";; Warning: ID mismatch: expected ID %u, got %u\n",
				       (unsigned)((q[0] << 8) | q[1]),
				       (unsigned)((buf[0] << 8) | buf[1]));
			continue;
		}
		if (!question_matches(q, qlen, buf, (size_t)n, quiet))
			continue;
		*resp = realloc(buf, (size_t)n ? (size_t)n : 1);
		if (!*resp) {
			*resp = buf;
		}
		buf = NULL;
		*resplen = (size_t)n;
		*st = CDIG_X_OK;
		break;
	}
done:
	*elapsed_ms = (unsigned)(cairn_now_ms() - start);
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

/* ---- TCP and TLS streams ---- */

static int tls_verify_cb(int ok, X509_STORE_CTX *x)
{
	(void)x;
	return ok;
}

static cairn_err tls_setup(struct cdig_conn *c, const struct cdig_tls *tls,
			   const struct cdig_server *srv)
{
	static const unsigned char alpn[] = { 3, 'd', 'o', 't' };  /* RFC 7858 §3.2 */
	const char *host = tls->hostname[0] ? tls->hostname : NULL;
	char addr[INET6_ADDRSTRLEN];

	c->ctx = SSL_CTX_new(TLS_client_method());
	if (!c->ctx)
		return CAIRN_ENOMEM;
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	if (tls->verify) {
		if (tls->ca[0] ? SSL_CTX_load_verify_locations(c->ctx, tls->ca, NULL) != 1
			       : SSL_CTX_set_default_verify_paths(c->ctx) != 1) {
			snprintf(c->tls_err, sizeof(c->tls_err),
				 "cannot load the CA file '%.200s'", tls->ca);
			return CAIRN_EINVAL;
		}
		SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, tls_verify_cb);
	}
	if (tls->certfile[0] &&
	    (SSL_CTX_use_certificate_chain_file(c->ctx, tls->certfile) != 1 ||
	     SSL_CTX_use_PrivateKey_file(c->ctx, tls->keyfile[0] ? tls->keyfile
							: tls->certfile,
					 SSL_FILETYPE_PEM) != 1)) {
		snprintf(c->tls_err, sizeof(c->tls_err),
			 "cannot load the client certificate '%.200s'", tls->certfile);
		return CAIRN_EINVAL;
	}
	c->ssl = SSL_new(c->ctx);
	if (!c->ssl)
		return CAIRN_ENOMEM;
	SSL_set_alpn_protos(c->ssl, alpn, sizeof(alpn));
	if (!host && srv->label[0] &&
	    !inet_pton(AF_INET, srv->label, addr) &&
	    !inet_pton(AF_INET6, srv->label, addr))
		host = srv->label;
	if (host)
		SSL_set_tlsext_host_name(c->ssl, host);
	if (tls->verify) {
		X509_VERIFY_PARAM *p = SSL_get0_param(c->ssl);

		/* RFC 8310 §8: authenticate the name (or the address) */
		if (host)
			X509_VERIFY_PARAM_set1_host(p, host, 0);
		else
			X509_VERIFY_PARAM_set1_ip_asc(p, srv->label);
	}
	if (SSL_set_fd(c->ssl, c->fd) != 1)
		return CAIRN_ENOMEM;
	return CAIRN_OK;
}

/* Drives one SSL call that wants to read or write until done. */
static int tls_wait(struct cdig_conn *c, int rc, uint64_t deadline)
{
	int e = SSL_get_error(c->ssl, rc);

	if (e == SSL_ERROR_WANT_READ)
		return wait_fd(c->fd, POLLIN, deadline);
	if (e == SSL_ERROR_WANT_WRITE)
		return wait_fd(c->fd, POLLOUT, deadline);
	return -1;
}

cairn_err cdig_conn_open(const struct cdig_server *srv,
			 const struct sockaddr *src, const struct cdig_tls *tls,
			 int timeout_ms, struct cdig_conn **out,
			 enum cdig_xstatus *st, char *why, size_t whylen)
{
	struct cdig_conn *c;
	uint64_t deadline = cairn_now_ms() + (uint64_t)timeout_ms;
	cairn_err err;
	int soerr = 0, w;
	socklen_t sl = sizeof(soerr);

	*out = NULL;
	*st = CDIG_X_ERROR;
	if (why && whylen)
		why[0] = '\0';
	c = calloc(1, sizeof(*c));
	if (!c)
		return CAIRN_ENOMEM;
	err = open_socket(srv, src, SOCK_STREAM, &c->fd);
	if (err != CAIRN_OK)
		goto done;
	if (connect(c->fd, (const struct sockaddr *)&srv->ss, srv->len) < 0 &&
	    errno != EINPROGRESS) {
		*st = errno_status(errno);
		goto done;
	}
	w = wait_fd(c->fd, POLLOUT, deadline);
	if (w <= 0) {
		*st = w == 0 ? CDIG_X_TIMEOUT : CDIG_X_ERROR;
		goto done;
	}
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
		*st = errno_status(soerr ? soerr : errno);
		goto done;
	}
	if (tls && tls->on) {
		int rc;

		err = tls_setup(c, tls, srv);
		if (err != CAIRN_OK) {
			if (why && c->tls_err[0])
				snprintf(why, whylen, "%s", c->tls_err);
			goto done;
		}
		while ((rc = SSL_connect(c->ssl)) != 1) {
			w = tls_wait(c, rc, deadline);
			if (w <= 0) {
				long vr = SSL_get_verify_result(c->ssl);

				/* a certificate that fails verification is
				 * CDIG_X_TLS; other handshake failures are errors */
				*st = w == 0 ? CDIG_X_TIMEOUT
					     : vr != X509_V_OK ? CDIG_X_TLS : CDIG_X_ERROR;
				if (why && vr != X509_V_OK)
					snprintf(why, whylen, "%s",
						 X509_verify_cert_error_string(vr));
				else if (why)
					snprintf(why, whylen, "%s",
						 ERR_reason_error_string(ERR_get_error())
						 ? ERR_reason_error_string(ERR_peek_last_error())
						 : "TLS handshake failed");
				ERR_clear_error();
				goto done;
			}
		}
	}
	*st = CDIG_X_OK;
	*out = c;
	c = NULL;
done:
	cdig_conn_close(c);
	return err;
}

static cairn_err io_all(struct cdig_conn *c, uint8_t *p, size_t n, bool wr,
			uint64_t deadline, enum cdig_xstatus *st)
{
	size_t off = 0;

	*st = CDIG_X_OK;
	while (off < n) {
		ssize_t r;

		if (c->ssl) {
			size_t done = 0;
			int rc = wr ? SSL_write_ex(c->ssl, p + off, n - off, &done)
				    : SSL_read_ex(c->ssl, p + off, n - off, &done);
			if (rc == 1) {
				off += done;
				continue;
			}
			if (SSL_get_error(c->ssl, rc) == SSL_ERROR_ZERO_RETURN) {
				*st = CDIG_X_EOF;
				return CAIRN_OK;
			}
			rc = tls_wait(c, rc, deadline);
			if (rc <= 0) {
				*st = rc == 0 ? CDIG_X_TIMEOUT : CDIG_X_EOF;
				ERR_clear_error();
				return CAIRN_OK;
			}
			continue;
		}
		r = wr ? send(c->fd, p + off, n - off, MSG_NOSIGNAL)
		       : recv(c->fd, p + off, n - off, 0);
		if (r > 0) {
			off += (size_t)r;
			continue;
		}
		if (r == 0) {
			*st = CDIG_X_EOF;
			return CAIRN_OK;
		}
		if (errno == EAGAIN || errno == EINTR) {
			int w = wait_fd(c->fd, wr ? POLLOUT : POLLIN, deadline);
			if (w <= 0) {
				*st = w == 0 ? CDIG_X_TIMEOUT : CDIG_X_ERROR;
				return CAIRN_OK;
			}
			continue;
		}
		*st = errno == ECONNRESET ? CDIG_X_EOF : errno_status(errno);
		return CAIRN_OK;
	}
	return CAIRN_OK;
}

cairn_err cdig_conn_send(struct cdig_conn *c, const uint8_t *q, size_t qlen,
			 int timeout_ms, enum cdig_xstatus *st)
{
	uint8_t *buf;
	cairn_err err;

	if (qlen > 65535)
		return CAIRN_EINVAL;
	buf = malloc(qlen + 2);
	if (!buf)
		return CAIRN_ENOMEM;
	/* RFC 1035 §4.2.2: two-byte length, then the message, in one write
	 * (RFC 7766 §8) */
	buf[0] = (uint8_t)(qlen >> 8);
	buf[1] = (uint8_t)qlen;
	memcpy(buf + 2, q, qlen);
	err = io_all(c, buf, qlen + 2, true, cairn_now_ms() + (uint64_t)timeout_ms, st);
	free(buf);
	return err;
}

cairn_err cdig_conn_recv(struct cdig_conn *c, int timeout_ms, uint8_t **msg,
			 size_t *len, enum cdig_xstatus *st)
{
	uint64_t deadline = cairn_now_ms() + (uint64_t)timeout_ms;
	uint8_t hdr[2], *buf;
	size_t n;
	cairn_err err;

	*msg = NULL;
	*len = 0;
	err = io_all(c, hdr, 2, false, deadline, st);
	if (err != CAIRN_OK || *st != CDIG_X_OK)
		return err;
	n = (size_t)((hdr[0] << 8) | hdr[1]);
	buf = malloc(n ? n : 1);
	if (!buf)
		return CAIRN_ENOMEM;
	err = io_all(c, buf, n, false, deadline, st);
	if (err != CAIRN_OK || *st != CDIG_X_OK) {
		if (*st == CDIG_X_EOF)
			*st = CDIG_X_ERROR;    /* cut inside a message */
		free(buf);
		return err;
	}
	*msg = buf;
	*len = n;
	return CAIRN_OK;
}

void cdig_conn_close(struct cdig_conn *c)
{
	if (!c)
		return;
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	if (c->ctx)
		SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}
