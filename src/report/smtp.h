/* smtp.h - the SMTP dialogue up to STARTTLS (RFC 5321, RFC 3207)
 *
 * What a sending MTA does first at a domain's MX host: connect to port
 * 25, read the greeting, say EHLO, look for STARTTLS in the answer, ask
 * for it.  The TLS that follows is tls.c's.  Every wait ends by the
 * deadline given at the connection.
 */
#ifndef TLSRPT_SMTP_H
#define TLSRPT_SMTP_H

#include <glib.h>

typedef struct smtp Smtp;

/* smtp_connect - connect to address:port and read the 220 greeting;
 * owned
 *
 * Errors: ERROR_TEMPORARY saying why: no connection, no greeting before
 * the deadline, or another greeting than 220 (quoted, as the server's
 * text: the caller makes it safe).
 */
Smtp *smtp_connect(const char *address, guint port, gint64 deadline,
    GError **error);

/* smtp_free - QUIT unless TLS started, close; NULL-safe */
void smtp_free(Smtp *smtp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Smtp, smtp_free)

/* smtp_greeting - the first line of the greeting, after "220 "; borrowed */
const char *smtp_greeting(const Smtp *smtp);

/* smtp_ehlo - say EHLO as helo; *starttls: whether the answer offers
 * STARTTLS.  Errors: ERROR_TEMPORARY for no answer or a refusal. */
gboolean smtp_ehlo(Smtp *smtp, const char *helo, gboolean *starttls,
    GError **error);

/* smtp_starttls - ask for TLS; the socket to start it on, borrowed (it
 * stays the session's), or -1 and ERROR_TEMPORARY for a refusal */
int smtp_starttls(Smtp *smtp, GError **error);

#endif
