/* render-html.c - a summary as one self-contained web page
 *
 * Everything is inline: the CSS, and the charts as SVG drawn here, so the
 * page works when saved, mailed or opened offline, and runs no script.
 * Written for a person in a hurry: domains most in need first (mail lost
 * now, then ongoing incidents, then anything else to look at), and in each
 * domain first its incidents in words, the verdict on MTA-STS enforce,
 * reports not counted and reporters gone silent; then tiles with the key
 * figures, a daily stacked chart of successful and failed sessions, a
 * daily chart of the failures by result type, and the tables of
 * "summary".  On a narrow screen (a phone, 420 pixels) every table
 * stacks its cells, each under its column's name.  Every bar is a <rect>
 * with a class ("ok", "fail", "type tN") and a <title> tooltip, so tests
 * can count them.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "common/text.h"
#include "enforce.h"
#include "explain.h"
#include "incident.h"
#include "render-html.h"

/* The failure percentage above which a domain is critical: check's default. */
#define HTML_CRITICAL		5
/* The most recent days, whose failures a tile shows beside the period's. */
#define HTML_RECENT_DAYS	3

/* Result types get slots 0-10 in registry order; anything else slot 11. */
#define HTML_TYPE_SLOTS		12
#define HTML_OTHER_SLOT		11

/* The chart's frame, in SVG user units. */
#define CHART_WIDTH	880
#define CHART_HEIGHT	230
#define CHART_LEFT	58
#define CHART_RIGHT	10
#define CHART_TOP	12
#define CHART_BOTTOM	26

static const char html_style[] =
	":root{--ok:#3b9a5f;--fail:#d2453f;--ink:#1f2933;--muted:#667085;"
	"--line:#e4e7ec;--panel:#f8f9fb;}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;background:#eef1f5;color:var(--ink);"
	"font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',"
	"Helvetica,Arial,sans-serif}\n"
	"main{max-width:960px;margin:0 auto;padding:24px 16px 40px}\n"
	"header h1{font-size:26px;margin:0 0 2px}\n"
	"header p{margin:0;color:var(--muted)}\n"
	"section{background:#fff;border-radius:10px;padding:20px 22px;"
	"margin:18px 0;box-shadow:0 1px 3px rgba(16,24,40,.08)}\n"
	"h2{font-size:20px;margin:0 0 12px}\n"
	"h3{font-size:15px;margin:22px 0 8px;color:#344054}\n"
	"table{border-collapse:collapse;width:100%;font-size:14px}\n"
	"th{text-align:left;font-weight:600;color:var(--muted);"
	"border-bottom:2px solid var(--line);padding:6px 8px}\n"
	"td{border-bottom:1px solid var(--line);padding:6px 8px;vertical-align:top}\n"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"td small{display:block;color:var(--muted)}\n"
	"a{color:#2563eb;text-decoration:none}\n"
	".tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));"
	"gap:10px}\n"
	".tile{background:var(--panel);border-radius:8px;padding:10px 12px}\n"
	".tile span{display:block;font-size:12px;color:var(--muted);"
	"text-transform:uppercase;letter-spacing:.04em}\n"
	".tile b{font-size:22px;font-variant-numeric:tabular-nums}\n"
	".good b{color:var(--ok)}.warn b{color:#b7791f}.bad b{color:var(--fail)}\n"
	".pill{display:inline-block;border-radius:99px;padding:1px 8px;"
	"font-size:13px;font-weight:600}\n"
	".pill.good{background:#e3f4e9;color:#23663d}"
	".pill.warn{background:#fdf1d8;color:#8a5a0b}"
	".pill.bad{background:#fbe3e2;color:#9b2420}\n"
	"svg.chart{width:100%;height:auto;display:block}\n"
	"svg text{font-size:11px;fill:var(--muted)}\n"
	"svg .grid{stroke:var(--line);stroke-width:1}\n"
	"svg .axis{stroke:#98a2b3;stroke-width:1}\n"
	".ok{fill:var(--ok)}.fail{fill:var(--fail)}\n"
	".t0{fill:#e15759}.t1{fill:#f28e2b}.t2{fill:#c9a227}.t3{fill:#b07aa1}"
	".t4{fill:#9c755f}.t5{fill:#4e79a7}.t6{fill:#76b7b2}.t7{fill:#59a14f}"
	".t8{fill:#ff9da7}.t9{fill:#8cd17d}.t10{fill:#499894}.t11{fill:#79706e}\n"
	".legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:13px;"
	"color:#475467;margin:4px 0 0 58px}\n"
	".legend i{display:inline-block;width:11px;height:11px;border-radius:2px;"
	"margin-right:5px;vertical-align:-1px}\n"
	"i.ok{background:var(--ok)}i.fail{background:var(--fail)}\n"
	"i.t0{background:#e15759}i.t1{background:#f28e2b}i.t2{background:#c9a227}"
	"i.t3{background:#b07aa1}i.t4{background:#9c755f}i.t5{background:#4e79a7}"
	"i.t6{background:#76b7b2}i.t7{background:#59a14f}i.t8{background:#ff9da7}"
	"i.t9{background:#8cd17d}i.t10{background:#499894}i.t11{background:#79706e}\n"
	".none{color:var(--muted);margin:8px 0 0}\n"
	"code{font:13px ui-monospace,'DejaVu Sans Mono',monospace;"
	"background:var(--panel);padding:1px 4px;border-radius:4px;"
	"white-space:nowrap}\n"
	"footer{color:var(--muted);font-size:13px;text-align:center;margin-top:24px}\n"
	"td,li,p{overflow-wrap:break-word}\n"
	".pill.none{background:#eef1f5;color:#475467}\n"
	".partial{color:#8a5a0b}\n"
	"ul.incidents{list-style:none;padding:0;margin:0}\n"
	"ul.incidents li{padding:8px 10px;margin:6px 0;border-radius:8px;"
	"background:var(--panel);border-left:4px solid var(--line)}\n"
	"ul.incidents li.ongoing{border-left-color:var(--fail);background:#fdf3f2}\n"
	"ul.incidents li.resolved{color:#475467}\n"
	".verdict{border:1px solid var(--line);border-radius:8px;padding:10px 14px;"
	"margin:12px 0}\n"
	".verdict h3{margin:0 0 6px}\n"
	".verdict p,.verdict li{margin:4px 0}\n"
	".verdict ul{padding-left:18px;margin:4px 0}\n"
	".note{margin:6px 0;color:#475467}\n"
	".note b{color:var(--ink)}\n"
	"@media (max-width:640px){\n"
	"main{padding:12px 8px 24px}\n"
	"section{padding:14px 12px;margin:12px 0}\n"
	"header h1{font-size:22px}\n"
	"table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;"
	"width:100%}\n"
	"table.stack tr:first-child{display:none}\n"
	"table.stack tr{border-bottom:1px solid var(--line);padding:6px 0}\n"
	"table.stack td{border:0;padding:1px 0;text-align:left;white-space:normal}\n"
	"table.stack td[data-label]::before{content:attr(data-label) \": \";"
	"color:var(--muted);font-size:13px}\n"
	".tiles{grid-template-columns:repeat(2,1fr)}\n"
	"table.stack td.more{display:none}\n"
	".legend{margin-left:0}\n"
	"code{white-space:normal}\n"
	"}\n";

