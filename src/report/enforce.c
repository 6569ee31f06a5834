/* enforce.c - the verdict on moving MTA-STS from testing to enforce, said
 *
 * Each verdict of tlsrpt.enforce_verdicts_at has a row in the table at the
 * end: its exit code, its title and the function that says it.  The
 * sentences speak to whoever runs the domain's mail and end with what to
 * do next.
 */
#include "config.h"

#include <string.h>

#include "enforce.h"
#include "incident.h"

/* A verdict's sentences, added to lines. */
typedef void (*EnforceSay)(GPtrArray *lines, const SummaryVerdict *v);

typedef struct enforce_verdict {
	const char	*name;		/* as sql/views.sql says it */
	CheckStatus	 status;
	const char	*title;
	EnforceSay	 say;
} EnforceVerdict;

/* enforce_date - a YYYY-MM-DD day moved by days, into date; FALSE if it
 * does not parse */
static gboolean
enforce_date(const char *text, gint days, GDate *date)
{
	g_date_clear(date, 1);
	g_date_set_parse(date, text);
	if (!g_date_valid(date))
		return FALSE;
	if (days > 0)
		g_date_add_days(date, (guint)days);
	else
		g_date_subtract_days(date, (guint)-days);
	return TRUE;
}

/* enforce_mode_days - the days from mode_since to until, both included;
 * at_least: mode_since is the first day looked at, the mode may have
 * been applied longer */
static guint
enforce_mode_days(const SummaryVerdict *v, gboolean *at_least)
{
	GDate since, until;
	gint days;

	*at_least = FALSE;
	if (!enforce_date(v->mode_since, 0, &since) || !enforce_date(v->until, 0, &until)
	    || g_date_compare(&since, &until) > 0)
		return 0;
	days = g_date_days_between(&since, &until) + 1;
	*at_least = days >= 2 * (gint)v->days;
	return (guint)days;
}

/* enforce_list - the strings of list, ", " between them; owned */
static char *
enforce_list(const SummaryList *list)
{
	GString *text = g_string_new(NULL);

	for (guint i = 0; i < list->len; i++)
		g_string_append_printf(text, "%s%s", i > 0 ? ", " : "",
		    (const char *)g_ptr_array_index(list, i));
	return g_string_free(text, FALSE);
}

/* enforce_rests_on - what a verdict on a mode rests on, to be ended:
 * "Reporters applied your testing policy for 35 days (since ...); in the
 * last 30 days, 30,000 sessions from 2 reporters"; owned */
static char *
enforce_rests_on(const SummaryVerdict *v)
{
	gboolean at_least;
	guint days = enforce_mode_days(v, &at_least);
	char sessions[32];

	return g_strdup_printf("Reporters applied your %s policy for %s%u day%s "
	    "(since %s); in the last %u days, %s session%s from %" G_GINT64_FORMAT
	    " reporter%s", v->mode, at_least ? "at least " : "", days,
	    days == 1 ? "" : "s", v->mode_since, v->days,
	    summary_count(v->sessions, sessions), v->sessions == 1 ? "" : "s",
	    v->reporters, v->reporters == 1 ? "" : "s");
}

/* enforce_incidents - "- " and the sentence of each incident of the
 * verdict's days that bounces mail under enforce, only the ongoing ones
 * if ongoing */
static void
enforce_incidents(GPtrArray *lines, const SummaryVerdict *v, gboolean ongoing)
{
	for (guint i = 0; i < v->incidents->len; i++) {
		const SummaryIncident *incident = g_ptr_array_index(v->incidents, i);
		g_autofree char *sentence = NULL;

		if (!incident->bounces_under_enforce || (ongoing && !incident->ongoing))
			continue;
		sentence = incident_sentence(incident);
		g_ptr_array_add(lines, g_strconcat("- ", sentence, NULL));
	}
}

