/* tlsrpt-ingest.c - store the TLS-RPT report of one delivered message
 *
 * The command-line front.  An MTA or MDA runs us once per message, with
 * the message on standard input; the exit code tells it what to do next.
 * The stages never exit and never log: they return an error of a class,
 * and this file alone turns classes into exit codes (one table) and log
 * lines (one function), every untrusted word made safe on the way.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/resource.h>
#include <syslog.h>
#include <unistd.h>

#include "cgi.h"
#include "common/error.h"
#include "common/text.h"
#include "input.h"
#include "pipeline.h"
#include "policy.h"
#include "report.h"
#include "tree.h"
#include "verify.h"

/*
 * Defaults.  Plain literals, so that --help can quote them.
 */
#define DEFAULT_MAX_MESSAGE_MIB		64	/* a report message is kilobytes */
#define DEFAULT_MAX_REPORT_MIB		32	/* Google's largest is a few MB */
#define DEFAULT_TIMEOUT			60	/* seconds; Postfix allows 1000 */

/*
 * How --timeout is shared.  It bounds a delivery's waits well below the
 * MTA's own limit, since Postfix bounces a delivery it has to kill.
 * Connecting gets a third of it and each statement the rest, so that a
 * server slow to accept still leaves a statement its time; libpq takes a
 * connect_timeout below 2 s as 2.  The alarm is the last resort against
 * a wait neither covers (a name lookup, a server that accepts and never
 * answers): it fires a few seconds after both could have run out, and
 * defers.  With --verify-dkim, the DNS lookups of a message's DKIM keys
 * get a quarter of --timeout first, and the database shares the rest.
 */
#define TIMEOUT_DNS_SHARE	4	/* DKIM key lookups get 1/4 of --timeout */
#define TIMEOUT_DNS_MIN		1	/* second */
#define TIMEOUT_CONNECT_SHARE	3	/* connecting gets 1/3 of the rest */
#define TIMEOUT_CONNECT_MIN	2	/* seconds: libpq's least */
#define TIMEOUT_STATEMENT_MIN	1	/* seconds */
#define TIMEOUT_ALARM_GRACE	5	/* seconds past --timeout */

/* Allocations from this size up get memory of their own, given back
 * when freed (batch_resources). */
#define BATCH_MMAP_THRESHOLD	(256 * 1024)

/* Untrusted text in a log line is cut at this many bytes per field, so
 * that a 3 MB Message-ID does not make a 3 MB line; a reason, ours but
 * quoting the sender's words, gets more. */
#define LOG_FIELD_MAX		256
#define LOG_REASON_MAX		1024
/* A file name, which must stay whole to be found again, up to the
 * longest path the system takes. */
#define LOG_PATH_MAX		4096

typedef struct options {
	/* What the pipeline runs with: the options write into it. */
	PipelineConfig	 config;
	/* What the front decides with, or derives the rest of the
	 * configuration from. */
	char		*conninfo;
	gint		 timeout;
	gint		 jobs;
	gint		 refused_exit;
	gint		 foreign_exit;
	char		**accept_domain;
	char		*accept_domains_file;
	GPtrArray	*accept_patterns;	/* both together, NULL-terminated */
	char		**trust_authserv_id;
	gboolean	 verify_dkim;
	char		*nameserver;
	gint		 nameserver_port;
	Verify		*verifier;	/* --verify-dkim's, once configured */
	gboolean	 version;
	gboolean	 cgi;		/* answer one HTTP POST (rua=https:) */
	gboolean	 strict;
	gboolean	 quiet;
	gboolean	 verbose;
	char		**paths;
} Options;

/* How this run ends and where it says so: decided once, from the
 * options, and read everywhere after. */
typedef struct front {
	/* A message waits on standard input for our verdict: then every
	 * failure that is not the message's fault must defer it, since
	 * Postfix's pipe(8) bounces on any code but EX_TEMPFAIL and EX_OSERR,
	 * and a bounced report is a lost report. */
	gboolean	 waiting;
	int		 refused_exit;	/* --refused-exit */
	int		 foreign_exit;	/* --foreign-exit */
	/* Lines to syslog (LOG_MAIL) too, not only to stderr: about an input
	 * when one delivered message is the run; about the run (a batch's
	 * summary) whenever it stores.  A dry run touches nothing. */
	gboolean	 syslog_input;
	gboolean	 syslog_run;
	/* Batch: seconds without an input finished before the run gives up
	 * (watchdog_pet). */
	unsigned	 watchdog;
} Front;

/* What the notify function needs besides the options. */
typedef struct run {
	const Options	*options;
	const Front	*front;
	gboolean	 batch;		/* PATHs given: not one message on stdin */
	GError		*error;		/* stdin: why the one input failed */
	guint64		 total;		/* batch: inputs found, for the progress bar */
	guint64		 done;
	gint64		 started;	/* monotonic microseconds */
	gint64		 drawn;
	gboolean	 progress;	/* stderr is a terminal */
} Run;

/* The exit codes the site chooses, in the table below. */
#define EXIT_REFUSED	(-1)	/* --refused-exit */
#define EXIT_FOREIGN	(-2)	/* --foreign-exit */

/* What a failure of each class does to the exit code.  With a message
 * waiting, a mistake that is not the message's (ours, the site's, the
 * command line's) defers it instead. */
