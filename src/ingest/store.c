/* store.c - storing reports in PostgreSQL
 *
 * One delivered message is stored by one statement: the normalized report
 * as a jsonb parameter, exploded into rows by data-modifying WITH clauses.
 * One statement is one implicit transaction, so all of the report's rows
 * are stored or none, and it costs one round trip after connecting.
 *
 * A batch goes the way of PostgreSQL's own bulk load: one transaction in
 * which the reports are COPYed into a temporary table and inserted from
 * there, and their policies and failure-details, numbered by the ids the
 * insert handed back, are COPYed straight into their tables.  Half a dozen
 * round trips per few hundred reports, and no jsonb taken apart on the
 * server; the statement costs the server three times as much per report.
 *
 * Idempotency rests on the unique constraint reports_same_report
 * (organization_name, report_id, sha256 of the parsed report): the same
 * report delivered twice, or by two racing deliveries, inserts nothing the
 * second time, and either way says so by returning no id.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "common/error.h"
#include "store.h"

struct store {
	PGconn	*conn;
	gboolean incoming;	/* tlsrpt_incoming created on this connection */
};

/* The columns of tlsrpt.reports that storing fills, in this order. */
#define STORE_REPORT_COLUMNS \
	"organization_name, contact_info, report_id, start_datetime, " \
	"end_datetime, raw, message_id, message_from, tls_report_domain, " \
	"tls_report_submitter, dkim, dkim_domain"

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
	"  INSERT INTO tlsrpt.reports (" STORE_REPORT_COLUMNS ")\n"
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

/* The message's columns of tlsrpt.reports, in STORE_REPORT_COLUMNS order. */
#define STORE_HEADERS	6

/* store_headers - what the message said, for the columns above; all
 * NULL for a bare report */
static void
store_headers(const Message *message, const char *headers[STORE_HEADERS])
{
	headers[0] = message ? message->message_id : NULL;
	headers[1] = message ? message->from : NULL;
	headers[2] = message ? message->report_domain : NULL;
	headers[3] = message ? message->report_submitter : NULL;
	headers[4] = message ? message_dkim_name(message->dkim) : NULL;
	headers[5] = message ? message->dkim_domain : NULL;
}

/* store_take_result - a result row: the new report's id (NULL: a
 * duplicate) in column id_column, whether it clashes in the next */
static void
store_take_result(const PGresult *res, int row, int id_column,
    StoreResult *result)
{
	if (PQgetisnull(res, row, id_column)) {
		result->outcome = STORE_DUPLICATE;
		result->report_row = 0;
		result->clash = FALSE;
		return;
	}
	result->outcome = STORE_STORED;
	result->report_row = g_ascii_strtoll(PQgetvalue(res, row, id_column),
	    NULL, 10);
	result->clash = strcmp(PQgetvalue(res, row, id_column + 1), "t") == 0;
}

/* store_append_item - one element of the statement's array to json */
static void
store_append_item(GString *json, const Message *message, const Report *report)
{
	const char *headers[STORE_HEADERS];
	json_object *h = json_object_new_array_ext(STORE_HEADERS);

	store_headers(message, headers);
	for (int i = 0; i < STORE_HEADERS; i++)
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

/* store_statement - the statement over items[] not yet refused */
static gboolean
store_statement(Store *store, StoreItem *items, guint n, GError **error)
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
	for (i = 0; i < n; i++)
		if (items[i].error == NULL)
			store_take_result(res, row++, 0, &items[i].result);
	PQclear(res);
	return TRUE;
}

/*
 * The batch path.  tlsrpt_incoming holds the reports of one transaction,
 * ord being the index into items[], each numbered from the reports
 * sequence as it is COPYed in.  The statement below inserts them with
 * those ids and hands back, per ord, the id if it was inserted (NULL: a
 * duplicate, also of one earlier in the batch), whether it clashes, and
 * ids for its policies, so that the policies and failure-details can be
 * COPYed with their keys.  The table lives as long as the connection and
 * empties at each commit.
 *
 * sql/roles.sql grants tlsrpt_ingest the temporary table and the two
 * sequences: change them together.
 */
