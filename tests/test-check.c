/* test-check.c - check's rules: thresholds, a rise against the baseline,
 * reporters gone silent by their own rhythm, and the plugin's status line */
#include "config.h"

#include <string.h>

#include "report/check.h"

/* The defaults of tlsrpt-report check. */
static const CheckOptions defaults = {
	.warning = 1,
	.critical = 5,
	.rise = 2,
	.rise_points = 1,
	.silence = 3,
};

/* assert_line - the status line of check for a window of 3 days and a
 * baseline of 28, up to 2026-11-30, about domain (NULL: all): expected,
 * or with prefix TRUE, starting with it */
static void
assert_line(const Check *check, const char *domain, gboolean prefix,
    const char *expected)
{
	Period period;
	g_autofree char *line = NULL;

	g_assert_true(period_init(&period, NULL, "2026-11-30", 3, 28, NULL));
	line = check_status_line(check, &period, domain);
	if (prefix && g_str_has_prefix(line, expected))
		return;
	g_assert_cmpstr(line, ==, expected);
}

/* one_domain - the status of one domain's window against its baseline */
static CheckStatus
one_domain(const CheckOptions *options, gint64 successful, gint64 failed,
    gint64 baseline_successful, gint64 baseline_failed)
{
	g_autoptr(Check) check = check_new(options);

	check_add_domain(check, "example.org", successful, failed,
	    baseline_successful, baseline_failed, NULL);
	return check_status(check);
}

/* test_thresholds - a plain number alerts above its value, not at it */
static void
test_thresholds(void)
{
	g_autoptr(Check) check = check_new(&defaults);

	g_assert_cmpint(one_domain(&defaults, 1000, 0, 0, 0), ==, CHECK_OK);
	g_assert_cmpint(one_domain(&defaults, 990, 10, 0, 0), ==, CHECK_OK);
	g_assert_cmpint(one_domain(&defaults, 989, 11, 0, 0), ==, CHECK_WARNING);
	g_assert_cmpint(one_domain(&defaults, 950, 50, 0, 0), ==, CHECK_WARNING);
	g_assert_cmpint(one_domain(&defaults, 949, 51, 0, 0), ==, CHECK_CRITICAL);

	check_add_domain(check, "example.org", 990, 10, 0, 0, NULL);
	assert_line(check, NULL, FALSE, "TLSRPT OK - 1 domain, 1.00% of 1000 "
	    "sessions failed in the last 3 days | 'example.org failed'=1.00%;1;5;0;100 "
	    "'example.org sessions'=1000;;;0 'silent reporters'=0;;;0");
}

/* test_worst - the worst status wins; critical problems are named first */
static void
test_worst(void)
{
	g_autoptr(Check) check = check_new(&defaults);

	check_add_domain(check, "a.example", 989, 11, 0, 0, NULL);
	check_add_domain(check, "b.example", 900, 100, 0, 0, NULL);
	check_add_domain(check, "c.example", 1000, 0, 0, 0, NULL);
	g_assert_cmpint(check_status(check), ==, CHECK_CRITICAL);
	assert_line(check, NULL, TRUE, "TLSRPT CRITICAL - b.example: 10.00% "
	    "of 1000 sessions failed (critical above 5%); a.example: 1.10% of "
	    "1000 sessions failed (warning above 1%) | 'a.example failed'=");
}

/* test_many_domains - beyond CHECK_PERFDATA_DOMAINS domains, the
 * performance data holds the totals and the domains with a problem, not
 * every domain: a hosting provider's 30,000 would be megabytes */
static void
test_many_domains(void)
{
	g_autoptr(Check) check = check_new(&defaults);
	g_autofree char *line = NULL;
	Period period;

	for (int i = 0; i < CHECK_PERFDATA_DOMAINS + 5; i++) {
		g_autofree char *name = g_strdup_printf("d%02d.example", i);

		check_add_domain(check, name, 1000, 0, 0, 0, NULL);
	}
	check_add_domain(check, "warned.example", 989, 11, 0, 0, NULL);
	check_add_domain(check, "broken.example", 900, 100, 0, 0, NULL);
	g_assert_true(period_init(&period, NULL, "2026-11-30", 3, 28, NULL));
	line = check_status_line(check, &period, NULL);
	g_assert_cmpstr(strstr(line, " | "), ==, " | 'failed'=0.41%;;;0;100 "
	    "'sessions'=27000;;;0 'domains'=27;;;0 'domains alerting'=2;;;0 "
	    "'broken.example failed'=10.00%;1;5;0;100 'broken.example sessions'=1000;;;0 "
	    "'warned.example failed'=1.10%;1;5;0;100 'warned.example sessions'=1000;;;0 "
	    "'silent reporters'=0;;;0");
}

