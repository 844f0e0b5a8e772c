/* zone/iter.c: whole-zone access for zone transfers (xfr/): references
 * that keep a zone alive during a transfer, a walk over every RRset and
 * the lookup of one RRset (a secondary applying IXFR differences). */
#include "zone_int.h"

#include <string.h>

struct zone *zone_ref(const struct zone *z)
{
	struct zone *mz = (struct zone *)z; /* only the count changes */

	atomic_fetch_add(&mz->refs, 1);
	return mz;
}

const struct wire_rrset *zone_soa_rrset(const struct zone *z)
{
	return &z->soa->rs;
}

const struct wire_rrset *zone_next_rrset(const struct zone *z, struct zone_cursor *c)
{
	while (c->node < z->nnodes) {
		const struct zone_node *n = &z->nodes[c->node];

		while (c->rrset < n->nrrsets) {
			const struct zone_rrset *rs = &n->rrsets[c->rrset++];

			if (rs != z->soa)
				return &rs->rs;
		}
		c->node++;
		c->rrset = 0;
	}
	return NULL;
}

const struct wire_rrset *zone_find_rrset(const struct zone *z, const uint8_t *owner,
					 uint16_t type)
{
	size_t len = wire_name_len(owner);
	uint32_t hash = wire_name_hash(owner, len);

	/* every node, hidden ones too: the walk above returns their data */
	for (uint32_t i = hash & z->mask;; i = (i + 1) & z->mask) {
		const struct zone_slot *s = &z->slots[i];
		const struct zone_node *n;

		if (s->node == ZONE_NONE)
			return NULL;
		n = &z->nodes[s->node];
		if (s->hash != hash || n->name_len != len || memcmp(n->name, owner, len) != 0)
			continue;
		for (uint16_t j = 0; j < n->nrrsets; j++)
			if (n->rrsets[j].rs.type == type)
				return &n->rrsets[j].rs;
		return NULL;
	}
}
