/* store.c - storing reports in PostgreSQL
 *
 * A report goes to the server as one statement: the normalized report as
 * one jsonb parameter, exploded into rows by data-modifying WITH clauses.
 * One statement is one implicit transaction, so all of a report's rows are
 * stored or none, and it costs one round trip after connecting: the
 * filter runs once per delivered message, and round trips are its cost.
 *
 * Idempotency rests on the unique constraint reports_same_report
 * (organization_name, report_id, sha256 of the parsed report): the same
 * report delivered twice, or by two racing deliveries, inserts nothing the
 * second time, and the statement says so by returning no id.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "error.h"
#include "store.h"

struct store {
	PGconn		*conn;
	gboolean	 prepared;	/* the batch statement "put" exists */
};

static const char store_insert_sql[] =
	"WITH report AS (SELECT $1::jsonb AS n),\n"
	"r AS (\n"
	"  INSERT INTO tlsrpt.reports (organization_name, contact_info,\n"
	"      report_id, start_datetime, end_datetime, raw, message_id,\n"
	"      message_from, tls_report_domain, tls_report_submitter)\n"
	"  SELECT n->>'organization-name', n->>'contact-info', n->>'report-id',\n"
	"      (n#>>'{date-range,start-datetime}')::timestamptz,\n"
	"      (n#>>'{date-range,end-datetime}')::timestamptz,\n"
	"      $2::jsonb, $3, $4, $5, $6\n"
	"  FROM report\n"
	"  ON CONFLICT ON CONSTRAINT reports_same_report DO NOTHING\n"
	"  RETURNING id\n"
	"),\n"
	"p AS (\n"
	"  INSERT INTO tlsrpt.policies (report, ordinal, policy_type,\n"
	"      policy_domain, policy_string, mx_host,\n"
	"      total_successful_session_count, total_failure_session_count)\n"
	"  SELECT r.id, e.ord, e.p#>>'{policy,policy-type}',\n"
	"      e.p#>>'{policy,policy-domain}',\n"
	"      CASE WHEN jsonb_typeof(e.p#>'{policy,policy-string}') = 'array' THEN\n"
	"        ARRAY(SELECT jsonb_array_elements_text(e.p#>'{policy,policy-string}')) END,\n"
	"      CASE WHEN jsonb_typeof(e.p#>'{policy,mx-host}') = 'array' THEN\n"
	"        ARRAY(SELECT jsonb_array_elements_text(e.p#>'{policy,mx-host}')) END,\n"
	"      (e.p#>>'{summary,total-successful-session-count}')::bigint,\n"
	"      (e.p#>>'{summary,total-failure-session-count}')::bigint\n"
	"  FROM r, report,\n"
	"      jsonb_array_elements(report.n->'policies') WITH ORDINALITY AS e(p, ord)\n"
	"  RETURNING id, ordinal\n"
	"),\n"
	"f AS (\n"
	"  INSERT INTO tlsrpt.failure_details (policy, ordinal, result_type,\n"
	"      sending_mta_ip, receiving_ip, receiving_mx_hostname,\n"
	"      receiving_mx_helo, failed_session_count, additional_information,\n"
	"      failure_reason_code)\n"
	"  SELECT p.id, d.ord, d.f->>'result-type',\n"
	"      (d.f->>'sending-mta-ip')::inet, (d.f->>'receiving-ip')::inet,\n"
	"      d.f->>'receiving-mx-hostname', d.f->>'receiving-mx-helo',\n"
	"      (d.f->>'failed-session-count')::bigint,\n"
	"      d.f->>'additional-information', d.f->>'failure-reason-code'\n"
	"  FROM p, report,\n"
	"      jsonb_array_elements(report.n->'policies'->(p.ordinal::int - 1)->'failure-details')\n"
	"        WITH ORDINALITY AS d(f, ord)\n"
	")\n"
	"SELECT (SELECT id FROM r),\n"
	"    EXISTS (SELECT 1 FROM tlsrpt.reports x, report\n"
	"        WHERE x.organization_name = report.n->>'organization-name'\n"
	"          AND x.report_id = report.n->>'report-id')";

/* store_first_line - the first line of a libpq message, owned
 *
 * libpq messages end in a newline and may carry DETAIL/HINT lines; a log
 * line has room for one.
 */
static char *
store_first_line(const char *text)
{
	if (text == NULL || *text == '\0')
		return g_strdup("no message from the server");
	return g_strndup(text, strcspn(text, "\n"));
}

/* store_class_of - what a failed statement means for the caller
 *
 * Everything a retry could cure is temporary, so the MTA keeps the
 * message: a report is never lost for want of a database.
 */
