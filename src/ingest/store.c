/* store.c - storing reports in PostgreSQL
 *
 * Each table's columns are declared once, below: a column's name, its SQL
 * type, and the member of Message, Report, ReportPolicy or ReportFailure
 * that holds its value.  Both ways of storing are written from those
 * declarations, so that adding a column is one line, and renaming a
 * member one edit the compiler checks.
 *
 * One delivered message is stored by one statement: the report's row as
 * parameters, its policies and failure-details as one array parameter per
 * column, unnested by data-modifying WITH clauses, so that all of the
 * report's rows are stored or none.  It runs in a transaction of its own
 * that carries the settings and the statement timeout (pg_begin): a
 * pooler in transaction mode keeps nothing from one to the next.
 *
 * A batch is one transaction: one statement inserts its reports, each
 * column an array parameter unnested, and hands back their ids; their
 * policies and failure-details, numbered by those ids, are COPYed
 * straight into their tables.  Four round trips per few hundred reports,
 * and nothing kept on the connection between transactions, so that a
 * pooler in transaction mode may hand each batch to another server
 * connection.
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

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "common/error.h"
#include "common/pg.h"
#include "store.h"

/* Where a column's value is: which struct holds it. */
typedef enum {
	STORE_IN_MESSAGE,	/* Message: NULL columns for a bare report */
	STORE_IN_VERDICT,	/* PolicyVerdict */
	STORE_IN_REPORT,	/* Report */
	STORE_IN_POLICY,	/* ReportPolicy */
	STORE_IN_FAILURE,	/* ReportFailure */
} StoreIn;

/* How the member holds it. */
typedef enum {
	STORE_TEXT,		/* char *, NULL: SQL NULL */
	STORE_INT64,		/* gint64 */
	STORE_TEXTS,		/* char **, NULL-terminated, as text[] */
	STORE_DKIM,		/* PolicyDkim, as its name */
} StoreKind;

typedef struct store_column {
	const char	*name;		/* the column */
	const char	*type;		/* its SQL type */
	StoreIn		 in;
	gsize		 offset;	/* of the member in its struct */
	StoreKind	 kind;
} StoreColumn;

/* STORE_KIND - the kind of a member, by its C type: a member whose type
 * changes must change its kind too, or the program does not compile */
#define STORE_KIND(member) _Generic((member), \
	char *: STORE_TEXT, gint64: STORE_INT64, char **: STORE_TEXTS, \
	PolicyDkim: STORE_DKIM)

/* STORE_COLUMN - column name of SQL type type is member of Struct */
#define STORE_COLUMN(name, type, in, Struct, member) \
	{ name, type, in, offsetof(Struct, member), \
	  STORE_KIND(((Struct *)NULL)->member) }

/* tlsrpt.reports, less its id and what the server fills in. */
static const StoreColumn store_report_columns[] = {
	STORE_COLUMN("organization_name", "text", STORE_IN_REPORT, Report, organization_name),
	STORE_COLUMN("contact_info", "text", STORE_IN_REPORT, Report, contact_info),
	STORE_COLUMN("report_id", "text", STORE_IN_REPORT, Report, report_id),
	STORE_COLUMN("start_datetime", "timestamptz", STORE_IN_REPORT, Report, start_datetime),
	STORE_COLUMN("end_datetime", "timestamptz", STORE_IN_REPORT, Report, end_datetime),
	/* The raw text was validated as JSON: it goes in as it came, so
	 * that the stored jsonb is the report as received. */
	STORE_COLUMN("raw", "jsonb", STORE_IN_REPORT, Report, raw),
	STORE_COLUMN("message_id", "text", STORE_IN_MESSAGE, Message, message_id),
	STORE_COLUMN("message_from", "text", STORE_IN_MESSAGE, Message, from),
	STORE_COLUMN("tls_report_domain", "text", STORE_IN_MESSAGE, Message, report_domain),
	STORE_COLUMN("tls_report_submitter", "text", STORE_IN_MESSAGE, Message, report_submitter),
	STORE_COLUMN("dkim", "text", STORE_IN_VERDICT, PolicyVerdict, dkim),
	STORE_COLUMN("dkim_domain", "text", STORE_IN_VERDICT, PolicyVerdict, dkim_domain),
	STORE_COLUMN("dkim_verifier", "text", STORE_IN_VERDICT, PolicyVerdict, dkim_verifier),
};

