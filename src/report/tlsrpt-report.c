/* tlsrpt-report.c - answers from the stored TLS-RPT reports
 *
 * The command-line front of tlsrpt-report: one table of commands (summary,
 * explain, check, html, digest, metrics, enforce, record, probe), each with its options and its way of
 * failing, and the one place per way that turns a failure into an exit
 * code.  The modules below never exit and never print errors.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "check.h"
#include "common/error.h"
#include "common/text.h"
#include "digest.h"
#include "enforce.h"
#include "explain.h"
#include "net.h"
#include "period.h"
#include "probe.h"
#include "query.h"
#include "record.h"
#include "render-csv.h"
#include "render-html.h"
#include "render-json.h"
#include "render-metrics.h"
#include "render-table.h"
#include "summary.h"

/*
 * Defaults.  Plain literals, so that --help can quote them.
 */
/* Seconds: a cron job or a monitoring check gives up well before its
 * own limit (Nagios kills a plugin after 60). */
#define DEFAULT_TIMEOUT		30
/* A week: the rhythm of most postmasters' reading. */
#define DEFAULT_SUMMARY_DAYS	7
/* A month on one page: enough days for the charts to show a trend. */
#define DEFAULT_HTML_DAYS	30
/* A week, as summary's: the window's figures beside the last day's. */
#define DEFAULT_METRICS_DAYS	7
/* Three complete days: a reporter that skips a day is still heard. */
#define DEFAULT_CHECK_DAYS	3
/* The guides' advice: testing mode for at least 30 days before enforce. */
#define DEFAULT_ENFORCE_DAYS	30
/* Sessions in those days below which no verdict is trusted: a few mails
 * a day from one reporter. */
#define DEFAULT_MIN_SESSIONS	100
/* Four weeks: a domain's usual failure rate, and the rhythm of a
 * reporter that sends once a week. */
#define DEFAULT_BASELINE_DAYS	28
/* Percent of a domain's sessions: a few failures are the Internet's
 * background noise, five in a hundred is mail not arriving. */
#define DEFAULT_WARNING		1
#define DEFAULT_CRITICAL	5
/* A rise is news when the rate doubles, and by a point at least. */
#define DEFAULT_RISE		2
#define DEFAULT_RISE_POINTS	1
/* The domains summary and html show of all, worst first, without --all:
 * a provider's tens of thousands would bury the few that fail. */
#define DEFAULT_KEEP		50
/* Days without a report before a reporter counts as silent: a weekend. */
#define DEFAULT_SILENCE		3
#define DEFAULT_DNS_PORT	53
/* probe's --timeout is per host and per question: a monitoring check
 * probing two dead MX hosts still ends before Nagios's 60 seconds. */
#define DEFAULT_PROBE_TIMEOUT	10
/* check --probe gives each host a third of its --timeout. */
#define CHECK_PROBE_SHARE	3
/* Two weeks: time to renew by hand after the warning, before a
 * 30-day automatic renewal that failed lets the certificate lapse. */
#define DEFAULT_CERT_DAYS	14
/* Where Debian's MTAs all put it. */
#define DEFAULT_SENDMAIL	"/usr/sbin/sendmail"
/* RFC 5321 4.5.1: every mail domain has one. */
#define DEFAULT_DIGEST_TO	"postmaster"
#define DEFAULT_SMTP_PORT	25
#define DEFAULT_HTTPS_PORT	443

typedef struct options {
	char		*conninfo;
	gint		 timeout;
	char		*domain;
	char		*since;
	char		*until;
	gint		 days;		/* DAYS_NOT_GIVEN: not given */
	gboolean	 all;		/* every domain, not the worst DEFAULT_KEEP */
	guint		 default_days;	/* the command's, from its table entry */
	const struct format *formats;	/* the command's, from its table entry */
	char		*format;
	gint		 baseline;
	double		 warning;
	double		 critical;
	double		 rise;
	double		 rise_points;
	gint		 silence;
	gint64		 min_sessions;
	char		*nameserver;
	gint		 port;
	gboolean	 stored;
	gint		 smtp_port;
	gint		 https_port;
	char		*cafile;
	gint		 cert_days;
	gboolean	 probe;
	char		**to;		/* digest's recipients */
	char		*from;
	char		*sendmail;
	gboolean	 if_problems;
	gboolean	 to_stdout;
	gboolean	 version;
	char		**args;
} Options;

/* --days was not given: the command's default applies. */
#define DAYS_NOT_GIVEN	G_MININT

/* The groups of options; a command accepts those its table entry names. */
typedef enum {
	OPTIONS_DATABASE = 1 << 0,	/* -d */
	OPTIONS_TIMEOUT = 1 << 1,	/* -t */
	OPTIONS_DOMAIN = 1 << 2,	/* --domain */
	OPTIONS_DAYS = 1 << 3,		/* --days */
	OPTIONS_PERIOD = 1 << 4,	/* --since, --all */
	OPTIONS_UNTIL = 1 << 5,		/* --until */
	OPTIONS_FORMAT = 1 << 6,	/* -f */
	OPTIONS_THRESHOLDS = 1 << 7,	/* -w, -c, --baseline, --rise... */
	OPTIONS_DNS = 1 << 8,		/* --nameserver, --port */
	OPTIONS_ENFORCE = 1 << 9,	/* --min-sessions */
	OPTIONS_STORED = 1 << 10,	/* --stored */
	OPTIONS_PROBE = 1 << 11,	/* --smtp-port, --https-port, --cafile,
					 * --cert-days */
	OPTIONS_PROBE_SWITCH = 1 << 12,	/* --probe */
	OPTIONS_DIGEST = 1 << 13,	/* --to, --from, --if-problems,
					 * --sendmail, --stdout */
} OptionGroups;

/*
 * How a command fails.  The tools (summary, explain, html) exit with a
 * sysexits code and say why on stderr; the plugins answer 3, UNKNOWN,
 * whatever failed, since monitoring reads nothing else: check on its
 * status line, as the plugin guidelines want, record and enforce on
 * stderr, below which their findings would be.
 */
