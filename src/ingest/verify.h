/* verify.h - checking a message's DKIM signatures ourselves (--verify-dkim)
 *
 * For sites without a verifier of their own (no OpenDKIM, no rspamd in
 * front of the mailbox): the signatures of the message as delivered are
 * checked with libopendkim, OpenDKIM's library, which does the
 * canonicalisation, the tag parsing and the RSA and Ed25519 (RFC 8463)
 * cryptography; the key records come from DNS through common/dns.h, every
 * lookup of one message within one deadline.  This file alone knows
 * libopendkim.
 *
 * What it found is told as an RFC 8601 Authentication-Results field
 * would tell it (authres.h), one result per signature, so that policy.c
 * judges it as it judges the site's own verifier: "pass", "fail" (a bad
 * signature, a missing, revoked or unusable key, an expired signature, a
 * body length limit that leaves part of the body unsigned) or
 * "temperror" (the key could not be fetched now), each with a reason.
 */
#ifndef TLSRPT_VERIFY_H
#define TLSRPT_VERIFY_H

#include <glib.h>

#include "authres.h"
#include "common/dns.h"

/* The authserv-id our own findings go by, in reasons and in
 * tlsrpt.reports.dkim_verifier. */
#define VERIFY_AUTHSERV_ID	"tlsrpt-ingest"

typedef struct verify_options {
	DnsOptions	 dns;
	/* The time the key lookups of one message may take in all. */
	guint		 timeout_ms;
} VerifyOptions;

typedef struct verify Verify;

/* verify_new - a verifier; owned, and shared by threads
 *
 * Errors: ERROR_USAGE for a nameserver that is no address, ERROR_CONFIG
 * when the DNS servers are unknown or libopendkim lacks Ed25519.
 */
Verify *verify_new(const VerifyOptions *options, GError **error);
void verify_free(Verify *verify);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Verify, verify_free)

/* verify_message - the DKIM signatures of message, as delivered
 *
 * Returns the findings (owned): authserv-id VERIFY_AUTHSERV_ID and a
 * result of method "dkim" per signature, in the message's order, its
 * domain d=; or NULL when the message carries no DKIM-Signature field.
 * A message libopendkim cannot read as one (a header line without a
 * colon) is a single "permerror" result.  Fails only when libopendkim
 * does (ERROR_TEMPORARY: out of memory, and the like).
 */
Authres *verify_message(const Verify *verify, GBytes *message, GError **error);

#endif
