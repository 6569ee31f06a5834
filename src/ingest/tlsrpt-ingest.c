/* tlsrpt-ingest.c - store the TLS-RPT report of one delivered message
 *
 * The command-line front.  An MTA or MDA runs us once per message, with
 * the message on standard input; the exit code tells it what to do next.
 * The stages never exit and never log: they return an error of a class,
 * and this file alone turns classes into exit codes and log lines.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <syslog.h>
#include <unistd.h>

#include "pipeline.h"
#include "cgi.h"
#include "common/error.h"
#include "input.h"
#include "message.h"
#include "policy.h"
#include "report.h"
#include "tree.h"

#define DEFAULT_MAX_MESSAGE_SIZE	(64 * 1024 * 1024)
#define DEFAULT_MAX_REPORT_SIZE		(32 * 1024 * 1024)
#define DEFAULT_TIMEOUT			60

typedef struct options {
	char		*conninfo;
	gboolean	 dry_run;
	gint64		 max_message_size;
	gint64		 max_report_size;
	gint		 max_json_depth;
	gint64		 max_string_length;
	gint		 max_json_values;
	gint		 max_policies;
	gint		 max_failure_details;
	gint		 timeout;
	gint		 refused_exit;
	/* the site's policy: whose reports, signed by whom */
	char		**accept_domain;
	char		*accept_domains_file;
	GPtrArray	*accept_patterns;	/* both together, NULL-terminated */
	char		**trust_authserv_id;
	gboolean	 require_dkim;
	gint		 foreign_exit;
	gboolean	 version;
	gboolean	 cgi;		/* answer one HTTP POST (rua=https:) */
	/* batch mode */
	gboolean	 delete_done;
	char		*move_done;
	char		*move_failed;
	gboolean	 strict;
	gboolean	 quiet;
	gboolean	 verbose;
	gint		 jobs;
	char		**paths;
} Options;

/* What the notify function needs besides the options. */
typedef struct run {
	const Options	*options;
	gboolean	 batch;		/* PATHs given: not one message on stdin */
	GError		*error;		/* stdin: why the one input failed */
	guint64		 total;		/* batch: inputs found, for the progress bar */
	guint64		 done;
	gint64		 started;	/* monotonic microseconds */
	gint64		 drawn;
	gboolean	 progress;	/* stderr is a terminal */
} Run;

/* Whether a message waits on standard input for our verdict.  Then every
 * failure that is not the message's fault must defer it: Postfix's pipe(8)
 * bounces on any code but EX_TEMPFAIL and EX_OSERR, and a bounced report
 * is a lost report. */
static gboolean message_waiting;
static gboolean log_to_syslog = TRUE;

/* The exit code of a report the site's policy refuses (--foreign-exit). */
static int foreign_exit = EX_NOPERM;

/* exit_code - the one place where a class of failure becomes an exit code */
static int
exit_code(ErrorClass class, int refused_exit)
{
	switch (class) {
	case ERROR_NOT_REPORT:
	case ERROR_INVALID:
		return refused_exit;
	case ERROR_TEMPORARY:
		return EX_TEMPFAIL;
	case ERROR_CONFIG:
		return message_waiting ? EX_TEMPFAIL : EX_CONFIG;
	case ERROR_USAGE:
		return message_waiting ? EX_TEMPFAIL : EX_USAGE;
	case ERROR_INTERNAL:
		return message_waiting ? EX_TEMPFAIL : EX_SOFTWARE;
	case ERROR_FOREIGN:
		return foreign_exit;
	}
	return EX_TEMPFAIL;
}

/* log_line - one line to syslog (LOG_MAIL) and to stderr for the MTA's log */
G_GNUC_PRINTF(2, 3) static void
log_line(int priority, const char *fmt, ...)
{
	g_autofree char *line = NULL;
	va_list ap;

	va_start(ap, fmt);
	line = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (log_to_syslog)
		syslog(priority, "%s", line);
	fprintf(stderr, "%s: %s\n", g_get_prgname(), line);
}

/* quoted - a message-controlled string made safe for a log line; owned
 *
 * Control characters, quotes and backslashes are escaped; UTF-8 passes, so
 * that an organisation's name stays readable.
 */
