/* pipeline.c - driving inputs through the stages
 *
 * Three kinds of thread, joined by queues:
 *
 *	caller (pipeline_add_*)	walks paths and queues jobs, reads mbox
 *				files message by message
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
 * freeing what a worker allocates would fight it for that lock.
 *
 * At most PIPELINE_INFLIGHT inputs, holding at most about
 * PIPELINE_INFLIGHT_BYTES, are between the caller and the store thread,
 * so memory stays flat however many files there are and however large.
 * A job's weight is the bytes it holds: its input's size while it is read
 * and parsed, twice its report's JSON (the text and the strings taken
 * from it) once parsed.  Whoever is about to read an input (a worker a
 * file, the caller an mbox message) waits while the jobs in flight weigh
 * too much, having first handed on what it holds, so that the store
 * thread can settle it and make room.
 *
 * With jobs == 0 (one message on standard input) there are no threads at
 * all: the caller parses and stores inline.
 */
#define _GNU_SOURCE	/* renameat2(), RENAME_NOREPLACE */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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
#define PIPELINE_INFLIGHT_BYTES	(32 * 1024 * 1024) /* and bytes held by them */
#define PIPELINE_BUNDLE		32		/* inputs handed on at once */
#define PIPELINE_IDLE		(50 * 1000)	/* microseconds without input
						 * before a partial batch is stored */
#define PIPELINE_SLOW		(1000 * 1000)	/* microseconds a worker holds
						 * what it parsed at most */
/* Parsing a report of this much JSON leaves enough free memory behind
 * in the worker's arena to give back to the system at once. */
#define PIPELINE_TRIM		(1024 * 1024)

/* The file an input came from, shared by the report parts of one message:
 * what was opened, so that only that is moved or deleted. */
typedef struct source {
	gint		 refs;		/* atomic: jobs are freed in any thread */
	TreeDir		*dir;		/* owned reference: where it is */
	char		*entry;		/* owned: its name there */
	gboolean	 follow;	/* a PATH given: a link to it is followed */
	gboolean	 opened;	/* read: dev and ino say what */
	dev_t		 dev;
	ino_t		 ino;
	/* The store thread's alone: */
	guint		 pending;	/* parts whose fate is not known yet */
	Fate		 worst;		/* what the parts known came to */
} Source;

/* One input on its way through the stages. */
typedef struct job {
	char		*name;		/* owned: for log lines */
	Source		*source;	/* owned reference, or NULL: no file to
					 * move (stdin, a message of an mbox) */
	guint		 part, parts;	/* its report part of the message */
	GBytes		*input;		/* owned, or NULL: read the source */
	Message		*message;	/* owned, once parsed */
	Report		*report;	/* owned, once parsed */
	PolicyVerdict	 verdict;	/* the site's rules on it */
	GError		*error;		/* owned: why it was refused */
	gboolean	 skipped;	/* error says why it was not read */
	gsize		 weight;	/* bytes counted in flight for it */
	StoreItem	 item;		/* the store's view of it */
	GAsyncQueue	*home;		/* its worker's, to be freed there; NULL: inline */
} Job;

/* A parsing thread, the jobs it has to free, and those it has parsed
 * and not yet handed on. */
typedef struct worker {
	Pipeline	*pipeline;
	GThread		*thread;
	GAsyncQueue	*recycle;	/* Job *: done with, to be freed */
	GPtrArray	*parsed;	/* Job *: for the store thread */
} Worker;

/* Where a --move-* option moves files: the folder opened once. */
typedef struct target {
	int		 fd;		/* -1: not asked, or not opened */
	char		*shown;		/* owned: the folder as named, for lines */
	int		 open_errno;	/* why it could not be opened */
} Target;

struct pipeline {
	PipelineConfig	 config;
	PipelineNotify	 notify;
	gpointer	 notify_data;

	Store		*store;		/* connected on first need */
	GPtrArray	*pending;	/* Job *: parsed, waiting to be stored */
	gsize		 pending_bytes;
	guint64		 counts[FATE_COUNT];
	guint64		 unmoved;
	Target		 done, failed;

	/* Threads: bundles of jobs (GPtrArray of Job *) go caller ->
	 * workers -> store thread. */
	GPtrArray	*bundle;	/* the caller's, not yet handed on */
	GAsyncQueue	*to_parse;
	GAsyncQueue	*to_store;
	Worker		*workers;
	GThread		*storer;
	GMutex		 lock;		/* guards inflight... and waiters */
	GCond		 drained;
	guint		 inflight;
	gsize		 inflight_bytes;
	guint		 waiters;	/* threads waiting for room */
};

