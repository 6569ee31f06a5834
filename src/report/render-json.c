/* render-json.c - a summary as JSON, stable for scripts
 *
 * The shape is a promise, documented in tlsrpt-report(1) and versioned by
 * its "version" member: members are added, never renamed or removed.
 * Percentages are numbers with four decimals, null without sessions;
 * every list is present, empty when there is nothing to say.  Strings
 * are what the reports said; text_safe(TEXT_JSON) writes the characters
 * that would act on a terminal showing the document as \u escapes,
 * which any JSON reader decodes back to the same strings.
 */
#include "config.h"

#include <math.h>

#include <json.h>

#include "common/text.h"
#include "enforce.h"
#include "explain.h"
#include "incident.h"
#include "render-json.h"

#define RENDER_JSON_VERSION	1

/* render_json_int - a new JSON integer */
static json_object *
render_json_int(gint64 n)
{
	return json_object_new_int64(n);
}

/* render_json_text - a new JSON string, or null for NULL */
static json_object *
render_json_text(const char *text)
{
	return text ? json_object_new_string(text) : NULL;
}

/* render_json_number - a percentage with four decimals, or null for NAN */
static json_object *
render_json_number(double value)
{
	char text[G_ASCII_DTOSTR_BUF_SIZE];

	if (isnan(value))
		return NULL;
	g_ascii_formatd(text, sizeof(text), "%.4f", value);
	return json_object_new_double_s(g_ascii_strtod(text, NULL), text);
}

/* render_json_date - a day as a YYYY-MM-DD string */
static json_object *
render_json_date(const GDate *date)
{
	char text[PERIOD_DATE_SIZE];

	period_format(date, text);
	return json_object_new_string(text);
}

/* render_json_sessions - reports, sessions, successful, failed, percentage */
static void
render_json_sessions(json_object *o, gint64 reports, gint64 successful,
    gint64 failed)
{
	json_object_object_add(o, "reports", render_json_int(reports));
	json_object_object_add(o, "sessions",
	    render_json_int(successful + failed));
	json_object_object_add(o, "successful", render_json_int(successful));
	json_object_object_add(o, "failed", render_json_int(failed));
	json_object_object_add(o, "failure_percent",
	    render_json_number(summary_percent(successful, failed)));
}

/* render_json_list - a new JSON array of the strings of list */
static json_object *
render_json_list(const SummaryList *list)
{
	json_object *array = json_object_new_array();

	for (guint i = 0; i < list->len; i++)
		json_object_array_add(array,
		    render_json_text(g_ptr_array_index(list, i)));
	return array;
}

/* render_json_split - a new JSON array of the parts of a text split at
 * sep, empty parts left out */
static json_object *
render_json_split(const char *text, const char *sep)
{
	json_object *array = json_object_new_array();
	g_auto(GStrv) parts = g_strsplit(text ? text : "", sep, -1);

	for (char **p = parts; *p != NULL; p++)
		if (**p != '\0')
			json_object_array_add(array, render_json_text(*p));
	return array;
}

/* render_json_incidents - a new array of incidents, each with its domain */
static json_object *
render_json_incidents(const char *domain, const GPtrArray *incidents)
{
	json_object *array = json_object_new_array();

	for (guint i = 0; i < incidents->len; i++) {
		const SummaryIncident *n = g_ptr_array_index(incidents, i);
		json_object *o = json_object_new_object();
		g_autofree char *sentence = incident_sentence(n);

		json_object_object_add(o, "domain", render_json_text(domain));
		json_object_object_add(o, "result_type", render_json_text(n->result_type));
		json_object_object_add(o, "mx_host", render_json_text(n->mx_host));
		json_object_object_add(o, "ips", render_json_list(n->ips));
		json_object_object_add(o, "first_day", render_json_text(n->first_day));
		json_object_object_add(o, "last_day", render_json_text(n->last_day));
		json_object_object_add(o, "failed", render_json_int(n->failed));
		json_object_object_add(o, "reporters", render_json_int(n->reporters));
		json_object_object_add(o, "organizations",
		    render_json_list(n->organizations));
		json_object_object_add(o, "status", render_json_text(incident_status(n)));
		json_object_object_add(o, "reason_codes", render_json_list(n->reason_codes));
		json_object_object_add(o, "additional_information",
		    render_json_list(n->additional_information));
		json_object_object_add(o, "bounces_under_enforce",
		    json_object_new_boolean(n->bounces_under_enforce));
		json_object_object_add(o, "diagnosis",
		    render_json_text(explain_diagnosis(n->result_type)));
		json_object_object_add(o, "sentence", render_json_text(sentence));
		json_object_array_add(array, o);
	}
	return array;
}

