/* query.c - asking PostgreSQL what the stored reports say
 *
 * Every statement reads the views of sql/views.sql, which count a
 * report's sessions for one policy domain once, from the daily figures.
 * The statements of one
 * run share a REPEATABLE READ READ ONLY transaction, so that a report
 * stored meanwhile cannot make the tables of one summary disagree.
 * Dates travel as YYYY-MM-DD parameters, never in the SQL text.
 */
#include "config.h"

#include <string.h>

#include <json.h>
#include <libpq-fe.h>

#include "common/error.h"
#include "common/pg.h"
#include "incident.h"
#include "query.h"

struct query {
	Pg	*pg;
};

/*
 * Every statement reads views of the daily figures, which the triggers of
 * sql/schema.sql keep as reports are stored: their cost follows the days
 * asked for (an index on the day, or on the domain and the day), not the
 * whole history.  A policy domain given by the user is compared as the
 * figures write them (tlsrpt.domain_key: lower case, no trailing dot).
 */

/* A policy domain as the views group it, if one is asked about. */
#define QUERY_DOMAIN(n) \
	"  AND ($" #n "::text IS NULL OR policy_domain = tlsrpt.domain_key($" #n "::text))\n"

/* The statements of a summary's tables: $3 the domains, a text[] of the
 * figures' names, or NULL for all. */
#define QUERY_DOMAINS_IN "($3::text[] IS NULL OR policy_domain = ANY ($3::text[]))"

/* $1 since, $2 until, $3 previous_since, $4 domain or NULL */
static const char query_domains_sql[] =
	"SELECT policy_domain,\n"
	"    coalesce(sum(reports) FILTER (WHERE day >= $1::date), 0),\n"
	"    count(DISTINCT organization_name) FILTER (WHERE day >= $1::date),\n"
	"    coalesce(sum(successful) FILTER (WHERE day >= $1::date), 0),\n"
	"    coalesce(sum(failed) FILTER (WHERE day >= $1::date), 0),\n"
	"    coalesce(sum(reports) FILTER (WHERE day < $1::date), 0),\n"
	"    coalesce(sum(successful) FILTER (WHERE day < $1::date), 0),\n"
	"    coalesce(sum(failed) FILTER (WHERE day < $1::date), 0)\n"
	"FROM tlsrpt.reporter_days\n"
	"WHERE day BETWEEN $3::date AND $2::date\n"
	QUERY_DOMAIN(4)
	"GROUP BY policy_domain\n"
	"ORDER BY policy_domain";

/* $1 since, $2 until, $3 domains */
static const char query_failure_types_sql[] =
	"SELECT policy_domain, result_type, sum(failed),\n"
	"    count(DISTINCT organization_name)\n"
	"FROM tlsrpt.daily_failures\n"
	"WHERE day BETWEEN $1::date AND $2::date AND " QUERY_DOMAINS_IN "\n"
	"GROUP BY policy_domain, result_type\n"
	"ORDER BY policy_domain, 3 DESC, result_type";

/* $1 since, $2 until, $3 domains, $4 how many per domain */
static const char query_mx_hosts_sql[] =
	"SELECT policy_domain, receiving_mx_hostname, host(receiving_ip), failed,\n"
	"    result_types\n"
	"FROM (SELECT policy_domain, receiving_mx_hostname, receiving_ip,\n"
	"        sum(failed) AS failed,\n"
	"        string_agg(DISTINCT coalesce(result_type, '-'), ','\n"
	"            ORDER BY coalesce(result_type, '-')) AS result_types,\n"
	"        row_number() OVER (PARTITION BY policy_domain ORDER BY sum(failed) DESC,\n"
	"            receiving_mx_hostname, receiving_ip) AS n\n"
	"    FROM tlsrpt.daily_failures\n"
	"    WHERE day BETWEEN $1::date AND $2::date AND " QUERY_DOMAINS_IN "\n"
	"    GROUP BY policy_domain, receiving_mx_hostname, receiving_ip) worst\n"
	"WHERE n <= $4::int\n"
	"ORDER BY policy_domain, n";

