/* zone/set.c: the zones served together: finding the closest enclosing
 * zone of a name (a small hash table of origins, longest suffix first).
 * A set never changes its zones (additional-section targets in other zones
 * are found at answer time, answer.c), so that one zone may be in two sets:
 * a reload keeps the zones whose file did not change. */
#include "zone_int.h"

#include <stdlib.h>
#include <string.h>

struct zone_set {
	struct zone **zones;
	size_t n;
	struct zone_slot *slots;   /* origins; .node indexes zones */
	uint32_t mask;
	unsigned min_labels, max_labels;
	void *ext;                 /* zone_set_attach (transfer settings) */
	void (*ext_free)(void *);
};

static const struct zone *set_lookup(const struct zone_set *zs, const uint8_t *name,
				     size_t len)
{
	uint32_t h = wire_name_hash(name, len);
	for (uint32_t i = h & zs->mask;; i = (i + 1) & zs->mask) {
		const struct zone_slot *s = &zs->slots[i];
		if (s->node == ZONE_NONE)
			return NULL;
		const struct zone *z = zs->zones[s->node];
		if (s->hash == h && z->origin_len == len && memcmp(z->origin, name, len) == 0)
			return z;
	}
}

const struct zone *zone_set_find(const struct zone_set *zs, const uint8_t *name)
{
	unsigned labels = 0;
	size_t len = 0;

	if (zs->n == 0)     /* a resolver without zones of its own */
		return NULL;
	while (name[len]) {
		len += 1u + name[len];
		labels++;
	}
	len++;
	/* Longest suffix first: the closest enclosing zone wins. */
	while (labels > zs->max_labels) {
		len -= 1u + name[0];
		name += 1u + name[0];
		labels--;
	}
	for (;;) {
		if (labels < zs->min_labels)
			return NULL;
		const struct zone *z = set_lookup(zs, name, len);
		if (z)
			return z;
		if (labels == 0)
			return NULL;
		len -= 1u + name[0];
		name += 1u + name[0];
		labels--;
	}
}

cairn_err zone_set_new(struct zone **zones, size_t n, struct zone_set **out)
{
	cairn_err err = CAIRN_OK;
	struct zone_set *zs = calloc(1, sizeof *zs);
	size_t size = 4;

	*out = NULL;
	if (!zs) {
		err = CAIRN_ENOMEM;
		goto done;
	}
	zs->zones = malloc((n ? n : 1) * sizeof *zs->zones);
	while (size < n * 2)
		size *= 2;
	zs->slots = malloc(size * sizeof *zs->slots);
	if (!zs->zones || !zs->slots) {
		err = CAIRN_ENOMEM;
		goto done;
	}
	zs->mask = (uint32_t)(size - 1);
	for (size_t i = 0; i < size; i++)
		zs->slots[i].node = ZONE_NONE;
	zs->min_labels = UINT32_MAX;
	for (size_t i = 0; i < n; i++) {
		struct zone *z = zones[i];
		zones[i] = NULL;
		zs->zones[zs->n++] = z;
		if (set_lookup(zs, z->origin, z->origin_len)) {
			err = CAIRN_EEXIST;
			goto done;
		}
		zdb_slot_put(zs->slots, zs->mask, wire_name_hash(z->origin, z->origin_len),
			 (uint32_t)i);
		if (z->origin_labels < zs->min_labels)
			zs->min_labels = z->origin_labels;
		if (z->origin_labels > zs->max_labels)
			zs->max_labels = z->origin_labels;
	}
done:
	if (err != CAIRN_OK) {
		for (size_t i = 0; i < n; i++)
			zone_free(zones[i]);
		zone_set_free(zs);
		return err;
	}
	*out = zs;
	return CAIRN_OK;
}

void zone_set_free(struct zone_set *zs)
{
	if (!zs)
		return;
	if (zs->ext_free)
		zs->ext_free(zs->ext);
	for (size_t i = 0; i < zs->n; i++)
		zone_free(zs->zones[i]);
	free(zs->zones);
	free(zs->slots);
	free(zs);
}

size_t zone_set_count(const struct zone_set *zs) { return zs->n; }
const struct zone *zone_set_zone(const struct zone_set *zs, size_t i) { return zs->zones[i]; }

void zone_set_attach(struct zone_set *zs, void *ext, void (*ext_free)(void *))
{
	zs->ext = ext;
	zs->ext_free = ext_free;
}

void *zone_set_ext(const struct zone_set *zs) { return zs->ext; }

void zone_set_prefetch(const struct zone_set *zs, const uint8_t *const *names,
		       const uint32_t *hashes, unsigned n)
{
	const struct zone *zone[ZONE_PREFETCH_MAX];
	const struct zone_slot *slot[ZONE_PREFETCH_MAX];
	const struct zone_node *node[ZONE_PREFETCH_MAX];

	if (n > ZONE_PREFETCH_MAX)
		n = ZONE_PREFETCH_MAX;
	/* each stage issues the loads of every name before the next stage
	 * waits for the first of them */
	for (unsigned i = 0; i < n; i++) {
		zone[i] = names[i] ? zone_set_find(zs, names[i]) : NULL;
		if (zone[i]) {
			slot[i] = &zone[i]->slots[hashes[i] & zone[i]->mask];
			__builtin_prefetch(slot[i]);
		}
	}
	for (unsigned i = 0; i < n; i++) {
		node[i] = NULL;
		if (zone[i] && slot[i]->node != ZONE_NONE) {
			node[i] = &zone[i]->nodes[slot[i]->node];
			__builtin_prefetch(node[i]);
		}
	}
	for (unsigned i = 0; i < n; i++)
		if (node[i]) {
			__builtin_prefetch(node[i]->name);
			__builtin_prefetch(node[i]->rrsets);
		}
	for (unsigned i = 0; i < n; i++)
		if (node[i] && node[i]->nrrsets)
			__builtin_prefetch(node[i]->rrsets[0].rs.rdata);
}
