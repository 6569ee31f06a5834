/* query.h - asking PostgreSQL what the stored reports say
 *
 * The only part of tlsrpt-report that knows SQL.  It reads the views of
 * sql/views.sql, never the tables, so that the program, the Grafana
 * dashboard and psql count alike; all figures of one run come from one
 * snapshot of the database.
 */
#ifndef TLSRPT_QUERY_H
#define TLSRPT_QUERY_H

#include <glib.h>

#include "check.h"
#include "period.h"
#include "probe.h"
#include "summary.h"

typedef struct query Query;

typedef struct query_options {
	const char	*conninfo;	/* libpq conninfo or URI; NULL: environment */
	guint		 timeout;	/* seconds for connecting and for each statement */
} QueryOptions;

/* The worst MX hosts a summary lists per domain. */
#define QUERY_MX_HOSTS	5

/* query_new - connect, and start the read-only snapshot
 *
 * Errors: ERROR_CONFIG for a conninfo that does not parse, ERROR_TEMPORARY
 * when the server cannot be reached.
 */
Query *query_new(const QueryOptions *options, GError **error);
void query_free(Query *query);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Query, query_free)

/* query_summary - fill summary with its period's figures
 *
 * domain: only this policy domain, or NULL for all.  keep: with all, only
 * the keep domains that most need attention (summary_keep), 0 for every
 * one.  daily: also the figures per day, for charts.  The enforce
 * verdicts are about the summary's verdict_days up to the period's last
 * day; silent reporters are judged with its silence.  Errors:
 * ERROR_CONFIG when the views are not loaded, ERROR_TEMPORARY for lost
 * connections and timeouts.
 */
gboolean query_summary(Query *query, Summary *summary, const char *domain,
    guint keep, gboolean daily, GError **error);

/* query_verdicts - the enforce verdicts about the summary's verdict_days
 * days up to its period's last day, and the incidents of those days
 *
 * domain: only this policy domain, or NULL for all.  create: verdicts of
 * domains the summary does not hold yet are added with them; otherwise
 * only its domains get theirs.  Every domain's verdict knows its days,
 * also without a verdict (no reports then).  Errors as query_summary.
 */
gboolean query_verdicts(Query *query, Summary *summary, const char *domain,
    gboolean create, GError **error);

/* query_latest - each reporter's latest report about each policy domain
 * (domain: only this one; NULL: all), whenever it came, into the
 * domain's latest; a domain the summary does not hold is added, without
 * figures: one whose reporters all went silent.  Errors as query_summary.
 */
gboolean query_latest(Query *query, Summary *summary, const char *domain,
    GError **error);

/* query_check - feed check with each domain's window (period) and
 * baseline (the period before), and each reporter's rhythm over both
 *
 * Returns FALSE with an error, or TRUE; check_status() is CHECK_UNKNOWN
 * then when no report covers any of those days.
 */
gboolean query_check(Query *query, const Period *period, const char *domain,
    Check *check, GError **error);

/* query_stored_domains - every policy domain the stored reports name, in
 * lower case and in order; an owned array of owned strings, or NULL and
 * an error as query_summary's */
GPtrArray *query_stored_domains(Query *query, GError **error);

/* query_incidents - the incidents of domain that are ongoing (its
 * reporters' latest reports still show them); an owned array of ProbeIncident, or NULL and
 * an error as query_summary's */
GPtrArray *query_incidents(Query *query, const char *domain, GError **error);

#endif
