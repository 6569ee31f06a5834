/* tls.c - a TLS client session and what its certificates say (GnuTLS)
 *
 * The handshake trusts nothing by itself: the credentials hold no CA,
 * so that a certificate that would fail verification still lets the
 * session start, and each question about it is asked afterwards.  The
 * chain is verified with the dates set aside (tls_expiry answers for
 * them), so that an expired certificate is said to be expired, not
 * untrusted.  Sockets are non-blocking: every wait is net_wait's, up to
 * the deadline given at the handshake.
 */
#include "config.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "common/error.h"
#include "net.h"
#include "tls.h"

struct tls_trust {
	gnutls_x509_trust_list_t	 list;
};

struct tls {
	gnutls_session_t		 session;
	gnutls_certificate_credentials_t credentials;
	int				 fd;
	gint64				 deadline;
	gnutls_x509_crt_t		*chain;		/* as the server sent it */
	guint				 chain_len;
	char				*description;	/* gnutls_malloc'd */
	char				*names;
	char				*issuer;
};

/* tls_trust_new - the CAs to trust */
TlsTrust *
tls_trust_new(const char *cafile, GError **error)
{
	g_autoptr(TlsTrust) trust = g_new0(TlsTrust, 1);
	int n;

	if (gnutls_x509_trust_list_init(&trust->list, 0) < 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_INTERNAL,
		    "cannot make a list of trusted CAs");
		return NULL;
	}
	if (cafile != NULL) {
		n = gnutls_x509_trust_list_add_trust_file(trust->list, cafile,
		    NULL, GNUTLS_X509_FMT_PEM, 0, 0);
		if (n <= 0) {
			g_set_error(error, TLSRPT_ERROR, ERROR_USAGE, "--cafile "
			    "'%s' holds no certificate that can be read%s%s", cafile,
			    n < 0 ? ": " : "", n < 0 ? gnutls_strerror(n) : "");
			return NULL;
		}
	} else if (gnutls_x509_trust_list_add_system_trust(trust->list, 0, 0) <= 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_CONFIG, "the system's "
		    "trust store holds no CA: install ca-certificates, or give "
		    "--cafile");
		return NULL;
	}
	return g_steal_pointer(&trust);
}

/* tls_trust_free - NULL-safe */
void
tls_trust_free(TlsTrust *trust)
{
	if (trust == NULL)
		return;
	if (trust->list != NULL)
		gnutls_x509_trust_list_deinit(trust->list, 1);
	g_free(trust);
}

/* tls_wait - wait for what GnuTLS last waited for; FALSE after the deadline */
static gboolean
tls_wait(const Tls *tls)
{
	return net_wait(tls->fd, gnutls_record_get_direction(tls->session) == 1,
	    tls->deadline);
}

/* tls_dn - a certificate's subject (issuer FALSE) or issuer, RFC 4514; owned */
static char *
tls_dn(gnutls_x509_crt_t crt, gboolean issuer)
{
	gnutls_datum_t dn = { NULL, 0 };
	char *text;

	if ((issuer ? gnutls_x509_crt_get_issuer_dn3(crt, &dn, 0)
	    : gnutls_x509_crt_get_dn3(crt, &dn, 0)) < 0)
		return g_strdup("?");
	text = g_strndup((const char *)dn.data, dn.size);
	gnutls_free(dn.data);
	return text;
}

/* tls_crt_names - the DNS names of a certificate, or its common name */
static char *
tls_crt_names(gnutls_x509_crt_t crt)
{
	GString *names = g_string_new(NULL);
	char buf[1024];

	for (unsigned seq = 0;; seq++) {
		size_t size = sizeof(buf) - 1;
		int type = gnutls_x509_crt_get_subject_alt_name(crt, seq, buf,
		    &size, NULL);

		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type != GNUTLS_SAN_DNSNAME)
			continue;
		buf[size] = '\0';
		g_string_append_printf(names, "%s%s", names->len ? ", " : "", buf);
	}
	if (names->len == 0) {
		size_t size = sizeof(buf);

		if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME,
		    0, 0, buf, &size) == 0)
			g_string_append(names, buf);
		else
			g_string_append(names, "no name at all");
	}
	return g_string_free(names, FALSE);
}