static const char *const html_months[] = { "", "Jan", "Feb", "Mar", "Apr",
	"May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* A domain's figures laid out on the days of the period. */
typedef struct html_days {
	gint64	(*sessions)[2];			/* [day]: successful, failed */
	gint64	(*types)[HTML_TYPE_SLOTS];	/* [day][slot]: failed */
	const char *other_name;			/* the one type in the other slot, if one */
	gboolean other_mixed;			/* several types share the other slot */
} HtmlDays;

/* html_days_new - spread a domain's daily rows over the period's days */
static HtmlDays *
html_days_new(const Summary *summary, const SummaryDomain *d)
{
	HtmlDays *h = g_new0(HtmlDays, 1);
	GDate first = summary->period.since;
	guint days = summary->period.days;

	h->sessions = g_malloc0(sizeof(*h->sessions) * days);
	h->types = g_malloc0(sizeof(*h->types) * days);
	for (guint i = 0; i < d->days->len; i++) {
		const SummaryDay *row = &g_array_index(d->days, SummaryDay, i);
		GDate date;
		gint n;

		g_date_clear(&date, 1);
		g_date_set_parse(&date, row->day);
		n = g_date_valid(&date) ? g_date_days_between(&first, &date) : -1;
		if (n < 0 || (guint)n >= days)
			continue;
		h->sessions[n][0] = row->successful;
		h->sessions[n][1] = row->failed;
	}
	for (guint i = 0; i < d->day_failures->len; i++) {
		const SummaryDayFailure *row = g_ptr_array_index(d->day_failures, i);
		const Explanation *e = explain_lookup(row->result_type);
		guint slot = HTML_OTHER_SLOT;
		GDate date;
		gint n;

		for (guint k = 0; e != NULL && k < HTML_OTHER_SLOT; k++)
			if (explain_nth(k) == e)
				slot = k;
		g_date_clear(&date, 1);
		g_date_set_parse(&date, row->day);
		n = g_date_valid(&date) ? g_date_days_between(&first, &date) : -1;
		if (n < 0 || (guint)n >= days || row->failed <= 0)
			continue;
		h->types[n][slot] += row->failed;
		if (slot == HTML_OTHER_SLOT) {
			const char *name = row->result_type ? row->result_type : "(none)";

			if (h->other_name != NULL && strcmp(h->other_name, name) != 0)
				h->other_mixed = TRUE;
			h->other_name = name;
		}
	}
	return h;
}

/* html_days_free - NULL-safe */
static void
html_days_free(HtmlDays *h)
{
	if (h == NULL)
		return;
	g_free(h->sessions);
	g_free(h->types);
	g_free(h);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HtmlDays, html_days_free)

/* html_text - write text escaped for HTML, what would act on a terminal
 * showing the page's source shown instead; NULL as "-" */
static void
html_text(FILE *out, const char *text)
{
	g_autofree char *escaped = text_safe(text, -1, TEXT_HTML, 0);

	fputs(escaped, out);
}

/* html_short - an axis label: 950, 1.2k, 35k, 4M */
static const char *
html_short(double v, char buf[32])
{
	if (v >= 1e6)
		g_snprintf(buf, 32, "%.*fM", v < 1e7 && fmod(v, 1e6) != 0 ? 1 : 0, v / 1e6);
	else if (v >= 1e3)
		g_snprintf(buf, 32, "%.*fk", v < 1e4 && fmod(v, 1e3) != 0 ? 1 : 0, v / 1e3);
	else
		g_snprintf(buf, 32, "%.0f", v);
	return buf;
}

/* html_level - the CSS class of a failure percentage: good, warn, bad */
static const char *
html_level(double percent)
{
	if (isnan(percent) || percent <= 1)
		return "good";
	return percent <= 5 ? "warn" : "bad";
}

/* html_nice_max - the axis maximum: the next 1, 2 or 5 times a power of ten */
static double
html_nice_max(gint64 max)
{
	double step;

	if (max <= 0)
		return 1;
	step = pow(10, floor(log10((double)max)));
	for (int i = 0; i < 3; i++) {
		static const double factors[] = { 1, 2, 5 };

		if (factors[i] * step >= (double)max)
			return factors[i] * step;
	}
	return 10 * step;
}

/* html_chart_frame - grid lines, axis labels and day labels; the scale */
static double
html_chart_frame(FILE *out, const Summary *summary, gint64 max)
{
	double top = html_nice_max(max);
	double plot_h = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM;
	double slot = (double)(CHART_WIDTH - CHART_LEFT - CHART_RIGHT) / summary->period.days;
	guint every = (summary->period.days + 9) / 10;
	char buf[32];

	for (int i = 0; i <= 4; i++) {
		double y = CHART_TOP + plot_h - plot_h * i / 4;

		fprintf(out, "<line class=\"%s\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>"
		    "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
		    i == 0 ? "axis" : "grid", CHART_LEFT, CHART_WIDTH - CHART_RIGHT,
		    y, y, CHART_LEFT - 6, y + 4, html_short(top * i / 4, buf));
	}
	for (guint n = 0; n < summary->period.days; n += every) {
		GDate date = summary->period.since;

		g_date_add_days(&date, n);
		fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s %u</text>\n",
		    CHART_LEFT + slot * (n + 0.5), CHART_HEIGHT - 8,
		    html_months[g_date_get_month(&date)], (unsigned)g_date_get_day(&date));
	}
	return plot_h / top;
}

