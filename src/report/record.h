/* record.h - judging a domain's TLS-RPT and MTA-STS DNS records
 *
 * The way postmasters' checkers do: the TXT record at _smtp._tls.DOMAIN
 * (RFC 8460 section 3) passes, warns or fails, and so does the one at
 * _mta-sts.DOMAIN (RFC 8461 section 3.1) when there is one.  Each finding
 * comes with its fix in one line.
 */
#ifndef TLSRPT_RECORD_H
#define TLSRPT_RECORD_H

#include <stdio.h>

#include <glib.h>

#include "dns.h"

/* The verdicts, as exit codes in the manner of monitoring plugins. */
typedef enum {
	RECORD_PASS = 0,
	RECORD_WARN = 1,
	RECORD_FAIL = 2,
	RECORD_UNKNOWN = 3,	/* the DNS did not answer */
} RecordStatus;

/* record_judge - look up and judge the records of domain, writing one line
 * per finding to out; *status: the worst verdict
 *
 * Errors: ERROR_TEMPORARY when the DNS did not answer, ERROR_USAGE for a
 * name that is not a domain.  The caller checks out for write errors.
 */
gboolean record_judge(Dns *dns, const char *domain, FILE *out,
    RecordStatus *status, GError **error);

#endif
