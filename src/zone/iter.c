/* zone/iter.c: whole-zone access for zone transfers (xfr/): references
 * that keep a zone alive during a transfer and a walk over every RRset. */
#include "zone_int.h"

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