/* $1 since, $2 until, $3 domains */
static const char query_reporters_sql[] =
	"SELECT policy_domain, organization_name, sum(reports), sum(successful),\n"
	"    sum(failed)\n"
	"FROM tlsrpt.reporter_days\n"
	"WHERE day BETWEEN $1::date AND $2::date AND " QUERY_DOMAINS_IN "\n"
	"GROUP BY policy_domain, organization_name\n"
	"HAVING sum(failed) > 0\n"
	"ORDER BY policy_domain, 5 DESC, organization_name";

/* $1 since, $2 until, $3 domains */
static const char query_days_sql[] =
	"SELECT policy_domain, day, successful, failed\n"
	"FROM tlsrpt.daily_sessions\n"
	"WHERE day BETWEEN $1::date AND $2::date AND " QUERY_DOMAINS_IN "\n"
	"ORDER BY policy_domain, day";

/* $1 since, $2 until, $3 domains */
static const char query_day_failures_sql[] =
	"SELECT policy_domain, day, result_type, failed\n"
	"FROM tlsrpt.failures_by_result_type\n"
	"WHERE day BETWEEN $1::date AND $2::date AND " QUERY_DOMAINS_IN "\n"
	"ORDER BY policy_domain, day, result_type";

/* $1 domain or NULL: the reports counted in the figures, and the latest
 * day of any, from the list of known domains: a few rows per domain, not
 * per report */
static const char query_stored_sql[] =
	"SELECT coalesce(sum(reports), 0), coalesce(max(last_day)::text, '')\n"
	"FROM tlsrpt.known_domains\n"
	"WHERE true\n"
	QUERY_DOMAIN(1);

/* The days a reporter's rhythm is judged on in a summary: those of
 * check's window and baseline by default. */
#define QUERY_RHYTHM_DAYS	31

/* $1 first day of the baseline, $2 the last day, $3 domain or NULL, $4
 * domains or NULL, $5 the report days a rhythm needs, $6 the days of
 * silence: the reporters that may be silent by check's rule (a report's
 * rows, which count days, at least $5; the latest day more than $6 days
 * ago), their report days, latest, days since and longest gap; a day
 * with rows of two DKIM verdicts is one day, a gap of 0.  The rows of
 * every other reporter (most of them, at 30,000 domains) are counted,
 * not sorted. */
static const char query_rhythm_sql[] =
	"WITH w AS (SELECT policy_domain, organization_name, day\n"
	"    FROM tlsrpt.reporter_days\n"
	"    WHERE day BETWEEN $1::date AND $2::date\n"
	"  " QUERY_DOMAIN(3)
	"      AND ($4::text[] IS NULL OR policy_domain = ANY ($4::text[]))),\n"
	"c AS (SELECT policy_domain, organization_name FROM w\n"
	"    GROUP BY policy_domain, organization_name\n"
	"    HAVING count(*) >= $5::int AND $2::date - max(day) > $6::int),\n"
	"g AS (SELECT organization_name, policy_domain, day,\n"
	"    day - lag(day) OVER (PARTITION BY policy_domain, organization_name\n"
	"        ORDER BY day) AS gap\n"
	"    FROM (SELECT DISTINCT policy_domain, organization_name, day FROM w\n"
	"        WHERE (policy_domain, organization_name) IN (SELECT * FROM c)) d)\n"
	"SELECT organization_name, policy_domain, count(*), max(day),\n"
	"    $2::date - max(day), coalesce(max(gap), 0)\n"
	"FROM g\n"
	"GROUP BY policy_domain, organization_name\n"
	"ORDER BY policy_domain, 5 DESC, organization_name";

/* $1 since, $2 until, $3 domain or NULL, $4 domains or NULL: the
 * incidents, lists as JSON */