static ErrorClass
store_class_of(const char *sqlstate)
{
	if (sqlstate == NULL)				/* connection lost */
		return ERROR_TEMPORARY;
	if (strcmp(sqlstate, "23505") == 0)		/* a race on another key */
		return ERROR_TEMPORARY;
	if (strcmp(sqlstate, "25006") == 0)		/* read-only: a standby, failover */
		return ERROR_TEMPORARY;
	if (strcmp(sqlstate, "55P03") == 0)		/* lock not available */
		return ERROR_TEMPORARY;
	if (strcmp(sqlstate, "42501") == 0)		/* insufficient privilege */
		return ERROR_CONFIG;
	switch (sqlstate[0] << 8 | sqlstate[1]) {
	case '0' << 8 | '8':	/* connection exception */
	case '4' << 8 | '0':	/* serialization failure, deadlock */
	case '5' << 8 | '3':	/* insufficient resources: disk full, memory */
	case '5' << 8 | '7':	/* statement timeout, admin shutdown */
	case '5' << 8 | '8':	/* I/O error */
		return ERROR_TEMPORARY;
	case '2' << 8 | '2':	/* data exception: the report's content */
	case '2' << 8 | '3':	/* integrity: a check the parser missed */
		return ERROR_INVALID;
	case '4' << 8 | '2':	/* undefined table or column */
	case '3' << 8 | 'F':	/* undefined schema */
	case '0' << 8 | 'A':	/* feature not supported: server too old */
		return ERROR_CONFIG;
	}
	return ERROR_INTERNAL;
}

/* store_new - connect */
Store *
store_new(const StoreOptions *options, GError **error)
{
	const char *keywords[8];
	const char *values[8];
	g_autofree char *connect_timeout = NULL;
	g_autofree char *server_options = NULL;
	char *parse_error = NULL;
	PQconninfoOption *parsed;
	int n = 0;
	Store *store;

	/*
	 * A conninfo that does not parse is the site's mistake, not the
	 * server's: say so instead of pretending the server is down.
	 */
	if (options->conninfo != NULL && *options->conninfo != '\0') {
		parsed = PQconninfoParse(options->conninfo, &parse_error);
		if (parsed == NULL) {
			g_autofree char *why = store_first_line(parse_error);

			g_set_error(error, TLSRPT_ERROR, ERROR_CONFIG,
			    "bad connection string: %s", why);
			PQfreemem(parse_error);
			return NULL;
		}
		PQconninfoFree(parsed);
	}

	/*
	 * Our defaults come first so that the conninfo, expanded in place of
	 * dbname, overrides them.  The statement timeout travels in the
	 * startup packet: a SET would cost a round trip per message.
	 */
	if (options->connect_timeout > 0 && g_getenv("PGCONNECT_TIMEOUT") == NULL) {
		connect_timeout = g_strdup_printf("%u", options->connect_timeout);
		keywords[n] = "connect_timeout";
		values[n++] = connect_timeout;
	}
	if (options->statement_timeout > 0 && g_getenv("PGOPTIONS") == NULL) {
		server_options = g_strdup_printf("-c statement_timeout=%us",
		    options->statement_timeout);
		keywords[n] = "options";
		values[n++] = server_options;
	}
	keywords[n] = "fallback_application_name";
	values[n++] = "tlsrpt-ingest";
	keywords[n] = "client_encoding";
	values[n++] = "UTF8";
	if (options->conninfo != NULL && *options->conninfo != '\0') {
		keywords[n] = "dbname";
		values[n++] = options->conninfo;
	}
	keywords[n] = NULL;
	values[n] = NULL;

	store = g_new0(Store, 1);
	store->conn = PQconnectdbParams(keywords, values, 1);
	if (store->conn == NULL || PQstatus(store->conn) != CONNECTION_OK) {
		g_autofree char *why = store_first_line(
		    store->conn ? PQerrorMessage(store->conn) : NULL);

		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "cannot connect to the database: %s", why);
		store_free(store);
		return NULL;
	}
	return store;
}

/* store_free - disconnect; NULL-safe */
void
store_free(Store *store)
{
	if (store == NULL)
		return;
	PQfinish(store->conn);
	g_free(store);
}

/* store_fail - set error from a failed result (or a lost connection) */
static ErrorClass
store_fail(Store *store, const PGresult *res, GError **error)
{
	const char *sqlstate, *primary;
	g_autofree char *why = NULL;
	ErrorClass class;

	sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	why = store_first_line(primary ? primary : PQerrorMessage(store->conn));
	class = store_class_of(sqlstate);
	if (class == ERROR_CONFIG)
		g_set_error(error, TLSRPT_ERROR, class,
		    "database not ready for reports: %s (SQLSTATE %s); load "
		    PKGDATADIR "/schema.sql and grant its tables to this role",
		    why, sqlstate);
	else if (sqlstate != NULL)
		g_set_error(error, TLSRPT_ERROR, class,
		    "cannot store the report: %s (SQLSTATE %s)", why, sqlstate);
	else
		g_set_error(error, TLSRPT_ERROR, class,
		    "cannot store the report: %s", why);
	return class;
}

/* store_params - the statement's parameters for one report */
static void
store_params(const Message *message, const Report *report, const char *params[6])
{
	params[0] = json_object_to_json_string_ext(report->normalized,
	    JSON_C_TO_STRING_PLAIN);
	params[1] = report->raw;
	params[2] = message ? message->message_id : NULL;
	params[3] = message ? message->from : NULL;
	params[4] = message ? message->report_domain : NULL;
	params[5] = message ? message->report_submitter : NULL;
}

