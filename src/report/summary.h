/* summary.h - what the reports of a period say, per policy domain
 *
 * The figures of one period and of the period before it, per policy
 * domain: the sessions, the failure result types, the worst MX hosts, the
 * reporters that see failures and, for charts, the same per day; and what
 * they answer: the incidents, the verdict on MTA-STS enforce, the policies
 * applied, the reports not counted, the reporters gone silent.  The
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

/* A list of strings owned by the summary: its strings in the summary's
 * chunk, the array itself freed with the row that holds it. */
typedef GPtrArray SummaryList;

typedef struct summary_incident {
	char		*result_type;		/* NULL: the reporter gave none */
	char		*mx_host;		/* NULL: the reporter gave none */
	SummaryList	*ips;			/* of the MX host, most failed first */
	char		 first_day[PERIOD_DATE_SIZE];
	char		 last_day[PERIOD_DATE_SIZE];
	gint64		 failed;
	gint64		 reporters;
	SummaryList	*organizations;		/* the reporters, by name */
	gboolean	 ongoing;		/* in the reporters' latest reports */
	SummaryList	*reason_codes;		/* failure-reason-code, most failed first */
	SummaryList	*additional_information;
	gboolean	 bounces_under_enforce;	/* mail lost under MTA-STS enforce */
} SummaryIncident;

/* The verdict on moving MTA-STS to enforce (sql/views.sql decides). */
typedef struct summary_verdict {
	char		*verdict;		/* ready, not-enough-data, ...; NULL:
						 * no reports in the days judged */
	char		*mode;			/* of the policy applied; NULL: none quoted */
	char		 mode_since[PERIOD_DATE_SIZE];	/* "" if no mode */
	char		 until[PERIOD_DATE_SIZE];	/* the last day judged */
	guint		 days;			/* the days judged, up to until */
	gint64		 min_sessions;		/* the sessions needed */
	gint64		 sessions;		/* under that mode, in the days judged */
	gint64		 reporters;
	SummaryList	*policy_types;		/* seen in the days judged */
	SummaryList	*mx_patterns;		/* of the latest policy */
	SummaryList	*mx_uncovered;		/* MX hosts seen that no pattern covers */
	gint64		 bouncing_incidents;	/* in the days judged */
	gint64		 ongoing_bouncing_incidents;
	GPtrArray	*incidents;		/* SummaryIncident, of the days judged */
} SummaryVerdict;

/* A policy the reporters applied, over the period. */
typedef struct summary_policy {
	char		*policy_type;
	char		*mode;			/* sts: the mode quoted; NULL: none */
	char		*mx;			/* sts: the mx patterns; others: MX
						 * hosts listed; space separated */
	gint64		 max_age;		/* -1: not quoted */
	gint64		 reporters;
	gint64		 reports;
	gint64		 sessions;
} SummaryPolicy;

/* Reports whose DKIM failed: not counted. */
typedef struct summary_forged {
	char	*organization;			/* the reporter they claim to be */
	gint64	 reports;
	gint64	 failed;			/* the failures they claim */
} SummaryForged;

typedef struct summary_sending_ip {
	char		*ip;			/* NULL: the reporter gave none */
	gint64		 failed;
	char		*result_types;		/* comma-separated, sorted */
	SummaryList	*organizations;		/* whose machine it is, by name */
} SummarySendingIp;

typedef struct summary_silent {
	char	*organization;
	char	 last_day[PERIOD_DATE_SIZE];	/* of its latest report */
	gint64	 silent_days;			/* until minus last_day */
	gint64	 longest_gap;			/* its usual rhythm */
} SummarySilent;

/* The latest report of a reporter about a domain. */
typedef struct summary_latest {
	char	*organization;
	gint64	 end;				/* the end of its date range, in
						 * seconds since the epoch */
} SummaryLatest;

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
	GPtrArray	*incidents;		/* SummaryIncident, of the period:
						 * ongoing first, most failed first */
	SummaryVerdict	 verdict;
	GPtrArray	*policies;		/* SummaryPolicy, by type, most sessions first */
	gint64		 dkim_counted;		/* counted reports, if the site records
						 * DKIM verdicts; 0 if it does not */
	gint64		 dkim_pass;		/* of which DKIM-authenticated */
	GPtrArray	*forged;		/* SummaryForged, most reports first */
	GPtrArray	*sending_ips;		/* SummarySendingIp, most failed first */
	GPtrArray	*silent;		/* SummarySilent, longest silent first */
	GPtrArray	*latest;		/* SummaryLatest, by organisation;
						 * empty unless query_latest filled it */
} SummaryDomain;

