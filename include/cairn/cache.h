/* cache: the resolver's shared cache of positive RRsets and negative
 * answers (RFC 2308) with absolute expiry, RFC 2181 §5.4.1 ranking, a byte
 * budget with LRU eviction, and one lock per shard. Thread safe. */
#ifndef CAIRN_CACHE_H
#define CAIRN_CACHE_H

#include "cairn/common.h"
#include "cairn/wire.h"

struct cache;

/* Credibility of data, lowest first (RFC 2181 §5.4.1). Data of a higher
 * rank replaces lower-ranked data; lower never replaces higher while the
 * higher is unexpired. */
enum cache_rank {
	CACHE_RANK_GLUE = 1,        /* additional section, glue */
	CACHE_RANK_REFERRAL,        /* authority section of a non-AA reply (referral NS) */
	CACHE_RANK_ANSWER_NONAUTH,  /* answer section of a non-AA reply (e.g. forwarder) */
	CACHE_RANK_AUTH_AUTHORITY,  /* authority section of an AA reply */
	CACHE_RANK_AUTH_ANSWER,     /* answer section of an AA reply */
};

/* Validation state of an entry (RFC 4035 §4.3). */
enum cache_sec { CACHE_SEC_UNCHECKED = 0, CACHE_SEC_INSECURE, CACHE_SEC_SECURE,
		 CACHE_SEC_BOGUS };

#define CACHE_MAX_PROOF 8        /* RRsets in a stored denial proof */
#define CACHE_EDE_NONE  0xffffu  /* struct cache_dnssec's ede: no EDE */

/* The DNSSEC data stored with an entry (cache_put_*_sec). The cache copies
 * what it keeps; the caller keeps ownership of everything pointed to. */
struct cache_dnssec {
	enum cache_sec sec;
	const struct wire_rrset *sigs;  /* positive: the RRSIGs covering the RRset (type
	                                 * RRSIG, owner = the RRset's); negative: the SOA's
	                                 * RRSIGs; NULL or count 0: none */
	const struct wire_rrset *proof; /* negative entries, and positive ones expanded from
	                                 * a wildcard (RFC 4035 §3.1.3.3): the denial proof, RRsets of type
	                                 * NSEC, NSEC3 and RRSIG (each RRSIG RRset right after
	                                 * the RRset it covers), in order; may be NULL */
	unsigned nproof;                /* at most CACHE_MAX_PROOF */
	uint16_t ede;                   /* BOGUS/INSECURE: the EDE (RFC 8914) to answer
	                                 * with, CACHE_EDE_NONE (0xffff) none; an
	                                 * UNCHECKED entry has none (ignored) */
	const uint8_t *signer;          /* an NSEC RRset: the zone it belongs to (its
	                                 * RRSIGs' signer name, wire form); NULL: taken
	                                 * from the first RRSIG of sigs. Puts a SECURE
	                                 * NSEC RRset with sigs in the NSEC index
	                                 * (cache_find_nsec); ignored for other types */
};

struct cache_config {
	size_t max_bytes;           /* budget for everything stored, incl. overhead
	                             * (entries, hash tables, shard array) */
	uint32_t max_ttl;           /* cache-max-ttl (default 86400) */
	uint32_t max_negative_ttl;  /* cache-max-negative-ttl (default 3600) */
	unsigned shards;            /* power of two <= 4096; 0 = default (32, fewer
	                             * when a shard would get < 64 KiB) */
	uint32_t stale_max_age;     /* serve-stale-max-age: seconds past expiry an
	                             * entry is kept for cache_get_ex(CACHE_GET_STALE)
	                             * (RFC 8767 §5); 0 (default): freed at expiry */
};

/* Fills cfg with the defaults: 64 MiB, max TTL 86400, max negative TTL 3600,
 * default shard count. */
void cache_config_default(struct cache_config *cfg);

/* Fixed bytes accounted per entry on top of its names and rdata (entry
 * header + allocator chunk header); the allocator's rounding comes on top.
 * An entry stored with DNSSEC data (cache_put_rrset_sec, ...) costs in
 * addition, for its signatures and each RRset of its proof, a record header
 * of cache_dnssec_overhead() bytes plus that RRset's owner and rdata; a
 * signed NSEC RRset also carries its node in the NSEC index (RFC 8198) and
 * the zone's name. All of it counts against max_bytes. */
size_t cache_entry_overhead(void);
/* The bytes accounted per stored RRSIG or proof RRset on top of its owner
 * and rdata (cache_entry_overhead). */
