/* mtasts.h - fetching a domain's MTA-STS policy over HTTPS (RFC 8461 3.3)
 *
 * GET https://mta-sts.DOMAIN/.well-known/mta-sts.txt the way senders do:
 * no redirect followed, the size capped, the certificate kept for the
 * caller to judge (tls.c), the answer's status, type and body handed
 * back as they came.  Reading the policy is sts-policy.c's.
 */
#ifndef TLSRPT_MTASTS_H
#define TLSRPT_MTASTS_H

#include <glib.h>

#include "common/dns.h"
#include "tls.h"

/* Senders refuse larger policies; RFC 8461 section 3.3 suggests 64 KiB. */
#define MTASTS_MAX_BODY		(64 * 1024)

typedef struct mtasts_fetch {
	char	*host;		/* mta-sts.DOMAIN */
	char	*url;		/* https://HOST[:PORT]/.well-known/mta-sts.txt */
	char	*address;	/* the address that answered */
	Tls	*tls;		/* the session: its certificate, its protocol */
	guint	 status;	/* HTTP status code */
	char	*reason;	/* its reason phrase */
	char	*content_type;	/* NULL when none was given */
	char	*location;	/* of a redirect, or NULL */
	GBytes	*body;		/* at most MTASTS_MAX_BODY bytes */
	gboolean too_large;	/* the body was larger: cut */
} MtastsFetch;

/* mtasts_fetch - fetch domain's policy from port (443 for senders),
 * trying each address of mta-sts.DOMAIN until one answers, all by
 * deadline; owned
 *
 * Errors: ERROR_TEMPORARY when the name has no address or the DNS does
 * not answer, no address takes the connection, the TLS handshake fails
 * or the answer is not HTTP: the message says which.  A certificate that
 * fails verification is no error: the caller judges fetch->tls.
 */
MtastsFetch *mtasts_fetch(Dns *dns, const char *domain, guint port,
    gint64 deadline, GError **error);
void mtasts_fetch_free(MtastsFetch *fetch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MtastsFetch, mtasts_fetch_free)

#endif