typedef struct summary {
	Period		 period;
	char		*domain;		/* the one policy domain asked about;
						 * NULL: all */
	GPtrArray	*domains;		/* SummaryDomain, by name, or worst
						 * first after summary_keep */
	GHashTable	*by_name;		/* domain name -> SummaryDomain */
	GStringChunk	*strings;		/* every string of the summary */
	gint64		 stored_reports;	/* counted in the daily figures (about
						 * the domain asked about) */
	char		 latest_day[PERIOD_DATE_SIZE];	/* of any stored report, or
							 * of the domain asked
							 * about; "" if none */
	guint		 left_out;		/* domains of the period not in
						 * domains (summary_keep) */
	guint		 verdict_days;		/* the enforce verdicts' days */
	gint64		 verdict_sessions;	/* and sessions needed */
	guint		 silence;		/* check's --silence, for silent
						 * reporters; 0: none listed */
} Summary;

/* summary_new - an empty summary of a period, about one policy domain or
 * all (NULL); domain is copied */
Summary *summary_new(const Period *period, const char *domain);
void summary_free(Summary *summary);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Summary, summary_free)

/* summary_domain_key - a policy domain as the figures name it: lower
 * case, without a trailing dot; owned */
char *summary_domain_key(const char *domain);

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

/* summary_list_new - an empty list of strings for a row of domain */
SummaryList *summary_list_new(void);

/* summary_list_add - a copy of text, owned by the summary, to list */
void summary_list_add(SummaryDomain *domain, SummaryList *list, const char *text);

/* summary_add_incident - an incident of the period, or (verdict TRUE) of
 * the days the enforce verdict judged; its lists empty, for the caller
 * to fill with summary_list_add */
SummaryIncident *summary_add_incident(SummaryDomain *domain, gboolean verdict,
    const char *result_type, const char *mx_host, const char *first_day,
    const char *last_day, gint64 failed, gint64 reporters, gboolean ongoing,
    gboolean bounces_under_enforce);
void summary_add_policy(SummaryDomain *domain, const char *policy_type,
    const char *mode, const char *mx, gint64 max_age, gint64 reporters,
    gint64 reports, gint64 sessions);
void summary_add_forged(SummaryDomain *domain, const char *organization,
    gint64 reports, gint64 failed);
SummarySendingIp *summary_add_sending_ip(SummaryDomain *domain, const char *ip,
    gint64 failed, const char *result_types);
void summary_add_silent(SummaryDomain *domain, const char *organization,
    const char *last_day, gint64 silent_days, gint64 longest_gap);
void summary_add_latest(SummaryDomain *domain, const char *organization,
    gint64 end);

/* summary_verdict_set - what the enforce verdict says; strings copied,
 * may be NULL; its lists empty, for the caller to fill */
void summary_verdict_set(SummaryDomain *domain, const char *verdict,
    const char *mode, const char *mode_since, gint64 sessions, gint64 reporters,
    gint64 bouncing_incidents, gint64 ongoing_bouncing_incidents);

/* summary_types_failed - the failed sessions of the domain's result types
 * added up: more than its failed sessions when reporters list a session
 * under several types, or their details disagree with their own totals */
gint64 summary_types_failed(const SummaryDomain *domain);

/* summary_severity - how urgently a domain needs a look: 3 mail lost now
 * (an ongoing incident above critical, or losing mail under enforce), 2
 * an ongoing incident, 1 failures, silent reporters or forged reports, 0
 * nothing to do; critical is check's threshold, in percent */
int summary_severity(const SummaryDomain *domain, double critical);

/* summary_count - n with thousands separators ("3,014") into buf */
const char *summary_count(gint64 n, char buf[32]);

/* summary_keep - of more than keep domains, keep those that most need
 * attention, worst first: failures first, the highest percentage first,
 * then the most sessions; the others are freed and counted in left_out */
void summary_keep(Summary *summary, guint keep);

/* summary_percent - failed as a percentage of all sessions; NAN without any */
double summary_percent(gint64 successful, gint64 failed);

/* summary_change - the change of the failure percentage against the
 * period before, in percentage points; NAN when either had no sessions */
double summary_change(const SummaryDomain *domain);

#endif