static const struct outcome {
	int		 code;		/* a sysexits code, or EXIT_* */
	gboolean	 defer_waiting;
} outcomes[] = {
	[ERROR_NOT_REPORT] = { EXIT_REFUSED, FALSE },
	[ERROR_INVALID]    = { EXIT_REFUSED, FALSE },
	[ERROR_TEMPORARY]  = { EX_TEMPFAIL, FALSE },
	[ERROR_CONFIG]     = { EX_CONFIG, TRUE },
	[ERROR_USAGE]      = { EX_USAGE, TRUE },
	[ERROR_INTERNAL]   = { EX_SOFTWARE, TRUE },
	[ERROR_FOREIGN]    = { EXIT_FOREIGN, FALSE },
};

/* What the alarm interrupts, for the line it leaves.  Set before each
 * wait; read in the signal handler. */
typedef enum {
	WAIT_INPUT,		/* the MTA still sending the message */
	WAIT_DATABASE,		/* connecting, storing */
	WAIT_BATCH,		/* a batch making no progress */
} Wait;
static volatile sig_atomic_t waiting_for = WAIT_INPUT;

/* on_alarm - the last resort against a hung peer: defer, do not hang the MTA
 *
 * The report is written by one statement, so dying here leaves nothing
 * half-written; the MTA retries, and a retry of a report whose commit did
 * reach the server is a harmless duplicate.  A batch commits a
 * transaction at a time and moves a file only after: the next run stores
 * what is missing.
 */
static void
on_alarm(int sig)
{
	static const char input[] = "tlsrpt-ingest: status=deferred: "
	    "timed out reading the message on standard input\n";
	static const char database[] = "tlsrpt-ingest: status=deferred: "
	    "timed out waiting for the database\n";
	static const char batch[] = "tlsrpt-ingest: status=deferred: no input "
	    "finished within twice --timeout: a file, a directory or the "
	    "database does not answer; the rest waits for the next run\n";
	ssize_t ignored;

	(void)sig;
	if (waiting_for == WAIT_INPUT)
		ignored = write(STDERR_FILENO, input, sizeof(input) - 1);
	else if (waiting_for == WAIT_DATABASE)
		ignored = write(STDERR_FILENO, database, sizeof(database) - 1);
	else
		ignored = write(STDERR_FILENO, batch, sizeof(batch) - 1);
	(void)ignored;
	_exit(EX_TEMPFAIL);
}

/* watchdog_pet - a batch made progress: it has another while to make more
 *
 * Every wait of a batch is bounded (statements by the statement timeout,
 * files opened without blocking), but a file system or a server can
 * still hang: no input finished for twice --timeout ends the run, as the
 * alarm ends a delivery.
 */
static void
watchdog_pet(const Front *front)
{
	alarm(front->watchdog);
}

/* exit_code - the one place where a class of failure becomes an exit code */
static int
exit_code(const Front *front, ErrorClass class)
{
	const struct outcome *o = &outcomes[class];

	if (front->waiting && o->defer_waiting)
		return EX_TEMPFAIL;
	if (o->code == EXIT_REFUSED)
		return front->refused_exit;
	if (o->code == EXIT_FOREIGN)
		return front->foreign_exit;
	return o->code;
}

/* log_line - one line to stderr for the MTA's log, and to syslog */
static void
log_line(gboolean to_syslog, int priority, const GString *line)
{
	if (to_syslog)
		syslog(priority, "%s", line->str);
	fprintf(stderr, "%s: %s\n", g_get_prgname(), line->str);
}

/* log_status - "... status=LABEL: why" after what line holds already (a
 * key, or nothing), logged; deferring adds that the message waits */
static void
log_status(gboolean to_syslog, GString *line, const char *label,
    const GError *error, gboolean deferring)
{
	gboolean deferred = strcmp(label, "deferred") == 0;

	g_string_append_printf(line, "%sstatus=%s: ", line->len > 0 ? " " : "",
	    label);
	text_append(line, error->message, -1, TEXT_LINE, LOG_REASON_MAX);
	if (deferring)
		g_string_append(line, " (deferring the message)");
	log_line(to_syslog, deferred ? LOG_WARNING : LOG_NOTICE, line);
}

/* fail - the one way a failure is told: "... status=WHAT: why" after what
 * line holds already (a key, or nothing), logged; returns the exit code
 *
 * A failure that defers says "deferred", whatever its class: that is what
 * the MTA does with the message.
 */
static int
fail(const Front *front, gboolean to_syslog, GString *line, const GError *error)
{
	ErrorClass class = error_class_of(error);
	int	code = exit_code(front, class);
	gboolean deferred = code == EX_TEMPFAIL;

	log_status(to_syslog, line, deferred ? "deferred" : error_class_name(class),
	    error, deferred && outcomes[class].defer_waiting);
	return code;
}

/* fail_run - a failure of the run as a whole (the command line, the
 * configuration): told, and its exit code returned */
static int
fail_run(const Front *front, const GError *error)
{
	g_autoptr(GString) line = g_string_new(NULL);

	return fail(front, front->syslog_run, line, error);
}

/* append_key - how a line names the input: in batch mode by its file,
 * else by its Message-ID, or by its name when it has none */
static void
append_key(GString *line, const PipelineInput *input, gboolean batch)
{
	const char *id = input->message ? input->message->message_id : NULL;

	if (batch) {
		g_string_append(line, "file=");
		text_append(line, input->name, -1, TEXT_WORD, LOG_PATH_MAX);
	} else if (id == NULL) {
		g_string_append(line, "input=");
		text_append(line, input->name, -1, TEXT_WORD, LOG_FIELD_MAX);
	}
	if (id != NULL) {
		g_string_append_printf(line, "%smsgid=<", batch ? " " : "");
		text_append(line, id, -1, TEXT_WORD, LOG_FIELD_MAX);
		g_string_append_c(line, '>');
	}
	if (input->parts > 1)
		g_string_append_printf(line, " part=%u/%u", input->part, input->parts);
}