/* html_bar - one segment of a stacked bar, at least 1 unit high so that a
 * handful of failures among thousands of sessions stays visible */
static void
html_bar(FILE *out, const char *class, guint n, double slot, double *base,
    double scale, gint64 value, const char *day, const char *what)
{
	double h = MAX(1.0, (double)value * scale);
	char buf[32];

	*base -= h;
	fprintf(out, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
	    "height=\"%.1f\"><title>%s: %s ", class, CHART_LEFT + slot * n
	    + slot * 0.15, *base, MAX(1.0, slot * 0.7), h, day, summary_count(value, buf));
	html_text(out, what);
	fputs("</title></rect>\n", out);
}

/* html_chart - a chart of stacked bars, one per day, and its legend
 *
 * values holds a row of slots values per day of the period; classes and
 * names say how each slot is drawn and called.  Slots without any value
 * stay out of the legend.
 */
static void
html_chart(FILE *out, const Summary *summary, const char *class,
    const char *label, const gint64 *values, guint slots,
    const char *const *classes, const char *const *names)
{
	guint days = summary->period.days;
	double slot = (double)(CHART_WIDTH - CHART_LEFT - CHART_RIGHT) / days;
	g_autofree gboolean *used = g_new0(gboolean, slots);
	gint64 max = 0;
	double scale;

	for (guint n = 0; n < days; n++) {
		gint64 sum = 0;

		for (guint t = 0; t < slots; t++) {
			sum += values[n * slots + t];
			used[t] |= values[n * slots + t] > 0;
		}
		max = MAX(max, sum);
	}
	fprintf(out, "<svg class=\"chart %s\" viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-label=\"%s\" xmlns=\"http://www.w3.org/2000/svg\">\n", class,
	    CHART_WIDTH, CHART_HEIGHT, label);
	scale = html_chart_frame(out, summary, max);
	for (guint n = 0; n < days; n++) {
		double base = CHART_HEIGHT - CHART_BOTTOM;
		char day[PERIOD_DATE_SIZE];
		GDate date = summary->period.since;

		g_date_add_days(&date, n);
		period_format(&date, day);
		for (guint t = 0; t < slots; t++)
			if (values[n * slots + t] > 0)
				html_bar(out, classes[t], n, slot, &base, scale,
				    values[n * slots + t], day, names[t]);
	}
	fputs("</svg>\n<div class=\"legend\">", out);
	for (guint t = 0; t < slots; t++) {
		const char *key = strrchr(classes[t], ' ');

		if (!used[t])
			continue;
		fprintf(out, "<span><i class=\"%s\"></i>", key ? key + 1 : classes[t]);
		html_text(out, names[t]);
		fputs("</span>", out);
	}
	fputs("</div>\n", out);
}

