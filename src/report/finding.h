/* finding.h - one thing a check found: its verdict, where, what, the fix
 *
 * What record and probe say, one finding a line the way postmasters'
 * checkers do ("_smtp._tls.example.org: fail: ...", then "    fix: ..."),
 * and as JSON objects.  Hosts and details quote the DNS, certificates,
 * SMTP banners and web servers: anyone's text, made safe where printed.
 */
#ifndef TLSRPT_FINDING_H
#define TLSRPT_FINDING_H

#include <glib.h>

typedef enum {
	VERDICT_INFO = -1,	/* a fact that changes no verdict */
	VERDICT_PASS = 0,	/* the values from pass on are exit codes */
	VERDICT_WARN = 1,
	VERDICT_FAIL = 2,
} Verdict;

typedef struct finding {
	char	*check;		/* what was checked: "mx", "certificate"... */
	Verdict	 verdict;
	char	*host;		/* the DNS name or host it is about */
	char	*address;	/* the host's address probed, or NULL */
	char	*detail;	/* what was found, one line */
	char	*fix;		/* how to fix it, one line, or NULL */
} Finding;

/* finding_new - a finding, the strings copied; address and fix may be NULL */
Finding *finding_new(const char *check, Verdict verdict, const char *host,
    const char *address, const char *detail, const char *fix);
void finding_free(Finding *finding);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Finding, finding_free)

/* finding_verdict_name - "info", "pass", "warn" or "fail"; static */
const char *finding_verdict_name(Verdict verdict);

/* finding_worst - the worst verdict of findings (an array of Finding),
 * info changing none: VERDICT_PASS when there is nothing worse */
Verdict finding_worst(const GPtrArray *findings);

/* finding_append_text - "host[address]: verdict: detail", then
 * "    fix: fix" when there is one, each line made safe for a terminal */
void finding_append_text(GString *out, const Finding *finding);

#endif