/* tlsrpt.policies, less id, report and ordinal. */
static const StoreColumn store_policy_columns[] = {
	STORE_COLUMN("policy_type", "text", STORE_IN_POLICY, ReportPolicy, policy_type),
	STORE_COLUMN("policy_domain", "text", STORE_IN_POLICY, ReportPolicy, policy_domain),
	STORE_COLUMN("policy_string", "text[]", STORE_IN_POLICY, ReportPolicy, policy_string),
	STORE_COLUMN("mx_host", "text[]", STORE_IN_POLICY, ReportPolicy, mx_host),
	STORE_COLUMN("total_successful_session_count", "bigint", STORE_IN_POLICY,
	    ReportPolicy, total_successful_session_count),
	STORE_COLUMN("total_failure_session_count", "bigint", STORE_IN_POLICY,
	    ReportPolicy, total_failure_session_count),
	/* The partition key, the report's. */
	STORE_COLUMN("start_datetime", "timestamptz", STORE_IN_REPORT, Report, start_datetime),
};

/* tlsrpt.failure_details, less id, policy and ordinal. */
static const StoreColumn store_failure_columns[] = {
	STORE_COLUMN("result_type", "text", STORE_IN_FAILURE, ReportFailure, result_type),
	STORE_COLUMN("sending_mta_ip", "inet", STORE_IN_FAILURE, ReportFailure, sending_mta_ip),
	STORE_COLUMN("receiving_ip", "inet", STORE_IN_FAILURE, ReportFailure, receiving_ip),
	STORE_COLUMN("receiving_mx_hostname", "text", STORE_IN_FAILURE, ReportFailure,
	    receiving_mx_hostname),
	STORE_COLUMN("receiving_mx_helo", "text", STORE_IN_FAILURE, ReportFailure,
	    receiving_mx_helo),
	STORE_COLUMN("failed_session_count", "bigint", STORE_IN_FAILURE, ReportFailure,
	    failed_session_count),
	STORE_COLUMN("additional_information", "text", STORE_IN_FAILURE, ReportFailure,
	    additional_information),
	STORE_COLUMN("failure_reason_code", "text", STORE_IN_FAILURE, ReportFailure,
	    failure_reason_code),
	STORE_COLUMN("start_datetime", "timestamptz", STORE_IN_REPORT, Report, start_datetime),
};

/* A table: its name and columns. */
typedef struct store_table {
	const char		*name;
	const StoreColumn	*columns;
	guint			 n_columns;
} StoreTable;

static const StoreTable store_reports = {
	"tlsrpt.reports", store_report_columns, G_N_ELEMENTS(store_report_columns)
};
static const StoreTable store_policies = {
	"tlsrpt.policies", store_policy_columns, G_N_ELEMENTS(store_policy_columns)
};
static const StoreTable store_failures = {
	"tlsrpt.failure_details", store_failure_columns, G_N_ELEMENTS(store_failure_columns)
};

/* What one row is made from: a report, and one of its policies and
 * failure-details when the row is theirs. */
typedef struct store_row {
	const Message		*message;	/* NULL: a bare report */
	const PolicyVerdict	*verdict;
	const Report		*report;
	const ReportPolicy	*policy;
	const ReportFailure	*failure;
} StoreRow;

struct store {
	Pg	*pg;
	/* The statements, written from the tables above. */
	char	*insert_sql;	/* one report */
	char	*reports_sql;	/* a batch's reports */
	char	*policies_copy;
	char	*failures_copy;
};

/* store_names - append the table's column names, each after prefix,
 * separated by ", " */
static void
store_names(GString *sql, const StoreTable *table, const char *prefix)
{
	for (guint i = 0; i < table->n_columns; i++)
		g_string_append_printf(sql, "%s%s%s", i > 0 ? ", " : "", prefix,
		    table->columns[i].name);
}