typedef struct exits {
	int	(*code)(ErrorClass class);
	void	(*say)(const char *why);
	int	 output_failed;		/* standard output could not be written */
} Exits;

/* A command runs, prints its answer and sets its verdict (an exit code),
 * or fails with an error. */
typedef gboolean (*CommandRun)(const Options *options, int *verdict,
    GError **error);

typedef struct command {
	const char	*name;
	const char	*args;		/* what follows the options, for --help;
					 * NULL: nothing */
	guint		 min_args;
	guint		 max_args;
	const char	*args_wanted;	/* what the error says it takes */
	const char	*summary;	/* one line for --help */
	CommandRun	 run;
	OptionGroups	 options;
	guint		 days;		/* the period without --days or --since */
	guint		 timeout;	/* --timeout's default; 0: DEFAULT_TIMEOUT */
	const struct format *formats;	/* --format's values, the default first;
					 * NULL-terminated */
	const Exits	*exits;
} Command;

/* A --format: its name and its renderer. */
typedef struct format {
	const char	*name;
	void		(*render)(FILE *out, const Summary *summary);
} Format;

static const Format summary_formats[] = {
	{ "table", render_table },
	{ "csv", render_csv },
	{ "json", render_json },
	{ NULL, NULL },
};

/* probe writes its own: a renderer of summaries does not fit it. */
static const Format probe_formats[] = {
	{ "text", NULL },
	{ "json", NULL },
	{ NULL, NULL },
};

/* check's are not summaries either: its status line, or its verdict as JSON. */
static const Format check_formats[] = {
	{ "nagios", NULL },
	{ "json", NULL },
	{ NULL, NULL },
};

static const Format enforce_formats[] = {
	{ "table", render_table_enforce },
	{ "json", render_json_enforce },
	{ NULL, NULL },
};

/* sysexits_code - the exit code of a tool's failure */
static int
sysexits_code(ErrorClass class)
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

/* plugin_code - the exit code of a plugin's failure: UNKNOWN */
static int
plugin_code(ErrorClass class)
{
	return CHECK_UNKNOWN;
}

/* say_stderr - why, on standard error */
static void
say_stderr(const char *why)
{
	g_autofree char *text = text_safe(why, -1, TEXT_LINE, 0);

	fprintf(stderr, "%s: %s\n", g_get_prgname(), text);
}

/* say_status_line - why, as a plugin's UNKNOWN status line */
static void
say_status_line(const char *why)
{
	g_autofree char *text = text_safe(why, -1, TEXT_NAGIOS, 0);

	printf("TLSRPT UNKNOWN - %s\n", text);
	fflush(stdout);
}

static const Exits tool_exits = { sysexits_code, say_stderr, EX_IOERR };
static const Exits check_exits = { plugin_code, say_status_line, CHECK_UNKNOWN };
static const Exits record_exits = { plugin_code, say_stderr, RECORD_UNKNOWN };
static const Exits enforce_exits = { plugin_code, say_stderr, CHECK_UNKNOWN };

/* fail - say what failed; the exit code for it */
static int
fail(const Exits *exits, const GError *error)
{
	exits->say(error->message);
	return exits->code(error_class_of(error));
}

/* finish_output - flush standard output; the verdict, or the exit code
 * for output that could not be written after saying so */
static int
finish_output(const Exits *exits, int verdict)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write to standard output: %s\n",
		    g_get_prgname(), g_strerror(errno));
		return exits->output_failed;
	}
	return verdict;
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

/* format_names - "table, csv or json"; owned */
static char *
format_names(const Format *formats)
{
	GString *names = g_string_new(NULL);

	for (const Format *f = formats; f->name != NULL; f++)
		g_string_append_printf(names, "%s%s", f->name, f[1].name == NULL ? ""
		    : f[2].name == NULL ? " or " : ", ");
	return g_string_free(names, FALSE);
}

/* format_find - the format the options ask for; NULL and an error */
static const Format *
format_find(const Options *options, GError **error)
{
	const char *name = options->format ? options->format : options->formats[0].name;
	g_autofree char *names = NULL;

	for (const Format *f = options->formats; f->name != NULL; f++)
		if (strcmp(name, f->name) == 0)
			return f;
	names = format_names(options->formats);
	g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
	    "unknown format '%s': use %s", name, names);
	return NULL;
}

/* days_of - the days the options ask for: --days, or the command's
 * default; 0 and an error for a --days of 0 or less */
static guint
days_of(const Options *options, GError **error)
{
	if (options->days == DAYS_NOT_GIVEN)
		return options->default_days;
	if (options->days < 1) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--days %d: give 1 day at least", options->days);
		return 0;
	}
	return (guint)options->days;
}

/* query_shared - the snapshot *shared holds, or a new one left there
 * for the caller (owned) when it holds none; shared NULL: a new one in
 * *opened, for the caller to free; NULL and an error */
static Query *
query_shared(const Options *options, Query **shared, Query **opened,
    GError **error)
{
	if (shared != NULL && *shared != NULL)
		return *shared;
	*opened = open_query(options, error);
	if (*opened != NULL && shared != NULL)
		*shared = g_steal_pointer(opened);
	return shared != NULL ? *shared : *opened;
}

/* load_summary - the summary the options ask for, of at most keep domains
 * (0: all); NULL and an error.  shared: NULL, or the snapshot to read
 * (query_shared), so that a command's answers all come from one. */
static Summary *
load_summary(const Options *options, gboolean daily, guint keep,
    Query **shared, GError **error)
{
	g_autoptr(Query) opened = NULL;
	g_autoptr(Summary) summary = NULL;
	Query *query;
	Period period;
	guint days = options->since ? 0 : days_of(options, error);

	if (!options->since && days == 0)
		return NULL;
	if (options->since && options->days != DAYS_NOT_GIVEN) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--since and --days exclude each other: give one");
		return NULL;
	}
	if (!period_init(&period, options->since, options->until, days, 0, error))
		return NULL;
	query = query_shared(options, shared, &opened, error);
	if (query == NULL)
		return NULL;
	summary = summary_new(&period, options->domain);
	summary->verdict_days = DEFAULT_ENFORCE_DAYS;
	summary->verdict_sessions = DEFAULT_MIN_SESSIONS;
	summary->silence = DEFAULT_SILENCE;
	if (!query_summary(query, summary, options->domain, options->all ? 0 : keep,
	    daily, error))
		return NULL;
	return g_steal_pointer(&summary);
}