/* html_sessions_chart - successful and failed sessions per day, stacked */
static void
html_sessions_chart(FILE *out, const Summary *summary, const HtmlDays *h)
{
	static const char *const classes[] = { "ok", "fail" };
	static const char *const names[] = { "successful", "failed" };

	html_chart(out, summary, "sessions", "successful and failed sessions per day",
	    &h->sessions[0][0], 2, classes, names);
}

/* html_types_chart - failed sessions per day by result type, stacked */
static void
html_types_chart(FILE *out, const Summary *summary, const HtmlDays *h)
{
	static const char *const classes[HTML_TYPE_SLOTS] = { "type t0",
	    "type t1", "type t2", "type t3", "type t4", "type t5", "type t6",
	    "type t7", "type t8", "type t9", "type t10", "type t11" };
	const char *names[HTML_TYPE_SLOTS];

	for (guint t = 0; t < HTML_OTHER_SLOT; t++)
		names[t] = explain_nth(t)->result_type;
	names[HTML_OTHER_SLOT] = h->other_mixed ? "other result types"
	    : h->other_name;
	html_chart(out, summary, "types", "failed sessions per day by result type",
	    &h->types[0][0], HTML_TYPE_SLOTS, classes, names);
}

/* html_change - a change in points as text, "-" when unknown */
static char *
html_change(double change)
{
	return isnan(change) ? g_strdup("–") : g_strdup_printf("%+.2f pts", change);
}

/* html_percent - a percentage as text, "-" without sessions */
static char *
html_percent(double percent)
{
	return isnan(percent) ? g_strdup("–") : g_strdup_printf("%.2f%%", percent);
}

/* html_recent - the domain's sessions of the period's last days, from
 * its days: successful and failed */
static void
html_recent(const Summary *summary, const HtmlDays *h, gint64 *successful,
    gint64 *failed)
{
	guint days = summary->period.days;

	*successful = *failed = 0;
	for (guint n = days > HTML_RECENT_DAYS ? days - HTML_RECENT_DAYS : 0; n < days; n++) {
		*successful += h->sessions[n][0];
		*failed += h->sessions[n][1];
	}
}

