/* notify: tells the service manager how start-up and stopping go
 * (systemd's Type=notify): READY=1 once the sockets are bound and the
 * zones loaded, STOPPING=1 when stopping. With libsystemd at configure
 * time its sd_notify() is used; otherwise the protocol of sd_notify(3) is
 * spoken here: one datagram of "KEY=VALUE\n" lines to the AF_UNIX socket
 * named by $NOTIFY_SOCKET (a path, or an abstract name written with a
 * leading '@'). Without $NOTIFY_SOCKET nothing is sent. */
#include "config.h"

#include "daemon_int.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

cairn_err daemon_notify_socket(const char *path, const char *state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t plen = strlen(path);
	socklen_t salen;
	ssize_t n;
	int fd;

	/* sd_notify(3): a path, or '@' for Linux's abstract namespace */
	if ((path[0] != '/' && path[0] != '@') || plen < 2 || plen >= sizeof(sa.sun_path)) {
		log_warn("NOTIFY_SOCKET '%s' is not a usable socket address", path);
		return CAIRN_EINVAL;
	}
	memcpy(sa.sun_path, path, plen);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen + (path[0] == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_warn("NOTIFY_SOCKET: socket: %s", strerror(errno));
		return CAIRN_EIO;
	}
	do
		n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		log_warn("NOTIFY_SOCKET %s: %s", path, strerror(errno));
	close(fd);
	return n == (ssize_t)strlen(state) ? CAIRN_OK : CAIRN_EIO;
}

void daemon_notify(const char *state)
{
#ifdef HAVE_LIBSYSTEMD
	int r = sd_notify(0, state);

	if (r < 0)
		log_warn("sd_notify: %s", strerror(-r));
#else
	const char *path = getenv("NOTIFY_SOCKET");

	if (path && path[0])
		(void)daemon_notify_socket(path, state);
#endif
}