/* store_write_insert - the statement that stores one report
 *
 * $1..$n are the report's columns; then one text[] per policy column,
 * an element per policy; then the policy (1-based) and the ordinal of
 * each failure-detail, and one text[] per failure-details column.  One
 * row comes back: the new report's id (NULL for a duplicate) and whether
 * another report shares its organization-name, report-id and start
 * (tlsrpt.report_id_taken looks in that month's partition only: a lookup
 * in every partition would cost each delivery more than storing).
 *
 * sql/roles.sql grants the role tlsrpt_ingest exactly the columns this
 * statement reads back (RETURNING, report_id_taken): change them together;
 * tests/roles.test runs the corpus through that role.
 */
static char *
store_write_insert(void)
{
	GString	*sql = g_string_new("WITH r AS (\n  INSERT INTO tlsrpt.reports (");
	guint	i, n = 0;

	store_names(sql, &store_reports, "");
	g_string_append(sql, ")\n  VALUES (");
	for (i = 0; i < store_reports.n_columns; i++)
		g_string_append_printf(sql, "%s$%u::%s", i > 0 ? ", " : "", ++n,
		    store_report_columns[i].type);
	g_string_append(sql, ")\n"
	    "  ON CONFLICT ON CONSTRAINT reports_same_report DO NOTHING\n"
	    "  RETURNING id, organization_name, report_id, start_datetime\n"
	    "),\np AS (\n  INSERT INTO tlsrpt.policies (report, ordinal, ");
	store_names(sql, &store_policies, "");
	g_string_append(sql, ")\n  SELECT r.id, u.ordinal");
	for (i = 0; i < store_policies.n_columns; i++)
		g_string_append_printf(sql, ", u.c%u::%s", i, store_policy_columns[i].type);
	g_string_append(sql, "\n  FROM r, unnest(");
	for (i = 0; i < store_policies.n_columns; i++)
		g_string_append_printf(sql, "%s$%u::text[]", i > 0 ? ", " : "", ++n);
	g_string_append(sql, ") WITH ORDINALITY AS u(");
	for (i = 0; i < store_policies.n_columns; i++)
		g_string_append_printf(sql, "c%u, ", i);
	g_string_append(sql, "ordinal)\n  RETURNING id, ordinal\n"
	    "),\nf AS (\n  INSERT INTO tlsrpt.failure_details (policy, ordinal, ");
	store_names(sql, &store_failures, "");
	g_string_append(sql, ")\n  SELECT p.id, u.ordinal");
	for (i = 0; i < store_failures.n_columns; i++)
		g_string_append_printf(sql, ", u.c%u::%s", i, store_failure_columns[i].type);
	g_string_append_printf(sql, "\n  FROM p JOIN unnest($%u::int[], $%u::int[]",
	    n + 1, n + 2);
	n += 2;
	for (i = 0; i < store_failures.n_columns; i++)
		g_string_append_printf(sql, ", $%u::text[]", ++n);
	g_string_append(sql, ") AS u(policy, ordinal");
	for (i = 0; i < store_failures.n_columns; i++)
		g_string_append_printf(sql, ", c%u", i);
	/* report_id_taken reads the table as it was before this statement:
	 * the report just inserted is not in it. */
	g_string_append(sql, ") ON p.ordinal = u.policy\n)\n"
	    "SELECT (SELECT id FROM r), (SELECT tlsrpt.report_id_taken(\n"
	    "  organization_name, report_id, start_datetime) FROM r)");
	return g_string_free(sql, FALSE);
}

/*
 * The batch path.  The reports of one transaction come as parameters: $1
 * their ord (the index into items[]), $2 how many policies each has, then
 * one text[] per column of tlsrpt.reports, an element per report.  One
 * statement numbers them from the reports sequence, inserts them with
 * those ids and hands back, per ord, the id if it was inserted (NULL: a
 * duplicate, also of one earlier in the batch), whether it clashes, and
 * ids for its policies, so that the policies and failure-details can be
 * COPYed with their keys.  Nothing outlives the transaction: no
 * temporary table, no prepared statement, no setting.
 *
 * sql/roles.sql grants tlsrpt_ingest the two sequences: change them
 * together.
 */