static char *
quoted(const char *text)
{
	static char high_bytes[129];
	g_autofree char *escaped = NULL;

	if (high_bytes[0] == '\0')
		for (int i = 0; i < 128; i++)
			high_bytes[i] = (char)(0x80 + i);
	if (text == NULL)
		return g_strdup("-");
	escaped = g_strescape(text, high_bytes);
	return g_strdup_printf("\"%s\"", escaped);
}

/* input_key - how log lines name the input: its Message-ID when it has one */
static char *
input_key(const Message *message, const char *name)
{
	g_autofree char *id = NULL;

	if (message == NULL || message->message_id == NULL)
		return g_strdup_printf("input=%s", name);
	id = g_strescape(message->message_id, NULL);
	return g_strdup_printf("msgid=<%s>", id);
}

/* report_key - organisation, report-id, domains and figures of a report */
static char *
report_key(const Report *report)
{
	g_autofree char *org = quoted(report->organization_name);
	g_autofree char *id = quoted(report->report_id);
	g_autofree char *domains = quoted(report->policy_domains);

	return g_strdup_printf("org=%s report_id=%s domains=%s "
	    "successful=%" G_GINT64_FORMAT " failed=%" G_GINT64_FORMAT,
	    org, id, domains, report->successful_sessions,
	    report->failed_sessions);
}

