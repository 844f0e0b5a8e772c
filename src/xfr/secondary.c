/* xfr/secondary.c: the secondary role (RFC 1034 §4.3.5, RFC 1996, RFC
 * 1995): per zone, refresh at the SOA's refresh interval (at once after a
 * NOTIFY or `cairn-control transfer`), retry at its retry interval after a
 * failure, stop answering (SERVFAIL) once expire has passed without a
 * successful refresh. A refresh asks each primary in turn for its SOA and
 * transfers the zone (IXFR, falling back to AXFR) when the serial is newer
 * (RFC 1982 arithmetic); the new version is checked, written to FILE and
 * installed by the daemon's reload; a broken transfer leaves the old copy
 * serving and its reason in the log and in zone-status. */
#include "xfr_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SEC_NODATA_RETRY_MS 5000     /* first retry without a copy, doubling */
#define SEC_NODATA_MAX_MS   300000

/* snprintf that may cut (messages are bounded on purpose) */
static void say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static void sec_clear_remotes(struct sec_zone *z)
{
	for (size_t i = 0; i < z->n_primary; i++)
		if (z->keys[i].alg)
			tsig_key_clear(&z->keys[i]);
	free(z->keys);
	free(z->primary);
	z->keys = NULL;
	z->primary = NULL;
	z->n_primary = 0;
}

void secondary_free_all(struct xfr_service *s)
{
	for (size_t i = 0; i < s->n_sec; i++) {
		sec_clear_remotes(s->sec[i]);
		zone_free(s->sec[i]->zone);
		free(s->sec[i]->file);
		free(s->sec[i]);
	}
	free(s->sec);
	s->sec = NULL;
	s->n_sec = 0;
}

/* The SOA timers of z's copy (RFC 1035 §3.3.13). */
static void soa_timers(struct sec_zone *z)
{
	const struct wire_rrset *soa = zone_soa_rrset(z->zone);
	const uint8_t *rd = soa->rdata + 2 + wire_get16(soa->rdata) - 20;

	z->refresh = wire_get32(rd + 4);
	z->retry = wire_get32(rd + 8);
	z->expire = wire_get32(rd + 12);
	if (z->retry < 1)
		z->retry = 1;
}

static struct sec_zone *find_sec(struct xfr_service *s, const uint8_t *origin)
{
	for (size_t i = 0; i < s->n_sec; i++)
		if (wire_name_equal(s->sec[i]->origin, origin))
			return s->sec[i];
	return NULL;
}

void service_configure(struct xfr_service *s, struct xfr_policy *p)
{
	uint64_t now = cairn_now_ms();

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n_sec; i++)
		s->sec[i]->active = false;
	for (size_t i = 0; i < p->n_zones; i++) {
		struct xfr_zone *xz = &p->zones[i];
		struct sec_zone *z;

		if (!xz->n_primary)
			continue;
		z = find_sec(s, xz->origin);
		if (!z) {
			struct sec_zone **g = realloc(s->sec, (s->n_sec + 1) * sizeof(*g));

			z = calloc(1, sizeof(*z));
			if (!g || !z) {
				free(z);
				if (g)
					s->sec = g;
				log_err("zone %s: out of memory for its secondary state", xz->name);
				continue;
			}
			s->sec = g;
			s->sec[s->n_sec++] = z;
			memcpy(z->origin, xz->origin, xz->origin_len);
			snprintf(z->name, sizeof(z->name), "%s", xz->name);
			z->next_ms = now; /* fetch (or check) at once */
			atomic_init(&z->unavailable, true);
		}
		z->active = true;
		free(z->file);
		z->file = strdup(xz->file);
		sec_clear_remotes(z);
		z->primary = calloc(xz->n_primary, sizeof(*z->primary));
		z->keys = calloc(xz->n_primary, sizeof(*z->keys));
		if (z->primary && z->keys) {
			for (size_t j = 0; j < xz->n_primary; j++) {
				z->primary[j] = xz->primary[j];
				if (xz->primary[j].key >= 0)
					(void)tsig_key_init_copy(&z->keys[j], &p->keys[xz->primary[j].key]);
			}
			z->n_primary = xz->n_primary;
		}
		if (xz->zone && (!z->zone || zone_serial(z->zone) != zone_serial(xz->zone) ||
				 !z->expire_ms)) {
			/* a new version (a transfer, or the file at start-up):
			 * the timers start again */
			zone_free(z->zone);
			z->zone = zone_ref(xz->zone);
			soa_timers(z);
			z->expire_ms = now + (uint64_t)z->expire * 1000;
			if (z->next_ms > now + (uint64_t)z->refresh * 1000)
				z->next_ms = now + (uint64_t)z->refresh * 1000;
			atomic_store(&z->unavailable, false);
		} else if (xz->zone && z->zone != xz->zone) {
			zone_free(z->zone);
			z->zone = zone_ref(xz->zone);
		}
		xz->unavailable = &z->unavailable;
	}
	for (size_t i = 0; i < s->n_sec; i++)
		if (!s->sec[i]->active && s->sec[i]->zone) {
			zone_free(s->sec[i]->zone);
			s->sec[i]->zone = NULL;
			s->sec[i]->expire_ms = 0;
		}
	pthread_mutex_unlock(&s->lock);
	if (s->started) {
		uint64_t one = 1;

		(void)!write(s->wakefd, &one, sizeof(one));
	}
}

