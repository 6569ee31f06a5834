/* check.c - the monitoring verdict: OK, WARNING or CRITICAL, and why
 *
 * Every problem becomes one short phrase; the status line lists the
 * critical ones first.  Thresholds follow the Nagios plugin convention
 * for a plain number N: alert when the value is above N, not at N.
 * Domains and organisations are what reports said: each problem keeps
 * them as they came, for check_text's callers to make safe; the status
 * line passes its text through text_safe(TEXT_NAGIOS), and labels through
 * TEXT_NAGIOS_LABEL, so that no "|" starts forged performance data.
 */
#include "config.h"

#include <math.h>

#include "check.h"
#include "common/text.h"
#include "incident.h"
#include "summary.h"

#define CHECK_DAY	86400

struct check {
	CheckOptions	 options;
	CheckStatus	 status;
	GPtrArray	*critical;	/* CheckProblem, owned */
	GPtrArray	*warning;
	GArray		*domains;	/* CheckDomain */
	GString		*perfdata;	/* but the domains' */
	gint64		 sessions;
	gint64		 failed;
	gint64		 silent;	/* silent reporters */
	char		*replica;	/* what a standby has replayed; NULL:
					 * read from the primary */
};

/* check_incident_free - NULL-safe */
static void
check_incident_free(CheckIncident *incident)
{
	if (incident == NULL)
		return;
	g_free(incident->result_type);
	g_free(incident->mx_host);
	g_free(incident->cause);
	g_free(incident);
}

/* check_problem_free - a problem and its strings */
static void
check_problem_free(CheckProblem *problem)
{
	g_free(problem->text);
	g_free(problem->domain);
	g_free(problem->organization);
	g_free(problem->host);
	check_incident_free(problem->incident);
	g_free(problem);
}

/* check_domain_clear - the strings of a domain */
static void
check_domain_clear(CheckDomain *domain)
{
	g_free(domain->domain);
}

/* check_new - an empty verdict */
Check *
check_new(const CheckOptions *options)
{
	Check *check = g_new0(Check, 1);

	check->options = *options;
	check->status = CHECK_UNKNOWN;
	check->critical = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)check_problem_free);
	check->warning = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)check_problem_free);
	check->domains = g_array_new(FALSE, TRUE, sizeof(CheckDomain));
	g_array_set_clear_func(check->domains, (GDestroyNotify)check_domain_clear);
	check->perfdata = g_string_new(NULL);
	return check;
}

/* check_free - NULL-safe */
void
check_free(Check *check)
{
	if (check == NULL)
		return;
	g_ptr_array_unref(check->critical);
	g_ptr_array_unref(check->warning);
	g_array_unref(check->domains);
	g_string_free(check->perfdata, TRUE);
	g_free(check->replica);
	g_free(check);
}

/* check_raise - a new problem of a kind and status about domain (may be
 * NULL), taking the phrase; the problem, for the caller to fill */
static CheckProblem *
check_raise(Check *check, CheckStatus status, CheckProblemKind kind,
    const char *domain, char *phrase)
{
	CheckProblem *problem = g_new0(CheckProblem, 1);

	problem->status = status;
	problem->kind = kind;
	problem->domain = g_strdup(domain);
	problem->text = phrase;
	g_ptr_array_add(status == CHECK_CRITICAL ? check->critical : check->warning,
	    problem);
	if (check->status == CHECK_UNKNOWN || status > check->status)
		check->status = status;
	return problem;
}

/* check_perfdata_value - one value of performance data into out:
 * 'name what'=value, a space before it unless out is empty */
static void
check_perfdata_value(GString *out, const char *name, const char *what,
    const char *value)
{
	g_autofree char *label = what ? g_strconcat(name, " ", what, NULL)
	    : g_strdup(name);

	if (out->len > 0)
		g_string_append_c(out, ' ');
	text_append(out, label, -1, TEXT_NAGIOS_LABEL, 0);
	g_string_append_printf(out, "=%s", value);
}

/* The rule a domain's window breaks, if any. */
typedef enum {
	CHECK_RULE_NONE,
	CHECK_RULE_CRITICAL,	/* above -c */
	CHECK_RULE_WARNING,	/* above -w */
	CHECK_RULE_RISE,	/* a rise against its baseline */
} CheckRule;