/* run_summary - "summary": the period's figures as a table, CSV or JSON */
static gboolean
run_summary(const Options *options, int *verdict, GError **error)
{
	const Format *format = format_find(options, error);
	g_autoptr(Summary) summary = NULL;

	if (format == NULL)
		return FALSE;
	/* CSV has no place to say what it left out: it has every domain. */
	summary = load_summary(options, FALSE,
	    format->render == render_csv ? 0 : DEFAULT_KEEP, NULL, error);
	if (summary == NULL)
		return FALSE;
	format->render(stdout, summary);
	return TRUE;
}

/* run_html - "html": the period as one self-contained web page */
static gboolean
run_html(const Options *options, int *verdict, GError **error)
{
	g_autoptr(Summary) summary = NULL;

	summary = load_summary(options, TRUE, DEFAULT_KEEP, NULL, error);
	if (summary == NULL)
		return FALSE;
	render_html(stdout, summary);
	return TRUE;
}

/* run_metrics - "metrics": Prometheus metrics of the window and its last
 * day, for node_exporter's textfile collector */
static gboolean
run_metrics(const Options *options, int *verdict, GError **error)
{
	g_autoptr(Query) query = NULL;
	g_autoptr(Summary) summary = NULL;

	/* Every domain: a monitoring system decides what to show. */
	summary = load_summary(options, TRUE, 0, &query, error);
	if (summary == NULL || !query_latest(query, summary, options->domain, error))
		return FALSE;
	render_metrics(stdout, summary, g_get_real_time() / G_USEC_PER_SEC);
	return TRUE;
}

/* worse - the worse of two plugin statuses: CRITICAL, WARNING, UNKNOWN
 * (no verdict is better news than a problem), OK */
static int
worse(int a, int b)
{
	static const int rank[] = { [CHECK_OK] = 0, [CHECK_UNKNOWN] = 1,
	    [CHECK_WARNING] = 2, [CHECK_CRITICAL] = 3 };

	return rank[b] > rank[a] ? b : a;
}

/* run_enforce - "enforce": can MTA-STS go from testing to enforce */
static gboolean
run_enforce(const Options *options, int *verdict, GError **error)
{
	const Format *format = format_find(options, error);
	guint days = format ? days_of(options, error) : 0;
	g_autoptr(Query) query = NULL;
	g_autoptr(Summary) summary = NULL;
	Period period;

	if (days == 0)
		return FALSE;
	if (options->min_sessions < 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--min-sessions must be 0 or more");
		return FALSE;
	}
	if (!period_init(&period, NULL, options->until, days, 0, error))
		return FALSE;
	query = open_query(options, error);
	if (query == NULL)
		return FALSE;
	summary = summary_new(&period, NULL);
	summary->verdict_days = days;
	summary->verdict_sessions = options->min_sessions;
	for (char **arg = options->args; *arg != NULL; arg++) {
		g_autofree char *key = summary_domain_key(*arg);

		/* A domain named twice is judged once. */
		if (g_hash_table_contains(summary->by_name, key))
			continue;
		summary_domain(summary, key);
		if (!query_verdicts(query, summary, key, FALSE, error))
			return FALSE;
	}
	*verdict = CHECK_OK;
	for (guint i = 0; i < summary->domains->len; i++)
		*verdict = worse(*verdict, enforce_status(&((SummaryDomain *)
		    g_ptr_array_index(summary->domains, i))->verdict));
	format->render(stdout, summary);
	return TRUE;
}

/* command_domains - the domains of the command line, then with --stored
 * every policy domain of query's database, each once; owned, NULL and an
 * error for a name that is no domain or a database that cannot be read.
 * query: opened when options->stored, else NULL. */
static GPtrArray *
command_domains(const Options *options, Query *query, GError **error)
{
	g_autoptr(GPtrArray) domains = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) stored = NULL;

	for (char **a = options->args; a != NULL && *a != NULL; a++) {
		char *domain = record_domain(*a, error);

		if (domain == NULL)
			return NULL;
		g_ptr_array_add(domains, domain);
	}
	if (!options->stored) {
		if (domains->len == 0) {
			g_set_error(error, TLSRPT_ERROR, ERROR_USAGE, "name one "
			    "domain or more, or --stored for every policy domain "
			    "of the database");
			return NULL;
		}
		return g_steal_pointer(&domains);
	}
	stored = query_stored_domains(query, error);
	if (stored == NULL)
		return NULL;
	if (domains->len == 0 && stored->len == 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE, "--stored: the "
		    "database holds no report naming a policy domain");
		return NULL;
	}
	for (guint i = 0; i < stored->len; i++)
		if (!g_ptr_array_find_with_equal_func(domains,
		    g_ptr_array_index(stored, i), g_str_equal, NULL))
			g_ptr_array_add(domains, g_strdup(g_ptr_array_index(stored, i)));
	return g_steal_pointer(&domains);
}

/* open_dns - a resolver as the options say */
static Dns *
open_dns(const Options *options, GError **error)
{
	DnsOptions dns_options = {
		.nameserver = options->nameserver,
		.port = (guint)options->port,
	};

	if (options->port <= 0 || options->port > 65535) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--port must be between 1 and 65535");
		return NULL;
	}
	return dns_new(&dns_options, error);
}

/* run_record - "record": judge the domains' TLS-RPT and MTA-STS records,
 * each domain's lookups within --timeout
 *
 * A domain the DNS does not answer for is said on standard error and
 * makes the verdict UNKNOWN; the other domains are judged all the same.
 */
