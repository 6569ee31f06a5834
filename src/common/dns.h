/* dns.h - asking DNS servers for TXT, MX, A, AAAA and TLSA records,
 * within a deadline
 *
 * The one place of both programs that knows DNS: tlsrpt-ingest's
 * verify.c asks it for DKIM keys, tlsrpt-report's record.c, probe.c and
 * mtasts.c for TLS-RPT and MTA-STS records, MX hosts, their addresses
 * and their TLSA records.  Every lookup ends by a deadline its caller
 * gives, whatever the servers do (silence, a truncated answer and then a
 * TCP connection that never answers): a delivery must end well before
 * the MTA kills it, a monitoring check before Nagios does.  That is why
 * this is not res_nsend(), whose TCP retry waits without a limit.
 * Queries are built and answers read with libresolv (res_mkquery,
 * ns_initparse).
 *
 * DNSSEC: each query asks for the AD bit (RFC 6840 section 5.7), which a
 * validating resolver sets on the answers it validated.  It is worth what
 * the server asked and the path to it are worth: callers say which
 * server vouched, never that the data is signed.
 */
#ifndef TLSRPT_DNS_H
#define TLSRPT_DNS_H

#include <glib.h>

typedef struct dns_options {
	/* An IPv4 or IPv6 address; NULL: the servers of /etc/resolv.conf. */
	const char	*nameserver;
	guint		 port;		/* 0: 53; resolv.conf's servers too */
} DnsOptions;

typedef struct dns Dns;

/* One MX record. */
typedef struct dns_mx {
	guint	 preference;
	char	*host;		/* lower case, no final dot; "" for the null
				 * MX of RFC 7505 ("."): no mail accepted */
} DnsMx;

/* One TLSA record (RFC 6698). */
typedef struct dns_tlsa {
	guint8	 usage;
	guint8	 selector;
	guint8	 matching;
	GBytes	*data;		/* the certificate association data */
} DnsTlsa;

/* dns_new - a resolver asking as options say; owned
 *
 * Errors: ERROR_USAGE for a nameserver that is not an address,
 * ERROR_CONFIG when resolv.conf names no server.  A Dns is read-only
 * once made: threads may share it.
 */
Dns *dns_new(const DnsOptions *options, GError **error);
void dns_free(Dns *dns);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Dns, dns_free)

/* dns_server - the address of the server asked first, for messages
 * ("192.0.2.1"); borrowed from dns */
const char *dns_server(const Dns *dns);

/*
 * The lookups.  Each asks before deadline (g_get_monotonic_time()'s
 * clock) and returns an owned array, empty when the name does not exist
 * (NXDOMAIN) or has no record of the type; or NULL with ERROR_TEMPORARY
 * when no server answered in time, or each answered with an error
 * (SERVFAIL, REFUSED), or with a malformed answer; or ERROR_INVALID
 * when name is no domain name.  A temporary error's message starts with
 * the name and type asked ("example.com TXT: ...") and names the server.
 *
 * The servers are asked in turn, over UDP, again every second until the
 * deadline; over TCP when an answer did not fit.  authenticated, when
 * not NULL, is set to whether every answer the lookup took carried the
 * AD bit.
 */

/* dns_txt - the TXT records of name, each one's strings joined: strings */
GPtrArray *dns_txt(const Dns *dns, const char *name, gint64 deadline,
    gboolean *authenticated, GError **error);

/* dns_mx - the MX records of name, by preference: DnsMx */
GPtrArray *dns_mx(const Dns *dns, const char *name, gint64 deadline,
    gboolean *authenticated, GError **error);

/* dns_addresses - the IPv4, then the IPv6 addresses of name, as text;
 * both lookups within the one deadline */
GPtrArray *dns_addresses(const Dns *dns, const char *name, gint64 deadline,
    gboolean *authenticated, GError **error);

/* dns_tlsa - the TLSA records of name (_25._tcp.HOST): DnsTlsa */
GPtrArray *dns_tlsa(const Dns *dns, const char *name, gint64 deadline,
    gboolean *authenticated, GError **error);

#endif
