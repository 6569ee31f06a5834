/* record.h - judging a domain's TLS-RPT and MTA-STS DNS records
 *
 * The way postmasters' checkers do: the TXT record at _smtp._tls.DOMAIN
 * (RFC 8460 section 3) passes, warns or fails, and so does the one at
 * _mta-sts.DOMAIN (RFC 8461 section 3.1) when there is one.  Each finding
 * comes with its fix in one line.
 */
#ifndef TLSRPT_RECORD_H
#define TLSRPT_RECORD_H

#include <glib.h>

#include "common/dns.h"

/* The verdicts, as exit codes in the manner of monitoring plugins. */
typedef enum {
	RECORD_PASS = 0,
	RECORD_WARN = 1,
	RECORD_FAIL = 2,
	RECORD_UNKNOWN = 3,	/* the DNS did not answer */
} RecordStatus;

/* The checks of the findings, as Finding's check names them. */
#define RECORD_CHECK_TLSRPT	"tlsrpt-record"
#define RECORD_CHECK_STS	"sts-record"

/* The records of a domain, and what was found about them. */
typedef struct record {
	GPtrArray	*findings;	/* Finding, about _smtp._tls, then _mta-sts */
	GPtrArray	*tlsrpt_records; /* the TXT records at _smtp._tls.DOMAIN */
	GPtrArray	*sts_records;	/* ...and at _mta-sts.DOMAIN, strings */
	char		*sts_id;	/* the id= of the one good MTA-STS
					 * record; NULL: none */
	RecordStatus	 status;	/* the worst verdict */
} Record;

/* record_domain - the domain a command line names, in lower case, without
 * a final dot or the _smtp._tls. label people copy from their zone; owned
 *
 * Errors: ERROR_USAGE for text that is not a domain name.
 */
char *record_domain(const char *text, GError **error);

/* record_judge - look up and judge the records of domain, as
 * record_domain returns it, every lookup before deadline
 * (g_get_monotonic_time()'s clock); owned
 *
 * Errors: ERROR_TEMPORARY when the DNS did not answer, the message
 * starting "no answer from the DNS server for NAME TXT".
 */
Record *record_judge(const Dns *dns, const char *domain, gint64 deadline,
    GError **error);
void record_free(Record *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Record, record_free)

/* record_text - the findings, one a line, each problem followed by its
 * fix, and the records as found, quoted: what "record" prints; owned */
char *record_text(const Record *record);

#endif
