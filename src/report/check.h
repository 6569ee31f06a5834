/* check.h - the monitoring verdict: OK, WARNING or CRITICAL, and why
 *
 * The rules of "tlsrpt-report check", apart from where the figures come
 * from (query.c) and how the verdict is printed (tlsrpt-report.c): a
 * domain's failure percentage against the -w and -c thresholds, a sudden
 * rise against the domain's own baseline, and reporters that went silent,
 * each judged against its own rhythm.  The statuses are the Nagios plugin
 * exit codes.
 */
#ifndef TLSRPT_CHECK_H
#define TLSRPT_CHECK_H

#include <glib.h>

#include "period.h"
#include "summary.h"

typedef enum {
	CHECK_OK = 0,
	CHECK_WARNING = 1,
	CHECK_CRITICAL = 2,
	CHECK_UNKNOWN = 3,
} CheckStatus;

typedef struct check_options {
	double	warning;	/* failure percent above which to warn */
	double	critical;	/* failure percent above which it is critical */
	double	rise;		/* warn when the percentage is this many times the baseline's... */
	double	rise_points;	/* ...and at least this many points above it; rise 0: off */
	guint	silence;	/* a reporter is silent after this many days at least; 0: off */
	guint	causes;		/* look up the causes of the first this many
				 * domains' problems, critical first (what
				 * the status line names); 0: of every one */
} CheckOptions;

/* A reporter needs this many days with reports before its rhythm is known. */
#define CHECK_RHYTHM_DAYS	3

/* The domains whose figures are in the performance data: each, up to
 * this many; beyond, the totals and the domains of the first problems. */
#define CHECK_PERFDATA_DOMAINS	20

/* The problems the status line names, critical first; it counts the rest
 * (a provider's bad day is thousands, more than a monitoring system
 * keeps of a plugin's output, or a person reads). */
#define CHECK_TEXT_PROBLEMS	20

typedef struct check Check;

/* What a problem is about: each kind fills the members its comment says. */
typedef enum {
	CHECK_PROBLEM_FAILURES,		/* above -w or -c: domain, figures, incident */
	CHECK_PROBLEM_RISE,		/* a rise: domain, figures, incident */
	CHECK_PROBLEM_FORGED,		/* domain, organization, reports */
	CHECK_PROBLEM_SILENT,		/* domain, organization, day (its last
					 * report), silent_days, longest_gap */
	CHECK_PROBLEM_CERTIFICATE,	/* host, day (the end), days_left */
	CHECK_PROBLEM_UNPROBED,		/* domain; text says why */
} CheckProblemKind;

/* A domain's worst incident, the cause a problem names. */
typedef struct check_incident {
	char		*result_type;	/* NULL: the reporter gave none */
	char		*mx_host;	/* NULL: the reporter gave none */
	char		 first_day[PERIOD_DATE_SIZE];
	char		 last_day[PERIOD_DATE_SIZE];
	gboolean	 ongoing;
	gint64		 failed;
	gint64		 reporters;
	char		*cause;		/* incident_cause()'s words */
} CheckIncident;

/* One problem.  Its strings are what reports said (domains, names,
 * hosts, the phrase itself): the printer makes them safe. */
typedef struct check_problem {
	CheckStatus	 status;	/* CHECK_WARNING or CHECK_CRITICAL */
	CheckProblemKind kind;
	char		*text;		/* the phrase the status line says */
	char		*domain;	/* NULL for a certificate */
	char		*organization;
	char		*host;
	char		 day[PERIOD_DATE_SIZE];	/* "" if none */
	gint64		 successful;	/* in the window */
	gint64		 failed;
	gint64		 baseline_successful;
	gint64		 baseline_failed;
	gint64		 reports;
	gint64		 silent_days;
	gint64		 longest_gap;
	gint64		 days_left;
	CheckIncident	*incident;	/* NULL: none found */
} CheckProblem;

/* A domain judged, and its figures. */
typedef struct check_domain {
	char		*domain;
	gint64		 successful;
	gint64		 failed;
	gint64		 baseline_successful;
	gint64		 baseline_failed;
} CheckDomain;

