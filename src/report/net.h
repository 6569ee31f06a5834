/* net.h - TCP connections that end by a deadline
 *
 * What probe's SMTP dialogue and HTTPS fetch share: connecting to one
 * address (IPv4 or IPv6) and reading and writing its socket, each step
 * bounded by a deadline on the monotonic clock, so that a host that never
 * answers costs its timeout and no more.
 */
#ifndef TLSRPT_NET_H
#define TLSRPT_NET_H

#include <glib.h>

/* net_deadline - the monotonic time seconds from now */
gint64 net_deadline(guint seconds);

/* net_connect - a connected TCP socket to address:port; the descriptor,
 * owned, or -1 and ERROR_TEMPORARY saying why ("connection refused",
 * "no answer before the timeout"), or ERROR_CONFIG when this machine has
 * no route for the address (IPv6 without IPv6) */
int net_connect(const char *address, guint port, gint64 deadline,
    GError **error);

/* net_wait - wait until fd can be read (writing FALSE) or written, or
 * until the deadline; FALSE when it passed */
gboolean net_wait(int fd, gboolean writing, gint64 deadline);

/* net_read - up to len bytes into buf once some arrive; the count, 0 at
 * the end of the stream, -1 and ERROR_TEMPORARY after the deadline or on
 * an error */
gssize net_read(int fd, char *buf, gsize len, gint64 deadline, GError **error);

/* net_write - all of data, or FALSE and ERROR_TEMPORARY */
gboolean net_write(int fd, const char *data, gsize len, gint64 deadline,
    GError **error);

#endif