size_t cache_dnssec_overhead(void);

/* bytes includes the fixed cost (shard array, hash tables) and is never
 * above max_bytes. hits/misses count cache_get calls (cache_walk_name
 * counts neither); evictions count entries
 * pushed out by the budget (not expiry or flushes). */
struct cache_stats {
	uint64_t entries, bytes, hits, misses, evictions, inserts;
};

/* Creates an empty cache; caller owns it (cache_free). Returns CAIRN_EINVAL
 * for a shard count that is not a power of two <= 4096 or a budget too small
 * for the fixed overhead plus 1 KiB per shard, CAIRN_ENOMEM. */
cairn_err cache_new(const struct cache_config *cfg, struct cache **out);
/* ttl as the cache would keep it: RFC 2181 §8 (top bit set: 0), capped by
 * max_negative_ttl for negative answers, else by max_ttl. For answers
 * relayed before they are cached, so that the first client sees what the
 * next ones will. */
uint32_t cache_ttl_cap(const struct cache *c, uint32_t ttl, bool negative);
/* Frees c and every entry (NULL is allowed); no thread may still use it. */
void cache_free(struct cache *c);

/* Stores a copy of rs (its TTL clamped to max_ttl, expiry = now + TTL)
 * unless an unexpired entry of higher rank exists for (owner, type).
 * Returns CAIRN_OK (also when it kept the better entry, and when the TTL is
 * 0, or >= 2^31 which RFC 2181 §8 treats as 0: nothing is stored),
 * CAIRN_ENOMEM, CAIRN_ELIMIT when the entry is larger than a shard's budget
 * (not stored), CAIRN_EINVAL for a bad owner, type 0 or rdlengths that do
 * not add up to rdata_len. now is in seconds (monotonic).
 * Positive and negative entries compete by rank: an RRset or NODATA for
 * (name, type) replaces the NXDOMAIN entry of name when its rank is equal or
 * higher, and is not stored when an unexpired NXDOMAIN of higher rank
 * exists. The class is stored but is not part of the key (IN only). */
cairn_err cache_put_rrset(struct cache *c, const struct wire_rrset *rs,
			  enum cache_rank rank, uint64_t now);

/* As cache_put_rrset with DNSSEC data (d may be NULL: unchecked, none).
 * Ranking as today; on an equal rank the newer entry replaces the older
 * one, except that an unexpired SECURE entry is not replaced by an
 * UNCHECKED one with identical rdata (the same records in any order; a
 * referral or a second answer that repeats validated data must not
 * downgrade it): CAIRN_OK, the SECURE entry stays. The entry's TTL is the
 * smallest of rs's and its RRSIGs' TTLs (RFC 4034 §3: they are equal in a
 * well-formed answer), capped as cache_put_rrset caps it; the RRSIGs are
 * returned with the entry's TTL. Returns as cache_put_rrset, CAIRN_EINVAL
 * also for sigs of another type than RRSIG or another owner, a bad or too
 * long proof (nproof > CACHE_MAX_PROOF, types other than NSEC, NSEC3 and
 * RRSIG) or a proof given for a positive entry. */
cairn_err cache_put_rrset_sec(struct cache *c, const struct wire_rrset *rs,
			      enum cache_rank rank, const struct cache_dnssec *d, uint64_t now);

/* Stores a negative answer: NXDOMAIN for name (any type) when nxdomain,
 * else NODATA for (name, type). soa (may be NULL) is kept to be returned in
 * the authority section; ttl is the negative TTL (RFC 2308 §5: min of SOA
 * TTL and MINIMUM; clamped to max_negative_ttl here). */
cairn_err cache_put_negative(struct cache *c, const uint8_t *name, uint16_t type,
			     bool nxdomain, const struct wire_rrset *soa,
			     uint32_t ttl, enum cache_rank rank, uint64_t now);
/* (cache_put_negative returns like cache_put_rrset; type is ignored when
 * nxdomain. A new NXDOMAIN leaves the name's per-type entries in place but
 * cache_get prefers it over them unless they have a higher rank.) */

/* As cache_put_negative with DNSSEC data (d may be NULL: unchecked, none):
 * d->sigs are the SOA's RRSIGs, d->proof the NSEC/NSEC3 denial proof. The
 * negative TTL is further capped by the proof's and the RRSIGs' TTLs
 * (RFC 9077 §3: never beyond the NSEC records' TTL), and every stored
 * record is returned with the entry's TTL. The not-downgrade rule of
 * cache_put_rrset_sec applies to an answer of the same kind with an
 * identical SOA. Returns as cache_put_rrset_sec. */