/* The end of a queue: a bundle pointer no bundle has. */
static GPtrArray end_of_jobs;

/* source_new - the file name in dir, as the walk found it */
static Source *
source_new(TreeDir *dir, const char *entry, gboolean follow)
{
	Source	*source = g_new0(Source, 1);

	source->refs = 1;
	source->dir = tree_dir_ref(dir);
	source->entry = g_strdup(entry);
	source->follow = follow;
	source->pending = 1;
	source->worst = FATE_PARSED;
	return source;
}

/* source_ref - one more reference to source; NULL-safe */
static Source *
source_ref(Source *source)
{
	if (source != NULL)
		g_atomic_int_inc(&source->refs);
	return source;
}

/* source_unref - release a source; NULL-safe */
static void
source_unref(Source *source)
{
	if (source == NULL || !g_atomic_int_dec_and_test(&source->refs))
		return;
	tree_dir_unref(source->dir);
	g_free(source->entry);
	g_free(source);
}

/* job_new - a job for the input name; owned */
static Job *
job_new(const char *name)
{
	Job	*job = g_new0(Job, 1);

	job->name = g_strdup(name);
	job->part = job->parts = 1;
	return job;
}

/* job_free - free a job and all it owns */
static void
job_free(Job *job)
{
	g_free(job->name);
	source_unref(job->source);
	if (job->input != NULL)
		g_bytes_unref(job->input);
	message_free(job->message);
	report_free(job->report);
	policy_verdict_clear(&job->verdict);
	g_clear_error(&job->error);
	g_clear_error(&job->item.error);
	g_free(job);
}

/* pipeline_room - whether bytes more may go in flight now */
static gboolean
pipeline_room(const Pipeline *pipeline, gsize bytes)
{
	return pipeline->inflight < PIPELINE_INFLIGHT && (pipeline->inflight_bytes == 0
	    || pipeline->inflight_bytes + bytes <= PIPELINE_INFLIGHT_BYTES);
}

/* pipeline_wait_room - wait, the lock held, until bytes more may go in
 * flight; count them and one more job */
static void
pipeline_wait_room(Pipeline *pipeline, gsize bytes)
{
	pipeline->waiters++;
	while (!pipeline_room(pipeline, bytes))
		g_cond_wait(&pipeline->drained, &pipeline->lock);
	pipeline->waiters--;
}

/* pipeline_weigh - a job now weighs weight bytes, no longer job->weight */
static void
pipeline_weigh(Pipeline *pipeline, Job *job, gsize weight)
{
	g_mutex_lock(&pipeline->lock);
	pipeline->inflight_bytes = pipeline->inflight_bytes - job->weight + weight;
	if (weight < job->weight && pipeline->waiters > 0)
		g_cond_broadcast(&pipeline->drained);
	g_mutex_unlock(&pipeline->lock);
	job->weight = weight;
}

/* pipeline_hand_parsed - give the store thread what worker has parsed */
static void
pipeline_hand_parsed(Worker *worker)
{
	if (worker->parsed->len == 0)
		return;
	g_async_queue_push(worker->pipeline->to_store, worker->parsed);
	worker->parsed = g_ptr_array_sized_new(PIPELINE_BUNDLE);
}

/* pipeline_recycle - free the jobs the store thread is done with */
static void
pipeline_recycle(GAsyncQueue *recycle)
{
	Job *job;

	while ((job = g_async_queue_try_pop(recycle)) != NULL)
		job_free(job);
}

/* pipeline_reserve - count bytes in flight for job before reading them
 *
 * A worker waits for room, having handed on what it parsed: those jobs
 * may be all that stands between the store and the room.  Inline, with
 * one input at a time, nothing waits.
 */
static void
pipeline_reserve(Pipeline *pipeline, Worker *worker, Job *job, gsize bytes)
{
	g_mutex_lock(&pipeline->lock);
	if (worker != NULL && pipeline->inflight_bytes > 0
	    && pipeline->inflight_bytes + bytes > PIPELINE_INFLIGHT_BYTES) {
		g_mutex_unlock(&pipeline->lock);
		pipeline_hand_parsed(worker);
		g_mutex_lock(&pipeline->lock);
		pipeline->waiters++;
		while (pipeline->inflight_bytes > 0
		    && pipeline->inflight_bytes + bytes > PIPELINE_INFLIGHT_BYTES)
			g_cond_wait(&pipeline->drained, &pipeline->lock);
		pipeline->waiters--;
	}
	pipeline->inflight_bytes += bytes;
	g_mutex_unlock(&pipeline->lock);
	job->weight += bytes;
	/* The room was made by jobs settled: free them before reading. */
	if (worker != NULL)
		pipeline_recycle(worker->recycle);
}

