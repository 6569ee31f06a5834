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

#include "decode.h"
#include "error.h"
#include "input.h"
#include "message.h"
#include "report.h"
#include "store.h"

#define DEFAULT_MAX_MESSAGE_SIZE	(64 * 1024 * 1024)
#define DEFAULT_MAX_REPORT_SIZE		(32 * 1024 * 1024)
#define DEFAULT_TIMEOUT			60

typedef struct options {
	char		*conninfo;
	gboolean	 dry_run;
	gint64		 max_message_size;
	gint64		 max_report_size;
	gint		 timeout;
	gint		 refused_exit;
	gboolean	 version;
	char		**paths;
} Options;

/* What became of an input that was not refused. */
typedef enum {
	FATE_STORED,
	FATE_DUPLICATE,
	FATE_PARSED,		/* --dry-run */
} Fate;

/* Whether a message waits on standard input for our verdict.  Then every
 * failure that is not the message's fault must defer it: Postfix's pipe(8)
 * bounces on any code but EX_TEMPFAIL and EX_OSERR, and a bounced report
 * is a lost report. */
static gboolean message_waiting;
static gboolean log_to_syslog = TRUE;

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

/* refuse - log why an input was not stored, and pass the error on */
static gboolean
refuse(const Options *options, const char *key, const char *about,
    GError *error, GError **out)
{
	ErrorClass class = error_class_of(error);
	gboolean deferred = exit_code(class, options->refused_exit) == EX_TEMPFAIL;

	log_line(deferred ? LOG_WARNING : LOG_NOTICE, "%s%s%s status=%s: %s",
	    key, about ? " " : "", about ? about : "",
	    deferred ? "deferred" : error_class_name(class), error->message);
	g_propagate_error(out, error);
	return FALSE;
}

/* ingest - carry one input through every stage
 *
 * *store is connected on first need and left open for the next input;
 * refusing a message never needs the database, so it is connected only
 * once a report has been parsed.  Logs the outcome, one line.
 */
