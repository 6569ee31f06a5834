/* dns.h - asking a DNS server for TXT, MX, A, AAAA and TLSA records
 *
 * A thin layer over the resolver of libresolv (res_ninit, res_nsend), so
 * that a test, or a postmaster checking a new zone before it goes live,
 * can name the server and port to ask.  The one place of tlsrpt-report
 * that knows DNS.
 *
 * DNSSEC: the answers carry the AD bit of the server asked, which says
 * that it validated them.  Only a validating resolver sets it, and only
 * one that the path to it cannot forge is worth believing: the callers
 * say which server vouched, never that the data is signed.
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

/* dns_new - a resolver asking as options say
 *
 * Errors: ERROR_USAGE for a nameserver that is not an address,
 * ERROR_CONFIG when the resolver cannot be set up.
 */
Dns *dns_new(const DnsOptions *options, GError **error);
void dns_free(Dns *dns);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Dns, dns_free)

/* dns_server - the address of the server asked first, for messages; static */
const char *dns_server(const Dns *dns);

/*
 * The lookups.  Each returns an owned array, empty when the name does
 * not exist (NXDOMAIN) or has no records of the type; or NULL with
 * ERROR_TEMPORARY when no server answered, or one answered with another
 * error (SERVFAIL, REFUSED), and ERROR_USAGE for a name that is not one.
 * authenticated, when not NULL, is set to whether the server set the AD
 * bit on every answer the lookup took.
 */

/* dns_txt - the TXT records of name, each one's strings joined: strings */
GPtrArray *dns_txt(Dns *dns, const char *name, GError **error);

/* dns_mx - the MX records of name, by preference: DnsMx */
GPtrArray *dns_mx(Dns *dns, const char *name, gboolean *authenticated,
    GError **error);

/* dns_addresses - the IPv4, then the IPv6 addresses of name, as text */
GPtrArray *dns_addresses(Dns *dns, const char *name, gboolean *authenticated,
    GError **error);

/* dns_tlsa - the TLSA records of name (_25._tcp.HOST): DnsTlsa */
GPtrArray *dns_tlsa(Dns *dns, const char *name, gboolean *authenticated,
    GError **error);

#endif
