/* pipeline.c - driving inputs through the stages
 *
 * Three kinds of thread, joined by queues:
 *
 *	caller (pipeline_add_*)	walks paths and queues jobs
 *	workers			read and judge: message, decode, report,
 *				policy
 *	store thread		stores parsed reports in batches, moves
 *				files, calls notify
 *
 * Parsing is CPU work that scales with cores; storing is one connection,
 * one transaction per batch.  Jobs travel the queues in bundles: waking a
 * thread is a system call, and for each small input one costs as much as
 * reading it.  A job goes back to the worker that parsed it to be freed:
 * malloc locks the arena of the thread that allocated, and a store thread
 * freeing what a worker allocates would fight it for that lock.  At most
 * PIPELINE_INFLIGHT inputs are between the caller and the store thread,
 * so memory stays flat however many files there are.
 * With jobs == 0 (one message on standard input) there are no threads at
 * all: the caller parses and stores inline.
 */
#define _GNU_SOURCE	/* renameat2(), RENAME_NOREPLACE */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "decode.h"
#include "input.h"
#include "mbox.h"
#include "pipeline.h"
#include "tree.h"

#define PIPELINE_REPORTS	256		/* reports per transaction */
#define PIPELINE_BYTES		(16 * 1024 * 1024) /* or this much JSON */
#define PIPELINE_INFLIGHT	1024		/* inputs queued at most */
#define PIPELINE_BUNDLE		32		/* inputs handed on at once */
#define PIPELINE_IDLE		(50 * 1000)	/* microseconds without input
						 * before a partial batch is stored */

/* One input on its way through the stages. */
typedef struct job {
	char		*name;		/* owned: for log lines */
	char		*path;		/* owned: the file to move, or NULL */
	GBytes		*input;		/* owned, or NULL: read path */
	Message		*message;	/* owned, once parsed */
	Report		*report;	/* owned, once parsed */
	PolicyVerdict	 verdict;	/* the site's rules on it */
	GError		*error;		/* owned: why it was refused */
	StoreItem	 item;		/* the store's view of it */
	GAsyncQueue	*home;		/* its worker's, to be freed there; NULL: inline */
} Job;

/* A parsing thread, and the jobs it has to free. */
typedef struct worker {
	Pipeline	*pipeline;
	GThread		*thread;
	GAsyncQueue	*recycle;	/* Job *: done with, to be freed */
} Worker;

struct pipeline {
	PipelineConfig	 config;
	PipelineNotify	 notify;
	gpointer	 notify_data;

	Store		*store;		/* connected on first need */
	GPtrArray	*pending;	/* Job *: parsed, waiting to be stored */
	gsize		 pending_bytes;
	guint64		 counts[FATE_COUNT];

	/* Threads: bundles of jobs (GPtrArray of Job *) go caller ->
	 * workers -> store thread. */
	GPtrArray	*bundle;	/* the caller's, not yet handed on */
	GAsyncQueue	*to_parse;
	GAsyncQueue	*to_store;
	Worker		*workers;
	GThread		*storer;
	GMutex		 lock;		/* guards inflight and waiting */
	GCond		 drained;
	guint		 inflight;
	gboolean	 waiting;	/* the caller waits for inflight to drop */
};

/* The end of a queue: a bundle pointer no bundle has. */
static GPtrArray end_of_jobs;

/* job_free - free a job and all it owns */
static void
job_free(Job *job)
{
	g_free(job->name);
	g_free(job->path);
	if (job->input != NULL)
		g_bytes_unref(job->input);
	message_free(job->message);
	report_free(job->report);
	policy_verdict_clear(&job->verdict);
	g_clear_error(&job->error);
	g_clear_error(&job->item.error);
	g_free(job);
}

/* job_parse - the stages that judge an input: read, find the report in
 * the message, decode, parse, apply the site's rules; sets job->error on
 * refusal
 *
 * Each stage takes what the one before made, once: a refused report is
 * still named in the log by its message and its report.
 */