static gboolean
ingest(const Options *options, Store **store, GBytes *input,
    const char *name, Fate *fate, GError **out)
{
	GError *error = NULL;
	g_autoptr(Message) message = NULL;
	g_autoptr(GBytes) json = NULL;
	g_autoptr(Report) report = NULL;
	g_autofree char *key = NULL;
	g_autofree char *about = NULL;
	StoreResult result;

	message = message_new(input, &error);
	key = input_key(message, name);
	if (message == NULL || !message_find_report(message, &error))
		return refuse(options, key, NULL, error, out);
	json = decode_report(message->payload, options->max_report_size,
	    message->payload_desc, &error);
	if (json == NULL)
		return refuse(options, key, NULL, error, out);
	report = report_new(g_bytes_get_data(json, NULL), g_bytes_get_size(json),
	    &error);
	if (report == NULL)
		return refuse(options, key, NULL, error, out);
	about = report_key(report);

	if (options->dry_run) {
		g_autofree char *text = report_to_json_string(report);

		if (printf("%s\n", text) < 0 || fflush(stdout) != 0) {
			g_set_error(&error, TLSRPT_ERROR, ERROR_TEMPORARY,
			    "cannot write to standard output: %s", g_strerror(errno));
			return refuse(options, key, about, error, out);
		}
		log_line(LOG_INFO, "%s %s status=parsed (dry run)", key, about);
		*fate = FATE_PARSED;
		return TRUE;
	}

	if (*store == NULL) {
		StoreOptions store_options = {
			.conninfo = options->conninfo,
			.connect_timeout = MAX(2, options->timeout / 3),
			.statement_timeout = MAX(1, options->timeout - options->timeout / 3),
		};

		*store = store_new(&store_options, &error);
		if (*store == NULL)
			return refuse(options, key, about, error, out);
	}
	if (!store_put(*store, message, report, &result, &error))
		return refuse(options, key, about, error, out);

	if (result.outcome == STORE_DUPLICATE) {
		log_line(LOG_INFO, "%s %s status=duplicate", key, about);
		*fate = FATE_DUPLICATE;
		return TRUE;
	}
	if (result.clash)
		log_line(LOG_WARNING, "%s %s status=stored (report %" G_GINT64_FORMAT
		    "), warning: a different report with the same "
		    "organization-name and report-id is stored too",
		    key, about, result.report_row);
	else
		log_line(LOG_INFO, "%s %s status=stored (report %" G_GINT64_FORMAT ")",
		    key, about, result.report_row);
	*fate = FATE_STORED;
	return TRUE;
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
		{ "timeout", 't', 0, G_OPTION_ARG_INT, &options->timeout,
		  "defer if the database has not answered within SECONDS (default 60)", "SECONDS" },
		{ "refused-exit", 0, 0, G_OPTION_ARG_INT, &options->refused_exit,
		  "exit code for messages that are not valid reports (default 65, EX_DATAERR)", "CODE" },
		{ "version", 'V', 0, G_OPTION_ARG_NONE, &options->version,
		  "print the version and exit", NULL },
		{ G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &options->paths,
		  NULL, NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	g_autoptr(GOptionContext) context = g_option_context_new("[-]");

	g_option_context_set_summary(context,
	    "Store the SMTP TLS Reporting (RFC 8460) report of the message on "
	    "standard input in PostgreSQL.");
	g_option_context_set_description(context,
	    "Exit status: 0 stored or already stored, 65 not a valid report, "
	    "75 try again later.\nSee tlsrpt-ingest(1).");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, argc, argv, error)) {
		(*error)->domain = TLSRPT_ERROR;
		(*error)->code = ERROR_USAGE;
		return FALSE;
	}
	if (options->max_message_size <= 0 || options->max_report_size <= 0
	    || options->timeout <= 0 || options->refused_exit < 0
	    || options->refused_exit > 255) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "sizes, --timeout and --refused-exit must be positive numbers");
		return FALSE;
	}
	if (options->paths != NULL && (g_strv_length(options->paths) > 1
	    || strcmp(options->paths[0], "-") != 0)) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "unexpected argument '%s': the message is read from standard input",
		    options->paths[0]);
		return FALSE;
	}
	return TRUE;
}

int
main(int argc, char **argv)
{
	Options options = {
		.max_message_size = DEFAULT_MAX_MESSAGE_SIZE,
		.max_report_size = DEFAULT_MAX_REPORT_SIZE,
		.timeout = DEFAULT_TIMEOUT,
		.refused_exit = EX_DATAERR,
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) input = NULL;
	g_autoptr(Store) store = NULL;
	Fate fate;
	int code = EX_OK;

	g_set_prgname("tlsrpt-ingest");
	message_waiting = !isatty(STDIN_FILENO);
	openlog("tlsrpt-ingest", LOG_PID, LOG_MAIL);

	if (!parse_options(&argc, &argv, &options, &error)) {
		code = exit_code(ERROR_USAGE, options.refused_exit);
		log_line(LOG_ERR, "status=%s: %s%s", code == EX_TEMPFAIL
		    ? "deferred" : "usage error", error->message,
		    code == EX_TEMPFAIL ? " (command line, deferring the message)" : "");
		return code;
	}
	if (options.version) {
		puts(PACKAGE_STRING);
		return EX_OK;
	}
	if (options.dry_run)
		log_to_syslog = FALSE;

	signal(SIGALRM, on_alarm);
	alarm((unsigned)options.timeout + 5);

	input = input_read_fd(STDIN_FILENO, options.max_message_size,
	    "standard input", &error);
	if (input == NULL)
		refuse(&options, "input=stdin", NULL, g_steal_pointer(&error), &error);
	else
		ingest(&options, &store, input, "stdin", &fate, &error);
	if (error != NULL)
		code = exit_code(error_class_of(error), options.refused_exit);

	g_free(options.conninfo);
	g_strfreev(options.paths);
	closelog();
	return code;
}