/* refuse - log why an input was not stored */
static void
refuse(const Options *options, const char *key, const char *about,
    const GError *error)
{
	ErrorClass class = error_class_of(error);
	gboolean deferred = exit_code(class, options->refused_exit) == EX_TEMPFAIL;

	log_line(deferred ? LOG_WARNING : LOG_NOTICE, "%s%s%s status=%s: %s",
	    key, about ? " " : "", about ? about : "",
	    deferred ? "deferred" : error_class_name(class), error->message);
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

/* notify - one input's outcome: its log line, and what the exit code needs
 *
 * One message on stdin always gets its line, to syslog and stderr.  In
 * batch mode lines go to stderr: one for each input that was not stored
 * (-q: none), one per stored report with -v.
 */
static void
notify(const PipelineInput *input, gpointer data)
{
	Run *run = data;
	const Options *options = run->options;
	g_autofree char *key = NULL;
	g_autofree char *about = input->report ? report_key(input->report) : NULL;
	g_autofree char *moved = input->moved_to
	    ? g_strdup_printf(", moved to '%s'", input->moved_to) : NULL;
	gboolean show = !run->batch || (!options->quiet
	    && (input->fate != FATE_STORED || options->verbose));

	if (run->progress && run->done++ > 0 && !show)
		progress(run, FALSE);
	if (!show)
		return;
	if (run->progress)
		fputs("\r\033[K", stderr);
	if (run->batch) {
		g_autofree char *id = input_key(input->message, "");

		key = input->message && input->message->message_id
		    ? g_strdup_printf("file=%s %s", input->name, id)
		    : g_strdup_printf("file=%s", input->name);
	} else {
		key = input_key(input->message, input->name);
	}

	switch (input->fate) {
	case FATE_STORED:
		if (input->result->clash)
			log_line(LOG_WARNING, "%s %s status=stored (report %"
			    G_GINT64_FORMAT "%s), warning: a different report "
			    "with the same organization-name and report-id is "
			    "stored too", key, about, input->result->report_row,
			    moved ? moved : "");
		else
			log_line(LOG_INFO, "%s %s status=stored (report %"
			    G_GINT64_FORMAT "%s)", key, about,
			    input->result->report_row, moved ? moved : "");
		break;
	case FATE_DUPLICATE:
		log_line(LOG_INFO, "%s %s status=duplicate%s", key, about,
		    moved ? moved : "");
		break;
	case FATE_PARSED:
		log_line(LOG_INFO, "%s %s status=parsed (dry run)", key, about);
		break;
	default:
		refuse(options, key, about, input->error);
		break;
	}
	/* A file stored but not moved is the user's to look at: say so. */
	if (input->error != NULL && input->fate <= FATE_DUPLICATE)
		log_line(LOG_WARNING, "%s %s", key, input->error->message);
	if (!run->batch && input->error != NULL && input->fate > FATE_PARSED)
		run->error = g_error_copy(input->error);
}

/* print_report - --dry-run: the normalized report on standard output */
static void
print_report(const PipelineInput *input, gpointer data)
{
	Run *run = data;

	if (input->fate == FATE_PARSED) {
		g_autofree char *text = report_to_json_string(input->report);

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
	notify(input, run);
}

/* count_one - the progress bar's count: one more input
 *
 * An mbox counts as one: looking inside every file to count its messages
 * would cost a read of the whole tree before the first is stored.
 */
static gboolean
count_one(const char *path, TreeKind kind, gpointer data, GError **error)
{
	(*(guint64 *)data)++;
	return TRUE;
}

/* run_batch - every PATH; returns the exit code */
static int
run_batch(const Options *options, PipelineConfig *config)
{
	Run run = {
		.options = options,
		.batch = TRUE,
		.started = g_get_monotonic_time(),
		.progress = isatty(STDERR_FILENO) && !options->quiet,
	};
	g_autoptr(Pipeline) pipeline = NULL;
	g_autofree char *foreign = NULL;
	double seconds;
	guint64 deferred, refused, inputs = 0;
	int f;

	for (char **path = options->paths; *path != NULL; path++) {
		if (access(*path, R_OK) != 0) {
			log_line(LOG_ERR, "status=usage error: cannot read '%s': %s",
			    *path, g_strerror(errno));
			return EX_USAGE;
		}
		if (run.progress) {
			const char *skip[] = { options->move_done, options->move_failed, NULL };

			tree_walk(*path, skip[0] != NULL ? skip : skip + 1, count_one,
			    &run.total, NULL);
		}
	}
	/* One thread stores and the database server wants a core too: on two
	 * cores one parsing thread measured faster than two (make bench). */
	config->jobs = options->jobs > 0 ? (guint)options->jobs
	    : MAX(1, g_get_num_processors() - 1);
	pipeline = pipeline_new(config, options->dry_run ? print_report : notify, &run);
	for (char **path = options->paths; *path != NULL; path++) {
		g_autoptr(GError) error = NULL;

		if (!pipeline_add_path(pipeline, *path, &error))
			log_line(LOG_ERR, "status=usage error: %s", error->message);
	}
	pipeline_finish(pipeline);
	if (run.progress)
		progress(&run, TRUE);

	for (f = 0; f < FATE_COUNT; f++)
		inputs += pipeline_count(pipeline, f);
	seconds = (g_get_monotonic_time() - run.started) / 1e6;
	deferred = pipeline_count(pipeline, FATE_DEFERRED);
	refused = pipeline_count(pipeline, FATE_INVALID) + pipeline_count(pipeline, FATE_NOT_REPORT)
	    + pipeline_count(pipeline, FATE_FOREIGN);
	/* Foreign reports are counted only when there are some: the line
	 * stays as scripts know it for sites without a policy. */
	foreign = pipeline_count(pipeline, FATE_FOREIGN) == 0 ? g_strdup("")
	    : g_strdup_printf(", %" G_GUINT64_FORMAT " foreign",
	    pipeline_count(pipeline, FATE_FOREIGN));
	log_to_syslog = !options->dry_run;
	log_line(deferred ? LOG_WARNING : LOG_INFO, "%" G_GUINT64_FORMAT " inputs: "
	    "%" G_GUINT64_FORMAT " stored, %" G_GUINT64_FORMAT " duplicate, "
	    "%" G_GUINT64_FORMAT " not a report, %" G_GUINT64_FORMAT " invalid%s, "
	    "%" G_GUINT64_FORMAT " deferred%s in %.1fs (%.0f/s)", inputs,
	    pipeline_count(pipeline, FATE_STORED), pipeline_count(pipeline, FATE_DUPLICATE),
	    pipeline_count(pipeline, FATE_NOT_REPORT), pipeline_count(pipeline, FATE_INVALID),
	    foreign, deferred, options->dry_run ? " (dry run)" : "", seconds,
	    seconds > 0 ? inputs / seconds : 0.0);
	if (deferred > 0)
		return EX_TEMPFAIL;
	if (options->strict && refused > 0)
		return options->refused_exit;
	return EX_OK;
}

/* run_stdin - the message on standard input; returns the exit code */
static int
run_stdin(const Options *options, PipelineConfig *config)
{
	Run run = { .options = options };
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) input = NULL;
	g_autoptr(Pipeline) pipeline = NULL;
	int code = EX_OK;

	input = input_read_fd(STDIN_FILENO, options->max_message_size,
	    "standard input", &error);
	if (input == NULL) {
		refuse(options, "input=stdin", NULL, error);
		return exit_code(error_class_of(error), options->refused_exit);
	}
	/* One message: parse and store inline, no threads. */
	config->jobs = 0;
	pipeline = pipeline_new(config, options->dry_run ? print_report : notify, &run);
	pipeline_add_bytes(pipeline, input, "stdin");
	pipeline_finish(pipeline);
	if (run.error != NULL)
		code = exit_code(error_class_of(run.error), options->refused_exit);
	g_clear_error(&run.error);
	return code;
}

/* run_cgi - --cgi: one HTTP POST, answered by cgi.c; returns the exit code */
static int
run_cgi(const Options *options, PipelineConfig *config)
{
	Run run = { .options = options };
	int code = cgi_serve(config, notify, &run);

	g_clear_error(&run.error);
	return code;
}

/* on_alarm - the last resort against a hung peer: defer, do not hang the MTA
 *
 * The report is written by one statement, so dying here leaves nothing
 * half-written; the MTA retries, and a retry of a report whose commit did
 * reach the server is a harmless duplicate.
 */
static void
on_alarm(int sig)
{
	static const char line[] = "tlsrpt-ingest: status=deferred: "
	    "timed out waiting for the database\n";

	ssize_t ignored;

	(void)sig;
	ignored = write(STDERR_FILENO, line, sizeof(line) - 1);
	(void)ignored;
	_exit(EX_TEMPFAIL);
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

/* parse_options - the command line into options; usage errors as GError */
static gboolean
parse_options(int *argc, char ***argv, Options *options, GError **error)
{
	GOptionEntry entries[] = {
		{ "dbname", 'd', 0, G_OPTION_ARG_STRING, &options->conninfo,
		  "libpq connection string or URI (default: libpq's environment)", "CONNINFO" },
		{ "dry-run", 'n', 0, G_OPTION_ARG_NONE, &options->dry_run,
		  "print the normalized report as JSON; touch no database", NULL },
		{ "max-message-size", 0, 0, G_OPTION_ARG_INT64, &options->max_message_size,
		  "refuse messages larger than BYTES (default 64 MiB)", "BYTES" },
		{ "max-report-size", 0, 0, G_OPTION_ARG_INT64, &options->max_report_size,
		  "refuse reports larger than BYTES once decompressed (default 32 MiB)", "BYTES" },
		{ "max-json-depth", 0, 0, G_OPTION_ARG_INT, &options->max_json_depth,
		  "refuse reports nested deeper than N levels (default 32)", "N" },
		{ "max-string-length", 0, 0, G_OPTION_ARG_INT64, &options->max_string_length,
		  "refuse reports with a string longer than BYTES (default 65536)", "BYTES" },
		{ "max-json-values", 0, 0, G_OPTION_ARG_INT, &options->max_json_values,
		  "refuse reports of more than N JSON values (default 500000)", "N" },
		{ "max-policies", 0, 0, G_OPTION_ARG_INT, &options->max_policies,
		  "refuse reports of more than N policies (default 10000)", "N" },
		{ "max-failure-details", 0, 0, G_OPTION_ARG_INT, &options->max_failure_details,
		  "refuse reports of more than N failure-details (default 50000)", "N" },
		{ "timeout", 't', 0, G_OPTION_ARG_INT, &options->timeout,
		  "defer if the database has not answered within SECONDS (default 60)", "SECONDS" },
		{ "refused-exit", 0, 0, G_OPTION_ARG_INT, &options->refused_exit,
		  "exit code for messages that are not valid reports (default 65, EX_DATAERR)", "CODE" },
		{ "accept-domain", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options->accept_domain,
		  "store only reports about this policy domain or, as *.DOMAIN, "
		  "the names below it (repeatable)", "PATTERN" },
		{ "accept-domains-file", 0, 0, G_OPTION_ARG_FILENAME, &options->accept_domains_file,
		  "the same, one pattern a line", "FILE" },
		{ "trust-authserv-id", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options->trust_authserv_id,
		  "read DKIM results from Authentication-Results fields of this "
		  "authserv-id, the site's own verifier (repeatable)", "ID" },
		{ "require-dkim", 0, 0, G_OPTION_ARG_NONE, &options->require_dkim,
		  "refuse reports without a valid DKIM signature of their reporter", NULL },
		{ "foreign-exit", 0, 0, G_OPTION_ARG_INT, &options->foreign_exit,
		  "exit code for reports refused by these rules (default 77, EX_NOPERM)", "CODE" },
		{ "delete", 0, 0, G_OPTION_ARG_NONE, &options->delete_done,
		  "batch: delete each file once its report is stored", NULL },
		{ "move-done", 0, 0, G_OPTION_ARG_FILENAME, &options->move_done,
		  "batch: move each file to DIR once its report is stored", "DIR" },
		{ "move-failed", 0, 0, G_OPTION_ARG_FILENAME, &options->move_failed,
		  "batch: move files that hold no valid report to DIR", "DIR" },
		{ "strict", 0, 0, G_OPTION_ARG_NONE, &options->strict,
		  "batch: fail (65) when any input was not a valid report", NULL },
		{ "jobs", 'j', 0, G_OPTION_ARG_INT, &options->jobs,
		  "batch: parse with N threads (default: one per CPU but one)", "N" },
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
	    "Exit status: 0 stored or already stored, 65 not a valid report, "
	    "75 try again later.\nSee tlsrpt-ingest(1).");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, argc, argv, error)) {
		error_reclass(error, ERROR_USAGE);
		return FALSE;
	}
	if (options->max_message_size <= 0 || options->max_report_size <= 0
	    || options->max_string_length <= 0 || options->max_json_values <= 0
	    || options->max_policies <= 0 || options->max_failure_details <= 0
	    || options->timeout <= 0 || options->refused_exit < 0
	    || options->refused_exit > 255 || options->foreign_exit < 0
	    || options->foreign_exit > 255) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "sizes, limits, --timeout and --refused-exit must be positive numbers");
		return FALSE;
	}
	/* A lower limit would refuse every report, and bounce them all. */
	if (options->max_json_depth < REPORT_MIN_DEPTH) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--max-json-depth must be at least %d: reports nest that deep",
		    REPORT_MIN_DEPTH);
		return FALSE;
	}
	if (options->paths != NULL && strcmp(options->paths[0], "-") == 0
	    && options->paths[1] == NULL)
		g_clear_pointer(&options->paths, g_strfreev);
	if ((options->delete_done || options->move_done || options->move_failed
	    || options->strict) && options->paths == NULL) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--delete, --move-done, --move-failed and --strict need PATHs");
		return FALSE;
	}
	if (options->delete_done && options->move_done != NULL) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--delete and --move-done exclude each other");
		return FALSE;
	}
	/* Found out only after the first commit, a missing folder would
	 * leave every stored message in place with an error line each. */
	if (!move_target_ok("--move-done", options->move_done, error) ||
	    !move_target_ok("--move-failed", options->move_failed, error))
		return FALSE;
	if (options->cgi && options->paths != NULL) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--cgi reads the request body, not PATHs");
		return FALSE;
	}
	if (options->require_dkim && options->trust_authserv_id == NULL) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--require-dkim needs --trust-authserv-id: without a verifier "
		    "to trust, no report passes");
		return FALSE;
	}
	if (options->require_dkim && options->cgi) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--require-dkim would refuse every report posted over HTTPS "
		    "(--cgi): they carry no DKIM signature");
		return FALSE;
	}
	return TRUE;
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
			g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
			    "--accept-domain '%s': not a domain name or *.domain", *p);
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

