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
 * Idempotency rests on the unique constraint reports_same_report (sha256
 * of the parsed report, which holds its organization-name and report-id,
 * and start_datetime): the same report delivered twice, or by two racing
 * deliveries, inserts nothing the second time, and either way says so by
 * returning no id.  The tables are partitioned by the report's
 * start_datetime, which its policies and failure-details rows carry too;
 * the server's triggers keep the daily figures in the same transaction.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "common/error.h"
#include "common/pg.h"
#include "store.h"

struct store {
	Pg	*pg;
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
 * its organization-name, report-id and start (tlsrpt.report_id_taken
 * looks in that month's partition only: a lookup in every partition would
 * cost each delivery more than storing).  Set-based, so a batch costs the
 * server a fraction of a statement per report.
 *
 * sql/roles.sql grants the role tlsrpt_ingest exactly the columns this
 * statement reads back (RETURNING, report_id_taken): change them together;
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
	"  SELECT s.ord, r.id, s.n,\n"
	"      (s.n#>>'{date-range,start-datetime}')::timestamptz AS start\n"
	"  FROM r JOIN s ON r.organization_name = s.org\n"
	"   AND r.report_id = s.rid AND r.raw_sha256 = s.sha\n"
	"),\n"
	"p AS (\n"
	"  INSERT INTO tlsrpt.policies (report, ordinal, policy_type,\n"
	"      policy_domain, policy_string, mx_host,\n"
	"      total_successful_session_count, total_failure_session_count,\n"
	"      start_datetime)\n"
	"  SELECT rs.id, e.ord, e.p#>>'{policy,policy-type}',\n"
	"      e.p#>>'{policy,policy-domain}',\n"
	"      CASE WHEN jsonb_typeof(e.p#>'{policy,policy-string}') = 'array' THEN\n"
	"        ARRAY(SELECT jsonb_array_elements_text(e.p#>'{policy,policy-string}')) END,\n"
	"      CASE WHEN jsonb_typeof(e.p#>'{policy,mx-host}') = 'array' THEN\n"
	"        ARRAY(SELECT jsonb_array_elements_text(e.p#>'{policy,mx-host}')) END,\n"
	"      (e.p#>>'{summary,total-successful-session-count}')::bigint,\n"
	"      (e.p#>>'{summary,total-failure-session-count}')::bigint, rs.start\n"
	"  FROM rs, jsonb_array_elements(rs.n->'policies') WITH ORDINALITY AS e(p, ord)\n"
	"  RETURNING id, report, ordinal\n"
	"),\n"
	"f AS (\n"
	"  INSERT INTO tlsrpt.failure_details (policy, ordinal, result_type,\n"
	"      sending_mta_ip, receiving_ip, receiving_mx_hostname,\n"
	"      receiving_mx_helo, failed_session_count, additional_information,\n"
	"      failure_reason_code, start_datetime)\n"
	"  SELECT p.id, d.ord, d.f->>'result-type',\n"
	"      (d.f->>'sending-mta-ip')::inet, (d.f->>'receiving-ip')::inet,\n"
	"      d.f->>'receiving-mx-hostname', d.f->>'receiving-mx-helo',\n"
	"      (d.f->>'failed-session-count')::bigint,\n"
	"      d.f->>'additional-information', d.f->>'failure-reason-code', rs.start\n"
	"  FROM p JOIN rs ON rs.id = p.report,\n"
	"      jsonb_array_elements(rs.n->'policies'->(p.ordinal::int - 1)->'failure-details')\n"
	"        WITH ORDINALITY AS d(f, ord)\n"
	")\n"
	"SELECT rs.id, rs.id IS NOT NULL AND (later.clash OR tlsrpt.report_id_taken(\n"
	"    input.org, input.rid, (input.n#>>'{date-range,start-datetime}')::timestamptz))\n"
	"FROM input LEFT JOIN rs ON rs.ord = input.ord\n"
	"    LEFT JOIN later ON later.ord = input.ord\n"
	"ORDER BY input.ord";

/* store_new - connect */
Store *
store_new(const PgOptions *options, GError **error)
{
	Store *store = g_new0(Store, 1);

	store->pg = pg_new(options, error);
	if (store->pg == NULL)
		g_clear_pointer(&store, g_free);
	return store;
}

/* store_free - disconnect; NULL-safe */
void
store_free(Store *store)
{
	if (store == NULL)
		return;
	pg_free(store->pg);
	g_free(store);
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

	for (i = 0; i < n; i++) {
		if (items[i].error != NULL)
			continue;
		if (sent++ > 0)
			g_string_append_c(json, ',');
		store_append_item(json, items[i].message, items[i].report);
	}
	g_string_append_c(json, ']');
	params[0] = json->str;
	if (!pg_begin(store->pg, NULL, error))
		return FALSE;
	res = pg_exec(store->pg, store_insert_sql, 1, params, error);
	if (res == NULL || !pg_commit(store->pg, error)) {
		PQclear(res);
		pg_rollback(store->pg);
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
	"    WHERE x.start_datetime = i.start_datetime\n"
	"      AND x.organization_name = i.organization_name\n"
	"      AND x.report_id = i.report_id LIMIT 1) x ON true\n"
	"ORDER BY i.ord";

static const char store_policies_copy[] =
	"COPY tlsrpt.policies (id, report, ordinal, policy_type, policy_domain,\n"
	"  policy_string, mx_host, total_successful_session_count,\n"
	"  total_failure_session_count, start_datetime) FROM STDIN";

static const char store_details_copy[] =
	"COPY tlsrpt.failure_details (policy, ordinal, result_type,\n"
	"  sending_mta_ip, receiving_ip, receiving_mx_hostname,\n"
	"  receiving_mx_helo, failed_session_count, additional_information,\n"
	"  failure_reason_code, start_datetime) FROM STDIN";

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
	json_object *range = json_object_object_get(report->normalized, "date-range");
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
		copy_member(policies, summary, "total-failure-session-count", '\t');
		copy_member(policies, range, "start-datetime", '\n');

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
			copy_member(details, f, "failure-reason-code", '\t');
			copy_member(details, range, "start-datetime", '\n');
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
	if (!store->incoming) {
		res = pg_exec(store->pg, store_incoming_sql, 0, NULL, error);
		if (res == NULL)
			return FALSE;
		g_clear_pointer(&res, PQclear);
		store->incoming = TRUE;
	}
	if (!pg_begin(store->pg, NULL, error) ||
	    !pg_copy(store->pg, store_incoming_copy, rows, error))
		goto fail;

	res = pg_exec(store->pg, store_reports_sql, 0, NULL, error);
	if (res == NULL)
		goto fail;
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
	if ((rows->len > 0 && !pg_copy(store->pg, store_policies_copy, rows, error)) ||
	    (details->len > 0 && !pg_copy(store->pg, store_details_copy, details, error)) ||
	    !pg_commit(store->pg, error))
		goto fail;
	return TRUE;

fail:
	PQclear(res);
	pg_rollback(store->pg);
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