/* store_write_reports - a batch's reports into tlsrpt.reports
 *
 * ON CONFLICT DO NOTHING also skips a report that an earlier row of the
 * same INSERT stored: the first copy in the batch is the one stored.
 * Rows go in key order, as in every other batch: two batches waiting on
 * each other's uncommitted reports would otherwise deadlock.  The input
 * is MATERIALIZED so that each row draws its id once.
 */
static char *
store_write_reports(void)
{
	GString	*sql = g_string_new("WITH u AS (\n  SELECT * FROM unnest($1::int[], "
	    "$2::int[]");
	guint	i;

	for (i = 0; i < store_reports.n_columns; i++)
		g_string_append_printf(sql, ", $%u::text[]", i + 3);
	g_string_append(sql, ")\n    AS u(ord, policies, ");
	store_names(sql, &store_reports, "");
	g_string_append(sql, ")\n),\ni AS MATERIALIZED (\n"
	    "  SELECT ord, policies, nextval('tlsrpt.reports_id_seq') AS id");
	for (i = 0; i < store_reports.n_columns; i++)
		g_string_append_printf(sql, ",\n      %s::%s AS %s",
		    store_report_columns[i].name, store_report_columns[i].type,
		    store_report_columns[i].name);
	g_string_append(sql, ",\n"
	    "      min(ord) OVER (PARTITION BY organization_name, report_id) < ord AS later\n"
	    "  FROM u\n"
	    "),\n"
	    "r AS (\n"
	    "  INSERT INTO tlsrpt.reports (id, ");
	store_names(sql, &store_reports, "");
	g_string_append(sql, ")\n  OVERRIDING SYSTEM VALUE\n  SELECT id, ");
	store_names(sql, &store_reports, "");
	g_string_append(sql, "\n"
	    "  FROM i ORDER BY organization_name, report_id, ord\n"
	    "  ON CONFLICT ON CONSTRAINT reports_same_report DO NOTHING\n"
	    "  RETURNING id\n"
	    ")\n"
	    "SELECT i.ord, r.id, r.id IS NOT NULL AND (i.later OR x.seen),\n"
	    "  CASE WHEN r.id IS NOT NULL THEN ARRAY(\n"
	    "    SELECT nextval('tlsrpt.policies_id_seq')\n"
	    "    FROM generate_series(1, i.policies)) END\n"
	    "FROM i LEFT JOIN r USING (id)\n"
	    /* A lookup per report: as an EXISTS, the planner may hash the
	     * whole reports table for every batch. */
	    "  LEFT JOIN LATERAL (SELECT true AS seen FROM tlsrpt.reports x\n"
	    "    WHERE x.start_datetime = i.start_datetime\n"
	    "      AND x.organization_name = i.organization_name\n"
	    "      AND x.report_id = i.report_id LIMIT 1) x ON true\n"
	    "ORDER BY i.ord");
	return g_string_free(sql, FALSE);
}

/* store_write_copy - COPY into the table: the keys, then its columns */
static char *
store_write_copy(const StoreTable *table, const char *keys)
{
	GString	*sql = g_string_new(NULL);

	g_string_append_printf(sql, "COPY %s (%s, ", table->name, keys);
	store_names(sql, table, "");
	g_string_append(sql, ") FROM STDIN");
	return g_string_free(sql, FALSE);
}

/* store_new - connect */
Store *
store_new(const PgOptions *options, GError **error)
{
	Pg	*pg = pg_new(options, error);
	Store	*store;

	if (pg == NULL)
		return NULL;
	store = g_new0(Store, 1);
	store->pg = pg;
	store->insert_sql = store_write_insert();
	store->reports_sql = store_write_reports();
	store->policies_copy = store_write_copy(&store_policies, "id, report, ordinal");
	store->failures_copy = store_write_copy(&store_failures, "policy, ordinal");
	return store;
}

