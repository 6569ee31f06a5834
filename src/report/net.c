/* net.c - TCP connections that end by a deadline
 *
 * Non-blocking sockets and poll(2): a deadline is a point on the
 * monotonic clock, and every wait is the time left until it, so that a
 * peer that trickles a byte at a time cannot stretch the wait either.
 * Errors name what was waited for and how long: the timeout is what the
 * postmaster set.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "common/error.h"
#include "net.h"

/* net_deadline - the monotonic time seconds from now */
gint64
net_deadline(guint seconds)
{
	return g_get_monotonic_time() + (gint64)seconds * G_USEC_PER_SEC;
}

/* net_wait - wait until fd can be read, or written, or the deadline */
gboolean
net_wait(int fd, gboolean writing, gint64 deadline)
{
	struct pollfd p = { .fd = fd, .events = writing ? POLLOUT : POLLIN };

	for (;;) {
		gint64 left = deadline - g_get_monotonic_time();
		int n;

		if (left <= 0)
			return FALSE;
		n = poll(&p, 1, (int)MIN((left + 999) / 1000, G_MAXINT));
		if (n > 0)
			return TRUE;
		if (n < 0 && errno != EINTR)
			return TRUE;	/* the read or write says what failed */
	}
}

/* net_here - whether a socket error is this machine's: no route for the
 * address family (an MX host's IPv6 address, probed from a machine
 * without IPv6), not the other side's */
static gboolean
net_here(int err)
{
	return err == ENETUNREACH || err == EAFNOSUPPORT || err == EADDRNOTAVAIL;
}

/* net_connect - a connected TCP socket to address:port */
int
net_connect(const char *address, guint port, gint64 deadline, GError **error)
{
	struct sockaddr_storage sa = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&sa;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&sa;
	socklen_t len;
	int fd, err = 0;
	socklen_t err_len = sizeof(err);

	if (inet_pton(AF_INET, address, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, address, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		len = sizeof(*sin6);
	} else {
		g_set_error(error, TLSRPT_ERROR, ERROR_INTERNAL,
		    "'%s' is not an IP address", address);
		return -1;
	}
	fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		g_set_error(error, TLSRPT_ERROR, net_here(errno)
		    ? ERROR_CONFIG : ERROR_TEMPORARY, "cannot make a socket: %s",
		    g_strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, len) != 0) {
		if (errno != EINPROGRESS)
			err = errno;
		else if (!net_wait(fd, TRUE, deadline))
			err = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0)
			err = errno;
	}
	if (err != 0) {
		g_set_error(error, TLSRPT_ERROR, net_here(err) ? ERROR_CONFIG
		    : ERROR_TEMPORARY, "cannot connect to port %u: %s%s", port,
		    err == ETIMEDOUT ? "no answer before the timeout"
		    : g_strerror(err), net_here(err) ? " (from this machine)" : "");
		close(fd);
		return -1;
	}
	return fd;
}

/* net_read - up to len bytes once some arrive */
gssize
net_read(int fd, char *buf, gsize len, gint64 deadline, GError **error)
{
	for (;;) {
		gssize n = recv(fd, buf, len, 0);

		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
			    "the connection failed: %s", g_strerror(errno));
			return -1;
		}
		if (!net_wait(fd, FALSE, deadline)) {
			g_set_error_literal(error, TLSRPT_ERROR, ERROR_TEMPORARY,
			    "no answer before the timeout");
			return -1;
		}
	}
}

/* net_write - all of data */
gboolean
net_write(int fd, const char *data, gsize len, gint64 deadline, GError **error)
{
	while (len > 0) {
		gssize n = send(fd, data, len, MSG_NOSIGNAL);

		if (n > 0) {
			data += n;
			len -= (gsize)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
			    "the connection failed: %s", g_strerror(errno));
			return FALSE;
		}
		if (!net_wait(fd, TRUE, deadline)) {
			g_set_error_literal(error, TLSRPT_ERROR, ERROR_TEMPORARY,
			    "could not send before the timeout");
			return FALSE;
		}
	}
	return TRUE;
}
