/* xfr/service.c: the transfer service thread. It sends NOTIFY (RFC 1996
 * §3.5) to the notify: targets of each zone whose serial changed, over
 * UDP from one socket per address family, and retries each target with
 * back-off (§3.6: the interval doubles from 1 s up to a minute) until it
 * answers, giving up (logged) after NOTIFY_TRIES. A newer serial of the
 * same zone replaces the announcement still pending. The same thread runs
 * the refreshes of secondary zones (secondary.c). */
#include "xfr_int.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define NOTIFY_FIRST_MS  1000
#define NOTIFY_MAX_MS    60000
#define NOTIFY_TRIES     10
#define NOTIFY_JOBS_MAX  4096

cairn_err xfr_service_new(cairn_err (*reload)(void *ctx, struct zone *fresh), void *ctx,
			  struct xfr_service **out)
{
	struct xfr_service *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return CAIRN_ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	s->reload = reload;
	s->reload_ctx = ctx;
	s->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	s->fd4 = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	s->fd6 = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->wakefd < 0 || (s->fd4 < 0 && s->fd6 < 0)) {
		log_err("zone transfer service: cannot open sockets: %s", strerror(errno));
		xfr_service_free(s);
		return CAIRN_EIO;
	}
	*out = s;
	return CAIRN_OK;
}

