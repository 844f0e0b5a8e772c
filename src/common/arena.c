/* common/arena.c: bump allocator; everything is freed together. */
#include "cairn/common.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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

void *cairn_table_alloc(size_t bytes, size_t *size)
{
	const size_t huge = CAIRN_TABLE_HUGE;
	uint8_t *p, *start;
	size_t map;

	if (bytes < huge) {
		*size = bytes;
		return calloc(1, bytes ? bytes : 1);
	}
	if (bytes > SIZE_MAX - 2 * huge)
		return NULL;
	*size = (bytes + huge - 1) & ~(huge - 1);
	/* map one huge page more and keep the aligned part */
	map = *size + huge;
	p = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	start = (uint8_t *)(((uintptr_t)p + huge - 1) & ~(uintptr_t)(huge - 1));
	if (start > p)
		munmap(p, (size_t)(start - p));
	if (start + *size < p + map)
		munmap(start + *size, (size_t)(p + map - (start + *size)));
#ifdef MADV_HUGEPAGE
	(void)madvise(start, *size, MADV_HUGEPAGE);
#endif
	return start;
}

void cairn_table_free(void *p, size_t size)
{
	if (!p)
		return;
	if (size < CAIRN_TABLE_HUGE)
		free(p);
	else
		munmap(p, size);
}
