/* policy.h - the site's acceptance rules: whose reports, signed by whom
 *
 * After a report is parsed and before it is stored, the site's rules
 * decide whether to take it: are all its policy domains the site's own
 * (--accept-domain), and did its reporter sign the message that carried
 * it (RFC 8460 section 3: --trust-authserv-id, --require-dkim)?  A report
 * the rules refuse is ERROR_FOREIGN.  The DKIM verdict is reached either
 * way and stored with the report, so that dashboards can tell
 * authenticated figures from the rest.
 *
 * A verdict rests on what a DKIM verifier found, told as RFC 8601
 * results (authres.h).  Where those come from is a source: the site's
 * own verifier, through the Authentication-Results fields of the
 * authserv-ids the site trusts, and our own (verify.h, --verify-dkim),
 * which checks the message as delivered.  How a verdict is judged from
 * the results, and aligned with the reporter, is the same for both; a
 * pass from either is a pass.
 */
#ifndef TLSRPT_POLICY_H
#define TLSRPT_POLICY_H

#include <glib.h>

#include "message.h"
#include "report.h"
#include "verify.h"

/* Whether the message carried a valid DKIM signature of its reporter. */
typedef enum {
	DKIM_UNKNOWN,		/* a bare report (no message, no signature),
				 * or one refused before it was judged */
	DKIM_PASS,		/* a valid signature of the reporting domain */
	DKIM_FAIL,		/* signed, but not validly by that domain */
	DKIM_NONE,		/* not signed, by the verifier's account */
	DKIM_UNTRUSTED,		/* no verifier we trust said anything */
} PolicyDkim;

typedef struct policy_options {
	/* Policy domain patterns, NULL-terminated; NULL or empty: every
	 * domain.  "example.org" matches that domain, "*.example.org" any
	 * name below it; ASCII case and a trailing dot are ignored. */
	const char *const *accept_domains;
	/* Whose Authentication-Results fields count, NULL-terminated; NULL:
	 * nobody's.  Anyone can write such a field: RFC 8601 section 5 has
	 * the MTA delete those that claim its own authserv-id. */
	const char *const *trusted_authserv_ids;
	/* Our own verifier (--verify-dkim), or NULL: borrowed. */
	const Verify	*verifier;
	gboolean	 require_dkim;	/* refuse reports without a DKIM pass */
} PolicyOptions;

/* What the rules found, for the store and the log. */
typedef struct policy_verdict {
	PolicyDkim	 dkim;
	char		*dkim_domain;	/* owned: the signing domain judged, or NULL */
	char		*dkim_verifier;	/* owned: who said it: VERIFY_AUTHSERV_ID
					 * or a trusted authserv-id; or NULL */
	char		*dkim_reason;	/* owned: the verdict in words, for logs */
} PolicyVerdict;

/* policy_judge - the site's rules on a parsed report
 *
 * input is the message as delivered (borrowed), which our own verifier
 * checks; message is what message_parse made of it.  Sets *verdict (its
 * old contents freed) in every case.  Returns FALSE with ERROR_FOREIGN
 * when the rules refuse the report: "policy domain 'other.example' is
 * not one of ours", "not DKIM-signed by its reporter: dkim=pass for
 * 'evil.example' by mx.example.org, not a pass for the reporting domain
 * 'google.com'".  The domains are judged first: a report refused for
 * them costs no DNS lookup, and its verdict stays DKIM_UNKNOWN.
 *
 * The reporting domain is TLS-Report-Submitter, else the domain of the
 * From address; a signature aligns with it when one domain is the other
 * or below it (Mail.ru signs as corp.mail.ru).  For a forwarded report
 * the reporter is the inner message's, the signature the outer one's.
 * Of the trusted Authentication-Results fields, the topmost with DKIM
 * results counts.  An aligned pass of any source is a pass; else the
 * first source with results has its say.  When our own verifier could
 * not fetch the key of an aligned signature (a DNS server did not
 * answer) and no source passed, returns FALSE with ERROR_TEMPORARY: the
 * MTA tries again later, and a real report is never refused for a
 * resolver's hiccup.
 */
gboolean policy_judge(const PolicyOptions *options, const Message *message,
    GBytes *input, const Report *report, PolicyVerdict *verdict, GError **error);

/* policy_verdict_clear - free what a verdict owns; it can be judged again */
void policy_verdict_clear(PolicyVerdict *verdict);

/* policy_dkim_name - "pass", "fail", "none", "untrusted" as stored; NULL
 * for DKIM_UNKNOWN; static */
const char *policy_dkim_name(PolicyDkim dkim);

/* policy_domain_pattern_valid - whether pattern is "name" or "*.name" */
gboolean policy_domain_pattern_valid(const char *pattern);

#endif
