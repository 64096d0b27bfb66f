/* tandem — systemd's notification protocol (sd_notify.h): one datagram of
 * "KEY=value" lines to the AF_UNIX socket $NOTIFY_SOCKET names. That is
 * the whole protocol a Type=notify service needs, so no libsystemd: a
 * dependency for a dozen lines, and none at all where tandemd runs
 * without systemd. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sd_notify.h"
#include "tandem_internal.h"

int sd_notify_state(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = path ? strlen(path) : 0;

	if (!n)
		return 0;
	/* "@name" is Linux's abstract namespace: a leading NUL, no file */
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof sa.sun_path) {
		tlog_warn("NOTIFY_SOCKET=%s: not a socket path", path);
		return -EINVAL;
	}
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ssize_t sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
	                      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n));
	int err = sent < 0 ? errno : 0;
	close(fd);
	if (err) {
		tlog_warn("NOTIFY_SOCKET %s: %s", path, strerror(err));
		return -err;
	}
	return 0;
}