static const char store_incoming_sql[] =
	"CREATE TEMPORARY TABLE tlsrpt_incoming (\n"
	"  ord integer,\n"
	"  id bigint DEFAULT nextval('tlsrpt.reports_id_seq'),\n"
	"  organization_name text, contact_info text, report_id text,\n"
	"  start_datetime timestamptz, end_datetime timestamptz, raw jsonb,\n"
	"  message_id text, message_from text, tls_report_domain text,\n"
	"  tls_report_submitter text, dkim text, dkim_domain text,\n"
	"  policies integer\n"
	") ON COMMIT DELETE ROWS";

static const char store_incoming_copy[] =
	"COPY tlsrpt_incoming (ord, " STORE_REPORT_COLUMNS ", policies) FROM STDIN";

/* ON CONFLICT DO NOTHING also skips a report that an earlier row of the
 * same INSERT stored: the first copy in the batch is the one stored.
 * Rows go in key order, as in every other batch: two batches waiting on
 * each other's uncommitted reports would otherwise deadlock. */
static const char store_reports_sql[] =
	"WITH i AS (\n"
	"  SELECT *,\n"
	"      min(ord) OVER (PARTITION BY organization_name, report_id) < ord AS later\n"
	"  FROM tlsrpt_incoming\n"
	"),\n"
	"r AS (\n"
	"  INSERT INTO tlsrpt.reports (id, " STORE_REPORT_COLUMNS ")\n"
	"  OVERRIDING SYSTEM VALUE\n"
	"  SELECT id, " STORE_REPORT_COLUMNS "\n"
	"  FROM i ORDER BY organization_name, report_id, ord\n"
	"  ON CONFLICT ON CONSTRAINT reports_same_report DO NOTHING\n"
	"  RETURNING id\n"
	")\n"
	"SELECT i.ord, r.id, r.id IS NOT NULL AND (i.later OR x.seen),\n"
	"  CASE WHEN r.id IS NOT NULL THEN ARRAY(\n"
	"    SELECT nextval('tlsrpt.policies_id_seq')\n"
	"    FROM generate_series(1, i.policies)) END\n"
	"FROM i LEFT JOIN r USING (id)\n"
	/* A lookup per report: as an EXISTS, with no statistics on the
	 * temporary table, the planner may hash the whole reports table
	 * for every batch. */
	"  LEFT JOIN LATERAL (SELECT true AS seen FROM tlsrpt.reports x\n"
	"    WHERE x.organization_name = i.organization_name\n"
	"      AND x.report_id = i.report_id LIMIT 1) x ON true\n"
	"ORDER BY i.ord";

static const char store_policies_copy[] =
	"COPY tlsrpt.policies (id, report, ordinal, policy_type, policy_domain,\n"
	"  policy_string, mx_host, total_successful_session_count,\n"
	"  total_failure_session_count) FROM STDIN";

static const char store_details_copy[] =
	"COPY tlsrpt.failure_details (policy, ordinal, result_type,\n"
	"  sending_mta_ip, receiving_ip, receiving_mx_hostname,\n"
	"  receiving_mx_helo, failed_session_count, additional_information,\n"
	"  failure_reason_code) FROM STDIN";

/* A COPY's rows go to the server in pieces of about this size. */
#define STORE_COPY_CHUNK	(256 * 1024)

/* copy_escape - append len bytes of text as a COPY text-format field */
static void
copy_escape(GString *out, const char *text, gsize len)
{
	const char *p = text, *end = text + len, *plain = text;

	for (; p < end; p++) {
		const char *escape;

		switch (*p) {
		case '\\': escape = "\\\\"; break;
		case '\t': escape = "\\t"; break;
		case '\n': escape = "\\n"; break;
		case '\r': escape = "\\r"; break;
		/* PostgreSQL text cannot hold NUL: the server refuses the
		 * row, as it refuses "\u0000" in the statement's jsonb. */
		case '\0': escape = "\\000"; break;
		default: continue;
		}
		g_string_append_len(out, plain, p - plain);
		g_string_append(out, escape);
		plain = p + 1;
	}
	g_string_append_len(out, plain, end - plain);
}

/* copy_field - append len bytes of text, or NULL, as a field and a
 * separator */
static void
copy_field(GString *out, const char *text, gsize len, char separator)
{
	if (text == NULL)
		g_string_append(out, "\\N");
	else
		copy_escape(out, text, len);
	g_string_append_c(out, separator);
}