cairn_err cache_put_negative_sec(struct cache *c, const uint8_t *name, uint16_t type,
				 bool nxdomain, const struct wire_rrset *soa, uint32_t ttl,
				 enum cache_rank rank, const struct cache_dnssec *d,
				 uint64_t now);

/* Sets the validation state (and EDE, CACHE_EDE_NONE for none) of the live
 * entry (name, type) -- the NXDOMAIN entry of name when nxdomain -- and
 * shortens its remaining life to at most max_ttl seconds from now (RFC 4035
 * §5.3.3: never beyond the signatures' expiry; bogus data briefly, RFC 4035
 * §4.3 / unbound's val-bogus-ttl); the original TTL is left as stored. A
 * signed NSEC RRset set SECURE enters the NSEC index, set to anything else
 * leaves it. Returns CAIRN_OK or CAIRN_ENOTFOUND (no live entry, or a bad
 * name). Allocates nothing. */
cairn_err cache_set_sec(struct cache *c, const uint8_t *name, uint16_t type, bool nxdomain,
			enum cache_sec sec, uint16_t ede, uint32_t max_ttl, uint64_t now);
/* cache_set_sec on a positive entry only when it still holds exactly the
 * records of rs (rs NULL: any entry): the verdict of a validator never
 * lands on an RRset that replaced the one it checked. CAIRN_ENOTFOUND
 * when it does not hold them. */
cairn_err cache_set_sec_if(struct cache *c, const uint8_t *name, uint16_t type,
			   bool nxdomain, const struct wire_rrset *rs, enum cache_sec sec,
			   uint16_t ede, uint32_t max_ttl, uint64_t now);

/* Finds a live SECURE NSEC RRset (with its RRSIGs) of zone whose owner is
 * the closest at or before name in canonical order (RFC 4034 §6.1) among
 * those cached for zone: i.e. the one that may cover or match name (the
 * caller checks that it does, RFC 8198 §5.1). The NSEC RRset and its RRSIGs
 * are copied into scratch (cap bytes) with the entry's remaining TTL.
 * Returns true and sets *nsec, *sigs when found; false when none is cached,
 * the closest one has expired, or it does not fit in scratch. A peek: no
 * hit or miss counted, no LRU change. Allocates nothing. */
bool cache_find_nsec(struct cache *c, const uint8_t *zone, const uint8_t *name,
		     uint64_t now, uint8_t *scratch, size_t cap,
		     struct wire_rrset *nsec, struct wire_rrset *sigs);

enum cache_result {
	CACHE_MISS = 0,
	CACHE_POSITIVE,    /* *rs holds the RRset */
	CACHE_NXDOMAIN,    /* *rs holds the SOA (count 0 if none was stored) */
	CACHE_NODATA,      /* *rs holds the SOA (count 0 if none was stored) */
};

/* Looks up (name, type) — a lowercase wire name. On a hit the RRset (or the
 * SOA of a negative entry) is copied into scratch (scratch_len bytes, e.g. a
 * worker's 64 KiB buffer) and *rs points into scratch with the remaining
 * TTL (aged to now); *rank gets the entry's rank when rank is not NULL.
 * An NXDOMAIN entry for name answers every type; when both it and an entry
 * for (name, type) are live, the higher rank wins, on equal rank the newer.
 * A negative entry stored without SOA yields count 0, type SOA and owner =
 * name. Expired entries are misses (and are freed, unless within
 * stale_max_age past their expiry: kept for cache_get_ex). A hit marks
 * the entry used: eviction, from the tail of its shard's LRU, moves a used
 * entry to the front instead (a second chance, CLOCK). When scratch is too
 * small for the entry (owner + rdata bytes) it returns CACHE_MISS and
 * counts neither a hit nor a miss. Allocates nothing. */
enum cache_result cache_get(struct cache *c, const uint8_t *name, uint16_t type,
			    uint64_t now, uint8_t *scratch, size_t scratch_len,
			    struct wire_rrset *rs, enum cache_rank *rank);

/* For a batch of lookups about to be made (a worker's batch of queries):
 * starts loading into the CPU's cache the shard's lock, the hash buckets
 * of (names[i], types[i]) and (names[i], NXDOMAIN) and the first entry of
 * each, all names at once, so that the batch waits for memory once rather
 * than once per lookup. names[i]: lowercase wire names, hashes[i] their
 * wire_name_hash; NULL names are skipped; at most CACHE_PREFETCH_MAX are looked at. Takes no lock,
 * changes nothing, counts nothing. */