static void
job_parse(const PipelineConfig *config, Job *job)
{
	g_autoptr(GBytes) json = NULL;

	if (job->input == NULL) {
		job->input = input_read_file(job->path, (gsize)config->max_message_size,
		    &job->error);
		if (job->input == NULL)
			return;
	} else if (!input_within(job->input, (gsize)config->max_message_size,
	    job->name, &job->error)) {
		return;
	}
	job->message = message_new();
	if (!message_parse(job->message, job->input, &job->error))
		return;
	json = decode_report(job->message->payload, (gsize)config->max_report_size,
	    job->message->payload_desc, &job->error);
	if (json == NULL)
		return;
	job->report = report_new(g_bytes_get_data(json, NULL),
	    g_bytes_get_size(json), &config->limits, &job->error);
	if (job->report == NULL)
		return;
	if (!policy_judge(&config->policy, job->message, job->input, job->report,
	    &job->verdict, &job->error))
		return;
	/* The input is not needed any more; the batch may hold many jobs. */
	g_clear_pointer(&job->input, g_bytes_unref);
}

/* fate_of_error - the fate of an input that failed with error */
static Fate
fate_of_error(const GError *error)
{
	switch (error_class_of(error)) {
	case ERROR_NOT_REPORT:
		return FATE_NOT_REPORT;
	case ERROR_INVALID:
		return FATE_INVALID;
	case ERROR_FOREIGN:
		return FATE_FOREIGN;
	default:
		return FATE_DEFERRED;
	}
}

/* move_once - move path to the name target, never over another file
 *
 * Returns 0, or -1 with errno; EEXIST when target is taken.
 */
static int
move_once(const char *path, const char *target)
{
	int saved;

#ifdef HAVE_RENAMEAT2
	/* One step: killed at any moment, the file is in one place. */
	if (renameat2(AT_FDCWD, path, AT_FDCWD, target, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
#endif
	/* Where the file system cannot, link and unlink: a kill between the
	 * two leaves the file in both places, never in neither. */
	if (link(path, target) != 0)
		return -1;
	if (unlink(path) == 0 || errno == ENOENT)
		return 0;
	saved = errno;
	(void)unlink(target);
	errno = saved;
	return -1;
}

/* move_file - move path into dir: Maildir-safe, never a copy
 *
 * Into a Maildir (dir has cur/), the file goes to its cur/.  An existing
 * name is never overwritten: a suffix is tried instead.  Returns the new
 * name (owned) or NULL with errno set.
 */
static char *
move_file(const char *path, const char *dir)
{
	g_autofree char *base = g_path_get_basename(path);
	g_autofree char *cur = g_build_filename(dir, "cur", NULL);
	const char *into = g_file_test(cur, G_FILE_TEST_IS_DIR) ? cur : dir;
	char *target = g_build_filename(into, base, NULL);
	int i;

	for (i = 1; move_once(path, target) != 0; i++) {
		if (errno != EEXIST || i > 1000) {
			int saved = errno;

			g_free(target);
			errno = saved;
			return NULL;
		}
		g_free(target);
		target = g_strdup_printf("%s/%s.%d", into, base, i);
	}
	return target;
}

/* pipeline_dispose - what becomes of a job's file once its fate is known
 *
 * Runs only after the report is committed (or refused): until then the
 * file stays where it was.  A failure to move is reported as the job's
 * error but does not change its fate: the report is stored.
 */
static char *
pipeline_dispose(Pipeline *pipeline, Job *job, Fate fate, GError **error)
{
	const char *dir = NULL;
	char *moved;

	if (job->path == NULL || fate == FATE_DEFERRED || fate == FATE_PARSED)
		return NULL;
	if (fate == FATE_STORED || fate == FATE_DUPLICATE) {
		if (pipeline->config.delete_done) {
			if (unlink(job->path) != 0 && errno != ENOENT)
				g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
				    "stored, but cannot delete '%s': %s",
				    job->path, g_strerror(errno));
			return NULL;
		}
		dir = pipeline->config.move_done;
	} else {
		dir = pipeline->config.move_failed;
	}
	if (dir == NULL)
		return NULL;
	moved = move_file(job->path, dir);
	if (moved == NULL)
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "cannot move '%s' to '%s': %s", job->path, dir,
		    g_strerror(errno));
	return moved;
}