static const char query_incidents_sql[] =
	"SELECT policy_domain, result_type, receiving_mx_hostname,\n"
	"    to_json(ARRAY(SELECT host(ip) FROM unnest(receiving_ips)\n"
	"        WITH ORDINALITY AS u(ip, n) ORDER BY n)),\n"
	"    first_day, last_day, failed, reporters, to_json(organization_names),\n"
	"    status = 'ongoing', to_json(failure_reason_codes),\n"
	"    to_json(additional_information), bounces_under_enforce\n"
	"FROM tlsrpt.incidents_between($1::date, $2::date, $3::text, 60, $4::text[])\n"
	"ORDER BY policy_domain, status = 'resolved', failed DESC, result_type,\n"
	"    receiving_mx_hostname, first_day";

/* $1 since, $2 until, $3 domains: the worst incident of each domain (the
 * first of query_incidents_sql's), without its IPs and reasons, which
 * check does not say */
static const char query_worst_incidents_sql[] =
	"SELECT DISTINCT ON (policy_domain) policy_domain, result_type,\n"
	"    receiving_mx_hostname, first_day, last_day, failed, reporters,\n"
	"    status = 'ongoing', tlsrpt.bounces_under_enforce(result_type)\n"
	"FROM tlsrpt.incident_spans($1::date, $2::date, NULL, 60, $3::text[])\n"
	"ORDER BY policy_domain, status = 'resolved', failed DESC, result_type,\n"
	"    receiving_mx_hostname, first_day";

/* $1 until, $2 days, $3 sessions needed, $4 domain or NULL, $5 domains
 * or NULL */
static const char query_verdicts_sql[] =
	"SELECT policy_domain, verdict, mode, mode_since, sessions, reporters,\n"
	"    to_json(policy_types), to_json(mx_patterns), to_json(mx_uncovered),\n"
	"    bouncing_incidents, ongoing_bouncing_incidents\n"
	"FROM tlsrpt.enforce_verdicts_at($1::date, $2::int, $3::bigint, $4::text,\n"
	"    $5::text[])\n"
	"ORDER BY policy_domain";

/* Every policy domain that reports name, for --stored. */
static const char query_stored_domains_sql[] =
	"SELECT policy_domain FROM tlsrpt.known_domains\n"
	"WHERE policy_domain <> '(none)'\n"
	"ORDER BY policy_domain";

/* $1 domain: its ongoing incidents, for probe to say which its live
 * answers explain */
static const char query_ongoing_sql[] =
	"SELECT result_type, receiving_mx_hostname, first_day::text,\n"
	"    last_day::text, failed\n"
	"FROM tlsrpt.incidents_between(NULL, NULL, $1::text)\n"
	"WHERE status = 'ongoing'\n"
	"ORDER BY failed DESC, 1, 2";

/* $1 since, $2 until, $3 domains */
static const char query_policies_sql[] =
	"SELECT policy_domain, policy_type, sts_mode, array_to_string(mx, ' '),\n"
	"    coalesce(max_age, -1), count(DISTINCT organization_name), sum(reports),\n"
	"    sum(sessions)\n"
	"FROM tlsrpt.daily_policies\n"
	"WHERE day BETWEEN $1::date AND $2::date AND " QUERY_DOMAINS_IN "\n"
	"GROUP BY policy_domain, policy_type, sts_mode, mx, max_age\n"
	"ORDER BY policy_domain, policy_type, 8 DESC, sts_mode, 4, 5";

/* $1 since, $2 until, $3 domains: the counted reports, where the site
 * records DKIM verdicts (a trusted verifier said pass, fail or none of
 * some), and of them those DKIM authenticated */
static const char query_dkim_sql[] =
	"SELECT policy_domain,\n"
	"    CASE WHEN bool_or(dkim IN ('pass', 'fail', 'none'))\n"
	"        THEN coalesce(sum(reports) FILTER (WHERE dkim IS DISTINCT FROM 'fail'), 0)\n"
	"        ELSE 0 END,\n"
	"    coalesce(sum(reports) FILTER (WHERE dkim = 'pass'), 0)\n"
	"FROM tlsrpt.reports_by_dkim\n"
	"WHERE day BETWEEN $1::date AND $2::date AND " QUERY_DOMAINS_IN "\n"
	"GROUP BY policy_domain\n"
	"ORDER BY policy_domain";