/* check_rule - the rule a domain's window breaks, the worst first */
static CheckRule
check_rule(const CheckOptions *o, double percent, double baseline)
{
	if (isnan(percent))
		return CHECK_RULE_NONE;
	if (percent > o->critical)
		return CHECK_RULE_CRITICAL;
	if (percent > o->warning)
		return CHECK_RULE_WARNING;
	/*
	 * A rise is news even below the thresholds, which a domain with a
	 * known, accepted failure rate sets high; the minimum in points keeps
	 * noise (0.01% to 0.05%) quiet.
	 */
	if (o->rise > 0 && !isnan(baseline) && percent >= o->rise * baseline
	    && percent - baseline >= o->rise_points)
		return CHECK_RULE_RISE;
	return CHECK_RULE_NONE;
}

/* check_domain_status - the problem a domain's window and baseline raise */
CheckStatus
check_domain_status(const Check *check, gint64 successful, gint64 failed,
    gint64 baseline_successful, gint64 baseline_failed)
{
	switch (check_rule(&check->options, summary_percent(successful, failed),
	    summary_percent(baseline_successful, baseline_failed))) {
	case CHECK_RULE_CRITICAL:
		return CHECK_CRITICAL;
	case CHECK_RULE_WARNING:
	case CHECK_RULE_RISE:
		return CHECK_WARNING;
	case CHECK_RULE_NONE:
		break;
	}
	return CHECK_OK;
}

/* check_incident_copy - what a problem keeps of an incident; owned,
 * NULL for NULL */
static CheckIncident *
check_incident_copy(const SummaryIncident *incident)
{
	CheckIncident *copy;

	if (incident == NULL)
		return NULL;
	copy = g_new0(CheckIncident, 1);
	copy->result_type = g_strdup(incident->result_type);
	copy->mx_host = g_strdup(incident->mx_host);
	g_strlcpy(copy->first_day, incident->first_day, sizeof(copy->first_day));
	g_strlcpy(copy->last_day, incident->last_day, sizeof(copy->last_day));
	copy->ongoing = incident->ongoing;
	copy->failed = incident->failed;
	copy->reporters = incident->reporters;
	copy->cause = incident_cause(incident);
	return copy;
}

/* check_add_domain - judge a domain's window against thresholds and baseline */
void
check_add_domain(Check *check, const char *domain, gint64 successful,
    gint64 failed, gint64 baseline_successful, gint64 baseline_failed,
    const SummaryIncident *incident)
{
	const CheckOptions *o = &check->options;
	double percent = summary_percent(successful, failed);
	double baseline = summary_percent(baseline_successful, baseline_failed);
	CheckDomain row = {
		.domain = g_strdup(domain),
		.successful = successful,
		.failed = failed,
		.baseline_successful = baseline_successful,
		.baseline_failed = baseline_failed,
	};
	g_autofree char *why = incident ? incident_cause(incident) : NULL;
	CheckProblem *problem = NULL;
	char count[32];

	if (check->status == CHECK_UNKNOWN)
		check->status = CHECK_OK;
	g_array_append_val(check->domains, row);
	check->sessions += successful + failed;
	check->failed += failed;

	switch (check_rule(o, percent, baseline)) {
	case CHECK_RULE_CRITICAL:
	case CHECK_RULE_WARNING: {
		gboolean critical = percent > o->critical;

		problem = check_raise(check, critical ? CHECK_CRITICAL : CHECK_WARNING,
		    CHECK_PROBLEM_FAILURES, domain, why != NULL
		    ? g_strdup_printf("%s: %s (%.2f%% of %s sessions)", domain, why,
		    percent, summary_count(successful + failed, count))
		    : g_strdup_printf("%s: %.2f%% of %" G_GINT64_FORMAT " sessions "
		    "failed (%s above %g%%)", domain, percent, successful + failed,
		    critical ? "critical" : "warning",
		    critical ? o->critical : o->warning));
		break;
	}
	case CHECK_RULE_RISE:
		problem = check_raise(check, CHECK_WARNING, CHECK_PROBLEM_RISE, domain,
		    g_strdup_printf("%s: failures rose to %.2f%% from %.2f%% before%s%s",
		    domain, percent, baseline, why ? ": " : "", why ? why : ""));
		break;
	case CHECK_RULE_NONE:
		return;
	}
	problem->successful = successful;
	problem->failed = failed;
	problem->baseline_successful = baseline_successful;
	problem->baseline_failed = baseline_failed;
	problem->incident = check_incident_copy(incident);
}

