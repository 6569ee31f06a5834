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
copy_file(PGconn *conn, const char *dir, const char *table, const char *columns)
{
	char path[4096], sql[512], buf[65536];
	PGresult *res;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s.copy", dir, table);
	snprintf(sql, sizeof(sql), "COPY tlsrpt.%s (%s) FROM STDIN", table, columns);
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
	copy_file(conn, argv[2], "reports", "id, organization_name, "
	    "contact_info, report_id, start_datetime, end_datetime, raw, "
	    "message_id, message_from, tls_report_domain, tls_report_submitter");
	copy_file(conn, argv[2], "policies", "id, report, ordinal, policy_type, "
	    "policy_domain, policy_string, mx_host, "
	    "total_successful_session_count, total_failure_session_count, "
	    "start_datetime");
	copy_file(conn, argv[2], "failure_details", "id, policy, ordinal, "
	    "result_type, sending_mta_ip, receiving_ip, receiving_mx_hostname, "
	    "receiving_mx_helo, failed_session_count, additional_information, "
	    "failure_reason_code, start_datetime");
	exec_ok(conn, "COMMIT");
	PQfinish(conn);
	return 0;
}
