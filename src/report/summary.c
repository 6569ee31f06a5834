/* summary.c - what the reports of a period say, per policy domain */
#include "config.h"

#include <math.h>
#include <string.h>

#include "summary.h"

/* summary_string - a copy of text owned by the summary, NULL for NULL */
static char *
summary_string(SummaryDomain *domain, const char *text)
{
	return text ? g_string_chunk_insert_const(domain->strings, text) : NULL;
}

/* summary_domain_free - GDestroyNotify for domains */
static void
summary_domain_free(gpointer data)
{
	SummaryDomain *domain = data;

	g_ptr_array_unref(domain->failure_types);
	g_ptr_array_unref(domain->mx_hosts);
	g_ptr_array_unref(domain->reporters);
	g_array_unref(domain->days);
	g_ptr_array_unref(domain->day_failures);
	g_free(domain);
}

/* summary_new - an empty summary of a period */
Summary *
summary_new(const Period *period, const char *domain)
{
	Summary *summary = g_new0(Summary, 1);

	summary->period = *period;
	summary->domains = g_ptr_array_new_with_free_func(summary_domain_free);
	summary->strings = g_string_chunk_new(4096);
	if (domain != NULL)
		summary->domain = g_string_chunk_insert(summary->strings, domain);
	summary->by_name = g_hash_table_new(g_str_hash, g_str_equal);
	return summary;
}

/* summary_free - free a summary and everything in it; NULL-safe */
void
summary_free(Summary *summary)
{
	if (summary == NULL)
		return;
	g_hash_table_unref(summary->by_name);
	g_ptr_array_unref(summary->domains);
	g_string_chunk_free(summary->strings);
	g_free(summary);
}

/* summary_domain - the domain of that name, added if it is new */
SummaryDomain *
summary_domain(Summary *summary, const char *name)
{
	SummaryDomain *domain = g_hash_table_lookup(summary->by_name, name);

	if (domain != NULL)
		return domain;
	domain = g_new0(SummaryDomain, 1);
	domain->strings = summary->strings;
	domain->domain = summary_string(domain, name);
	domain->failure_types = g_ptr_array_new_with_free_func(g_free);
	domain->mx_hosts = g_ptr_array_new_with_free_func(g_free);
	domain->reporters = g_ptr_array_new_with_free_func(g_free);
	domain->days = g_array_new(FALSE, TRUE, sizeof(SummaryDay));
	domain->day_failures = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(summary->domains, domain);
	g_hash_table_insert(summary->by_name, domain->domain, domain);
	return domain;
}

/* summary_add_failure_type - a result type's failures in the period */
void
summary_add_failure_type(SummaryDomain *domain, const char *result_type,
    gint64 failed, gint64 organizations)
{
	SummaryFailureType *row = g_new0(SummaryFailureType, 1);

	row->result_type = summary_string(domain, result_type);
	row->failed = failed;
	row->organizations = organizations;
	g_ptr_array_add(domain->failure_types, row);
}

/* summary_add_mx_host - an MX host's failures in the period */
void
summary_add_mx_host(SummaryDomain *domain, const char *hostname,
    const char *ip, gint64 failed, const char *result_types)
{
	SummaryMxHost *row = g_new0(SummaryMxHost, 1);

	row->hostname = summary_string(domain, hostname);
	row->ip = summary_string(domain, ip);
	row->failed = failed;
	row->result_types = summary_string(domain, result_types ? result_types : "");
	g_ptr_array_add(domain->mx_hosts, row);
}

/* summary_add_reporter - a reporter's sessions in the period */
void
summary_add_reporter(SummaryDomain *domain, const char *organization,
    gint64 reports, gint64 successful, gint64 failed)
{
	SummaryReporter *row = g_new0(SummaryReporter, 1);

	row->organization = summary_string(domain, organization);
	row->reports = reports;
	row->successful = successful;
	row->failed = failed;
	g_ptr_array_add(domain->reporters, row);
}

/* summary_add_day - one day's sessions */
void
summary_add_day(SummaryDomain *domain, const char *day, gint64 successful,
    gint64 failed)
{
	SummaryDay row = { .successful = successful, .failed = failed };

	g_strlcpy(row.day, day, sizeof(row.day));
	g_array_append_val(domain->days, row);
}

/* summary_add_day_failure - one day's failures of one result type */
void
summary_add_day_failure(SummaryDomain *domain, const char *day,
    const char *result_type, gint64 failed)
{
	SummaryDayFailure *row = g_new0(SummaryDayFailure, 1);

	g_strlcpy(row->day, day, sizeof(row->day));
	row->result_type = summary_string(domain, result_type);
	row->failed = failed;
	g_ptr_array_add(domain->day_failures, row);
}

/* summary_percent - failed as a percentage of all sessions */
double
summary_percent(gint64 successful, gint64 failed)
{
	if (successful + failed <= 0)
		return NAN;
	return 100.0 * (double)failed / (double)(successful + failed);
}

/* summary_change - the change of the failure percentage, in points */
double
summary_change(const SummaryDomain *domain)
{
	return summary_percent(domain->successful, domain->failed)
	    - summary_percent(domain->previous_successful, domain->previous_failed);
}