/* test_rise - a rise against the domain's own baseline, below the
 * thresholds: by the factor, and by the minimum in points */
static void
test_rise(void)
{
	CheckOptions options = defaults;
	g_autoptr(Check) check = NULL;

	options.warning = 10;
	options.critical = 20;
	check = check_new(&options);
	/* 0.5% before, 1.5% now: three times, and a point above. */
	g_assert_cmpint(one_domain(&options, 985, 15, 995, 5), ==, CHECK_WARNING);
	/* 0.5% before, 1.2% now: 0.7 points is noise. */
	g_assert_cmpint(one_domain(&options, 988, 12, 995, 5), ==, CHECK_OK);
	/* No baseline: nothing to rise from. */
	g_assert_cmpint(one_domain(&options, 985, 15, 0, 0), ==, CHECK_OK);
	options.rise_points = 0.5;
	g_assert_cmpint(one_domain(&options, 988, 12, 995, 5), ==, CHECK_WARNING);
	options.rise = 4;
	g_assert_cmpint(one_domain(&options, 985, 15, 995, 5), ==, CHECK_OK);
	options.rise = 0;
	g_assert_cmpint(one_domain(&options, 985, 15, 995, 5), ==, CHECK_OK);

	check_add_domain(check, "example.org", 985, 15, 995, 5, NULL);
	assert_line(check, NULL, TRUE, "TLSRPT WARNING - example.org: "
	    "failures rose to 1.50% from 0.50% before | ");
}

/* silent - the status after one reporter about one domain */
static CheckStatus
silent(guint silence, gint64 report_days, gint64 silent_days,
    gint64 longest_gap)
{
	CheckOptions options = defaults;
	g_autoptr(Check) check = NULL;

	options.silence = silence;
	check = check_new(&options);
	check_add_domain(check, "example.org", 100, 0, 100, 0, NULL);
	check_add_reporter(check, "Daily", "example.org", report_days,
	    "2026-11-24", silent_days, longest_gap);
	return check_status(check);
}

/* test_silence - a reporter is judged against its own rhythm */
static void
test_silence(void)
{
	g_autoptr(Check) check = check_new(&defaults);

	/* A daily reporter: silent after more than --silence days. */
	g_assert_cmpint(silent(3, 10, 3, 1), ==, CHECK_OK);
	g_assert_cmpint(silent(3, 10, 4, 1), ==, CHECK_WARNING);
	/* One that reports every 4 days: silent after more than 8. */
	g_assert_cmpint(silent(3, 10, 8, 4), ==, CHECK_OK);
	g_assert_cmpint(silent(3, 10, 9, 4), ==, CHECK_WARNING);
	/* Too few report days to know a rhythm. */
	g_assert_cmpint(silent(3, CHECK_RHYTHM_DAYS - 1, 20, 1), ==, CHECK_OK);
	g_assert_cmpint(silent(3, CHECK_RHYTHM_DAYS, 20, 1), ==, CHECK_WARNING);
	/* --silence 0: off. */
	g_assert_cmpint(silent(0, 10, 20, 1), ==, CHECK_OK);

	check_add_domain(check, "example.org", 100, 0, 100, 0, NULL);
	check_add_reporter(check, "Faded", "example.org", 5, "2026-11-17", 13, 4);
	assert_line(check, NULL, FALSE, "TLSRPT WARNING - no report from Faded "
	    "about example.org since 2026-11-17 (13 days; it used to report at least "
	    "every 4 days) | 'example.org failed'=0.00%;1;5;0;100 "
	    "'example.org sessions'=100;;;0 'silent reporters'=1;;;0");
}