/* html_tiles - the key figures of a domain */
static void
html_tiles(FILE *out, const Summary *summary, const SummaryDomain *d,
    const HtmlDays *h)
{
	double percent = summary_percent(d->successful, d->failed);
	double change = summary_change(d);
	gint64 recent_successful, recent_failed;
	double recent;
	g_autofree char *p = html_percent(percent);
	g_autofree char *c = html_change(change);
	g_autofree char *r = NULL;
	char a[32], b[32], e[32], f[32];

	html_recent(summary, h, &recent_successful, &recent_failed);
	recent = summary_percent(recent_successful, recent_failed);
	r = html_percent(recent);
	fprintf(out, "<div class=\"tiles\">\n"
	    "<div class=\"tile %s\"><span>Last %u days</span><b>%s</b></div>\n"
	    "<div class=\"tile %s\"><span>Failure rate</span><b>%s</b></div>\n"
	    "<div class=\"tile\"><span>Sessions</span><b>%s</b></div>\n"
	    "<div class=\"tile %s\"><span>Failed</span><b>%s</b></div>\n"
	    "<div class=\"tile %s\"><span>Change</span><b>%s</b></div>\n"
	    "<div class=\"tile\"><span>Reports</span><b>%s</b></div>\n"
	    "<div class=\"tile\"><span>Reporters</span><b>%s</b></div>\n"
	    "</div>\n",
	    html_level(recent), MIN(HTML_RECENT_DAYS, summary->period.days), r,
	    html_level(percent), p,
	    summary_count(d->successful + d->failed, a),
	    d->failed > 0 ? html_level(percent) : "good", summary_count(d->failed, b),
	    isnan(change) || change <= 0 ? "good" : change < 1 ? "warn" : "bad", c,
	    summary_count(d->reports, e), summary_count(d->organizations, f));
}

/* html_failure_tables - what failed, where, and who saw it */
static void
html_failure_tables(FILE *out, const SummaryDomain *d)
{
	char buf[32], buf2[32];

	fputs("<h3>What failed</h3>\n<table class=\"stack\"><tr><th>Result type</th>"
	    "<th class=\"n\">Failed</th><th class=\"n\">Reporters</th>"
	    "<th>What it means, and what to check</th></tr>\n", out);
	for (guint i = 0; i < d->failure_types->len; i++) {
		const SummaryFailureType *t = g_ptr_array_index(d->failure_types, i);

		fputs("<tr><td><code>", out);
		html_text(out, t->result_type);
		fprintf(out, "</code></td><td class=\"n\" data-label=\"Failed\">%s</td>"
		    "<td class=\"n\" data-label=\"Reporters\">%s</td><td>",
		    summary_count(t->failed, buf), summary_count(t->organizations, buf2));
		html_text(out, explain_diagnosis(t->result_type));
		fputs("<small>Check: ", out);
		html_text(out, explain_check(t->result_type));
		fputs("</small></td></tr>\n", out);
	}
	fputs("</table>\n", out);
	if (summary_types_failed(d) > d->failed)
		fprintf(out, "<p class=\"note\">These add up to %s failed sessions, more "
		    "than the %s the reports counted: some reporters list a session "
		    "under each cause it met, or give details that do not add up to "
		    "their own total.</p>\n", summary_count(summary_types_failed(d), buf),
		    summary_count(d->failed, buf2));

	if (d->mx_hosts->len > 0) {
		fputs("<h3>Worst MX hosts</h3>\n<table class=\"stack\"><tr><th>MX host</th>"
		    "<th>IP</th><th class=\"n\">Failed</th><th>Result types</th></tr>\n",
		    out);
		for (guint i = 0; i < d->mx_hosts->len; i++) {
			const SummaryMxHost *h = g_ptr_array_index(d->mx_hosts, i);
			g_auto(GStrv) parts = g_strsplit(h->result_types, ",", -1);
			g_autofree char *types = g_strjoinv(", ", parts);

			fputs("<tr><td>", out);
			html_text(out, h->hostname);
			fputs("</td><td data-label=\"IP\">", out);
			html_text(out, h->ip);
			fprintf(out, "</td><td class=\"n\" data-label=\"Failed\">%s</td>"
			    "<td data-label=\"Result types\">", summary_count(h->failed, buf));
			html_text(out, types);
			fputs("</td></tr>\n", out);
		}
		fputs("</table>\n", out);
	}

	if (d->reporters->len > 0) {
		fputs("<h3>Reporters seeing failures</h3>\n<table class=\"stack\"><tr>"
		    "<th>Reporter</th><th class=\"n\">Reports</th><th class=\"n\">"
		    "Sessions</th><th class=\"n\">Failed</th><th class=\"n\">Failure "
		    "rate</th></tr>\n", out);
		for (guint i = 0; i < d->reporters->len; i++) {
			const SummaryReporter *r = g_ptr_array_index(d->reporters, i);
			double percent = summary_percent(r->successful, r->failed);
			g_autofree char *p = html_percent(percent);
			char c[32];

			fputs("<tr><td>", out);
			html_text(out, r->organization);
			fprintf(out, "</td><td class=\"n\" data-label=\"Reports\">%s</td>"
			    "<td class=\"n\" data-label=\"Sessions\">%s</td>"
			    "<td class=\"n\" data-label=\"Failed\">%s</td>"
			    "<td class=\"n\" data-label=\"Failure rate\"><span class=\"pill "
			    "%s\">%s</span></td></tr>\n", summary_count(r->reports, buf),
			    summary_count(r->successful + r->failed, buf2),
			    summary_count(r->failed, c), html_level(percent), p);
		}
		fputs("</table>\n", out);
	}
}

