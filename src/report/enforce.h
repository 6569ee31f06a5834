/* enforce.h - the verdict on moving MTA-STS from testing to enforce, said
 *
 * sql/views.sql decides the verdict from the reports
 * (tlsrpt.enforce_verdicts_at), so that tlsrpt-report, the Grafana
 * dashboard and psql agree.  This module says what a verdict means: a
 * title, what it rests on, each problem in its own sentence and what to
 * do next; and the exit code a script or a monitoring system acts on, by
 * the plugin convention:
 *     ready, enforcing          0 (OK)
 *     not-enough-data           1 (WARNING)
 *     not-ready, losing-mail    2 (CRITICAL)
 *     no-policy, no verdict     3 (UNKNOWN)
 * The sentences hold what reports said (MX hosts, patterns, reasons):
 * the caller makes them safe for its output.
 */
#ifndef TLSRPT_ENFORCE_H
#define TLSRPT_ENFORCE_H

#include <glib.h>

#include "check.h"
#include "summary.h"

/* enforce_status - the exit code of a verdict: CHECK_UNKNOWN without a
 * verdict (no reports in the days judged) or for one this program does
 * not know */
CheckStatus enforce_status(const SummaryVerdict *verdict);

/* enforce_title - the verdict in a few words, "ready for enforce"; static */
const char *enforce_title(const SummaryVerdict *verdict);

/* enforce_lines - what the verdict rests on, each problem, and the next
 * step: one sentence each, in that order; a NULL-terminated array of
 * owned strings (g_strfreev) */
char **enforce_lines(const SummaryVerdict *verdict);

#endif