void service_notified(struct xfr_service *s, const uint8_t *name)
{
	struct sec_zone *z;
	uint64_t one = 1;

	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	z = find_sec(s, name);
	if (z && z->active)
		z->next_ms = cairn_now_ms(); /* RFC 1996 §3.11: as if refresh expired */
	pthread_mutex_unlock(&s->lock);
	(void)!write(s->wakefd, &one, sizeof(one));
}

cairn_err xfr_service_transfer(struct xfr_service *s, const char *name, FILE *out)
{
	uint8_t origin[WIRE_NAME_MAX];
	size_t len;
	struct sec_zone *z = NULL;

	if (wire_name_from_text(name, NULL, origin, &len) == CAIRN_OK) {
		pthread_mutex_lock(&s->lock);
		z = find_sec(s, origin);
		if (z && z->active)
			z->next_ms = 0;
		pthread_mutex_unlock(&s->lock);
	}
	if (!z || !z->active) {
		fprintf(out, "%s is not a secondary zone here\n", name);
		return CAIRN_EINVAL;
	}
	service_notified(s, origin);
	fprintf(out, "refresh of %s started; see zone-status %s\n", name, name);
	return CAIRN_OK;
}

static void print_time(FILE *out, const char *what, uint64_t ms, uint64_t now_ms)
{
	time_t t;
	struct tm tm;
	char buf[64];

	if (!ms) {
		fprintf(out, "%s: -\n", what);
		return;
	}
	t = time(NULL) + (time_t)(((int64_t)ms - (int64_t)now_ms) / 1000);
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(out, "%s: %s (%+lld s)\n", what, buf, ((long long)ms - (long long)now_ms) / 1000);
}

cairn_err xfr_service_zone_status(struct xfr_service *s, const char *name, FILE *out)
{
	uint8_t origin[WIRE_NAME_MAX];
	size_t len;
	struct sec_zone *z = NULL;
	uint64_t now = cairn_now_ms();

	if (wire_name_from_text(name, NULL, origin, &len) != CAIRN_OK) {
		fprintf(out, "bad zone name '%s'\n", name);
		return CAIRN_EINVAL;
	}
	pthread_mutex_lock(&s->lock);
	z = find_sec(s, origin);
	if (z && z->active) {
		fprintf(out, "zone: %s\nrole: secondary\n", z->name);
		if (z->zone)
			fprintf(out, "serial: %u\n", zone_serial(z->zone));
		else
			fprintf(out, "serial: none (no copy yet)\n");
		fprintf(out, "state: %s\n", atomic_load(&z->unavailable) ?
			(z->zone ? "expired (SERVFAIL)" : "no data (SERVFAIL)") : "serving");
		print_time(out, "last refresh", z->last_ok_ms, now);
		print_time(out, "next refresh", z->busy ? now : z->next_ms, now);
		print_time(out, "expires", z->expire_ms, now);
		fprintf(out, "last error: %s\n", z->last_err[0] ? z->last_err : "none");
	}
	pthread_mutex_unlock(&s->lock);
	if (!z || !z->active) {
		fprintf(out, "%s is not a secondary zone here\n", name);
		return CAIRN_EINVAL;
	}
	return CAIRN_OK;
}

static void free_sequences(struct xfr_jentry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].data);
	free(e);
}

