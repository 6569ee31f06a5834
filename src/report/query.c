/* query.c - asking PostgreSQL what the stored reports say
 *
 * Every statement reads the views of sql/views.sql, which count a
 * report's sessions for one policy domain once.  The statements of one
 * run share a REPEATABLE READ READ ONLY transaction, so that a report
 * stored meanwhile cannot make the tables of one summary disagree.
 * Dates travel as YYYY-MM-DD parameters, never in the SQL text.
 */
#include "config.h"

#include <string.h>

#include <libpq-fe.h>

#include "common/error.h"
#include "common/pg.h"
#include "query.h"

struct query {
	Pg	*pg;
};

/* $1 since, $2 until, $3 previous_since, $4 domain or NULL */
static const char query_domains_sql[] =
	"SELECT policy_domain,\n"
	"    count(*) FILTER (WHERE day >= $1::date),\n"
	"    count(DISTINCT organization_name) FILTER (WHERE day >= $1::date),\n"
	"    coalesce(sum(successful) FILTER (WHERE day >= $1::date), 0),\n"
	"    coalesce(sum(failed) FILTER (WHERE day >= $1::date), 0),\n"
	"    count(*) FILTER (WHERE day < $1::date),\n"
	"    coalesce(sum(successful) FILTER (WHERE day < $1::date), 0),\n"
	"    coalesce(sum(failed) FILTER (WHERE day < $1::date), 0)\n"
	"FROM tlsrpt.report_domains\n"
	"WHERE day BETWEEN $3::date AND $2::date\n"
	"  AND ($4::text IS NULL OR policy_domain = lower($4::text))\n"
	"GROUP BY policy_domain\n"
	"ORDER BY policy_domain";

/* $1 since, $2 until, $3 domain or NULL */
static const char query_failure_types_sql[] =
	"SELECT policy_domain, result_type, sum(failed),\n"
	"    count(DISTINCT organization_name)\n"
	"FROM tlsrpt.report_domain_failures\n"
	"WHERE day BETWEEN $1::date AND $2::date\n"
	"  AND ($3::text IS NULL OR policy_domain = lower($3::text))\n"
	"GROUP BY policy_domain, result_type\n"
	"ORDER BY policy_domain, 3 DESC, result_type";

/* $1 since, $2 until, $3 domain or NULL, $4 how many per domain */
static const char query_mx_hosts_sql[] =
	"SELECT policy_domain, receiving_mx_hostname, host(receiving_ip), failed,\n"
	"    result_types\n"
	"FROM (SELECT policy_domain, receiving_mx_hostname, receiving_ip,\n"
	"        sum(failed) AS failed,\n"
	"        string_agg(DISTINCT coalesce(result_type, '-'), ',') AS result_types,\n"
	"        row_number() OVER (PARTITION BY policy_domain ORDER BY sum(failed) DESC,\n"
	"            receiving_mx_hostname, receiving_ip) AS n\n"
	"    FROM tlsrpt.report_domain_failures\n"
	"    WHERE day BETWEEN $1::date AND $2::date\n"
	"      AND ($3::text IS NULL OR policy_domain = lower($3::text))\n"
	"    GROUP BY policy_domain, receiving_mx_hostname, receiving_ip) worst\n"
	"WHERE n <= $4::int\n"
	"ORDER BY policy_domain, n";

/* $1 since, $2 until, $3 domain or NULL */
static const char query_reporters_sql[] =
	"SELECT policy_domain, organization_name, count(*), sum(successful),\n"
	"    sum(failed)\n"
	"FROM tlsrpt.report_domains\n"
	"WHERE day BETWEEN $1::date AND $2::date\n"
	"  AND ($3::text IS NULL OR policy_domain = lower($3::text))\n"
	"GROUP BY policy_domain, organization_name\n"
	"HAVING sum(failed) > 0\n"
	"ORDER BY policy_domain, 5 DESC, organization_name";

/* $1 since, $2 until, $3 domain or NULL */
static const char query_days_sql[] =
	"SELECT policy_domain, day, successful, failed\n"
	"FROM tlsrpt.daily_sessions\n"
	"WHERE day BETWEEN $1::date AND $2::date\n"
	"  AND ($3::text IS NULL OR policy_domain = lower($3::text))\n"
	"ORDER BY policy_domain, day";