static gboolean
run_record(const Options *options, int *verdict, GError **error)
{
	g_autoptr(Dns) dns = NULL;
	g_autoptr(Query) query = NULL;
	g_autoptr(GPtrArray) domains = NULL;
	gboolean shown = FALSE;

	dns = open_dns(options, error);
	if (dns == NULL)
		return FALSE;
	if (options->stored && (query = open_query(options, error)) == NULL)
		return FALSE;
	domains = command_domains(options, query, error);
	if (domains == NULL)
		return FALSE;
	*verdict = RECORD_PASS;
	for (guint i = 0; i < domains->len; i++) {
		g_autoptr(GError) dns_error = NULL;
		g_autoptr(Record) record = record_judge(dns,
		    g_ptr_array_index(domains, i),
		    net_deadline((guint)options->timeout), &dns_error);
		g_autofree char *text = NULL;

		if (record == NULL) {
			say_stderr(dns_error->message);
			*verdict = RECORD_UNKNOWN;
			continue;
		}
		text = record_text(record);
		printf("%s%s", shown ? "\n" : "", text);
		shown = TRUE;
		*verdict = MAX(*verdict, (int)record->status);
	}
	return TRUE;
}

/* probe_setup - the resolver, the trusted CAs and the probe the options
 * ask for; host_timeout: seconds for each host */
static gboolean
probe_setup(const Options *options, guint host_timeout, gboolean mx_only,
    Dns **dns, TlsTrust **trust, Probe **probe, GError **error)
{
	ProbeOptions probe_options = {
		.smtp_port = (guint)options->smtp_port,
		.https_port = (guint)options->https_port,
		.timeout = host_timeout,
		.cert_days = (guint)MAX(options->cert_days, 0),
		.mx_only = mx_only,
	};

	if (options->smtp_port <= 0 || options->smtp_port > 65535
	    || options->https_port <= 0 || options->https_port > 65535) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--smtp-port and --https-port must be between 1 and 65535");
		return FALSE;
	}
	if (options->cert_days < 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--cert-days must be 0 or more");
		return FALSE;
	}
	*dns = open_dns(options, error);
	if (*dns == NULL)
		return FALSE;
	*trust = tls_trust_new(options->cafile, error);
	if (*trust == NULL)
		return FALSE;
	*probe = probe_new(&probe_options, *dns, *trust);
	return TRUE;
}

/* run_probe - "probe": check the domains' mail path from the outside now,
 * and the ongoing failures of their reports against it
 *
 * The database is read only when asked (-d or --stored): a probe runs
 * anywhere.  A domain the DNS does not answer for is said on standard
 * error and makes the verdict UNKNOWN, as for record.
 */
static gboolean
run_probe(const Options *options, int *verdict, GError **error)
{
	const Format *format = format_find(options, error);
	g_autoptr(Dns) dns = NULL;
	g_autoptr(TlsTrust) trust = NULL;
	g_autoptr(Query) query = NULL;
	g_autoptr(GPtrArray) domains = NULL;
	g_autoptr(Probe) probe = NULL;
	g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)probe_domain_free);

	if (format == NULL)
		return FALSE;
	if (!probe_setup(options, (guint)options->timeout, FALSE, &dns, &trust,
	    &probe, error))
		return FALSE;
	if ((options->stored || options->conninfo != NULL)
	    && (query = open_query(options, error)) == NULL)
		return FALSE;
	domains = command_domains(options, query, error);
	if (domains == NULL)
		return FALSE;
	*verdict = VERDICT_PASS;
	for (guint i = 0; i < domains->len; i++) {
		const char *domain = g_ptr_array_index(domains, i);
		g_autoptr(GError) probe_error = NULL;
		g_autoptr(GPtrArray) incidents = NULL;
		ProbeDomain *result = probe_domain(probe, domain, &probe_error);

		if (result == NULL) {
			say_stderr(probe_error->message);
			*verdict = RECORD_UNKNOWN;
			continue;
		}
		g_ptr_array_add(results, result);
		if (query != NULL) {
			incidents = query_incidents(query, domain, error);
			if (incidents == NULL)
				return FALSE;
			probe_incidents(probe, result, incidents);
		}
		*verdict = MAX(*verdict, (int)result->verdict);
	}
	if (strcmp(format->name, "json") == 0) {
		g_autofree char *document = probe_json(results);

		printf("%s\n", document);
		return TRUE;
	}
	for (guint i = 0; i < results->len; i++) {
		g_autofree char *text = probe_text(g_ptr_array_index(results, i));

		printf("%s%s", i > 0 ? "\n" : "", text);
	}
	return TRUE;
}

/* CheckCertificates - what check_certificate needs */
typedef struct check_certificates {
	Check		*check;
	GHashTable	*seen;		/* hosts already judged */
	gint64		 now;
	guint		 cert_days;
} CheckCertificates;

/* check_certificate - one MX host's certificate into the check, once */
static void
check_certificate(const char *host, const char *address, gint64 not_after,
    gpointer data)
{
	CheckCertificates *c = data;
	g_autoptr(GDateTime) end = g_date_time_new_from_unix_utc(not_after);
	g_autofree char *day = end ? g_date_time_format(end, "%Y-%m-%d") : NULL;

	if (!g_hash_table_add(c->seen, g_strdup(host)))
		return;
	check_add_certificate(c->check, host, not_after - c->now,
	    day ? day : "an unknown day", c->cert_days);
}

/* check_probe - the MX certificates of domain (or of every stored policy
 * domain) into check */
static gboolean
check_probe(const Options *options, Query *query, Check *check,
    GError **error)
{
	g_autoptr(Dns) dns = NULL;
	g_autoptr(TlsTrust) trust = NULL;
	g_autoptr(Probe) probe = NULL;
	g_autoptr(GPtrArray) domains = NULL;
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash,
	    g_str_equal, g_free, NULL);
	CheckCertificates certificates = {
		.check = check,
		.seen = seen,
		.now = g_get_real_time() / G_USEC_PER_SEC,
		.cert_days = (guint)MAX(options->cert_days, 0),
	};

	if (!probe_setup(options, (guint)MAX(1, options->timeout
	    / CHECK_PROBE_SHARE), TRUE, &dns, &trust, &probe, error))
		return FALSE;
	if (options->domain != NULL) {
		char *domain = record_domain(options->domain, error);

		if (domain == NULL)
			return FALSE;
		domains = g_ptr_array_new_with_free_func(g_free);
		g_ptr_array_add(domains, domain);
	} else if ((domains = query_stored_domains(query, error)) == NULL)
		return FALSE;
	for (guint i = 0; i < domains->len; i++) {
		const char *domain = g_ptr_array_index(domains, i);
		g_autoptr(GError) probe_error = NULL;
		g_autoptr(ProbeDomain) result = probe_domain(probe, domain,
		    &probe_error);

		if (result == NULL)
			check_add_unprobed(check, domain, probe_error->message);
		else
			probe_expiries(result, check_certificate, &certificates);
	}
	return TRUE;
}

