/* common/log.c: the log sink (stderr, syslog or a file), chosen once at
 * start-up. The sink state is the one mutable global cairn allows: it is
 * set by log_open() before worker threads start and only read afterwards;
 * writes are serialised by a mutex so lines never interleave. */
#include "cairn/common.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#define LOG_LINE_MAX 2048

static struct {
	enum log_sink sink;
	_Atomic int verbosity;   /* enum log_level; changed at run time (log_set_verbosity) */
	FILE *file;
	char path[4096];         /* LOG_SINK_FILE: reopened by log_reopen */
	pthread_mutex_t lock;
} log_state = {
	.sink = LOG_SINK_STDERR,
	.verbosity = LOG_LVL_INFO,
	.file = NULL,
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

static const char *const level_name[] = { "error", "warning", "info", "debug" };

cairn_err log_open(enum log_sink sink, const char *path, enum log_level verbosity)
{
	cairn_err err = CAIRN_OK;

	log_close();
	atomic_store(&log_state.verbosity, (int)verbosity);
	switch (sink) {
	case LOG_SINK_FILE:
		if (!path || strlen(path) >= sizeof(log_state.path)) {
			err = CAIRN_EINVAL;
			goto done;
		}
		memcpy(log_state.path, path, strlen(path) + 1);
		log_state.file = fopen(path, "ae");
		if (!log_state.file) {
			err = CAIRN_EIO;
			goto done;
		}
		setvbuf(log_state.file, NULL, _IOLBF, 0);
		log_state.sink = LOG_SINK_FILE;
		break;
	case LOG_SINK_SYSLOG:
		openlog("cairnd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
		log_state.sink = LOG_SINK_SYSLOG;
		break;
	case LOG_SINK_STDERR:
	default:
		log_state.sink = LOG_SINK_STDERR;
		break;
	}
done:
	return err;
}

void log_close(void)
{
	pthread_mutex_lock(&log_state.lock);
	if (log_state.sink == LOG_SINK_FILE && log_state.file) {
		fclose(log_state.file);
		log_state.file = NULL;
	} else if (log_state.sink == LOG_SINK_SYSLOG) {
		closelog();
	}
	log_state.sink = LOG_SINK_STDERR;
	pthread_mutex_unlock(&log_state.lock);
}

bool log_enabled(enum log_level lvl)
{
	return (int)lvl <= atomic_load_explicit(&log_state.verbosity, memory_order_relaxed);
}

void log_set_verbosity(enum log_level lvl)
{
	atomic_store(&log_state.verbosity, (int)lvl);
}

enum log_level log_get_verbosity(void)
{
	return (enum log_level)atomic_load(&log_state.verbosity);
}

cairn_err log_reopen(void)
{
	FILE *f, *old = NULL;
	cairn_err err = CAIRN_OK;

	/* only log_open and log_close, before and after the threads, change
	 * the sink: read here without the lock */
	if (log_state.sink != LOG_SINK_FILE)
		return CAIRN_OK;
	/* opened before the old one is closed: when it cannot be, the old
	 * file (renamed by logrotate, still open) keeps the messages */
	f = fopen(log_state.path, "ae");
	if (!f)
		return CAIRN_EIO;
	setvbuf(f, NULL, _IOLBF, 0);
	pthread_mutex_lock(&log_state.lock);
	if (log_state.sink == LOG_SINK_FILE) {
		old = log_state.file;
		log_state.file = f;
		f = NULL;
	}
	pthread_mutex_unlock(&log_state.lock);
	if (old)
		fclose(old);
	if (f)
		fclose(f);
	return err;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;
	int saved_errno = errno;
	size_t n;

	if (!log_enabled(lvl))
		return;
	if ((unsigned)lvl > LOG_LVL_DEBUG)
		lvl = LOG_LVL_DEBUG;
	if (log_state.sink == LOG_SINK_SYSLOG) {
		static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
		va_start(ap, fmt);
		vsnprintf(line, sizeof(line), fmt, ap);
		va_end(ap);
		syslog(prio[lvl], "%s", line);   /* syslog is thread safe */
		errno = saved_errno;
		return;
	}

	/* "2024-05-01T12:00:00.123 [warning] message\n" */
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03ld [%s] ",
			      ts.tv_nsec / 1000000L, level_name[lvl]);
	if (n < sizeof(line)) {
		va_start(ap, fmt);
		int m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		va_end(ap);
		if (m > 0)
			n += (size_t)m;
	}
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;   /* truncated long message */
	line[n++] = '\n';
	line[n] = '\0';

	pthread_mutex_lock(&log_state.lock);
	FILE *f = (log_state.sink == LOG_SINK_FILE && log_state.file) ?
		  log_state.file : stderr;
	fwrite(line, 1, n, f);
	fflush(f);
	pthread_mutex_unlock(&log_state.lock);
	errno = saved_errno;
}