/* append_report - organisation, report-id, domains and figures */
static void
append_report(GString *line, const Report *report)
{
	g_string_append(line, " org=");
	text_append(line, report->organization_name, -1, TEXT_QUOTED, LOG_FIELD_MAX);
	g_string_append(line, " report_id=");
	text_append(line, report->report_id, -1, TEXT_QUOTED, LOG_FIELD_MAX);
	g_string_append(line, " domains=");
	text_append(line, report->policy_domains, -1, TEXT_QUOTED, LOG_FIELD_MAX);
	g_string_append_printf(line, " successful=%" G_GINT64_FORMAT " failed=%"
	    G_GINT64_FORMAT, report->successful_sessions, report->failed_sessions);
}

/* append_moved - where a stored input's file went, if it was moved */
static void
append_moved(GString *line, const PipelineInput *input)
{
	if (input->moved_to == NULL)
		return;
	g_string_append(line, ", moved to '");
	text_append(line, input->moved_to, -1, TEXT_LINE, LOG_PATH_MAX);
	g_string_append_c(line, '\'');
}

/* progress - redraw the progress bar, at most ten times a second */
static void
progress(Run *run, gboolean last)
{
	gint64 now = g_get_monotonic_time();
	double seconds = (now - run->started) / 1e6;
	double rate = seconds > 0 ? run->done / seconds : 0;
	guint64 total = MAX(run->total, run->done);

	if (!last && now - run->drawn < 100000)
		return;
	run->drawn = now;
	fprintf(stderr, "\r%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
	    " inputs, %.0f/s, ETA %.0fs   %s", run->done, total, rate,
	    rate > 0 ? (total - run->done) / rate : 0.0, last ? "\n" : "");
}

/* keep_error - remember why the one message on stdin failed: a part
 * deferred decides over a part refused, since the MTA keeps the message
 * then and hands it to us again */
static void
keep_error(Run *run, const GError *error)
{
	if (run->error != NULL && (exit_code(run->front, error_class_of(error))
	    != EX_TEMPFAIL || exit_code(run->front, error_class_of(run->error))
	    == EX_TEMPFAIL))
		return;
	g_clear_error(&run->error);
	run->error = g_error_copy(error);
}

/* fate_label - what a batch line says of an input not stored: its fate,
 * as the summary counts it */
static const char *
fate_label(const PipelineInput *input)
{
	switch (input->fate) {
	case FATE_SKIPPED:
		return "skipped";
	case FATE_DEFERRED:
		return "deferred";
	default:
		return error_class_name(error_class_of(input->error));
	}
}

/* notify - one input's outcome: its log line, and what the exit code needs
 *
 * One message on stdin always gets its line, to syslog and stderr.  In
 * batch mode lines go to stderr: one for each input that was not stored
 * (-q: none), one per stored report with -v, and one for a file that
 * could not be moved or deleted.
 */
static void
notify(const PipelineInput *input, gpointer data)
{
	Run *run = data;
	const Options *options = run->options;
	const Front *front = run->front;
	g_autoptr(GString) line = g_string_new(NULL);
	gboolean show = !run->batch || (!options->quiet
	    && (input->fate != FATE_STORED || options->verbose));
	gsize	key_len;

	if (run->batch)
		watchdog_pet(front);
	if (run->progress && run->done++ > 0 && !show)
		progress(run, FALSE);
	if (!run->batch && input->error != NULL && input->fate > FATE_PARSED)
		keep_error(run, input->error);
	if (!show && (input->unmoved == NULL || options->quiet))
		return;
	if (run->progress)
		fputs("\r\033[K", stderr);
	append_key(line, input, run->batch);
	key_len = line->len;
	if (input->report != NULL)
		append_report(line, input->report);

	switch (input->fate) {
	case FATE_STORED:
		if (!show)
			break;
		g_string_append_printf(line, " status=stored (report %"
		    G_GINT64_FORMAT, input->result->report_row);
		append_moved(line, input);
		g_string_append_c(line, ')');
		if (input->result->clash)
			g_string_append(line, ", warning: a different report with "
			    "the same organization-name and report-id is stored too");
		log_line(front->syslog_input, input->result->clash ? LOG_WARNING
		    : LOG_INFO, line);
		break;
	case FATE_DUPLICATE:
		g_string_append(line, " status=duplicate");
		append_moved(line, input);
		log_line(front->syslog_input, LOG_INFO, line);
		break;
	case FATE_PARSED:
		g_string_append(line, " status=parsed (dry run)");
		log_line(front->syslog_input, LOG_INFO, line);
		break;
	default:
		if (run->batch)
			log_status(front->syslog_input, line, fate_label(input),
			    input->error, FALSE);
		else
			fail(front, front->syslog_input, line, input->error);
		break;
	}
	/* A file not moved or deleted as asked is the user's to look at,
	 * on this run: say so. */
	if (input->unmoved != NULL) {
		g_string_truncate(line, key_len);
		g_string_append(line, " warning: ");
		text_append(line, input->unmoved->message, -1, TEXT_LINE, LOG_REASON_MAX);
		log_line(front->syslog_input, LOG_WARNING, line);
	}
}

/* print_report - --dry-run: the normalized report on standard output,
 * made safe for the terminal it may be */
