/* reload: loading the zones at start-up and reloading them, zone by zone
 * (cairnd(8), "Reloading"). Each zone served remembers its file's identity
 * when it was read (device, inode, size, modification time); a reload
 * reads again only the zones whose file changed and keeps the others (the
 * same compiled zone goes into the new set: zone sets never change their
 * zones). A zone that fails to load keeps its old data (file:line reported)
 * while the others update (doc/ARCHITECTURE.md, rule 6). */
#include "config.h"

#include "daemon_int.h"
#include "cairn/server.h"
#include "cairn/wire.h"
#include "cairn/xfr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void daemon_report(void *ctx, const char *file, unsigned line, const char *msg)
{
	struct daemon_reporter *r = ctx;

	r->count++;
	if (r->out && line)
		fprintf(r->out, "%s:%u: %s\n", file, line, msg);
	else if (r->out)
		fprintf(r->out, "%s: %s\n", file, msg);
	if (r->to_log && line)
		log_err("%s:%u: %s", file, line, msg);
	else if (r->to_log)
		log_err("%s: %s", file, msg);
	else if (line)
		fprintf(stderr, "%s:%u: %s\n", file, line, msg);
	else
		fprintf(stderr, "%s: %s\n", file, msg);
}

void daemon_stamps_free(struct daemon_stamps *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->z[i].file);
	free(st->z);
	st->z = NULL;
	st->n = 0;
}

const struct daemon_stamp *daemon_stamp_find(const struct daemon_stamps *st,
					     const uint8_t *origin)
{
	for (size_t i = 0; st && i < st->n; i++)
		if (wire_name_equal(st->z[i].origin, origin))
			return &st->z[i];
	return NULL;
}

/* The file's identity now into s (false: it cannot be read). */
static bool stamp_file(const char *file, struct daemon_stamp *s)
{
	struct stat sb;

	if (stat(file, &sb) != 0)
		return false;
	s->dev = sb.st_dev;
	s->ino = sb.st_ino;
	s->size = sb.st_size;
	s->mtime = sb.st_mtim;
	return true;
}

/* True when the file is the one read for old: same path, device, inode,
 * size and modification time (what NSD and Knot look at too). */
static bool stamp_same(const struct daemon_stamp *old, const char *file)
{
	struct daemon_stamp now;

	return old && old->file && strcmp(old->file, file) == 0 && stamp_file(file, &now) &&
	       now.dev == old->dev && now.ino == old->ino && now.size == old->size &&
	       now.mtime.tv_sec == old->mtime.tv_sec && now.mtime.tv_nsec == old->mtime.tv_nsec;
}

/* The zone of zs whose origin is origin, or NULL. */
static const struct zone *set_zone(const struct zone_set *zs, const uint8_t *origin)
{
	const struct zone *z = zs ? zone_set_find(zs, origin) : NULL;

	return z && wire_name_equal(zone_origin(z), origin) ? z : NULL;
}

/* Appends zone origin's line to the summary: fmt gets the separator, the
 * name (with its final dot) and, with z, its serial and record count. */
static void summary_add(struct daemon_load *l, const char *fmt, const uint8_t *origin,
			const struct zone *z)
{
	size_t used = strlen(l->summary);
	char name[WIRE_NAME_MAX * 4 + 2];

	if (used + 1 >= sizeof(l->summary))
		return;
	if (wire_name_to_text(origin, name, sizeof(name)) != CAIRN_OK)
		snprintf(name, sizeof(name), "?");
	if (z)
		snprintf(l->summary + used, sizeof(l->summary) - used, fmt, used ? "; " : "",
			 name, zone_serial(z), zone_rr_count(z));
	else
		snprintf(l->summary + used, sizeof(l->summary) - used, fmt, used ? "; " : "",
			 name);
}

/* One zone of the configuration into zones[*n] (and its stamp into
 * st[*n]), as l says: reused from l->prev, loaded, or left out. */
