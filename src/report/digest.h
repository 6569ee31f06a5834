/* digest.h - the mailed digest: one MIME message, handed to sendmail
 *
 * The one module of tlsrpt-report that knows GMime.  A digest is a
 * multipart/alternative message: a text/plain part (check's verdict, then
 * the summary as tables) and a text/html part (the html page), with a
 * Subject that says the state in a few words, Date, Message-ID and
 * Auto-Submitted: auto-generated (RFC 3834), so that vacation responders
 * stay quiet.  The Subject holds what reports said (domains, MX hosts):
 * digest_compose makes it one safe line and encodes it as RFC 2047 wants.
 */
#ifndef TLSRPT_DIGEST_H
#define TLSRPT_DIGEST_H

#include <glib.h>

#include "check.h"

typedef struct digest_message {
	const char	*from;		/* an address; NULL: the user at this host */
	const char *const *to;		/* addresses, NULL-terminated */
	const char	*subject;	/* as reports wrote it */
	const char	*text;		/* the text/plain part, safe for a terminal */
	const char	*html;		/* the text/html part, a whole page */
} DigestMessage;

/* The longest Subject, in bytes of text before encoding: a mail client
 * shows one line of it. */
#define DIGEST_SUBJECT_MAX	200

/* digest_subject - the state in a few words: "TLS reports for
 * example.org: certificate-expired on mx2.example.org since 2026-11-28",
 * "... all clear"; as reports wrote it, owned
 *
 * domain: the one policy domain asked about, or NULL for all; period:
 * check's, for "no reports" (UNKNOWN).
 */
char *digest_subject(const Check *check, const Period *period,
    const char *domain);

/* digest_compose - the whole message, as sendmail reads it (LF line
 * ends); owned; NULL and ERROR_USAGE for an address that does not parse */
GBytes *digest_compose(const DigestMessage *message, GError **error);

/* digest_send - hand message to "sendmail -t -oi", sendmail being the
 * program's path; ERROR_TEMPORARY when it cannot run or does not exit 0,
 * its own complaint on standard error as it wrote it */
gboolean digest_send(const char *sendmail, GBytes *message, GError **error);

#endif
