/* batch.h - driving many inputs through the stages
 *
 * Inputs come from paths (Maildirs, directories, mbox files, messages and
 * bare report files) or from memory (standard input).  Parsing runs in
 * worker threads; one thread stores, many reports per transaction, each
 * report still all-or-nothing.  A processed file is deleted or moved only
 * after its report is committed, so an interruption at any moment loses
 * nothing: running again stores what was missing and finds the rest
 * already stored.
 */
#ifndef TLSRPT_BATCH_H
#define TLSRPT_BATCH_H

#include <glib.h>

#include "message.h"
#include "policy.h"
#include "report.h"
#include "store.h"

typedef enum {
	FATE_STORED,
	FATE_DUPLICATE,
	FATE_PARSED,		/* dry run: parsed, not stored */
	FATE_NOT_REPORT,
	FATE_INVALID,
	FATE_FOREIGN,		/* valid, but refused by the site's policy */
	FATE_DEFERRED,		/* try again later: the database, mostly */
	FATE_COUNT
} Fate;

typedef struct batch_options {
	PgOptions	 db;
	gsize		 max_message_size;
	gsize		 max_report_size;
	ReportLimits	 limits;
	PolicyOptions	 policy;		/* the site's acceptance rules */
	gboolean	 dry_run;
	gboolean	 delete_done;		/* unlink stored and duplicate files */
	const char	*move_done;		/* or move them here */
	const char	*move_failed;		/* move refused files here */
	guint		 jobs;			/* parsing threads; 0: parse inline */
} BatchOptions;

/* What became of one input, as the notify function sees it.  Everything
 * is borrowed for the duration of the call. */
typedef struct batch_input {
	const char		*name;		/* path, "path:offset" (mbox), "stdin" */
	const Message		*message;	/* NULL when not a message */
	const Report		*report;	/* NULL when not parsed */
	Fate			 fate;
	const StoreResult	*result;	/* FATE_STORED, FATE_DUPLICATE */
	const GError		*error;		/* refused or deferred: why */
	const char		*moved_to;	/* where the file went, or NULL */
} BatchInput;

typedef void (*BatchNotify)(const BatchInput *input, gpointer data);

typedef struct batch Batch;

/* batch_new - a batch that calls notify once per input, from one thread */
Batch *batch_new(const BatchOptions *options, BatchNotify notify,
    gpointer data);

/* batch_free - finish what is pending (as batch_finish), then free */
void batch_free(Batch *batch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Batch, batch_free)

/* batch_add_bytes - one input already in memory, such as standard input */
void batch_add_bytes(Batch *batch, GBytes *input, const char *name);

/* batch_add_path - every input under path
 *
 * A Maildir's cur/ and new/ (tmp/ is skipped), a directory recursed, an
 * mbox file message by message, any other file as one input.  A path that
 * cannot be read is ERROR_USAGE; nothing of it is queued.
 */
gboolean batch_add_path(Batch *batch, const char *path, GError **error);

/* batch_finish - store what is pending and wait for every input's notify */
void batch_finish(Batch *batch);

/* batch_count - how many inputs met fate so far */
guint64 batch_count(const Batch *batch, Fate fate);

#endif