/* pipeline_done - a job has met its fate: dispose of its file, notify, free */
static void
pipeline_done(Pipeline *pipeline, Job *job, Fate fate, const GError *error)
{
	GError *move_error = NULL;
	g_autofree char *moved = pipeline_dispose(pipeline, job, fate, &move_error);
	PipelineInput input = {
		.name = job->name,
		.message = job->message,
		.report = job->report,
		.fate = fate,
		.result = fate == FATE_STORED || fate == FATE_DUPLICATE
		    ? &job->item.result : NULL,
		.error = move_error != NULL ? move_error : error,
		.moved_to = moved,
	};

	pipeline->counts[fate]++;
	pipeline->notify(&input, pipeline->notify_data);
	g_clear_error(&move_error);
	if (job->home != NULL)
		g_async_queue_push(job->home, job);
	else
		job_free(job);

	/* Signalling is a system call even with nobody waiting, and
	 * waking the caller for every input would cost one per input. */
	g_mutex_lock(&pipeline->lock);
	pipeline->inflight--;
	if (pipeline->waiting && pipeline->inflight <= PIPELINE_INFLIGHT / 2)
		g_cond_signal(&pipeline->drained);
	g_mutex_unlock(&pipeline->lock);
}

/* pipeline_flush - store the pending reports, then settle each job */
static void
pipeline_flush(Pipeline *pipeline)
{
	g_autoptr(GArray) items = NULL;
	GError *error = NULL;
	gboolean ok;
	guint i, n = pipeline->pending->len;

	if (n == 0)
		return;
	if (pipeline->store == NULL)
		pipeline->store = store_new(&pipeline->config.db, &error);
	if (pipeline->store == NULL) {
		ok = FALSE;
	} else {
		items = g_array_sized_new(FALSE, FALSE, sizeof(StoreItem), n);
		for (i = 0; i < n; i++) {
			Job *job = g_ptr_array_index(pipeline->pending, i);

			g_array_append_val(items, job->item);
		}
		ok = store_put(pipeline->store, (StoreItem *)(void *)items->data,
		    n, &error);
		for (i = 0; i < n; i++) {
			Job *job = g_ptr_array_index(pipeline->pending, i);

			job->item = g_array_index(items, StoreItem, i);
		}
	}
	if (!ok && pipeline->store != NULL && error_class_of(error) == ERROR_TEMPORARY)
		/* The connection may be gone; the next batch reconnects. */
		g_clear_pointer(&pipeline->store, store_free);

	for (i = 0; i < n; i++) {
		Job *job = g_ptr_array_index(pipeline->pending, i);

		if (!ok)
			pipeline_done(pipeline, job, FATE_DEFERRED, error);
		else if (job->item.error != NULL)
			pipeline_done(pipeline, job, fate_of_error(job->item.error),
			    job->item.error);
		else
			pipeline_done(pipeline, job, job->item.result.outcome ==
			    STORE_STORED ? FATE_STORED : FATE_DUPLICATE, NULL);
	}
	g_ptr_array_set_size(pipeline->pending, 0);
	pipeline->pending_bytes = 0;
	g_clear_error(&error);
}

/* pipeline_settle - a parsed job: refuse it, or queue it for storing */
static void
pipeline_settle(Pipeline *pipeline, Job *job)
{
	if (job->error != NULL) {
		pipeline_done(pipeline, job, fate_of_error(job->error), job->error);
		return;
	}
	if (pipeline->config.dry_run) {
		pipeline_done(pipeline, job, FATE_PARSED, NULL);
		return;
	}
	job->item.message = job->message;
	job->item.report = job->report;
	job->item.verdict = &job->verdict;
	g_ptr_array_add(pipeline->pending, job);
	pipeline->pending_bytes += strlen(job->report->raw);
	if (pipeline->pending->len >= PIPELINE_REPORTS || pipeline->pending_bytes >= PIPELINE_BYTES)
		pipeline_flush(pipeline);
}

/* pipeline_recycle - free the jobs the store thread is done with */
static void
pipeline_recycle(GAsyncQueue *recycle)
{
	Job *job;

	while ((job = g_async_queue_try_pop(recycle)) != NULL)
		job_free(job);
}