static void
print_report(const PipelineInput *input, gpointer data)
{
	if (input->fate == FATE_PARSED) {
		g_autofree char *json = report_to_json_string(input->report);
		g_autofree char *text = text_safe(json, -1, TEXT_JSON, 0);

		if (printf("%s\n", text) < 0 || fflush(stdout) != 0) {
			g_autoptr(GError) error = g_error_new(TLSRPT_ERROR,
			    ERROR_TEMPORARY, "cannot write to standard output: %s",
			    g_strerror(errno));
			PipelineInput failed = *input;

			failed.fate = FATE_DEFERRED;
			failed.error = error;
			notify(&failed, data);
			return;
		}
	}
	notify(input, data);
}

/* count_one - the progress bar's count: one more input
 *
 * An mbox counts as one: looking inside every file to count its messages
 * would cost a read of the whole tree before the first is stored.
 */
static void
count_one(const TreeEntry *entry, gpointer data)
{
	(*(guint64 *)data)++;
}

/* log_summary - the last line of a batch run: what became of the inputs */
static void
log_summary(const Run *run, const Pipeline *pipeline)
{
	g_autoptr(GString) line = g_string_new(NULL);
	double	seconds = (g_get_monotonic_time() - run->started) / 1e6;
	guint64	inputs = 0;

	for (int f = 0; f < FATE_COUNT; f++)
		inputs += pipeline_count(pipeline, f);
	g_string_printf(line, "%" G_GUINT64_FORMAT " inputs: %" G_GUINT64_FORMAT
	    " stored, %" G_GUINT64_FORMAT " duplicate, %" G_GUINT64_FORMAT
	    " not a report, %" G_GUINT64_FORMAT " invalid", inputs,
	    pipeline_count(pipeline, FATE_STORED),
	    pipeline_count(pipeline, FATE_DUPLICATE),
	    pipeline_count(pipeline, FATE_NOT_REPORT),
	    pipeline_count(pipeline, FATE_INVALID));
	/* Foreign reports are counted only when there are some: the line
	 * stays as scripts know it for sites without a policy. */
	if (pipeline_count(pipeline, FATE_FOREIGN) > 0)
		g_string_append_printf(line, ", %" G_GUINT64_FORMAT " foreign",
		    pipeline_count(pipeline, FATE_FOREIGN));
	if (pipeline_count(pipeline, FATE_SKIPPED) > 0)
		g_string_append_printf(line, ", %" G_GUINT64_FORMAT " skipped",
		    pipeline_count(pipeline, FATE_SKIPPED));
	g_string_append_printf(line, ", %" G_GUINT64_FORMAT " deferred%s",
	    pipeline_count(pipeline, FATE_DEFERRED),
	    run->options->config.dry_run ? " (dry run)" : "");
	if (pipeline_unmoved(pipeline) > 0)
		g_string_append_printf(line, ", %" G_GUINT64_FORMAT " not %s",
		    pipeline_unmoved(pipeline), run->options->config.delete_done
		    ? "deleted" : "moved");
	g_string_append_printf(line, " in %.1fs (%.0f/s)", seconds,
	    seconds > 0 ? inputs / seconds : 0.0);
	log_line(run->front->syslog_run, pipeline_count(pipeline, FATE_DEFERRED)
	    || pipeline_unmoved(pipeline) ? LOG_WARNING : LOG_INFO, line);
}

/* run_batch - every PATH; returns the exit code */
static int
run_batch(const Options *options, const Front *front)
{
	Run run = {
		.options = options,
		.front = front,
		.batch = TRUE,
		.started = g_get_monotonic_time(),
		.progress = isatty(STDERR_FILENO) && !options->quiet,
	};
	PipelineConfig config = options->config;
	const char *skip[] = { config.move_done, config.move_failed, NULL };
	g_autoptr(Pipeline) pipeline = NULL;
	guint64 refused;

	for (char **path = options->paths; *path != NULL; path++) {
		if (access(*path, R_OK) != 0) {
			g_autoptr(GError) error = g_error_new(TLSRPT_ERROR, ERROR_USAGE,
			    "cannot read '%s': %s", *path, g_strerror(errno));
			g_autoptr(GString) line = g_string_new(NULL);

			return fail(front, front->syslog_input, line, error);
		}
		if (run.progress)
			tree_walk(*path, skip[0] != NULL ? skip : skip + 1, count_one,
			    &run.total, NULL);
	}
	/* One thread stores and the database server wants a core too: on two
	 * cores one parsing thread measured faster than two (make bench). */
	config.jobs = options->jobs > 0 ? (guint)options->jobs
	    : (guint)MAX(1, g_get_num_processors() - 1);
	pipeline = pipeline_new(&config, config.dry_run ? print_report : notify, &run);
	for (char **path = options->paths; *path != NULL; path++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GString) line = g_string_new(NULL);

		if (!pipeline_add_path(pipeline, *path, &error))
			fail(front, front->syslog_input, line, error);
	}
	pipeline_finish(pipeline);
	if (run.progress)
		progress(&run, TRUE);
	log_summary(&run, pipeline);

	refused = pipeline_count(pipeline, FATE_INVALID)
	    + pipeline_count(pipeline, FATE_NOT_REPORT)
	    + pipeline_count(pipeline, FATE_FOREIGN)
	    + pipeline_count(pipeline, FATE_SKIPPED);
	/* A file left where it was, stored but not moved, is one a run
	 * after the fix moves: as for a deferred one, try again. */
	if (pipeline_count(pipeline, FATE_DEFERRED) > 0 || pipeline_unmoved(pipeline) > 0)
		return EX_TEMPFAIL;
	if (options->strict && refused > 0)
		return front->refused_exit;
	return EX_OK;
}