/* check_add_forged - reports whose DKIM failed: not counted, a warning */
void
check_add_forged(Check *check, const char *organization, const char *domain,
    gint64 reports)
{
	CheckProblem *problem = check_raise(check, CHECK_WARNING,
	    CHECK_PROBLEM_FORGED, domain, g_strdup_printf("%" G_GINT64_FORMAT
	    " report%s claiming to be %s about %s failed DKIM: not counted",
	    reports, reports == 1 ? "" : "s", organization, domain));

	problem->organization = g_strdup(organization);
	problem->reports = reports;
}

/* check_silent - whether a reporter is silent by its own rhythm */
gboolean
check_silent(guint silence, gint64 report_days, gint64 silent_days,
    gint64 longest_gap)
{
	return silence > 0 && report_days >= CHECK_RHYTHM_DAYS
	    && silent_days > (gint64)silence && silent_days > 2 * longest_gap;
}

/* check_add_reporter - judge one reporter's silence about one domain
 *
 * Reporters send only for days they had mail for the domain, so a
 * reporter is judged by its own rhythm: silent when it has not reported
 * for more than twice the longest gap it ever left, and for more than
 * the --silence days.
 */
void
check_add_reporter(Check *check, const char *organization, const char *domain,
    gint64 report_days, const char *last_day, gint64 silent_days,
    gint64 longest_gap)
{
	CheckProblem *problem;

	if (!check_silent(check->options.silence, report_days, silent_days,
	    longest_gap))
		return;
	check->silent++;
	problem = check_raise(check, CHECK_WARNING, CHECK_PROBLEM_SILENT, domain,
	    g_strdup_printf("no report from %s about %s since %s (%" G_GINT64_FORMAT
	    " days; it used to report at least every %" G_GINT64_FORMAT " day%s)",
	    organization, domain, last_day, silent_days, longest_gap,
	    longest_gap == 1 ? "" : "s"));
	problem->organization = g_strdup(organization);
	g_strlcpy(problem->day, last_day, sizeof(problem->day));
	problem->silent_days = silent_days;
	problem->longest_gap = longest_gap;
}

/* check_add_certificate - judge the end of an MX host's certificate:
 * critical once it is over, a warning within cert_days */
void
check_add_certificate(Check *check, const char *host, gint64 seconds_left,
    const char *day, guint cert_days)
{
	g_autofree char *value = NULL;
	gint64 days = seconds_left / CHECK_DAY;
	CheckProblem *problem;

	if (seconds_left < 0 && seconds_left % CHECK_DAY != 0)
		days--;
	value = g_strdup_printf("%" G_GINT64_FORMAT ";%u:;0:", days, cert_days);
	check_perfdata_value(check->perfdata, host, "certificate days", value);
	if (seconds_left <= 0)
		problem = check_raise(check, CHECK_CRITICAL, CHECK_PROBLEM_CERTIFICATE,
		    NULL, g_strdup_printf("the certificate of %s expired on %s",
		    host, day));
	else if (seconds_left <= (gint64)cert_days * CHECK_DAY)
		problem = check_raise(check, CHECK_WARNING, CHECK_PROBLEM_CERTIFICATE,
		    NULL, g_strdup_printf("the certificate of %s expires on %s "
		    "(warning within %u days)", host, day, cert_days));
	else
		return;
	problem->host = g_strdup(host);
	g_strlcpy(problem->day, day, sizeof(problem->day));
	problem->days_left = days;
}

/* check_add_unprobed - a domain whose MX hosts could not be probed */
void
check_add_unprobed(Check *check, const char *domain, const char *why)
{
	check_raise(check, CHECK_WARNING, CHECK_PROBLEM_UNPROBED, domain,
	    g_strdup_printf("%s not probed: %s", domain, why));
}

/* check_duration - seconds as a person reads them: "40 s", "12 min",
 * "3 h 5 min", "2 days 4 h"; owned */
static char *
check_duration(gint64 seconds)
{
	if (seconds < 60)
		return g_strdup_printf("%" G_GINT64_FORMAT " s", seconds);
	if (seconds < 3600)
		return g_strdup_printf("%" G_GINT64_FORMAT " min", seconds / 60);
	if (seconds < CHECK_DAY)
		return g_strdup_printf("%" G_GINT64_FORMAT " h %" G_GINT64_FORMAT
		    " min", seconds / 3600, seconds % 3600 / 60);
	return g_strdup_printf("%" G_GINT64_FORMAT " day%s %" G_GINT64_FORMAT " h",
	    seconds / CHECK_DAY, seconds < 2 * CHECK_DAY ? "" : "s",
	    seconds % CHECK_DAY / 3600);
}