/* options_clear - free what parsing the command line allocated
 *
 * Also after a usage error: a leak there turns 75 into 1 under
 * AddressSanitizer, and the tests run under it.
 */
static void
options_clear(Options *options)
{
	g_clear_pointer(&options->conninfo, g_free);
	g_clear_pointer(&options->move_done, g_free);
	g_clear_pointer(&options->move_failed, g_free);
	g_clear_pointer(&options->paths, g_strfreev);
	g_clear_pointer(&options->accept_domain, g_strfreev);
	g_clear_pointer(&options->accept_domains_file, g_free);
	g_clear_pointer(&options->accept_patterns, g_ptr_array_unref);
	g_clear_pointer(&options->trust_authserv_id, g_strfreev);
}

int
main(int argc, char **argv)
{
	static const ReportLimits limits = REPORT_LIMITS_DEFAULT;
	Options options = {
		.max_message_size = DEFAULT_MAX_MESSAGE_SIZE,
		.max_report_size = DEFAULT_MAX_REPORT_SIZE,
		.max_json_depth = (gint)limits.max_depth,
		.max_string_length = (gint64)limits.max_string,
		.max_json_values = (gint)limits.max_values,
		.max_policies = (gint)limits.max_policies,
		.max_failure_details = (gint)limits.max_failure_details,
		.timeout = DEFAULT_TIMEOUT,
		.refused_exit = EX_DATAERR,
		.foreign_exit = EX_NOPERM,
	};
	g_autoptr(GError) error = NULL;
	PipelineConfig config = { 0 };
	gboolean ok;
	int code;

	g_set_prgname("tlsrpt-ingest");
	message_waiting = !isatty(STDIN_FILENO);
	openlog("tlsrpt-ingest", LOG_PID, LOG_MAIL);

	ok = parse_options(&argc, &argv, &options, &error);
	/* PATHs given and understood: a batch run, no message waits on
	 * stdin, and a mistake is for the user to see. */
	if (options.paths != NULL)
		message_waiting = FALSE;
	if (!ok) {
		code = exit_code(ERROR_USAGE, options.refused_exit);
		log_line(LOG_ERR, "status=%s: %s%s", code == EX_TEMPFAIL
		    ? "deferred" : "usage error", error->message,
		    code == EX_TEMPFAIL ? " (command line, deferring the message)" : "");
		options_clear(&options);
		return code;
	}
	if (options.version) {
		options_clear(&options);
		puts(PACKAGE_STRING);
		return EX_OK;
	}
	foreign_exit = options.foreign_exit;
	if (!accept_patterns_load(&options, &error)) {
		code = exit_code(error_class_of(error), options.refused_exit);
		log_line(LOG_ERR, "status=%s: %s", code == EX_TEMPFAIL ? "deferred"
		    : error_class_name(error_class_of(error)), error->message);
		options_clear(&options);
		return code;
	}
	if (options.dry_run)
		log_to_syslog = FALSE;

	config.db.client = PG_INGEST;
	config.db.conninfo = options.conninfo;
	config.db.connect_timeout = MAX(2, options.timeout / 3);
	config.db.statement_timeout = MAX(1, options.timeout - options.timeout / 3);
	config.max_message_size = options.max_message_size;
	config.max_report_size = options.max_report_size;
	config.limits.max_depth = (guint)options.max_json_depth;
	config.limits.max_string = (gsize)options.max_string_length;
	config.limits.max_values = (guint)options.max_json_values;
	config.limits.max_policies = (guint)options.max_policies;
	config.limits.max_failure_details = (guint)options.max_failure_details;
	config.policy.accept_domains = options.accept_patterns != NULL
	    ? (const char *const *)options.accept_patterns->pdata : NULL;
	config.policy.trusted_authserv_ids = (const char *const *)options.trust_authserv_id;
	config.policy.require_dkim = options.require_dkim;
	config.dry_run = options.dry_run;
	config.delete_done = options.delete_done;
	config.move_done = options.move_done;
	config.move_failed = options.move_failed;

	if (options.paths != NULL) {
		log_to_syslog = FALSE;
		code = run_batch(&options, &config);
	} else {
		signal(SIGALRM, on_alarm);
		alarm((unsigned)options.timeout + 5);
		code = options.cgi ? run_cgi(&options, &config)
		    : run_stdin(&options, &config);
	}

	options_clear(&options);
	closelog();
	return code;
}
