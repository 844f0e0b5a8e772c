/* common: error codes, logging, monotonic time, arena allocator, socket
 * addresses and address prefixes (ACLs) shared by every cairn module. */
#ifndef CAIRN_COMMON_H
#define CAIRN_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>

typedef enum {
	CAIRN_OK = 0,
	CAIRN_ENOMEM,   /* out of memory */
	CAIRN_EINVAL,   /* bad argument or bad value */
	CAIRN_EIO,      /* I/O or system call failure (errno is kept) */
	CAIRN_ENOTFOUND,/* no such item */
	CAIRN_EFORMAT,  /* malformed input (packet, file) */
	CAIRN_ELIMIT,   /* a limit or buffer size was exceeded */
	CAIRN_EEXIST,   /* item already present */
} cairn_err;

/* Returns a static English description of err. */
const char *cairn_strerror(cairn_err err);

/* ---- logging ----
 * The sink is chosen once at start-up (before threads start) with
 * log_open(); log_msg() is thread safe afterwards. */
enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };
enum log_sink { LOG_SINK_STDERR = 0, LOG_SINK_SYSLOG, LOG_SINK_FILE };

/* Opens the sink; path is used for LOG_SINK_FILE. Returns CAIRN_EIO if the
 * file cannot be opened. verbosity: messages above this level are dropped. */
cairn_err log_open(enum log_sink sink, const char *path, enum log_level verbosity);
/* Closes the file or syslog sink; later messages go to stderr. */
void log_close(void);
/* Writes one line at level lvl (dropped above the verbosity) to the sink,
 * with a timestamp and the level outside syslog. errno is preserved. */
void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* True when messages at lvl are written (not dropped by the verbosity). */
bool log_enabled(enum log_level lvl);
/* Changes the verbosity at run time (cairn-control verbosity); any thread. */
void log_set_verbosity(enum log_level lvl);
enum log_level log_get_verbosity(void);
/* LOG_SINK_FILE: opens the log file's path again and continues there (after
 * logrotate renamed it: cairn-control reopen-log, SIGUSR2); the old file
 * is closed once the new one is open. Other sinks: nothing to do. Returns
 * CAIRN_OK, or CAIRN_EIO (errno says why) and the old file stays in use.
 * Any thread. */
cairn_err log_reopen(void);
#define log_err(...)   log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/* ---- time ---- */
/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t cairn_now_ms(void);

/* ---- arena: bump allocator for data that lives and dies together ----
 * Blocks are malloc'd; arena_free releases all of them. Not thread safe. */
struct arena_block;
struct arena {
	struct arena_block *head;
	size_t block_size;
	size_t total;          /* bytes handed out */
};
/* Makes a (the caller's) an empty arena allocating blocks of block_size
 * bytes (0: 64 KiB); larger requests get a block of their own. */
void arena_init(struct arena *a, size_t block_size);
/* Returns size bytes aligned to 8, owned by the arena, or NULL. */
void *arena_alloc(struct arena *a, size_t size);
/* Copies len bytes into the arena; returns the copy or NULL. */
void *arena_dup(struct arena *a, const void *p, size_t len);
/* Frees every block (all that a handed out); a is empty again. */
void arena_free(struct arena *a);

/* ---- big tables: hash buckets read at random (arena.c) ----
 * With 4 KiB pages a lookup in a table of megabytes costs a TLB miss as
 * well as a cache miss; a table of 2 MiB or more is therefore mapped on
 * its own, aligned to 2 MiB, and asks for transparent huge pages (THP in
 * "madvise" mode, Debian's default; a hint the kernel may refuse). */
#define CAIRN_TABLE_HUGE ((size_t)2 << 20)
/* bytes of zeroed memory (pages mapped as first touched); *size gets what
 * it really takes (for accounting, and for cairn_table_free). NULL when out
 * of memory. */
void *cairn_table_alloc(size_t bytes, size_t *size);
/* Frees p (NULL allowed) of size bytes as cairn_table_alloc gave it. */
void cairn_table_free(void *p, size_t size);

/* The functions every UDP answer runs through: GCC places them together
 * (.text.hot), so that a batch, after the kernel's work, finds them in
 * fewer cache lines and pages. */
#define CAIRN_HOT __attribute__((hot))

/* ---- socket addresses ---- */
struct cairn_sockaddr {
	struct sockaddr_storage ss;
	socklen_t len;
};
/* Parses "ADDR[@PORT]" (IPv4 or IPv6 literal, e.g. 127.0.0.1@53, ::1@5353,
 * fe80::1%eth0) into *out; default_port is used when @PORT is absent.
 * Returns CAIRN_OK, or CAIRN_EINVAL for a malformed address or port. */
cairn_err cairn_sockaddr_parse(const char *text, uint16_t default_port,
			       struct cairn_sockaddr *out);
/* Writes "ADDR#PORT" (dig style; "?" for a family other than IPv4 and
 * IPv6) into buf (the caller's); returns buf. */
char *cairn_sockaddr_format(const struct cairn_sockaddr *sa, char *buf, size_t buflen);

/* ---- address prefixes (ACLs) ---- */
struct cairn_prefix {
	int family;            /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint8_t bits;
};
/* Parses "10.0.0.0/8", "::1/128" or a bare address (full length) into
 * *out. Returns CAIRN_OK, or CAIRN_EINVAL for a malformed prefix. */
cairn_err cairn_prefix_parse(const char *text, struct cairn_prefix *out);
/* True when sa (v4, v6 or v4-mapped v6) lies inside p. */
bool cairn_prefix_match(const struct cairn_prefix *p, const struct sockaddr *sa);


/* ---- event sources ----
 * Every fd a worker's epoll watches carries, as epoll_event.data.ptr, a
 * pointer to a struct cairn_event (usually embedded first in the owner's
 * struct). The worker's loop calls ev->fn(ev, events) for each ready fd, so
 * sockets of the server and of the resolver's transport share one loop. */
struct cairn_event {
	void (*fn)(struct cairn_event *ev, uint32_t events);
};

#endif