/* pipeline_worker - parse bundles until the end of the queue */
static gpointer
pipeline_worker(gpointer data)
{
	Worker *worker = data;
	Pipeline *pipeline = worker->pipeline;
	GPtrArray *bundle;

	while ((bundle = g_async_queue_pop(pipeline->to_parse)) != &end_of_jobs) {
		pipeline_recycle(worker->recycle);
		for (guint i = 0; i < bundle->len; i++) {
			Job *job = g_ptr_array_index(bundle, i);

			job->home = worker->recycle;
			job_parse(&pipeline->config, job);
		}
		g_async_queue_push(pipeline->to_store, bundle);
	}
	g_async_queue_push(pipeline->to_store, &end_of_jobs);
	return NULL;
}

/* pipeline_storer - store jobs as they come, a batch at a time
 *
 * A batch is flushed when it is full, or when no parsed report has come
 * for PIPELINE_IDLE: a slow trickle of inputs must not sit uncommitted, but
 * flushing each time the workers fall behind for a moment would pay a
 * commit (an fsync) for every few reports.
 */
static gpointer
pipeline_storer(gpointer data)
{
	Pipeline *pipeline = data;
	guint ended = 0;
	GPtrArray *bundle;

	while (ended < pipeline->config.jobs) {
		bundle = g_async_queue_timeout_pop(pipeline->to_store, PIPELINE_IDLE);
		if (bundle == NULL) {
			pipeline_flush(pipeline);
			bundle = g_async_queue_pop(pipeline->to_store);
		}
		if (bundle == &end_of_jobs) {
			ended++;
			continue;
		}
		for (guint i = 0; i < bundle->len; i++)
			pipeline_settle(pipeline, g_ptr_array_index(bundle, i));
		g_ptr_array_unref(bundle);
	}
	pipeline_flush(pipeline);
	return NULL;
}

/* pipeline_start - start the threads on first use */
static void
pipeline_start(Pipeline *pipeline)
{
	guint i;

	if (pipeline->config.jobs == 0 || pipeline->workers != NULL)
		return;
	pipeline->to_parse = g_async_queue_new();
	pipeline->to_store = g_async_queue_new();
	pipeline->workers = g_new0(Worker, pipeline->config.jobs);
	for (i = 0; i < pipeline->config.jobs; i++) {
		pipeline->workers[i].pipeline = pipeline;
		pipeline->workers[i].recycle = g_async_queue_new();
		pipeline->workers[i].thread = g_thread_new("parse", pipeline_worker,
		    &pipeline->workers[i]);
	}
	pipeline->storer = g_thread_new("store", pipeline_storer, pipeline);
}

/* pipeline_hand_on - queue the caller's bundle for the workers */
static void
pipeline_hand_on(Pipeline *pipeline)
{
	if (pipeline->bundle == NULL)
		return;
	g_async_queue_push(pipeline->to_parse, g_steal_pointer(&pipeline->bundle));
}

/* pipeline_queue - hand a job on, waiting while too many are in flight */
static void
pipeline_queue(Pipeline *pipeline, Job *job)
{
	g_mutex_lock(&pipeline->lock);
	if (pipeline->inflight >= PIPELINE_INFLIGHT) {
		/* What is in the caller's hands must go first: it may be
		 * all that stands between the store and a full batch. */
		g_mutex_unlock(&pipeline->lock);
		pipeline_hand_on(pipeline);
		g_mutex_lock(&pipeline->lock);
		pipeline->waiting = TRUE;
		while (pipeline->inflight >= PIPELINE_INFLIGHT)
			g_cond_wait(&pipeline->drained, &pipeline->lock);
		pipeline->waiting = FALSE;
	}
	pipeline->inflight++;
	g_mutex_unlock(&pipeline->lock);

	if (pipeline->config.jobs == 0) {
		job_parse(&pipeline->config, job);
		pipeline_settle(pipeline, job);
		return;
	}
	pipeline_start(pipeline);
	if (pipeline->bundle == NULL)
		pipeline->bundle = g_ptr_array_sized_new(PIPELINE_BUNDLE);
	g_ptr_array_add(pipeline->bundle, job);
	if (pipeline->bundle->len >= PIPELINE_BUNDLE)
		pipeline_hand_on(pipeline);
}

