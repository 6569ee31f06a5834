/* tlsrpt-report.c - answers from the stored TLS-RPT reports
 *
 * The command-line front of tlsrpt-report: one subcommand per question
 * (summary, explain, check, html, record), its options, and the one
 * function per kind of command that turns a failure into an exit code.
 * The modules below never exit and never print errors.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "check.h"
#include "common/error.h"
#include "common/text.h"
#include "explain.h"
#include "period.h"
#include "query.h"
#include "record.h"
#include "render-csv.h"
#include "render-html.h"
#include "render-json.h"
#include "render-table.h"
#include "summary.h"

#define DEFAULT_TIMEOUT		30
#define DEFAULT_SUMMARY_DAYS	7
#define DEFAULT_HTML_DAYS	30
#define DEFAULT_CHECK_DAYS	3
#define DEFAULT_BASELINE_DAYS	28

typedef struct options {
	char		*conninfo;
	gint		 timeout;
	char		*domain;
	char		*since;
	char		*until;
	gint		 days;
	char		*format;
	gint		 baseline;
	double		 warning;
	double		 critical;
	double		 rise;
	double		 rise_points;
	gint		 silence;
	char		*nameserver;
	gint		 port;
	gboolean	 version;
	char		**args;
} Options;

typedef struct command {
	const char	*name;
	const char	*args;		/* what follows the options, for --help */
	const char	*summary;	/* one line for --help */
	int		(*run)(Options *options);
} Command;

/* exit_code - the one place where a class of failure becomes an exit code */
static int
exit_code(ErrorClass class)
{
	switch (class) {
	case ERROR_USAGE:
		return EX_USAGE;
	case ERROR_CONFIG:
		return EX_CONFIG;
	case ERROR_TEMPORARY:
		return EX_TEMPFAIL;
	case ERROR_NOT_REPORT:
	case ERROR_INVALID:
	case ERROR_INTERNAL:
	case ERROR_FOREIGN:
		break;
	}
	return EX_SOFTWARE;
}

/* fail - say what failed on stderr; the exit code for it */
static int
fail(const GError *error)
{
	g_autofree char *why = text_safe(error->message, -1, TEXT_LINE, 0);

	fprintf(stderr, "%s: %s\n", g_get_prgname(), why);
	return exit_code(error_class_of(error));
}

/* finish_output - flush standard output; EX_OK, or EX_IOERR after saying so */
static int
finish_output(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write to standard output: %s\n",
		    g_get_prgname(), g_strerror(errno));
		return EX_IOERR;
	}
	return EX_OK;
}

/* open_query - connect with the options' conninfo and timeout */
static Query *
open_query(const Options *options, GError **error)
{
	QueryOptions query_options = {
		.conninfo = options->conninfo,
		.timeout = (guint)options->timeout,
	};

	return query_new(&query_options, error);
}

/* load_summary - the summary the options ask for; NULL and an error */
static Summary *
load_summary(const Options *options, guint default_days, gboolean daily,
    GError **error)
{
	g_autoptr(Query) query = NULL;
	g_autoptr(Summary) summary = NULL;
	Period period;
	guint days = options->since || options->days > 0 ? (guint)options->days
	    : default_days;

	if (options->days < 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--days must be a positive number");
		return NULL;
	}
	if (!period_init(&period, options->since, options->until, days, 0, error))
		return NULL;
	query = open_query(options, error);
	if (query == NULL)
		return NULL;
	summary = summary_new(&period);
	if (!query_summary(query, summary, options->domain, daily, error))
		return NULL;
	return g_steal_pointer(&summary);
}

/* run_summary - "summary": the period's figures as a table, CSV or JSON */
static int
run_summary(Options *options)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(Summary) summary = NULL;
	const char *format = options->format ? options->format : "table";

	if (strcmp(format, "table") != 0 && strcmp(format, "csv") != 0
	    && strcmp(format, "json") != 0) {
		g_set_error(&error, TLSRPT_ERROR, ERROR_USAGE,
		    "unknown format '%s': use table, csv or json", format);
		return fail(error);
	}
	summary = load_summary(options, DEFAULT_SUMMARY_DAYS, FALSE, &error);
	if (summary == NULL)
		return fail(error);
	if (strcmp(format, "csv") == 0)
		render_csv(stdout, summary);
	else if (strcmp(format, "json") == 0)
		render_json(stdout, summary);
	else
		render_table(stdout, summary, options->domain);
	return finish_output();
}

