/* test-enforce.c - each verdict on MTA-STS enforce: its exit code, its
 * title, and what it says, from a verdict built in memory as the query
 * stage fills it from tlsrpt.enforce_verdicts_at */
#include "config.h"

#include <string.h>

#include "report/enforce.h"

/* verdict - a summary holding one domain whose verdict about the 30 days
 * up to 2026-11-30 is name (NULL: no reports), in mode (NULL: none
 * quoted) since mode_since; owned */
static Summary *
verdict(const char *name, const char *mode, const char *mode_since,
    gint64 sessions)
{
	Period period;
	Summary *summary;
	SummaryDomain *d;

	g_assert_true(period_init(&period, NULL, "2026-11-30", 30, 0, NULL));
	summary = summary_new(&period, NULL);
	d = summary_domain(summary, "example.org");
	summary_verdict_set(d, name, mode, mode_since, sessions, 2, 0, 0);
	g_strlcpy(d->verdict.until, "2026-11-30", sizeof(d->verdict.until));
	d->verdict.days = 30;
	d->verdict.min_sessions = 100;
	return summary;
}

/* the_verdict - the verdict of the one domain of summary; borrowed */
static SummaryVerdict *
the_verdict(Summary *summary)
{
	return &((SummaryDomain *)g_ptr_array_index(summary->domains, 0))->verdict;
}

/* assert_lines - the verdict's sentences, "|" between them */
static void
assert_lines(const SummaryVerdict *v, const char *expected)
{
	g_auto(GStrv) lines = enforce_lines(v);
	g_autofree char *joined = g_strjoinv("|", lines);

	g_assert_cmpstr(joined, ==, expected);
}

/* add_incident - an incident of the verdict's days */
static void
add_incident(Summary *summary, const char *result_type, gboolean ongoing,
    gboolean bounces)
{
	SummaryDomain *d = g_ptr_array_index(summary->domains, 0);
	SummaryIncident *n = summary_add_incident(d, TRUE, result_type,
	    "mx2.example.org", "2026-11-28", ongoing ? "2026-11-30" : "2026-11-29",
	    42, 1, ongoing, bounces);

	summary_list_add(d, n->organizations, "Google Inc.");
}

/* test_codes - the exit code and title of each verdict, by the plugin
 * convention */
static void
test_codes(void)
{
	static const struct {
		const char	*name;
		CheckStatus	 status;
		const char	*title;
	} cases[] = {
		{ "ready", CHECK_OK, "ready for enforce" },
		{ "enforcing", CHECK_OK, "enforcing, no mail lost" },
		{ "not-enough-data", CHECK_WARNING, "not enough data yet" },
		{ "not-ready", CHECK_CRITICAL, "not ready for enforce" },
		{ "losing-mail", CHECK_CRITICAL, "enforcing and losing mail" },
		{ "no-policy", CHECK_UNKNOWN, "no MTA-STS policy seen" },
		{ NULL, CHECK_UNKNOWN, "no reports to judge" },
		{ "better-than-ever", CHECK_UNKNOWN, "a verdict this tlsrpt-report does not know" },
	};

	for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(Summary) s = verdict(cases[i].name, "testing", "2026-10-01", 5000);

		g_assert_cmpint(enforce_status(the_verdict(s)), ==, cases[i].status);
		g_assert_cmpstr(enforce_title(the_verdict(s)), ==, cases[i].title);
	}
}

/* test_ready - what the verdict rests on, and the next step */
static void
test_ready(void)
{
	g_autoptr(Summary) ready = verdict("ready", "testing", "2026-10-27", 12345);
	g_autoptr(Summary) long_ago = verdict("ready", "testing", "2026-10-02", 1);
	g_autoptr(Summary) enforcing = verdict("enforcing", "enforce", "2026-11-01", 1);

	assert_lines(the_verdict(ready), "Reporters applied your testing policy for "
	    "35 days (since 2026-10-27); in the last 30 days, 12,345 sessions from 2 "
	    "reporters: none failed in a way enforce would turn into bounced mail."
	    "|Next: set mode: enforce in mta-sts.txt and change the id= of the "
	    "_mta-sts TXT record, so that senders fetch the policy again.");
	/* The first of the 60 days looked at: perhaps longer. */
	assert_lines(the_verdict(long_ago), "Reporters applied your testing policy "
	    "for at least 60 days (since 2026-10-02); in the last 30 days, 1 session "
	    "from 2 reporters: none failed in a way enforce would turn into bounced "
	    "mail.|Next: set mode: enforce in mta-sts.txt and change the id= of the "
	    "_mta-sts TXT record, so that senders fetch the policy again.");
	assert_lines(the_verdict(enforcing), "Reporters applied your enforce policy "
	    "for 30 days (since 2026-11-01); in the last 30 days, 1 session from 2 "
	    "reporters: no failure loses mail now.");
	the_verdict(enforcing)->bouncing_incidents = 1;
	add_incident(enforcing, "certificate-expired", FALSE, TRUE);
	add_incident(enforcing, "sts-policy-fetch-error", FALSE, FALSE);
	assert_lines(the_verdict(enforcing), "Reporters applied your enforce policy "
	    "for 30 days (since 2026-11-01); in the last 30 days, 1 session from 2 "
	    "reporters: no failure loses mail now.|These lost mail, and are resolved:"
	    "|- certificate-expired on mx2.example.org from 2026-11-28 to "
	    "2026-11-29, 42 failed sessions seen by 1 reporter, resolved: the "
	    "certificate of your mail server has expired.");
}