/* enforce_say_ready - testing long enough, on enough mail, nothing lost */
static void
enforce_say_ready(GPtrArray *lines, const SummaryVerdict *v)
{
	g_autofree char *rests = enforce_rests_on(v);

	g_ptr_array_add(lines, g_strdup_printf("%s: none failed in a way enforce "
	    "would turn into bounced mail.", rests));
	g_ptr_array_add(lines, g_strdup("Next: set mode: enforce in mta-sts.txt and "
	    "change the id= of the _mta-sts TXT record, so that senders fetch the "
	    "policy again."));
}

/* enforce_say_enforcing - enforce, and no mail lost now */
static void
enforce_say_enforcing(GPtrArray *lines, const SummaryVerdict *v)
{
	g_autofree char *rests = enforce_rests_on(v);

	g_ptr_array_add(lines, g_strdup_printf("%s: no failure loses mail now.",
	    rests));
	if (v->bouncing_incidents > 0) {
		g_ptr_array_add(lines, g_strdup("These lost mail, and are resolved:"));
		enforce_incidents(lines, v, FALSE);
	}
}

/* enforce_say_not_enough - what is missing, and when to ask again */
static void
enforce_say_not_enough(GPtrArray *lines, const SummaryVerdict *v)
{
	gboolean at_least;
	guint days = enforce_mode_days(v, &at_least);
	char sessions[32], needed[32], day[PERIOD_DATE_SIZE];
	GDate ready;

	if (v->mode == NULL) {
		g_ptr_array_add(lines, g_strdup("Reporters applied an MTA-STS policy "
		    "but none quoted it, so the mode they applied is unknown."));
		g_ptr_array_add(lines, g_strdup("Next: wait for reports from a reporter "
		    "that quotes the policy, as Google and Microsoft do."));
		return;
	}
	if (days < v->days)
		g_ptr_array_add(lines, g_strdup_printf("Reporters applied your testing "
		    "policy for %u day%s (since %s); the verdict needs %u.", days,
		    days == 1 ? "" : "s", v->mode_since, v->days));
	if (v->sessions < v->min_sessions)
		g_ptr_array_add(lines, g_strdup_printf("In the last %u days, %s "
		    "session%s; the verdict needs %s.", v->days,
		    summary_count(v->sessions, sessions), v->sessions == 1 ? "" : "s",
		    summary_count(v->min_sessions, needed)));
	if (days < v->days && enforce_date(v->mode_since, (gint)v->days - 1, &ready)) {
		period_format(&ready, day);
		g_ptr_array_add(lines, g_strdup_printf("Next: ask again once the "
		    "reports for %s are in; if nothing fails until then, it is ready.",
		    day));
	} else
		g_ptr_array_add(lines, g_strdup("Next: ask again when more mail has "
		    "been reported."));
}

/* enforce_say_not_ready - what would bounce, and MX hosts not covered */
static void
enforce_say_not_ready(GPtrArray *lines, const SummaryVerdict *v)
{
	if (v->bouncing_incidents > 0) {
		g_ptr_array_add(lines, g_strdup("Under enforce, senders would have "
		    "bounced mail for these:"));
		enforce_incidents(lines, v, FALSE);
	}
	if (v->mx_uncovered->len > 0) {
		g_autofree char *hosts = enforce_list(v->mx_uncovered);
		g_autofree char *patterns = enforce_list(v->mx_patterns);

		g_ptr_array_add(lines, g_strdup_printf("MX hosts that received mail "
		    "match no mx: line of your policy (%s): %s.", patterns, hosts));
	}
	if (v->bouncing_incidents > 0)
		g_ptr_array_add(lines, g_strdup_printf("Next: fix them; the verdict "
		    "needs %u days without such a failure.", v->days));
	if (v->mx_uncovered->len > 0)
		g_ptr_array_add(lines, g_strdup("Next: add an mx: line for each MX host, "
		    "or take it out of your MX records, and change the id= of the "
		    "_mta-sts TXT record."));
}

/* enforce_say_losing_mail - enforce, and failures that lose mail now */
static void
enforce_say_losing_mail(GPtrArray *lines, const SummaryVerdict *v)
{
	g_ptr_array_add(lines, g_strdup("Senders that apply your enforce policy defer "
	    "or bounce mail to your MX hosts now:"));
	enforce_incidents(lines, v, TRUE);
	g_ptr_array_add(lines, g_strdup("Next: fix them now, or go back to mode: "
	    "testing (and change the id= of the _mta-sts TXT record) until they are "
	    "fixed."));
}