/* html_status_class - the pill class of a plugin status */
static const char *
html_status_class(CheckStatus status)
{
	static const char *const classes[] = { "good", "warn", "bad", "none" };

	return classes[status];
}

/* html_incidents - a domain's incidents, one sentence each, ongoing first */
static void
html_incidents(FILE *out, const GPtrArray *incidents)
{
	fputs("<ul class=\"incidents\">\n", out);
	for (guint i = 0; i < incidents->len; i++) {
		const SummaryIncident *n = g_ptr_array_index(incidents, i);
		g_autofree char *sentence = incident_sentence(n);

		fprintf(out, "<li class=\"incident %s\"><span class=\"pill %s\">%s</span> ",
		    incident_status(n), n->ongoing ? "bad" : "good", incident_status(n));
		html_text(out, sentence);
		fputs("</li>\n", out);
	}
	fputs("</ul>\n", out);
}

/* html_verdict - the verdict on MTA-STS enforce, its evidence and next step */
static void
html_verdict(FILE *out, const SummaryVerdict *v)
{
	g_auto(GStrv) lines = enforce_lines(v);
	gboolean in_list = FALSE;

	fprintf(out, "<div class=\"verdict\" data-verdict=\"");
	html_text(out, v->verdict ? v->verdict : "none");
	fprintf(out, "\">\n<h3>MTA-STS enforce: <span class=\"pill %s\">%s</span></h3>\n",
	    html_status_class(enforce_status(v)), enforce_title(v));
	for (char **l = lines; *l != NULL; l++) {
		gboolean item = g_str_has_prefix(*l, "- ");

		if (item != in_list)
			fputs(item ? "<ul>\n" : "</ul>\n", out);
		in_list = item;
		fputs(item ? "<li>" : "<p>", out);
		html_text(out, item ? *l + 2 : *l);
		fputs(item ? "</li>\n" : "</p>\n", out);
	}
	if (in_list)
		fputs("</ul>\n", out);
	fprintf(out, "<p class=\"note\">From the %u days up to %s.</p>\n</div>\n",
	    v->days, v->until);
}

/* html_notes - policies applied, DKIM, reports not counted, silent
 * reporters */
static void
html_notes(FILE *out, const SummaryDomain *d)
{
	char a[32], b[32];

	for (guint i = 0; i < d->policies->len; i++) {
		const SummaryPolicy *p = g_ptr_array_index(d->policies, i);

		fputs("<p class=\"note policy\"><b>Policy applied:</b> ", out);
		html_text(out, p->policy_type);
		if (p->mode != NULL) {
			fputs(" mode ", out);
			html_text(out, p->mode);
		}
		if (p->mx != NULL && *p->mx != '\0') {
			fputs(g_strcmp0(p->policy_type, "sts") == 0 ? ", mx " : ", MX hosts ",
			    out);
			html_text(out, p->mx);
		}
		if (p->max_age >= 0)
			fprintf(out, ", max_age %" G_GINT64_FORMAT, p->max_age);
		fprintf(out, ", by %" G_GINT64_FORMAT " reporter%s, %s sessions</p>\n",
		    p->reporters, p->reporters == 1 ? "" : "s", summary_count(p->sessions, a));
	}
	if (d->dkim_counted > 0)
		fprintf(out, "<p class=\"note\"><b>DKIM:</b> %s of %s counted reports "
		    "authenticated (%.0f%%)</p>\n",
		    summary_count(d->dkim_pass, a), summary_count(d->dkim_counted, b),
		    100.0 * (double)d->dkim_pass / (double)d->dkim_counted);
	for (guint i = 0; i < d->forged->len; i++) {
		const SummaryForged *f = g_ptr_array_index(d->forged, i);

		fprintf(out, "<p class=\"note forged\"><b>Not counted:</b> %s report%s "
		    "claiming to be ", summary_count(f->reports, a), f->reports == 1 ? "" : "s");
		html_text(out, f->organization);
		fprintf(out, " failed DKIM (%s failed sessions claimed)</p>\n",
		    summary_count(f->failed, b));
	}
	for (guint i = 0; i < d->silent->len; i++) {
		const SummarySilent *r = g_ptr_array_index(d->silent, i);

		fputs("<p class=\"note silent\"><b>Silent reporter:</b> no report from ", out);
		html_text(out, r->organization);
		fprintf(out, " since %s (%" G_GINT64_FORMAT " days; it used to report at "
		    "least every %" G_GINT64_FORMAT " day%s)</p>\n", r->last_day,
		    r->silent_days, r->longest_gap, r->longest_gap == 1 ? "" : "s");
	}
}