/* tls_import_chain - the certificates the server sent, parsed */
static gboolean
tls_import_chain(Tls *tls, GError **error)
{
	unsigned n = 0;
	const gnutls_datum_t *peers = gnutls_certificate_get_peers(tls->session, &n);

	if (peers == NULL || n == 0) {
		g_set_error_literal(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "the server sent no certificate");
		return FALSE;
	}
	tls->chain = g_new0(gnutls_x509_crt_t, n);
	for (unsigned i = 0; i < n; i++) {
		int ret = gnutls_x509_crt_init(&tls->chain[i]);

		if (ret == 0) {
			tls->chain_len++;
			ret = gnutls_x509_crt_import(tls->chain[i], &peers[i],
			    GNUTLS_X509_FMT_DER);
		}
		if (ret < 0) {
			g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
			    "certificate %u the server sent cannot be read: %s",
			    i + 1, gnutls_strerror(ret));
			return FALSE;
		}
	}
	tls->names = tls_crt_names(tls->chain[0]);
	tls->issuer = tls_dn(tls->chain[0], TRUE);
	return TRUE;
}

/* tls_handshake - a TLS client session on fd */
Tls *
tls_handshake(int fd, const char *server_name, gint64 deadline, GError **error)
{
	g_autoptr(Tls) tls = g_new0(Tls, 1);
	int ret;

	tls->fd = fd;
	tls->deadline = deadline;
	if (gnutls_certificate_allocate_credentials(&tls->credentials) < 0
	    || gnutls_init(&tls->session, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0
	    || gnutls_set_default_priority(tls->session) < 0
	    || gnutls_credentials_set(tls->session, GNUTLS_CRD_CERTIFICATE,
	    tls->credentials) < 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_INTERNAL,
		    "cannot set up a TLS session");
		return NULL;
	}
	gnutls_server_name_set(tls->session, GNUTLS_NAME_DNS, server_name,
	    strlen(server_name));
	gnutls_transport_set_int(tls->session, fd);
	while ((ret = gnutls_handshake(tls->session)) < 0) {
		if (gnutls_error_is_fatal(ret)) {
			g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
			    "the TLS handshake failed: %s", gnutls_strerror(ret));
			return NULL;
		}
		if ((ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED)
		    && !tls_wait(tls)) {
			g_set_error_literal(error, TLSRPT_ERROR, ERROR_TEMPORARY,
			    "the TLS handshake did not end before the timeout");
			return NULL;
		}
	}
	tls->description = gnutls_session_get_desc(tls->session);
	if (!tls_import_chain(tls, error))
		return NULL;
	return g_steal_pointer(&tls);
}

/* tls_bye - say goodbye if it can be said at once, and let go of the
 * socket */
void
tls_bye(Tls *tls)
{
	/* Non-blocking: a close_notify that cannot leave now is dropped. */
	if (tls->fd >= 0)
		gnutls_bye(tls->session, GNUTLS_SHUT_WR);
	tls->fd = -1;
}

/* tls_free - free, without touching the socket */
void
tls_free(Tls *tls)
{
	if (tls == NULL)
		return;
	if (tls->session != NULL)
		gnutls_deinit(tls->session);
	if (tls->credentials != NULL)
		gnutls_certificate_free_credentials(tls->credentials);
	for (guint i = 0; i < tls->chain_len; i++)
		gnutls_x509_crt_deinit(tls->chain[i]);
	g_free(tls->chain);
	gnutls_free(tls->description);
	g_free(tls->names);
	g_free(tls->issuer);
	g_free(tls);
}