/* run_html - "html": the period as one self-contained web page */
static int
run_html(Options *options)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(Summary) summary = NULL;

	summary = load_summary(options, DEFAULT_HTML_DAYS, TRUE, &error);
	if (summary == NULL)
		return fail(error);
	render_html(stdout, summary, options->domain);
	return finish_output();
}

/* run_record - "record": judge a domain's TLS-RPT and MTA-STS records */
static int
run_record(Options *options)
{
	DnsOptions dns_options = {
		.nameserver = options->nameserver,
		.port = (guint)options->port,
		/* Each of two tries per server gets a part of the time. */
		.timeout = (guint)MAX(1, options->timeout / 4),
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(Dns) dns = NULL;
	RecordStatus status;

	if (options->args == NULL || g_strv_length(options->args) != 1) {
		fprintf(stderr, "%s: record takes one domain name\n", g_get_prgname());
		return RECORD_UNKNOWN;
	}
	if (options->port <= 0 || options->port > 65535) {
		fprintf(stderr, "%s: --port must be between 1 and 65535\n",
		    g_get_prgname());
		return RECORD_UNKNOWN;
	}
	dns = dns_new(&dns_options, &error);
	if (dns == NULL || !record_judge(dns, options->args[0], stdout, &status,
	    &error)) {
		fprintf(stderr, "%s: %s\n", g_get_prgname(), error->message);
		return RECORD_UNKNOWN;
	}
	return finish_output() == EX_OK ? (int)status : RECORD_UNKNOWN;
}

/* run_explain - "explain": what one result type, or each of them, means */
static int
run_explain(Options *options)
{
	g_autoptr(GError) error = NULL;
	const Explanation *e;

	if (options->args != NULL && g_strv_length(options->args) > 1) {
		g_set_error(&error, TLSRPT_ERROR, ERROR_USAGE,
		    "explain takes one result type at most");
		return fail(error);
	}
	if (options->args != NULL) {
		e = explain_lookup(options->args[0]);
		if (e == NULL) {
			g_set_error(&error, TLSRPT_ERROR, ERROR_USAGE,
			    "unknown result type '%s': \"tlsrpt-report explain\" "
			    "lists all eleven", options->args[0]);
			return fail(error);
		}
		explain_print(stdout, e);
		return finish_output();
	}
	for (unsigned i = 0; (e = explain_nth(i)) != NULL; i++) {
		if (i > 0)
			fputc('\n', stdout);
		explain_print(stdout, e);
	}
	return finish_output();
}

/* check_unknown - the plugin's answer when it cannot judge */
static int
check_unknown(const char *text)
{
	g_autofree char *why = text_safe(text, -1, TEXT_NAGIOS, 0);

	printf("TLSRPT UNKNOWN - %s\n", why);
	fflush(stdout);
	return CHECK_UNKNOWN;
}

/* run_check - "check": a Nagios/Icinga plugin verdict on the last days */
static int
run_check(Options *options)
{
	CheckOptions check_options = {
		.warning = options->warning,
		.critical = options->critical,
		.rise = options->rise,
		.rise_points = options->rise_points,
		.silence = (guint)MAX(options->silence, 0),
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(Query) query = NULL;
	g_autoptr(Check) check = NULL;
	g_autofree char *line = NULL;
	Period period;
	guint days = options->days > 0 ? (guint)options->days : DEFAULT_CHECK_DAYS;

	if (options->days < 0 || options->baseline <= 0 || options->silence < 0
	    || options->warning < 0 || options->critical < options->warning
	    || options->critical > 100 || options->rise < 0 || options->rise_points < 0)
		return check_unknown("bad thresholds: want 0 <= -w <= -c <= 100, "
		    "and positive --days, --baseline, --silence, --rise, --rise-min");
	if (!period_init(&period, NULL, NULL, days, (guint)options->baseline, &error))
		return check_unknown(error->message);
	query = open_query(options, &error);
	if (query == NULL)
		return check_unknown(error->message);
	check = check_new(&check_options);
	if (!query_check(query, &period, options->domain, check, &error))
		return check_unknown(error->message);
	if (check_status(check) == CHECK_UNKNOWN) {
		g_autofree char *about = g_strdup_printf(" about %s", options->domain);
		g_autofree char *why = g_strdup_printf("no TLS reports%s for the last "
		    "%u days: is tlsrpt-ingest receiving them?",
		    options->domain ? about : "", period.days + period.previous_days);

		return check_unknown(why);
	}
	line = check_status_line(check, period.days);
	printf("%s\n", line);
	fflush(stdout);
	return check_status(check);
}

static const Command commands[] = {
	{ "summary", "", "the figures of a period per policy domain: what "
	  "fails, where, who sees it", run_summary },
	{ "explain", "[RESULT-TYPE]", "what a failure result type means and "
	  "how to fix it", run_explain },
	{ "check", "", "a Nagios/Icinga plugin: exit 0 OK, 1 WARNING, "
	  "2 CRITICAL, 3 UNKNOWN", run_check },
	{ "html", "", "a self-contained web page with charts, on standard "
	  "output", run_html },
	{ "record", "DOMAIN", "judge the domain's _smtp._tls and _mta-sts "
	  "DNS records", run_record },
};

/* usage - the list of commands, to out */
static void
usage(FILE *out)
{
	fprintf(out, "Usage: tlsrpt-report COMMAND [OPTION...]\n\n"
	    "Answers from the SMTP TLS reports stored by tlsrpt-ingest.\n\n"
	    "Commands:\n");
	for (unsigned i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n\"tlsrpt-report COMMAND --help\" lists a command's "
	    "options.  See tlsrpt-report(1).\n");
}

/* parse_options - one command's command line into options */
static gboolean
parse_options(const Command *command, int *argc, char ***argv,
    Options *options, GError **error)
{
	GOptionEntry database[] = {
		{ "dbname", 'd', 0, G_OPTION_ARG_STRING, &options->conninfo,
		  "libpq connection string or URI (default: libpq's environment)", "CONNINFO" },
		{ "timeout", 't', 0, G_OPTION_ARG_INT, &options->timeout,
		  "give up after SECONDS (default 30)", "SECONDS" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionEntry scope[] = {
		{ "domain", 0, 0, G_OPTION_ARG_STRING, &options->domain,
		  "only this policy domain", "DOMAIN" },
		{ "days", 0, 0, G_OPTION_ARG_INT, &options->days,
		  "the last N days, today included", "N" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionEntry period[] = {
		{ "since", 0, 0, G_OPTION_ARG_STRING, &options->since,
		  "from this UTC day on", "YYYY-MM-DD" },
		{ "until", 0, 0, G_OPTION_ARG_STRING, &options->until,
		  "up to this UTC day, included (default today)", "YYYY-MM-DD" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionEntry summary[] = {
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &options->format,
		  "table (default), csv or json", "FORMAT" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionEntry check[] = {
		{ "warning", 'w', 0, G_OPTION_ARG_DOUBLE, &options->warning,
		  "warn when a domain's failures are above PERCENT (default 1)", "PERCENT" },
		{ "critical", 'c', 0, G_OPTION_ARG_DOUBLE, &options->critical,
		  "critical above PERCENT (default 5)", "PERCENT" },
		{ "baseline", 0, 0, G_OPTION_ARG_INT, &options->baseline,
		  "compare with the N days before (default 28)", "N" },
		{ "rise", 0, 0, G_OPTION_ARG_DOUBLE, &options->rise,
		  "warn when failures are FACTOR times the baseline's (default 2; 0: off)", "FACTOR" },
		{ "rise-min", 0, 0, G_OPTION_ARG_DOUBLE, &options->rise_points,
		  "...and at least POINTS percentage points above it (default 1)", "POINTS" },
		{ "silence", 0, 0, G_OPTION_ARG_INT, &options->silence,
		  "warn when a reporter sent nothing for more than N days and twice "
		  "its usual gap (default 3; 0: off)", "N" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionEntry record[] = {
		{ "nameserver", 0, 0, G_OPTION_ARG_STRING, &options->nameserver,
		  "ask this DNS server (IPv4 address; default: resolv.conf's)", "ADDRESS" },
		{ "port", 0, 0, G_OPTION_ARG_INT, &options->port,
		  "its port (default 53)", "PORT" },
		{ "timeout", 't', 0, G_OPTION_ARG_INT, &options->timeout,
		  "give up after SECONDS (default 30)", "SECONDS" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionEntry rest[] = {
		{ "version", 'V', 0, G_OPTION_ARG_NONE, &options->version,
		  "print the version and exit", NULL },
		{ G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &options->args,
		  NULL, NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	g_autoptr(GOptionContext) context = g_option_context_new(command->args);
	g_autofree char *usage_name = g_strdup_printf("%s %s", g_get_prgname(),
	    command->name);
	const char *name = command->name;
	gboolean uses_database = strcmp(name, "summary") == 0
	    || strcmp(name, "check") == 0 || strcmp(name, "html") == 0;
	gboolean parsed;

	g_option_context_set_summary(context, command->summary);
	g_option_context_set_description(context, "See tlsrpt-report(1).");
	if (uses_database) {
		g_option_context_add_main_entries(context, database, NULL);
		g_option_context_add_main_entries(context, scope, NULL);
	}
	if (strcmp(name, "summary") == 0 || strcmp(name, "html") == 0)
		g_option_context_add_main_entries(context, period, NULL);
	if (strcmp(name, "summary") == 0)
		g_option_context_add_main_entries(context, summary, NULL);
	if (strcmp(name, "check") == 0)
		g_option_context_add_main_entries(context, check, NULL);
	if (strcmp(name, "record") == 0)
		g_option_context_add_main_entries(context, record, NULL);
	g_option_context_add_main_entries(context, rest, NULL);
	/* --help says "tlsrpt-report check [OPTION...]"; errors say "tlsrpt-report". */
	g_set_prgname(usage_name);
	parsed = g_option_context_parse(context, argc, argv, error);
	g_set_prgname("tlsrpt-report");
	if (!parsed) {
		(*error)->domain = TLSRPT_ERROR;
		(*error)->code = ERROR_USAGE;
		return FALSE;
	}
	if (options->timeout <= 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--timeout must be a positive number");
		return FALSE;
	}
	if (options->args != NULL && strcmp(name, "explain") != 0
	    && strcmp(name, "record") != 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "unexpected argument '%s'", options->args[0]);
		return FALSE;
	}
	return TRUE;
}

/* options_clear - free what option parsing allocated */
static void
options_clear(Options *options)
{
	g_free(options->conninfo);
	g_free(options->domain);
	g_free(options->since);
	g_free(options->until);
	g_free(options->format);
	g_free(options->nameserver);
	g_strfreev(options->args);
}

int
main(int argc, char **argv)
{
	Options options = {
		.timeout = DEFAULT_TIMEOUT,
		.baseline = DEFAULT_BASELINE_DAYS,
		.warning = 1,
		.critical = 5,
		.rise = 2,
		.rise_points = 1,
		.silence = 3,
		.port = 53,
	};
	g_autoptr(GError) error = NULL;
	const Command *command = NULL;
	int code;

	g_set_prgname("tlsrpt-report");
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0
	    || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return finish_output();
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		puts(PACKAGE_STRING);
		return finish_output();
	}
	for (unsigned i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			command = &commands[i];
	if (command == NULL) {
		fprintf(stderr, "%s: unknown command '%s': use summary, explain, "
		    "check, html or record\n", g_get_prgname(), argv[1]);
		return EX_USAGE;
	}

	/* The command's own parser sees "tlsrpt-report COMMAND" as its name. */
	argv[1] = argv[0];
	argc--;
	argv++;
	if (!parse_options(command, &argc, &argv, &options, &error)) {
		options_clear(&options);
		if (command->run == run_check)
			return check_unknown(error->message);
		if (command->run == run_record) {
			fprintf(stderr, "%s: %s\n", g_get_prgname(), error->message);
			return RECORD_UNKNOWN;
		}
		return fail(error);
	}
	if (options.version) {
		options_clear(&options);
		puts(PACKAGE_STRING);
		return finish_output();
	}
	code = command->run(&options);
	options_clear(&options);
	return code;
}