static cairn_err load_one(const struct cairn_config *cfg, const struct config_zone *cz,
			  struct daemon_load *l, struct zone **zones, struct daemon_stamp *st,
			  size_t *n)
{
	uint8_t wname[WIRE_NAME_MAX];
	size_t wlen;
	const struct zone *old;
	const struct daemon_stamp *old_st;
	struct daemon_stamp now = { 0 };
	struct zone *z = NULL;
	bool forced, have_stamp;
	cairn_err e;

	if (wire_name_from_text(cz->name, NULL, wname, &wlen) != CAIRN_OK) {
		daemon_report(l->r, cz->file, 0, "bad zone name");
		return CAIRN_EINVAL;
	}
	wire_name_lower(wname);
	old = set_zone(l->prev, wname);
	old_st = daemon_stamp_find(l->prev_stamps, wname);
	forced = l->only && wire_name_equal(l->only, wname);
	if (l->fresh && wire_name_equal(wname, zone_origin(l->fresh))) {
		/* a secondary zone just transferred and checked (its file written) */
		z = l->fresh;
		l->fresh = NULL;
		have_stamp = stamp_file(cz->file, &now);
		summary_add(l, "%s%s serial %u, %zu records (transferred)", wname, z);
		l->loaded++;
		goto use;
	}
	if (old && (l->only ? !forced : !cz->catalog && stamp_same(old_st, cz->file))) {
		/* unchanged (or not the zone asked for): the same data */
		z = zone_ref(old);
		if (old_st)
			now = *old_st;
		have_stamp = old_st != NULL;
		l->unchanged++;
		goto use;
	}
	if (l->only && !forced)
		return CAIRN_OK;  /* not served before, not asked for: stays so */
	if (cz->n_primary && access(cz->file, F_OK) != 0 && errno == ENOENT) {
		/* a secondary zone before its first transfer: SERVFAIL
		 * until the service fetches it (xfr.h) */
		log_info("zone %s: no copy in %s yet, it comes from its primary", cz->name,
			 cz->file);
		summary_add(l, "%s%s (secondary, no copy yet)", wname, NULL);
		if (forced)
			daemon_report(l->r, cz->file, 0, "no local copy of this secondary zone yet "
				      "(cairn-control transfer fetches it)");
		return forced ? CAIRN_ENOTFOUND : CAIRN_OK;
	}
	if (cz->catalog) {
		/* RFC 9432: written from the configuration first */
		char why[512];

		if (xfr_catalog_write(cfg, cz, why, sizeof(why)) != CAIRN_OK) {
			daemon_report(l->r, cz->file, 0, why);
			e = CAIRN_EIO;
			goto failed;
		}
	}
	/* the identity before reading: a change while reading is seen next time */
	have_stamp = stamp_file(cz->file, &now);
	e = zone_load(cz->name, cz->file, daemon_report, l->r, &z);
	if (e != CAIRN_OK)
		goto failed;
	now.loaded_at = (int64_t)time(NULL);
	summary_add(l, "%s%s serial %u, %zu records", wname, z);
	l->loaded++;
	goto use;
failed:
	if (e == CAIRN_ENOMEM)
		daemon_report(l->r, cz->file, 0, "out of memory");
	l->failed++;
	if (!old || !l->prev)
		return e;
	/* doc/ARCHITECTURE.md, rule 6: the old data keeps serving */
	log_err("zone %s: reload failed, serial %u keeps serving", cz->name, zone_serial(old));
	if (l->r->out)
		fprintf(l->r->out, "zone %s: reload failed, serial %u keeps serving\n", cz->name,
			zone_serial(old));
	z = zone_ref(old);
	if (old_st)
		now = *old_st;
	have_stamp = old_st != NULL;
use:
	if (!have_stamp)
		now.dev = 0, now.ino = 0;   /* never the same as a file's: read again */
	if (!now.loaded_at)
		now.loaded_at = (int64_t)time(NULL);
	memcpy(now.origin, wname, wlen);
	now.file = strdup(cz->file);
	if (!now.file) {
		zone_free(z);
		return CAIRN_ENOMEM;
	}
	zones[*n] = z;
	st[*n] = now;
	(*n)++;
	return CAIRN_OK;
}

cairn_err daemon_load_zones(const struct cairn_config *cfg, struct daemon_load *l,
			    struct zone_set **out, struct daemon_stamps *stamps)
{
	struct zone **zones = NULL;
	struct daemon_stamps st = { 0 };
	size_t n = 0;
	cairn_err err = CAIRN_ENOMEM, e;

	*out = NULL;
	l->summary[0] = '\0';
	l->loaded = l->unchanged = l->failed = 0;
	zones = calloc(cfg->n_zones ? cfg->n_zones : 1, sizeof(*zones));
	st.z = calloc(cfg->n_zones ? cfg->n_zones : 1, sizeof(*st.z));
	if (!zones || !st.z)
		goto done;
	err = CAIRN_OK;
	for (size_t i = 0; i < cfg->n_zones; i++) {
		e = load_one(cfg, &cfg->zones[i], l, zones, st.z, &n);
		if (e == CAIRN_ENOMEM || (e != CAIRN_OK && !l->prev))
			err = e;    /* at start-up every zone must load */
		else if (e != CAIRN_OK && err == CAIRN_OK)
			err = CAIRN_EFORMAT;  /* the others still go in */
	}
	st.n = n;
	if (err == CAIRN_OK && l->failed)
		err = CAIRN_EFORMAT;   /* kept their old data */
	if (err != CAIRN_OK && err != CAIRN_EFORMAT) {
		for (size_t i = 0; i < n; i++)
			zone_free(zones[i]);
		goto done;
	}
	e = zone_set_new(zones, n, out);
	if (e == CAIRN_EEXIST)
		daemon_report(l->r, cfg->path, 0, "two zones have the same name");
	if (e != CAIRN_OK)
		err = e;
	else {
		*stamps = st;
		st = (struct daemon_stamps){ 0 };
	}
done:
	zone_free(l->fresh); /* not one of cfg's zones (any more) */
	l->fresh = NULL;
	daemon_stamps_free(&st);
	free(zones);
	return err;
}

