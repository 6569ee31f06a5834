/* pg.h - the PostgreSQL client of both programs
 *
 * Connecting (the connection string checked before libpq tries it, the
 * waits bounded, an application_name), the settings every transaction
 * runs with, and what a failed statement means: its error class, by
 * SQLSTATE, and one line saying what failed and how to fix it.  store.c
 * and query.c write the SQL; this file alone talks to libpq about
 * connections, transactions and failures.
 *
 * Nothing is set for the session as a whole: a pooler in transaction
 * mode (PgBouncer) hands each transaction to another server connection,
 * and refuses the "options" startup parameter.  Every setting is SET
 * LOCAL, in the transaction that needs it.
 */
#ifndef TLSRPT_PG_H
#define TLSRPT_PG_H

#include <glib.h>
#include <libpq-fe.h>

#include "common/error.h"

/* Who is asking: it decides the advice in error messages (which files
 * to load, which role to grant). */
typedef enum {
	PG_INGEST,		/* tlsrpt-ingest: stores reports */
	PG_REPORT,		/* tlsrpt-report: reads them */
} PgClient;

typedef struct pg_options {
	PgClient	 client;
	const char	*conninfo;		/* libpq conninfo or URI; NULL or "":
						 * libpq's environment */
	guint		 connect_timeout;	/* seconds; 0: libpq's */
	guint		 statement_timeout;	/* seconds per statement; 0: none */
} PgOptions;

typedef struct pg Pg;

/* pg_new - connect
 *
 * Errors: ERROR_CONFIG for a connection string that does not parse, and
 * for tlsrpt-ingest a database whose encoding is not UTF8 (it would
 * refuse what some reports say); ERROR_TEMPORARY when the server cannot
 * be reached or refuses us.  Messages never contain a password, whatever
 * the string held.
 */
Pg *pg_new(const PgOptions *options, GError **error);
void pg_free(Pg *pg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Pg, pg_free)

/* pg_begin - start a transaction with the settings every one runs with
 *
 * mode is what follows BEGIN ("ISOLATION LEVEL REPEATABLE READ READ
 * ONLY"), or NULL.  Dates and times come back in ISO format and UTC
 * whatever the server's or the environment's defaults (PGDATESTYLE,
 * PGTZ), text in UTF-8, and each statement ends after the options'
 * statement_timeout.  One round trip.
 */
gboolean pg_begin(Pg *pg, const char *mode, GError **error);

/* pg_commit - commit; FALSE with an error if the server would not */
gboolean pg_commit(Pg *pg, GError **error);

/* pg_rollback - end a transaction that failed, if one is open */
void pg_rollback(Pg *pg);

/* pg_exec - run a statement with text parameters (NULL: SQL NULL)
 *
 * Returns its result, owned (PQclear it), or NULL with an error as
 * pg_fail sets it.  A statement that returns no rows is a success too.
 */
PGresult *pg_exec(Pg *pg, const char *sql, int nparams,
    const char *const *params, GError **error);

/* pg_copy - COPY data (text format rows) with the command sql */
gboolean pg_copy(Pg *pg, const char *sql, const GString *data, GError **error);

/* pg_fail - set error from a failed result (NULL: the connection's
 * error) and return its class
 *
 * Classes: a lost connection, a timeout, a serialization failure or
 * deadlock, resources or a read-only server are ERROR_TEMPORARY; data the
 * server refuses, or a value past one of its limits (SQLSTATE 54xxx: an
 * index row too large), ERROR_INVALID, for good; a missing or different
 * schema, a missing privilege or text the database's encoding cannot hold
 * ERROR_CONFIG; anything else ERROR_INTERNAL.  The message is one line:
 * what failed, the server's reason, the SQLSTATE and the fix, e.g.
 * "database not ready for reports: permission denied for table reports
 * (SQLSTATE 42501); grant this user the role tlsrpt_ingest (load
 * .../roles.sql)".
 */
ErrorClass pg_fail(Pg *pg, const PGresult *res, GError **error);

/* pg_text - a column as a string, NULL for SQL NULL; borrowed */
const char *pg_text(const PGresult *res, int row, int column);

/* pg_int - a column as an integer, 0 for SQL NULL */
gint64 pg_int(const PGresult *res, int row, int column);

/* pg_array_add - append text, or NULL, as an element of the array
 * literal being written in literal (which starts with "{"): a text[]
 * parameter, quoted as the server reads it */
void pg_array_add(GString *literal, const char *text);

#endif
