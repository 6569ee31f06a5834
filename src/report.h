/* report.h - parsing and validating an RFC 8460 report
 *
 * The JSON text is parsed with json-c and checked against RFC 8460, liberal
 * wherever the figures stay trustworthy (VIOLATIONS.md lists what is
 * accepted on purpose and who sends it).  The result is a normalized copy
 * of the report in which every field the schema stores is present and
 * clean, so that the store and --dry-run read one shape:
 *
 *   { "organization-name": str, "contact-info": str|null, "report-id": str,
 *     "date-range": { "start-datetime": RFC 3339 UTC str,
 *                     "end-datetime":   RFC 3339 UTC str },
 *     "policies": [ {
 *       "policy": { "policy-type": str, "policy-domain": str|null,
 *                   "policy-string": [str]|null, "mx-host": [str]|null },
 *       "summary": { "total-successful-session-count": int >= 0,
 *                    "total-failure-session-count": int >= 0 },
 *       "failure-details": [ {
 *         "result-type": str|null, "sending-mta-ip": str|null,
 *         "receiving-ip": str|null, "receiving-mx-hostname": str|null,
 *         "receiving-mx-helo": str|null, "failed-session-count": int >= 0,
 *         "additional-information": str|null,
 *         "failure-reason-code": str|null } ] } ] }
 *
 * IPs are null unless inet_pton() accepts them; date-times without a time
 * zone are UTC; "failure-error-code" (RFC draft spelling) is read as
 * "failure-reason-code"; an mx-host string becomes a one-element array.
 * Unknown fields are not in the normalized copy: the raw text keeps them.
 */
#ifndef TLSRPT_REPORT_H
#define TLSRPT_REPORT_H

#include <glib.h>
#include <json-c/json.h>

typedef struct report {
	char		*raw;		/* owned: the JSON text as received */
	json_object	*normalized;	/* owned: see above */

	/* Borrowed from normalized, for log lines. */
	const char	*organization_name;
	const char	*report_id;

	/* Derived for log lines. */
	char		*policy_domains;	/* owned: "a.example,b.example" */
	gint64		 successful_sessions;	/* summed over policies */
	gint64		 failed_sessions;
} Report;

/* report_new - parse and validate the JSON text json of len bytes
 *
 * Returns an owned Report or NULL with ERROR_INVALID and a message naming
 * the JSON path: "policies[0].summary.total-successful-session-count:
 * expected an integer, got a string", "date-range.start-datetime: not an
 * RFC 3339 date-time: '2016-13-01'", "not JSON: unexpected character at
 * offset 17".
 */
Report *report_new(const char *json, gsize len, GError **error);
void report_free(Report *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Report, report_free)

/* report_to_json_string - the normalized report, pretty-printed; owned */
char *report_to_json_string(const Report *report);

#endif
