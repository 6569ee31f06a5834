/* pipeline.h - driving inputs through the stages
 *
 * Each input goes input -> message -> decode -> report -> policy -> store,
 * and its file, if it has one, is deleted or moved once its fate is known.
 * Inputs come from paths (Maildirs, directories, mbox files, messages and
 * bare report files: batch mode, walked as tree.h says) or from memory
 * (standard input, an HTTP body).  A message that holds several report
 * parts is an input per part, each with its own fate; its file is moved
 * once all are known: to --move-done if every one was stored, to
 * --move-failed if one was refused, nowhere if one was deferred.  Parsing runs in worker threads; one thread stores, many reports
 * per transaction, each report still all-or-nothing.  A processed file is
 * deleted or moved only after its report is committed, so an interruption
 * at any moment loses nothing: running again stores what was missing and
 * finds the rest already stored.
 *
 * What is in flight is bounded by count and by bytes, so that memory
 * stays flat however many inputs there are and however large: a worker
 * waits to read a file while the inputs between it and the store hold
 * more than PIPELINE_INFLIGHT_BYTES (pipeline.c), unless nothing else
 * is in flight.
 */
#ifndef TLSRPT_PIPELINE_H
#define TLSRPT_PIPELINE_H

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
	FATE_SKIPPED,		/* batch: not a file to read (a symbolic
				 * link, a FIFO...): never opened, never moved */
	FATE_DEFERRED,		/* try again later: the database, mostly */
	FATE_COUNT
} Fate;

/* What the pipeline runs with.  The types of the numbers are those of the
 * command-line options that set them. */
typedef struct pipeline_config {
	PgOptions	 db;
	gint64		 max_message_size;	/* bytes, > 0 */
	gint64		 max_report_size;	/* bytes once inflated, > 0 */
	ReportLimits	 limits;
	PolicyOptions	 policy;		/* the site's acceptance rules */
	gboolean	 dry_run;
	gboolean	 delete_done;		/* unlink stored and duplicate files */
	char		*move_done;		/* or move them here; the caller's */
	char		*move_failed;		/* move refused files here */
	guint		 jobs;			/* parsing threads; 0: parse inline */
} PipelineConfig;

/* What became of one input, as the notify function sees it.  Everything
 * is borrowed for the duration of the call. */
typedef struct pipeline_input {
	const char		*name;		/* path, "path:offset" (mbox), "stdin" */
	guint			 part;		/* its report part, from 1 ... */
	guint			 parts;		/* ... of this many in its message */
	const Message		*message;	/* NULL when not a message */
	const Report		*report;	/* NULL when not parsed */
	Fate			 fate;
	const StoreResult	*result;	/* FATE_STORED, FATE_DUPLICATE */
	const GError		*error;		/* refused, skipped or deferred: why */
	const char		*moved_to;	/* where the file went, or NULL */
	const GError		*unmoved;	/* why it could not be moved or
						 * deleted as asked, or NULL */
} PipelineInput;

typedef void (*PipelineNotify)(const PipelineInput *input, gpointer data);

typedef struct pipeline Pipeline;

/* pipeline_new - a pipeline that calls notify once per input, from one
 * thread; config is copied, what it points to borrowed */
Pipeline *pipeline_new(const PipelineConfig *config, PipelineNotify notify,
    gpointer data);

/* pipeline_free - finish what is pending (as pipeline_finish), then free */
void pipeline_free(Pipeline *pipeline);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Pipeline, pipeline_free)

/* pipeline_add_bytes - one input already in memory, such as standard input */
void pipeline_add_bytes(Pipeline *pipeline, GBytes *input, const char *name);

/* pipeline_add_path - every input under path, as tree.h finds them
 *
 * An mbox file is an input per message, any other file one input, and
 * an entry the walk does not read (tree.h) one input too, skipped or
 * deferred.  Only path itself failing is an error, ERROR_USAGE.
 */
gboolean pipeline_add_path(Pipeline *pipeline, const char *path, GError **error);

/* pipeline_finish - store what is pending and wait for every input's notify */
void pipeline_finish(Pipeline *pipeline);

/* pipeline_count - how many inputs met fate so far */
guint64 pipeline_count(const Pipeline *pipeline, Fate fate);

/* pipeline_fate_worse - of two fates of a message's report parts, the
 * one that decides what becomes of it: deferred (it must come again)
 * over refused over stored */
Fate pipeline_fate_worse(Fate a, Fate b);

/* pipeline_unmoved - how many files could not be moved or deleted as
 * --move-done, --move-failed or --delete asked */
guint64 pipeline_unmoved(const Pipeline *pipeline);

#endif
