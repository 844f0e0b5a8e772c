/* common/arena.c: bump allocator; everything is freed together. */
#include "cairn/common.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_DEFAULT_BLOCK 65536
#define ARENA_ALIGN 8

struct arena_block {
	struct arena_block *next;
	size_t size;             /* usable bytes in data */
	size_t used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

void arena_init(struct arena *a, size_t block_size)
{
	a->head = NULL;
	a->block_size = block_size ? block_size : ARENA_DEFAULT_BLOCK;
	a->total = 0;
}

void *arena_alloc(struct arena *a, size_t size)
{
	struct arena_block *b = a->head;
	size_t need;
	void *p;

	if (size > SIZE_MAX - ARENA_ALIGN - sizeof(*b))
		return NULL;
	need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (need == 0)
		need = ARENA_ALIGN;
	if (!b || b->size - b->used < need) {
		size_t bs = need > a->block_size ? need : a->block_size;
		struct arena_block *nb = malloc(sizeof(*nb) + bs);
		if (!nb)
			return NULL;
		nb->size = bs;
		nb->used = 0;
		if (b && need > a->block_size) {
			/* A large allocation gets its own block behind the
			 * current one, which keeps its free space. */
			nb->next = b->next;
			b->next = nb;
		} else {
			nb->next = b;
			a->head = nb;
		}
		b = nb;
	}
	p = b->data + b->used;
	b->used += need;
	a->total += size;
	return p;
}

void *arena_dup(struct arena *a, const void *src, size_t len)
{
	void *p = arena_alloc(a, len);
	if (p && len)
		memcpy(p, src, len);
	return p;
}

void arena_free(struct arena *a)
{
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
	a->total = 0;
}
