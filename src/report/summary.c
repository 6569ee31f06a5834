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

/* summary_list_new - an empty list of strings for a row of domain */
SummaryList *
summary_list_new(void)
{
	return g_ptr_array_new();
}

/* summary_list_add - a copy of text, owned by the summary, to list */
void
summary_list_add(SummaryDomain *domain, SummaryList *list, const char *text)
{
	g_ptr_array_add(list, summary_string(domain, text));
}

/* summary_incident_free - GDestroyNotify for incidents */
static void
summary_incident_free(gpointer data)
{
	SummaryIncident *incident = data;

	g_ptr_array_unref(incident->ips);
	g_ptr_array_unref(incident->organizations);
	g_ptr_array_unref(incident->reason_codes);
	g_ptr_array_unref(incident->additional_information);
	g_free(incident);
}

/* summary_sending_ip_free - GDestroyNotify for sending IPs */
static void
summary_sending_ip_free(gpointer data)
{
	SummarySendingIp *ip = data;

	g_ptr_array_unref(ip->organizations);
	g_free(ip);
}

/* summary_domain_free - GDestroyNotify for domains */
static void
summary_domain_free(gpointer data)
{
	SummaryDomain *domain = data;
	SummaryVerdict *v = &domain->verdict;

	g_ptr_array_unref(v->policy_types);
	g_ptr_array_unref(v->mx_patterns);
	g_ptr_array_unref(v->mx_uncovered);
	g_ptr_array_unref(v->incidents);
	g_ptr_array_unref(domain->incidents);
	g_ptr_array_unref(domain->policies);
	g_ptr_array_unref(domain->forged);
	g_ptr_array_unref(domain->sending_ips);
	g_ptr_array_unref(domain->silent);
	g_ptr_array_unref(domain->latest);
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

/* summary_domain_key - a policy domain as the figures name it */
char *
summary_domain_key(const char *domain)
{
	char *key = g_ascii_strdown(domain, -1);
	size_t len = strlen(key);

	while (len > 0 && key[len - 1] == '.')
		key[--len] = '\0';
	return key;
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
	domain->incidents = g_ptr_array_new_with_free_func(summary_incident_free);
	domain->verdict.policy_types = summary_list_new();
	domain->verdict.mx_patterns = summary_list_new();
	domain->verdict.mx_uncovered = summary_list_new();
	domain->verdict.incidents = g_ptr_array_new_with_free_func(summary_incident_free);
	domain->policies = g_ptr_array_new_with_free_func(g_free);
	domain->forged = g_ptr_array_new_with_free_func(g_free);
	domain->sending_ips = g_ptr_array_new_with_free_func(summary_sending_ip_free);
	domain->silent = g_ptr_array_new_with_free_func(g_free);
	domain->latest = g_ptr_array_new_with_free_func(g_free);
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

/* summary_add_incident - an incident of the period or of the verdict's days */
SummaryIncident *
summary_add_incident(SummaryDomain *domain, gboolean verdict,
    const char *result_type, const char *mx_host, const char *first_day,
    const char *last_day, gint64 failed, gint64 reporters, gboolean ongoing,
    gboolean bounces_under_enforce)
{
	SummaryIncident *row = g_new0(SummaryIncident, 1);

	row->result_type = summary_string(domain, result_type);
	row->mx_host = summary_string(domain, mx_host);
	row->ips = summary_list_new();
	g_strlcpy(row->first_day, first_day, sizeof(row->first_day));
	g_strlcpy(row->last_day, last_day, sizeof(row->last_day));
	row->failed = failed;
	row->reporters = reporters;
	row->organizations = summary_list_new();
	row->ongoing = ongoing;
	row->reason_codes = summary_list_new();
	row->additional_information = summary_list_new();
	row->bounces_under_enforce = bounces_under_enforce;
	g_ptr_array_add(verdict ? domain->verdict.incidents : domain->incidents, row);
	return row;
}

/* summary_add_policy - a policy the reporters applied */
void
summary_add_policy(SummaryDomain *domain, const char *policy_type,
    const char *mode, const char *mx, gint64 max_age, gint64 reporters,
    gint64 reports, gint64 sessions)
{
	SummaryPolicy *row = g_new0(SummaryPolicy, 1);

	row->policy_type = summary_string(domain, policy_type);
	row->mode = summary_string(domain, mode);
	row->mx = summary_string(domain, mx);
	row->max_age = max_age;
	row->reporters = reporters;
	row->reports = reports;
	row->sessions = sessions;
	g_ptr_array_add(domain->policies, row);
}

/* summary_add_forged - reports of a reporter whose DKIM failed */
void
summary_add_forged(SummaryDomain *domain, const char *organization,
    gint64 reports, gint64 failed)
{
	SummaryForged *row = g_new0(SummaryForged, 1);

	row->organization = summary_string(domain, organization);
	row->reports = reports;
	row->failed = failed;
	g_ptr_array_add(domain->forged, row);
}

/* summary_add_sending_ip - a sending MTA's failures in the period */
SummarySendingIp *
summary_add_sending_ip(SummaryDomain *domain, const char *ip, gint64 failed,
    const char *result_types)
{
	SummarySendingIp *row = g_new0(SummarySendingIp, 1);

	row->ip = summary_string(domain, ip);
	row->failed = failed;
	row->result_types = summary_string(domain, result_types ? result_types : "");
	row->organizations = summary_list_new();
	g_ptr_array_add(domain->sending_ips, row);
	return row;
}

/* summary_add_silent - a reporter gone silent */
void
summary_add_silent(SummaryDomain *domain, const char *organization,
    const char *last_day, gint64 silent_days, gint64 longest_gap)
{
	SummarySilent *row = g_new0(SummarySilent, 1);

	row->organization = summary_string(domain, organization);
	g_strlcpy(row->last_day, last_day, sizeof(row->last_day));
	row->silent_days = silent_days;
	row->longest_gap = longest_gap;
	g_ptr_array_add(domain->silent, row);
}

/* summary_add_latest - a reporter's latest report about the domain */
void
summary_add_latest(SummaryDomain *domain, const char *organization, gint64 end)
{
	SummaryLatest *row = g_new0(SummaryLatest, 1);

	row->organization = summary_string(domain, organization);
	row->end = end;
	g_ptr_array_add(domain->latest, row);
}

/* summary_verdict_set - what the enforce verdict says */
void
summary_verdict_set(SummaryDomain *domain, const char *verdict,
    const char *mode, const char *mode_since, gint64 sessions, gint64 reporters,
    gint64 bouncing_incidents, gint64 ongoing_bouncing_incidents)
{
	SummaryVerdict *v = &domain->verdict;

	v->verdict = summary_string(domain, verdict);
	v->mode = summary_string(domain, mode);
	g_strlcpy(v->mode_since, mode_since ? mode_since : "", sizeof(v->mode_since));
	v->sessions = sessions;
	v->reporters = reporters;
	v->bouncing_incidents = bouncing_incidents;
	v->ongoing_bouncing_incidents = ongoing_bouncing_incidents;
}

/* summary_types_failed - the failed sessions of the result types added up */
gint64
summary_types_failed(const SummaryDomain *domain)
{
	gint64 sum = 0;

	for (guint i = 0; i < domain->failure_types->len; i++)
		sum += ((const SummaryFailureType *)
		    g_ptr_array_index(domain->failure_types, i))->failed;
	return sum;
}

/* summary_severity - how urgently a domain needs a look */
int
summary_severity(const SummaryDomain *domain, double critical)
{
	gboolean ongoing = FALSE;

	for (guint i = 0; i < domain->incidents->len; i++)
		ongoing |= ((const SummaryIncident *)
		    g_ptr_array_index(domain->incidents, i))->ongoing;
	if ((ongoing && summary_percent(domain->successful, domain->failed) > critical)
	    || g_strcmp0(domain->verdict.verdict, "losing-mail") == 0)
		return 3;
	if (ongoing)
		return 2;
	if (domain->failed > 0 || domain->incidents->len > 0
	    || domain->silent->len > 0 || domain->forged->len > 0)
		return 1;
	return 0;
}

/* summary_count - n with thousands separators into buf */
const char *
summary_count(gint64 n, char buf[32])
{
	char digits[24];
	int len = g_snprintf(digits, sizeof(digits), "%" G_GINT64_FORMAT, n);
	int o = 0;

	for (int i = 0; i < len; i++) {
		if (i > 0 && digits[i - 1] != '-' && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* summary_attention - qsort order: the domains with failures first, the
 * highest failure percentage first (then the most failed sessions), then
 * those without, the most sessions first; by name at equal figures */
static gint
summary_attention(gconstpointer a, gconstpointer b)
{
	const SummaryDomain *x = *(SummaryDomain *const *)a;
	const SummaryDomain *y = *(SummaryDomain *const *)b;
	double px, py;

	if ((x->failed > 0) != (y->failed > 0))
		return x->failed > 0 ? -1 : 1;
	px = summary_percent(x->successful, x->failed);
	py = summary_percent(y->successful, y->failed);
	if (x->failed > 0 && px != py)
		return px > py ? -1 : 1;
	if (x->failed != y->failed)
		return x->failed > y->failed ? -1 : 1;
	if (x->successful + x->failed != y->successful + y->failed)
		return x->successful + x->failed > y->successful + y->failed ? -1 : 1;
	return strcmp(x->domain, y->domain);
}

/* summary_keep - keep the keep domains that most need attention */
void
summary_keep(Summary *summary, guint keep)
{
	if (summary->domains->len <= keep)
		return;
	g_ptr_array_sort(summary->domains, summary_attention);
	for (guint i = keep; i < summary->domains->len; i++)
		g_hash_table_remove(summary->by_name,
		    ((SummaryDomain *)g_ptr_array_index(summary->domains, i))->domain);
	summary->left_out = summary->domains->len - keep;
	g_ptr_array_set_size(summary->domains, keep);
}