static void wake(struct xfr_service *s)
{
	uint64_t one = 1;

	if (write(s->wakefd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_debug("xfr service: wake: %s", strerror(errno));
}

static void job_clear(struct notify_job *j)
{
	if (j->key.alg)
		tsig_key_clear(&j->key);
}

void service_zone_changed(struct xfr_service *s, const struct xfr_zone *xz, uint32_t serial)
{
	const struct xfr_policy *p = NULL;

	pthread_mutex_lock(&s->lock);
	for (size_t t = 0; t < xz->n_notify; t++) {
		const struct xfr_remote *r = &xz->notify[t];
		struct notify_job *j = NULL;

		/* a newer serial replaces a pending announcement */
		for (size_t i = 0; i < s->n_jobs && !j; i++)
			if (wire_name_equal(s->jobs[i].zone, xz->origin) &&
			    s->jobs[i].target.addr.len == r->addr.len &&
			    memcmp(&s->jobs[i].target.addr.ss, &r->addr.ss, r->addr.len) == 0)
				j = &s->jobs[i];
		if (!j) {
			struct notify_job *g;

			if (s->n_jobs >= NOTIFY_JOBS_MAX)
				break;
			g = realloc(s->jobs, (s->n_jobs + 1) * sizeof(*g));
			if (!g)
				break;
			s->jobs = g;
			j = &s->jobs[s->n_jobs++];
			memset(j, 0, sizeof(*j));
		}
		job_clear(j);
		memset(j, 0, sizeof(*j));
		memcpy(j->zone, xz->origin, xz->origin_len);
		snprintf(j->name, sizeof(j->name), "%s", xz->name);
		j->serial = serial;
		j->target = *r;
		j->wait_ms = NOTIFY_FIRST_MS;
		j->next_ms = cairn_now_ms();
		if (r->key >= 0) {
			p = xz->policy;
			if (tsig_key_init_copy(&j->key, &p->keys[r->key]) != CAIRN_OK) {
				s->n_jobs--;
				break;
			}
		}
	}
	pthread_mutex_unlock(&s->lock);
	wake(s);
}

/* Sends j's NOTIFY (RFC 1996 §3.3: QUERY flags AA, question zone SOA;
 * §3.7 allows the SOA in the answer section, we send none). */
static void send_notify(struct xfr_service *s, struct notify_job *j)
{
	uint8_t m[WIRE_HDR_LEN + WIRE_NAME_MAX + 4 + TSIG_RR_MAX];
	size_t zlen = wire_name_len(j->zone), len;
	int fd = j->target.addr.ss.ss_family == AF_INET6 ? s->fd6 : s->fd4;
	uint16_t id;

	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		id = (uint16_t)cairn_now_ms();
	j->id = id;
	wire_put16(m, id);
	wire_put16(m + 2, (uint16_t)((WIRE_OPCODE_NOTIFY << 11) | WIRE_FLAG_AA));
	wire_put16(m + 4, 1);
	memset(m + 6, 0, 6);
	memcpy(m + WIRE_HDR_LEN, j->zone, zlen);
	wire_put16(m + WIRE_HDR_LEN + zlen, WIRE_TYPE_SOA);
	wire_put16(m + WIRE_HDR_LEN + zlen + 2, WIRE_CLASS_IN);
	len = WIRE_HDR_LEN + zlen + 4;
	if (j->key.alg &&
	    tsig_sign(&j->key, m, &len, sizeof(m), NULL, 0, false, (uint64_t)time(NULL), 0, NULL,
		      0, j->mac, &j->mac_len) != CAIRN_OK)
		log_warn("NOTIFY %s to %s: cannot sign", j->name, j->target.text);
	if (fd < 0 || sendto(fd, m, len, 0, (const struct sockaddr *)&j->target.addr.ss,
			     j->target.addr.len) < 0)
		log_debug("NOTIFY %s to %s: %s", j->name, j->target.text, strerror(errno));
	j->tries++;
}

static void remove_job(struct xfr_service *s, size_t i)
{
	job_clear(&s->jobs[i]);
	s->jobs[i] = s->jobs[--s->n_jobs];
}

/* One datagram on fd: the answer of a job? */
static void on_reply(struct xfr_service *s, int fd)
{
	uint8_t m[4096];
	struct cairn_sockaddr from = { .len = sizeof(from.ss) };
	ssize_t n = recvfrom(fd, m, sizeof(m), 0, (struct sockaddr *)&from.ss, &from.len);

	if (n < WIRE_HDR_LEN)
		return;
	for (size_t i = 0; i < s->n_jobs; i++) {
		struct notify_job *j = &s->jobs[i];
		const char *why = NULL;

		if (j->tries == 0 || wire_get16(m) != j->id || from.len != j->target.addr.len ||
		    memcmp(&from.ss, &j->target.addr.ss, from.len) != 0)
			continue;
		if (!(wire_get16(m + 2) & WIRE_FLAG_QR) ||
		    ((wire_get16(m + 2) >> 11) & 0xf) != WIRE_OPCODE_NOTIFY)
			return; /* not an answer to it: ignored */
		if (j->key.alg) {
			struct tsig_verifier v;

			tsig_verifier_init(&v, &j->key, j->mac, j->mac_len);
			why = tsig_verifier_next(&v, m, (size_t)n, (uint64_t)time(NULL));
			tsig_verifier_clear(&v);
		}
		if (why) {
			log_warn("NOTIFY %s serial %u to %s: answer ignored: %s", j->name, j->serial,
				 j->target.text, why);
			return;
		}
		if ((m[3] & 0xf) != WIRE_RCODE_NOERROR)
			log_warn("NOTIFY %s serial %u to %s: answered with rcode %u", j->name,
				 j->serial, j->target.text, m[3] & 0xf);
		else
			log_info("NOTIFY %s serial %u to %s: acknowledged", j->name, j->serial,
				 j->target.text);
		remove_job(s, i);
		return;
	}
}

static void *run(void *arg)
{
	struct xfr_service *s = arg;

	for (;;) {
		struct pollfd pf[3] = {
			{ .fd = s->wakefd, .events = POLLIN },
			{ .fd = s->fd4, .events = POLLIN },
			{ .fd = s->fd6, .events = POLLIN },
		};
		uint64_t now = cairn_now_ms(), next = now + 60000, v;
		int timeout;

		pthread_mutex_lock(&s->lock);
		if (s->stop) {
			pthread_mutex_unlock(&s->lock);
			break;
		}
		for (size_t i = 0; i < s->n_jobs; i++) {
			struct notify_job *j = &s->jobs[i];

			if (j->next_ms <= now) {
				if (j->tries >= NOTIFY_TRIES) {
					log_warn("NOTIFY %s serial %u to %s: no answer after %u tries, "
						 "giving up", j->name, j->serial, j->target.text,
						 j->tries);
					remove_job(s, i--);
					continue;
				}
				send_notify(s, j);
				j->next_ms = now + j->wait_ms;
				j->wait_ms = j->wait_ms * 2 > NOTIFY_MAX_MS ? NOTIFY_MAX_MS
									 : j->wait_ms * 2;
			}
			if (j->next_ms < next)
				next = j->next_ms;
		}
		pthread_mutex_unlock(&s->lock);
		{
			uint64_t sec_next = secondary_run(s, now);

			now = cairn_now_ms();
			if (sec_next < next)
				next = sec_next;
		}
		timeout = next > now ? (int)(next - now) : 0;
		if (poll(pf, 3, timeout) <= 0)
			continue;
		if (pf[0].revents & POLLIN)
			(void)!read(s->wakefd, &v, sizeof(v));
		pthread_mutex_lock(&s->lock);
		if (pf[1].revents & POLLIN)
			on_reply(s, s->fd4);
		if (pf[2].revents & POLLIN)
			on_reply(s, s->fd6);
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

cairn_err xfr_service_start(struct xfr_service *s)
{
	if (pthread_create(&s->thread, NULL, run, s) != 0)
		return CAIRN_EIO;
	s->started = true;
	return CAIRN_OK;
}

void xfr_service_status(struct xfr_service *s, FILE *out)
{
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n_jobs; i++)
		fprintf(out, "notify %s serial %u to %s: %u tries, not acknowledged yet\n",
			s->jobs[i].name, s->jobs[i].serial, s->jobs[i].target.text,
			s->jobs[i].tries);
	pthread_mutex_unlock(&s->lock);
}

void xfr_service_free(struct xfr_service *s)
{
	if (!s)
		return;
	if (s->started) {
		pthread_mutex_lock(&s->lock);
		s->stop = true;
		pthread_mutex_unlock(&s->lock);
		wake(s);
		pthread_join(s->thread, NULL);
	}
	for (size_t i = 0; i < s->n_jobs; i++)
		job_clear(&s->jobs[i]);
	free(s->jobs);
	secondary_free_all(s);
	if (s->wakefd >= 0)
		close(s->wakefd);
	if (s->fd4 >= 0)
		close(s->fd4);
	if (s->fd6 >= 0)
		close(s->fd6);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