/* store_result - read the statement's one row into result */
static void
store_result(const PGresult *res, StoreResult *result)
{
	if (PQgetisnull(res, 0, 0)) {
		result->outcome = STORE_DUPLICATE;
		result->report_row = 0;
		result->clash = FALSE;
	} else {
		result->outcome = STORE_STORED;
		result->report_row = g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		result->clash = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	}
}

/* store_put - store one report in one transaction */
gboolean
store_put(Store *store, const Message *message, const Report *report,
    StoreResult *result, GError **error)
{
	const char *params[6];
	PGresult *res;
	gboolean ok;

	store_params(message, report, params);
	res = PQexecParams(store->conn, store_insert_sql, 6, NULL, params,
	    NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (ok)
		store_result(res, result);
	else
		store_fail(store, res, error);
	PQclear(res);
	return ok;
}

/* store_expect - read one command's result, which must have status want
 *
 * Returns the result (owned) or NULL with error set.  Consumes the NULL
 * that ends each command's results in pipeline mode.
 */
static PGresult *
store_expect(Store *store, ExecStatusType want, GError **error)
{
	PGresult *res = PQgetResult(store->conn);
	PGresult *end;

	if (res == NULL || PQresultStatus(res) != want) {
		store_fail(store, res, error);
		if (res != NULL && PQresultStatus(res) != PGRES_PIPELINE_SYNC)
			while ((end = PQgetResult(store->conn)) != NULL)
				PQclear(end);
		PQclear(res);
		return NULL;
	}
	if (want != PGRES_PIPELINE_SYNC)
		while ((end = PQgetResult(store->conn)) != NULL)
			PQclear(end);
	return res;
}

/* store_drain - read what is left of a pipeline up to its sync point */
static void
store_drain(Store *store)
{
	PGresult *res;

	for (;;) {
		res = PQgetResult(store->conn);
		if (res == NULL) {
			if (PQstatus(store->conn) != CONNECTION_OK)
				return;
			continue;
		}
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			return;
		}
		PQclear(res);
	}
}

/* store_send_batch - BEGIN, each item not yet refused, COMMIT, sync */
static gboolean
store_send_batch(Store *store, StoreItem *items, guint n)
{
	const char *params[6];
	guint i;

	if (!PQsendQueryParams(store->conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0))
		return FALSE;
	for (i = 0; i < n; i++) {
		if (items[i].error != NULL)
			continue;
		store_params(items[i].message, items[i].report, params);
		if (!PQsendQueryPrepared(store->conn, "put", 6, params, NULL, NULL, 0))
			return FALSE;
	}
	return PQsendQueryParams(store->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0)
	    && PQpipelineSync(store->conn);
}

/* store_run_batch - one attempt at a batch
 *
 * Returns FALSE with error when the batch as a whole failed.  When one
 * report alone is refused by the server (its data), that item's error is
 * set, *refused becomes TRUE and nothing is stored: the caller runs the
 * batch again without it.
 */
static gboolean
store_run_batch(Store *store, StoreItem *items, guint n, gboolean *refused,
    GError **error)
{
	PGresult *res;
	guint i;

	*refused = FALSE;
	if (!store_send_batch(store, items, n)) {
		store_fail(store, NULL, error);
		return FALSE;
	}
	if ((res = store_expect(store, PGRES_COMMAND_OK, error)) == NULL)
		goto abort;
	PQclear(res);
	for (i = 0; i < n; i++) {
		GError *item_error = NULL;

		if (items[i].error != NULL)
			continue;
		res = store_expect(store, PGRES_TUPLES_OK, &item_error);
		if (res != NULL) {
			store_result(res, &items[i].result);
			PQclear(res);
			continue;
		}
		if (error_class_of(item_error) == ERROR_INVALID) {
			items[i].error = item_error;
			*refused = TRUE;
		} else {
			g_propagate_error(error, item_error);
		}
		goto abort;
	}
	if ((res = store_expect(store, PGRES_COMMAND_OK, error)) == NULL)
		goto abort;
	PQclear(res);
	if ((res = store_expect(store, PGRES_PIPELINE_SYNC, error)) == NULL)
		return FALSE;
	PQclear(res);
	return TRUE;

abort:
	store_drain(store);
	return *refused;
}

/* store_put_batch - store many reports in one transaction */
gboolean
store_put_batch(Store *store, StoreItem *items, guint n, GError **error)
{
	gboolean refused, ok;

	if (!store->prepared) {
		PGresult *res = PQprepare(store->conn, "put", store_insert_sql, 6, NULL);

		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			store_fail(store, res, error);
			PQclear(res);
			return FALSE;
		}
		PQclear(res);
		store->prepared = TRUE;
	}
	if (!PQenterPipelineMode(store->conn)) {
		store_fail(store, NULL, error);
		return FALSE;
	}
	/* A refused report leaves the batch rolled back: run it again
	 * without that report, until it goes through or fails whole. */
	do
		ok = store_run_batch(store, items, n, &refused, error);
	while (ok && refused);
	PQexitPipelineMode(store->conn);
	return ok;
}