/* test_unknown - nothing to judge is UNKNOWN, and says why */
static void
test_unknown(void)
{
	g_autoptr(Check) check = check_new(&defaults);

	g_assert_cmpint(check_status(check), ==, CHECK_UNKNOWN);
	assert_line(check, NULL, FALSE, "TLSRPT UNKNOWN - no TLS reports for "
	    "the last 31 days: is tlsrpt-ingest receiving them?");
	assert_line(check, "nothing.example | x=1", FALSE, "TLSRPT UNKNOWN - no "
	    "TLS reports about nothing.example \\x7c x=1 for the last 31 days: "
	    "is tlsrpt-ingest receiving them?");
}

/* test_no_sessions - without sessions the percentage is U, and no alert */
static void
test_no_sessions(void)
{
	g_autoptr(Check) check = check_new(&defaults);

	check_add_domain(check, "quiet.example", 0, 0, 100, 0, NULL);
	g_assert_cmpint(check_status(check), ==, CHECK_OK);
	assert_line(check, NULL, FALSE, "TLSRPT OK - 1 domain, no sessions "
	    "reported in the last 3 days | 'quiet.example failed'=U;1;5;0;100 "
	    "'quiet.example sessions'=0;;;0 'silent reporters'=0;;;0");
}

/* test_forged - what a report names cannot add performance data */
static void
test_forged(void)
{
	g_autoptr(Check) check = check_new(&defaults);

	check_add_domain(check, "x.example | 'fake'=1;;;0", 900, 100, 0, 0, NULL);
	check_add_reporter(check, "Evil | 'org'=2\x1b[2J", "x.example | 'fake'=1;;;0",
	    5, "2026-11-17", 13, 1);
	/* One "|", before the performance data; no ESC. */
	assert_line(check, NULL, FALSE, "TLSRPT CRITICAL - x.example \\x7c "
	    "'fake'=1;;;0: 10.00% of 1000 sessions failed (critical above 5%); "
	    "no report from Evil \\x7c 'org'=2\\x1b[2J about x.example \\x7c "
	    "'fake'=1;;;0 since 2026-11-17 (13 days; it used to report at least every 1 day) | "
	    "'x.example \\x7c ''fake''\\x3d1;;;0 failed'=10.00%;1;5;0;100 "
	    "'x.example \\x7c ''fake''\\x3d1;;;0 sessions'=1000;;;0 "
	    "'silent reporters'=1;;;0");
}

/* test_cause - a domain's worst incident named instead of its figures
 * alone, with the percentage and the sessions it rests on */
static void
test_cause(void)
{
	CheckOptions high = defaults;
	g_autoptr(Check) critical = check_new(&defaults);
	g_autoptr(Check) rise = NULL;
	g_autoptr(Check) hostile = check_new(&defaults);

	g_autoptr(Summary) summary = NULL;
	SummaryDomain *d;
	Period period;

	g_assert_true(period_init(&period, NULL, "2026-11-30", 3, 28, NULL));
	summary = summary_new(&period, NULL);
	d = summary_domain(summary, "example.org");
	high.warning = 10;
	high.critical = 20;
	rise = check_new(&high);

	check_add_domain(critical, "example.org", 1746, 1268, 0, 0,
	    summary_add_incident(d, FALSE, "certificate-expired",
	    "mx2.example.org", "2026-11-28", "2026-11-30", 1268, 2, TRUE, TRUE));
	assert_line(critical, NULL, TRUE, "TLSRPT CRITICAL - example.org: "
	    "certificate-expired on mx2.example.org since 2026-11-28 (42.07% of "
	    "3,014 sessions) | ");
	check_add_domain(rise, "example.org", 985, 15, 995, 5,
	    summary_add_incident(d, FALSE, "starttls-not-supported",
	    "mx1.example.org", "2026-11-29", "2026-11-30", 15, 1, TRUE, TRUE));
	assert_line(rise, NULL, TRUE, "TLSRPT WARNING - example.org: failures rose "
	    "to 1.50% from 0.50% before: starttls-not-supported on mx1.example.org "
	    "since 2026-11-29 | ");
	/* The cause is what a report said: no "|" reaches the status line. */
	check_add_domain(hostile, "example.org", 90, 10, 0, 0,
	    summary_add_incident(d, FALSE, "x", "mx.example | 'fake'=1",
	    "2026-11-30", "2026-11-30", 10, 1, TRUE, TRUE));
	assert_line(hostile, NULL, TRUE, "TLSRPT CRITICAL - example.org: x on "
	    "mx.example \\x7c 'fake'=1 since 2026-11-30 (10.00% of 100 sessions) | ");
}

