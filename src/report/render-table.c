/* render-table.c - a summary as tables for the terminal
 *
 * First one line per policy domain, then, for each domain with failures,
 * what failed with a diagnosis in plain words, where, and who saw it.
 * Columns are aligned by characters, not bytes: organisation names are
 * UTF-8.  Every string a report or the command line brought passes
 * through text_safe(TEXT_LINE): the terminal shows an escape, never
 * obeys it.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "common/text.h"
#include "enforce.h"
#include "explain.h"
#include "incident.h"
#include "render-table.h"

/* A table being built: rows of owned strings; align[c] is 'l' or 'r'. */
typedef struct grid {
	GPtrArray	*rows;		/* GStrv */
	const char	*align;
} Grid;

/* grid_new - an empty table with a header row */
static Grid *
grid_new(const char *align, const char *const *header)
{
	Grid *grid = g_new0(Grid, 1);

	grid->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	grid->align = align;
	g_ptr_array_add(grid->rows, g_strdupv((char **)header));
	return grid;
}

/* grid_free - NULL-safe */
static void
grid_free(Grid *grid)
{
	if (grid == NULL)
		return;
	g_ptr_array_unref(grid->rows);
	g_free(grid);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Grid, grid_free)

/* grid_add - a row of strlen(align) cells, taking the strings */
static void
grid_add(Grid *grid, ...)
{
	size_t n = strlen(grid->align);
	char **row = g_new0(char *, n + 1);
	va_list ap;

	va_start(ap, grid);
	for (size_t c = 0; c < n; c++)
		row[c] = va_arg(ap, char *);
	va_end(ap);
	g_ptr_array_add(grid->rows, row);
}

/* grid_print - the table, indented, columns two spaces apart */
static void
grid_print(FILE *out, const Grid *grid, const char *indent)
{
	size_t n = strlen(grid->align);
	g_autofree size_t *width = g_new0(size_t, n);

	for (guint r = 0; r < grid->rows->len; r++) {
		char **row = g_ptr_array_index(grid->rows, r);

		for (size_t c = 0; c < n; c++)
			width[c] = MAX(width[c], (size_t)g_utf8_strlen(row[c], -1));
	}
	for (guint r = 0; r < grid->rows->len; r++) {
		char **row = g_ptr_array_index(grid->rows, r);
		g_autoptr(GString) line = g_string_new(indent);

		for (size_t c = 0; c < n; c++) {
			size_t pad = width[c] - g_utf8_strlen(row[c], -1);

			if (c > 0)
				g_string_append(line, "  ");
			if (grid->align[c] == 'r')
				g_string_append_printf(line, "%*s%s", (int)pad, "", row[c]);
			else if (c + 1 < n)
				g_string_append_printf(line, "%s%*s", row[c], (int)pad, "");
			else
				g_string_append(line, row[c]);
		}
		fprintf(out, "%s\n", line->str);
	}
}

/* table_text - untrusted text for the terminal, "-" for NULL; owned */
static char *
table_text(const char *untrusted)
{
	return text_safe(untrusted, -1, TEXT_LINE, 0);
}

/* table_number - an integer as an owned string */
static char *
table_number(gint64 n)
{
	return g_strdup_printf("%" G_GINT64_FORMAT, n);
}

/* table_percent - a failure percentage as an owned string, "-" without
 * sessions */
static char *
table_percent(gint64 successful, gint64 failed)
{
	double p = summary_percent(successful, failed);

	return isnan(p) ? g_strdup("-") : g_strdup_printf("%.2f%%", p);
}

/* render_table_overview - one line per domain */
static void
render_table_overview(FILE *out, const Summary *summary)
{
	static const char *const header[] = { "domain", "reports", "reporters",
	    "sessions", "failed", "failed %", "change", NULL };
	g_autoptr(Grid) grid = grid_new("lrrrrrr", header);

	for (guint i = 0; i < summary->domains->len; i++) {
		const SummaryDomain *d = g_ptr_array_index(summary->domains, i);
		double change = summary_change(d);

		grid_add(grid, table_text(d->domain), table_number(d->reports),
		    table_number(d->organizations),
		    table_number(d->successful + d->failed),
		    table_number(d->failed), table_percent(d->successful, d->failed),
		    isnan(change) ? g_strdup("-")
		    : g_strdup_printf("%+.2f pts", change));
	}
	grid_print(out, grid, "");
}

/* table_wrap - untrusted text made safe, then wrapped: first before the
 * first line, indent before the others */
static void
table_wrap(FILE *out, const char *first, const char *indent, const char *text)
{
	g_autofree char *safe = table_text(text);

	explain_wrap(out, first, indent, safe, strlen(safe));
}