/* copy_text - append a C string, or NULL, as a field and a separator */
static void
copy_text(GString *out, const char *text, char separator)
{
	copy_field(out, text, text != NULL ? strlen(text) : 0, separator);
}

/* copy_strings - append an array of JSON strings as a text[] field */
static void
copy_strings(GString *out, json_object *array, char separator)
{
	g_autoptr(GString) literal = NULL;
	gsize	i, n;

	if (array == NULL) {
		copy_field(out, NULL, 0, separator);
		return;
	}
	/* An array literal quotes every element, then the whole literal
	 * is escaped for COPY like any other text. */
	literal = g_string_new("{");
	n = json_object_array_length(array);
	for (i = 0; i < n; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(array, i));

		if (i > 0)
			g_string_append_c(literal, ',');
		g_string_append_c(literal, '"');
		for (; *s != '\0'; s++) {
			if (*s == '"' || *s == '\\')
				g_string_append_c(literal, '\\');
			g_string_append_c(literal, *s);
		}
		g_string_append_c(literal, '"');
	}
	g_string_append_c(literal, '}');
	copy_field(out, literal->str, literal->len, separator);
}

/* copy_member - append member key of object as a field */
static void
copy_member(GString *out, json_object *object, const char *key, char separator)
{
	json_object *value = json_object_object_get(object, key);

	if (value != NULL && json_object_is_type(value, json_type_int))
		g_string_append_printf(out, "%" G_GINT64_FORMAT "%c",
		    json_object_get_int64(value), separator);
	else if (value == NULL)
		copy_field(out, NULL, 0, separator);
	else
		copy_field(out, json_object_get_string(value),
		    (gsize)json_object_get_string_len(value), separator);
}

/* store_exec - run sql, which returns no rows; FALSE with error if it fails */
static gboolean
store_exec(Store *store, const char *sql, GError **error)
{
	PGresult *res = PQexec(store->conn, sql);
	gboolean ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		store_fail(store, res, error);
	PQclear(res);
	return ok;
}

/* store_copy - COPY the rows in data with the command sql */
static gboolean
store_copy(Store *store, const char *sql, GString *data, GError **error)
{
	PGresult *res = PQexec(store->conn, sql);
	gsize	off;
	gboolean ok;

	if (PQresultStatus(res) != PGRES_COPY_IN) {
		store_fail(store, res, error);
		PQclear(res);
		return FALSE;
	}
	PQclear(res);
	/* A failed PQputCopyData leaves its reason to PQgetResult. */
	for (off = 0; off < data->len; off += STORE_COPY_CHUNK)
		if (PQputCopyData(store->conn, data->str + off,
		    (int)MIN(STORE_COPY_CHUNK, data->len - off)) != 1)
			break;
	PQputCopyEnd(store->conn, NULL);
	res = PQgetResult(store->conn);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		store_fail(store, res, error);
	PQclear(res);
	while ((res = PQgetResult(store->conn)) != NULL)
		PQclear(res);
	return ok;
}

/* store_incoming_row - the tlsrpt_incoming row of items[ord] */
static void
store_incoming_row(GString *rows, guint ord, const Message *message,
    const Report *report)
{
	json_object *n = report->normalized;
	json_object *range = json_object_object_get(n, "date-range");
	const char *headers[STORE_HEADERS];

	store_headers(message, headers);
	g_string_append_printf(rows, "%u\t", ord);
	copy_member(rows, n, "organization-name", '\t');
	copy_member(rows, n, "contact-info", '\t');
	copy_member(rows, n, "report-id", '\t');
	copy_member(rows, range, "start-datetime", '\t');
	copy_member(rows, range, "end-datetime", '\t');
	copy_text(rows, report->raw, '\t');
	for (int i = 0; i < STORE_HEADERS; i++)
		copy_text(rows, headers[i], '\t');
	g_string_append_printf(rows, "%zu\n", json_object_array_length(
	    json_object_object_get(n, "policies")));
}

/* store_policy_rows - the policies and failure-details rows of a report
 *
 * ids is the server's "{1,2,3}": one new policy id per policy, in order.
 */