/* test_not_enough - what is missing, and when to ask again */
static void
test_not_enough(void)
{
	g_autoptr(Summary) young = verdict("not-enough-data", "testing", "2026-11-21", 40);
	g_autoptr(Summary) unquoted = verdict("not-enough-data", NULL, NULL, 0);

	assert_lines(the_verdict(young), "Reporters applied your testing policy for "
	    "10 days (since 2026-11-21); the verdict needs 30.|In the last 30 days, 40 "
	    "sessions; the verdict needs 100.|Next: ask again once the reports for "
	    "2026-12-20 are in; if nothing fails until then, it is ready.");
	assert_lines(the_verdict(unquoted), "Reporters applied an MTA-STS policy but "
	    "none quoted it, so the mode they applied is unknown.|Next: wait for "
	    "reports from a reporter that quotes the policy, as Google and Microsoft do.");
}

/* test_problems - not ready, losing mail: each problem named */
static void
test_problems(void)
{
	g_autoptr(Summary) not_ready = verdict("not-ready", "testing", "2026-10-01", 5000);
	g_autoptr(Summary) losing = verdict("losing-mail", "enforce", "2026-10-01", 5000);
	SummaryDomain *d = g_ptr_array_index(not_ready->domains, 0);

	the_verdict(not_ready)->bouncing_incidents = 1;
	add_incident(not_ready, "certificate-expired", TRUE, TRUE);
	add_incident(not_ready, "sts-policy-fetch-error", TRUE, FALSE);
	summary_list_add(d, the_verdict(not_ready)->mx_patterns, "mx1.example.org");
	summary_list_add(d, the_verdict(not_ready)->mx_patterns, "*.example.net");
	summary_list_add(d, the_verdict(not_ready)->mx_uncovered, "mx2.example.org");
	assert_lines(the_verdict(not_ready), "Under enforce, senders would have "
	    "bounced mail for these:|- certificate-expired on mx2.example.org "
	    "since 2026-11-28, 42 failed sessions seen by 1 reporter, still "
	    "failing: the certificate of your mail server has expired.|MX hosts that "
	    "received mail match no mx: line of your policy (mx1.example.org, "
	    "*.example.net): mx2.example.org.|Next: fix them; the verdict needs 30 "
	    "days without such a failure.|Next: add an mx: line for each MX host, or "
	    "take it out of your MX records, and change the id= of the _mta-sts TXT "
	    "record.");

	add_incident(losing, "starttls-not-supported", FALSE, TRUE);
	add_incident(losing, "starttls-not-supported", TRUE, TRUE);
	assert_lines(the_verdict(losing), "Senders that apply your enforce policy "
	    "defer or bounce mail to your MX hosts now:|- starttls-not-supported on "
	    "mx2.example.org since 2026-11-28, 42 failed sessions seen by "
	    "1 reporter, still failing: your mail server did not offer encryption "
	    "(STARTTLS) to the sender.|Next: fix them now, or go back to mode: testing "
	    "(and change the id= of the _mta-sts TXT record) until they are fixed.");
}

/* test_no_policy - DANE only, mode none, no reports */
static void
test_no_policy(void)
{
	g_autoptr(Summary) dane = verdict("no-policy", NULL, NULL, 0);
	g_autoptr(Summary) none = verdict("no-policy", "none", "2026-11-01", 0);
	g_autoptr(Summary) nothing = verdict(NULL, NULL, NULL, 0);
	SummaryDomain *d = g_ptr_array_index(dane->domains, 0);

	summary_list_add(d, the_verdict(dane)->policy_types, "tlsa");
	assert_lines(the_verdict(dane), "In the last 30 days reporters applied no "
	    "MTA-STS policy, only: tlsa (DANE).|DANE already protects mail from the "
	    "senders that validate it; MTA-STS is for those that do not.|Next: publish "
	    "an MTA-STS policy in mode testing (mta-sts.txt and an _mta-sts TXT "
	    "record) and let it run 30 days.");
	assert_lines(the_verdict(none), "Your MTA-STS policy says mode: none: senders "
	    "apply no MTA-STS.|Next: publish an MTA-STS policy in mode testing "
	    "(mta-sts.txt and an _mta-sts TXT record) and let it run 30 days.");
	assert_lines(the_verdict(nothing), "No reports about this domain in the 30 "
	    "days up to 2026-11-30.|Next: check that the domain publishes a TLS-RPT "
	    "record (tlsrpt-report record) whose reports come here.");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/enforce/codes", test_codes);
	g_test_add_func("/enforce/ready", test_ready);
	g_test_add_func("/enforce/not-enough", test_not_enough);
	g_test_add_func("/enforce/problems", test_problems);
	g_test_add_func("/enforce/no-policy", test_no_policy);
	return g_test_run();
}
