/* bare-insert.c - the per-message floor: connect, insert one row, commit
 *
 * usage: bare-insert CONNINFO
 *
 * What any program storing one delivered message must at least do; the
 * one-message path of tlsrpt-ingest is measured against it.  The row goes
 * into a table of one text column, bench_bare, which the benchmark creates.
 */
#include <stdio.h>

#include <libpq-fe.h>

int
main(int argc, char **argv)
{
	const char *params[1] = { "a report" };
	PGconn *conn;
	PGresult *res;
	int ok;

	if (argc != 2) {
		fprintf(stderr, "usage: bare-insert CONNINFO\n");
		return 64;
	}
	conn = PQconnectdb(argv[1]);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "bare-insert: %s", PQerrorMessage(conn));
		PQfinish(conn);
		return 75;
	}
	res = PQexecParams(conn, "INSERT INTO bench_bare VALUES ($1)", 1, NULL,
	    params, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "bare-insert: %s", PQerrorMessage(conn));
	PQclear(res);
	PQfinish(conn);
	return ok ? 0 : 75;
}