/* run_stdin - the message on standard input; returns the exit code */
static int
run_stdin(const Options *options, const Front *front)
{
	Run run = { .options = options, .front = front };
	PipelineConfig config = options->config;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) input = NULL;
	g_autoptr(Pipeline) pipeline = NULL;
	int code = EX_OK;

	input = input_read_fd(STDIN_FILENO, (gsize)config.max_message_size,
	    "standard input", &error);
	waiting_for = WAIT_DATABASE;
	if (input == NULL) {
		g_autoptr(GString) line = g_string_new("input=stdin");

		return fail(front, front->syslog_input, line, error);
	}
	/* One message: parse and store inline, no threads. */
	config.jobs = 0;
	pipeline = pipeline_new(&config, config.dry_run ? print_report : notify, &run);
	pipeline_add_bytes(pipeline, input, "stdin");
	pipeline_finish(pipeline);
	if (run.error != NULL)
		code = exit_code(front, error_class_of(run.error));
	g_clear_error(&run.error);
	return code;
}

/* run_cgi - --cgi: one HTTP POST, answered by cgi.c; returns the exit code */
static int
run_cgi(const Options *options, const Front *front)
{
	Run run = { .options = options, .front = front };
	int code = cgi_serve(&options->config, notify, &run);

	g_clear_error(&run.error);
	return code;
}

/* move_target_ok - whether a --move-* option, if given, names a folder */
static gboolean
move_target_ok(const char *option, const char *dir, GError **error)
{
	if (dir == NULL || g_file_test(dir, G_FILE_TEST_IS_DIR))
		return TRUE;
	g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
	    "%s '%s': no such directory", option, dir);
	return FALSE;
}

/* What a numeric option may be. */
typedef struct option_range {
	const char	*name;
	gint64		 value;
	gint64		 min, max;
	const char	*why;		/* after the range: "", " seconds"... */
} OptionRange;

/* The largest of the numbers that have no natural bound: json-c takes no
 * text past 2 GiB; a day's wait is no timeout; threads past a few
 * hundred only compete for the store. */
#define OPTION_SIZE_MAX		(G_GINT64_CONSTANT(1) << 30)
#define OPTION_TIMEOUT_MAX	86400
#define OPTION_JOBS_MAX		256

/* options_valid - the options that depend on each other, and the numbers
 * GOption took without a look at their range */
static gboolean
options_valid(Options *options, GError **error)
{
	const PipelineConfig *config = &options->config;
	/* What each number may be: beyond, the server refuses the statement
	 * timeout (every message deferred forever), threads cannot be
	 * started, json-c cannot take the text. */
	const OptionRange ranges[] = {
		{ "--max-message-size", config->max_message_size, 1, OPTION_SIZE_MAX, "" },
		{ "--max-report-size", config->max_report_size, 1, OPTION_SIZE_MAX, "" },
		{ "--max-json-depth", config->limits.max_depth, REPORT_MIN_DEPTH,
		  REPORT_DEPTH_LIMIT, "" },
		{ "--max-string-length", config->limits.max_string, 1, OPTION_SIZE_MAX, "" },
		{ "--max-json-values", config->limits.max_values, 1, G_MAXINT, "" },
		{ "--max-policies", config->limits.max_policies, 1, G_MAXINT, "" },
		{ "--max-failure-details", config->limits.max_failure_details, 1,
		  G_MAXINT, "" },
		{ "--timeout", options->timeout, 1, OPTION_TIMEOUT_MAX, " seconds" },
		{ "--jobs", options->jobs, 0, OPTION_JOBS_MAX,
		  " (0: one per CPU but one)" },
		{ "--nameserver-port", options->nameserver_port, 0, 65535,
		  " (0: the DNS port, 53)" },
		{ "--refused-exit", options->refused_exit, 0, 255, "" },
		{ "--foreign-exit", options->foreign_exit, 0, 255, "" },
	};

	/* A lower limit would refuse every report, and bounce them all. */
	if (config->limits.max_depth < REPORT_MIN_DEPTH) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--max-json-depth must be at least %d: reports nest that deep",
		    REPORT_MIN_DEPTH);
		return FALSE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(ranges); i++) {
		const OptionRange *r = &ranges[i];

		if (r->value < r->min || r->value > r->max) {
			g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
			    "%s %" G_GINT64_FORMAT ": out of range, allowed %"
			    G_GINT64_FORMAT " to %" G_GINT64_FORMAT "%s", r->name,
			    r->value, r->min, r->max, r->why);
			return FALSE;
		}
	}
	if (options->paths != NULL && strcmp(options->paths[0], "-") == 0
	    && options->paths[1] == NULL)
		g_clear_pointer(&options->paths, g_strfreev);
	if ((config->delete_done || config->move_done || config->move_failed
	    || options->strict) && options->paths == NULL) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--delete, --move-done, --move-failed and --strict need PATHs");
		return FALSE;
	}
	if (config->delete_done && config->move_done != NULL) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--delete and --move-done exclude each other");
		return FALSE;
	}
	/* Found out only after the first commit, a missing folder would
	 * leave every stored message in place with an error line each. */
	if (!move_target_ok("--move-done", config->move_done, error) ||
	    !move_target_ok("--move-failed", config->move_failed, error))
		return FALSE;
	if (options->cgi && options->paths != NULL) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--cgi reads the request body, not PATHs");
		return FALSE;
	}
	if (config->policy.require_dkim && options->trust_authserv_id == NULL
	    && !options->verify_dkim) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--require-dkim needs --verify-dkim or --trust-authserv-id: "
		    "without a verifier, no report passes");
		return FALSE;
	}
	if ((options->nameserver != NULL || options->nameserver_port != 0)
	    && !options->verify_dkim) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--nameserver and --nameserver-port are for --verify-dkim's "
		    "key lookups");
		return FALSE;
	}
	/* A field claiming our own verifier's name would pass for it. */
	for (char **id = options->trust_authserv_id; id != NULL && *id != NULL; id++)
		if (g_ascii_strcasecmp(*id, VERIFY_AUTHSERV_ID) == 0) {
			g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
			    "--trust-authserv-id '%s': the name --verify-dkim's "
			    "own findings go by", *id);
			return FALSE;
		}
	if (config->policy.require_dkim && options->cgi) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--require-dkim would refuse every report posted over HTTPS "
		    "(--cgi): they carry no DKIM signature");
		return FALSE;
	}
	return TRUE;
}