struct xfr_jentry *secondary_take_received(struct xfr_service *s, const uint8_t *origin,
					   uint32_t from, uint32_t to, size_t *n)
{
	struct xfr_jentry *e = NULL;

	*n = 0;
	if (!s)
		return NULL;
	pthread_mutex_lock(&s->lock);
	if (s->received.n && wire_name_equal(s->received.origin, origin) &&
	    s->received.e[0].from == from && s->received.e[s->received.n - 1].to == to) {
		e = s->received.e;
		*n = s->received.n;
		s->received.e = NULL;
		s->received.n = 0;
	}
	pthread_mutex_unlock(&s->lock);
	return e;
}

/* Problems of a transferred zone, with the temporary file's line. */
static void log_problem(void *ctx, const char *file, unsigned line, const char *msg)
{
	(void)ctx;
	if (line)
		log_warn("%s:%u: %s", file, line, msg);
	else
		log_warn("%s: %s", file, msg);
}

/* A private copy of what a refresh reads of z (name, file, primaries,
 * keys), taken under the lock: a reload may change z meanwhile. Returns
 * false when out of memory. */
static bool snapshot(const struct sec_zone *z, struct sec_zone *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->origin, z->origin, sizeof(c->origin));
	memcpy(c->name, z->name, sizeof(c->name));
	c->file = strdup(z->file ? z->file : "");
	c->primary = calloc(z->n_primary ? z->n_primary : 1, sizeof(*c->primary));
	c->keys = calloc(z->n_primary ? z->n_primary : 1, sizeof(*c->keys));
	if (!c->file || !c->primary || !c->keys)
		return false;
	for (size_t i = 0; i < z->n_primary; i++) {
		c->primary[i] = z->primary[i];
		if (z->keys[i].alg && tsig_key_init_copy(&c->keys[i], &z->keys[i]) != CAIRN_OK)
			return false;
		c->n_primary++;
	}
	return true;
}

/* One refresh from the snapshot z, outside the lock (the zone's busy flag
 * keeps others away). Returns CAIRN_OK when the copy is current (new or
 * not). */
static cairn_err refresh(struct xfr_service *s, const struct sec_zone *z, const struct zone *have,
			 char *err, size_t errlen, bool *installed)
{
	cairn_err ret = CAIRN_EIO;

	*installed = false;
	for (size_t i = 0; i < z->n_primary; i++) {
		const struct xfr_remote *r = &z->primary[i];
		const struct xfr_key *key = z->keys[i].alg ? &z->keys[i] : NULL;
		char why[320], tmp[4096];
		uint32_t serial = 0;
		bool ixfr = false;
		struct zone *check = NULL;
		struct xfr_jentry *seq = NULL;
		size_t nseq = 0;

		if (have && fetch_soa(r, key, z->origin, &serial, why, sizeof(why)) != CAIRN_OK) {
			say(err, errlen, "%s: %s", r->text, why);
			continue;
		}
		if (have && (int32_t)(serial - zone_serial(have)) <= 0) {
			if (serial != zone_serial(have)) {
				/* RFC 1982: a primary behind us is an error */
				say(err, errlen, "%s: serial went backwards (ours %u, primary %u)",
					 r->text, zone_serial(have), serial);
				log_warn("zone %s: %s, keeping ours", z->name, err);
				continue;
			}
			return CAIRN_OK; /* up to date */
		}
		switch (fetch_zone(r, key, z->origin, have, z->file, z->name, &ixfr, tmp, sizeof(tmp),
				   &seq, &nseq, why, sizeof(why))) {
		case CAIRN_OK:
			break;
		case CAIRN_EFORMAT:
			say(err, errlen, "%s: bad zone from the transfer: %s", r->text, why);
			log_warn("zone %s: %s", z->name, err);
			continue;
		default:
			say(err, errlen, "%s: %s transfer failed: %s", r->text,
				 have ? "IXFR" : "AXFR", why);
			log_warn("zone %s: %s%s", z->name, err,
				 have ? "; the old copy keeps serving" : "");
			continue;
		}
		/* the zone loader's checks (file:line in the log) before it
		 * replaces the file */
		if (zone_load(z->name, tmp, log_problem, NULL, &check) != CAIRN_OK) {
			say(err, errlen, "%s: the transferred zone does not load (see %s)",
				 r->text, tmp);
			log_warn("zone %s: %s", z->name, err);
			free_sequences(seq, nseq);
			continue;
		}
		serial = zone_serial(check);
		if (rename(tmp, z->file) != 0) {
			say(err, errlen, "cannot rename %s: %s", tmp, strerror(errno));
			unlink(tmp);
			zone_free(check);
			free_sequences(seq, nseq);
			return CAIRN_EIO;
		}
		log_info("zone %s: serial %u from %s by %s, written to %s", z->name, serial, r->text,
			 ixfr ? "IXFR" : "AXFR", z->file);
		/* the zone just checked is installed as it is (not read again) */
		if (!s->reload) {
			zone_free(check);
			free_sequences(seq, nseq);
			*installed = true;
			return CAIRN_OK;
		}
		/* the sequences for our journal, if others transfer from us */
		pthread_mutex_lock(&s->lock);
		memcpy(s->received.origin, z->origin, wire_name_len(z->origin));
		s->received.e = seq;
		s->received.n = nseq;
		pthread_mutex_unlock(&s->lock);
		ret = s->reload(s->reload_ctx, check);
		pthread_mutex_lock(&s->lock);
		free_sequences(s->received.e, s->received.n);
		s->received.e = NULL;
		s->received.n = 0;
		pthread_mutex_unlock(&s->lock);
		if (ret != CAIRN_OK) {
			say(err, errlen, "serial %u written to %s but the reload failed", serial,
				 z->file);
			return CAIRN_EIO;
		}
		*installed = true;
		return CAIRN_OK;
	}
	return ret;
}

