/* render-csv.c - a summary as CSV, for spreadsheets and scripts
 *
 * Four tables, each with a header row, one empty line apart: domains,
 * failure_types, mx_hosts, reporters.  The first field of every row names
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
#include "explain.h"
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

/* render_csv - write summary to out as four tables */
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
}
