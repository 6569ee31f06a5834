/* bare-copy.c - the floor: load prepared rows with COPY, one transaction
 *
 * usage: bare-copy CONNINFO COPYDIR
 *
 * Loads COPYDIR/reports.copy, policies.copy and failure_details.copy (as
 * written by gen-corpus) into the tlsrpt tables with plain COPY: no parsing,
 * no validation, no idempotency.  Nothing that stores these rows can be
 * faster on this machine; tlsrpt-ingest is measured against it.
 */
#include <stdio.h>
#include <stdlib.h>

#include <libpq-fe.h>

static void
die(PGconn *conn, const char *what)
{
	fprintf(stderr, "bare-copy: %s: %s", what, PQerrorMessage(conn));
	exit(1);
}

static void
exec_ok(PGconn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		die(conn, sql);
	PQclear(res);
}

static void
copy_file(PGconn *conn, const char *dir, const char *table)
{
	char path[4096], sql[256], buf[65536];
	PGresult *res;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s.copy", dir, table);
	snprintf(sql, sizeof(sql), "COPY tlsrpt.%s FROM STDIN", table);
	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		exit(1);
	}
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_IN)
		die(conn, sql);
	PQclear(res);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (PQputCopyData(conn, buf, (int)n) != 1)
			die(conn, "PQputCopyData");
	fclose(f);
	if (PQputCopyEnd(conn, NULL) != 1)
		die(conn, "PQputCopyEnd");
	res = PQgetResult(conn);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		die(conn, table);
	PQclear(res);
}

int
main(int argc, char **argv)
{
	PGconn *conn;

	if (argc != 3) {
		fprintf(stderr, "usage: bare-copy CONNINFO COPYDIR\n");
		return 64;
	}
	conn = PQconnectdb(argv[1]);
	if (PQstatus(conn) != CONNECTION_OK)
		die(conn, "connect");
	exec_ok(conn, "BEGIN");
	copy_file(conn, argv[2], "reports");
	copy_file(conn, argv[2], "policies");
	copy_file(conn, argv[2], "failure_details");
	exec_ok(conn, "COMMIT");
	PQfinish(conn);
	return 0;
}