/* run_explain - "explain": what one result type, or each of them, means */
static gboolean
run_explain(const Options *options, int *verdict, GError **error)
{
	const Explanation *e;

	if (options->args != NULL) {
		e = explain_lookup(options->args[0]);
		if (e == NULL) {
			g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
			    "unknown result type '%s': \"tlsrpt-report explain\" "
			    "lists all eleven", options->args[0]);
			return FALSE;
		}
		explain_print(stdout, e);
		return TRUE;
	}
	for (unsigned i = 0; (e = explain_nth(i)) != NULL; i++) {
		if (i > 0)
			fputc('\n', stdout);
		explain_print(stdout, e);
	}
	return TRUE;
}

/* check_judge - check's verdict on the last days days as the options
 * say, with the causes of the first causes problems (0: of all); period
 * set; NULL and an error.  shared: as load_summary's. */
static Check *
check_judge(const Options *options, guint days, guint causes, Query **shared,
    Period *period, GError **error)
{
	CheckOptions check_options = {
		.warning = options->warning,
		.critical = options->critical,
		.rise = options->rise,
		.rise_points = options->rise_points,
		.silence = (guint)MAX(options->silence, 0),
		.causes = causes,
	};
	g_autoptr(Query) opened = NULL;
	g_autoptr(Check) check = NULL;
	Query *query;

	if (options->baseline <= 0 || options->silence < 0
	    || options->warning < 0 || options->critical < options->warning
	    || options->critical > 100 || options->rise < 0 || options->rise_points < 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE, "bad thresholds: want "
		    "0 <= -w <= -c <= 100, and positive --baseline, "
		    "--silence, --rise, --rise-min");
		return NULL;
	}
	if (!period_init(period, NULL, NULL, days, (guint)options->baseline, error))
		return NULL;
	query = query_shared(options, shared, &opened, error);
	if (query == NULL)
		return NULL;
	check = check_new(&check_options);
	if (!query_check(query, period, options->domain, check, error)
	    || (options->probe && !check_probe(options, query, check, error)))
		return NULL;
	return g_steal_pointer(&check);
}

/* run_check - "check": a Nagios/Icinga plugin verdict on the last days,
 * as a status line or as JSON */
static gboolean
run_check(const Options *options, int *verdict, GError **error)
{
	const Format *format = format_find(options, error);
	gboolean json = format != NULL && strcmp(format->name, "json") == 0;
	g_autoptr(Check) check = NULL;
	g_autoptr(GError) failure = NULL;
	g_autofree char *line = NULL;
	Period period;
	guint days = format ? days_of(options, error) : 0;

	if (days == 0)
		return FALSE;
	/* The status line names the first problems only: their causes are
	 * all it needs; JSON lists every problem with its cause. */
	check = check_judge(options, days, json ? 0 : CHECK_TEXT_PROBLEMS, NULL,
	    &period, &failure);
	if (check == NULL && json) {
		/* A script reads JSON, whatever happened: UNKNOWN and why. */
		*verdict = CHECK_UNKNOWN;
		render_json_check_failed(stdout, failure->message);
		return TRUE;
	}
	if (check == NULL) {
		g_propagate_error(error, g_steal_pointer(&failure));
		return FALSE;
	}
	*verdict = (int)check_status(check);
	if (json) {
		render_json_check(stdout, check, &period, options->domain);
		return TRUE;
	}
	line = check_status_line(check, &period, options->domain);
	printf("%s\n", line);
	return TRUE;
}

/* A renderer of a summary, to write into a string. */
typedef void (*Renderer)(FILE *out, const Summary *summary);

/* render_string - what render writes of summary, after before (NULL:
 * nothing); owned, NULL and an error */
static char *
render_string(Renderer render, const Summary *summary, const char *before,
    GError **error)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	if (out == NULL) {
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "cannot write the digest: %s", g_strerror(errno));
		return NULL;
	}
	if (before != NULL)
		fputs(before, out);
	render(out, summary);
	if (fclose(out) != 0) {
		free(text);
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "cannot write the digest: %s", g_strerror(errno));
		return NULL;
	}
	return text;
}

/* digest_verdict - check's verdict as the text part opens with it: the
 * state, then each problem on a line of its own; owned */
static char *
digest_verdict(const Check *check, const Period *period, const char *domain)
{
	g_autoptr(GPtrArray) problems = check_problems(check);
	g_autofree char *text = check_text(check, period, domain);
	GString *out = g_string_new(NULL);

	g_string_append_printf(out, "%s in the last %u days, as \"tlsrpt-report "
	    "check\" judges them:\n", check_status_name(check_status(check)),
	    period->days);
	if (problems->len == 0) {
		g_string_append(out, "  ");
		text_append(out, text, -1, TEXT_LINE, 0);
		g_string_append_c(out, '\n');
	}
	for (guint i = 0; i < problems->len; i++) {
		g_string_append(out, "  * ");
		text_append(out, ((CheckProblem *)g_ptr_array_index(problems, i))->text,
		    -1, TEXT_LINE, 0);
		g_string_append_c(out, '\n');
	}
	g_string_append_c(out, '\n');
	return g_string_free(out, FALSE);
}

/* run_digest - "digest": the summary, check's verdict and the html page
 * in one message, to sendmail or standard output */
