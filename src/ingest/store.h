/* store.h - storing reports in PostgreSQL
 *
 * The only part of the program that knows PostgreSQL.  A report is written
 * in one transaction, so all of its rows are stored or none, and storing is
 * idempotent: a report already stored (same organization-name, report-id
 * and parsed content) is a duplicate, also when two deliveries race.
 */
#ifndef TLSRPT_STORE_H
#define TLSRPT_STORE_H

#include <glib.h>

#include "common/pg.h"
#include "message.h"
#include "policy.h"
#include "report.h"

typedef struct store Store;

typedef enum {
	STORE_STORED,
	STORE_DUPLICATE,
} StoreOutcome;

typedef struct store_result {
	StoreOutcome	outcome;
	gint64		report_row;	/* tlsrpt.reports.id, stored or existing-duplicate: 0 */
	gboolean	clash;		/* stored, but another report shares its
					 * organization-name and report-id */
} StoreResult;

/* store_new - connect, as pg_new does */
Store *store_new(const PgOptions *options, GError **error);
void store_free(Store *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Store, store_free)

typedef struct store_item {
	const Message	*message;	/* borrowed; NULL for a bare report */
	const Report	*report;	/* borrowed */
	const PolicyVerdict *verdict;	/* borrowed: the site's rules on it */
	StoreResult	 result;	/* set when the batch went through */
	GError		*error;		/* owned by the caller: set when the
					 * server refused this report alone */
} StoreItem;

/* store_put - store many reports in one transaction
 *
 * Each report stays all-or-nothing: one the server refuses for its data
 * or past one of its limits (ERROR_INVALID), or for a reason nobody
 * planned for (ERROR_INTERNAL), gets item->error and is left out, and the
 * others are stored without it.  Returns FALSE with error when the batch
 * failed as a whole: then nothing of it is stored.  Errors are classified
 * by SQLSTATE: connection loss, timeouts, serialization and resource
 * failures are ERROR_TEMPORARY; a missing or wrong schema or privilege,
 * or a database that cannot hold UTF-8, ERROR_CONFIG; anything else
 * ERROR_INTERNAL.  One report is one statement: one round trip and one
 * commit.  More are one transaction, a statement and two COPYs for
 * hundreds of files; the role needs USAGE on tlsrpt.reports_id_seq and
 * tlsrpt.policies_id_seq for that (sql/roles.sql).  Nothing is left on
 * the connection between transactions: a pooler in transaction mode may
 * give each to another server connection.
 */
gboolean store_put(Store *store, StoreItem *items, guint n, GError **error);

#endif