uint64_t secondary_run(struct xfr_service *s, uint64_t now)
{
	uint64_t next = now + 60000;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n_sec && !s->stop; i++) {
		struct sec_zone *z = s->sec[i], job;
		struct zone *have;
		char err[384] = "";
		bool installed = false, ok;
		cairn_err r;

		if (!z->active || z->busy)
			continue;
		if (z->zone && z->expire_ms && now >= z->expire_ms && !atomic_load(&z->unavailable)) {
			/* RFC 1034 §4.3.5: expired copies are not served */
			atomic_store(&z->unavailable, true);
			log_err("zone %s: expired (no successful refresh for %u s): answering SERVFAIL",
				z->name, z->expire);
		}
		if (z->next_ms > now) {
			if (z->next_ms < next)
				next = z->next_ms;
			continue;
		}
		z->busy = true;
		have = z->zone ? zone_ref(z->zone) : NULL;
		if (have && atomic_load(&z->unavailable))
			have = (zone_free(have), NULL); /* expired: start again with AXFR */
		z->last_try_ms = now;
		ok = snapshot(z, &job);
		pthread_mutex_unlock(&s->lock);
		if (ok) {
			r = refresh(s, &job, have, err, sizeof(err), &installed);
		} else {
			r = CAIRN_ENOMEM;
			say(err, sizeof(err), "out of memory");
		}
		sec_clear_remotes(&job);
		free(job.file);
		zone_free(have);
		pthread_mutex_lock(&s->lock);
		z->busy = false;
		now = cairn_now_ms();
		if (r == CAIRN_OK) {
			z->failures = 0;
			z->last_err[0] = '\0';
			z->last_ok_ms = now;
			if (z->zone) {
				soa_timers(z);
				z->next_ms = now + (uint64_t)z->refresh * 1000;
				z->expire_ms = now + (uint64_t)z->expire * 1000;
				atomic_store(&z->unavailable, false);
			}
		} else {
			uint64_t wait = SEC_NODATA_RETRY_MS << (z->failures < 6 ? z->failures : 6);

			z->failures++;
			say(z->last_err, sizeof(z->last_err), "%s", err[0] ? err : "failed");
			if (z->zone)
				z->next_ms = now + (uint64_t)z->retry * 1000;
			else
				z->next_ms = now + (wait > SEC_NODATA_MAX_MS ? SEC_NODATA_MAX_MS : wait);
			if (!strstr(err, "transfer failed") && !strstr(err, "bad zone") &&
			    !strstr(err, "backwards") && !strstr(err, "does not load"))
				log_warn("zone %s: refresh failed: %s", z->name, z->last_err);
		}
		if (z->next_ms < next)
			next = z->next_ms;
	}
	pthread_mutex_unlock(&s->lock);
	return next;
}