#define CACHE_PREFETCH_MAX 64
void cache_prefetch(struct cache *c, const uint8_t *const *names, const uint32_t *hashes,
		    const uint16_t *types, unsigned n);

/* cache_get_ex's flags */
#define CACHE_GET_STALE 1u   /* an entry expired less than stale_max_age ago
                              * may answer when no live one does (RFC 8767) */
#define CACHE_GET_DNSSEC 2u  /* also copy the entry's RRSIGs and proof into
                              * scratch (info's sigs, nproof, proof) */
/* What cache_get_ex tells about the entry it returned. */
struct cache_hit {
	bool stale;          /* expired (rs->ttl is then 0) */
	uint32_t orig_ttl;   /* its TTL when stored (after clamping) */
	uint64_t expiry;     /* absolute, seconds (cache clock) */
	enum cache_sec sec;  /* validation state (always filled) */
	uint16_t ede;        /* its EDE, CACHE_EDE_NONE none (always filled) */
	/* With CACHE_GET_DNSSEC only (else sigs.count and nproof are 0): */
	struct wire_rrset sigs;  /* the RRSIGs (count 0: none), in scratch */
	unsigned nproof;         /* negative entries: the denial proof's RRsets */
	struct wire_rrset proof[CACHE_MAX_PROOF];
};
/* cache_get with flags (CACHE_GET_STALE, CACHE_GET_DNSSEC) and, when info
 * is not NULL, facts about the entry found. A live entry always wins over
 * a stale one. A stale hit counts neither as a hit nor as a miss (the plain
 * lookup before it counted the miss). With CACHE_GET_DNSSEC the RRSIGs and
 * proof follow the RRset in scratch, every TTL aged like the entry's; when
 * they do not all fit it is a miss that is not counted, as for the RRset
 * (info NULL: the flag is ignored). Allocates nothing. */
enum cache_result cache_get_ex(struct cache *c, const uint8_t *name, uint16_t type,
			       uint64_t now, unsigned flags, uint8_t *scratch,
			       size_t scratch_len, struct wire_rrset *rs,
			       enum cache_rank *rank, struct cache_hit *info);

/* One entry of a name, as cache_walk_name reports it. */
struct cache_entry_info {
	enum cache_result kind;     /* CACHE_POSITIVE, CACHE_NXDOMAIN or CACHE_NODATA */
	uint16_t type;              /* the type it answers; 0 for NXDOMAIN (every type) */
	enum cache_rank rank;
	struct wire_rrset rs;       /* the RRset, or the SOA of a negative entry (count
	                             * 0 when none was stored); ttl = seconds left */
	enum cache_sec sec;         /* validation state */
	uint16_t ede;               /* CACHE_EDE_NONE: none */
	struct wire_rrset sigs;     /* its RRSIGs (count 0: none), TTLs as rs's */
	unsigned nproof;            /* the denial proof of a negative entry */
	struct wire_rrset proof[CACHE_MAX_PROOF];
};
/* Receives one entry; e and what it points to are valid during the call. */
typedef void (*cache_walk_fn)(void *ctx, const struct cache_entry_info *e);

/* Reports every live entry of name (a wire name; any case) — all types,
 * positive and negative — to fn, NXDOMAIN first and then by type. A peek:
 * it counts no hit or miss, does not touch the LRU order and removes
 * nothing. The entries, with their RRSIGs and proofs, are copied into
 * scratch (scratch_len bytes) under the shard's lock and fn runs after the lock is released (it may use the
 * cache). Returns the number of entries reported; *truncated (may be NULL)
 * is set when scratch could not hold them all (those that fit are
 * reported). Allocates nothing. */
size_t cache_walk_name(struct cache *c, const uint8_t *name, uint64_t now,
		       uint8_t *scratch, size_t scratch_len, cache_walk_fn fn, void *ctx,
		       bool *truncated);

/* One entry as cache_walk_all reports it and cache_restore takes it (the
 * cache file, cairn-control dump-cache / load-cache). */
struct cache_dump_entry {
	enum cache_result kind;     /* CACHE_POSITIVE, CACHE_NXDOMAIN or CACHE_NODATA */
	const uint8_t *name;        /* the key: lowercase wire name */
	uint16_t type;              /* the type it answers; 0 for NXDOMAIN */
	enum cache_rank rank;
	uint64_t expiry;            /* absolute, seconds (cache clock) */
	uint32_t orig_ttl;          /* TTL when stored */
	struct wire_rrset rs;       /* the RRset, or the SOA of a negative entry
	                             * (count 0 when none was stored); rs.ttl =
	                             * seconds left (0 when expired) */
	enum cache_sec sec;         /* validation state (0: unchecked) */
	uint16_t ede;               /* CACHE_EDE_NONE: none (an unchecked entry has
	                             * none: restore ignores it then) */
	struct wire_rrset sigs;     /* its RRSIGs (count 0: none); TTLs as rs's */
	unsigned nproof;            /* the denial proof of a negative entry */
	struct wire_rrset proof[CACHE_MAX_PROOF];
	const uint8_t *signer;      /* an NSEC entry's zone as stored (NULL: none;
	                             * restore: taken from sigs when NULL) */
};
/* Receives one entry; e and what it points to are valid during the call. */
typedef void (*cache_dump_fn)(void *ctx, const struct cache_dump_entry *e);
/* Reports every entry that may still be served (live, or expired within
 * stale_max_age) to fn, shard by shard: a shard's entries are copied under
 * its lock into a buffer allocated for them and fn runs after the lock is
 * released (it may use the cache). A peek: no hit or miss, no LRU change.
 * Returns CAIRN_OK, or CAIRN_ENOMEM (the entries reported so far stand);
 * *count (may be NULL) gets the number reported. */
cairn_err cache_walk_all(struct cache *c, uint64_t now, cache_dump_fn fn, void *ctx,
			 size_t *count);
/* Stores e as it was dumped: its absolute expiry (clamped to max_ttl or
 * max_negative_ttl from now), original TTL, rank and kind, under the usual
 * ranking and byte budget (LRU). An entry already past stale_max_age (or
 * expired, without serve-stale) is not stored: CAIRN_ENOTFOUND. Returns as
 * cache_put_rrset otherwise. */
cairn_err cache_restore(struct cache *c, const struct cache_dump_entry *e, uint64_t now);

/* The stale_max_age c was created with. */
uint32_t cache_stale_max_age(const struct cache *c);

/* Removes name's entries (all types, NXDOMAIN included), and every name
 * below it when below (walks every shard). */
void cache_flush_name(struct cache *c, const uint8_t *name, bool below);
/* Removes every entry. */
void cache_flush(struct cache *c);
/* Removes every negative entry (NXDOMAIN and NODATA, RFC 2308), live or
 * stale; positive RRsets stay. Returns how many were removed. */
size_t cache_flush_negative(struct cache *c);
/* Removes the entry of (name, type): the RRset or the NODATA answer (an
 * NXDOMAIN of name, which answers every type, stays; type 0 removes
 * nothing). Returns how many were removed (0 or 1). */
size_t cache_flush_type(struct cache *c, const uint8_t *name, uint16_t type);
/* A number that changes after every flush above (the server's answer
 * caches keep it beside what they built from the cache). */
uint32_t cache_generation(struct cache *c);
/* Fills out (the caller's) with c's current numbers, summed over shards. */
void cache_get_stats(struct cache *c, struct cache_stats *out);

/* Questions in flight, shared by all workers, so that identical questions
 * are resolved once in the whole process. A worker that misses the cache
 * claims (name, type, class) (name in any case) before resolving it.
 * Returns true when the caller may resolve: it then holds the claim, named
 * by *token, until cache_inflight_release or until hold_ms after now_ms
 * (monotonic ms) have passed, after which the claim lapses by itself (a
 * resolution that never releases cannot block the question for longer).
 * *token is 0 when no claim could be recorded (bad name, or the shard's few
 * slots all busy): resolve unmerged. Returns false, *token 0, when another
 * live claim holds the question: wait for its answer to appear in the
 * cache, and claim again if it does not; waiter (a worker's number below
 * 64, or any larger value for none) is then recorded so the holder can
 * wake it. Allocates nothing. */
bool cache_inflight_claim(struct cache *c, const uint8_t *name, uint16_t type,
			  uint16_t qclass, uint64_t now_ms, uint64_t hold_ms,
			  unsigned waiter, uint64_t *token);
/* Ends the claim token of (name, type, class) (store the answer in the
 * cache first). Token 0, or a claim that lapsed and was taken by another,
 * is left alone. Returns the waiters recorded on the claim (bit w: worker
 * w), to be woken. */
uint64_t cache_inflight_release(struct cache *c, const uint8_t *name, uint16_t type,
				uint16_t qclass, uint64_t token);

#endif
