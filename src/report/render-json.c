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
#include "explain.h"
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
		json_object *list = json_object_new_array();
		g_auto(GStrv) names = g_strsplit(h->result_types, ",", -1);

		json_object_object_add(row, "mx_host",
		    render_json_text(h->hostname));
		json_object_object_add(row, "ip", render_json_text(h->ip));
		json_object_object_add(row, "failed",
		    render_json_int(h->failed));
		for (char **n = names; *n != NULL; n++)
			if (**n != '\0')
				json_object_array_add(list, render_json_text(*n));
		json_object_object_add(row, "result_types", list);
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
	return o;
}

/* render_json - write summary to out as one JSON object */
void
render_json(FILE *out, const Summary *summary)
{
	const Period *p = &summary->period;
	json_object *top = json_object_new_object();
	json_object *period = json_object_new_object();
	json_object *domains = json_object_new_array();
	g_autofree char *document = NULL;

	json_object_object_add(top, "version",
	    render_json_int(RENDER_JSON_VERSION));
	json_object_object_add(period, "since", render_json_date(&p->since));
	json_object_object_add(period, "until", render_json_date(&p->until));
	json_object_object_add(period, "days", render_json_int(p->days));
	json_object_object_add(period, "previous_since",
	    render_json_date(&p->previous_since));
	json_object_object_add(period, "previous_until",
	    render_json_date(&p->previous_until));
	json_object_object_add(top, "period", period);
	json_object_object_add(top, "stored_reports",
	    render_json_int(summary->stored_reports));
	for (guint i = 0; i < summary->domains->len; i++)
		json_object_array_add(domains,
		    render_json_domain(g_ptr_array_index(summary->domains, i)));
	json_object_object_add(top, "domains", domains);

	document = text_safe(json_object_to_json_string_ext(top,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
	    | JSON_C_TO_STRING_NOSLASHESCAPE), -1, TEXT_JSON, 0);
	json_object_put(top);
	fprintf(out, "%s\n", document);
}
