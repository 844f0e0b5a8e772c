/* zone: zone file loading (ldns, with $INCLUDE), validation, the compiled
 * read-only zone database and the RFC 1034 §4.3.2 authoritative lookup. */
#ifndef CAIRN_ZONE_H
#define CAIRN_ZONE_H

#include "cairn/common.h"
#include "cairn/wire.h"

struct zone;       /* one compiled zone: immutable after zone_load */
struct zone_set;   /* the zones served together: immutable */

/* Receives one problem found while loading: file and line of the offending
 * record (line 0 when it concerns the zone as a whole) and a message. */
typedef void (*zone_report_fn)(void *ctx, const char *file, unsigned line,
			       const char *msg);

/* Loads the zone named origin (presentation form) from file, validates it
 * and compiles it. Every problem is passed to report (which may be NULL);
 * any problem makes it return CAIRN_EFORMAT (CAIRN_EIO when the file cannot
 * be read) and leave *out NULL. On success the caller owns *out. */
cairn_err zone_load(const char *origin, const char *file, zone_report_fn report,
		    void *ctx, struct zone **out);
/* Frees z and all its data (NULL is allowed). */
void zone_free(struct zone *z);
/* The zone's origin (lowercase wire name, owned by z). */
const uint8_t *zone_origin(const struct zone *z);
/* The SOA serial of the zone. */
uint32_t zone_serial(const struct zone *z);
/* Number of resource records loaded. */
size_t zone_rr_count(const struct zone *z);

/* Builds a set from n zones and takes ownership of them (also on error).
 * The zones are not changed: a zone may be in several sets, one reference
 * (zone_ref) each.
 * Returns CAIRN_OK and *out (the caller owns it: zone_set_free),
 * CAIRN_EEXIST if two zones have the same origin, or CAIRN_ENOMEM. */
cairn_err zone_set_new(struct zone **zones, size_t n, struct zone_set **out);
/* Frees zs and its zones (NULL is allowed). */
void zone_set_free(struct zone_set *zs);
/* The zone whose origin is the closest enclosing one of name (lowercase
 * wire), or NULL. Owned by zs. */
const struct zone *zone_set_find(const struct zone_set *zs, const uint8_t *name);

/* Answers q from the closest enclosing zone of zs, following RFC 1034
 * §4.3.2, RFC 2181, RFC 4592 (wildcards), RFC 6604 (CNAME chains, across
 * the zones of zs, loops stop) and RFC 8482 (minimal ANY). Writes the
 * whole response with w (begun by the function itself in buf, limit bytes,
 * advertising edns_size); the caller completes it with wire_writer_finish()
 * (so it may still add an EDE) and sends w->buf. A query of a class other
 * than IN (or ANY, answered from IN data without AA, like NSD) inside our
 * zones gets REFUSED. Returns false, writing nothing, when no zone
 * encloses the name. Allocates nothing; q->pkt must stay readable until
 * the response is finished (the question's name is used as the answers'
 * owner, which keeps its case). */
bool zone_set_answer(const struct zone_set *zs, const struct wire_query *q,
		     uint8_t *buf, size_t limit, uint16_t edns_size,
		     struct wire_writer *w);

/* For a batch of queries (udp.c): starts loading into the CPU's cache
 * what answering each of names[0..n) (lowercase wire names, hashes[i] =
 * wire_name_hash of names[i]; NULL entries are skipped) will read first
 * from zs: the hash
 * slot, the node, its name and its RRsets, one stage at a time across the
 * whole batch, so that the cache misses of a batch overlap instead of
 * following one another. Reads only; changes nothing. At most
 * ZONE_PREFETCH_MAX names are looked at. */
#define ZONE_PREFETCH_MAX 64
void zone_set_prefetch(const struct zone_set *zs, const uint8_t *const *names,
		       const uint32_t *hashes, unsigned n);

/* ---- whole-zone access for transfers (iter.c) ---- */
/* Takes one more reference on z (zones are immutable, so it may be read
 * from any thread); each reference is dropped with zone_free. Returns z.
 * A referenced zone stays readable after its zone set is freed, but only
 * through the functions below (additional-section links into other zones
 * may be gone). */
struct zone *zone_ref(const struct zone *z);
/* The apex SOA RRset of z (owned by z). */
const struct wire_rrset *zone_soa_rrset(const struct zone *z);
/* Position in a walk over every RRset of a zone. Zero it to start. */
struct zone_cursor {
	size_t node;
	size_t rrset;
};
/* The next RRset of z in the zone's node order, every RRset once except
 * the apex SOA (glue and occluded data included), or NULL at the end.
 * Owned by z. */
const struct wire_rrset *zone_next_rrset(const struct zone *z, struct zone_cursor *c);
/* The RRset of type at owner (a lowercase wire name) in z, the apex SOA
 * included, or NULL. Owned by z. */
const struct wire_rrset *zone_find_rrset(const struct zone *z, const uint8_t *owner,
					 uint16_t type);
/* The zone set's zones: the i-th zone (i < zone_set_count), owned by zs. */
size_t zone_set_count(const struct zone_set *zs);
const struct zone *zone_set_zone(const struct zone_set *zs, size_t i);
/* Attaches ext to zs (the transfer settings that go with these zones,
 * xfr.h); ext_free(ext) runs when zs is freed. Returns the attachment (or
 * NULL). Set it before publishing zs. */
void zone_set_attach(struct zone_set *zs, void *ext, void (*ext_free)(void *));
void *zone_set_ext(const struct zone_set *zs);

#endif