/* check_add_replica - the figures come from a standby, replayed up to
 * replayed
 *
 * A standby behind its primary lacks the latest reports: query.c judges
 * silence as of the replayed day, and the line says how far behind the
 * figures are, so that nobody chases a reporter, or a failure rate, that
 * is only late in arriving.  A primary that stored nothing for a while
 * looks the same from the standby: the line then says so too.
 */
void
check_add_replica(Check *check, const char *replayed, gint64 lag_seconds)
{
	g_autofree char *lag = NULL;
	g_autofree char *value = NULL;

	g_free(check->replica);
	if (replayed == NULL) {
		check->replica = g_strdup("read from a standby that has replayed "
		    "nothing since it started");
		return;
	}
	lag = check_duration(lag_seconds);
	check->replica = g_strdup_printf("read from a standby, replayed up to "
	    "%s UTC (%s ago)", replayed, lag);
	value = g_strdup_printf("%" G_GINT64_FORMAT "s;;;0", lag_seconds);
	check_perfdata_value(check->perfdata, "standby", "lag", value);
}

/* check_status - the verdict so far */
CheckStatus
check_status(const Check *check)
{
	return check->status;
}

/* check_status_name - the plugin's word for a status */
const char *
check_status_name(CheckStatus status)
{
	static const char *const names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

	return names[status];
}

/* check_options - the thresholds */
const CheckOptions *
check_options(const Check *check)
{
	return &check->options;
}

/* check_problems - the problems, critical ones first */
GPtrArray *
check_problems(const Check *check)
{
	GPtrArray *problems = g_ptr_array_sized_new(check->critical->len
	    + check->warning->len);

	for (guint i = 0; i < check->critical->len; i++)
		g_ptr_array_add(problems, g_ptr_array_index(check->critical, i));
	for (guint i = 0; i < check->warning->len; i++)
		g_ptr_array_add(problems, g_ptr_array_index(check->warning, i));
	return problems;
}

/* check_domains - the domains judged */
const GArray *
check_domains(const Check *check)
{
	return check->domains;
}

/* check_silent_reporters - how many reporters went silent */
gint64
check_silent_reporters(const Check *check)
{
	return check->silent;
}

/* check_text_replica - text, with what the standby read from has
 * replayed after it whatever the verdict; text freed, the result owned */
static char *
check_text_replica(const Check *check, GString *text)
{
	if (check->replica != NULL)
		g_string_append_printf(text, "; %s", check->replica);
	return g_string_free(text, FALSE);
}

/* check_text - the problems, or why there is no verdict, or the totals */
char *
check_text(const Check *check, const Period *period, const char *domain)
{
	GString *text = g_string_new(NULL);
	g_autoptr(GPtrArray) problems = check_problems(check);
	guint days = period->days;
	double percent;

	if (check->status == CHECK_UNKNOWN) {
		/* Nothing to judge is no verdict: the reports stopped coming. */
		g_string_append(text, "no TLS reports ");
		if (domain != NULL)
			g_string_append_printf(text, "about %s ", domain);
		g_string_append_printf(text, "for the last %u days: is "
		    "tlsrpt-ingest receiving them?", days + period->previous_days);
		return check_text_replica(check, text);
	}
	for (guint i = 0; i < problems->len && i < CHECK_TEXT_PROBLEMS; i++)
		g_string_append_printf(text, "%s%s", i ? "; " : "",
		    ((CheckProblem *)g_ptr_array_index(problems, i))->text);
	if (problems->len > CHECK_TEXT_PROBLEMS)
		g_string_append_printf(text, "; and %u more problems "
		    "(check --format json lists them all)",
		    problems->len - CHECK_TEXT_PROBLEMS);
	if (check->status != CHECK_OK)
		return check_text_replica(check, text);
	percent = summary_percent(check->sessions - check->failed, check->failed);
	g_string_append_printf(text, "%u domain%s, ", check->domains->len,
	    check->domains->len == 1 ? "" : "s");
	if (isnan(percent))
		g_string_append_printf(text, "no sessions reported in the last "
		    "%u day%s", days, days == 1 ? "" : "s");
	else
		g_string_append_printf(text, "%.2f%% of %" G_GINT64_FORMAT
		    " sessions failed in the last %u day%s", percent,
		    check->sessions, days, days == 1 ? "" : "s");
	return check_text_replica(check, text);
}