/* check_new - an empty verdict; the options are copied */
Check *check_new(const CheckOptions *options);
void check_free(Check *check);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Check, check_free)

/* check_add_domain - judge a domain's sessions in the window against the
 * thresholds and its baseline (the days before the window)
 *
 * incident: the domain's worst incident in the window, whose cause
 * ("certificate-expired on mx2.example.org since 2026-11-28") the status
 * line then names; copied; NULL: none.
 */
void check_add_domain(Check *check, const char *domain,
    gint64 successful, gint64 failed,
    gint64 baseline_successful, gint64 baseline_failed,
    const SummaryIncident *incident);

/* check_domain_status - the problem check_add_domain would raise for a
 * domain with these figures (CHECK_OK: none): the domains whose cause is
 * worth looking up, critical ones first */
CheckStatus check_domain_status(const Check *check, gint64 successful,
    gint64 failed, gint64 baseline_successful, gint64 baseline_failed);

/* check_add_forged - reports claiming to be organization about domain in
 * the window, whose DKIM failed: not counted, and a warning */
void check_add_forged(Check *check, const char *organization,
    const char *domain, gint64 reports);

/* check_silent - whether a reporter is silent by its own rhythm: at
 * least CHECK_RHYTHM_DAYS report days, and more than silence days and
 * more than twice its longest gap since the last (silence 0: never) */
gboolean check_silent(guint silence, gint64 report_days, gint64 silent_days,
    gint64 longest_gap);

/* check_add_reporter - judge one reporter's silence about one domain
 *
 * report_days: the days with reports in the window and baseline;
 * last_day: the latest of them (YYYY-MM-DD); silent_days: today minus
 * last_day; longest_gap: the longest run between two of its report days.
 */
void check_add_reporter(Check *check, const char *organization,
    const char *domain, gint64 report_days, const char *last_day,
    gint64 silent_days, gint64 longest_gap);

/* check_add_certificate - judge the end of an MX host's certificate,
 * seconds_left from now (negative: past), on day (YYYY-MM-DD): CRITICAL
 * once over, WARNING within cert_days days; its days left in perfdata */
void check_add_certificate(Check *check, const char *host,
    gint64 seconds_left, const char *day, guint cert_days);

/* check_add_unprobed - a WARNING: domain's MX hosts could not be probed,
 * and why */
void check_add_unprobed(Check *check, const char *domain, const char *why);

/* check_add_replica - the figures come from a standby that has replayed
 * the primary's transactions up to replayed (UTC, "YYYY-MM-DD HH:MM";
 * NULL: none since it started), lag_seconds ago: said in the status line
 * and its performance data, whatever the verdict */
void check_add_replica(Check *check, const char *replayed, gint64 lag_seconds);

/* check_status - the verdict so far: UNKNOWN until anything was added */
CheckStatus check_status(const Check *check);

/* check_status_name - "OK", "WARNING", "CRITICAL" or "UNKNOWN"; static */
const char *check_status_name(CheckStatus status);

/* check_options - the thresholds judged against; borrowed */
const CheckOptions *check_options(const Check *check);

/* check_problems - the problems, critical ones first, each in the order
 * added; an owned array of borrowed problems */
GPtrArray *check_problems(const Check *check);

/* check_domains - the domains judged (CheckDomain), in the order added;
 * borrowed */
const GArray *check_domains(const Check *check);

/* check_silent_reporters - how many reporters went silent */
gint64 check_silent_reporters(const Check *check);

/* check_text - what the status line says between the status and the
 * performance data, as reports wrote it (the caller makes it safe);
 * owned; period and domain as check_status_line's */
char *check_text(const Check *check, const Period *period, const char *domain);

/* check_status_line - "TLSRPT STATUS - text | perfdata"; owned
 *
 * period: the window (its days) and the baseline (the days before);
 * domain: the one policy domain judged, or NULL.  UNKNOWN, when nothing
 * was added, says that no report covers them.
 */
char *check_status_line(const Check *check, const Period *period,
    const char *domain);

#endif