/* The configuration's zone named name (presentation form, final dot or
 * not), or NULL. */
static const struct config_zone *config_zone_named(const struct cairn_config *cfg,
						    const uint8_t *name)
{
	for (size_t i = 0; i < cfg->n_zones; i++) {
		uint8_t w[WIRE_NAME_MAX];
		size_t len;

		if (wire_name_from_text(cfg->zones[i].name, NULL, w, &len) == CAIRN_OK &&
		    wire_name_equal(w, name))
			return &cfg->zones[i];
	}
	return NULL;
}

cairn_err daemon_reload(struct daemon *d, FILE *out, enum daemon_reload_kind kind,
			const uint8_t *only, struct zone *fresh)
{
	struct daemon_reporter r = { .to_log = true, .out = out };
	struct daemon_load l = { .r = &r, .fresh = fresh, .only = only };
	struct cairn_config *cfg = NULL;
	const struct cairn_config *use;
	struct daemon_stamps st = { 0 };
	struct zone_set *zs = NULL;
	cairn_err err = CAIRN_OK, xe;

	pthread_mutex_lock(&d->lock);
	if (kind == DAEMON_RELOAD_ALL) {
		log_info("reloading the configuration from %s and the zones whose file changed",
			 d->conf);
		err = config_load(d->conf, daemon_report, &r, &cfg);
	} else {
		log_info("reloading the zones (configuration as last loaded): %s",
			 kind == DAEMON_RELOAD_XFR ? "a transferred zone" : "one zone's file");
	}
	use = cfg ? cfg : d->cfg_now ? d->cfg_now : d->cfg0;
	if (err != CAIRN_OK) {
		log_err("reload failed: configuration has problems, old zones kept");
		if (out)
			fprintf(out, "configuration has problems: nothing changed\n");
		goto done;
	}
	if (kind == DAEMON_RELOAD_ZONE && !config_zone_named(use, only)) {
		err = CAIRN_ENOTFOUND;
		goto done;
	}
	if (kind == DAEMON_RELOAD_XFR && fresh)
		l.only = zone_origin(fresh);  /* the other zones as they are */
	l.prev = d->served;
	l.prev_stamps = &d->stamps;
	err = daemon_load_zones(use, &l, &zs, &st);
	l.fresh = NULL; /* daemon_load_zones took it */
	if (!zs) {
		log_err("reload failed: zones have problems, old zones kept");
	} else if ((xe = xfr_attach(use, zs, d->served, d->xfr)) != CAIRN_OK) {
		log_err("reload failed: zone transfer settings: %s, old zones kept",
			cairn_strerror(xe));
		zone_set_free(zs);
		daemon_stamps_free(&st);
		err = xe;
	} else {
		d->served = zs;
		server_set_zones(d->srv, zs);
		xfr_announce(zs, d->xfr);   /* NOTIFY now that zs answers */
		daemon_stamps_free(&d->stamps);
		d->stamps = st;
		d->zones = use->n_zones;
		log_info("reloaded %u zones%s%s, %u unchanged%s (listen, threads and other server "
			 "settings change only at restart)", l.loaded, l.loaded ? ": " : "",
			 l.summary, l.unchanged, l.failed ? ", some kept their old data" : "");
		if (out)
			fprintf(out, "%u zones reloaded%s%s, %u unchanged, %u failed\n", l.loaded,
				l.loaded ? ": " : "", l.summary, l.unchanged, l.failed);
		if (cfg) {
			/* the configuration now in use (transfers reload with it) */
			config_free(d->cfg_now);
			d->cfg_now = cfg;
			cfg = NULL;
		}
	}
done:
	if (err == CAIRN_OK)
		d->reloads++;
	else
		d->reload_failures++;
	pthread_mutex_unlock(&d->lock);
	zone_free(l.fresh); /* the configuration could not be read */
	config_free(cfg);
	return err;
}
