/* summary.h - what the reports of a period say, per policy domain
 *
 * The figures of one period and of the period before it, per policy
 * domain: the sessions, the failure result types, the worst MX hosts, the
 * reporters that see failures and, for charts, the same per day.  The
 * query module fills a summary; the render modules print it.  A summary
 * owns everything in it, its strings in one string chunk; every pointer
 * it hands out is borrowed.
 */
#ifndef TLSRPT_SUMMARY_H
#define TLSRPT_SUMMARY_H

#include <glib.h>

#include "period.h"

typedef struct summary_failure_type {
	char	*result_type;		/* NULL: the reporter gave none */
	gint64	 failed;
	gint64	 organizations;		/* how many reporters saw it */
} SummaryFailureType;

typedef struct summary_mx_host {
	char	*hostname;		/* NULL: the reporter gave none */
	char	*ip;			/* NULL: the reporter gave none */
	gint64	 failed;
	char	*result_types;		/* comma-separated, sorted */
} SummaryMxHost;

typedef struct summary_reporter {
	char	*organization;
	gint64	 reports;
	gint64	 successful;
	gint64	 failed;
} SummaryReporter;

typedef struct summary_day {
	char	 day[PERIOD_DATE_SIZE];
	gint64	 successful;
	gint64	 failed;
} SummaryDay;

typedef struct summary_day_failure {
	char	 day[PERIOD_DATE_SIZE];
	char	*result_type;		/* NULL: the reporter gave none */
	gint64	 failed;
} SummaryDayFailure;

typedef struct summary_domain {
	GStringChunk	*strings;		/* the summary's */
	char		*domain;
	gint64		 reports;
	gint64		 organizations;
	gint64		 successful;
	gint64		 failed;
	gint64		 previous_reports;	/* the period before */
	gint64		 previous_successful;
	gint64		 previous_failed;
	GPtrArray	*failure_types;		/* SummaryFailureType, most failed first */
	GPtrArray	*mx_hosts;		/* SummaryMxHost, worst first */
	GPtrArray	*reporters;		/* SummaryReporter, seeing failures, most first */
	GArray		*days;			/* SummaryDay, days with reports, in order */
	GPtrArray	*day_failures;		/* SummaryDayFailure, by day */
} SummaryDomain;

typedef struct summary {
	Period		 period;
	char		*domain;		/* the one policy domain asked about;
						 * NULL: all */
	GPtrArray	*domains;		/* SummaryDomain, by name */
	GHashTable	*by_name;		/* domain name -> SummaryDomain */
	GStringChunk	*strings;		/* every string of the summary */
	gint64		 stored_reports;	/* in the whole database */
	char		 latest_day[PERIOD_DATE_SIZE];	/* of any stored report; "" if none */
} Summary;

/* summary_new - an empty summary of a period, about one policy domain or
 * all (NULL); domain is copied */
Summary *summary_new(const Period *period, const char *domain);
void summary_free(Summary *summary);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Summary, summary_free)

/* summary_domain - the domain of that name, added if it is new */
SummaryDomain *summary_domain(Summary *summary, const char *name);

/* summary_add_* - a row for a domain; strings are copied, may be NULL */
void summary_add_failure_type(SummaryDomain *domain, const char *result_type,
    gint64 failed, gint64 organizations);
void summary_add_mx_host(SummaryDomain *domain, const char *hostname,
    const char *ip, gint64 failed, const char *result_types);
void summary_add_reporter(SummaryDomain *domain, const char *organization,
    gint64 reports, gint64 successful, gint64 failed);
void summary_add_day(SummaryDomain *domain, const char *day,
    gint64 successful, gint64 failed);
void summary_add_day_failure(SummaryDomain *domain, const char *day,
    const char *result_type, gint64 failed);

/* summary_percent - failed as a percentage of all sessions; NAN without any */
double summary_percent(gint64 successful, gint64 failed);

/* summary_change - the change of the failure percentage against the
 * period before, in percentage points; NAN when either had no sessions */
double summary_change(const SummaryDomain *domain);

#endif
