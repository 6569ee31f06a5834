/* batch.c - driving many inputs through the stages
 *
 * Three kinds of thread, joined by queues:
 *
 *	caller (batch_add_*)	walks paths and queues jobs
 *	workers			read and parse: message, decode, report
 *	store thread		stores parsed reports in batches, moves
 *				files, calls notify
 *
 * Parsing is CPU work that scales with cores; storing is one connection,
 * one transaction per batch.  Jobs travel the queues in bundles: waking a
 * thread is a system call, and for each small input one costs as much as
 * reading it.  A job goes back to the worker that parsed it to be freed:
 * malloc locks the arena of the thread that allocated, and a store thread
 * freeing what a worker allocates would fight it for that lock.  At most BATCH_INFLIGHT inputs are between the caller and
 * the store thread, so memory stays flat however many files there are.
 * With jobs == 0 (one message on standard input) there are no threads at
 * all: the caller parses and stores inline.
 */
#define _GNU_SOURCE	/* renameat2(), RENAME_NOREPLACE */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "decode.h"
#include "common/error.h"
#include "input.h"
#include "mbox.h"

#define BATCH_REPORTS	256			/* reports per transaction */
#define BATCH_BYTES	(16 * 1024 * 1024)	/* or this much JSON */
#define BATCH_INFLIGHT	1024			/* inputs queued at most */
#define BATCH_BUNDLE	32			/* inputs handed on at once */
#define BATCH_IDLE	(50 * 1000)		/* microseconds without input
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
	Batch		*batch;
	GThread		*thread;
	GAsyncQueue	*recycle;	/* Job *: done with, to be freed */
} Worker;

