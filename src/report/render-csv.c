/* render-csv.c - a summary as CSV, for spreadsheets and scripts
 *
 * Seven tables, each with a header row, one empty line apart: domains,
 * failure_types, mx_hosts, reporters, incidents, enforce, sending_ips.
 * A field that lists several values (IPs, reporters, reasons) has them
 * "; " apart.  The first field of every row names
 * its table ("table" in the header rows), so that "grep ^mx_hosts," picks
 * one.  Percentages have four decimals, empty when there were no sessions.
 * Lines end in LF, not RFC 4180's CRLF: shell scripts read them.
 * Strings pass through text_safe(TEXT_CSV), which quotes them and keeps
 * a spreadsheet from running one as a formula; the numbers written here
 * ("-1.2345") are numbers, and stay so.
 */
#include "config.h"

#include <math.h>

#include "common/text.h"
#include "enforce.h"
#include "explain.h"
#include "incident.h"
#include "render-csv.h"

/* csv_row - a row of fields; "%d" for gint64, "%p" for a percentage
 * (successful, failed), "%c" for a change (double), anything else a string */
static void
csv_row(FILE *out, const char *format, ...)
{
	g_autoptr(GString) row = g_string_new(NULL);
	va_list ap;

	va_start(ap, format);
	for (const char *f = format; *f != '\0'; f++) {
		if (f != format)
			g_string_append_c(row, ',');
		if (*f != '%') {
			text_append(row, va_arg(ap, const char *), -1, TEXT_CSV, 0);
			continue;
		}
		switch (*++f) {
		case 'd':
			g_string_append_printf(row, "%" G_GINT64_FORMAT, va_arg(ap, gint64));
			break;
		case 'p': {
			gint64 successful = va_arg(ap, gint64);
			double p = summary_percent(successful, va_arg(ap, gint64));

			if (!isnan(p))
				g_string_append_printf(row, "%.4f", p);
			break;
		}
		default: {
			double c = va_arg(ap, double);

			if (!isnan(c))
				g_string_append_printf(row, "%+.4f", c);
			break;
		}
		}
	}
	va_end(ap);
	fprintf(out, "%s\n", row->str);
}

/* csv_join - the strings of list, "; " apart; owned */
static char *
csv_join(const SummaryList *list)
{
	GString *text = g_string_new(NULL);

	for (guint i = 0; i < list->len; i++)
		g_string_append_printf(text, "%s%s", i > 0 ? "; " : "",
		    (const char *)g_ptr_array_index(list, i));
	return g_string_free(text, FALSE);
}

/* render_csv_answers - the tables of incidents, enforce verdicts and
 * sending IPs */
static void
render_csv_answers(FILE *out, const Summary *summary)
{
	fputc('\n', out);
	csv_row(out, "ssssssssssssssss", "table", "domain", "result_type", "mx_host",
	    "ips", "first_day", "last_day", "failed", "reporters", "organizations",
	    "status", "reason_codes", "additional_information",
	    "bounces_under_enforce", "diagnosis", "sentence");
	for (guint i = 0; i < summary->domains->len; i++) {
		const SummaryDomain *d = g_ptr_array_index(summary->domains, i);

		for (guint j = 0; j < d->incidents->len; j++) {
			const SummaryIncident *n = g_ptr_array_index(d->incidents, j);
			g_autofree char *ips = csv_join(n->ips);
			g_autofree char *organizations = csv_join(n->organizations);
			g_autofree char *codes = csv_join(n->reason_codes);
			g_autofree char *information = csv_join(n->additional_information);
			g_autofree char *sentence = incident_sentence(n);

			csv_row(out, "sssssss%d%dsssssss", "incidents", d->domain,
			    n->result_type, n->mx_host, ips, n->first_day, n->last_day,
			    n->failed, n->reporters, organizations, incident_status(n),
			    codes, information, n->bounces_under_enforce ? "yes" : "no",
			    explain_diagnosis(n->result_type), sentence);
		}
	}

	fputc('\n', out);
	csv_row(out, "ssssssss", "table", "domain", "verdict", "title", "exit_code",
	    "mode", "mode_since", "explanation");
	for (guint i = 0; i < summary->domains->len; i++) {
		const SummaryDomain *d = g_ptr_array_index(summary->domains, i);
		g_auto(GStrv) lines = NULL;
		g_autofree char *explanation = NULL;

		if (d->verdict.days == 0)
			continue;
		lines = enforce_lines(&d->verdict);
		explanation = g_strjoinv(" ", lines);
		csv_row(out, "ssss%dsss", "enforce", d->domain, d->verdict.verdict,
		    enforce_title(&d->verdict), (gint64)enforce_status(&d->verdict),
		    d->verdict.mode, d->verdict.mode_since, explanation);
	}

	fputc('\n', out);
	csv_row(out, "ssssss", "table", "domain", "sending_ip", "failed",
	    "result_types", "organizations");
	for (guint i = 0; i < summary->domains->len; i++) {
		const SummaryDomain *d = g_ptr_array_index(summary->domains, i);

		for (guint j = 0; j < d->sending_ips->len; j++) {
			const SummarySendingIp *ip = g_ptr_array_index(d->sending_ips, j);
			g_autofree char *organizations = csv_join(ip->organizations);

			csv_row(out, "sss%dss", "sending_ips", d->domain, ip->ip, ip->failed,
			    ip->result_types, organizations);
		}
	}
}

