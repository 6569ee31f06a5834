/* verify.c - checking a message's DKIM signatures ourselves (--verify-dkim)
 *
 * libopendkim asks for each signature's key through a lookup function
 * of ours (dkim_set_key_lookup), which asks common/dns.c within the
 * message's deadline and hands over the TXT record: libopendkim parses
 * and judges it (revoked when p= is empty, its key type, hash and
 * service).  What the lookup alone knows (a DNS server that did not
 * answer, two records where one is needed) it notes itself and tells
 * libopendkim "no key": told "try again", libopendkim 2.11 gives up on
 * the whole message and on the other signatures, one of which may pass.
 *
 * The message goes to libopendkim with CRLF line ends, as it travelled:
 * an MDA gets LF.  A first "From " line is the envelope an MTA may put
 * in front (Postfix's pipe flag F), not the message's, and is skipped.
 */
#include "config.h"

#include <string.h>
#include <opendkim/dkim.h>

#include "common/error.h"
#include "verify.h"

/* Bytes handed to libopendkim at a time. */
#define VERIFY_CHUNK	65536

struct verify {
	DKIM_LIB	*lib;
	Dns		*dns;
	gint64		 timeout;	/* microseconds for a message's lookups */
};

/* What the key lookup found wrong with one signature's key. */
typedef struct verify_failure {
	gboolean	 temporary;	/* no answer now: try again later */
	char		*reason;
} VerifyFailure;

/* One message's verification, as the key lookup sees it. */
typedef struct verify_run {
	const Verify	*verify;
	gint64		 deadline;	/* g_get_monotonic_time() */
	GHashTable	*failures;	/* DKIM_SIGINFO * -> VerifyFailure * */
} VerifyRun;

/* verify_failure_free - free a failure */
static void
verify_failure_free(gpointer data)
{
	VerifyFailure *f = data;

	g_free(f->reason);
	g_free(f);
}

/* verify_failed - note what went wrong with sig's key */
static void G_GNUC_PRINTF(4, 5)
verify_failed(VerifyRun *run, DKIM_SIGINFO *sig, gboolean temporary,
    const char *fmt, ...)
{
	VerifyFailure *f = g_new0(VerifyFailure, 1);
	va_list	ap;

	f->temporary = temporary;
	va_start(ap, fmt);
	f->reason = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_hash_table_replace(run->failures, sig, f);
}

/* verify_key_lookup - libopendkim's key lookup: the TXT record at
 * selector._domainkey.domain into buf */
static DKIM_CBSTAT
verify_key_lookup(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
	VerifyRun *run = dkim_get_user_context(dkim);
	g_autofree char *name = g_strdup_printf("%s.%s.%s",
	    (const char *)dkim_sig_getselector(sig), DKIM_DNSKEYNAME,
	    (const char *)dkim_sig_getdomain(sig));
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) records = dns_txt(run->verify->dns, name,
	    run->deadline, NULL, &error);
	const char *key;

	if (records == NULL) {
		verify_failed(run, sig, error_class_of(error) == ERROR_TEMPORARY,
		    "%s", error->message);
		return DKIM_CBSTAT_NOTFOUND;
	}
	if (records->len == 0) {
		verify_failed(run, sig, FALSE, "no key record at %s", name);
		return DKIM_CBSTAT_NOTFOUND;
	}
	/* RFC 6376 section 3.6.2.2 leaves it to us: choosing would be a
	 * guess at what the signer meant. */
	if (records->len > 1) {
		verify_failed(run, sig, FALSE, "%u TXT records at %s, where a key "
		    "needs one", records->len, name);
		return DKIM_CBSTAT_NOTFOUND;
	}
	key = g_ptr_array_index(records, 0);
	if (strlen(key) >= buflen) {
		verify_failed(run, sig, FALSE, "the key record at %s is longer "
		    "than the %zu bytes libopendkim takes", name, buflen - 1);
		return DKIM_CBSTAT_NOTFOUND;
	}
	memcpy(buf, key, strlen(key) + 1);
	return DKIM_CBSTAT_CONTINUE;
}

/* verify_new - a verifier */
Verify *
verify_new(const VerifyOptions *options, GError **error)
{
	g_autoptr(Verify) verify = g_new0(Verify, 1);
	unsigned int flags = DKIM_LIBFLAGS_BADSIGHANDLES;

	verify->timeout = (gint64)options->timeout_ms * 1000;
	verify->dns = dns_new(&options->dns, error);
	if (verify->dns == NULL)
		return NULL;
	verify->lib = dkim_init(NULL, NULL);
	if (verify->lib == NULL) {
		g_set_error(error, TLSRPT_ERROR, ERROR_CONFIG,
		    "cannot start libopendkim: out of memory");
		return NULL;
	}
	if (!dkim_libfeature(verify->lib, DKIM_FEATURE_ED25519)) {
		g_set_error(error, TLSRPT_ERROR, ERROR_CONFIG,
		    "this libopendkim cannot verify Ed25519 signatures (RFC 8463): "
		    "use version 2.11 or later");
		return NULL;
	}
	/* A malformed signature is a failed one, not an absent one. */
	if (dkim_options(verify->lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
	    sizeof(flags)) != DKIM_STAT_OK ||
	    dkim_set_key_lookup(verify->lib, verify_key_lookup) != DKIM_STAT_OK) {
		g_set_error(error, TLSRPT_ERROR, ERROR_CONFIG,
		    "cannot set libopendkim up");
		return NULL;
	}
	return g_steal_pointer(&verify);
}