struct batch {
	BatchOptions	 options;
	BatchNotify	 notify;
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
job_parse(const BatchOptions *options, Job *job)
{
	g_autoptr(GBytes) json = NULL;

	if (job->input == NULL)
		job->input = input_read_file(job->path, options->max_message_size,
		    &job->error);
	if (job->input == NULL)
		return;
	job->message = message_new();
	if (!message_parse(job->message, job->input, &job->error))
		return;
	json = decode_report(job->message->payload, options->max_report_size,
	    job->message->payload_desc, &job->error);
	if (json == NULL)
		return;
	job->report = report_new(g_bytes_get_data(json, NULL),
	    g_bytes_get_size(json), &options->limits, &job->error);
	if (job->report == NULL)
		return;
	if (!policy_judge(&options->policy, job->message, job->report,
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

/* batch_dispose - what becomes of a job's file once its fate is known
 *
 * Runs only after the report is committed (or refused): until then the
 * file stays where it was.  A failure to move is reported as the job's
 * error but does not change its fate: the report is stored.
 */
static char *
batch_dispose(Batch *batch, Job *job, Fate fate, GError **error)
{
	const char *dir = NULL;
	char *moved;

	if (job->path == NULL || fate == FATE_DEFERRED || fate == FATE_PARSED)
		return NULL;
	if (fate == FATE_STORED || fate == FATE_DUPLICATE) {
		if (batch->options.delete_done) {
			if (unlink(job->path) != 0 && errno != ENOENT)
				g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
				    "stored, but cannot delete '%s': %s",
				    job->path, g_strerror(errno));
			return NULL;
		}
		dir = batch->options.move_done;
	} else {
		dir = batch->options.move_failed;
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

/* batch_done - a job has met its fate: dispose of its file, notify, free */
static void
batch_done(Batch *batch, Job *job, Fate fate, const GError *error)
{
	GError *move_error = NULL;
	g_autofree char *moved = batch_dispose(batch, job, fate, &move_error);
	BatchInput input = {
		.name = job->name,
		.message = job->message,
		.report = job->report,
		.fate = fate,
		.result = fate == FATE_STORED || fate == FATE_DUPLICATE
		    ? &job->item.result : NULL,
		.error = move_error != NULL ? move_error : error,
		.moved_to = moved,
	};

	batch->counts[fate]++;
	batch->notify(&input, batch->notify_data);
	g_clear_error(&move_error);
	if (job->home != NULL)
		g_async_queue_push(job->home, job);
	else
		job_free(job);

	/* Signalling is a system call even with nobody waiting, and
	 * waking the caller for every input would cost one per input. */
	g_mutex_lock(&batch->lock);
	batch->inflight--;
	if (batch->waiting && batch->inflight <= BATCH_INFLIGHT / 2)
		g_cond_signal(&batch->drained);
	g_mutex_unlock(&batch->lock);
}

/* batch_flush - store the pending reports, then settle each job */
static void
batch_flush(Batch *batch)
{
	g_autoptr(GArray) items = NULL;
	GError *error = NULL;
	gboolean ok;
	guint i, n = batch->pending->len;

	if (n == 0)
		return;
	if (batch->store == NULL)
		batch->store = store_new(&batch->options.db, &error);
	if (batch->store == NULL) {
		ok = FALSE;
	} else {
		items = g_array_sized_new(FALSE, FALSE, sizeof(StoreItem), n);
		for (i = 0; i < n; i++) {
			Job *job = g_ptr_array_index(batch->pending, i);

			g_array_append_val(items, job->item);
		}
		ok = store_put(batch->store, (StoreItem *)(void *)items->data,
		    n, &error);
		for (i = 0; i < n; i++) {
			Job *job = g_ptr_array_index(batch->pending, i);

			job->item = g_array_index(items, StoreItem, i);
		}
	}
	if (!ok && batch->store != NULL && error_class_of(error) == ERROR_TEMPORARY)
		/* The connection may be gone; the next batch reconnects. */
		g_clear_pointer(&batch->store, store_free);

	for (i = 0; i < n; i++) {
		Job *job = g_ptr_array_index(batch->pending, i);

		if (!ok)
			batch_done(batch, job, FATE_DEFERRED, error);
		else if (job->item.error != NULL)
			batch_done(batch, job, fate_of_error(job->item.error),
			    job->item.error);
		else
			batch_done(batch, job, job->item.result.outcome ==
			    STORE_STORED ? FATE_STORED : FATE_DUPLICATE, NULL);
	}
	g_ptr_array_set_size(batch->pending, 0);
	batch->pending_bytes = 0;
	g_clear_error(&error);
}

/* batch_settle - a parsed job: refuse it, or queue it for storing */
static void
batch_settle(Batch *batch, Job *job)
{
	if (job->error != NULL) {
		batch_done(batch, job, fate_of_error(job->error), job->error);
		return;
	}
	if (batch->options.dry_run) {
		batch_done(batch, job, FATE_PARSED, NULL);
		return;
	}
	job->item.message = job->message;
	job->item.report = job->report;
	job->item.verdict = &job->verdict;
	g_ptr_array_add(batch->pending, job);
	batch->pending_bytes += strlen(job->report->raw);
	if (batch->pending->len >= BATCH_REPORTS || batch->pending_bytes >= BATCH_BYTES)
		batch_flush(batch);
}

/* batch_recycle - free the jobs the store thread is done with */
static void
batch_recycle(GAsyncQueue *recycle)
{
	Job *job;

	while ((job = g_async_queue_try_pop(recycle)) != NULL)
		job_free(job);
}

/* batch_worker - parse bundles until the end of the queue */
static gpointer
batch_worker(gpointer data)
{
	Worker *worker = data;
	Batch *batch = worker->batch;
	GPtrArray *bundle;

	while ((bundle = g_async_queue_pop(batch->to_parse)) != &end_of_jobs) {
		batch_recycle(worker->recycle);
		for (guint i = 0; i < bundle->len; i++) {
			Job *job = g_ptr_array_index(bundle, i);

			job->home = worker->recycle;
			job_parse(&batch->options, job);
		}
		g_async_queue_push(batch->to_store, bundle);
	}
	g_async_queue_push(batch->to_store, &end_of_jobs);
	return NULL;
}

/* batch_storer - store jobs as they come, a batch at a time
 *
 * A batch is flushed when it is full, or when no parsed report has come
 * for BATCH_IDLE: a slow trickle of inputs must not sit uncommitted, but
 * flushing each time the workers fall behind for a moment would pay a
 * commit (an fsync) for every few reports.
 */
static gpointer
batch_storer(gpointer data)
{
	Batch *batch = data;
	guint ended = 0;
	GPtrArray *bundle;

	while (ended < batch->options.jobs) {
		bundle = g_async_queue_timeout_pop(batch->to_store, BATCH_IDLE);
		if (bundle == NULL) {
			batch_flush(batch);
			bundle = g_async_queue_pop(batch->to_store);
		}
		if (bundle == &end_of_jobs) {
			ended++;
			continue;
		}
		for (guint i = 0; i < bundle->len; i++)
			batch_settle(batch, g_ptr_array_index(bundle, i));
		g_ptr_array_unref(bundle);
	}
	batch_flush(batch);
	return NULL;
}

/* batch_start - start the threads on first use */
static void
batch_start(Batch *batch)
{
	guint i;

	if (batch->options.jobs == 0 || batch->workers != NULL)
		return;
	batch->to_parse = g_async_queue_new();
	batch->to_store = g_async_queue_new();
	batch->workers = g_new0(Worker, batch->options.jobs);
	for (i = 0; i < batch->options.jobs; i++) {
		batch->workers[i].batch = batch;
		batch->workers[i].recycle = g_async_queue_new();
		batch->workers[i].thread = g_thread_new("parse", batch_worker,
		    &batch->workers[i]);
	}
	batch->storer = g_thread_new("store", batch_storer, batch);
}

/* batch_hand_on - queue the caller's bundle for the workers */
static void
batch_hand_on(Batch *batch)
{
	if (batch->bundle == NULL)
		return;
	g_async_queue_push(batch->to_parse, g_steal_pointer(&batch->bundle));
}

/* batch_queue - hand a job on, waiting while too many are in flight */
static void
batch_queue(Batch *batch, Job *job)
{
	g_mutex_lock(&batch->lock);
	if (batch->inflight >= BATCH_INFLIGHT) {
		/* What is in the caller's hands must go first: it may be
		 * all that stands between the store and a full batch. */
		g_mutex_unlock(&batch->lock);
		batch_hand_on(batch);
		g_mutex_lock(&batch->lock);
		batch->waiting = TRUE;
		while (batch->inflight >= BATCH_INFLIGHT)
			g_cond_wait(&batch->drained, &batch->lock);
		batch->waiting = FALSE;
	}
	batch->inflight++;
	g_mutex_unlock(&batch->lock);

	if (batch->options.jobs == 0) {
		job_parse(&batch->options, job);
		batch_settle(batch, job);
		return;
	}
	batch_start(batch);
	if (batch->bundle == NULL)
		batch->bundle = g_ptr_array_sized_new(BATCH_BUNDLE);
	g_ptr_array_add(batch->bundle, job);
	if (batch->bundle->len >= BATCH_BUNDLE)
		batch_hand_on(batch);
}

/* batch_new - a batch that calls notify once per input */
Batch *
batch_new(const BatchOptions *options, BatchNotify notify, gpointer data)
{
	Batch *batch = g_new0(Batch, 1);

	batch->options = *options;
	batch->notify = notify;
	batch->notify_data = data;
	batch->pending = g_ptr_array_new();
	g_mutex_init(&batch->lock);
	g_cond_init(&batch->drained);
	return batch;
}

/* batch_add_bytes - one input already in memory */
void
batch_add_bytes(Batch *batch, GBytes *input, const char *name)
{
	Job *job = g_new0(Job, 1);

	job->name = g_strdup(name);
	job->input = g_bytes_ref(input);
	batch_queue(batch, job);
}

/* batch_add_file - one file as one input */
static void
batch_add_file(Batch *batch, const char *path)
{
	Job *job = g_new0(Job, 1);

	job->name = g_strdup(path);
	job->path = g_strdup(path);
	batch_queue(batch, job);
}

/* batch_add_mbox - each message of an mbox file as one input
 *
 * The file itself is never moved or deleted: it holds other messages.
 */
static gboolean
batch_add_mbox(Batch *batch, const char *path, GError **error)
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
		batch_queue(batch, job);
	}
	return TRUE;
}

/* batch_is_target - whether st is the --move-done or --move-failed folder */
static gboolean
batch_is_target(const Batch *batch, const struct stat *st)
{
	const char *targets[] = { batch->options.move_done, batch->options.move_failed };
	struct stat target;

	for (guint i = 0; i < G_N_ELEMENTS(targets); i++)
		if (targets[i] != NULL && stat(targets[i], &target) == 0
		    && target.st_dev == st->st_dev && target.st_ino == st->st_ino)
			return TRUE;
	return FALSE;
}

/* batch_add_messages - every file of a Maildir's cur/ or new/
 *
 * Each file is one message (the Maildir format says so): neither a stat
 * nor a look inside for an mbox is needed, where the directory entry says
 * it is a file.  On a Maildir of small messages those are a third of the
 * system calls.
 */
static gboolean
batch_add_messages(Batch *batch, const char *path, GError **error)
{
	DIR	*dir = opendir(path);
	struct dirent *entry;
	gboolean ok = TRUE;

	if (dir == NULL)
		return TRUE;	/* cur/ or new/ gone while we looked */
	while (ok && (entry = readdir(dir)) != NULL) {
		g_autofree char *child = NULL;

		if (entry->d_name[0] == '.')
			continue;
		child = g_build_filename(path, entry->d_name, NULL);
		if (entry->d_type == DT_REG)
			batch_add_file(batch, child);
		else
			ok = batch_add_path(batch, child, error);
	}
	closedir(dir);
	return ok;
}

/* batch_add_dir - every input under a directory
 *
 * In a Maildir (a directory with cur/ and new/), tmp/ holds messages
 * still being delivered: they are not ours yet; its other directories are
 * Maildir++ folders.  Entries are queued as they are read, in the
 * directory's order: holding a hundred thousand names to sort them would
 * make memory grow with the mailbox.
 */
static gboolean
batch_add_dir(Batch *batch, const char *path, GError **error)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, error);
	g_autofree char *cur = g_build_filename(path, "cur", NULL);
	g_autofree char *new = g_build_filename(path, "new", NULL);
	gboolean maildir;
	const char *name;

	if (dir == NULL) {
		error_reclass(error, ERROR_USAGE);
		return FALSE;
	}
	maildir = g_file_test(cur, G_FILE_TEST_IS_DIR)
	    && g_file_test(new, G_FILE_TEST_IS_DIR);
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree char *child = NULL;
		struct stat st;

		if (maildir && strcmp(name, "tmp") == 0)
			continue;
		if (name[0] == '.' && !maildir)
			continue;	/* editor and tool droppings */
		child = g_build_filename(path, name, NULL);
		if (!maildir) {
			if (!batch_add_path(batch, child, error))
				return FALSE;
			continue;
		}
		if (stat(child, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;	/* dovecot-uidlist, maildirfolder... */
		if (batch_is_target(batch, &st))
			continue;
		if (strcmp(name, "cur") == 0 || strcmp(name, "new") == 0) {
			if (!batch_add_messages(batch, child, error))
				return FALSE;
		} else if (!batch_add_path(batch, child, error))
			return FALSE;
	}
	return TRUE;
}

/* batch_add_path - every input under path */
gboolean
batch_add_path(Batch *batch, const char *path, GError **error)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE, "cannot read '%s': %s",
		    path, g_strerror(errno));
		return FALSE;
	}
	if (S_ISDIR(st.st_mode)) {
		/* A --move-* folder inside the tree being read would have its
		 * files moved again on every run. */
		if (batch_is_target(batch, &st))
			return TRUE;
		return batch_add_dir(batch, path, error);
	}
	if (!S_ISREG(st.st_mode))
		return TRUE;
	if (mbox_detect(path))
		return batch_add_mbox(batch, path, error);
	batch_add_file(batch, path);
	return TRUE;
}