/* parse_options - the command line into options; usage errors as GError */
static gboolean
parse_options(int *argc, char ***argv, Options *options, GError **error)
{
	PipelineConfig *config = &options->config;
	GOptionEntry entries[] = {
		{ "dbname", 'd', 0, G_OPTION_ARG_STRING, &options->conninfo,
		  "libpq connection string or URI (default: libpq's environment)", "CONNINFO" },
		{ "dry-run", 'n', 0, G_OPTION_ARG_NONE, &config->dry_run,
		  "print the normalized report as JSON; touch no database", NULL },
		{ "max-message-size", 0, 0, G_OPTION_ARG_INT64, &config->max_message_size,
		  "refuse messages larger than BYTES (default "
		  G_STRINGIFY(DEFAULT_MAX_MESSAGE_MIB) " MiB)", "BYTES" },
		{ "max-report-size", 0, 0, G_OPTION_ARG_INT64, &config->max_report_size,
		  "refuse reports larger than BYTES once decompressed (default "
		  G_STRINGIFY(DEFAULT_MAX_REPORT_MIB) " MiB)", "BYTES" },
		{ "max-json-depth", 0, 0, G_OPTION_ARG_INT, &config->limits.max_depth,
		  "refuse reports nested deeper than N levels (default "
		  G_STRINGIFY(REPORT_MAX_DEPTH) ")", "N" },
		{ "max-string-length", 0, 0, G_OPTION_ARG_INT64, &config->limits.max_string,
		  "refuse reports with a string longer than BYTES (default "
		  G_STRINGIFY(REPORT_MAX_STRING) ")", "BYTES" },
		{ "max-json-values", 0, 0, G_OPTION_ARG_INT, &config->limits.max_values,
		  "refuse reports of more than N JSON values (default "
		  G_STRINGIFY(REPORT_MAX_VALUES) ")", "N" },
		{ "max-policies", 0, 0, G_OPTION_ARG_INT, &config->limits.max_policies,
		  "refuse reports of more than N policies (default "
		  G_STRINGIFY(REPORT_MAX_POLICIES) ")", "N" },
		{ "max-failure-details", 0, 0, G_OPTION_ARG_INT,
		  &config->limits.max_failure_details,
		  "refuse reports of more than N failure-details (default "
		  G_STRINGIFY(REPORT_MAX_FAILURE_DETAILS) ")", "N" },
		{ "timeout", 't', 0, G_OPTION_ARG_INT, &options->timeout,
		  "defer if the database has not answered within SECONDS, 1 to "
		  G_STRINGIFY(OPTION_TIMEOUT_MAX) " (default " G_STRINGIFY(DEFAULT_TIMEOUT)
		  ")", "SECONDS" },
		{ "refused-exit", 0, 0, G_OPTION_ARG_INT, &options->refused_exit,
		  "exit code for messages that are not valid reports (default "
		  G_STRINGIFY(EX_DATAERR) ", EX_DATAERR)", "CODE" },
		{ "accept-domain", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options->accept_domain,
		  "store only reports about this policy domain or, as *.DOMAIN, "
		  "the names below it (repeatable)", "PATTERN" },
		{ "accept-domains-file", 0, 0, G_OPTION_ARG_FILENAME, &options->accept_domains_file,
		  "the same, one pattern a line", "FILE" },
		{ "trust-authserv-id", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options->trust_authserv_id,
		  "read DKIM results from Authentication-Results fields of this "
		  "authserv-id, the site's own verifier (repeatable)", "ID" },
		{ "verify-dkim", 0, 0, G_OPTION_ARG_NONE, &options->verify_dkim,
		  "verify the message's DKIM signatures ourselves (keys from DNS)", NULL },
		{ "nameserver", 0, 0, G_OPTION_ARG_STRING, &options->nameserver,
		  "--verify-dkim: ask this DNS server (default: resolv.conf's)", "ADDRESS" },
		{ "nameserver-port", 0, 0, G_OPTION_ARG_INT, &options->nameserver_port,
		  "--verify-dkim: on this port (default 53)", "PORT" },
		{ "require-dkim", 0, 0, G_OPTION_ARG_NONE, &config->policy.require_dkim,
		  "refuse reports without a valid DKIM signature of their reporter", NULL },
		{ "foreign-exit", 0, 0, G_OPTION_ARG_INT, &options->foreign_exit,
		  "exit code for reports refused by these rules (default "
		  G_STRINGIFY(EX_NOPERM) ", EX_NOPERM)", "CODE" },
		{ "delete", 0, 0, G_OPTION_ARG_NONE, &config->delete_done,
		  "batch: delete each file once its report is stored", NULL },
		{ "move-done", 0, 0, G_OPTION_ARG_FILENAME, &config->move_done,
		  "batch: move each file to DIR once its report is stored", "DIR" },
		{ "move-failed", 0, 0, G_OPTION_ARG_FILENAME, &config->move_failed,
		  "batch: move files that hold no valid report to DIR", "DIR" },
		{ "strict", 0, 0, G_OPTION_ARG_NONE, &options->strict,
		  "batch: fail (" G_STRINGIFY(EX_DATAERR) ") when any input was "
		  "not a valid report or was skipped", NULL },
		{ "jobs", 'j', 0, G_OPTION_ARG_INT, &options->jobs,
		  "batch: parse with N threads, up to " G_STRINGIFY(OPTION_JOBS_MAX)
		  " (default or 0: one per CPU but one)", "N" },
		{ "quiet", 'q', 0, G_OPTION_ARG_NONE, &options->quiet,
		  "batch: no line per input, only the summary", NULL },
		{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &options->verbose,
		  "batch: a line per stored report too", NULL },
		{ "cgi", 0, 0, G_OPTION_ARG_NONE, &options->cgi,
		  "answer one HTTP POST of a report, as a CGI program", NULL },
		{ "version", 'V', 0, G_OPTION_ARG_NONE, &options->version,
		  "print the version and exit", NULL },
		{ G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &options->paths,
		  NULL, NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	g_autoptr(GOptionContext) context = g_option_context_new("[PATH...]");

	g_option_context_set_summary(context,
	    "Store the SMTP TLS Reporting (RFC 8460) report of the message on "
	    "standard input in PostgreSQL, or every report under each PATH\n"
	    "(Maildirs, directories, mbox files, messages, .json and .json.gz "
	    "files).");
	g_option_context_set_description(context,
	    "Exit status: 0 stored or already stored, " G_STRINGIFY(EX_DATAERR)
	    " not a valid report, " G_STRINGIFY(EX_TEMPFAIL) " try again later.\n"
	    "See tlsrpt-ingest(1).");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, argc, argv, error)) {
		error_reclass(error, ERROR_USAGE);
		return FALSE;
	}
	return options_valid(options, error);
}