/* $1 since, $2 until, $3 domain or NULL */
static const char query_day_failures_sql[] =
	"SELECT policy_domain, day, result_type, failed\n"
	"FROM tlsrpt.failures_by_result_type\n"
	"WHERE day BETWEEN $1::date AND $2::date\n"
	"  AND ($3::text IS NULL OR policy_domain = lower($3::text))\n"
	"ORDER BY policy_domain, day, result_type";

static const char query_stored_sql[] =
	"SELECT count(*), coalesce(max(day)::text, '') FROM tlsrpt.report_domains";

/* Every policy domain that reports name, for --stored. */
static const char query_stored_domains_sql[] =
	"SELECT DISTINCT policy_domain FROM tlsrpt.daily_sessions\n"
	"WHERE policy_domain <> '(none)'\n"
	"ORDER BY policy_domain";

/* $1 domain: the failures in its latest reports, each with the days it
 * was reported on in the 30 before.
 *
 * A stand-in: when the incidents of "tlsrpt-report answers" (issue 13)
 * land, this becomes their ongoing rows, with the same five columns:
 *   SELECT result_type, receiving_mx_hostname, first_day::text,
 *       last_day::text, failed
 *   FROM tlsrpt.incidents_between(NULL, NULL, $1::text)
 *   WHERE status = 'ongoing' ORDER BY failed DESC, 1, 2
 * and report-probe.test's reports keep their answers. */
static const char query_incidents_sql[] =
	"WITH latest AS (SELECT max(day) AS day FROM tlsrpt.report_domains\n"
	"    WHERE policy_domain = lower($1::text))\n"
	"SELECT f.result_type, f.receiving_mx_hostname, min(f.day)::text,\n"
	"    max(f.day)::text, sum(f.failed)\n"
	"FROM tlsrpt.report_domain_failures f, latest\n"
	"WHERE f.policy_domain = lower($1::text) AND f.day > latest.day - 30\n"
	"GROUP BY f.result_type, f.receiving_mx_hostname\n"
	"HAVING max(f.day) = max(latest.day)\n"
	"ORDER BY 5 DESC, 1, 2";

/* $1 first day of the baseline, $2 today, $3 domain or NULL */
static const char query_rhythm_sql[] =
	"WITH d AS (SELECT DISTINCT organization_name, policy_domain, day\n"
	"    FROM tlsrpt.report_domains\n"
	"    WHERE day BETWEEN $1::date AND $2::date\n"
	"      AND ($3::text IS NULL OR policy_domain = lower($3::text))),\n"
	"g AS (SELECT organization_name, policy_domain, day,\n"
	"    day - lag(day) OVER (PARTITION BY organization_name, policy_domain\n"
	"        ORDER BY day) AS gap\n"
	"    FROM d)\n"
	"SELECT organization_name, policy_domain, count(*), max(day),\n"
	"    $2::date - max(day), coalesce(max(gap), 0)\n"
	"FROM g\n"
	"GROUP BY organization_name, policy_domain\n"
	"ORDER BY policy_domain, organization_name";

/* A standby's replay: up to when (UTC: pg_begin's TimeZone), that day,
 * and how long ago.  No row on a primary, whose
 * pg_last_xact_replay_timestamp() is what it replayed when it last
 * recovered, not its age. */
static const char query_replica_sql[] =
	"SELECT to_char(pg_last_xact_replay_timestamp(), 'YYYY-MM-DD HH24:MI'),\n"
	"    pg_last_xact_replay_timestamp()::date::text,\n"
	"    greatest(0, extract(epoch FROM now() - pg_last_xact_replay_timestamp()))::bigint\n"
	"WHERE pg_is_in_recovery()";

/* query_run - run one statement; its rows, or NULL and an error */
static PGresult *
query_run(Query *query, const char *sql, int nparams, const char *const *params,
    GError **error)
{
	return pg_exec(query->pg, sql, nparams, params, error);
}

/* query_new - connect, and start the read-only snapshot */
Query *
query_new(const QueryOptions *options, GError **error)
{
	PgOptions pg_options = {
		.client = PG_REPORT,
		.conninfo = options->conninfo,
		.connect_timeout = options->timeout,
		.statement_timeout = options->timeout,
	};
	g_autoptr(Query) query = g_new0(Query, 1);

	query->pg = pg_new(&pg_options, error);
	if (query->pg == NULL ||
	    !pg_begin(query->pg, "ISOLATION LEVEL REPEATABLE READ READ ONLY", error))
		return NULL;
	return g_steal_pointer(&query);
}

