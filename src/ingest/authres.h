/* authres.h - reading Authentication-Results fields (RFC 8601)
 *
 * A verifier (OpenDKIM, rspamd, the MTA itself) records what it checked
 * in an Authentication-Results field: who it is (the authserv-id), then
 * a result per check, "dkim=pass header.d=example.org".  This file reads
 * one field's value into that shape and nothing more: which verifier to
 * believe, and what a result means for a report, is policy.c's to say.
 * The shape is also how any other verifier's findings are told to the
 * policy, so that all of them are judged alike.
 */
#ifndef TLSRPT_AUTHRES_H
#define TLSRPT_AUTHRES_H

#include <glib.h>

/* One result: "dkim=pass header.d=x". */
typedef struct authres_result {
	char	*method;	/* lower-case, version cut: "dkim" */
	char	*result;	/* lower-case: "pass", "fail", "none"... */
	char	*domain;	/* header.d, or the domain of header.i (as
				 * authres_domain makes it); or NULL */
	char	*reason;	/* reason=, as written (untrusted); or NULL */
} AuthresResult;

/* One field: a verifier and what it found. */
typedef struct authres {
	char		*authserv_id;	/* lower-case */
	GPtrArray	*results;	/* AuthresResult *, in the field's order */
} Authres;

/* authres_parse - the authserv-id and results of one field's value
 *
 * value is unfolded (no line breaks).  Returns an owned Authres, or NULL
 * when the value does not even start with an authserv-id.  What does not
 * parse ends the field: a verifier writes well-formed fields, and what
 * follows a malformed part is not worth guessing at.
 */
Authres *authres_parse(const char *value);

/* authres_new - an empty field of authserv-id id, for a verifier of our
 * own to tell its findings with authres_add; owned */
Authres *authres_new(const char *id);

/* authres_add - one more result: method, result, domain (made as
 * authres_domain makes it; NULL if none) and reason (or NULL), copied */
void authres_add(Authres *authres, const char *method, const char *result,
    const char *domain, const char *reason);

void authres_free(Authres *authres);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Authres, authres_free)

/* authres_domain - a domain as results name it and as it is compared:
 * after the last "@" if any (header.i), lower-case, no trailing dot;
 * owned
 *
 * NULL unless it is 1 to 253 letters, digits, hyphens, underscores and
 * dots: a domain goes into log lines and the database.
 */
char *authres_domain(const char *text);

#endif