/* accept_patterns_load - --accept-domain and --accept-domains-file together
 *
 * A pattern on the command line that is no domain pattern is a usage
 * error; the file's mistakes are ERROR_CONFIG, named by line.  Lines of
 * the file hold one pattern; "#" starts a comment.
 */
static gboolean
accept_patterns_load(Options *options, GError **error)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	GPtrArray *patterns;

	if (options->accept_domain == NULL && options->accept_domains_file == NULL)
		return TRUE;
	patterns = options->accept_patterns = g_ptr_array_new_with_free_func(g_free);
	for (char **p = options->accept_domain; p != NULL && *p != NULL; p++) {
		if (!policy_domain_pattern_valid(*p)) {
			g_autofree char *shown = text_safe(*p, -1, TEXT_LINE, LOG_FIELD_MAX);

			g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
			    "--accept-domain '%s': not a domain name or *.domain", shown);
			return FALSE;
		}
		g_ptr_array_add(patterns, g_strdup(*p));
	}
	if (options->accept_domains_file != NULL) {
		GError *read_error = NULL;

		if (!g_file_get_contents(options->accept_domains_file, &text, NULL,
		    &read_error)) {
			g_set_error(error, TLSRPT_ERROR, ERROR_CONFIG,
			    "cannot read the accepted domains: %s", read_error->message);
			g_error_free(read_error);
			return FALSE;
		}
		lines = g_strsplit(text, "\n", -1);
		for (guint i = 0; lines[i] != NULL; i++) {
			char *line = g_strstrip(g_strdelimit(lines[i], "#", '\0'));

			if (*line == '\0')
				continue;
			if (!policy_domain_pattern_valid(line)) {
				g_set_error(error, TLSRPT_ERROR, ERROR_CONFIG,
				    "'%s' line %u: not a domain name or *.domain",
				    options->accept_domains_file, i + 1);
				return FALSE;
			}
			g_ptr_array_add(patterns, g_strdup(line));
		}
	}
	/* An empty list would accept everything: a file emptied by mistake
	 * must not open the gate. */
	if (patterns->len == 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_CONFIG,
		    "'%s' names no domain", options->accept_domains_file);
		return FALSE;
	}
	g_ptr_array_add(patterns, NULL);
	return TRUE;
}

/* options_configure - what the options imply for the pipeline besides
 * what they wrote into it: the database and its waits, the site's lists,
 * our own DKIM verifier; FALSE with an error if that cannot be set up */
static gboolean
options_configure(Options *options, GError **error)
{
	PipelineConfig *config = &options->config;
	int	t = options->timeout, dns = 0;

	if (options->verify_dkim) {
		VerifyOptions verify = {
			.dns = { .nameserver = options->nameserver,
			    .port = (guint)options->nameserver_port },
		};

		dns = MAX(TIMEOUT_DNS_MIN, t / TIMEOUT_DNS_SHARE);
		verify.timeout_ms = (guint)dns * 1000;
		options->verifier = verify_new(&verify, error);
		if (options->verifier == NULL)
			return FALSE;
		t = MAX(0, t - dns);
	}
	config->db.client = PG_INGEST;
	config->db.conninfo = options->conninfo;
	config->db.connect_timeout = (guint)MAX(TIMEOUT_CONNECT_MIN,
	    t / TIMEOUT_CONNECT_SHARE);
	config->db.statement_timeout = (guint)MAX(TIMEOUT_STATEMENT_MIN,
	    t - t / TIMEOUT_CONNECT_SHARE);
	config->policy.accept_domains = options->accept_patterns != NULL
	    ? (const char *const *)options->accept_patterns->pdata : NULL;
	config->policy.trusted_authserv_ids =
	    (const char *const *)options->trust_authserv_id;
	config->policy.verifier = options->verifier;
	return TRUE;
}

