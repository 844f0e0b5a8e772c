/* common/log.c: the log sink (stderr, syslog or a file), chosen once at
 * start-up. The sink state is the one mutable global cairn allows: it is
 * set by log_open() before worker threads start and only read afterwards;
 * writes are serialised by a mutex so lines never interleave. */
#include "cairn/common.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#define LOG_LINE_MAX 2048

static struct {
	enum log_sink sink;
	enum log_level verbosity;
	FILE *file;
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
	log_state.verbosity = verbosity;
	switch (sink) {
	case LOG_SINK_FILE:
		if (!path) {
			err = CAIRN_EINVAL;
			goto done;
		}
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
	return lvl <= log_state.verbosity;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;
	int saved_errno = errno;
	size_t n;

	if (lvl > log_state.verbosity)
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