/* render_table_verdict_lines - the sentences of a verdict, wrapped; an
 * incident's sentence ("- ...") hangs under its dash */
static void
render_table_verdict_lines(FILE *out, const SummaryVerdict *v, const char *indent)
{
	g_auto(GStrv) lines = enforce_lines(v);
	g_autofree char *hanging = g_strconcat(indent, "  ", NULL);

	for (char **l = lines; *l != NULL; l++)
		table_wrap(out, indent, g_str_has_prefix(*l, "- ") ? hanging : indent, *l);
}

/* render_table_answers - what a domain's reports answer: the enforce
 * verdict, the policies applied, the reports not counted, the reporters
 * gone silent, the incidents */
static void
render_table_answers(FILE *out, const SummaryDomain *d)
{
	g_autofree char *domain = table_text(d->domain);
	char a[32], b[32];

	if (d->verdict.days > 0) {
		fprintf(out, "\n%s: MTA-STS enforce: %s (%u days up to %s)\n", domain,
		    enforce_title(&d->verdict), d->verdict.days, d->verdict.until);
		render_table_verdict_lines(out, &d->verdict, "  ");
	}

	for (guint i = 0; i < d->policies->len; i++) {
		const SummaryPolicy *p = g_ptr_array_index(d->policies, i);
		g_autoptr(GString) text = g_string_new(p->policy_type);

		if (i == 0)
			fprintf(out, "\n%s: policies applied\n", domain);
		if (p->mode != NULL)
			g_string_append_printf(text, " mode %s", p->mode);
		if (p->mx != NULL && *p->mx != '\0')
			g_string_append_printf(text, ", %s %s",
			    g_strcmp0(p->policy_type, "sts") == 0 ? "mx" : "MX hosts", p->mx);
		if (p->max_age >= 0)
			g_string_append_printf(text, ", max_age %" G_GINT64_FORMAT, p->max_age);
		g_string_append_printf(text, ": %" G_GINT64_FORMAT " reporter%s, %s "
		    "session%s", p->reporters, p->reporters == 1 ? "" : "s",
		    summary_count(p->sessions, a), p->sessions == 1 ? "" : "s");
		table_wrap(out, "  ", "    ", text->str);
	}
	if (d->dkim_counted > 0)
		fprintf(out, "  DKIM: %s of %s counted reports authenticated "
		    "(%.0f%%)\n", summary_count(d->dkim_pass, a),
		    summary_count(d->dkim_counted, b),
		    100.0 * (double)d->dkim_pass / (double)d->dkim_counted);
	for (guint i = 0; i < d->forged->len; i++) {
		const SummaryForged *f = g_ptr_array_index(d->forged, i);
		g_autofree char *text = g_strdup_printf("Not counted: %" G_GINT64_FORMAT
		    " report%s claiming to be %s failed DKIM (%s failed session%s "
		    "claimed).", f->reports, f->reports == 1 ? "" : "s", f->organization,
		    summary_count(f->failed, a), f->failed == 1 ? "" : "s");

		table_wrap(out, "  ", "    ", text);
	}
	for (guint i = 0; i < d->silent->len; i++) {
		const SummarySilent *r = g_ptr_array_index(d->silent, i);
		g_autofree char *text = g_strdup_printf("Silent: no report from %s "
		    "since %s (%" G_GINT64_FORMAT " days; it used to report at least "
		    "every %" G_GINT64_FORMAT " day%s).", r->organization, r->last_day,
		    r->silent_days, r->longest_gap, r->longest_gap == 1 ? "" : "s");

		table_wrap(out, "  ", "    ", text);
	}

	if (d->incidents->len > 0)
		fprintf(out, "\n%s: incidents, ongoing first\n", domain);
	for (guint i = 0; i < d->incidents->len; i++) {
		g_autofree char *sentence = incident_sentence(g_ptr_array_index(d->incidents, i));

		table_wrap(out, "  ", "    ", sentence);
	}
}