/* render_json_verdict - the enforce verdict of a domain and its evidence */
static json_object *
render_json_verdict(const SummaryDomain *d)
{
	const SummaryVerdict *v = &d->verdict;
	json_object *o = json_object_new_object();
	json_object *explanation = json_object_new_array();
	g_auto(GStrv) lines = enforce_lines(v);

	for (char **l = lines; *l != NULL; l++)
		json_object_array_add(explanation, render_json_text(*l));
	json_object_object_add(o, "verdict", render_json_text(v->verdict));
	json_object_object_add(o, "title", render_json_text(enforce_title(v)));
	json_object_object_add(o, "exit_code", render_json_int(enforce_status(v)));
	json_object_object_add(o, "until", render_json_text(v->until));
	json_object_object_add(o, "days", render_json_int(v->days));
	json_object_object_add(o, "min_sessions", render_json_int(v->min_sessions));
	json_object_object_add(o, "mode", render_json_text(v->mode));
	json_object_object_add(o, "mode_since",
	    render_json_text(*v->mode_since ? v->mode_since : NULL));
	json_object_object_add(o, "sessions", render_json_int(v->sessions));
	json_object_object_add(o, "reporters", render_json_int(v->reporters));
	json_object_object_add(o, "policy_types", render_json_list(v->policy_types));
	json_object_object_add(o, "mx_patterns", render_json_list(v->mx_patterns));
	json_object_object_add(o, "mx_uncovered", render_json_list(v->mx_uncovered));
	json_object_object_add(o, "bouncing_incidents",
	    render_json_int(v->bouncing_incidents));
	json_object_object_add(o, "ongoing_bouncing_incidents",
	    render_json_int(v->ongoing_bouncing_incidents));
	json_object_object_add(o, "incidents",
	    render_json_incidents(d->domain, v->incidents));
	json_object_object_add(o, "explanation", explanation);
	return o;
}

/* render_json_answers - what a domain's reports answer, into o */
static void
render_json_answers(json_object *o, const SummaryDomain *d)
{
	json_object *policies = json_object_new_array();
	json_object *dkim = json_object_new_object();
	json_object *forged = json_object_new_array();
	json_object *ips = json_object_new_array();
	json_object *silent = json_object_new_array();

	json_object_object_add(o, "failure_types_failed",
	    render_json_int(summary_types_failed(d)));
	json_object_object_add(o, "incidents",
	    render_json_incidents(d->domain, d->incidents));
	json_object_object_add(o, "enforce", render_json_verdict(d));

	for (guint i = 0; i < d->policies->len; i++) {
		const SummaryPolicy *p = g_ptr_array_index(d->policies, i);
		json_object *row = json_object_new_object();

		json_object_object_add(row, "policy_type", render_json_text(p->policy_type));
		json_object_object_add(row, "mode", render_json_text(p->mode));
		json_object_object_add(row, "mx", render_json_split(p->mx, " "));
		json_object_object_add(row, "max_age",
		    p->max_age >= 0 ? render_json_int(p->max_age) : NULL);
		json_object_object_add(row, "reporters", render_json_int(p->reporters));
		json_object_object_add(row, "reports", render_json_int(p->reports));
		json_object_object_add(row, "sessions", render_json_int(p->sessions));
		json_object_array_add(policies, row);
	}
	json_object_object_add(o, "policies", policies);

	json_object_object_add(dkim, "counted_reports", render_json_int(d->dkim_counted));
	json_object_object_add(dkim, "authenticated", render_json_int(d->dkim_pass));
	json_object_object_add(dkim, "authenticated_percent", d->dkim_counted > 0
	    ? render_json_number(100.0 * (double)d->dkim_pass / (double)d->dkim_counted)
	    : NULL);
	json_object_object_add(o, "dkim", dkim);

	for (guint i = 0; i < d->forged->len; i++) {
		const SummaryForged *f = g_ptr_array_index(d->forged, i);
		json_object *row = json_object_new_object();

		json_object_object_add(row, "organization", render_json_text(f->organization));
		json_object_object_add(row, "reports", render_json_int(f->reports));
		json_object_object_add(row, "failed", render_json_int(f->failed));
		json_object_object_add(row, "why", render_json_text("dkim-fail"));
		json_object_array_add(forged, row);
	}
	json_object_object_add(o, "not_counted", forged);

	for (guint i = 0; i < d->sending_ips->len; i++) {
		const SummarySendingIp *s = g_ptr_array_index(d->sending_ips, i);
		json_object *row = json_object_new_object();

		json_object_object_add(row, "ip", render_json_text(s->ip));
		json_object_object_add(row, "failed", render_json_int(s->failed));
		json_object_object_add(row, "result_types",
		    render_json_split(s->result_types, ","));
		json_object_object_add(row, "organizations",
		    render_json_list(s->organizations));
		json_object_array_add(ips, row);
	}
	json_object_object_add(o, "sending_ips", ips);

	for (guint i = 0; i < d->silent->len; i++) {
		const SummarySilent *r = g_ptr_array_index(d->silent, i);
		json_object *row = json_object_new_object();

		json_object_object_add(row, "organization", render_json_text(r->organization));
		json_object_object_add(row, "last_day", render_json_text(r->last_day));
		json_object_object_add(row, "silent_days", render_json_int(r->silent_days));
		json_object_object_add(row, "longest_gap", render_json_int(r->longest_gap));
		json_object_array_add(silent, row);
	}
	json_object_object_add(o, "silent_reporters", silent);
}

