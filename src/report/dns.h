/* dns.h - asking a DNS server for TXT records
 *
 * A thin layer over the resolver of libresolv (res_ninit, res_nsend), so
 * that a test, or a postmaster checking a new zone before it goes live,
 * can name the server and port to ask.
 */
#ifndef TLSRPT_DNS_H
#define TLSRPT_DNS_H

#include <glib.h>

typedef struct dns_options {
	const char	*nameserver;	/* an IPv4 address; NULL: resolv.conf's */
	guint		 port;		/* 0: 53 */
	guint		 timeout;	/* seconds per try; 0: the resolver's */
} DnsOptions;

typedef struct dns Dns;

/* dns_new - a resolver asking as options say
 *
 * Errors: ERROR_USAGE for a nameserver that is not an address,
 * ERROR_CONFIG when the resolver cannot be set up.
 */
Dns *dns_new(const DnsOptions *options, GError **error);
void dns_free(Dns *dns);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Dns, dns_free)

/* dns_txt - the TXT records of name, each one's strings joined
 *
 * Returns an owned array of owned strings, empty when the name does not
 * exist (NXDOMAIN) or has no TXT records; or NULL with ERROR_TEMPORARY
 * when no server answered, or one answered with another error (SERVFAIL,
 * REFUSED).
 */
GPtrArray *dns_txt(Dns *dns, const char *name, GError **error);

#endif