/* test_dkim_failed - reports whose DKIM failed: a warning, not a figure */
static void
test_dkim_failed(void)
{
	g_autoptr(Check) check = check_new(&defaults);

	check_add_domain(check, "example.org", 1000, 0, 0, 0, NULL);
	check_add_forged(check, "Google Inc.", "example.org", 3);
	g_assert_cmpint(check_status(check), ==, CHECK_WARNING);
	assert_line(check, NULL, TRUE, "TLSRPT WARNING - 3 reports claiming to be "
	    "Google Inc. about example.org failed DKIM: not counted | ");
}

/* test_alerts - check_domain_status says which domains raise a problem,
 * and how bad, those whose cause query.c looks up, critical first */
static void
test_alerts(void)
{
	g_autoptr(Check) check = check_new(&defaults);

	g_assert_cmpint(check_domain_status(check, 990, 10, 0, 0), ==, CHECK_OK);
	g_assert_cmpint(check_domain_status(check, 989, 11, 0, 0), ==, CHECK_WARNING);
	g_assert_cmpint(check_domain_status(check, 949, 51, 0, 0), ==, CHECK_CRITICAL);
	g_assert_cmpint(check_domain_status(check, 985, 15, 995, 5), ==, CHECK_WARNING);
	g_assert_cmpint(check_domain_status(check, 0, 0, 995, 5), ==, CHECK_OK);
}

/* test_many_problems - the status line names the first
 * CHECK_TEXT_PROBLEMS problems, critical first, and counts the rest: a
 * provider's bad day is thousands */
static void
test_many_problems(void)
{
	g_autoptr(Check) check = check_new(&defaults);
	g_autofree char *line = NULL;
	g_autofree char *last = NULL;
	g_autoptr(GPtrArray) problems = NULL;
	Period period;

	check_add_domain(check, "warned.example", 989, 11, 0, 0, NULL);
	for (int i = 0; i < CHECK_TEXT_PROBLEMS + 5; i++) {
		g_autofree char *name = g_strdup_printf("b%02d.example", i);

		check_add_domain(check, name, 900, 100, 0, 0, NULL);
	}
	g_assert_true(period_init(&period, NULL, "2026-11-30", 3, 28, NULL));
	line = check_status_line(check, &period, NULL);
	last = g_strdup_printf("b%02d.example: 10.00%% of 1000 sessions failed "
	    "(critical above 5%%); and 6 more problems (check --format json lists "
	    "them all) | ", CHECK_TEXT_PROBLEMS - 1);
	g_assert_true(g_str_has_prefix(line, "TLSRPT CRITICAL - b00.example: "));
	g_assert_nonnull(strstr(line, last));
	g_assert_null(strstr(line, "warned.example:"));
	problems = check_problems(check);
	g_assert_cmpuint(problems->len, ==, CHECK_TEXT_PROBLEMS + 6);
}

/* test_silent_rule - the rule of silence, which summary and html share */
static void
test_silent_rule(void)
{
	g_assert_false(check_silent(3, 10, 3, 1));
	g_assert_true(check_silent(3, 10, 4, 1));
	g_assert_false(check_silent(3, 10, 8, 4));
	g_assert_true(check_silent(3, 10, 9, 4));
	g_assert_false(check_silent(3, CHECK_RHYTHM_DAYS - 1, 20, 1));
	g_assert_false(check_silent(0, 10, 20, 1));
}

/* test_certificates - an MX certificate: critical once over, a warning
 * within the days given, its days left in the performance data */
