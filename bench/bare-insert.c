/* bare-insert.c - the per-message floor: connect, insert one row, commit
 *
 * usage: bare-insert CONNINFO [figures]
 *
 * What any program storing one delivered message must at least do; the
 * one-message path of tlsrpt-ingest is measured against it.  The row goes
 * into a table of one text column, bench_bare, which the benchmark creates.
 *
 * With "figures", the same statement also adds one row to each of the six
 * daily figure tables of schema.sql (a new policy domain each time, its
 * keys worked out beforehand): the least that any writer keeping those
 * figures in the storing transaction must do on top, with no trigger, no
 * function and nothing read back.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

static const char bare_sql[] = "INSERT INTO bench_bare VALUES ($1)";

static const char figures_sql[] =
	"WITH b AS (INSERT INTO bench_bare VALUES ($1)),\n"
	"s AS (INSERT INTO tlsrpt.daily_reporter_sessions AS t\n"
	"  VALUES (current_date, $2, 'bench', NULL, 1, 100, 2)\n"
	"  ON CONFLICT ON CONSTRAINT daily_reporter_sessions_key DO UPDATE\n"
	"  SET reports = t.reports + 1, successful = t.successful + 100,\n"
	"    failed = t.failed + 2),\n"
	"r AS (INSERT INTO tlsrpt.reporter_domains AS t\n"
	"  VALUES ('bench', $2, current_date, current_date, 1, 1, 'id',\n"
	"    now(), now(), now(), 100, 2)\n"
	"  ON CONFLICT ON CONSTRAINT reporter_domains_pkey DO UPDATE\n"
	"  SET reports = t.reports + 1, last_day = excluded.last_day),\n"
	"d AS (INSERT INTO tlsrpt.policy_domains AS t\n"
	"  VALUES ($2, current_date, current_date, 1)\n"
	"  ON CONFLICT (policy_domain) DO UPDATE SET reports = t.reports + 1),\n"
	"p AS (INSERT INTO tlsrpt.daily_reporter_policies AS t\n"
	"  VALUES (current_date, $2, 'bench', NULL, 'sts', 'testing',\n"
	"    'mx.example', 86400, 1, 100, 2)\n"
	"  ON CONFLICT ON CONSTRAINT daily_reporter_policies_key DO UPDATE\n"
	"  SET reports = t.reports + 1),\n"
	"f AS (INSERT INTO tlsrpt.daily_reporter_failures AS t\n"
	"  VALUES (current_date, $2, 'bench', NULL, 'certificate-expired',\n"
	"    'mx.example', NULL, 1, 1, 1, 2)\n"
	"  ON CONFLICT ON CONSTRAINT daily_reporter_failures_key DO UPDATE\n"
	"  SET reports = t.reports + 1)\n"
	"INSERT INTO tlsrpt.daily_reporter_details AS t\n"
	"  VALUES (current_date, $2, 'bench', NULL, 'certificate-expired',\n"
	"    'mx.example', NULL, NULL, NULL, NULL, 1, 2)\n"
	"  ON CONFLICT ON CONSTRAINT daily_reporter_details_key DO UPDATE\n"
	"  SET reports = t.reports + 1";

int
main(int argc, char **argv)
{
	char domain[64];
	const char *params[2] = { "a report", domain };
	int figures = argc == 3 && strcmp(argv[2], "figures") == 0;
	PGconn *conn;
	PGresult *res;
	int ok;

	if (argc != 2 && !figures) {
		fprintf(stderr, "usage: bare-insert CONNINFO [figures]\n");
		return 64;
	}
	snprintf(domain, sizeof(domain), "bare%ld.example", (long)getpid());
	conn = PQconnectdb(argv[1]);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "bare-insert: %s", PQerrorMessage(conn));
		PQfinish(conn);
		return 75;
	}
	res = PQexecParams(conn, figures ? figures_sql : bare_sql, figures ? 2 : 1,
	    NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "bare-insert: %s", PQerrorMessage(conn));
	PQclear(res);
	PQfinish(conn);
	return ok ? 0 : 75;
}