/* tls_write - all of data */
gboolean
tls_write(Tls *tls, const char *data, gsize len, GError **error)
{
	g_return_val_if_fail(tls->fd >= 0, FALSE);
	while (len > 0) {
		gssize n = gnutls_record_send(tls->session, data, len);

		if (n > 0) {
			data += n;
			len -= (gsize)n;
		} else if (n != GNUTLS_E_AGAIN && n != GNUTLS_E_INTERRUPTED) {
			g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
			    "cannot send over TLS: %s", gnutls_strerror((int)n));
			return FALSE;
		} else if (!tls_wait(tls)) {
			g_set_error_literal(error, TLSRPT_ERROR, ERROR_TEMPORARY,
			    "could not send before the timeout");
			return FALSE;
		}
	}
	return TRUE;
}

/* tls_read - up to len bytes */
gssize
tls_read(Tls *tls, char *buf, gsize len, GError **error)
{
	g_return_val_if_fail(tls->fd >= 0, -1);
	for (;;) {
		gssize n = gnutls_record_recv(tls->session, buf, len);

		/* Web servers often close without a close_notify: the end
		 * of the answer is what its length or the end says. */
		if (n >= 0 || n == GNUTLS_E_PREMATURE_TERMINATION)
			return MAX(n, 0);
		if (n != GNUTLS_E_AGAIN && n != GNUTLS_E_INTERRUPTED) {
			g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
			    "cannot read over TLS: %s", gnutls_strerror((int)n));
			return -1;
		}
		if (!tls_wait(tls)) {
			g_set_error_literal(error, TLSRPT_ERROR, ERROR_TEMPORARY,
			    "no answer before the timeout");
			return -1;
		}
	}
}

/* tls_protocol - "TLS1.3", "TLS1.2"... */
const char *
tls_protocol(const Tls *tls)
{
	const char *name = gnutls_protocol_get_name(
	    gnutls_protocol_get_version(tls->session));

	return name != NULL ? name : "an unknown protocol";
}

/* tls_protocol_outdated - whether it is older than TLS 1.2 */
gboolean
tls_protocol_outdated(const Tls *tls)
{
	switch (gnutls_protocol_get_version(tls->session)) {
	case GNUTLS_SSL3:
	case GNUTLS_TLS1_0:
	case GNUTLS_TLS1_1:
		return TRUE;
	default:
		return FALSE;
	}
}

/* tls_description - protocol, key exchange, signature and cipher */
const char *
tls_description(const Tls *tls)
{
	return tls->description != NULL ? tls->description : "?";
}

/* tls_names - the DNS names of the server's certificate */
const char *
tls_names(const Tls *tls)
{
	return tls->names;
}

/* tls_issuer - the issuer of the server's certificate */
const char *
tls_issuer(const Tls *tls)
{
	return tls->issuer;
}

/* tls_self_signed - whether the server's certificate signed itself */
gboolean
tls_self_signed(const Tls *tls)
{
	return gnutls_x509_crt_check_issuer(tls->chain[0], tls->chain[0]) != 0;
}

/* tls_verify - verify the first n certificates of the chain against list
 * for a server (and for name unless NULL); 0 or GnuTLS's status bits */
