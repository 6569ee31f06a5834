/* render-metrics.c - a summary as Prometheus metrics
 *
 * Every metric is a gauge: the figures of a window move both ways, and
 * none counts from a process start, so none is named _total.  Units are
 * in the names (_seconds, _ratio), as Prometheus's naming conventions
 * want.  A family's samples are written together, one per domain (and
 * per reporter, result type or verdict), after its HELP and TYPE lines.
 * Label values are what reports said, made safe by
 * text_safe(TEXT_PROMETHEUS): nothing a reporter writes can end a value
 * or start a line.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "common/text.h"
#include "render-metrics.h"

/* The label names. */
#define METRICS_DOMAIN		"policy_domain"
#define METRICS_ORGANIZATION	"organization"

/* metrics_family - the HELP and TYPE lines of a gauge */
static void
metrics_family(FILE *out, const char *name, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* metrics_label - name="value", after a "," unless first, to labels */
static void
metrics_label(GString *labels, const char *name, const char *value)
{
	g_string_append_printf(labels, "%s%s=\"", labels->len > 0 ? "," : "", name);
	text_append(labels, value, -1, TEXT_PROMETHEUS, 0);
	g_string_append_c(labels, '"');
}

/* metrics_sample - one sample: name{labels} value */
static void
metrics_sample(FILE *out, const char *name, const GString *labels,
    const char *value)
{
	if (labels->len > 0)
		fprintf(out, "%s{%s} %s\n", name, labels->str, value);
	else
		fprintf(out, "%s %s\n", name, value);
}

/* metrics_int - a sample with an integer value */
static void
metrics_int(FILE *out, const char *name, const GString *labels, gint64 value)
{
	char text[32];

	g_snprintf(text, sizeof(text), "%" G_GINT64_FORMAT, value);
	metrics_sample(out, name, labels, text);
}

/* metrics_domain_labels - the labels of a domain's sample, with the name
 * and value of a second label if name is not NULL; owned */
static GString *
metrics_domain_labels(const SummaryDomain *d, const char *name,
    const char *value)
{
	GString *labels = g_string_new(NULL);

	metrics_label(labels, METRICS_DOMAIN, d->domain);
	if (name != NULL)
		metrics_label(labels, name, value);
	return labels;
}

/* A figure of a domain, for the families written one sample per domain. */
typedef gint64 (*MetricsFigure)(const SummaryDomain *d, const char *last_day);

/* metrics_day - a domain's day of the daily figures; NULL if none */
static const SummaryDay *
metrics_day(const SummaryDomain *d, const char *day)
{
	for (guint i = 0; i < d->days->len; i++)
		if (strcmp(g_array_index(d->days, SummaryDay, i).day, day) == 0)
			return &g_array_index(d->days, SummaryDay, i);
	return NULL;
}

/* metrics_day_sessions, metrics_day_failed, metrics_window_sessions,
 * metrics_window_failed - the figures of the one-sample families */
static gint64
metrics_day_sessions(const SummaryDomain *d, const char *last_day)
{
	const SummaryDay *day = metrics_day(d, last_day);

	return day ? day->successful + day->failed : 0;
}

static gint64
metrics_day_failed(const SummaryDomain *d, const char *last_day)
{
	const SummaryDay *day = metrics_day(d, last_day);

	return day ? day->failed : 0;
}

static gint64
metrics_window_sessions(const SummaryDomain *d, const char *last_day)
{
	return d->successful + d->failed;
}

static gint64
metrics_window_failed(const SummaryDomain *d, const char *last_day)
{
	return d->failed;
}

/* metrics_ratio - a domain's failed sessions of the window over all, NaN
 * without sessions, into buf */
static const char *
metrics_ratio(const SummaryDomain *d, char buf[G_ASCII_DTOSTR_BUF_SIZE])
{
	double percent = summary_percent(d->successful, d->failed);

	if (isnan(percent))
		return "NaN";
	return g_ascii_dtostr(buf, G_ASCII_DTOSTR_BUF_SIZE,
	    (double)d->failed / (double)(d->successful + d->failed));
}

/* metrics_ongoing - a domain's ongoing incidents per result type */
static void
metrics_ongoing(FILE *out, const char *name, const SummaryDomain *d)
{
	g_autoptr(GHashTable) counts = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GPtrArray) types = g_ptr_array_new();

	for (guint i = 0; i < d->incidents->len; i++) {
		const SummaryIncident *n = g_ptr_array_index(d->incidents, i);
		/* No result type given: an empty label, which Prometheus
		 * reads as none. */
		const char *type = n->result_type ? n->result_type : "";
		gsize count;

		if (!n->ongoing)
			continue;
		count = GPOINTER_TO_SIZE(g_hash_table_lookup(counts, type));
		if (count == 0)
			g_ptr_array_add(types, (gpointer)type);
		g_hash_table_insert(counts, (gpointer)type, GSIZE_TO_POINTER(count + 1));
	}
	g_ptr_array_sort(types, (GCompareFunc)g_strcmp0);
	for (guint i = 0; i < types->len; i++) {
		const char *type = g_ptr_array_index(types, i);
		g_autoptr(GString) labels = metrics_domain_labels(d, "result_type", type);

		metrics_int(out, name, labels, (gint64)GPOINTER_TO_SIZE(
		    g_hash_table_lookup(counts, type)));
	}
}