/* job_read - read a job's file: opened as the walk found it, and only
 * if it still is a regular file */
static gboolean
job_read(Pipeline *pipeline, Worker *worker, Job *job)
{
	const PipelineConfig *config = &pipeline->config;
	Source	*source = job->source;
	g_autofree char *shown = g_strdup_printf("'%s'", job->name);
	struct stat st;
	int	fd;

	fd = input_open_at(tree_dir_fd(source->dir), source->entry,
	    source->follow, &st, &job->error);
	if (fd < 0) {
		job->skipped = error_class_of(job->error) == ERROR_NOT_REPORT;
		return FALSE;
	}
	source->opened = TRUE;
	source->dev = st.st_dev;
	source->ino = st.st_ino;
	pipeline_reserve(pipeline, worker, job, (gsize)MIN((guint64)st.st_size,
	    (guint64)config->max_message_size));
	job->input = input_read_fd(fd, (gsize)config->max_message_size, shown,
	    &job->error);
	close(fd);
	return job->input != NULL;
}

/* job_judge - the stages after the message: decode, parse, apply the
 * site's rules to the report part of input (the message as delivered,
 * borrowed: our own DKIM verifier reads it); sets job->error on refusal */
static void
job_judge(const PipelineConfig *config, Job *job, GBytes *input)
{
	g_autoptr(GBytes) json = NULL;

	json = decode_report(job->message->payload, (gsize)config->max_report_size,
	    job->message->payload_desc, &job->error);
	/* The part is not needed any more; the batch may hold many jobs. */
	g_clear_pointer(&job->message->payload, g_bytes_unref);
	if (json == NULL)
		return;
	job->report = report_new(g_bytes_get_data(json, NULL),
	    g_bytes_get_size(json), &config->limits, &job->error);
	/* json-c's tree of a large report leaves megabytes free in the
	 * arena, which glibc keeps unless asked. */
	if (g_bytes_get_size(json) >= PIPELINE_TRIM) {
		g_clear_pointer(&json, g_bytes_unref);
		malloc_trim(0);
	}
	if (job->report == NULL)
		return;
	policy_judge(&config->policy, job->message, input, job->report,
	    &job->verdict, &job->error);
}

/* job_weight - the bytes a parsed job holds until it is stored */
static gsize
job_weight(const Job *job)
{
	return job->report != NULL ? 2 * strlen(job->report->raw) : 0;
}

/* job_parse - the stages that judge an input: read, find the report in
 * the message, decode, parse, apply the site's rules; sets job->error on
 * refusal
 *
 * Each stage takes what the one before made, once: a refused report is
 * still named in the log by its message and its report.  A message of
 * several report parts becomes a job per part: the others are added to
 * parts, judged, each holding the source as well.
 */