/* batch_finish - store what is pending and wait for every notify */
void
batch_finish(Batch *batch)
{
	guint i;

	if (batch->workers != NULL) {
		batch_hand_on(batch);
		for (i = 0; i < batch->options.jobs; i++)
			g_async_queue_push(batch->to_parse, &end_of_jobs);
		for (i = 0; i < batch->options.jobs; i++)
			g_thread_join(batch->workers[i].thread);
		g_thread_join(batch->storer);
		for (i = 0; i < batch->options.jobs; i++) {
			batch_recycle(batch->workers[i].recycle);
			g_async_queue_unref(batch->workers[i].recycle);
		}
		g_clear_pointer(&batch->workers, g_free);
		g_clear_pointer(&batch->to_parse, g_async_queue_unref);
		g_clear_pointer(&batch->to_store, g_async_queue_unref);
	}
	batch_flush(batch);
}

/* batch_count - how many inputs met fate so far */
guint64
batch_count(const Batch *batch, Fate fate)
{
	return batch->counts[fate];
}

/* batch_free - finish what is pending, then free */
void
batch_free(Batch *batch)
{
	if (batch == NULL)
		return;
	batch_finish(batch);
	store_free(batch->store);
	g_ptr_array_unref(batch->pending);
	g_mutex_clear(&batch->lock);
	g_cond_clear(&batch->drained);
	g_free(batch);
}