/* store_free - disconnect; NULL-safe */
void
store_free(Store *store)
{
	if (store == NULL)
		return;
	pg_free(store->pg);
	g_free(store->insert_sql);
	g_free(store->reports_sql);
	g_free(store->policies_copy);
	g_free(store->failures_copy);
	g_free(store);
}

/* store_value - the text of column's value in row, NULL for SQL NULL
 *
 * Borrowed: from the row, a static string, or scratch (overwritten by
 * the next call).
 */
static const char *
store_value(const StoreColumn *column, const StoreRow *row, GString *scratch)
{
	const void *base = NULL;
	const char *member;

	switch (column->in) {
	case STORE_IN_MESSAGE:	base = row->message; break;
	case STORE_IN_VERDICT:	base = row->verdict; break;
	case STORE_IN_REPORT:	base = row->report; break;
	case STORE_IN_POLICY:	base = row->policy; break;
	case STORE_IN_FAILURE:	base = row->failure; break;
	}
	if (base == NULL)
		return NULL;
	member = (const char *)base + column->offset;
	switch (column->kind) {
	case STORE_TEXT:
		return *(char *const *)(const void *)member;
	case STORE_INT64:
		g_string_printf(scratch, "%" G_GINT64_FORMAT,
		    *(const gint64 *)(const void *)member);
		return scratch->str;
	case STORE_TEXTS: {
		char *const *texts = *(char **const *)(const void *)member;

		if (texts == NULL)
			return NULL;
		g_string_assign(scratch, "{");
		for (; *texts != NULL; texts++)
			pg_array_add(scratch, *texts);
		g_string_append_c(scratch, '}');
		return scratch->str;
	}
	case STORE_DKIM:
		return policy_dkim_name(*(const PolicyDkim *)(const void *)member);
	}
	return NULL;
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
	result->report_row = pg_int(res, row, id_column);
	result->clash = strcmp(PQgetvalue(res, row, id_column + 1), "t") == 0;
}

/* store_array_param - a text[] literal of column's value in each row of
 * table the report has: one per policy, or one per failure-detail; owned
 *
 * A column of the policies or failure-details tables may take its value
 * from the report (its start_datetime, say): it is repeated per row.
 */
static char *
store_array_param(const StoreTable *table, const StoreColumn *column,
    const StoreItem *item, GString *scratch)
{
	const Report *report = item->report;
	GString	*literal = g_string_new("{");
	StoreRow row = { .message = item->message, .verdict = item->verdict,
	    .report = report };

	for (guint p = 0; p < report->n_policies; p++) {
		row.policy = &report->policies[p];
		if (table != &store_failures) {
			pg_array_add(literal, store_value(column, &row, scratch));
			continue;
		}
		for (guint f = 0; f < row.policy->n_failure_details; f++) {
			row.failure = &row.policy->failure_details[f];
			pg_array_add(literal, store_value(column, &row, scratch));
		}
	}
	g_string_append_c(literal, '}');
	return g_string_free(literal, FALSE);
}

/* store_failure_keys - the policy (1-based) and ordinal of each
 * failure-detail, as two int[] literals; owned */
static void
store_failure_keys(const Report *report, char **policies, char **ordinals)
{
	GString	*p = g_string_new("{"), *o = g_string_new("{");

	for (guint i = 0; i < report->n_policies; i++)
		for (guint f = 0; f < report->policies[i].n_failure_details; f++) {
			g_string_append_printf(p, "%s%u", p->len > 1 ? "," : "", i + 1);
			g_string_append_printf(o, "%s%u", o->len > 1 ? "," : "", f + 1);
		}
	g_string_append_c(p, '}');
	g_string_append_c(o, '}');
	*policies = g_string_free(p, FALSE);
	*ordinals = g_string_free(o, FALSE);
}