static void
job_parse(Pipeline *pipeline, Worker *worker, Job *job, GPtrArray *parts)
{
	const PipelineConfig *config = &pipeline->config;
	GPtrArray *more;

	if (job->error != NULL)
		return;		/* the walk did not read it */
	if (job->input == NULL) {
		if (!job_read(pipeline, worker, job))
			return;
	} else if (!input_within(job->input, (gsize)config->max_message_size,
	    job->name, &job->error)) {
		return;
	}
	job->message = message_new();
	if (!message_parse(job->message, job->input, &job->error)) {
		g_clear_pointer(&job->input, g_bytes_unref);
		return;
	}
	more = g_steal_pointer(&job->message->more);
	if (more != NULL) {
		job->parts = more->len + 1;
		if (job->source != NULL)
			job->source->pending = job->parts;
		for (guint i = 0; i < more->len; i++) {
			Job	*part = job_new(job->name);

			part->part = i + 2;
			part->parts = job->parts;
			part->home = job->home;
			part->message = g_steal_pointer(&more->pdata[i]);
			part->source = source_ref(job->source);
			g_ptr_array_add(parts, part);
		}
		g_ptr_array_unref(more);
	}
	job_judge(config, job, job->input);
	for (guint i = 0; i < parts->len; i++) {
		Job	*part = g_ptr_array_index(parts, i);

		g_mutex_lock(&pipeline->lock);
		pipeline->inflight++;
		g_mutex_unlock(&pipeline->lock);
		job_judge(config, part, job->input);
		pipeline_weigh(pipeline, part, job_weight(part));
	}
	/* Everything needed was taken from the input; the batch may hold
	 * many jobs. */
	g_clear_pointer(&job->input, g_bytes_unref);
	pipeline_weigh(pipeline, job, job_weight(job));
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

/* pipeline_fate_worse - the fate that decides for a message of two
 * parts: deferred over skipped over refused over stored */
Fate
pipeline_fate_worse(Fate a, Fate b)
{
	static const int weight[FATE_COUNT] = {
		[FATE_PARSED] = 0, [FATE_STORED] = 1, [FATE_DUPLICATE] = 1,
		[FATE_NOT_REPORT] = 2, [FATE_INVALID] = 2, [FATE_FOREIGN] = 2,
		[FATE_SKIPPED] = 3, [FATE_DEFERRED] = 4,
	};

	return weight[b] > weight[a] ? b : a;
}

/* target_open - open the folder dir of a --move-* option: its cur/ if it
 * is a Maildir */
static void
target_open(Target *target, const char *dir)
{
	int	fd, cur;

	target->fd = -1;
	if (dir == NULL)
		return;
	target->shown = g_strdup(dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		target->open_errno = errno;
		return;
	}
	cur = openat(fd, "cur", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cur < 0) {
		target->fd = fd;
		return;
	}
	close(fd);
	target->fd = cur;
	g_free(target->shown);
	target->shown = g_build_filename(dir, "cur", NULL);
}

/* target_close - close what target_open opened */
static void
target_close(Target *target)
{
	if (target->fd >= 0)
		close(target->fd);
	g_free(target->shown);
}

/* move_once - move name in dirfd to target in tofd, never over another
 * file; 0, or -1 with errno (EEXIST when target is taken) */
static int
move_once(int dirfd, const char *name, int tofd, const char *target)
{
	int saved;

#ifdef HAVE_RENAMEAT2
	/* One step: killed at any moment, the file is in one place. */
	if (renameat2(dirfd, name, tofd, target, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
#endif
	/* Where the file system cannot, link and unlink: a kill between the
	 * two leaves the file in both places, never in neither. */
	if (linkat(dirfd, name, tofd, target, 0) != 0)
		return -1;
	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	saved = errno;
	(void)unlinkat(tofd, target, 0);
	errno = saved;
	return -1;
}

/* source_unchanged - whether the source's name still is the file read */
static gboolean
source_unchanged(const Source *source)
{
	struct stat st;

	return fstatat(tree_dir_fd(source->dir), source->entry, &st,
	    source->follow ? 0 : AT_SYMLINK_NOFOLLOW) == 0
	    && st.st_dev == source->dev && st.st_ino == source->ino;
}

/* source_move - move the source into target: Maildir-safe, never a copy,
 * never over another file (a suffix is tried instead)
 *
 * Returns where it went (owned), or NULL with error.
 */
static char *
source_move(const Source *source, const Target *target, GError **error)
{
	g_autofree char *name = g_strdup(source->entry);
	int	i;

	if (target->fd < 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "cannot move it to '%s': %s", target->shown,
		    g_strerror(target->open_errno));
		return NULL;
	}
	for (i = 1; move_once(tree_dir_fd(source->dir), source->entry,
	    target->fd, name) != 0; i++) {
		if (errno != EEXIST || i > 1000) {
			g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
			    "cannot move it to '%s': %s", target->shown,
			    g_strerror(errno));
			return NULL;
		}
		g_free(name);
		name = g_strdup_printf("%s.%d", source->entry, i);
	}
	return g_build_filename(target->shown, name, NULL);
}

/* pipeline_dispose - what becomes of a file once the fates of all its
 * parts are known
 *
 * Runs only after its reports are committed (or refused): until then the
 * file stays where it was.  Only the file that was read is moved or
 * deleted, by its name in the directory it was found in.  A failure
 * does not change the fate: the report is stored.  Returns where the
 * file went (owned), or NULL with *error set if it should have moved.
 */
static char *
pipeline_dispose(Pipeline *pipeline, Source *source, GError **error)
{
	const Target *target;
	Fate	fate = source->worst;

	if (!source->opened || fate == FATE_DEFERRED || fate == FATE_PARSED
	    || fate == FATE_SKIPPED)
		return NULL;
	if (fate == FATE_STORED || fate == FATE_DUPLICATE) {
		if (!pipeline->config.delete_done && pipeline->done.shown == NULL)
			return NULL;
		target = &pipeline->done;
	} else {
		if (pipeline->failed.shown == NULL)
			return NULL;
		target = &pipeline->failed;
	}
	if (!source_unchanged(source)) {
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "left in place: it was replaced since it was read");
		return NULL;
	}
	if (target == &pipeline->done && pipeline->config.delete_done) {
		if (unlinkat(tree_dir_fd(source->dir), source->entry, 0) != 0
		    && errno != ENOENT)
			g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
			    "cannot delete it: %s", g_strerror(errno));
		return NULL;
	}
	return source_move(source, target, error);
}

