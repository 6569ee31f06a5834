/* pg.c - the PostgreSQL client of both programs
 *
 * A failure says what failed, why, and what to do: the postmaster reads
 * one line of it in the MTA's log, the user one line on stderr.  Which
 * files to load and which role to grant depend on the program asking,
 * and are the only thing that does.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/pg.h"

struct pg {
	PGconn		*conn;
	PgClient	 client;
	guint		 statement_timeout;
};

/* What each program says about a failure: what failed, what it needs. */
typedef struct pg_words {
	const char	*program;
	const char	*failed;	/* a statement failed */
	const char	*not_ready;	/* the database lacks what we need */
	const char	*files;		/* what to load */
	const char	*role;		/* what to grant */
	const char	*retry;		/* who retries after a temporary failure */
} PgWords;

static const PgWords pg_words[] = {
	[PG_INGEST] = {
		.program = "tlsrpt-ingest",
		.failed = "cannot store the report",
		.not_ready = "database not ready for reports",
		.files = PKGDATADIR "/schema.sql",
		.role = "tlsrpt_ingest",
		.retry = ": the MTA retries",
	},
	[PG_REPORT] = {
		.program = "tlsrpt-report",
		.failed = "cannot read the reports",
		.not_ready = "database not ready for tlsrpt-report",
		.files = PKGDATADIR "/schema.sql and " PKGDATADIR "/views.sql",
		.role = "tlsrpt_reader",
		.retry = "",
	},
};

/*
 * Settings of every transaction.  Dates as YYYY-MM-DD and times in UTC
 * are what the code parses, whatever PGDATESTYLE or the server say; no
 * JIT, since our statements are short and Debian's PostgreSQL compiles
 * a plan it guesses is large for longer than it runs (380 ms for a batch
 * that takes 30).
 */
static const char pg_settings[] =
	"SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; "
	"SET LOCAL TimeZone = 'UTC'; SET LOCAL jit = off";

/* How to get a database that holds any text a report may carry. */
static const char pg_utf8_fix[] = "create it with \"createdb -E UTF8 -T "
    "template0\" and load the schema there";

/* pg_first_line - the first line of a libpq message, its severity
 * dropped; owned
 *
 * libpq messages end in a newline and may carry DETAIL and HINT lines;
 * a log line has room for one.  A connection lost to a FATAL error
 * leaves only libpq's text, which starts with the severity.
 */
static char *
pg_first_line(const char *text)
{
	static const char *const severities[] = { "FATAL:  ", "ERROR:  ", "PANIC:  " };

	if (text == NULL || *text == '\0')
		return g_strdup("no message from the server");
	for (guint i = 0; i < G_N_ELEMENTS(severities); i++)
		if (g_str_has_prefix(text, severities[i]))
			text += strlen(severities[i]);
	return g_strndup(text, strcspn(text, "\n"));
}

/* pg_redacted - libpq's complaint about a connection string, without
 * the parts of the string it quotes; owned
 *
 * libpq quotes the offending part ("invalid percent-encoded token:
 * \"SECRET%zz\"", the whole URI for an unclosed "["), and that part may
 * hold a password.  Quoted single characters ("=", "]") are kept: they
 * say what was wrong and hide nothing.
 */
static char *
pg_redacted(const char *text)
{
	g_autofree char *line = pg_first_line(text);
	GString *out = g_string_new(NULL);
	const char *p = line;

	while (*p != '\0') {
		const char *close;

		if (*p != '"' || (close = strchr(p + 1, '"')) == NULL) {
			g_string_append_c(out, *p++);
			continue;
		}
		if (close - p <= 2)
			g_string_append_len(out, p, close - p + 1);
		else
			g_string_append(out, "\"...\"");
		p = close + 1;
	}
	return g_string_free(out, FALSE);
}

/* pg_encoding_ok - whether the database can store what reports say
 *
 * Reports carry any Unicode (an organisation's name in its own script, an
 * emoji); a database in LATIN1 or SQL_ASCII refuses some of it, and the
 * report would be refused as if it were invalid.  The server says its
 * encoding when we connect: a mistake of the site's, told once, before
 * any report is tried.
 */