/* query_free - disconnect; NULL-safe */
void
query_free(Query *query)
{
	if (query == NULL)
		return;
	pg_free(query->pg);
	g_free(query);
}

/* query_summary_domains - the domains' totals, this period and the last */
static gboolean
query_summary_domains(Query *query, Summary *summary, const char *const *params,
    GError **error)
{
	PGresult *res = query_run(query, query_domains_sql, 4, params, error);

	if (res == NULL)
		return FALSE;
	for (int i = 0; i < PQntuples(res); i++) {
		SummaryDomain *d;

		/* Domains seen only in the period before have nothing to say. */
		if (pg_int(res, i, 1) == 0)
			continue;
		d = summary_domain(summary, PQgetvalue(res, i, 0));
		d->reports = pg_int(res, i, 1);
		d->organizations = pg_int(res, i, 2);
		d->successful = pg_int(res, i, 3);
		d->failed = pg_int(res, i, 4);
		d->previous_reports = pg_int(res, i, 5);
		d->previous_successful = pg_int(res, i, 6);
		d->previous_failed = pg_int(res, i, 7);
	}
	PQclear(res);
	return TRUE;
}

/* A function that adds one row of a per-domain table to its domain. */
typedef void (*QueryAddRow)(SummaryDomain *domain, const PGresult *res, int row);

/* query_add_failure_type - domain, result type, failed, organisations */
static void
query_add_failure_type(SummaryDomain *domain, const PGresult *res, int i)
{
	summary_add_failure_type(domain, pg_text(res, i, 1),
	    pg_int(res, i, 2), pg_int(res, i, 3));
}

/* query_add_mx_host - domain, host name, IP, failed, result types */
static void
query_add_mx_host(SummaryDomain *domain, const PGresult *res, int i)
{
	summary_add_mx_host(domain, pg_text(res, i, 1), pg_text(res, i, 2),
	    pg_int(res, i, 3), pg_text(res, i, 4));
}

/* query_add_reporter - domain, organisation, reports, successful, failed */
static void
query_add_reporter(SummaryDomain *domain, const PGresult *res, int i)
{
	summary_add_reporter(domain, PQgetvalue(res, i, 1), pg_int(res, i, 2),
	    pg_int(res, i, 3), pg_int(res, i, 4));
}

/* query_add_day - domain, day, successful, failed */
static void
query_add_day(SummaryDomain *domain, const PGresult *res, int i)
{
	summary_add_day(domain, PQgetvalue(res, i, 1), pg_int(res, i, 2),
	    pg_int(res, i, 3));
}

/* query_add_day_failure - domain, day, result type, failed */
static void
query_add_day_failure(SummaryDomain *domain, const PGresult *res, int i)
{
	summary_add_day_failure(domain, PQgetvalue(res, i, 1),
	    pg_text(res, i, 2), pg_int(res, i, 3));
}

/* query_summary_rows - one per-domain table of the period into summary */
static gboolean
query_summary_rows(Query *query, Summary *summary, const char *sql,
    int nparams, const char *const *params, QueryAddRow add, GError **error)
{
	PGresult *res = query_run(query, sql, nparams, params, error);

	if (res == NULL)
		return FALSE;
	for (int i = 0; i < PQntuples(res); i++) {
		SummaryDomain *d = g_hash_table_lookup(summary->by_name,
		    PQgetvalue(res, i, 0));

		if (d != NULL)
			add(d, res, i);
	}
	PQclear(res);
	return TRUE;
}