/* $1 since, $2 until, $3 domains: the reports whose DKIM failed */
static const char query_forged_sql[] =
	"SELECT policy_domain, organization_name, sum(reports), sum(failed)\n"
	"FROM tlsrpt.reports_by_dkim\n"
	"WHERE dkim = 'fail' AND day BETWEEN $1::date AND $2::date\n"
	"  AND " QUERY_DOMAINS_IN "\n"
	"GROUP BY policy_domain, organization_name\n"
	"ORDER BY policy_domain, 3 DESC, organization_name";

/* $1 since, $2 until, $3 domains */
static const char query_sending_ips_sql[] =
	"SELECT policy_domain, host(sending_mta_ip), sum(failed),\n"
	"    string_agg(DISTINCT coalesce(result_type, '-'), ','\n"
	"        ORDER BY coalesce(result_type, '-')),\n"
	"    to_json(array_agg(DISTINCT organization_name ORDER BY organization_name))\n"
	"FROM tlsrpt.failures_by_sending_ip\n"
	"WHERE day BETWEEN $1::date AND $2::date AND " QUERY_DOMAINS_IN "\n"
	"GROUP BY policy_domain, sending_mta_ip\n"
	"ORDER BY policy_domain, 3 DESC, sending_mta_ip";

/* A standby's replay: up to when (UTC: pg_begin's TimeZone), that day,
 * and how long ago.  No row on a primary, whose
 * pg_last_xact_replay_timestamp() is what it replayed when it last
 * recovered, not its age. */
static const char query_replica_sql[] =
	"SELECT to_char(pg_last_xact_replay_timestamp(), 'YYYY-MM-DD HH24:MI'),\n"
	"    pg_last_xact_replay_timestamp()::date::text,\n"
	"    greatest(0, extract(epoch FROM now() - pg_last_xact_replay_timestamp()))::bigint\n"
	"WHERE pg_is_in_recovery()";

/* $1 domain or NULL: each reporter's latest report about each domain,
 * the end of its date range in whole seconds since the epoch */
static const char query_latest_sql[] =
	"SELECT policy_domain, organization_name,\n"
	"    floor(extract(epoch FROM end_datetime))::bigint\n"
	"FROM tlsrpt.latest_reports\n"
	"WHERE true\n"
	QUERY_DOMAIN(1)
	"ORDER BY policy_domain, organization_name";

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

/* query_bool - a boolean column */
static gboolean
query_bool(const PGresult *res, int row, int column)
{
	return g_strcmp0(pg_text(res, row, column), "t") == 0;
}

/* query_list - the strings of a column that holds a JSON array of
 * strings (to_json of a text[]), into list; nulls left out */
