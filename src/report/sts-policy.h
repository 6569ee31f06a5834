/* sts-policy.h - an MTA-STS policy read (RFC 8461 section 3.2)
 *
 * The policy a domain serves at https://mta-sts.DOMAIN/.well-known/
 * mta-sts.txt, as "key: value" lines: version, mode, max_age and the mx
 * patterns its MX hosts must match.  No network here: the lines come from
 * the web server (probe) or from the policy-string a reporter stored.
 * Line ends may be LF, CRLF or a stray CR: Google keeps the CR of a site's
 * CRLF file in the policy-string of its reports.
 */
#ifndef TLSRPT_STS_POLICY_H
#define TLSRPT_STS_POLICY_H

#include <glib.h>

typedef enum {
	STS_MODE_UNKNOWN,	/* missing or not one of the three */
	STS_MODE_NONE,
	STS_MODE_TESTING,
	STS_MODE_ENFORCE,
} StsMode;

/* The largest max_age of RFC 8461: a year, in seconds. */
#define STS_POLICY_MAX_AGE	31557600

typedef struct sts_policy {
	StsMode		 mode;
	gint64		 max_age;	/* seconds; -1: missing or not a number */
	GPtrArray	*mx;		/* the mx patterns, lower case, strings */
	GPtrArray	*errors;	/* why senders refuse the policy
					 * (sts-policy-invalid): one line each */
	GPtrArray	*warnings;	/* what senders ignore or correct */
} StsPolicy;

/* sts_policy_parse - read a policy from its lines, each without its LF
 * (a final CR is forgiven); owned, never NULL: what is wrong is in errors
 * and warnings */
StsPolicy *sts_policy_parse(const char *const *lines, guint n_lines);

/* sts_policy_parse_text - the same from the file's text, len bytes */
StsPolicy *sts_policy_parse_text(const char *text, gsize len);

void sts_policy_free(StsPolicy *policy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StsPolicy, sts_policy_free)

/* sts_policy_valid - whether senders can apply the policy at all */
gboolean sts_policy_valid(const StsPolicy *policy);

/* sts_policy_mode_name - "none", "testing", "enforce" or "unknown"; static */
const char *sts_policy_mode_name(StsMode mode);

/* sts_policy_pattern_matches - whether an MX host name matches one mx
 * pattern: equal, or "*." and exactly one label more (RFC 8461 section
 * 4.1); case-insensitive, a final dot ignored */
gboolean sts_policy_pattern_matches(const char *pattern, const char *host);

/* sts_policy_covers - whether host matches one of the policy's patterns */
gboolean sts_policy_covers(const StsPolicy *policy, const char *host);

#endif