/* render_csv - write summary to out as seven tables */
void
render_csv(FILE *out, const Summary *summary)
{
	csv_row(out, "sssssssssssss", "table", "domain", "reports", "reporters",
	    "sessions", "successful", "failed", "failure_percent",
	    "previous_reports", "previous_sessions", "previous_failed",
	    "previous_failure_percent", "change_points");
	for (guint i = 0; i < summary->domains->len; i++) {
		const SummaryDomain *d = g_ptr_array_index(summary->domains, i);

		csv_row(out, "ss%d%d%d%d%d%p%d%d%d%p%c", "domains", d->domain,
		    d->reports, d->organizations, d->successful + d->failed,
		    d->successful, d->failed, d->successful, d->failed,
		    d->previous_reports, d->previous_successful + d->previous_failed,
		    d->previous_failed, d->previous_successful, d->previous_failed,
		    summary_change(d));
	}

	fputc('\n', out);
	csv_row(out, "sssssss", "table", "domain", "result_type", "failed",
	    "reporters", "diagnosis", "check");
	for (guint i = 0; i < summary->domains->len; i++) {
		const SummaryDomain *d = g_ptr_array_index(summary->domains, i);

		for (guint j = 0; j < d->failure_types->len; j++) {
			const SummaryFailureType *t = g_ptr_array_index(d->failure_types, j);

			csv_row(out, "sss%d%dss", "failure_types", d->domain,
			    t->result_type, t->failed, t->organizations,
			    explain_diagnosis(t->result_type),
			    explain_check(t->result_type));
		}
	}

	fputc('\n', out);
	csv_row(out, "ssssss", "table", "domain", "mx_host", "ip", "failed",
	    "result_types");
	for (guint i = 0; i < summary->domains->len; i++) {
		const SummaryDomain *d = g_ptr_array_index(summary->domains, i);

		for (guint j = 0; j < d->mx_hosts->len; j++) {
			const SummaryMxHost *h = g_ptr_array_index(d->mx_hosts, j);

			csv_row(out, "ssss%ds", "mx_hosts", d->domain, h->hostname,
			    h->ip, h->failed, h->result_types);
		}
	}

	fputc('\n', out);
	csv_row(out, "ssssssss", "table", "domain", "organization", "reports",
	    "sessions", "successful", "failed", "failure_percent");
	for (guint i = 0; i < summary->domains->len; i++) {
		const SummaryDomain *d = g_ptr_array_index(summary->domains, i);

		for (guint j = 0; j < d->reporters->len; j++) {
			const SummaryReporter *r = g_ptr_array_index(d->reporters, j);

			csv_row(out, "sss%d%d%d%d%p", "reporters", d->domain,
			    r->organization, r->reports, r->successful + r->failed,
			    r->successful, r->failed, r->successful, r->failed);
		}
	}
	render_csv_answers(out, summary);
}