/* render_metrics - write summary to out as Prometheus metrics */
void
render_metrics(FILE *out, const Summary *summary, gint64 now)
{
	static const struct {
		const char	*name;
		const char	*help;
		MetricsFigure	 figure;
	} figures[] = {
		{ "tlsrpt_day_sessions", "TLS sessions reported for the policy "
		  "domain on the last complete UTC day.", metrics_day_sessions },
		{ "tlsrpt_day_failed_sessions", "Failed TLS sessions reported for "
		  "the policy domain on the last complete UTC day.", metrics_day_failed },
		{ "tlsrpt_window_sessions", "TLS sessions reported for the policy "
		  "domain in the window.", metrics_window_sessions },
		{ "tlsrpt_window_failed_sessions", "Failed TLS sessions reported "
		  "for the policy domain in the window.", metrics_window_failed },
	};
	g_autoptr(GString) none = g_string_new(NULL);
	char last_day[PERIOD_DATE_SIZE];
	GDateTime *midnight;
	const GPtrArray *domains = summary->domains;

	period_format(&summary->period.until, last_day);
	midnight = g_date_time_new_utc(g_date_get_year(&summary->period.until),
	    g_date_get_month(&summary->period.until),
	    g_date_get_day(&summary->period.until), 0, 0, 0);

	metrics_family(out, "tlsrpt_window_duration_seconds", "Length of the "
	    "window the tlsrpt_window_ metrics cover, whole UTC days up to the "
	    "last complete one.");
	metrics_int(out, "tlsrpt_window_duration_seconds", none,
	    (gint64)summary->period.days * 86400);
	metrics_family(out, "tlsrpt_last_day_timestamp_seconds", "Start of the "
	    "last complete UTC day, the day of the tlsrpt_day_ metrics.");
	metrics_int(out, "tlsrpt_last_day_timestamp_seconds", none,
	    g_date_time_to_unix(midnight));
	g_date_time_unref(midnight);

	for (unsigned f = 0; f < G_N_ELEMENTS(figures); f++) {
		metrics_family(out, figures[f].name, figures[f].help);
		for (guint i = 0; i < domains->len; i++) {
			const SummaryDomain *d = g_ptr_array_index(domains, i);
			g_autoptr(GString) labels = metrics_domain_labels(d, NULL, NULL);

			metrics_int(out, figures[f].name, labels,
			    figures[f].figure(d, last_day));
		}
	}

	metrics_family(out, "tlsrpt_window_failure_ratio", "Failed TLS sessions "
	    "over all sessions of the policy domain in the window; NaN without "
	    "sessions.");
	for (guint i = 0; i < domains->len; i++) {
		const SummaryDomain *d = g_ptr_array_index(domains, i);
		g_autoptr(GString) labels = metrics_domain_labels(d, NULL, NULL);
		char ratio[G_ASCII_DTOSTR_BUF_SIZE];

		metrics_sample(out, "tlsrpt_window_failure_ratio", labels,
		    metrics_ratio(d, ratio));
	}

	metrics_family(out, "tlsrpt_ongoing_incidents", "Incidents of the "
	    "window still failing in the reporters' latest reports, per result "
	    "type.");
	for (guint i = 0; i < domains->len; i++)
		metrics_ongoing(out, "tlsrpt_ongoing_incidents",
		    g_ptr_array_index(domains, i));

	/* An age, not a timestamp: one series per reporter and domain is
	 * what a hosting provider's 30,000 domains can afford, and the
	 * file is written every few minutes. */
	metrics_family(out, "tlsrpt_reporter_last_report_age_seconds",
	    "Seconds from the end of the date range of the reporter's latest "
	    "report about the policy domain to when the metrics were written.");
	for (guint i = 0; i < domains->len; i++) {
		const SummaryDomain *d = g_ptr_array_index(domains, i);

		for (guint j = 0; j < d->latest->len; j++) {
			const SummaryLatest *l = g_ptr_array_index(d->latest, j);
			g_autoptr(GString) labels = metrics_domain_labels(d,
			    METRICS_ORGANIZATION, l->organization);

			metrics_int(out, "tlsrpt_reporter_last_report_age_seconds",
			    labels, now - l->end);
		}
	}

	/* The verdict as a label of one series per domain, not a series per
	 * verdict: six times fewer, and "== 1" alerts alike. */
	metrics_family(out, "tlsrpt_enforce_verdict", "1, labelled with the "
	    "verdict on moving the policy domain's MTA-STS policy to enforce; "
	    "no series without reports in the days judged.");
	for (guint i = 0; i < domains->len; i++) {
		const SummaryDomain *d = g_ptr_array_index(domains, i);
		g_autoptr(GString) labels = NULL;

		if (d->verdict.verdict == NULL)
			continue;
		labels = metrics_domain_labels(d, "verdict", d->verdict.verdict);
		metrics_int(out, "tlsrpt_enforce_verdict", labels, 1);
	}

	metrics_family(out, "tlsrpt_window_uncounted_reports", "Reports of the "
	    "window left out of every figure, per claimed reporter and reason "
	    "(dkim-fail: their DKIM signature failed).");
	for (guint i = 0; i < domains->len; i++) {
		const SummaryDomain *d = g_ptr_array_index(domains, i);

		for (guint j = 0; j < d->forged->len; j++) {
			const SummaryForged *f = g_ptr_array_index(d->forged, j);
			g_autoptr(GString) labels = metrics_domain_labels(d,
			    METRICS_ORGANIZATION, f->organization);

			metrics_label(labels, "reason", "dkim-fail");
			metrics_int(out, "tlsrpt_window_uncounted_reports", labels,
			    f->reports);
		}
	}
}