/* render_json_domain - one domain and its lists */
static json_object *
render_json_domain(const SummaryDomain *d)
{
	json_object *o = json_object_new_object();
	json_object *previous = json_object_new_object();
	json_object *types = json_object_new_array();
	json_object *hosts = json_object_new_array();
	json_object *reporters = json_object_new_array();

	json_object_object_add(o, "domain", render_json_text(d->domain));
	render_json_sessions(o, d->reports, d->successful, d->failed);
	json_object_object_add(o, "reporters",
	    render_json_int(d->organizations));
	render_json_sessions(previous, d->previous_reports,
	    d->previous_successful, d->previous_failed);
	json_object_object_add(o, "previous", previous);
	json_object_object_add(o, "change_points",
	    render_json_number(summary_change(d)));

	for (guint i = 0; i < d->failure_types->len; i++) {
		const SummaryFailureType *t = g_ptr_array_index(d->failure_types, i);
		json_object *row = json_object_new_object();

		json_object_object_add(row, "result_type",
		    render_json_text(t->result_type));
		json_object_object_add(row, "failed",
		    render_json_int(t->failed));
		json_object_object_add(row, "reporters",
		    render_json_int(t->organizations));
		json_object_object_add(row, "diagnosis",
		    render_json_text(explain_diagnosis(t->result_type)));
		json_object_object_add(row, "check",
		    render_json_text(explain_check(t->result_type)));
		json_object_array_add(types, row);
	}
	json_object_object_add(o, "failure_types", types);

	for (guint i = 0; i < d->mx_hosts->len; i++) {
		const SummaryMxHost *h = g_ptr_array_index(d->mx_hosts, i);
		json_object *row = json_object_new_object();

		json_object_object_add(row, "mx_host",
		    render_json_text(h->hostname));
		json_object_object_add(row, "ip", render_json_text(h->ip));
		json_object_object_add(row, "failed",
		    render_json_int(h->failed));
		json_object_object_add(row, "result_types",
		    render_json_split(h->result_types, ","));
		json_object_array_add(hosts, row);
	}
	json_object_object_add(o, "mx_hosts", hosts);

	for (guint i = 0; i < d->reporters->len; i++) {
		const SummaryReporter *r = g_ptr_array_index(d->reporters, i);
		json_object *row = json_object_new_object();

		json_object_object_add(row, "organization",
		    render_json_text(r->organization));
		render_json_sessions(row, r->reports, r->successful, r->failed);
		json_object_array_add(reporters, row);
	}
	json_object_object_add(o, "reporters_with_failures", reporters);
	render_json_answers(o, d);
	return o;
}

/* render_json_period - a new object of a period's days and the days
 * before (check's baseline) */
static json_object *
render_json_period(const Period *p)
{
	json_object *period = json_object_new_object();

	json_object_object_add(period, "since", render_json_date(&p->since));
	json_object_object_add(period, "until", render_json_date(&p->until));
	json_object_object_add(period, "days", render_json_int(p->days));
	json_object_object_add(period, "previous_since",
	    render_json_date(&p->previous_since));
	json_object_object_add(period, "previous_until",
	    render_json_date(&p->previous_until));
	json_object_object_add(period, "previous_days",
	    render_json_int(p->previous_days));
	json_object_object_add(period, "partial", json_object_new_boolean(p->partial));
	return period;
}