/* check_perfdata_sessions - the failed percentage (with thresholds, when
 * given) and the sessions of a domain (name) or of all (what prefixed
 * by nothing: name NULL), into out */
static void
check_perfdata_sessions(GString *out, const char *name, gint64 successful,
    gint64 failed, const CheckOptions *thresholds)
{
	double percent = summary_percent(successful, failed);
	g_autofree char *limits = thresholds ? g_strdup_printf("%g;%g",
	    thresholds->warning, thresholds->critical) : g_strdup(";");
	g_autofree char *value = NULL;
	g_autofree char *sessions = g_strdup_printf("%" G_GINT64_FORMAT ";;;0",
	    successful + failed);

	/* Without sessions the percentage is undetermined: "U" in perfdata. */
	if (isnan(percent))
		value = g_strdup_printf("U;%s;0;100", limits);
	else
		value = g_strdup_printf("%.2f%%;%s;0;100", percent, limits);
	check_perfdata_value(out, name ? name : "failed", name ? "failed" : NULL,
	    value);
	check_perfdata_value(out, name ? name : "sessions", name ? "sessions" : NULL,
	    sessions);
}

/* check_perfdata_domains - the domains' performance data, into out: each
 * domain's, up to CHECK_PERFDATA_DOMAINS domains; beyond, the totals,
 * how many domains and how many with a problem, and the domains of the
 * first CHECK_PERFDATA_DOMAINS problems (critical first) */
static void
check_perfdata_domains(const Check *check, GString *out)
{
	g_autoptr(GPtrArray) problems = NULL;
	g_autoptr(GHashTable) shown = NULL;
	g_autofree char *count = NULL;
	guint alerting = 0;

	if (check->domains->len <= CHECK_PERFDATA_DOMAINS) {
		for (guint i = 0; i < check->domains->len; i++) {
			const CheckDomain *d = &g_array_index(check->domains, CheckDomain, i);

			check_perfdata_sessions(out, d->domain, d->successful, d->failed,
			    &check->options);
		}
		return;
	}
	check_perfdata_sessions(out, NULL, check->sessions - check->failed,
	    check->failed, NULL);
	count = g_strdup_printf("%u;;;0", check->domains->len);
	check_perfdata_value(out, "domains", NULL, count);
	problems = check_problems(check);
	shown = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i < problems->len; i++) {
		const CheckProblem *p = g_ptr_array_index(problems, i);

		if (p->kind == CHECK_PROBLEM_FAILURES || p->kind == CHECK_PROBLEM_RISE)
			alerting++;
	}
	g_free(count);
	count = g_strdup_printf("%u;;;0", alerting);
	check_perfdata_value(out, "domains alerting", NULL, count);
	for (guint i = 0; i < problems->len
	    && g_hash_table_size(shown) < CHECK_PERFDATA_DOMAINS; i++) {
		const CheckProblem *p = g_ptr_array_index(problems, i);

		if ((p->kind != CHECK_PROBLEM_FAILURES && p->kind != CHECK_PROBLEM_RISE)
		    || !g_hash_table_add(shown, p->domain))
			continue;
		check_perfdata_sessions(out, p->domain, p->successful, p->failed,
		    &check->options);
	}
}

/* check_status_line - "TLSRPT STATUS - text | perfdata" */
char *
check_status_line(const Check *check, const Period *period, const char *domain)
{
	g_autofree char *text = check_text(check, period, domain);
	GString *line = g_string_new(NULL);
	g_autoptr(GString) perfdata = g_string_new(NULL);

	g_string_printf(line, "TLSRPT %s - ", check_status_name(check->status));
	text_append(line, text, -1, TEXT_NAGIOS, 0);
	if (check->status == CHECK_UNKNOWN)
		return g_string_free(line, FALSE);
	check_perfdata_domains(check, perfdata);
	if (check->perfdata->len > 0)
		g_string_append_printf(perfdata, "%s%s", perfdata->len ? " " : "",
		    check->perfdata->str);
	g_string_append_printf(line, " | %s%s'silent reporters'=%" G_GINT64_FORMAT ";;;0",
	    perfdata->str, perfdata->len ? " " : "", check->silent);
	return g_string_free(line, FALSE);
}