static unsigned
tls_verify(const Tls *tls, gnutls_x509_trust_list_t list, guint n,
    const char *name, unsigned flags)
{
	gnutls_typed_vdata_st data[2] = {
		{ .type = GNUTLS_DT_KEY_PURPOSE_OID,
		  .data = (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER },
		{ .type = GNUTLS_DT_DNS_HOSTNAME, .data = (unsigned char *)name },
	};
	unsigned status = 0;

	if (gnutls_x509_trust_list_verify_crt2(list, tls->chain, n, data,
	    name != NULL ? 2 : 1, flags, &status, NULL) < 0)
		return GNUTLS_CERT_INVALID;
	return status;
}

/* tls_status_text - what GnuTLS says of a verification status; owned */
static char *
tls_status_text(unsigned status)
{
	gnutls_datum_t out = { NULL, 0 };
	char *text;

	if (gnutls_certificate_verification_status_print(status,
	    GNUTLS_CRT_X509, &out, 0) < 0)
		return g_strdup("the chain does not verify");
	text = g_strndup((const char *)out.data, out.size);
	gnutls_free(out.data);
	return text;
}

/* tls_trusted - whether the chain leads to a trusted CA, dates aside */
gboolean
tls_trusted(const Tls *tls, const TlsTrust *trust, char **why)
{
	unsigned status = tls_verify(tls, trust->list, tls->chain_len, NULL,
	    GNUTLS_VERIFY_DISABLE_TIME_CHECKS
	    | GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS);

	*why = NULL;
	if (status == 0)
		return TRUE;
	if ((status & GNUTLS_CERT_SIGNER_NOT_FOUND) && tls_self_signed(tls))
		*why = g_strdup("it is self-signed");
	else if (status & GNUTLS_CERT_SIGNER_NOT_FOUND)
		*why = g_strdup_printf("its issuer '%s' is no trusted CA and no "
		    "certificate sent leads from it to one", tls->issuer);
	else
		*why = tls_status_text(status);
	return FALSE;
}

/* tls_name_matches - whether the certificate is for name */
gboolean
tls_name_matches(const Tls *tls, const char *name)
{
	return gnutls_x509_crt_check_hostname2(tls->chain[0], name, 0) != 0;
}

/* tls_expiry - the earliest notAfter of the certificates sent */
gint64
tls_expiry(const Tls *tls, char **subject, gboolean *leaf)
{
	guint earliest = 0;
	gint64 when = gnutls_x509_crt_get_expiration_time(tls->chain[0]);

	/* A root sent along is not what senders check: their copy is. */
	for (guint i = 1; i < tls->chain_len; i++) {
		gint64 t = gnutls_x509_crt_get_expiration_time(tls->chain[i]);

		if (t < when && !gnutls_x509_crt_check_issuer(tls->chain[i],
		    tls->chain[i])) {
			when = t;
			earliest = i;
		}
	}
	*subject = tls_dn(tls->chain[earliest], FALSE);
	*leaf = earliest == 0;
	return when;
}

/* tls_not_before - the start of the server certificate's validity */
gint64
tls_not_before(const Tls *tls)
{
	return gnutls_x509_crt_get_activation_time(tls->chain[0]);
}

/* tls_association - a certificate's association data for a selector and
 * matching type (RFC 6698 section 2.1); owned */
static GBytes *
tls_association(gnutls_x509_crt_t crt, guint selector, guint matching)
{
	gnutls_datum_t der = { NULL, 0 };
	gnutls_pubkey_t key = NULL;
	guint8 digest[64];
	GBytes *bytes = NULL;
	int ret;

	if (selector == 0)
		ret = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der);
	else if ((ret = gnutls_pubkey_init(&key)) == 0
	    && (ret = gnutls_pubkey_import_x509(key, crt, 0)) == 0)
		ret = gnutls_pubkey_export2(key, GNUTLS_X509_FMT_DER, &der);
	if (key != NULL)
		gnutls_pubkey_deinit(key);
	if (ret < 0)
		return NULL;
	if (matching == 0)
		bytes = g_bytes_new(der.data, der.size);
	else if (gnutls_hash_fast(matching == 1 ? GNUTLS_DIG_SHA256
	    : GNUTLS_DIG_SHA512, der.data, der.size, digest) == 0)
		bytes = g_bytes_new(digest, matching == 1 ? 32 : 64);
	gnutls_free(der.data);
	return bytes;
}

/* tls_association_hex - the association data of the server's own
 * certificate, in hex, for the record that would match it; owned */
static char *
tls_association_hex(const Tls *tls, guint selector, guint matching)
{
	g_autoptr(GBytes) data = tls_association(tls->chain[0], selector,
	    matching);
	gsize len = 0;
	const guint8 *p = data ? g_bytes_get_data(data, &len) : NULL;
	GString *hex = g_string_sized_new(2 * len);

	for (gsize i = 0; i < len; i++)
		g_string_append_printf(hex, "%02x", p[i]);
	return g_string_free(hex, FALSE);
}

