/* dns.h - asking DNS servers for TXT records, within a deadline
 *
 * The one part of tlsrpt-ingest that knows DNS: verify.c asks it for the
 * DKIM key records of a message's signers.  Every lookup ends by a
 * deadline the caller gives, whatever the servers do (silence, a
 * truncated answer and then a TCP connection that never answers): a
 * delivery must end well before the MTA kills it.  That is why this is
 * not res_nsend(), whose TCP retry waits without a limit.  Queries are
 * built and answers read with libresolv (res_mkquery, ns_initparse).
 */
#ifndef TLSRPT_DNS_H
#define TLSRPT_DNS_H

#include <glib.h>

typedef struct dns_options {
	/* An IPv4 or IPv6 address; NULL: the servers of /etc/resolv.conf. */
	const char	*nameserver;
	guint		 port;		/* 0: 53 */
} DnsOptions;

typedef struct dns Dns;

/* dns_new - a resolver asking as options say; owned
 *
 * Errors: ERROR_USAGE for a nameserver that is not an address,
 * ERROR_CONFIG when resolv.conf names no server.  A Dns is read-only
 * once made: threads may share it.
 */
Dns *dns_new(const DnsOptions *options, GError **error);
void dns_free(Dns *dns);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Dns, dns_free)

/* dns_txt - the TXT records of name, each one's strings joined, asked
 * before deadline (g_get_monotonic_time()'s clock)
 *
 * Returns an owned array of owned strings, empty when the name does not
 * exist (NXDOMAIN) or has no TXT record; or NULL with ERROR_TEMPORARY
 * when no server answered in time, or each answered with an error
 * (SERVFAIL, REFUSED), or ERROR_INVALID when name is no domain name.
 * The servers are asked in turn, over UDP, again every second until
 * the deadline; over TCP when an answer did not fit.
 */
GPtrArray *dns_txt(const Dns *dns, const char *name, gint64 deadline,
    GError **error);

#endif