static gboolean
run_digest(const Options *options, int *verdict, GError **error)
{
	static const char *const postmaster[] = { DEFAULT_DIGEST_TO, NULL };
	g_autoptr(Query) query = NULL;
	g_autoptr(Check) check = NULL;
	g_autoptr(Summary) summary = NULL;
	g_autoptr(GBytes) message = NULL;
	g_autofree char *subject = NULL;
	g_autofree char *before = NULL;
	g_autofree char *text = NULL;
	g_autofree char *html = NULL;
	g_autoptr(GError) failure = NULL;
	Period period;
	DigestMessage m = { 0 };

	if (days_of(options, error) == 0)
		return FALSE;
	check = check_judge(options, DEFAULT_CHECK_DAYS, 0, &query, &period, error);
	if (check == NULL)
		return FALSE;
	*verdict = (int)check_status(check);
	if (options->if_problems && check_status(check) == CHECK_OK)
		return TRUE;
	summary = load_summary(options, TRUE, DEFAULT_KEEP, &query, error);
	if (summary == NULL)
		return FALSE;
	before = digest_verdict(check, &period, options->domain);
	text = render_string(render_table, summary, before, error);
	html = text ? render_string(render_html, summary, NULL, error) : NULL;
	if (html == NULL)
		return FALSE;
	subject = digest_subject(check, &period, options->domain);
	m.from = options->from;
	m.to = options->to ? (const char *const *)options->to : postmaster;
	m.subject = subject;
	m.text = text;
	m.html = html;
	message = digest_compose(&m, error);
	if (message == NULL)
		return FALSE;
	if (options->to_stdout) {
		fwrite(g_bytes_get_data(message, NULL), 1, g_bytes_get_size(message),
		    stdout);
		return TRUE;
	}
	/* Not sent is no verdict on the reports: an exit code of its own. */
	if (!digest_send(options->sendmail ? options->sendmail : DEFAULT_SENDMAIL,
	    message, &failure)) {
		say_stderr(failure->message);
		*verdict = EX_TEMPFAIL;
	}
	return TRUE;
}

static const Command commands[] = {
	{
		.name = "summary",
		.summary = "the figures of a period per policy domain: what "
		    "fails, where, who sees it",
		.run = run_summary,
		.options = OPTIONS_DATABASE | OPTIONS_TIMEOUT | OPTIONS_DOMAIN
		    | OPTIONS_DAYS | OPTIONS_PERIOD | OPTIONS_UNTIL | OPTIONS_FORMAT,
		.days = DEFAULT_SUMMARY_DAYS,
		.formats = summary_formats,
		.exits = &tool_exits,
	}, {
		.name = "explain",
		.args = "[RESULT-TYPE]",
		.max_args = 1,
		.args_wanted = "one result type at most",
		.summary = "what a failure result type means and how to fix it",
		.run = run_explain,
		.exits = &tool_exits,
	}, {
		.name = "check",
		.summary = "a Nagios/Icinga plugin: exit 0 OK, 1 WARNING, "
		    "2 CRITICAL, 3 UNKNOWN",
		.run = run_check,
		.options = OPTIONS_DATABASE | OPTIONS_TIMEOUT | OPTIONS_DOMAIN
		    | OPTIONS_DAYS | OPTIONS_THRESHOLDS | OPTIONS_PROBE_SWITCH
		    | OPTIONS_PROBE | OPTIONS_DNS | OPTIONS_FORMAT,
		.days = DEFAULT_CHECK_DAYS,
		.formats = check_formats,
		.exits = &check_exits,
	}, {
		.name = "html",
		.summary = "a self-contained web page with charts, on standard "
		    "output",
		.run = run_html,
		.options = OPTIONS_DATABASE | OPTIONS_TIMEOUT | OPTIONS_DOMAIN
		    | OPTIONS_DAYS | OPTIONS_PERIOD | OPTIONS_UNTIL,
		.days = DEFAULT_HTML_DAYS,
		.exits = &tool_exits,
	}, {
		.name = "digest",
		.summary = "mail the summary, check's verdict and the html page "
		    "as one message: exit as check, 75 if not sent",
		.run = run_digest,
		.options = OPTIONS_DATABASE | OPTIONS_TIMEOUT | OPTIONS_DOMAIN
		    | OPTIONS_DAYS | OPTIONS_THRESHOLDS | OPTIONS_DIGEST,
		.days = DEFAULT_SUMMARY_DAYS,
		.exits = &enforce_exits,
	}, {
		.name = "metrics",
		.summary = "Prometheus metrics for node_exporter's textfile "
		    "collector, on standard output",
		.run = run_metrics,
		.options = OPTIONS_DATABASE | OPTIONS_TIMEOUT | OPTIONS_DOMAIN
		    | OPTIONS_DAYS,
		.days = DEFAULT_METRICS_DAYS,
		.exits = &tool_exits,
	}, {
		.name = "enforce",
		.args = "DOMAIN...",
		.min_args = 1,
		.max_args = G_MAXUINT,
		.args_wanted = "one policy domain at least",
		.summary = "can MTA-STS go from testing to enforce: exit 0 yes, "
		    "1 not enough data, 2 no, 3 no policy",
		.run = run_enforce,
		.options = OPTIONS_DATABASE | OPTIONS_TIMEOUT | OPTIONS_DAYS
		    | OPTIONS_UNTIL | OPTIONS_FORMAT | OPTIONS_ENFORCE,
		.days = DEFAULT_ENFORCE_DAYS,
		.formats = enforce_formats,
		.exits = &enforce_exits,
	}, {
		.name = "record",
		.args = "[DOMAIN...]",
		.max_args = G_MAXUINT,
		.summary = "judge the domains' _smtp._tls and _mta-sts DNS records",
		.run = run_record,
		.options = OPTIONS_DNS | OPTIONS_TIMEOUT | OPTIONS_STORED
		    | OPTIONS_DATABASE,
		.exits = &record_exits,
	}, {
		.name = "probe",
		.args = "[DOMAIN...]",
		.max_args = G_MAXUINT,
		.summary = "check the domains' MX hosts, TLS certificates, "
		    "TLSA records and MTA-STS policy now, and the reports' "
		    "failures against them",
		.run = run_probe,
		.options = OPTIONS_DNS | OPTIONS_TIMEOUT | OPTIONS_STORED
		    | OPTIONS_DATABASE | OPTIONS_PROBE | OPTIONS_FORMAT,
		.timeout = DEFAULT_PROBE_TIMEOUT,
		.formats = probe_formats,
		.exits = &record_exits,
	},
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

/* command_find - the command of that name; static, NULL if none */
static const Command *
command_find(const char *name)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

/* command_unknown - the error for a name that is no command */
static void
command_unknown(const char *name, GError **error)
{
	g_autoptr(GString) names = g_string_new(NULL);

	for (unsigned i = 0; i < G_N_ELEMENTS(commands); i++)
		g_string_append_printf(names, "%s%s", commands[i].name,
		    i + 2 < G_N_ELEMENTS(commands) ? ", "
		    : i + 1 < G_N_ELEMENTS(commands) ? " or " : "");
	g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
	    "unknown command '%s': use %s", name, names->str);
}