/* store_statement - one report by the one-statement path */
static gboolean
store_statement(Store *store, StoreItem *item, GError **error)
{
	g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) scratch = g_string_new(NULL);
	StoreRow row = { .message = item->message,
	    .verdict = item->verdict, .report = item->report };
	char	*policies, *ordinals;
	PGresult *res;
	guint	i;

	for (i = 0; i < store_reports.n_columns; i++)
		g_ptr_array_add(params, g_strdup(store_value(&store_report_columns[i],
		    &row, scratch)));
	for (i = 0; i < store_policies.n_columns; i++)
		g_ptr_array_add(params, store_array_param(&store_policies,
		    &store_policy_columns[i], item, scratch));
	store_failure_keys(item->report, &policies, &ordinals);
	g_ptr_array_add(params, policies);
	g_ptr_array_add(params, ordinals);
	for (i = 0; i < store_failures.n_columns; i++)
		g_ptr_array_add(params, store_array_param(&store_failures,
		    &store_failure_columns[i], item, scratch));

	if (!pg_begin(store->pg, NULL, error))
		return FALSE;
	res = pg_exec(store->pg, store->insert_sql, (int)params->len,
	    (const char *const *)params->pdata, error);
	if (res == NULL || !pg_commit(store->pg, error)) {
		PQclear(res);
		pg_rollback(store->pg);
		return FALSE;
	}
	store_take_result(res, 0, 0, &item->result);
	PQclear(res);
	return TRUE;
}

/* store_copy_field - append text, or NULL, as a COPY text-format field
 * and a separator */
static void
store_copy_field(GString *out, const char *text, char separator)
{
	const char *p, *plain;

	if (text == NULL) {
		g_string_append(out, "\\N");
		g_string_append_c(out, separator);
		return;
	}
	for (p = plain = text; *p != '\0'; p++) {
		const char *escape;

		switch (*p) {
		case '\\': escape = "\\\\"; break;
		case '\t': escape = "\\t"; break;
		case '\n': escape = "\\n"; break;
		case '\r': escape = "\\r"; break;
		default: continue;
		}
		g_string_append_len(out, plain, p - plain);
		g_string_append(out, escape);
		plain = p + 1;
	}
	g_string_append(out, plain);
	g_string_append_c(out, separator);
}

/* store_copy_row - append the table's columns of row as the rest of a
 * COPY line, whose key fields the caller wrote */
static void
store_copy_row(GString *out, const StoreTable *table, const StoreRow *row,
    GString *scratch, gboolean more)
{
	for (guint i = 0; i < table->n_columns; i++)
		store_copy_field(out, store_value(&table->columns[i], row, scratch),
		    i + 1 < table->n_columns || more ? '\t' : '\n');
}

/* store_policy_rows - the policies and failure-details rows of a report
 *
 * ids is the server's "{1,2,3}": one new policy id per policy, in order.
 */
static void
store_policy_rows(GString *policies, GString *details, gint64 report_row,
    const StoreItem *item, const char *ids, GString *scratch)
{
	StoreRow row = { .message = item->message,
	    .verdict = item->verdict, .report = item->report };
	const char *p = ids + 1;

	for (guint i = 0; i < item->report->n_policies; i++) {
		char	*next;
		gint64	id = g_ascii_strtoll(p, &next, 10);

		p = next + 1;
		row.policy = &item->report->policies[i];
		row.failure = NULL;
		g_string_append_printf(policies, "%" G_GINT64_FORMAT "\t%"
		    G_GINT64_FORMAT "\t%u\t", id, report_row, i + 1);
		store_copy_row(policies, &store_policies, &row, scratch, FALSE);
		for (guint f = 0; f < row.policy->n_failure_details; f++) {
			row.failure = &row.policy->failure_details[f];
			g_string_append_printf(details, "%" G_GINT64_FORMAT "\t%u\t",
			    id, f + 1);
			store_copy_row(details, &store_failures, &row, scratch, FALSE);
		}
	}
}

/* store_batch_params - the parameters of store_write_reports' statement
 * for items[] not yet refused: owned text, one element per report */