/* pipeline_new - a pipeline that calls notify once per input */
Pipeline *
pipeline_new(const PipelineConfig *config, PipelineNotify notify, gpointer data)
{
	Pipeline *pipeline = g_new0(Pipeline, 1);

	pipeline->config = *config;
	pipeline->notify = notify;
	pipeline->notify_data = data;
	pipeline->pending = g_ptr_array_new();
	g_mutex_init(&pipeline->lock);
	g_cond_init(&pipeline->drained);
	return pipeline;
}

/* pipeline_add_bytes - one input already in memory */
void
pipeline_add_bytes(Pipeline *pipeline, GBytes *input, const char *name)
{
	Job *job = g_new0(Job, 1);

	job->name = g_strdup(name);
	job->input = g_bytes_ref(input);
	pipeline_queue(pipeline, job);
}

/* pipeline_add_file - one file as one input */
static void
pipeline_add_file(Pipeline *pipeline, const char *path)
{
	Job *job = g_new0(Job, 1);

	job->name = g_strdup(path);
	job->path = g_strdup(path);
	pipeline_queue(pipeline, job);
}

/* pipeline_add_mbox - each message of an mbox file as one input
 *
 * The file itself is never moved or deleted: it holds other messages.
 */
static gboolean
pipeline_add_mbox(Pipeline *pipeline, const char *path, GError **error)
{
	g_autoptr(Mbox) mbox = mbox_new(path, error);
	GBytes *message;
	gint64 offset;

	if (mbox == NULL)
		return FALSE;
	while ((message = mbox_next(mbox, &offset)) != NULL) {
		Job *job = g_new0(Job, 1);

		job->name = g_strdup_printf("%s:%" G_GINT64_FORMAT, path, offset);
		job->input = message;
		pipeline_queue(pipeline, job);
	}
	return TRUE;
}

/* pipeline_found - queue what the walk found: an mbox message by
 * message, any other file whole */
static gboolean
pipeline_found(const char *path, TreeKind kind, gpointer data, GError **error)
{
	Pipeline *pipeline = data;

	if (kind == TREE_FILE && mbox_detect(path))
		return pipeline_add_mbox(pipeline, path, error);
	pipeline_add_file(pipeline, path);
	return TRUE;
}

/* pipeline_add_path - every input under path */
gboolean
pipeline_add_path(Pipeline *pipeline, const char *path, GError **error)
{
	const char *skip[] = { pipeline->config.move_done,
	    pipeline->config.move_failed, NULL };

	/* A --move-* folder inside the tree being read would have its
	 * files moved again on every run.  NULL ends the list early when
	 * move_done is not given: the walk then skips move_failed alone. */
	if (skip[0] == NULL) {
		skip[0] = skip[1];
		skip[1] = NULL;
	}
	return tree_walk(path, skip, pipeline_found, pipeline, error);
}

/* pipeline_finish - store what is pending and wait for every notify */
void
pipeline_finish(Pipeline *pipeline)
{
	guint i;

	if (pipeline->workers != NULL) {
		pipeline_hand_on(pipeline);
		for (i = 0; i < pipeline->config.jobs; i++)
			g_async_queue_push(pipeline->to_parse, &end_of_jobs);
		for (i = 0; i < pipeline->config.jobs; i++)
			g_thread_join(pipeline->workers[i].thread);
		g_thread_join(pipeline->storer);
		for (i = 0; i < pipeline->config.jobs; i++) {
			pipeline_recycle(pipeline->workers[i].recycle);
			g_async_queue_unref(pipeline->workers[i].recycle);
		}
		g_clear_pointer(&pipeline->workers, g_free);
		g_clear_pointer(&pipeline->to_parse, g_async_queue_unref);
		g_clear_pointer(&pipeline->to_store, g_async_queue_unref);
	}
	pipeline_flush(pipeline);
}

/* pipeline_count - how many inputs met fate so far */
guint64
pipeline_count(const Pipeline *pipeline, Fate fate)
{
	return pipeline->counts[fate];
}

/* pipeline_free - finish what is pending, then free */
void
pipeline_free(Pipeline *pipeline)
{
	if (pipeline == NULL)
		return;
	pipeline_finish(pipeline);
	store_free(pipeline->store);
	g_ptr_array_unref(pipeline->pending);
	g_mutex_clear(&pipeline->lock);
	g_cond_clear(&pipeline->drained);
	g_free(pipeline);
}