/* html_domain - one policy domain's section: what to do first, then the
 * figures */
static void
html_domain(FILE *out, const Summary *summary, const SummaryDomain *d, guint index)
{
	g_autoptr(HtmlDays) h = html_days_new(summary, d);

	fprintf(out, "<section class=\"domain\" id=\"d%u\">\n<h2>", index);
	html_text(out, d->domain);
	fputs("</h2>\n", out);
	if (d->incidents->len > 0) {
		fputs("<h3>Incidents</h3>\n", out);
		html_incidents(out, d->incidents);
	}
	if (d->verdict.days > 0)
		html_verdict(out, &d->verdict);
	html_notes(out, d);
	html_tiles(out, summary, d, h);
	fputs("<h3>Sessions per day</h3>\n", out);
	html_sessions_chart(out, summary, h);
	if (d->failed == 0 && d->failure_types->len == 0) {
		fputs("<p class=\"none\">No failures reported in these days.</p>\n"
		    "</section>\n", out);
		return;
	}
	fputs("<h3>Failures per day by result type</h3>\n", out);
	html_types_chart(out, summary, h);
	html_failure_tables(out, d);
	fputs("</section>\n", out);
}

/* html_worst - what a domain's overview row says first: its worst
 * incident, or its verdict; owned */
static char *
html_worst(const SummaryDomain *d)
{
	if (d->incidents->len > 0)
		return incident_cause(g_ptr_array_index(d->incidents, 0));
	if (d->failed > 0)
		return g_strdup("failed sessions, without details from the reporters");
	if (d->silent->len > 0)
		return g_strdup("a reporter went silent");
	if (d->forged->len > 0)
		return g_strdup("reports whose DKIM failed, not counted");
	return g_strdup("no failures");
}

/* html_overview - one row per domain, most in need first, linking to
 * its section; a phone shows the first columns only */
