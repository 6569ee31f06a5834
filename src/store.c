/* store.c - storing reports in PostgreSQL
 *
 * Reports go to the server as one statement: the normalized reports as one
 * jsonb array parameter, exploded into rows by data-modifying WITH
 * clauses.  One statement is one implicit transaction, so all of a
 * report's rows are stored or none, and it costs one round trip after
 * connecting, for one delivered message as for a batch of hundreds.
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
	PGconn	*conn;
};

/*
 * $1 is a jsonb array of {"n": normalized report, "raw": report as
 * received, "h": [Message-ID, From, TLS-Report-Domain,
 * TLS-Report-Submitter, DKIM verdict, DKIM signing domain]}.  One row comes back per element, in order: the
 * new report's id (NULL for a duplicate) and whether another report shares
 * its organization-name and report-id.  Set-based, so a batch costs the
 * server a fraction of a statement per report.
 *
 * sql/roles.sql grants the role tlsrpt_ingest exactly the columns this
 * statement reads back (RETURNING, the EXISTS): change them together;
 * tests/roles.test runs the corpus through that role.
 */
static const char store_insert_sql[] =
	"WITH input AS (\n"
	"  SELECT t.ord, t.item->'n' AS n, t.item->'raw' AS raw, t.item->'h' AS h,\n"
	"      t.item->'n'->>'organization-name' AS org,\n"
	"      t.item->'n'->>'report-id' AS rid,\n"
	"      sha256(jsonb_send(t.item->'raw')) AS sha\n"
	"  FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(item, ord)\n"
	"),\n"
	"s AS (\n"
	"  SELECT DISTINCT ON (org, rid, sha) * FROM input ORDER BY org, rid, sha, ord\n"
	"),\n"
	"later AS (\n"
	"  SELECT ord, row_number() OVER (PARTITION BY org, rid ORDER BY ord) > 1 AS clash\n"
	"  FROM s\n"
	"),\n"
	"r AS (\n"
	"  INSERT INTO tlsrpt.reports (organization_name, contact_info,\n"
	"      report_id, start_datetime, end_datetime, raw, message_id,\n"
	"      message_from, tls_report_domain, tls_report_submitter, dkim,\n"
	"      dkim_domain)\n"
	"  SELECT org, n->>'contact-info', rid,\n"
	"      (n#>>'{date-range,start-datetime}')::timestamptz,\n"
	"      (n#>>'{date-range,end-datetime}')::timestamptz,\n"
	"      raw, h->>0, h->>1, h->>2, h->>3, h->>4, h->>5\n"
	"  FROM s ORDER BY ord\n"
	"  ON CONFLICT ON CONSTRAINT reports_same_report DO NOTHING\n"
	"  RETURNING id, organization_name, report_id, raw_sha256\n"
	"),\n"
	"rs AS (\n"
	"  SELECT s.ord, r.id, s.n FROM r JOIN s ON r.organization_name = s.org\n"
	"   AND r.report_id = s.rid AND r.raw_sha256 = s.sha\n"
	"),\n"
	"p AS (\n"
	"  INSERT INTO tlsrpt.policies (report, ordinal, policy_type,\n"
	"      policy_domain, policy_string, mx_host,\n"
	"      total_successful_session_count, total_failure_session_count)\n"
	"  SELECT rs.id, e.ord, e.p#>>'{policy,policy-type}',\n"
	"      e.p#>>'{policy,policy-domain}',\n"
	"      CASE WHEN jsonb_typeof(e.p#>'{policy,policy-string}') = 'array' THEN\n"
	"        ARRAY(SELECT jsonb_array_elements_text(e.p#>'{policy,policy-string}')) END,\n"
	"      CASE WHEN jsonb_typeof(e.p#>'{policy,mx-host}') = 'array' THEN\n"
	"        ARRAY(SELECT jsonb_array_elements_text(e.p#>'{policy,mx-host}')) END,\n"
	"      (e.p#>>'{summary,total-successful-session-count}')::bigint,\n"
	"      (e.p#>>'{summary,total-failure-session-count}')::bigint\n"
	"  FROM rs, jsonb_array_elements(rs.n->'policies') WITH ORDINALITY AS e(p, ord)\n"
	"  RETURNING id, report, ordinal\n"
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
	"  FROM p JOIN rs ON rs.id = p.report,\n"
	"      jsonb_array_elements(rs.n->'policies'->(p.ordinal::int - 1)->'failure-details')\n"
	"        WITH ORDINALITY AS d(f, ord)\n"
	")\n"
	"SELECT rs.id, rs.id IS NOT NULL AND (later.clash OR EXISTS (\n"
	"    SELECT 1 FROM tlsrpt.reports x\n"
	"    WHERE x.organization_name = input.org AND x.report_id = input.rid))\n"
	"FROM input LEFT JOIN rs ON rs.ord = input.ord\n"
	"    LEFT JOIN later ON later.ord = input.ord\n"
	"ORDER BY input.ord";

/* store_first_line - the first line of a libpq message, owned
 *
 * libpq messages end in a newline and may carry DETAIL/HINT lines; a log
 * line has room for one.
 */