/* front_of - how the run ends and where it says so, from the options
 *
 * Also for a command line that is not understood: then what was read of
 * it counts (PATHs given: no message waits), and the mistake goes to
 * syslog too, since nobody may be reading stderr.
 */
static Front
front_of(const Options *options, gboolean understood)
{
	gboolean batch = options->paths != NULL;
	gboolean quiet = understood && options->config.dry_run;

	return (Front) {
		.waiting = !batch && !isatty(STDIN_FILENO),
		.refused_exit = options->refused_exit,
		.foreign_exit = options->foreign_exit,
		.syslog_input = !batch && !quiet,
		.syslog_run = !quiet,
		.watchdog = 2 * (unsigned)options->timeout + TIMEOUT_ALARM_GRACE,
	};
}

/* options_clear - free what parsing the command line allocated
 *
 * Also after a usage error: a leak there turns 75 into 1 under
 * AddressSanitizer, and the tests run under it.
 */
static void
options_clear(Options *options)
{
	g_clear_pointer(&options->conninfo, g_free);
	g_clear_pointer(&options->config.move_done, g_free);
	g_clear_pointer(&options->config.move_failed, g_free);
	g_clear_pointer(&options->paths, g_strfreev);
	g_clear_pointer(&options->accept_domain, g_strfreev);
	g_clear_pointer(&options->accept_domains_file, g_free);
	g_clear_pointer(&options->accept_patterns, g_ptr_array_unref);
	g_clear_pointer(&options->trust_authserv_id, g_strfreev);
	g_clear_pointer(&options->nameserver, g_free);
	g_clear_pointer(&options->verifier, verify_free);
}

/* std_fds_open - open on /dev/null what of standard input, output and
 * error is closed
 *
 * A shell (2>&-) or a careless parent may start us without them; the
 * next file opened would take the number, and with stderr closed the
 * log lines went into the PostgreSQL connection.
 */
static void
std_fds_open(void)
{
	for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		int	null;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		null = open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY);
		if (null >= 0 && null != fd) {
			dup2(null, fd);
			close(null);
		}
	}
}

/* log_writer - GLib's fatal errors defer
 *
 * GLib ends the process when memory or a thread cannot be had; it would
 * die by SIGABRT, which some MDAs take for a refusal.  Memory is a
 * temporary shortage: the line and the exit say so.  Other messages go
 * where GLib sends them.
 */
static GLogWriterOutput
log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
    gpointer data)
{
	static const char prefix[] = "tlsrpt-ingest: status=deferred: ";
	static const char suffix[] = " (out of memory or threads?)\n";
	ssize_t ignored;

	if (!(level & G_LOG_LEVEL_ERROR))
		return g_log_writer_default(level, fields, n_fields, data);
	ignored = write(STDERR_FILENO, prefix, sizeof(prefix) - 1);
	for (gsize i = 0; i < n_fields; i++)
		if (strcmp(fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
			ignored = write(STDERR_FILENO, fields[i].value,
			    strnlen(fields[i].value, LOG_REASON_MAX));
	ignored = write(STDERR_FILENO, suffix, sizeof(suffix) - 1);
	(void)ignored;
	_exit(EX_TEMPFAIL);
}

/* batch_resources - what a batch run needs of the system: a descriptor
 * per directory whose files are in flight, and big buffers given back
 * when freed
 *
 * glibc raises its threshold for serving allocations from fresh memory
 * (mmap) to the size of the largest block freed, up to 32 MB; then the
 * buffers of many large reports come from the heap, where a few stay
 * behind and keep the rest of it.  A fixed threshold keeps memory flat.
 */
static void
batch_resources(void)
{
	struct rlimit limit;

	if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
		limit.rlim_cur = limit.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &limit);
	}
	mallopt(M_MMAP_THRESHOLD, BATCH_MMAP_THRESHOLD);
}

int
main(int argc, char **argv)
{
	Options options = {
		.config = {
			.max_message_size = DEFAULT_MAX_MESSAGE_MIB * 1024 * 1024,
			.max_report_size = DEFAULT_MAX_REPORT_MIB * 1024 * 1024,
			.limits = REPORT_LIMITS_DEFAULT,
		},
		.timeout = DEFAULT_TIMEOUT,
		.refused_exit = EX_DATAERR,
		.foreign_exit = EX_NOPERM,
	};
	g_autoptr(GError) error = NULL;
	Front	front;
	int	code;

	std_fds_open();
	g_log_set_writer_func(log_writer, NULL, NULL);
	g_set_prgname("tlsrpt-ingest");
	openlog("tlsrpt-ingest", LOG_PID, LOG_MAIL);
	signal(SIGALRM, on_alarm);

	if (!parse_options(&argc, &argv, &options, &error)) {
		front = front_of(&options, FALSE);
		code = fail_run(&front, error);
	} else if (options.version) {
		puts(PACKAGE_STRING);
		code = EX_OK;
	} else {
		front = front_of(&options, TRUE);
		if (!accept_patterns_load(&options, &error) ||
		    !options_configure(&options, &error)) {
			code = fail_run(&front, error);
		} else {
			if (options.paths != NULL) {
				waiting_for = WAIT_BATCH;
				watchdog_pet(&front);
				batch_resources();
				code = run_batch(&options, &front);
			} else {
				alarm((unsigned)options.timeout + TIMEOUT_ALARM_GRACE);
				code = options.cgi ? run_cgi(&options, &front)
				    : run_stdin(&options, &front);
			}
		}
	}
	options_clear(&options);
	closelog();
	return code;
}
