/* common/common.c: error strings and the monotonic clock. */
#include "cairn/common.h"

#include <time.h>

const char *cairn_strerror(cairn_err err)
{
	switch (err) {
	case CAIRN_OK:        return "success";
	case CAIRN_ENOMEM:    return "out of memory";
	case CAIRN_EINVAL:    return "invalid argument or value";
	case CAIRN_EIO:       return "I/O error";
	case CAIRN_ENOTFOUND: return "not found";
	case CAIRN_EFORMAT:   return "malformed input";
	case CAIRN_ELIMIT:    return "limit exceeded";
	case CAIRN_EEXIST:    return "already exists";
	}
	return "unknown error";
}

uint64_t cairn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