static void
test_certificates(void)
{
	g_autoptr(Check) ok = check_new(&defaults);
	g_autoptr(Check) soon = check_new(&defaults);
	g_autoptr(Check) over = check_new(&defaults);

	check_add_domain(ok, "example.org", 1000, 0, 0, 0, NULL);
	check_add_certificate(ok, "mx1.example.org", 15 * 86400, "2026-12-15", 14);
	g_assert_cmpint(check_status(ok), ==, CHECK_OK);
	assert_line(ok, NULL, FALSE, "TLSRPT OK - 1 domain, 0.00% of 1000 sessions "
	    "failed in the last 3 days | 'example.org failed'=0.00%;1;5;0;100 "
	    "'example.org sessions'=1000;;;0 'mx1.example.org certificate days'="
	    "15;14:;0: 'silent reporters'=0;;;0");

	check_add_domain(soon, "example.org", 1000, 0, 0, 0, NULL);
	check_add_certificate(soon, "mx1.example.org", 14 * 86400, "2026-12-14", 14);
	g_assert_cmpint(check_status(soon), ==, CHECK_WARNING);
	assert_line(soon, NULL, TRUE, "TLSRPT WARNING - the certificate of "
	    "mx1.example.org expires on 2026-12-14 (warning within 14 days) |");

	check_add_domain(over, "example.org", 1000, 0, 0, 0, NULL);
	check_add_certificate(over, "mx|2.example.org", -1, "2026-11-30", 14);
	check_add_unprobed(over, "example.net", "no answer from the DNS server");
	g_assert_cmpint(check_status(over), ==, CHECK_CRITICAL);
	assert_line(over, NULL, TRUE, "TLSRPT CRITICAL - the certificate of "
	    "mx\\x7c2.example.org expired on 2026-11-30; example.net not probed: "
	    "no answer from the DNS server | ");
}

/* test_replica - figures read from a standby say how far behind they
 * are, whatever the verdict, in words and in the performance data */
static void
test_replica(void)
{
	g_autoptr(Check) behind = check_new(&defaults);
	g_autoptr(Check) recent = check_new(&defaults);
	g_autoptr(Check) started = check_new(&defaults);
	g_autoptr(Check) empty = check_new(&defaults);

	check_add_domain(behind, "example.org", 1000, 0, 0, 0, NULL);
	check_add_replica(behind, "2026-11-27 10:05", 3 * 86400 + 2 * 3600 + 59);
	g_assert_cmpint(check_status(behind), ==, CHECK_OK);
	assert_line(behind, NULL, FALSE, "TLSRPT OK - 1 domain, 0.00% of 1000 "
	    "sessions failed in the last 3 days; read from a standby, replayed "
	    "up to 2026-11-27 10:05 UTC (3 days 2 h ago) | 'example.org failed'="
	    "0.00%;1;5;0;100 'example.org sessions'=1000;;;0 'standby lag'="
	    "266459s;;;0 'silent reporters'=0;;;0");

	check_add_domain(recent, "example.org", 900, 100, 0, 0, NULL);
	check_add_replica(recent, "2026-11-30 09:58", 125);
	assert_line(recent, NULL, TRUE, "TLSRPT CRITICAL - example.org: 10.00% "
	    "of 1000 sessions failed (critical above 5%); read from a standby, "
	    "replayed up to 2026-11-30 09:58 UTC (2 min ago) | ");

	check_add_domain(started, "example.org", 1000, 0, 0, 0, NULL);
	check_add_replica(started, NULL, 0);
	assert_line(started, NULL, TRUE, "TLSRPT OK - 1 domain, 0.00% of 1000 "
	    "sessions failed in the last 3 days; read from a standby that has "
	    "replayed nothing since it started | ");

	/* No reports at all: a standby far behind may be why. */
	check_add_replica(empty, "2026-10-01 00:00", 61 * 86400);
	assert_line(empty, NULL, FALSE, "TLSRPT UNKNOWN - no TLS reports for the "
	    "last 31 days: is tlsrpt-ingest receiving them?; read from a standby, "
	    "replayed up to 2026-10-01 00:00 UTC (61 days 0 h ago)");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/check/thresholds", test_thresholds);
	g_test_add_func("/check/worst", test_worst);
	g_test_add_func("/check/many-domains", test_many_domains);
	g_test_add_func("/check/rise", test_rise);
	g_test_add_func("/check/silence", test_silence);
	g_test_add_func("/check/unknown", test_unknown);
	g_test_add_func("/check/no-sessions", test_no_sessions);
	g_test_add_func("/check/forged", test_forged);
	g_test_add_func("/check/cause", test_cause);
	g_test_add_func("/check/dkim-failed", test_dkim_failed);
	g_test_add_func("/check/alerts", test_alerts);
	g_test_add_func("/check/many-problems", test_many_problems);
	g_test_add_func("/check/silent-rule", test_silent_rule);
	g_test_add_func("/check/certificates", test_certificates);
	g_test_add_func("/check/replica", test_replica);
	return g_test_run();
}