/* verify_free - NULL-safe */
void
verify_free(Verify *verify)
{
	if (verify == NULL)
		return;
	if (verify->lib != NULL)
		dkim_close(verify->lib);
	dns_free(verify->dns);
	g_free(verify);
}

/* verify_feed - the message to libopendkim, LF made CRLF, an envelope
 * "From " line skipped */
static DKIM_STAT
verify_feed(DKIM *dkim, const char *p, gsize len)
{
	g_autofree u_char *buf = g_malloc(VERIFY_CHUNK);
	gsize	n = 0;
	DKIM_STAT status;

	if (len >= 5 && memcmp(p, "From ", 5) == 0) {
		const char *nl = memchr(p, '\n', len);
		gsize skip = nl != NULL ? (gsize)(nl - p) + 1 : len;

		p += skip;
		len -= skip;
	}
	for (gsize i = 0; i < len; i++) {
		if (n + 2 > VERIFY_CHUNK) {
			if ((status = dkim_chunk(dkim, buf, n)) != DKIM_STAT_OK)
				return status;
			n = 0;
		}
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			buf[n++] = '\r';
		buf[n++] = (u_char)p[i];
	}
	if (n > 0 && (status = dkim_chunk(dkim, buf, n)) != DKIM_STAT_OK)
		return status;
	return dkim_chunk(dkim, NULL, 0);
}

/* verify_judge - the result for one signature, added to said */
static void
verify_judge(DKIM *dkim, DKIM_SIGINFO *sig, const VerifyRun *run, Authres *said)
{
	const char *domain = (const char *)dkim_sig_getdomain(sig);
	const VerifyFailure *f = g_hash_table_lookup(run->failures, sig);
	ssize_t	body = -1, signed_len = -1, l = -1;
	int	e = dkim_sig_geterror(sig);
	g_autofree char *why = NULL;

	if (f != NULL) {
		authres_add(said, "dkim", f->temporary ? "temperror" : "fail",
		    domain, f->reason);
		return;
	}
	if (DKIM_SIG_CHECK(sig)) {
		/* RFC 6376 section 8.2: what follows l= bytes of the body is
		 * anyone's.  The body as received, CRLF line ends, is at least
		 * as long as its canonical form: longer than l=, something may
		 * follow the signed part. */
		if (dkim_sig_getcanonlen(dkim, sig, &body, &signed_len, &l) ==
		    DKIM_STAT_OK && l >= 0 && body > l) {
			why = g_strdup_printf("l=%zd signs only part of the "
			    "%zd-byte body", l, body);
			authres_add(said, "dkim", "fail", domain, why);
			return;
		}
		authres_add(said, "dkim", "pass", domain, NULL);
		return;
	}
	if (dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH)
		why = g_strdup("body hash mismatch: the body changed after signing");
	else if (e != DKIM_SIGERROR_UNKNOWN && e != DKIM_SIGERROR_OK)
		why = g_strdup(dkim_sig_geterrorstr(e));
	else
		why = g_strdup("not verified");
	authres_add(said, "dkim", "fail", domain, why);
}

/* verify_message - the DKIM signatures of message, as delivered */
Authres *
verify_message(const Verify *verify, GBytes *message, GError **error)
{
	VerifyRun run = {
		.verify = verify,
		.deadline = g_get_monotonic_time() + verify->timeout,
		.failures = g_hash_table_new_full(NULL, NULL, NULL, verify_failure_free),
	};
	g_autoptr(Authres) said = authres_new(VERIFY_AUTHSERV_ID);
	DKIM_SIGINFO **sigs = NULL;
	DKIM_STAT status;
	DKIM	*dkim;
	gsize	len;
	const char *data = g_bytes_get_data(message, &len);
	int	nsigs = 0;

	dkim = dkim_verify(verify->lib, (const u_char *)VERIFY_AUTHSERV_ID, NULL,
	    &status);
	if (dkim == NULL) {
		g_hash_table_unref(run.failures);
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "cannot verify DKIM signatures: %s", dkim_getresultstr(status));
		return NULL;
	}
	dkim_set_user_context(dkim, &run);
	status = verify_feed(dkim, data, len);
	if (status == DKIM_STAT_OK)
		status = dkim_eom(dkim, NULL);
	if (status == DKIM_STAT_NORESOURCE || status == DKIM_STAT_INTERNAL) {
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "cannot verify DKIM signatures: %s", dkim_getresultstr(status));
		g_clear_pointer(&said, authres_free);
	} else if (dkim_getsiglist(dkim, &sigs, &nsigs) != DKIM_STAT_OK || nsigs == 0) {
		/* Unsigned, or not readable as a message at all. */
		if (status == DKIM_STAT_SYNTAX)
			authres_add(said, "dkim", "permerror", NULL,
			    dkim_geterror(dkim) ? dkim_geterror(dkim)
			    : dkim_getresultstr(status));
		else
			g_clear_pointer(&said, authres_free);
	} else {
		for (int i = 0; i < nsigs; i++)
			verify_judge(dkim, sigs[i], &run, said);
	}
	dkim_free(dkim);
	g_hash_table_unref(run.failures);
	return g_steal_pointer(&said);
}