/* pipeline_done - a job has met its fate: dispose of its file once its
 * last part is done, notify, free */
static void
pipeline_done(Pipeline *pipeline, Job *job, Fate fate, const GError *error)
{
	g_autoptr(GError) unmoved = NULL;
	g_autofree char *moved = NULL;
	PipelineInput input = {
		.name = job->name,
		.part = job->part,
		.parts = job->parts,
		.message = job->message,
		.report = job->report,
		.fate = fate,
		.result = fate == FATE_STORED || fate == FATE_DUPLICATE
		    ? &job->item.result : NULL,
		.error = error,
	};

	if (job->source != NULL) {
		job->source->worst = pipeline_fate_worse(job->source->worst, fate);
		if (--job->source->pending == 0)
			moved = pipeline_dispose(pipeline, job->source, &unmoved);
	}
	input.moved_to = moved;
	input.unmoved = unmoved;
	pipeline->counts[fate]++;
	if (unmoved != NULL)
		pipeline->unmoved++;
	pipeline->notify(&input, pipeline->notify_data);

	/* Signalling is a system call even with nobody waiting, and
	 * waking the caller for every input would cost one per input. */
	g_mutex_lock(&pipeline->lock);
	pipeline->inflight--;
	pipeline->inflight_bytes -= job->weight;
	if (pipeline->waiters > 0 && (job->weight > 0
	    || pipeline->inflight <= PIPELINE_INFLIGHT / 2))
		g_cond_broadcast(&pipeline->drained);
	g_mutex_unlock(&pipeline->lock);

	if (job->home != NULL)
		g_async_queue_push(job->home, job);
	else
		job_free(job);
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
		pipeline_done(pipeline, job, job->skipped ? FATE_SKIPPED
		    : fate_of_error(job->error), job->error);
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

/* pipeline_worker - parse bundles until the end of the queue */
static gpointer
pipeline_worker(gpointer data)
{
	Worker *worker = data;
	Pipeline *pipeline = worker->pipeline;
	g_autoptr(GPtrArray) parts = g_ptr_array_new();
	GPtrArray *bundle;

	worker->parsed = g_ptr_array_sized_new(PIPELINE_BUNDLE);
	while ((bundle = g_async_queue_pop(pipeline->to_parse)) != &end_of_jobs) {
		gint64	handed = g_get_monotonic_time();

		for (guint i = 0; i < bundle->len; i++) {
			Job *job = g_ptr_array_index(bundle, i);

			/* What the store thread is done with goes as it
			 * comes: a bundle of large reports is a lot. */
			pipeline_recycle(worker->recycle);
			job->home = worker->recycle;
			job_parse(pipeline, worker, job, parts);
			g_ptr_array_add(worker->parsed, job);
			g_ptr_array_extend_and_steal(worker->parsed,
			    g_steal_pointer(&parts));
			parts = g_ptr_array_new();
			/* Slow inputs (large ones, a DKIM key lookup that
			 * waits) go on one by one rather than a bundle at a
			 * time: each is settled, and seen to be, in time. */
			if (g_get_monotonic_time() - handed > PIPELINE_SLOW) {
				pipeline_hand_parsed(worker);
				handed = g_get_monotonic_time();
			}
		}
		g_ptr_array_unref(bundle);
		pipeline_hand_parsed(worker);
	}
	g_ptr_array_unref(worker->parsed);
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

/* pipeline_queue - hand a job on, holding bytes (an input in memory),
 * waiting while too many or too much are in flight */
static void
pipeline_queue(Pipeline *pipeline, Job *job, gsize bytes)
{
	g_mutex_lock(&pipeline->lock);
	if (!pipeline_room(pipeline, bytes)) {
		/* What is in the caller's hands must go first: it may be
		 * all that stands between the store and a full batch. */
		g_mutex_unlock(&pipeline->lock);
		pipeline_hand_on(pipeline);
		g_mutex_lock(&pipeline->lock);
		pipeline_wait_room(pipeline, bytes);
	}
	pipeline->inflight++;
	pipeline->inflight_bytes += bytes;
	g_mutex_unlock(&pipeline->lock);
	job->weight = bytes;

	if (pipeline->config.jobs == 0) {
		g_autoptr(GPtrArray) parts = g_ptr_array_new();

		job_parse(pipeline, NULL, job, parts);
		pipeline_settle(pipeline, job);
		for (guint i = 0; i < parts->len; i++)
			pipeline_settle(pipeline, g_ptr_array_index(parts, i));
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
	target_open(&pipeline->done, config->move_done);
	target_open(&pipeline->failed, config->move_failed);
	g_mutex_init(&pipeline->lock);
	g_cond_init(&pipeline->drained);
	return pipeline;
}

/* pipeline_add_bytes - one input already in memory */
void
pipeline_add_bytes(Pipeline *pipeline, GBytes *input, const char *name)
{
	Job *job = job_new(name);

	job->input = g_bytes_ref(input);
	pipeline_queue(pipeline, job, g_bytes_get_size(input));
}

/* pipeline_add_failed - an input that failed before it could be queued:
 * an entry the walk does not read (walked: skipped, or deferred for a
 * run that can read it), or a message of an mbox that could not be
 * taken out of it */
static void
pipeline_add_failed(Pipeline *pipeline, const char *name, const GError *problem,
    gboolean walked)
{
	Job *job = job_new(name);

	job->error = g_error_copy(problem);
	job->skipped = walked && error_class_of(problem) == ERROR_NOT_REPORT;
	pipeline_queue(pipeline, job, 0);
}

/* pipeline_add_mbox - each message of the mbox open at fd as one input
 *
 * The file itself is never moved or deleted: it holds other messages.
 */
static void
pipeline_add_mbox(Pipeline *pipeline, const char *path, int fd)
{
	g_autoptr(Mbox) mbox = mbox_new(fd, (gsize)pipeline->config.max_message_size);
	GBytes *message;
	GError *error = NULL;
	gint64 offset;

	while (mbox_next(mbox, &message, &offset, &error)) {
		g_autofree char *name = g_strdup_printf("%s:%" G_GINT64_FORMAT,
		    path, offset);

		if (message == NULL) {
			g_prefix_error(&error, "%s: ", name);
			pipeline_add_failed(pipeline, name, error, FALSE);
			g_clear_error(&error);
			continue;
		}
		{
			Job *job = job_new(name);

			job->input = message;
			pipeline_queue(pipeline, job, g_bytes_get_size(message));
		}
	}
}

/* pipeline_found - queue what the walk found: an mbox message by
 * message, any other file whole, an entry not read with its reason */
static void
pipeline_found(const TreeEntry *entry, gpointer data)
{
	Pipeline *pipeline = data;
	GError *error = NULL;
	struct stat st;
	Job *job;
	int fd;

	if (entry->kind == TREE_SKIPPED || entry->kind == TREE_UNREADABLE) {
		pipeline_add_failed(pipeline, entry->path, entry->problem, TRUE);
		return;
	}
	if (entry->kind == TREE_FILE) {
		fd = input_open_at(tree_dir_fd(entry->dir), entry->name,
		    entry->follow, &st, &error);
		if (fd < 0) {
			pipeline_add_failed(pipeline, entry->path, error, TRUE);
			g_error_free(error);
			return;
		}
		if (mbox_detect(fd)) {
			pipeline_add_mbox(pipeline, entry->path, fd);
			return;
		}
		close(fd);
	}
	job = job_new(entry->path);
	job->source = source_new(entry->dir, entry->name, entry->follow);
	pipeline_queue(pipeline, job, 0);
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

/* pipeline_unmoved - how many files could not be moved or deleted */
guint64
pipeline_unmoved(const Pipeline *pipeline)
{
	return pipeline->unmoved;
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
	target_close(&pipeline->done);
	target_close(&pipeline->failed);
	g_mutex_clear(&pipeline->lock);
	g_cond_clear(&pipeline->drained);
	g_free(pipeline);
}