/* query_summary - fill summary with its period's figures */
gboolean
query_summary(Query *query, Summary *summary, const char *domain,
    gboolean daily, GError **error)
{
	char since[PERIOD_DATE_SIZE], until[PERIOD_DATE_SIZE];
	char previous[PERIOD_DATE_SIZE], top[16];
	const char *params[4] = { since, until, previous, domain };
	const char *top_params[4] = { since, until, domain, top };
	const char *day_params[3] = { since, until, domain };
	PGresult *res;

	period_format(&summary->period.since, since);
	period_format(&summary->period.until, until);
	period_format(&summary->period.previous_since, previous);
	g_snprintf(top, sizeof(top), "%d", QUERY_MX_HOSTS);

	res = query_run(query, query_stored_sql, 0, NULL, error);
	if (res == NULL)
		return FALSE;
	summary->stored_reports = pg_int(res, 0, 0);
	g_strlcpy(summary->latest_day, PQgetvalue(res, 0, 1),
	    sizeof(summary->latest_day));
	PQclear(res);

	if (!query_summary_domains(query, summary, params, error)
	    || !query_summary_rows(query, summary, query_failure_types_sql, 3,
	    day_params, query_add_failure_type, error)
	    || !query_summary_rows(query, summary, query_mx_hosts_sql, 4,
	    top_params, query_add_mx_host, error)
	    || !query_summary_rows(query, summary, query_reporters_sql, 3,
	    day_params, query_add_reporter, error))
		return FALSE;
	if (!daily)
		return TRUE;
	return query_summary_rows(query, summary, query_days_sql, 3, day_params,
	    query_add_day, error)
	    && query_summary_rows(query, summary, query_day_failures_sql, 3,
	    day_params, query_add_day_failure, error);
}

/* query_check - feed check with windows, baselines and rhythms */
gboolean
query_check(Query *query, const Period *period, const char *domain,
    Check *check, GError **error)
{
	char since[PERIOD_DATE_SIZE], until[PERIOD_DATE_SIZE];
	char previous[PERIOD_DATE_SIZE];
	const char *params[4] = { since, until, previous, domain };
	char	replayed[PERIOD_DATE_SIZE];
	const char *rhythm_params[3] = { previous, until, domain };
	PGresult *res;

	period_format(&period->since, since);
	period_format(&period->until, until);
	period_format(&period->previous_since, previous);

	/* On a standby behind its primary, a reporter is silent as of the
	 * day replayed, not as of today. */
	res = query_run(query, query_replica_sql, 0, NULL, error);
	if (res == NULL)
		return FALSE;
	if (PQntuples(res) == 1) {
		check_add_replica(check, pg_text(res, 0, 0), pg_int(res, 0, 2));
		if (!PQgetisnull(res, 0, 1) && strcmp(PQgetvalue(res, 0, 1), until) < 0) {
			g_strlcpy(replayed, PQgetvalue(res, 0, 1), sizeof(replayed));
			rhythm_params[1] = replayed;
		}
	}
	PQclear(res);

	res = query_run(query, query_domains_sql, 4, params, error);
	if (res == NULL)
		return FALSE;
	for (int i = 0; i < PQntuples(res); i++)
		check_add_domain(check, PQgetvalue(res, i, 0),
		    pg_int(res, i, 3), pg_int(res, i, 4),
		    pg_int(res, i, 6), pg_int(res, i, 7));
	PQclear(res);

	res = query_run(query, query_rhythm_sql, 3, rhythm_params, error);
	if (res == NULL)
		return FALSE;
	for (int i = 0; i < PQntuples(res); i++)
		check_add_reporter(check, PQgetvalue(res, i, 0),
		    PQgetvalue(res, i, 1), pg_int(res, i, 2),
		    PQgetvalue(res, i, 3), pg_int(res, i, 4),
		    pg_int(res, i, 5));
	PQclear(res);
	return TRUE;
}

/* query_stored_domains - every policy domain of the stored reports */
GPtrArray *
query_stored_domains(Query *query, GError **error)
{
	g_autoptr(GPtrArray) domains = g_ptr_array_new_with_free_func(g_free);
	PGresult *res = query_run(query, query_stored_domains_sql, 0, NULL, error);

	if (res == NULL)
		return NULL;
	for (int i = 0; i < PQntuples(res); i++)
		g_ptr_array_add(domains, g_strdup(PQgetvalue(res, i, 0)));
	PQclear(res);
	return g_steal_pointer(&domains);
}

/* query_incidents - the ongoing failures of domain */
GPtrArray *
query_incidents(Query *query, const char *domain, GError **error)
{
	g_autoptr(GPtrArray) incidents = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)probe_incident_free);
	const char *params[1] = { domain };
	PGresult *res = query_run(query, query_incidents_sql, 1, params, error);

	if (res == NULL)
		return NULL;
	for (int i = 0; i < PQntuples(res); i++)
		g_ptr_array_add(incidents, probe_incident_new(pg_text(res, i, 0),
		    pg_text(res, i, 1), pg_text(res, i, 2), pg_text(res, i, 3),
		    pg_int(res, i, 4)));
	PQclear(res);
	return g_steal_pointer(&incidents);
}