static char *
store_first_line(const char *text)
{
	static const char *const severities[] = { "FATAL:  ", "ERROR:  ", "PANIC:  " };

	if (text == NULL || *text == '\0')
		return g_strdup("no message from the server");
	/* A connection lost to a FATAL error leaves only libpq's text,
	 * which starts with the severity, as a log line does not. */
	for (guint i = 0; i < G_N_ELEMENTS(severities); i++)
		if (g_str_has_prefix(text, severities[i]))
			text += strlen(severities[i]);
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

/* store_advice - what the postmaster can do about a failed statement
 *
 * The error line in the MTA's log is all the postmaster sees of it, so
 * it ends with the fix when there is one.
 */
static const char *
store_advice(const char *sqlstate)
{
	if (strcmp(sqlstate, "3F000") == 0 || strcmp(sqlstate, "42P01") == 0)
		return "; load " PKGDATADIR "/schema.sql into this database";
	if (strcmp(sqlstate, "42703") == 0 || strcmp(sqlstate, "42804") == 0)
		return "; the tables do not match this tlsrpt-ingest: load "
		    PKGDATADIR "/schema.sql to upgrade them, and undo what was "
		    "changed by hand";
	if (strcmp(sqlstate, "42501") == 0)
		return "; grant this user the role tlsrpt_ingest (load "
		    PKGDATADIR "/roles.sql)";
	if (strcmp(sqlstate, "25006") == 0)
		return "; the server is read-only (a standby?): connect to the "
		    "primary; the MTA retries";
	if (strcmp(sqlstate, "53100") == 0)
		return "; free space on the database server: the MTA retries";
	if (strcmp(sqlstate, "53300") == 0)
		return "; raise the server's max_connections or lower the "
		    "MTA's concurrency: the MTA retries";
	if (store_class_of(sqlstate) == ERROR_CONFIG)
		return "; load " PKGDATADIR "/schema.sql and grant its tables "
		    "to this user";
	return "";
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
		    "database not ready for reports: %s (SQLSTATE %s)%s",
		    why, sqlstate, store_advice(sqlstate));
	else if (sqlstate != NULL)
		g_set_error(error, TLSRPT_ERROR, class,
		    "cannot store the report: %s (SQLSTATE %s)%s", why, sqlstate,
		    store_advice(sqlstate));
	else
		g_set_error(error, TLSRPT_ERROR, class,
		    "cannot store the report: %s", why);
	return class;
}

/* store_append_item - one element of the statement's array to json */
static void
store_append_item(GString *json, const Message *message, const Report *report)
{
	const char *headers[6] = {
		message ? message->message_id : NULL,
		message ? message->from : NULL,
		message ? message->report_domain : NULL,
		message ? message->report_submitter : NULL,
		message ? message_dkim_name(message->dkim) : NULL,
		message ? message->dkim_domain : NULL,
	};
	json_object *h = json_object_new_array_ext(6);

	for (int i = 0; i < 6; i++)
		json_object_array_add(h, headers[i] ? json_object_new_string(headers[i]) : NULL);
	/* The raw text was validated as JSON: it goes in as it came, so that
	 * the stored jsonb is the report as received. */
	g_string_append(json, "{\"n\":");
	g_string_append(json, json_object_to_json_string_ext(report->normalized,
	    JSON_C_TO_STRING_PLAIN));
	g_string_append(json, ",\"raw\":");
	g_string_append(json, report->raw);
	g_string_append(json, ",\"h\":");
	g_string_append(json, json_object_to_json_string_ext(h, JSON_C_TO_STRING_PLAIN));
	g_string_append_c(json, '}');
	json_object_put(h);
}

/* store_run - the statement over items[] not yet refused, one round trip */
static gboolean
store_run(Store *store, StoreItem *items, guint n, GError **error)
{
	g_autoptr(GString) json = g_string_new("[");
	const char *params[1];
	PGresult *res;
	guint i, row = 0, sent = 0;
	gboolean ok;

	for (i = 0; i < n; i++) {
		if (items[i].error != NULL)
			continue;
		if (sent++ > 0)
			g_string_append_c(json, ',');
		store_append_item(json, items[i].message, items[i].report);
	}
	g_string_append_c(json, ']');
	params[0] = json->str;
	res = PQexecParams(store->conn, store_insert_sql, 1, NULL, params,
	    NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK && (guint)PQntuples(res) == sent;
	if (!ok) {
		store_fail(store, res, error);
		PQclear(res);
		return FALSE;
	}
	for (i = 0; i < n; i++) {
		StoreResult *result = &items[i].result;

		if (items[i].error != NULL)
			continue;
		if (PQgetisnull(res, row, 0)) {
			result->outcome = STORE_DUPLICATE;
			result->report_row = 0;
			result->clash = FALSE;
		} else {
			result->outcome = STORE_STORED;
			result->report_row = g_ascii_strtoll(PQgetvalue(res, row, 0),
			    NULL, 10);
			result->clash = strcmp(PQgetvalue(res, row, 1), "t") == 0;
		}
		row++;
	}
	PQclear(res);
	return TRUE;
}

/* store_put - store many reports in one transaction
 *
 * When the server refuses the batch for the data of one report (rare: the
 * parser checked it), the reports are stored one by one instead, so that
 * the culprit alone is refused.
 */
gboolean
store_put(Store *store, StoreItem *items, guint n, GError **error)
{
	GError *batch_error = NULL;
	guint i;

	if (store_run(store, items, n, &batch_error))
		return TRUE;
	if (n == 1 || error_class_of(batch_error) != ERROR_INVALID) {
		if (n == 1 && error_class_of(batch_error) == ERROR_INVALID) {
			items[0].error = batch_error;
			return TRUE;
		}
		g_propagate_error(error, batch_error);
		return FALSE;
	}
	g_clear_error(&batch_error);
	for (i = 0; i < n; i++)
		if (items[i].error == NULL && !store_put(store, &items[i], 1, error))
			return FALSE;
	return TRUE;
}
