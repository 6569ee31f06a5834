/* tls.h - a TLS client session and what its certificates say (GnuTLS)
 *
 * The one place that knows GnuTLS: a handshake on a connected socket
 * (after STARTTLS, or for HTTPS), the protocol and cipher agreed, and the
 * server's certificates judged one question at a time, so that each
 * answer can be its own finding: does the chain lead to a trusted CA,
 * is the certificate for this name, when does it expire, does a TLSA
 * record (RFC 6698, RFC 7671) match.  No X.509 is parsed here: GnuTLS
 * does it.
 */
#ifndef TLSRPT_TLS_H
#define TLSRPT_TLS_H

#include <glib.h>

typedef struct tls_trust TlsTrust;
typedef struct tls Tls;

/* tls_trust_new - the CAs to trust: those of cafile (PEM), or without it
 * the system's trust store; owned
 *
 * Errors: ERROR_USAGE for a cafile with no certificate that can be read,
 * ERROR_CONFIG for an empty or unreadable system trust store.
 */
TlsTrust *tls_trust_new(const char *cafile, GError **error);
void tls_trust_free(TlsTrust *trust);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TlsTrust, tls_trust_free)

/* tls_handshake - a TLS client session on the connected socket fd,
 * asking for server_name (SNI), done by deadline; owned.  The socket
 * stays the caller's, to close after tls_bye.
 *
 * Errors: ERROR_TEMPORARY saying why the handshake failed, or that it did
 * not end before the deadline.  A server without a certificate fails.
 */
Tls *tls_handshake(int fd, const char *server_name, gint64 deadline,
    GError **error);

/* tls_bye - end the session: a close_notify if it can leave at once;
 * then the socket is no longer used, and can be closed */
void tls_bye(Tls *tls);

/* tls_free - free, never touching the socket; NULL-safe.  What the
 * certificates say can still be asked after tls_bye. */
void tls_free(Tls *tls);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Tls, tls_free)

/* tls_write - all of data, or FALSE and ERROR_TEMPORARY */
gboolean tls_write(Tls *tls, const char *data, gsize len, GError **error);

/* tls_read - up to len bytes; the count, 0 at the end, -1 and
 * ERROR_TEMPORARY on an error or after the deadline */
gssize tls_read(Tls *tls, char *buf, gsize len, GError **error);

/* tls_protocol - "TLS1.3", "TLS1.2"...; static */
const char *tls_protocol(const Tls *tls);

/* tls_protocol_outdated - whether it is older than TLS 1.2 */
gboolean tls_protocol_outdated(const Tls *tls);

/* tls_description - protocol, key exchange, signature and cipher, as
 * GnuTLS says them: "(TLS1.3)-(ECDHE-X25519)-(RSA-PSS-RSAE-SHA256)-
 * (AES-256-GCM)"; borrowed */
const char *tls_description(const Tls *tls);

/* tls_names - the DNS names the server's certificate is for (its
 * subjectAltNames, or its common name without any), ", " between;
 * borrowed */
const char *tls_names(const Tls *tls);

/* tls_issuer - the issuer's distinguished name (RFC 4514); borrowed */
const char *tls_issuer(const Tls *tls);

/* tls_self_signed - whether the server's certificate signed itself */
gboolean tls_self_signed(const Tls *tls);

/* tls_trusted - whether the chain the server sent leads to one of trust's
 * CAs, dates aside (tls_expiry judges them); *why (owned) says why not */
gboolean tls_trusted(const Tls *tls, const TlsTrust *trust, char **why);

/* tls_name_matches - whether the certificate is for name (RFC 6125:
 * subjectAltName, a wildcard for one label) */
gboolean tls_name_matches(const Tls *tls, const char *name);

/* tls_expiry - the earliest end of validity (notAfter, Unix time) of the
 * certificates the server sent, the trust anchor aside; *subject (owned)
 * names that certificate, *leaf whether it is the server's own */
gint64 tls_expiry(const Tls *tls, char **subject, gboolean *leaf);

/* tls_not_before - the start of the server certificate's validity */
gint64 tls_not_before(const Tls *tls);

/* What a TLSA record says of the certificates the server sent. */
typedef enum {
	TLS_TLSA_MATCH,		/* DANE-EE(3) matches the server's certificate,
				 * or DANE-TA(2) a certificate of its chain
				 * that the chain, for name, verifies to */
	TLS_TLSA_MISMATCH,	/* a usable record that matches nothing */
	TLS_TLSA_UNUSABLE,	/* usage, selector or matching type that SMTP
				 * cannot use (RFC 7672 section 3.1.3) */
} TlsTlsaResult;

/* tls_tlsa - judge one TLSA record against the server's chain; *detail
 * (owned) says what matched or why it does not */
TlsTlsaResult tls_tlsa(const Tls *tls, guint usage, guint selector,
    guint matching, GBytes *data, const char *name, char **detail);

#endif