static void
store_policy_rows(GString *policies, GString *details, gint64 report_row,
    const Report *report, const char *ids)
{
	json_object *array = json_object_object_get(report->normalized, "policies");
	gsize	i, j, n = json_object_array_length(array);
	const char *p = ids + 1;

	for (i = 0; i < n; i++) {
		json_object *entry = json_object_array_get_idx(array, i);
		json_object *policy = json_object_object_get(entry, "policy");
		json_object *summary = json_object_object_get(entry, "summary");
		json_object *failures = json_object_object_get(entry, "failure-details");
		char	*next;
		gint64	id = g_ascii_strtoll(p, &next, 10);

		p = next + 1;
		g_string_append_printf(policies, "%" G_GINT64_FORMAT "\t%"
		    G_GINT64_FORMAT "\t%zu\t", id, report_row, i + 1);
		copy_member(policies, policy, "policy-type", '\t');
		copy_member(policies, policy, "policy-domain", '\t');
		copy_strings(policies, json_object_object_get(policy, "policy-string"), '\t');
		copy_strings(policies, json_object_object_get(policy, "mx-host"), '\t');
		copy_member(policies, summary, "total-successful-session-count", '\t');
		copy_member(policies, summary, "total-failure-session-count", '\n');

		for (j = 0; j < json_object_array_length(failures); j++) {
			json_object *f = json_object_array_get_idx(failures, j);

			g_string_append_printf(details, "%" G_GINT64_FORMAT "\t%zu\t",
			    id, j + 1);
			copy_member(details, f, "result-type", '\t');
			copy_member(details, f, "sending-mta-ip", '\t');
			copy_member(details, f, "receiving-ip", '\t');
			copy_member(details, f, "receiving-mx-hostname", '\t');
			copy_member(details, f, "receiving-mx-helo", '\t');
			copy_member(details, f, "failed-session-count", '\t');
			copy_member(details, f, "additional-information", '\t');
			copy_member(details, f, "failure-reason-code", '\n');
		}
	}
}

/* store_copy_batch - items[] not yet refused, in one transaction of COPYs */
static gboolean
store_copy_batch(Store *store, StoreItem *items, guint n, GError **error)
{
	g_autoptr(GString) rows = g_string_new(NULL);
	g_autoptr(GString) details = NULL;
	PGresult *res = NULL;
	guint	i;
	int	row;

	for (i = 0; i < n; i++)
		if (items[i].error == NULL)
			store_incoming_row(rows, i, items[i].message, items[i].report);
	if (!store->incoming && !store_exec(store, store_incoming_sql, error))
		return FALSE;
	store->incoming = TRUE;
	/* The planner knows nothing of the temporary table and guesses
	 * high: JIT-compiling the statement would cost more than running it
	 * (380 ms for a batch of 1,024 reports that takes 30 ms). */
	if (!store_exec(store, "BEGIN; SET LOCAL jit = off", error) ||
	    !store_copy(store, store_incoming_copy, rows, error))
		goto fail;

	res = PQexec(store->conn, store_reports_sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		store_fail(store, res, error);
		goto fail;
	}
	g_string_truncate(rows, 0);
	details = g_string_new(NULL);
	for (row = 0; row < PQntuples(res); row++) {
		StoreItem *item = &items[g_ascii_strtoull(PQgetvalue(res, row, 0), NULL, 10)];

		store_take_result(res, row, 1, &item->result);
		if (item->result.outcome == STORE_STORED)
			store_policy_rows(rows, details, item->result.report_row,
			    item->report, PQgetvalue(res, row, 3));
	}
	g_clear_pointer(&res, PQclear);
	if ((rows->len > 0 && !store_copy(store, store_policies_copy, rows, error)) ||
	    (details->len > 0 && !store_copy(store, store_details_copy, details, error)) ||
	    !store_exec(store, "COMMIT", error))
		goto fail;
	return TRUE;

fail:
	PQclear(res);
	/* A failed statement leaves the transaction aborted, a lost
	 * connection none to end. */
	if (PQtransactionStatus(store->conn) != PQTRANS_IDLE &&
	    PQtransactionStatus(store->conn) != PQTRANS_UNKNOWN)
		PQclear(PQexec(store->conn, "ROLLBACK"));
	return FALSE;
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
	guint i, live = 0;
	gboolean ok;

	for (i = 0; i < n; i++)
		live += items[i].error == NULL;
	if (live > 1)
		ok = store_copy_batch(store, items, n, &batch_error);
	else
		ok = store_statement(store, items, n, &batch_error);
	if (ok)
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