/* enforce_say_no_policy - what the reporters applied instead of MTA-STS */
static void
enforce_say_no_policy(GPtrArray *lines, const SummaryVerdict *v)
{
	gboolean dane = FALSE;

	for (guint i = 0; i < v->policy_types->len; i++)
		dane |= strcmp(g_ptr_array_index(v->policy_types, i), "tlsa") == 0;
	if (g_strcmp0(v->mode, "none") == 0)
		g_ptr_array_add(lines, g_strdup("Your MTA-STS policy says mode: none: "
		    "senders apply no MTA-STS."));
	else {
		g_autofree char *types = enforce_list(v->policy_types);

		g_ptr_array_add(lines, g_strdup_printf("In the last %u days reporters "
		    "applied no MTA-STS policy, only: %s%s.", v->days, types,
		    dane ? " (DANE)" : ""));
	}
	if (dane)
		g_ptr_array_add(lines, g_strdup("DANE already protects mail from the "
		    "senders that validate it; MTA-STS is for those that do not."));
	g_ptr_array_add(lines, g_strdup_printf("Next: publish an MTA-STS policy in "
	    "mode testing (mta-sts.txt and an _mta-sts TXT record) and let it run "
	    "%u days.", v->days));
}

static const EnforceVerdict enforce_verdicts[] = {
	{ "ready", CHECK_OK, "ready for enforce", enforce_say_ready },
	{ "enforcing", CHECK_OK, "enforcing, no mail lost", enforce_say_enforcing },
	{ "not-enough-data", CHECK_WARNING, "not enough data yet",
	  enforce_say_not_enough },
	{ "not-ready", CHECK_CRITICAL, "not ready for enforce", enforce_say_not_ready },
	{ "losing-mail", CHECK_CRITICAL, "enforcing and losing mail",
	  enforce_say_losing_mail },
	{ "no-policy", CHECK_UNKNOWN, "no MTA-STS policy seen", enforce_say_no_policy },
};

/* enforce_find - the row of a verdict; static, NULL if unknown or none */
static const EnforceVerdict *
enforce_find(const SummaryVerdict *verdict)
{
	for (unsigned i = 0; verdict->verdict && i < G_N_ELEMENTS(enforce_verdicts); i++)
		if (strcmp(enforce_verdicts[i].name, verdict->verdict) == 0)
			return &enforce_verdicts[i];
	return NULL;
}

/* enforce_status - the exit code of a verdict */
CheckStatus
enforce_status(const SummaryVerdict *verdict)
{
	const EnforceVerdict *v = enforce_find(verdict);

	return v != NULL ? v->status : CHECK_UNKNOWN;
}

/* enforce_title - the verdict in a few words */
const char *
enforce_title(const SummaryVerdict *verdict)
{
	const EnforceVerdict *v = enforce_find(verdict);

	if (v != NULL)
		return v->title;
	return verdict->verdict == NULL ? "no reports to judge"
	    : "a verdict this tlsrpt-report does not know";
}

/* enforce_lines - what the verdict rests on, each problem, the next step */
char **
enforce_lines(const SummaryVerdict *verdict)
{
	GPtrArray *lines = g_ptr_array_new();
	const EnforceVerdict *v = enforce_find(verdict);

	if (v != NULL)
		v->say(lines, verdict);
	else {
		if (verdict->verdict == NULL)
			g_ptr_array_add(lines, g_strdup_printf("No reports about this "
			    "domain in the %u days up to %s.", verdict->days, verdict->until));
		else
			g_ptr_array_add(lines, g_strdup_printf("The database says \"%s\": "
			    "load the views.sql of this tlsrpt-report.", verdict->verdict));
		g_ptr_array_add(lines, g_strdup("Next: check that the domain publishes "
		    "a TLS-RPT record (tlsrpt-report record) whose reports come here."));
	}
	g_ptr_array_add(lines, NULL);
	return (char **)g_ptr_array_free(lines, FALSE);
}