/* render_json_write - write a document to out and free it */
static void
render_json_write(FILE *out, json_object *top)
{
	g_autofree char *document = text_safe(json_object_to_json_string_ext(top,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
	    | JSON_C_TO_STRING_NOSLASHESCAPE), -1, TEXT_JSON, 0);

	json_object_put(top);
	fprintf(out, "%s\n", document);
}

/* render_json - write summary to out as one JSON object */
void
render_json(FILE *out, const Summary *summary)
{
	json_object *top = json_object_new_object();
	json_object *domains = json_object_new_array();

	json_object_object_add(top, "version",
	    render_json_int(RENDER_JSON_VERSION));
	json_object_object_add(top, "period", render_json_period(&summary->period));
	json_object_object_add(top, "stored_reports",
	    render_json_int(summary->stored_reports));
	json_object_object_add(top, "domains_left_out",
	    render_json_int(summary->left_out));
	for (guint i = 0; i < summary->domains->len; i++)
		json_object_array_add(domains,
		    render_json_domain(g_ptr_array_index(summary->domains, i)));
	json_object_object_add(top, "domains", domains);

	render_json_write(out, top);
}

/* render_json_enforce - write the enforce verdicts of summary to out as
 * one JSON object */
void
render_json_enforce(FILE *out, const Summary *summary)
{
	json_object *top = json_object_new_object();
	json_object *domains = json_object_new_array();

	json_object_object_add(top, "version", render_json_int(RENDER_JSON_VERSION));
	for (guint i = 0; i < summary->domains->len; i++) {
		const SummaryDomain *d = g_ptr_array_index(summary->domains, i);
		json_object *o = render_json_verdict(d);

		json_object_object_add(o, "domain", render_json_text(d->domain));
		json_object_array_add(domains, o);
	}
	json_object_object_add(top, "domains", domains);
	render_json_write(out, top);
}

/* render_json_state - a status in lower case: "ok", "critical"... */
static json_object *
render_json_state(CheckStatus status)
{
	g_autofree char *name = g_ascii_strdown(check_status_name(status), -1);

	return json_object_new_string(name);
}

/* render_json_figures - successful, failed, percentage, with a prefix */
static void
render_json_figures(json_object *o, const char *prefix, gint64 successful,
    gint64 failed)
{
	g_autofree char *sessions = g_strconcat(prefix, "sessions", NULL);
	g_autofree char *failed_name = g_strconcat(prefix, "failed", NULL);
	g_autofree char *percent = g_strconcat(prefix, "failure_percent", NULL);

	json_object_object_add(o, sessions, render_json_int(successful + failed));
	json_object_object_add(o, failed_name, render_json_int(failed));
	json_object_object_add(o, percent,
	    render_json_number(summary_percent(successful, failed)));
}

/* render_json_check_incident - a problem's incident, or null */
static json_object *
render_json_check_incident(const CheckIncident *n)
{
	json_object *o;

	if (n == NULL)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "result_type", render_json_text(n->result_type));
	json_object_object_add(o, "mx_host", render_json_text(n->mx_host));
	json_object_object_add(o, "first_day", render_json_text(n->first_day));
	json_object_object_add(o, "last_day", render_json_text(n->last_day));
	json_object_object_add(o, "status",
	    render_json_text(n->ongoing ? "ongoing" : "resolved"));
	json_object_object_add(o, "failed", render_json_int(n->failed));
	json_object_object_add(o, "reporters", render_json_int(n->reporters));
	json_object_object_add(o, "cause", render_json_text(n->cause));
	return o;
}

/* render_json_problem - one problem: the members of every kind, then
 * those of its kind */
