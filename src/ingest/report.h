/* report.h - parsing and validating an RFC 8460 report
 *
 * The JSON text is parsed with json-c and checked against RFC 8460, liberal
 * wherever the figures stay trustworthy (VIOLATIONS.md lists what is
 * accepted on purpose and who sends it).  The result is the report as C
 * types: every field the schema stores is a member, present and clean, so
 * that the store and --dry-run read one shape and the compiler checks
 * their names.  IPs are NULL unless inet_pton() accepts them; date-times
 * are RFC 3339 in UTC (no time zone meant UTC); "failure-error-code" (the
 * RFC draft's spelling) is read as "failure-reason-code"; an mx-host
 * string becomes a one-element array.  Unknown fields are not members:
 * the raw text keeps them.
 */
#ifndef TLSRPT_REPORT_H
#define TLSRPT_REPORT_H

#include <glib.h>

/* One entry of a policy's "failure-details".  Strings are owned by the
 * report; NULL where the report has none. */
typedef struct report_failure {
	char		*result_type;
	char		*sending_mta_ip;	/* an address inet_pton() accepts */
	char		*receiving_ip;		/* the same */
	char		*receiving_mx_hostname;
	char		*receiving_mx_helo;
	gint64		 failed_session_count;	/* >= 0 */
	char		*additional_information;
	char		*failure_reason_code;
} ReportFailure;

/* One entry of "policies". */
typedef struct report_policy {
	char		*policy_type;		/* never NULL */
	char		*policy_domain;
	char		**policy_string;	/* NULL-terminated; NULL when absent */
	char		**mx_host;		/* the same */
	gint64		 total_successful_session_count;	/* >= 0 */
	gint64		 total_failure_session_count;		/* >= 0 */
	ReportFailure	*failure_details;
	guint		 n_failure_details;
} ReportPolicy;

typedef struct report {
	char		*raw;		/* the JSON text as received */
	char		*organization_name;	/* never NULL */
	char		*contact_info;
	char		*report_id;		/* never NULL */
	char		*start_datetime;	/* "YYYY-MM-DDTHH:MM:SS[.f]Z" */
	char		*end_datetime;		/* the same */
	ReportPolicy	*policies;
	guint		 n_policies;

	/* Derived, for log lines. */
	char		*policy_domains;	/* distinct, in order: "a.example,b.example" */
	gint64		 successful_sessions;	/* once per domain, summed, saturating */
	gint64		 failed_sessions;

	GStringChunk	*strings;	/* private: where the strings above live */
} Report;

/* What a report may hold, so that a hostile one costs bounded time and
 * memory.  Depth, string length and the number of values are counted in
 * one pass before json-c builds its tree (json-c spends about 150 bytes
 * on every value, so a report of empty arrays would cost fifty times its
 * size); the two array sizes are checked by the walk before it descends.
 * Every limit is positive; the types are those of the command-line
 * options that set them. */
typedef struct report_limits {
	gint	max_depth;		/* nesting of arrays and objects; from
					 * REPORT_MIN_DEPTH to REPORT_DEPTH_LIMIT */
	gint64	max_string;		/* bytes of one string or name, as written */
	gint	max_values;		/* values in the whole text */
	gint	max_policies;		/* entries of "policies" */
	gint	max_failure_details;	/* "failure-details" entries, all policies */
} ReportLimits;

/* An RFC 8460 report nests five levels deep: policies, an entry, its
 * policy, policy-string (or failure-details, an entry). */
#define REPORT_MIN_DEPTH	5
/* No report nests deeper: json-c allocates a frame per level, and the
 * lexical pass keeps a byte per level on the stack. */
#define REPORT_DEPTH_LIMIT	1000

/* The defaults: far above any report seen, far below what hurts.  Plain
 * literals, so that --help can quote them. */
#define REPORT_MAX_DEPTH		32
#define REPORT_MAX_STRING		65536
#define REPORT_MAX_VALUES		500000
#define REPORT_MAX_POLICIES		10000
#define REPORT_MAX_FAILURE_DETAILS	50000
#define REPORT_LIMITS_DEFAULT { \
	.max_depth = REPORT_MAX_DEPTH, \
	.max_string = REPORT_MAX_STRING, \
	.max_values = REPORT_MAX_VALUES, \
	.max_policies = REPORT_MAX_POLICIES, \
	.max_failure_details = REPORT_MAX_FAILURE_DETAILS, \
}

/* report_new - parse and validate the JSON text json of len bytes
 *
 * Returns an owned Report or NULL with ERROR_INVALID and a message naming
 * the JSON path: "policies[0].summary.total-successful-session-count:
 * expected an integer, got a string", "date-range.start-datetime: not an
 * RFC 3339 date-time: '2016-13-01'", "not JSON: unexpected character at
 * offset 17".  Past a limit: "JSON nested deeper than 32 levels at offset
 * 31", "string longer than 65536 bytes at offset 9", "more than 500000
 * JSON values", "policies: more than 10000 entries",
 * "policies[2].failure-details: more than 50000 failure-details in the
 * report".  limits is borrowed; NULL means REPORT_LIMITS_DEFAULT.
 */
Report *report_new(const char *json, gsize len, const ReportLimits *limits,
    GError **error);
void report_free(Report *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Report, report_free)

/* report_to_json_string - the report as --dry-run prints it, JSON in
 * RFC 8460's names, every member present (null where absent); owned */
char *report_to_json_string(const Report *report);

#endif