/* render_table_failures - what failed for one domain, where, and who saw it */
static void
render_table_failures(FILE *out, const SummaryDomain *d)
{
	static const char *const mx_header[] = { "failed", "MX host", "IP",
	    "result types", NULL };
	static const char *const reporter_header[] = { "failed", "sessions",
	    "failed %", "reports", "reporter", NULL };
	g_autoptr(Grid) mx = grid_new("rlll", mx_header);
	g_autoptr(Grid) reporters = grid_new("rrrrl", reporter_header);
	g_autofree char *domain = table_text(d->domain);

	fprintf(out, "\n%s: failure types\n", domain);
	for (guint i = 0; i < d->failure_types->len; i++) {
		const SummaryFailureType *t = g_ptr_array_index(d->failure_types, i);
		g_autofree char *type = t->result_type ? table_text(t->result_type)
		    : g_strdup("(no result type)");

		fprintf(out, "  %s: %" G_GINT64_FORMAT " failed session%s, seen by %"
		    G_GINT64_FORMAT " reporter%s\n", type, t->failed,
		    t->failed == 1 ? "" : "s", t->organizations,
		    t->organizations == 1 ? "" : "s");
		fprintf(out, "    %s\n    check: %s\n",
		    explain_diagnosis(t->result_type), explain_check(t->result_type));
	}
	if (summary_types_failed(d) > d->failed) {
		char a[32], b[32];
		g_autofree char *note = g_strdup_printf("These add up to %s failed "
		    "sessions, more than the %s the reports counted: some reporters "
		    "list a session under each cause it met, or give details that "
		    "do not add up to their own total.",
		    summary_count(summary_types_failed(d), a), summary_count(d->failed, b));

		explain_wrap(out, "  ", "  ", note, strlen(note));
	}

	for (guint i = 0; i < d->mx_hosts->len; i++) {
		const SummaryMxHost *h = g_ptr_array_index(d->mx_hosts, i);

		grid_add(mx, table_number(h->failed), table_text(h->hostname),
		    table_text(h->ip), table_text(h->result_types));
	}
	if (mx->rows->len > 1) {
		fprintf(out, "\n%s: worst MX hosts\n", domain);
		grid_print(out, mx, "  ");
	}

	for (guint i = 0; i < d->reporters->len; i++) {
		const SummaryReporter *r = g_ptr_array_index(d->reporters, i);

		grid_add(reporters, table_number(r->failed),
		    table_number(r->successful + r->failed),
		    table_percent(r->successful, r->failed),
		    table_number(r->reports), table_text(r->organization));
	}
	if (reporters->rows->len > 1) {
		fprintf(out, "\n%s: reporters seeing failures\n", domain);
		grid_print(out, reporters, "  ");
	}
}

/* render_table - write summary to out */
void
render_table(FILE *out, const Summary *summary)
{
	const Period *p = &summary->period;
	char since[PERIOD_DATE_SIZE], until[PERIOD_DATE_SIZE];

	period_format(&p->since, since);
	period_format(&p->until, until);
	g_autofree char *about = summary->domain ? table_text(summary->domain) : NULL;

	if (summary->stored_reports == 0 && about != NULL) {
		fprintf(out, "No TLS reports about %s are stored.\n", about);
		return;
	}
	if (summary->stored_reports == 0) {
		fprintf(out, "No TLS reports are stored yet.  Once tlsrpt-ingest has "
		    "stored some, they are summarised here.\n");
		return;
	}
	if (summary->domains->len == 0) {
		fprintf(out, "No TLS reports %s%s%sfor %s to %s; the latest stored "
		    "report%s is for %s.\n", about ? "about " : "", about ? about : "",
		    about ? " " : "", since, until, about ? " about it" : "",
		    summary->latest_day);
		return;
	}

	fprintf(out, "TLS reports for %s to %s (%u day%s), compared with the %u "
	    "day%s before\n", since, until, p->days, p->days == 1 ? "" : "s",
	    p->previous_days, p->previous_days == 1 ? "" : "s");
	if (p->partial)
		fprintf(out, "The last day is not over: its reports are partial, "
		    "most arrive the day after.\n");
	if (summary->left_out > 0)
		fprintf(out, "The %u domains that most need attention, worst first; "
		    "%u more, with fewer failures or none, are left out: --all shows "
		    "every domain.\n", summary->domains->len, summary->left_out);
	fputc('\n', out);
	render_table_overview(out, summary);
	for (guint i = 0; i < summary->domains->len; i++) {
		const SummaryDomain *d = g_ptr_array_index(summary->domains, i);

		render_table_answers(out, d);
		if (d->failed > 0 || d->failure_types->len > 0)
			render_table_failures(out, d);
	}
}

/* render_table_enforce - the enforce verdict of each domain of summary */
void
render_table_enforce(FILE *out, const Summary *summary)
{
	for (guint i = 0; i < summary->domains->len; i++) {
		const SummaryDomain *d = g_ptr_array_index(summary->domains, i);
		g_autofree char *domain = table_text(d->domain);

		fprintf(out, "%s%s: %s (%u days up to %s)\n", i > 0 ? "\n" : "",
		    domain, enforce_title(&d->verdict), d->verdict.days,
		    d->verdict.until);
		render_table_verdict_lines(out, &d->verdict, "  ");
	}
}