static void
query_list(SummaryDomain *domain, SummaryList *list, const PGresult *res,
    int row, int column)
{
	json_object *array = json_tokener_parse(PQgetvalue(res, row, column));

	for (size_t i = 0; json_object_is_type(array, json_type_array)
	    && i < json_object_array_length(array); i++) {
		json_object *e = json_object_array_get_idx(array, i);

		if (json_object_is_type(e, json_type_string))
			summary_list_add(domain, list, json_object_get_string(e));
	}
	json_object_put(array);
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

/* query_incident - a row of query_incidents_sql into domain's incidents,
 * or (verdict) the verdict's */
static void
query_incident(SummaryDomain *domain, const PGresult *res, int i, gboolean verdict)
{
	SummaryIncident *incident = summary_add_incident(domain, verdict,
	    pg_text(res, i, 1), pg_text(res, i, 2), PQgetvalue(res, i, 4),
	    PQgetvalue(res, i, 5), pg_int(res, i, 6), pg_int(res, i, 7),
	    query_bool(res, i, 9), query_bool(res, i, 12));

	query_list(domain, incident->ips, res, i, 3);
	query_list(domain, incident->organizations, res, i, 8);
	query_list(domain, incident->reason_codes, res, i, 10);
	query_list(domain, incident->additional_information, res, i, 11);
}

/* query_add_worst_incident - a row of query_worst_incidents_sql: a
 * domain's worst incident, without IPs or reasons */
static void
query_add_worst_incident(SummaryDomain *domain, const PGresult *res, int i)
{
	summary_add_incident(domain, FALSE, pg_text(res, i, 1), pg_text(res, i, 2),
	    PQgetvalue(res, i, 3), PQgetvalue(res, i, 4), pg_int(res, i, 5),
	    pg_int(res, i, 6), query_bool(res, i, 7), query_bool(res, i, 8));
}

/* query_add_incident - an incident of the period */
static void
query_add_incident(SummaryDomain *domain, const PGresult *res, int i)
{
	query_incident(domain, res, i, FALSE);
}

/* query_add_verdict_incident - an incident of the days the verdict judged */
static void
query_add_verdict_incident(SummaryDomain *domain, const PGresult *res, int i)
{
	query_incident(domain, res, i, TRUE);
}

/* query_add_verdict - domain, verdict, mode, since, sessions, reporters,
 * types, patterns, uncovered, bouncing incidents, ongoing ones */
static void
query_add_verdict(SummaryDomain *domain, const PGresult *res, int i)
{
	SummaryVerdict *v = &domain->verdict;

	summary_verdict_set(domain, pg_text(res, i, 1), pg_text(res, i, 2),
	    pg_text(res, i, 3), pg_int(res, i, 4), pg_int(res, i, 5),
	    pg_int(res, i, 9), pg_int(res, i, 10));
	query_list(domain, v->policy_types, res, i, 6);
	query_list(domain, v->mx_patterns, res, i, 7);
	query_list(domain, v->mx_uncovered, res, i, 8);
}

/* query_add_policy - domain, type, mode, mx, max_age, reporters, reports,
 * sessions */
static void
query_add_policy(SummaryDomain *domain, const PGresult *res, int i)
{
	summary_add_policy(domain, PQgetvalue(res, i, 1), pg_text(res, i, 2),
	    pg_text(res, i, 3), pg_int(res, i, 4), pg_int(res, i, 5),
	    pg_int(res, i, 6), pg_int(res, i, 7));
}

/* query_add_dkim - domain, reports with a verdict, authenticated ones */
static void
query_add_dkim(SummaryDomain *domain, const PGresult *res, int i)
{
	domain->dkim_counted = pg_int(res, i, 1);
	domain->dkim_pass = pg_int(res, i, 2);
}

/* query_add_forged - domain, organisation, reports, failed */
static void
query_add_forged(SummaryDomain *domain, const PGresult *res, int i)
{
	summary_add_forged(domain, PQgetvalue(res, i, 1), pg_int(res, i, 2),
	    pg_int(res, i, 3));
}

/* query_add_sending_ip - domain, IP, failed, result types, organisations */
static void
query_add_sending_ip(SummaryDomain *domain, const PGresult *res, int i)
{
	SummarySendingIp *ip = summary_add_sending_ip(domain, pg_text(res, i, 1),
	    pg_int(res, i, 2), pg_text(res, i, 3));

	query_list(domain, ip->organizations, res, i, 4);
}

/* query_add_latest - domain, organisation, end of its latest report */
static void
query_add_latest(SummaryDomain *domain, const PGresult *res, int i)
{
	summary_add_latest(domain, PQgetvalue(res, i, 1), pg_int(res, i, 2));
}

/* query_summary_rows - one per-domain table into summary: rows of the
 * domains it holds, or (create) of any domain, which is added */
static gboolean
query_summary_rows(Query *query, Summary *summary, const char *sql,
    int nparams, const char *const *params, QueryAddRow add, gboolean create,
    GError **error)
{
	PGresult *res = query_run(query, sql, nparams, params, error);

	if (res == NULL)
		return FALSE;
	for (int i = 0; i < PQntuples(res); i++) {
		SummaryDomain *d = create ? summary_domain(summary, PQgetvalue(res, i, 0))
		    : g_hash_table_lookup(summary->by_name, PQgetvalue(res, i, 0));

		if (d != NULL)
			add(d, res, i);
	}
	PQclear(res);
	return TRUE;
}

/* query_silent - the reporters of each domain of summary (or of domains,
 * a text[] literal) that went silent by check's rule, judged as check
 * judges them, over the QUERY_RHYTHM_DAYS up to the period's last day */
static gboolean
query_silent(Query *query, Summary *summary, const char *domain,
    const char *domains, GError **error)
{
	char since[PERIOD_DATE_SIZE], until[PERIOD_DATE_SIZE];
	char needed[16], silence[16];
	const char *params[6] = { since, until, domain, domains, needed, silence };
	GDate first = summary->period.until;
	PGresult *res;

	g_date_subtract_days(&first, QUERY_RHYTHM_DAYS - 1);
	period_format(&first, since);
	period_format(&summary->period.until, until);
	g_snprintf(needed, sizeof(needed), "%d", CHECK_RHYTHM_DAYS);
	g_snprintf(silence, sizeof(silence), "%u", summary->silence);
	res = query_run(query, query_rhythm_sql, 6, params, error);
	if (res == NULL)
		return FALSE;
	for (int i = 0; i < PQntuples(res); i++) {
		SummaryDomain *d = g_hash_table_lookup(summary->by_name,
		    PQgetvalue(res, i, 1));

		if (d != NULL && check_silent(summary->silence, pg_int(res, i, 2),
		    pg_int(res, i, 4), pg_int(res, i, 5)))
			summary_add_silent(d, PQgetvalue(res, i, 0), PQgetvalue(res, i, 3),
			    pg_int(res, i, 4), pg_int(res, i, 5));
	}
	PQclear(res);
	return TRUE;
}

/* query_text_array - the names of domains (SummaryDomain) as a
 * PostgreSQL text[] literal; owned */
static char *
query_text_array(const GPtrArray *domains)
{
	GString *out = g_string_new("{");

	for (guint i = 0; i < domains->len; i++)
		pg_array_add(out, ((const SummaryDomain *)
		    g_ptr_array_index(domains, i))->domain);
	g_string_append_c(out, '}');
	return g_string_free(out, FALSE);
}

/* query_verdicts_of - the enforce verdicts and their incidents, of the
 * domain or the domains (a text[] literal), or of all (both NULL) */
static gboolean
query_verdicts_of(Query *query, Summary *summary, const char *domain,
    const char *domains, gboolean create, GError **error)
{
	char until[PERIOD_DATE_SIZE], since[PERIOD_DATE_SIZE];
	char days[16], sessions[32];
	const char *params[5] = { until, days, sessions, domain, domains };
	const char *incident_params[4] = { since, until, domain, domains };
	GDate first = summary->period.until;

	period_format(&summary->period.until, until);
	g_date_subtract_days(&first, summary->verdict_days - 1);
	period_format(&first, since);
	g_snprintf(days, sizeof(days), "%u", summary->verdict_days);
	g_snprintf(sessions, sizeof(sessions), "%" G_GINT64_FORMAT,
	    summary->verdict_sessions);
	if (!query_summary_rows(query, summary, query_verdicts_sql, 5, params,
	    query_add_verdict, create, error)
	    || !query_summary_rows(query, summary, query_incidents_sql, 4,
	    incident_params, query_add_verdict_incident, FALSE, error))
		return FALSE;
	/* Every domain knows the days its verdict is about, verdict or not. */
	for (guint i = 0; i < summary->domains->len; i++) {
		SummaryVerdict *v = &((SummaryDomain *)
		    g_ptr_array_index(summary->domains, i))->verdict;

		g_strlcpy(v->until, until, sizeof(v->until));
		v->days = summary->verdict_days;
		v->min_sessions = summary->verdict_sessions;
	}
	return TRUE;
}

/* query_verdicts - the enforce verdicts of the summary's verdict_days up
 * to its period's last day, and their incidents */
gboolean
query_verdicts(Query *query, Summary *summary, const char *domain,
    gboolean create, GError **error)
{
	return query_verdicts_of(query, summary, domain, NULL, create, error);
}

/* query_summary - fill summary with its period's figures */
gboolean
query_summary(Query *query, Summary *summary, const char *domain,
    guint keep, gboolean daily, GError **error)
{
	char since[PERIOD_DATE_SIZE], until[PERIOD_DATE_SIZE];
	char previous[PERIOD_DATE_SIZE], top[16];
	g_autofree char *domains = NULL;
	const char *params[4] = { since, until, previous, domain };
	const char *top_params[4] = { since, until, NULL, top };
	const char *day_params[3] = { since, until, NULL };
	const char *incident_params[4] = { since, until, NULL, NULL };
	const struct {
		const char	*sql;
		QueryAddRow	 add;
		gboolean	 create;	/* a domain only forged reports name */
	} tables[] = {
		{ query_failure_types_sql, query_add_failure_type, FALSE },
		{ query_reporters_sql, query_add_reporter, FALSE },
		{ query_policies_sql, query_add_policy, FALSE },
		{ query_dkim_sql, query_add_dkim, FALSE },
		{ query_forged_sql, query_add_forged, TRUE },
		{ query_sending_ips_sql, query_add_sending_ip, FALSE },
	};
	PGresult *res;

	period_format(&summary->period.since, since);
	period_format(&summary->period.until, until);
	period_format(&summary->period.previous_since, previous);
	g_snprintf(top, sizeof(top), "%d", QUERY_MX_HOSTS);

	res = query_run(query, query_stored_sql, 1, &domain, error);
	if (res == NULL)
		return FALSE;
	summary->stored_reports = pg_int(res, 0, 0);
	g_strlcpy(summary->latest_day, PQgetvalue(res, 0, 1),
	    sizeof(summary->latest_day));
	PQclear(res);

	if (!query_summary_domains(query, summary, params, error))
		return FALSE;
	/* The tables of the domains shown, not of every domain. */
	if (domain == NULL && keep > 0)
		summary_keep(summary, keep);
	if (domain != NULL || summary->left_out > 0)
		domains = query_text_array(summary->domains);
	top_params[2] = day_params[2] = incident_params[3] = domains;
	if (!query_summary_rows(query, summary, query_mx_hosts_sql, 4,
	    top_params, query_add_mx_host, FALSE, error)
	    || !query_summary_rows(query, summary, query_incidents_sql, 4,
	    incident_params, query_add_incident, FALSE, error))
		return FALSE;
	for (unsigned i = 0; i < G_N_ELEMENTS(tables); i++)
		if (!query_summary_rows(query, summary, tables[i].sql, 3, day_params,
		    tables[i].add, tables[i].create, error))
			return FALSE;
	if (!query_silent(query, summary, domain, domains, error)
	    || !query_verdicts_of(query, summary, NULL, domains, FALSE, error))
		return FALSE;
	if (!daily)
		return TRUE;
	return query_summary_rows(query, summary, query_days_sql, 3, day_params,
	    query_add_day, FALSE, error)
	    && query_summary_rows(query, summary, query_day_failures_sql, 3,
	    day_params, query_add_day_failure, FALSE, error);
}

/* query_check - feed check with windows, baselines, causes, rhythms and
 * forged reports */
gboolean
query_check(Query *query, const Period *period, const char *domain,
    Check *check, GError **error)
{
	char since[PERIOD_DATE_SIZE], until[PERIOD_DATE_SIZE];
	char previous[PERIOD_DATE_SIZE];
	const char *params[4] = { since, until, previous, domain };
	char	replayed[PERIOD_DATE_SIZE];
	g_autoptr(Summary) asked = summary_new(period, domain);
	g_autoptr(Summary) alerting = summary_new(period, domain);
	g_autofree char *key = domain ? summary_domain_key(domain) : NULL;
	g_autofree char *one = NULL;
	g_autofree char *names = NULL;
	const char *incident_params[3] = { since, until, NULL };
	const char *forged_params[3] = { since, until, NULL };
	char needed[16], silence[16];
	const char *rhythm_params[6] = { previous, until, domain, NULL, needed, silence };
	guint	causes = check_options(check)->causes;
	PGresult *res;

	period_format(&period->since, since);
	period_format(&period->until, until);
	period_format(&period->previous_since, previous);
	if (key != NULL) {
		summary_domain(asked, key);
		forged_params[2] = one = query_text_array(asked->domains);
	}

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

	/* The domains' figures, then the incidents of those that raise a
	 * problem only: the worst of each, its first, names its cause; of
	 * the problems named (critical first, in the order raised), when
	 * the options say how many. */
	res = query_run(query, query_domains_sql, 4, params, error);
	if (res == NULL)
		return FALSE;
	for (CheckStatus want = CHECK_CRITICAL; want >= CHECK_WARNING; want--)
		for (int i = 0; i < PQntuples(res) && (causes == 0
		    || alerting->domains->len < causes); i++)
			if (check_domain_status(check, pg_int(res, i, 3), pg_int(res, i, 4),
			    pg_int(res, i, 6), pg_int(res, i, 7)) == want)
				summary_domain(alerting, PQgetvalue(res, i, 0));
	incident_params[2] = names = query_text_array(alerting->domains);
	if (alerting->domains->len > 0 && !query_summary_rows(query, alerting,
	    query_worst_incidents_sql, 3, incident_params, query_add_worst_incident,
	    FALSE, error)) {
		PQclear(res);
		return FALSE;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		SummaryDomain *d = g_hash_table_lookup(alerting->by_name,
		    PQgetvalue(res, i, 0));

		check_add_domain(check, PQgetvalue(res, i, 0),
		    pg_int(res, i, 3), pg_int(res, i, 4),
		    pg_int(res, i, 6), pg_int(res, i, 7),
		    d != NULL && d->incidents->len > 0
		    ? g_ptr_array_index(d->incidents, 0) : NULL);
	}
	PQclear(res);

	res = query_run(query, query_forged_sql, 3, forged_params, error);
	if (res == NULL)
		return FALSE;
	for (int i = 0; i < PQntuples(res); i++)
		check_add_forged(check, PQgetvalue(res, i, 1), PQgetvalue(res, i, 0),
		    pg_int(res, i, 2));
	PQclear(res);

	g_snprintf(needed, sizeof(needed), "%d", CHECK_RHYTHM_DAYS);
	g_snprintf(silence, sizeof(silence), "%u", check_options(check)->silence);
	res = query_run(query, query_rhythm_sql, 6, rhythm_params, error);
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

/* query_latest - each reporter's latest report about each domain */
gboolean
query_latest(Query *query, Summary *summary, const char *domain, GError **error)
{
	return query_summary_rows(query, summary, query_latest_sql, 1, &domain,
	    query_add_latest, TRUE, error);
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

/* query_incidents - the ongoing incidents of domain */
GPtrArray *
query_incidents(Query *query, const char *domain, GError **error)
{
	g_autoptr(GPtrArray) incidents = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)probe_incident_free);
	const char *params[1] = { domain };
	PGresult *res = query_run(query, query_ongoing_sql, 1, params, error);

	if (res == NULL)
		return NULL;
	for (int i = 0; i < PQntuples(res); i++)
		g_ptr_array_add(incidents, probe_incident_new(pg_text(res, i, 0),
		    pg_text(res, i, 1), pg_text(res, i, 2), pg_text(res, i, 3),
		    pg_int(res, i, 4)));
	PQclear(res);
	return g_steal_pointer(&incidents);
}