static gboolean
pg_encoding_ok(Pg *pg, GError **error)
{
	const char *encoding = PQparameterStatus(pg->conn, "server_encoding");
	g_autofree char *shown = NULL;

	/* A pooler may not pass it on: then the server refuses (22P05). */
	if (encoding == NULL || strcmp(encoding, "UTF8") == 0)
		return TRUE;
	shown = g_strndup(encoding, strspn(encoding, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_-"));
	g_set_error(error, TLSRPT_ERROR, ERROR_CONFIG,
	    "database not ready for reports: its encoding is %s, and reports "
	    "need UTF8; %s", shown, pg_utf8_fix);
	return FALSE;
}

/* pg_new - connect */
Pg *
pg_new(const PgOptions *options, GError **error)
{
	const char *keywords[5], *values[5];
	g_autofree char *connect_timeout = NULL;
	gboolean conninfo = options->conninfo != NULL && *options->conninfo != '\0';
	char *parse_error = NULL;
	PQconninfoOption *parsed;
	int n = 0;
	Pg *pg;

	/* A string that does not parse is the site's mistake, not the
	 * server's: say so instead of pretending the server is down. */
	if (conninfo) {
		parsed = PQconninfoParse(options->conninfo, &parse_error);
		if (parsed == NULL) {
			g_autofree char *why = pg_redacted(parse_error);

			g_set_error(error, TLSRPT_ERROR, ERROR_CONFIG,
			    "bad connection string: %s", why);
			PQfreemem(parse_error);
			return NULL;
		}
		PQconninfoFree(parsed);
	}

	/* Our defaults come first, so that the environment and the
	 * conninfo (expanded in place of dbname) win, as with psql. */
	if (options->connect_timeout > 0 && g_getenv("PGCONNECT_TIMEOUT") == NULL) {
		connect_timeout = g_strdup_printf("%u", options->connect_timeout);
		keywords[n] = "connect_timeout";
		values[n++] = connect_timeout;
	}
	keywords[n] = "fallback_application_name";
	values[n++] = pg_words[options->client].program;
	/* A startup parameter that poolers know and pass on. */
	keywords[n] = "client_encoding";
	values[n++] = "UTF8";
	if (conninfo) {
		keywords[n] = "dbname";
		values[n++] = options->conninfo;
	}
	keywords[n] = NULL;
	values[n] = NULL;

	pg = g_new0(Pg, 1);
	pg->client = options->client;
	pg->statement_timeout = options->statement_timeout;
	pg->conn = PQconnectdbParams(keywords, values, 1);
	if (pg->conn == NULL || PQstatus(pg->conn) != CONNECTION_OK) {
		g_autofree char *why = pg_first_line(
		    pg->conn ? PQerrorMessage(pg->conn) : NULL);

		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "cannot connect to the database: %s", why);
		pg_free(pg);
		return NULL;
	}
	if (options->client == PG_INGEST && !pg_encoding_ok(pg, error)) {
		pg_free(pg);
		return NULL;
	}
	return pg;
}

/* pg_free - disconnect; NULL-safe */
void
pg_free(Pg *pg)
{
	if (pg == NULL)
		return;
	PQfinish(pg->conn);
	g_free(pg);
}

/* pg_class_of - what a failed statement means for the caller
 *
 * Everything a retry could cure is temporary, so that the MTA keeps the
 * message: a report is never lost for want of a database.
 */
static ErrorClass
pg_class_of(const char *sqlstate)
{
	static const char *const temporary[] = {
		"23505",	/* a race on another key */
		"25006",	/* read-only: a standby, a failover */
		"55P03",	/* lock not available */
	};

	if (sqlstate == NULL)				/* connection lost */
		return ERROR_TEMPORARY;
	for (guint i = 0; i < G_N_ELEMENTS(temporary); i++)
		if (strcmp(sqlstate, temporary[i]) == 0)
			return ERROR_TEMPORARY;
	if (strcmp(sqlstate, "42501") == 0		/* insufficient privilege */
	    || strcmp(sqlstate, "22P05") == 0)		/* text the database's
							 * encoding cannot hold */
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
	case '5' << 8 | '4':	/* program limit exceeded: a value past what
				 * the server can hold (an index row too
				 * large), for good */
		return ERROR_INVALID;
	case '4' << 8 | '2':	/* undefined table or column */
	case '3' << 8 | 'F':	/* undefined schema */
	case '0' << 8 | 'A':	/* feature not supported: server too old */
		return ERROR_CONFIG;
	}
	return ERROR_INTERNAL;
}

/* pg_advice - the fix for a failed statement, "; ..." or ""; owned */
static char *
pg_advice(const PgWords *words, const char *sqlstate)
{
	if (strcmp(sqlstate, "3F000") == 0 || strcmp(sqlstate, "42P01") == 0)
		return g_strdup_printf("; load %s into this database", words->files);
	if (strcmp(sqlstate, "42703") == 0 || strcmp(sqlstate, "42804") == 0)
		return g_strdup_printf("; the tables do not match this %s: load %s "
		    "to upgrade them, and undo what was changed by hand",
		    words->program, words->files);
	if (strcmp(sqlstate, "42501") == 0)
		return g_strdup_printf("; grant this user the role %s (load "
		    PKGDATADIR "/roles.sql)", words->role);
	if (strcmp(sqlstate, "25006") == 0)
		return g_strdup_printf("; the server is read-only (a standby?): "
		    "connect to the primary%s", words->retry);
	if (strcmp(sqlstate, "53100") == 0)
		return g_strdup_printf("; free space on the database server%s",
		    words->retry);
	if (strcmp(sqlstate, "22P05") == 0)
		return g_strdup_printf("; this database is not in UTF8: %s", pg_utf8_fix);
	if (strcmp(sqlstate, "53300") == 0)
		return g_strdup_printf("; raise the server's max_connections or "
		    "lower the number of clients%s", words->retry);
	if (pg_class_of(sqlstate) == ERROR_CONFIG)
		return g_strdup_printf("; load %s and grant its tables to this "
		    "user", words->files);
	return g_strdup("");
}