static json_object *
render_json_problem(const CheckProblem *p)
{
	static const char *const kinds[] = {
		[CHECK_PROBLEM_FAILURES] = "failures",
		[CHECK_PROBLEM_RISE] = "rise",
		[CHECK_PROBLEM_FORGED] = "dkim-failed",
		[CHECK_PROBLEM_SILENT] = "silent-reporter",
		[CHECK_PROBLEM_CERTIFICATE] = "certificate",
		[CHECK_PROBLEM_UNPROBED] = "not-probed",
	};
	json_object *o = json_object_new_object();

	json_object_object_add(o, "state", render_json_state(p->status));
	json_object_object_add(o, "kind", render_json_text(kinds[p->kind]));
	json_object_object_add(o, "domain", render_json_text(p->domain));
	json_object_object_add(o, "text", render_json_text(p->text));
	switch (p->kind) {
	case CHECK_PROBLEM_FAILURES:
	case CHECK_PROBLEM_RISE:
		render_json_figures(o, "", p->successful, p->failed);
		render_json_figures(o, "baseline_", p->baseline_successful,
		    p->baseline_failed);
		json_object_object_add(o, "incident",
		    render_json_check_incident(p->incident));
		break;
	case CHECK_PROBLEM_FORGED:
		json_object_object_add(o, "organization",
		    render_json_text(p->organization));
		json_object_object_add(o, "reports", render_json_int(p->reports));
		break;
	case CHECK_PROBLEM_SILENT:
		json_object_object_add(o, "organization",
		    render_json_text(p->organization));
		json_object_object_add(o, "last_report_day", render_json_text(p->day));
		json_object_object_add(o, "silent_days", render_json_int(p->silent_days));
		json_object_object_add(o, "longest_gap_days",
		    render_json_int(p->longest_gap));
		break;
	case CHECK_PROBLEM_CERTIFICATE:
		json_object_object_add(o, "host", render_json_text(p->host));
		json_object_object_add(o, "expires", render_json_text(p->day));
		json_object_object_add(o, "days_left", render_json_int(p->days_left));
		break;
	case CHECK_PROBLEM_UNPROBED:
		break;
	}
	return o;
}

/* render_json_check - write check's verdict to out as one JSON object */
void
render_json_check(FILE *out, const Check *check, const Period *period,
    const char *domain)
{
	const CheckOptions *options = check_options(check);
	const GArray *judged = check_domains(check);
	g_autoptr(GPtrArray) found = check_problems(check);
	g_autofree char *text = check_text(check, period, domain);
	json_object *top = json_object_new_object();
	json_object *thresholds = json_object_new_object();
	json_object *totals = json_object_new_object();
	json_object *domains = json_object_new_array();
	json_object *problems = json_object_new_array();
	gint64 successful = 0, failed = 0;

	json_object_object_add(top, "version", render_json_int(RENDER_JSON_VERSION));
	json_object_object_add(top, "state", render_json_state(check_status(check)));
	json_object_object_add(top, "exit_code", render_json_int(check_status(check)));
	json_object_object_add(top, "text", render_json_text(text));
	json_object_object_add(top, "domain", render_json_text(domain));

	json_object_object_add(top, "period", render_json_period(period));

	json_object_object_add(thresholds, "warning_percent",
	    json_object_new_double(options->warning));
	json_object_object_add(thresholds, "critical_percent",
	    json_object_new_double(options->critical));
	json_object_object_add(thresholds, "rise_factor",
	    json_object_new_double(options->rise));
	json_object_object_add(thresholds, "rise_min_points",
	    json_object_new_double(options->rise_points));
	json_object_object_add(thresholds, "silence_days",
	    render_json_int(options->silence));
	json_object_object_add(top, "thresholds", thresholds);

	for (guint i = 0; i < judged->len; i++) {
		const CheckDomain *d = &g_array_index(judged, CheckDomain, i);
		json_object *o = json_object_new_object();

		json_object_object_add(o, "domain", render_json_text(d->domain));
		render_json_figures(o, "", d->successful, d->failed);
		render_json_figures(o, "baseline_", d->baseline_successful,
		    d->baseline_failed);
		json_object_array_add(domains, o);
		successful += d->successful;
		failed += d->failed;
	}
	json_object_object_add(totals, "domains", render_json_int(judged->len));
	render_json_figures(totals, "", successful, failed);
	json_object_object_add(totals, "silent_reporters",
	    render_json_int(check_silent_reporters(check)));
	json_object_object_add(top, "totals", totals);
	json_object_object_add(top, "domains", domains);

	for (guint i = 0; i < found->len; i++)
		json_object_array_add(problems,
		    render_json_problem(g_ptr_array_index(found, i)));
	json_object_object_add(top, "problems", problems);
	render_json_write(out, top);
}

/* render_json_check_failed - UNKNOWN, and why */
void
render_json_check_failed(FILE *out, const char *why)
{
	json_object *top = json_object_new_object();

	json_object_object_add(top, "version", render_json_int(RENDER_JSON_VERSION));
	json_object_object_add(top, "state", render_json_state(CHECK_UNKNOWN));
	json_object_object_add(top, "exit_code", render_json_int(CHECK_UNKNOWN));
	json_object_object_add(top, "text", render_json_text(why));
	json_object_object_add(top, "problems", json_object_new_array());
	render_json_write(out, top);
}