static void
html_overview(FILE *out, const Summary *summary, const GPtrArray *order)
{
	char a[32], b[32];

	fprintf(out, "<section class=\"overview\">\n<h2>Policy domains, most in need "
	    "first</h2>\n<table class=\"stack\"><tr><th>Domain</th><th>Worst</th>"
	    "<th class=\"n\">Last %u days</th><th class=\"n\">Failure rate</th>"
	    "<th class=\"n\">Sessions</th><th class=\"n\">Failed</th>"
	    "<th>MTA-STS enforce</th></tr>\n", MIN(HTML_RECENT_DAYS, summary->period.days));
	for (guint i = 0; i < order->len; i++) {
		const SummaryDomain *d = g_ptr_array_index(order, i);
		g_autoptr(HtmlDays) h = html_days_new(summary, d);
		double percent = summary_percent(d->successful, d->failed);
		gint64 recent_successful, recent_failed;
		double recent;
		g_autofree char *p = html_percent(percent);
		g_autofree char *r = NULL;
		g_autofree char *worst = html_worst(d);

		html_recent(summary, h, &recent_successful, &recent_failed);
		recent = summary_percent(recent_successful, recent_failed);
		r = html_percent(recent);
		fprintf(out, "<tr class=\"severity%d\"><td><a href=\"#d%u\">",
		    summary_severity(d, HTML_CRITICAL), i + 1);
		html_text(out, d->domain);
		fputs("</a></td><td data-label=\"Worst\">", out);
		html_text(out, worst);
		fprintf(out, "</td><td class=\"n\" data-label=\"Last %u days\"><span "
		    "class=\"pill %s\">%s</span></td><td class=\"n\" data-label=\"Failure "
		    "rate\"><span class=\"pill %s\">%s</span></td><td class=\"n more\">%s"
		    "</td><td class=\"n more\">%s</td><td data-label=\"MTA-STS enforce\">",
		    MIN(HTML_RECENT_DAYS, summary->period.days), html_level(recent), r,
		    html_level(percent), p, summary_count(d->successful + d->failed, a),
		    summary_count(d->failed, b));
		if (d->verdict.days > 0)
			fprintf(out, "<span class=\"pill %s\">%s</span>",
			    html_status_class(enforce_status(&d->verdict)),
			    enforce_title(&d->verdict));
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n</section>\n", out);
}

/* html_more_urgent - qsort order of domains: severity, then failure
 * percentage, then name */
static int
html_more_urgent(gconstpointer a, gconstpointer b)
{
	const SummaryDomain *x = *(const SummaryDomain *const *)a;
	const SummaryDomain *y = *(const SummaryDomain *const *)b;
	int sx = summary_severity(x, HTML_CRITICAL), sy = summary_severity(y, HTML_CRITICAL);
	double px = summary_percent(x->successful, x->failed);
	double py = summary_percent(y->successful, y->failed);

	if (sx != sy)
		return sy - sx;
	px = isnan(px) ? -1 : px;
	py = isnan(py) ? -1 : py;
	if (px != py)
		return px < py ? 1 : -1;
	return strcmp(x->domain, y->domain);
}

/* render_html - write summary to out as one HTML page */
void
render_html(FILE *out, const Summary *summary)
{
	const Period *p = &summary->period;
	char since[PERIOD_DATE_SIZE], until[PERIOD_DATE_SIZE];
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree char *generated = g_date_time_format(now, "%Y-%m-%d %H:%M UTC");
	g_autoptr(GPtrArray) order = g_ptr_array_new();

	period_format(&p->since, since);
	period_format(&p->until, until);
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<title>SMTP TLS reports, %s to %s</title>\n<style>\n%s</style>\n"
	    "</head>\n<body>\n<main>\n<header>\n<h1>SMTP TLS reports</h1>\n"
	    "<p>%s to %s (%u day%s, UTC), compared with the %u day%s before",
	    since, until, html_style, since, until, p->days, p->days == 1 ? "" : "s",
	    p->previous_days, p->previous_days == 1 ? "" : "s");
	if (summary->domain != NULL) {
		fputs(", for ", out);
		html_text(out, summary->domain);
	}
	fputs("</p>\n", out);
	if (p->partial)
		fputs("<p class=\"partial\">The last day is not over: its reports are "
		    "partial, most arrive the day after.</p>\n", out);
	if (summary->left_out > 0)
		fprintf(out, "<p>The %u domains that most need attention, worst first; "
		    "%u more, with fewer failures or none, are left out: "
		    "<code>tlsrpt-report html --all</code> shows every domain.</p>\n",
		    summary->domains->len, summary->left_out);
	fputs("</header>\n", out);

	for (guint i = 0; i < summary->domains->len; i++)
		g_ptr_array_add(order, g_ptr_array_index(summary->domains, i));
	g_ptr_array_sort(order, html_more_urgent);
	if (summary->domains->len == 0) {
		fputs("<section><p class=\"none\">", out);
		if (summary->stored_reports == 0 && summary->domain != NULL) {
			fputs("No TLS reports about ", out);
			html_text(out, summary->domain);
			fputs(" are stored.", out);
		} else if (summary->stored_reports == 0)
			fputs("No TLS reports are stored yet. Once tlsrpt-ingest has "
			    "stored some, they are shown here.", out);
		else
			fprintf(out, "No TLS reports for these days; the latest stored "
			    "report is for %s.", summary->latest_day);
		fputs("</p></section>\n", out);
	} else {
		html_overview(out, summary, order);
		for (guint i = 0; i < order->len; i++)
			html_domain(out, summary, g_ptr_array_index(order, i), i + 1);
	}
	fprintf(out, "<footer>Made by tlsrpt-report (%s) on %s from the reports "
	    "senders sent under RFC 8460. <code>tlsrpt-report explain</code> "
	    "tells more about each result type.</footer>\n</main>\n</body>\n</html>\n",
	    PACKAGE_STRING, generated);
}