/* tls_dane_ta - whether the chain up to anchor verifies for name, anchor
 * a certificate the TLSA record matched; *detail says so */
static gboolean
tls_dane_ta(const Tls *tls, gnutls_x509_crt_t anchor, guint upto,
    const char *name, char **detail)
{
	gnutls_x509_trust_list_t list = NULL;
	gnutls_x509_crt_t copy = NULL;
	gnutls_datum_t der = { NULL, 0 };
	g_autofree char *subject = tls_dn(anchor, FALSE);
	unsigned status = GNUTLS_CERT_INVALID;

	/* The list frees what it holds: it gets a copy of its own. */
	if (gnutls_x509_crt_export2(anchor, GNUTLS_X509_FMT_DER, &der) == 0
	    && gnutls_x509_crt_init(&copy) == 0
	    && gnutls_x509_crt_import(copy, &der, GNUTLS_X509_FMT_DER) == 0
	    && gnutls_x509_trust_list_init(&list, 0) == 0
	    && gnutls_x509_trust_list_add_cas(list, &copy, 1, 0) == 1) {
		copy = NULL;
		status = tls_verify(tls, list, upto, name, 0);
	}
	if (copy != NULL)
		gnutls_x509_crt_deinit(copy);
	if (list != NULL)
		gnutls_x509_trust_list_deinit(list, 1);
	gnutls_free(der.data);
	if (status == 0) {
		*detail = g_strdup_printf("matches the trust anchor '%s', and "
		    "the chain verifies to it for %s", subject, name);
		return TRUE;
	}
	{
		g_autofree char *why = tls_status_text(status);

		*detail = g_strdup_printf("matches the trust anchor '%s', but the "
		    "chain does not verify to it for %s: %s", subject, name, why);
	}
	return FALSE;
}

/* tls_tlsa - judge one TLSA record against the server's chain */
TlsTlsaResult
tls_tlsa(const Tls *tls, guint usage, guint selector, guint matching,
    GBytes *data, const char *name, char **detail)
{
	g_autofree char *hex = NULL;

	if (usage != 2 && usage != 3) {
		*detail = g_strdup_printf("usage %u (PKIX-%s) is not for SMTP: "
		    "senders ignore the record", usage, usage == 0 ? "TA" : "EE");
		return TLS_TLSA_UNUSABLE;
	}
	if (selector > 1 || matching > 2) {
		*detail = g_strdup_printf("%s %u is unknown: senders ignore the "
		    "record", selector > 1 ? "selector" : "matching type",
		    selector > 1 ? selector : matching);
		return TLS_TLSA_UNUSABLE;
	}
	/* DANE-EE: the server's own certificate or key; names and dates
	 * do not matter (RFC 7672 section 3.1.1).  DANE-TA: any certificate
	 * of the chain, which must then verify to it. */
	for (guint i = 0; i < (usage == 3 ? 1 : tls->chain_len); i++) {
		g_autoptr(GBytes) mine = tls_association(tls->chain[i], selector,
		    matching);

		if (mine == NULL || !g_bytes_equal(mine, data))
			continue;
		if (usage == 3) {
			*detail = g_strdup("matches the server's certificate");
			return TLS_TLSA_MATCH;
		}
		return tls_dane_ta(tls, tls->chain[i], i + 1, name, detail)
		    ? TLS_TLSA_MATCH : TLS_TLSA_MISMATCH;
	}
	if (usage == 3) {
		hex = tls_association_hex(tls, selector, matching);
		*detail = g_strdup_printf("does not match the server's certificate, "
		    "whose record would be %u %u %u %s", usage, selector,
		    matching, matching == 0 ? "(its data in full)" : hex);
	} else
		*detail = g_strdup("matches no certificate the server sent: a "
		    "DANE-TA record's certificate must be in the chain");
	return TLS_TLSA_MISMATCH;
}