/* check_args - whether the arguments after the options are as many as
 * the command takes */
static gboolean
check_args(const Command *command, char **args, GError **error)
{
	guint n = args ? g_strv_length(args) : 0;

	if (n > 0 && command->max_args == 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "unexpected argument '%s'", args[0]);
		return FALSE;
	}
	if (n < command->min_args || n > command->max_args) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE, "%s takes %s",
		    command->name, command->args_wanted);
		return FALSE;
	}
	return TRUE;
}

/* parse_options - one command's command line into options */
static gboolean
parse_options(const Command *command, int *argc, char ***argv,
    Options *options, GError **error)
{
	g_autofree char *days_help = g_strdup_printf("the last N complete days, "
	    "up to yesterday (default %u)", command->days);
	g_autofree char *names = command->formats ? format_names(command->formats)
	    : NULL;
	g_autofree char *format_help = g_strdup_printf("%s (default: %s)",
	    names ? names : "", command->formats ? command->formats[0].name : "");
	g_autofree char *timeout_help = g_strdup_printf("give up after SECONDS "
	    "(default %u)%s", command->timeout ? command->timeout
	    : DEFAULT_TIMEOUT, command->timeout ? ", for each host" : "");
	GOptionEntry database[] = {
		{ "dbname", 'd', 0, G_OPTION_ARG_STRING, &options->conninfo,
		  "libpq connection string or URI (default: libpq's environment)", "CONNINFO" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionEntry timeout[] = {
		{ "timeout", 't', 0, G_OPTION_ARG_INT, &options->timeout,
		  timeout_help, "SECONDS" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionEntry domain[] = {
		{ "domain", 0, 0, G_OPTION_ARG_STRING, &options->domain,
		  "only this policy domain", "DOMAIN" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionEntry days[] = {
		{ "days", 0, 0, G_OPTION_ARG_INT, &options->days, days_help, "N" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionEntry period[] = {
		{ "since", 0, 0, G_OPTION_ARG_STRING, &options->since,
		  "from this UTC day on", "YYYY-MM-DD" },
		{ "all", 0, 0, G_OPTION_ARG_NONE, &options->all,
		  "every policy domain (default: the " G_STRINGIFY(DEFAULT_KEEP)
		  " that most need attention)", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionEntry until[] = {
		{ "until", 0, 0, G_OPTION_ARG_STRING, &options->until,
		  "up to this UTC day, included (default yesterday)", "YYYY-MM-DD" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionEntry format[] = {
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &options->format,
		  format_help, "FORMAT" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionEntry thresholds[] = {
		{ "warning", 'w', 0, G_OPTION_ARG_DOUBLE, &options->warning,
		  "warn when a domain's failures are above PERCENT (default "
		  G_STRINGIFY(DEFAULT_WARNING) ")", "PERCENT" },
		{ "critical", 'c', 0, G_OPTION_ARG_DOUBLE, &options->critical,
		  "critical above PERCENT (default " G_STRINGIFY(DEFAULT_CRITICAL) ")",
		  "PERCENT" },
		{ "baseline", 0, 0, G_OPTION_ARG_INT, &options->baseline,
		  "compare with the N days before (default "
		  G_STRINGIFY(DEFAULT_BASELINE_DAYS) ")", "N" },
		{ "rise", 0, 0, G_OPTION_ARG_DOUBLE, &options->rise,
		  "warn when failures are FACTOR times the baseline's (default "
		  G_STRINGIFY(DEFAULT_RISE) "; 0: off)", "FACTOR" },
		{ "rise-min", 0, 0, G_OPTION_ARG_DOUBLE, &options->rise_points,
		  "...and at least POINTS percentage points above it (default "
		  G_STRINGIFY(DEFAULT_RISE_POINTS) ")", "POINTS" },
		{ "silence", 0, 0, G_OPTION_ARG_INT, &options->silence,
		  "warn when a reporter sent nothing for more than N days and twice "
		  "its usual gap (default " G_STRINGIFY(DEFAULT_SILENCE) "; 0: off)", "N" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionEntry dns[] = {
		{ "nameserver", 0, 0, G_OPTION_ARG_STRING, &options->nameserver,
		  "ask this DNS server (an IPv4 or IPv6 address; default: resolv.conf's)", "ADDRESS" },
		{ "port", 0, 0, G_OPTION_ARG_INT, &options->port,
		  "its port (default " G_STRINGIFY(DEFAULT_DNS_PORT) ")", "PORT" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionEntry probe[] = {
		{ "smtp-port", 0, 0, G_OPTION_ARG_INT, &options->smtp_port,
		  "probe MX hosts on this port (default "
		  G_STRINGIFY(DEFAULT_SMTP_PORT) ")", "PORT" },
		{ "https-port", 0, 0, G_OPTION_ARG_INT, &options->https_port,
		  "fetch MTA-STS policies from this port (default "
		  G_STRINGIFY(DEFAULT_HTTPS_PORT) ")", "PORT" },
		{ "cafile", 0, 0, G_OPTION_ARG_FILENAME, &options->cafile,
		  "trust the CAs of this PEM file, not the system's", "FILE" },
		{ "cert-days", 0, 0, G_OPTION_ARG_INT, &options->cert_days,
		  "warn when a certificate expires within N days (default "
		  G_STRINGIFY(DEFAULT_CERT_DAYS) ")", "N" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionEntry probe_switch[] = {
		{ "probe", 0, 0, G_OPTION_ARG_NONE, &options->probe,
		  "also probe the MX hosts: WARNING when a certificate expires "
		  "within --cert-days, CRITICAL when it has", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionEntry stored[] = {
		{ "stored", 0, 0, G_OPTION_ARG_NONE, &options->stored,
		  "every policy domain of the stored reports, too", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionEntry enforce[] = {
		{ "min-sessions", 0, 0, G_OPTION_ARG_INT64, &options->min_sessions,
		  "sessions needed in those days for a verdict (default "
		  G_STRINGIFY(DEFAULT_MIN_SESSIONS) ")", "N" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionEntry digest[] = {
		{ "to", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options->to,
		  "mail it to ADDRESS; again for more (default "
		  DEFAULT_DIGEST_TO ")", "ADDRESS" },
		{ "from", 0, 0, G_OPTION_ARG_STRING, &options->from,
		  "the From: address (default: this user at this host)", "ADDRESS" },
		{ "if-problems", 0, 0, G_OPTION_ARG_NONE, &options->if_problems,
		  "send only when check would not say OK", NULL },
		{ "sendmail", 0, 0, G_OPTION_ARG_FILENAME, &options->sendmail,
		  "hand it to PATH -t -oi (default " DEFAULT_SENDMAIL ")", "PATH" },
		{ "stdout", 0, 0, G_OPTION_ARG_NONE, &options->to_stdout,
		  "print the message instead of sending it", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionEntry rest[] = {
		{ "version", 'V', 0, G_OPTION_ARG_NONE, &options->version,
		  "print the version and exit", NULL },
		{ G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &options->args,
		  NULL, NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	const struct {
		OptionGroups	 group;
		const GOptionEntry *entries;
	} groups[] = {
		{ OPTIONS_DATABASE, database },
		{ OPTIONS_TIMEOUT, timeout },
		{ OPTIONS_DOMAIN, domain },
		{ OPTIONS_DAYS, days },
		{ OPTIONS_PERIOD, period },
		{ OPTIONS_UNTIL, until },
		{ OPTIONS_FORMAT, format },
		{ OPTIONS_THRESHOLDS, thresholds },
		{ OPTIONS_DNS, dns },
		{ OPTIONS_ENFORCE, enforce },
		{ OPTIONS_STORED, stored },
		{ OPTIONS_PROBE, probe },
		{ OPTIONS_PROBE_SWITCH, probe_switch },
		{ OPTIONS_DIGEST, digest },
	};
	g_autoptr(GOptionContext) context = g_option_context_new(command->args);
	g_autofree char *usage_name = g_strdup_printf("%s %s", g_get_prgname(),
	    command->name);
	g_autoptr(GError) parse_error = NULL;
	gboolean parsed;

	g_option_context_set_summary(context, command->summary);
	g_option_context_set_description(context, "See tlsrpt-report(1).");
	for (unsigned i = 0; i < G_N_ELEMENTS(groups); i++)
		if (command->options & groups[i].group)
			g_option_context_add_main_entries(context, groups[i].entries,
			    NULL);
	g_option_context_add_main_entries(context, rest, NULL);
	/* --help says "tlsrpt-report check [OPTION...]"; errors say "tlsrpt-report". */
	g_set_prgname(usage_name);
	parsed = g_option_context_parse(context, argc, argv, &parse_error);
	g_set_prgname("tlsrpt-report");
	if (!parsed) {
		g_set_error_literal(error, TLSRPT_ERROR, ERROR_USAGE,
		    parse_error->message);
		return FALSE;
	}
	if (options->timeout <= 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--timeout must be a positive number");
		return FALSE;
	}
	return options->version || check_args(command, options->args, error);
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
	g_free(options->cafile);
	g_strfreev(options->to);
	g_free(options->from);
	g_free(options->sendmail);
	g_strfreev(options->args);
}

/* run - parse a command's options and run it; the exit code */
static int
run(const Command *command, int argc, char **argv)
{
	Options options = {
		.timeout = command->timeout ? (gint)command->timeout : DEFAULT_TIMEOUT,
		.baseline = DEFAULT_BASELINE_DAYS,
		.warning = DEFAULT_WARNING,
		.critical = DEFAULT_CRITICAL,
		.rise = DEFAULT_RISE,
		.rise_points = DEFAULT_RISE_POINTS,
		.silence = DEFAULT_SILENCE,
		.port = DEFAULT_DNS_PORT,
		.min_sessions = DEFAULT_MIN_SESSIONS,
		.days = DAYS_NOT_GIVEN,
		.smtp_port = DEFAULT_SMTP_PORT,
		.https_port = DEFAULT_HTTPS_PORT,
		.cert_days = DEFAULT_CERT_DAYS,
		.default_days = command->days,
		.formats = command->formats,
	};
	g_autoptr(GError) error = NULL;
	int verdict = EX_OK;
	int code;

	if (!parse_options(command, &argc, &argv, &options, &error))
		code = fail(command->exits, error);
	else if (options.version) {
		puts(PACKAGE_STRING);
		code = finish_output(&tool_exits, EX_OK);
	} else if (!command->run(&options, &verdict, &error))
		code = fail(command->exits, error);
	else
		code = finish_output(command->exits, verdict);
	options_clear(&options);
	return code;
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	const Command *command;

	g_set_prgname("tlsrpt-report");
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0
	    || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return finish_output(&tool_exits, EX_OK);
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		puts(PACKAGE_STRING);
		return finish_output(&tool_exits, EX_OK);
	}
	command = command_find(argv[1]);
	if (command == NULL) {
		command_unknown(argv[1], &error);
		return fail(&tool_exits, error);
	}
	/* The command's own parser sees "tlsrpt-report COMMAND" as its name. */
	argv[1] = argv[0];
	return run(command, argc - 1, argv + 1);
}