static GPtrArray *
store_batch_params(const StoreItem *items, guint n, GString *scratch)
{
	GPtrArray *params = g_ptr_array_new_with_free_func(g_free);
	GString	*ords = g_string_new("{"), *policies = g_string_new("{");
	GString	*columns[G_N_ELEMENTS(store_report_columns)];
	guint	i, c;

	for (c = 0; c < store_reports.n_columns; c++)
		columns[c] = g_string_new("{");
	for (i = 0; i < n; i++) {
		StoreRow row = { .message = items[i].message,
		    .verdict = items[i].verdict, .report = items[i].report };

		if (items[i].error != NULL)
			continue;
		g_string_append_printf(ords, "%s%u", ords->len > 1 ? "," : "", i);
		g_string_append_printf(policies, "%s%u", policies->len > 1 ? "," : "",
		    items[i].report->n_policies);
		for (c = 0; c < store_reports.n_columns; c++)
			pg_array_add(columns[c], store_value(&store_report_columns[c],
			    &row, scratch));
	}
	g_string_append_c(ords, '}');
	g_string_append_c(policies, '}');
	g_ptr_array_add(params, g_string_free(ords, FALSE));
	g_ptr_array_add(params, g_string_free(policies, FALSE));
	for (c = 0; c < store_reports.n_columns; c++) {
		g_string_append_c(columns[c], '}');
		g_ptr_array_add(params, g_string_free(columns[c], FALSE));
	}
	return params;
}

/* store_batch - items[] not yet refused, in one transaction: a statement
 * for the reports, COPYs for their policies and failure-details */
static gboolean
store_batch(Store *store, StoreItem *items, guint n, GError **error)
{
	g_autoptr(GString) scratch = g_string_new(NULL);
	g_autoptr(GPtrArray) params = store_batch_params(items, n, scratch);
	g_autoptr(GString) rows = g_string_new(NULL);
	g_autoptr(GString) details = g_string_new(NULL);
	PGresult *res = NULL;
	int	row;

	if (!pg_begin(store->pg, NULL, error))
		return FALSE;
	res = pg_exec(store->pg, store->reports_sql, (int)params->len,
	    (const char *const *)params->pdata, error);
	if (res == NULL)
		goto fail;
	g_ptr_array_set_size(params, 0);
	for (row = 0; row < PQntuples(res); row++) {
		StoreItem *item = &items[pg_int(res, row, 0)];

		store_take_result(res, row, 1, &item->result);
		if (item->result.outcome == STORE_STORED)
			store_policy_rows(rows, details, item->result.report_row,
			    item, PQgetvalue(res, row, 3), scratch);
	}
	g_clear_pointer(&res, PQclear);
	if ((rows->len > 0 && !pg_copy(store->pg, store->policies_copy, rows, error)) ||
	    (details->len > 0 && !pg_copy(store->pg, store->failures_copy, details, error)) ||
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
 * parser checked it; a report past one of the server's own limits), or
 * for a reason nobody planned for, the reports are stored one by one
 * instead, so that the culprit alone is refused or deferred and the
 * others are stored: a report the server will never take must not hold
 * its batch back on every run.  Failures that would fail every report
 * (the connection, the configuration) fail the batch at once.
 */
gboolean
store_put(Store *store, StoreItem *items, guint n, GError **error)
{
	GError *batch_error = NULL;
	guint i, live = 0, last = 0;
	ErrorClass class;
	gboolean ok;

	for (i = 0; i < n; i++)
		if (items[i].error == NULL) {
			live++;
			last = i;
		}
	if (live == 0)
		return TRUE;
	if (live > 1)
		ok = store_batch(store, items, n, &batch_error);
	else
		ok = store_statement(store, &items[last], &batch_error);
	if (ok)
		return TRUE;
	class = error_class_of(batch_error);
	if (class != ERROR_INVALID && class != ERROR_INTERNAL) {
		g_propagate_error(error, batch_error);
		return FALSE;
	}
	if (live == 1) {
		items[last].error = batch_error;
		return TRUE;
	}
	g_clear_error(&batch_error);
	for (i = 0; i < n; i++)
		if (items[i].error == NULL && !store_put(store, &items[i], 1, error))
			return FALSE;
	return TRUE;
}