/* pg_fail - set error from a failed result and return its class */
ErrorClass
pg_fail(Pg *pg, const PGresult *res, GError **error)
{
	const PgWords *words = &pg_words[pg->client];
	const char *sqlstate, *primary;
	g_autofree char *why = NULL;
	g_autofree char *advice = NULL;
	ErrorClass class;

	sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	why = pg_first_line(primary ? primary : PQerrorMessage(pg->conn));
	class = pg_class_of(sqlstate);
	if (sqlstate == NULL) {
		g_set_error(error, TLSRPT_ERROR, class, "%s: %s", words->failed, why);
		return class;
	}
	advice = pg_advice(words, sqlstate);
	g_set_error(error, TLSRPT_ERROR, class, "%s: %s (SQLSTATE %s)%s",
	    class == ERROR_CONFIG ? words->not_ready : words->failed, why,
	    sqlstate, advice);
	return class;
}

/* pg_run - a statement without parameters that returns no rows */
static gboolean
pg_run(Pg *pg, const char *sql, GError **error)
{
	PGresult *res = PQexec(pg->conn, sql);
	gboolean ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		pg_fail(pg, res, error);
	PQclear(res);
	return ok;
}

/* pg_begin - start a transaction with the settings every one runs with */
gboolean
pg_begin(Pg *pg, const char *mode, GError **error)
{
	g_autofree char *sql = g_strdup_printf("BEGIN%s%s; %s; "
	    "SET LOCAL statement_timeout = '%us'", mode ? " " : "",
	    mode ? mode : "", pg_settings, pg->statement_timeout);

	return pg_run(pg, sql, error);
}

/* pg_commit - commit */
gboolean
pg_commit(Pg *pg, GError **error)
{
	return pg_run(pg, "COMMIT", error);
}

/* pg_rollback - end a failed transaction, if one is open
 *
 * A failed statement leaves the transaction aborted; a lost connection
 * leaves none to end.
 */
void
pg_rollback(Pg *pg)
{
	PGTransactionStatusType status = PQtransactionStatus(pg->conn);

	if (status != PQTRANS_IDLE && status != PQTRANS_UNKNOWN)
		PQclear(PQexec(pg->conn, "ROLLBACK"));
}

/* pg_exec - run a statement with text parameters */
PGresult *
pg_exec(Pg *pg, const char *sql, int nparams, const char *const *params,
    GError **error)
{
	PGresult *res = PQexecParams(pg->conn, sql, nparams, NULL, params,
	    NULL, NULL, 0);
	ExecStatusType status = PQresultStatus(res);

	if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK)
		return res;
	pg_fail(pg, res, error);
	PQclear(res);
	return NULL;
}

/* A COPY's rows go to the server in pieces of about this size. */
#define PG_COPY_CHUNK	(256 * 1024)

/* pg_copy - COPY data with the command sql */
gboolean
pg_copy(Pg *pg, const char *sql, const GString *data, GError **error)
{
	PGresult *res = PQexec(pg->conn, sql);
	gsize	off;
	gboolean ok;

	if (PQresultStatus(res) != PGRES_COPY_IN) {
		pg_fail(pg, res, error);
		PQclear(res);
		return FALSE;
	}
	PQclear(res);
	/* A failed PQputCopyData leaves its reason to PQgetResult. */
	for (off = 0; off < data->len; off += PG_COPY_CHUNK)
		if (PQputCopyData(pg->conn, data->str + off,
		    (int)MIN(PG_COPY_CHUNK, data->len - off)) != 1)
			break;
	PQputCopyEnd(pg->conn, NULL);
	res = PQgetResult(pg->conn);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		pg_fail(pg, res, error);
	PQclear(res);
	while ((res = PQgetResult(pg->conn)) != NULL)
		PQclear(res);
	return ok;
}

/* pg_text - a column as a string, NULL for SQL NULL */
const char *
pg_text(const PGresult *res, int row, int column)
{
	return PQgetisnull(res, row, column) ? NULL : PQgetvalue(res, row, column);
}

/* pg_int - a column as an integer, 0 for SQL NULL */
gint64
pg_int(const PGresult *res, int row, int column)
{
	return g_ascii_strtoll(PQgetvalue(res, row, column), NULL, 10);
}

/* pg_array_add - append text, or NULL, as an element of an array literal */
void
pg_array_add(GString *literal, const char *text)
{
	if (literal->str[literal->len - 1] != '{')
		g_string_append_c(literal, ',');
	if (text == NULL) {
		g_string_append(literal, "NULL");
		return;
	}
	g_string_append_c(literal, '"');
	for (; *text != '\0'; text++) {
		if (*text == '"' || *text == '\\')
			g_string_append_c(literal, '\\');
		g_string_append_c(literal, *text);
	}
	g_string_append_c(literal, '"');
}
