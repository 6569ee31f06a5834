/* test-render.c - the four renderers fed a summary built in memory
 *
 * The figures are those of report-summary.test's week, which that test
 * reads back from PostgreSQL: here they are what the query stage would
 * have filled in, so that each renderer is held to exactly what it prints.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "report/render-csv.h"
#include "report/render-html.h"
#include "report/render-json.h"
#include "report/render-metrics.h"
#include "report/render-table.h"

typedef void (*Render)(FILE *out, const Summary *summary);

/* render - what a renderer writes for summary; owned (free) */
static char *
render(Render renderer, const Summary *summary)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	g_assert_nonnull(out);
	renderer(out, summary);
	g_assert_cmpint(fclose(out), ==, 0);
	return text;
}

/* render_metrics_now - render_metrics as if the time were 2026-11-08
 * 23:59:59 UTC */
static void
render_metrics_now(FILE *out, const Summary *summary)
{
	render_metrics(out, summary, 1794182399);
}

/* count - how many times needle occurs in text */
static guint
count(const char *text, const char *needle)
{
	guint n = 0;

	for (const char *p = strstr(text, needle); p != NULL;
	    p = strstr(p + 1, needle))
		n++;
	return n;
}

/* week - the week 2026-11-01 to 2026-11-07: example.net clean, example.org
 * failing more than the week before; owned */
static Summary *
week(const char *domain)
{
	Period period;
	Summary *summary;
	SummaryDomain *d;

	g_assert_true(period_init(&period, NULL, "2026-11-07", 7, 0, NULL));
	summary = summary_new(&period, domain);
	summary->stored_reports = 7;
	g_strlcpy(summary->latest_day, "2026-11-08", sizeof(summary->latest_day));

	d = summary_domain(summary, "example.net");
	d->reports = d->organizations = 1;
	d->successful = 200;
	summary_add_day(d, "2026-11-04", 200, 0);

	d = summary_domain(summary, "example.org");
	d->reports = 4;
	d->organizations = 3;
	d->successful = 2800;
	d->failed = 60;
	d->previous_reports = 1;
	d->previous_successful = 2000;
	d->previous_failed = 10;
	summary_add_failure_type(d, "certificate-expired", 50, 2);
	summary_add_failure_type(d, "starttls-not-supported", 10, 1);
	summary_add_mx_host(d, "mx2.example.org", "192.0.2.25", 30, "certificate-expired");
	summary_add_mx_host(d, "mx2.example.org", NULL, 20, "certificate-expired");
	summary_add_mx_host(d, "mx1.example.org", "192.0.2.24", 10, "starttls-not-supported");
	summary_add_reporter(d, "Google Inc.", 2, 2000, 40);
	summary_add_reporter(d, "Microsoft Corporation", 1, 500, 20);
	summary_add_day(d, "2026-11-01", 1000, 40);
	summary_add_day(d, "2026-11-02", 1000, 0);
	summary_add_day(d, "2026-11-03", 500, 20);
	summary_add_day(d, "2026-11-05", 300, 0);
	/* A day outside the period is not drawn. */
	summary_add_day(d, "2026-10-28", 2000, 10);
	summary_add_day_failure(d, "2026-11-01", "certificate-expired", 30);
	summary_add_day_failure(d, "2026-11-01", "starttls-not-supported", 10);
	summary_add_day_failure(d, "2026-11-03", "certificate-expired", 20);
	return summary;
}

/* hostile - a domain, a reporter and an MX host as a forger names them,
 * failing less than the week before; owned */
static Summary *
hostile(void)
{
	Period period;
	Summary *summary;
	SummaryDomain *d;

	g_assert_true(period_init(&period, NULL, "2026-11-07", 7, 0, NULL));
	summary = summary_new(&period, NULL);
	summary->stored_reports = 2;
	d = summary_domain(summary, "-evil.example");
	d->reports = d->organizations = 1;
	d->successful = 50;
	d->failed = 50;
	d->previous_reports = 1;
	d->previous_successful = 10;
	d->previous_failed = 90;
	summary_add_failure_type(d, "=bad\x1b[2J", 50, 1);
	summary_add_mx_host(d, "@mx\x1b]0;owned\x07.example", "192.0.2.2", 50, "=bad\x1b[2J");
	summary_add_reporter(d, "=cmd|' /C calc'!A0", 1, 10, 25);
	summary_add_reporter(d, "Evil\xc2\x9b" "1m, \"Inc\"", 1, 40, 25);
	summary_add_day(d, "2026-11-06", 50, 50);
	summary_add_day_failure(d, "2026-11-06", "=bad\x1b[2J", 50);
	return summary;
}

/* answers - the week's example.org with what the reports answer: an
 * ongoing and a resolved incident, the verdict on MTA-STS enforce and its
 * incidents, the policies applied, a forged report, a silent reporter, a
 * sending IP, and failure types that add up to more than the failed
 * sessions; example.net clean; owned */
static Summary *
answers(void)
{
	Summary *summary = week(NULL);
	SummaryDomain *d = summary_domain(summary, "example.org");
	SummaryIncident *n;
	SummarySendingIp *ip;

	n = summary_add_incident(d, FALSE, "certificate-expired", "mx2.example.org",
	    "2026-11-01", "2026-11-07", 1808, 2, TRUE, TRUE);
	summary_list_add(d, n->ips, "192.0.2.25");
	summary_list_add(d, n->organizations, "Google Inc.");
	summary_list_add(d, n->organizations, "Microsoft Corporation");
	summary_list_add(d, n->reason_codes, "X509_V_ERR_CERT_HAS_EXPIRED");
	n = summary_add_incident(d, FALSE, "starttls-not-supported", "mx1.example.org",
	    "2026-11-01", "2026-11-01", 10, 1, FALSE, TRUE);
	summary_list_add(d, n->ips, "192.0.2.24");
	summary_list_add(d, n->organizations, "Google Inc.");
	summary_list_add(d, n->additional_information, "STARTTLS not offered");
	summary_verdict_set(d, "not-ready", "testing", "2026-10-01", 3000, 2, 1, 1);
	g_strlcpy(d->verdict.until, "2026-11-07", sizeof(d->verdict.until));
	d->verdict.days = 30;
	d->verdict.min_sessions = 100;
	summary_list_add(d, d->verdict.policy_types, "sts");
	summary_list_add(d, d->verdict.mx_patterns, "*.example.org");
	n = summary_add_incident(d, TRUE, "certificate-expired", "mx2.example.org",
	    "2026-11-01", "2026-11-07", 1808, 2, TRUE, TRUE);
	summary_add_policy(d, "sts", "testing", "*.example.org", 604800, 2, 4, 2860);
	summary_add_policy(d, "tlsa", NULL, NULL, -1, 1, 1, 520);
	summary_add_forged(d, "Google Inc.", 3, 9999);
	summary_add_silent(d, "Yahoo", "2026-10-30", 8, 1);
	ip = summary_add_sending_ip(d, "203.0.113.9", 60, "certificate-expired");
	summary_list_add(d, ip->organizations, "Google Inc.");
	summary_add_failure_type(d, "sts-policy-fetch-error", 5, 1);
	d = summary_domain(summary, "example.net");
	summary_verdict_set(d, "ready", "testing", "2026-09-01", 6000, 1, 0, 0);
	g_strlcpy(d->verdict.until, "2026-11-07", sizeof(d->verdict.until));
	d->verdict.days = 30;
	d->verdict.min_sessions = 100;
	return summary;
}

/* test_table - the tables for the terminal, exactly */
static void
test_table(void)
{
	g_autoptr(Summary) summary = week(NULL);
	g_autofree char *text = render(render_table, summary);

	g_assert_cmpstr(text, ==,
	    "TLS reports for 2026-11-01 to 2026-11-07 (7 days), compared with the 7 days before\n"
	    "\n"
	    "domain       reports  reporters  sessions  failed  failed %     change\n"
	    "example.net        1          1       200       0     0.00%          -\n"
	    "example.org        4          3      2860      60     2.10%  +1.60 pts\n"
	    "\n"
	    "example.org: failure types\n"
	    "  certificate-expired: 50 failed sessions, seen by 2 reporters\n"
	    "    the certificate of your mail server has expired\n"
	    "    check: the expiry date of each MX host's certificate, and whether automatic renewal also reloads the mail server\n"
	    "  starttls-not-supported: 10 failed sessions, seen by 1 reporter\n"
	    "    your mail server did not offer encryption (STARTTLS) to the sender\n"
	    "    check: is STARTTLS enabled on every MX host, and does no firewall or filter strip it\n"
	    "\n"
	    "example.org: worst MX hosts\n"
	    "  failed  MX host          IP          result types\n"
	    "      30  mx2.example.org  192.0.2.25  certificate-expired\n"
	    "      20  mx2.example.org  -           certificate-expired\n"
	    "      10  mx1.example.org  192.0.2.24  starttls-not-supported\n"
	    "\n"
	    "example.org: reporters seeing failures\n"
	    "  failed  sessions  failed %  reports  reporter\n"
	    "      40      2040     1.96%        2  Google Inc.\n"
	    "      20       520     3.85%        1  Microsoft Corporation\n");
}

/* test_table_answers - the verdict, the policies, what is not counted, the
 * silent reporters and the incidents in sentences, before the tables */
static void
test_table_answers(void)
{
	g_autoptr(Summary) summary = answers();
	g_autofree char *text = render(render_table, summary);

	g_assert_nonnull(strstr(text,
	    "example.net: MTA-STS enforce: ready for enforce (30 days up to 2026-11-07)\n"
	    "  Reporters applied your testing policy for at least 68 days (since\n"
	    "  2026-09-01); in the last 30 days, 6,000 sessions from 1 reporter: none\n"
	    "  failed in a way enforce would turn into bounced mail.\n"));
	g_assert_nonnull(strstr(text,
	    "example.org: MTA-STS enforce: not ready for enforce (30 days up to 2026-11-07)\n"
	    "  Under enforce, senders would have bounced mail for these:\n"
	    "  - certificate-expired on mx2.example.org since 2026-11-01, 1,808\n"
	    "    failed sessions seen by 2 reporters, still failing: the certificate\n"
	    "    of your mail server has expired.\n"
	    "  Next: fix them; the verdict needs 30 days without such a failure.\n"
	    "\n"
	    "example.org: policies applied\n"
	    "  sts mode testing, mx *.example.org, max_age 604800: 2 reporters, 2,860\n"
	    "    sessions\n"
	    "  tlsa: 1 reporter, 520 sessions\n"
	    "  Not counted: 3 reports claiming to be Google Inc. failed DKIM (9,999\n"
	    "    failed sessions claimed).\n"
	    "  Silent: no report from Yahoo since 2026-10-30 (8 days; it used to\n"
	    "    report at least every 1 day).\n"
	    "\n"
	    "example.org: incidents, ongoing first\n"
	    "  certificate-expired on mx2.example.org (192.0.2.25) since 2026-11-01,\n"
	    "    1,808 failed sessions seen by 2 reporters, still failing: the\n"
	    "    certificate of your mail server has expired. The reporters said:\n"
	    "    \"X509_V_ERR_CERT_HAS_EXPIRED\".\n"
	    "  starttls-not-supported on mx1.example.org (192.0.2.24) on 2026-11-01,\n"
	    "    10 failed sessions seen by 1 reporter, resolved: your mail server\n"
	    "    did not offer encryption (STARTTLS) to the sender. The reporters\n"
	    "    said: \"STARTTLS not offered\".\n"
	    "\n"
	    "example.org: failure types\n"));
	g_assert_nonnull(strstr(text, "  These add up to 65 failed sessions, more "
	    "than the 60 the reports\n  counted"));
}

/* test_table_empty - an empty database, and a period without reports */
static void
test_table_empty(void)
{
	Period period;
	g_autoptr(Summary) empty = NULL;
	g_autoptr(Summary) none = NULL;
	g_autofree char *text = NULL;
	g_autofree char *about = NULL;

	g_assert_true(period_init(&period, "2026-09-01", "2026-09-30", 0, 0, NULL));
	empty = summary_new(&period, NULL);
	text = render(render_table, empty);
	g_assert_cmpstr(text, ==, "No TLS reports are stored yet.  Once "
	    "tlsrpt-ingest has stored some, they are summarised here.\n");
	none = summary_new(&period, "x\x1b[2J.example");
	none->stored_reports = 3;
	g_strlcpy(none->latest_day, "2026-11-08", sizeof(none->latest_day));
	about = render(render_table, none);
	g_assert_cmpstr(about, ==, "No TLS reports about x\\x1b[2J.example for "
	    "2026-09-01 to 2026-09-30; the latest stored report about it is for "
	    "2026-11-08.\n");
	/* A domain never reported on: not another domain's latest day. */
	none->stored_reports = 0;
	g_free(about);
	about = render(render_table, none);
	g_assert_cmpstr(about, ==, "No TLS reports about x\\x1b[2J.example are "
	    "stored.\n");
}

/* test_table_hostile - escapes shown, never sent; columns still aligned */
static void
test_table_hostile(void)
{
	g_autoptr(Summary) summary = hostile();
	g_autofree char *text = render(render_table, summary);

	g_assert_null(strchr(text, '\x1b'));
	g_assert_null(strchr(text, '\x07'));
	g_assert_null(strstr(text, "\xc2\x9b"));
	g_assert_nonnull(strstr(text, "-evil.example        1          1       "
	    "100      50    50.00%  -40.00 pts\n"));
	g_assert_nonnull(strstr(text, "  =bad\\x1b[2J: 50 failed sessions"));
	g_assert_nonnull(strstr(text,
	    "  failed  MX host                      IP         result types\n"
	    "      50  @mx\\x1b]0;owned\\x07.example  192.0.2.2  =bad\\x1b[2J\n"));
	g_assert_nonnull(strstr(text, "1  Evil\\x9b1m, \"Inc\"\n"));
}

/* test_csv - seven tables, RFC 4180 quoting, exact figures */
static void
test_csv(void)
{
	g_autoptr(Summary) summary = week(NULL);
	g_autofree char *text = render(render_csv, summary);

	g_assert_cmpstr(text, ==,
	    "table,domain,reports,reporters,sessions,successful,failed,failure_percent,previous_reports,previous_sessions,previous_failed,previous_failure_percent,change_points\n"
	    "domains,example.net,1,1,200,200,0,0.0000,0,0,0,,\n"
	    "domains,example.org,4,3,2860,2800,60,2.0979,1,2010,10,0.4975,+1.6004\n"
	    "\n"
	    "table,domain,result_type,failed,reporters,diagnosis,check\n"
	    "failure_types,example.org,certificate-expired,50,2,the certificate of your mail server has expired,\"the expiry date of each MX host's certificate, and whether automatic renewal also reloads the mail server\"\n"
	    "failure_types,example.org,starttls-not-supported,10,1,your mail server did not offer encryption (STARTTLS) to the sender,\"is STARTTLS enabled on every MX host, and does no firewall or filter strip it\"\n"
	    "\n"
	    "table,domain,mx_host,ip,failed,result_types\n"
	    "mx_hosts,example.org,mx2.example.org,192.0.2.25,30,certificate-expired\n"
	    "mx_hosts,example.org,mx2.example.org,,20,certificate-expired\n"
	    "mx_hosts,example.org,mx1.example.org,192.0.2.24,10,starttls-not-supported\n"
	    "\n"
	    "table,domain,organization,reports,sessions,successful,failed,failure_percent\n"
	    "reporters,example.org,Google Inc.,2,2040,2000,40,1.9608\n"
	    "reporters,example.org,Microsoft Corporation,1,520,500,20,3.8462\n"
	    "\n"
	    "table,domain,result_type,mx_host,ips,first_day,last_day,failed,reporters,organizations,status,reason_codes,additional_information,bounces_under_enforce,diagnosis,sentence\n"
	    "\n"
	    "table,domain,verdict,title,exit_code,mode,mode_since,explanation\n"
	    "\n"
	    "table,domain,sending_ip,failed,result_types,organizations\n");
}

/* test_csv_answers - the tables of incidents, verdicts and sending IPs */
static void
test_csv_answers(void)
{
	g_autoptr(Summary) summary = answers();
	g_autofree char *text = render(render_csv, summary);

	g_assert_nonnull(strstr(text, "\nincidents,example.org,certificate-expired,"
	    "mx2.example.org,192.0.2.25,2026-11-01,2026-11-07,1808,2,Google Inc.; "
	    "Microsoft Corporation,ongoing,X509_V_ERR_CERT_HAS_EXPIRED,,yes,the "
	    "certificate of your mail server has expired,\"certificate-expired on "));
	g_assert_nonnull(strstr(text, "\nincidents,example.org,starttls-not-supported,"
	    "mx1.example.org,192.0.2.24,2026-11-01,2026-11-01,10,1,Google Inc.,"
	    "resolved,,STARTTLS not offered,yes,"));
	g_assert_nonnull(strstr(text, "\nenforce,example.net,ready,ready for enforce,"
	    "0,testing,2026-09-01,"));
	g_assert_nonnull(strstr(text, "\nenforce,example.org,not-ready,not ready for "
	    "enforce,2,testing,2026-10-01,"));
	g_assert_nonnull(strstr(text, "\nsending_ips,example.org,203.0.113.9,60,"
	    "certificate-expired,Google Inc.\n"));
}

/* test_csv_hostile - no formula for a spreadsheet to run, while our own
 * negative numbers stay numbers */
static void
test_csv_hostile(void)
{
	g_autoptr(Summary) summary = hostile();
	g_autofree char *text = render(render_csv, summary);

	g_assert_null(strchr(text, '\x1b'));
	g_assert_nonnull(strstr(text, "\ndomains,'-evil.example,1,1,100,50,50,"
	    "50.0000,1,100,90,90.0000,-40.0000\n"));
	g_assert_nonnull(strstr(text, "\nfailure_types,'-evil.example,"
	    "'=bad\\x1b[2J,50,1,"));
	g_assert_nonnull(strstr(text, "\nmx_hosts,'-evil.example,"
	    "'@mx\\x1b]0;owned\\x07.example,192.0.2.2,50,'=bad\\x1b[2J\n"));
	g_assert_nonnull(strstr(text, "\nreporters,'-evil.example,"
	    "'=cmd|' /C calc'!A0,1,35,10,25,71.4286\n"));
	g_assert_nonnull(strstr(text, "\nreporters,'-evil.example,"
	    "\"Evil\\x9b1m, \"\"Inc\"\"\",1,65,40,25,38.4615\n"));
}

/* test_json - the documented shape, read back by a JSON parser */
static void
test_json(void)
{
	g_autoptr(Summary) summary = week(NULL);
	g_autofree char *text = render(render_json, summary);
	json_object *top = json_tokener_parse(text);
	json_object *domains, *org, *net, *v;

	g_assert_nonnull(top);
	g_assert_true(json_object_object_get_ex(top, "version", &v));
	g_assert_cmpint(json_object_get_int(v), ==, 1);
	g_assert_true(json_object_object_get_ex(top, "domains", &domains));
	g_assert_cmpuint(json_object_array_length(domains), ==, 2);
	net = json_object_array_get_idx(domains, 0);
	org = json_object_array_get_idx(domains, 1);
	g_assert_true(json_object_object_get_ex(net, "change_points", &v));
	g_assert_null(v);
	g_assert_true(json_object_object_get_ex(org, "change_points", &v));
	g_assert_cmpstr(json_object_to_json_string(v), ==, "1.6004");
	g_assert_true(json_object_object_get_ex(org, "mx_hosts", &v));
	g_assert_cmpstr(json_object_to_json_string_ext(json_object_array_get_idx(v, 1),
	    JSON_C_TO_STRING_PLAIN), ==, "{\"mx_host\":\"mx2.example.org\","
	    "\"ip\":null,\"failed\":20,\"result_types\":[\"certificate-expired\"]}");
	json_object_put(top);
}

/* json_path - the member of o at a path of names and (for arrays)
 * indexes, "incidents/0/status"; borrowed */
static json_object *
json_path(json_object *o, const char *path)
{
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);

	for (char **p = parts; *p != NULL && o != NULL; p++) {
		if (g_ascii_isdigit(**p))
			o = json_object_array_get_idx(o, (size_t)atoi(*p));
		else if (!json_object_object_get_ex(o, *p, &o))
			return NULL;
	}
	return o;
}

/* json_text - the JSON of the member at path, plain */
static const char *
json_text(json_object *o, const char *path)
{
	return json_object_to_json_string_ext(json_path(o, path), JSON_C_TO_STRING_PLAIN);
}

/* test_json_answers - incidents, the verdict and the rest, per domain */
static void
test_json_answers(void)
{
	g_autoptr(Summary) summary = answers();
	g_autofree char *text = render(render_json, summary);
	json_object *top = json_tokener_parse(text);
	json_object *org = json_path(top, "domains/1");

	g_assert_nonnull(org);
	g_assert_cmpstr(json_text(org, "incidents/0"), ==, "{\"domain\":\"example.org\","
	    "\"result_type\":\"certificate-expired\",\"mx_host\":\"mx2.example.org\","
	    "\"ips\":[\"192.0.2.25\"],\"first_day\":\"2026-11-01\",\"last_day\":"
	    "\"2026-11-07\",\"failed\":1808,\"reporters\":2,\"organizations\":"
	    "[\"Google Inc.\",\"Microsoft Corporation\"],\"status\":\"ongoing\","
	    "\"reason_codes\":[\"X509_V_ERR_CERT_HAS_EXPIRED\"],"
	    "\"additional_information\":[],\"bounces_under_enforce\":true,"
	    "\"diagnosis\":\"the certificate of your mail server has expired\","
	    "\"sentence\":\"certificate-expired on mx2.example.org (192.0.2.25) since "
	    "2026-11-01, 1,808 failed sessions seen by 2 reporters, still failing: "
	    "the certificate of your mail server has expired. The reporters said: "
	    "\\\"X509_V_ERR_CERT_HAS_EXPIRED\\\".\"}");
	g_assert_cmpstr(json_text(org, "incidents/1/status"), ==, "\"resolved\"");
	g_assert_cmpstr(json_text(org, "enforce/verdict"), ==, "\"not-ready\"");
	g_assert_cmpstr(json_text(org, "enforce/exit_code"), ==, "2");
	g_assert_cmpstr(json_text(org, "enforce/mx_patterns"), ==, "[\"*.example.org\"]");
	g_assert_cmpstr(json_text(org, "enforce/incidents/0/status"), ==, "\"ongoing\"");
	g_assert_cmpstr(json_text(org, "enforce/explanation/2"), ==, "\"Next: fix them; "
	    "the verdict needs 30 days without such a failure.\"");
	g_assert_cmpstr(json_text(org, "policies/0"), ==, "{\"policy_type\":\"sts\","
	    "\"mode\":\"testing\",\"mx\":[\"*.example.org\"],\"max_age\":604800,"
	    "\"reporters\":2,\"reports\":4,\"sessions\":2860}");
	g_assert_cmpstr(json_text(org, "policies/1/max_age"), ==, "null");
	g_assert_cmpstr(json_text(org, "not_counted"), ==, "[{\"organization\":"
	    "\"Google Inc.\",\"reports\":3,\"failed\":9999,\"why\":\"dkim-fail\"}]");
	g_assert_cmpstr(json_text(org, "sending_ips"), ==, "[{\"ip\":\"203.0.113.9\","
	    "\"failed\":60,\"result_types\":[\"certificate-expired\"],"
	    "\"organizations\":[\"Google Inc.\"]}]");
	g_assert_cmpstr(json_text(org, "silent_reporters"), ==, "[{\"organization\":"
	    "\"Yahoo\",\"last_day\":\"2026-10-30\",\"silent_days\":8,"
	    "\"longest_gap\":1}]");
	g_assert_cmpstr(json_text(org, "failure_types_failed"), ==, "65");
	g_assert_cmpstr(json_text(org, "dkim/authenticated_percent"), ==, "null");
	g_assert_cmpstr(json_text(top, "domains/0/enforce/verdict"), ==, "\"ready\"");
	json_object_put(top);
}

/* test_json_hostile - escapes travel as JSON escapes, the strings intact */
static void
test_json_hostile(void)
{
	g_autoptr(Summary) summary = hostile();
	g_autofree char *text = render(render_json, summary);
	json_object *top = json_tokener_parse(text);
	json_object *domains, *reporters, *v;

	g_assert_null(strchr(text, '\x1b'));
	g_assert_null(strstr(text, "\xc2\x9b"));
	g_assert_nonnull(strstr(text, "\"Evil\\u009b1m, \\\"Inc\\\"\""));
	g_assert_nonnull(top);
	g_assert_true(json_object_object_get_ex(top, "domains", &domains));
	g_assert_true(json_object_object_get_ex(json_object_array_get_idx(domains, 0),
	    "reporters_with_failures", &reporters));
	g_assert_true(json_object_object_get_ex(json_object_array_get_idx(reporters, 1),
	    "organization", &v));
	g_assert_cmpstr(json_object_get_string(v), ==, "Evil\xc2\x9b" "1m, \"Inc\"");
	g_assert_true(json_object_object_get_ex(json_object_array_get_idx(domains, 0),
	    "change_points", &v));
	g_assert_cmpstr(json_object_to_json_string(v), ==, "-40.0000");
	json_object_put(top);
}

/* test_html - a bar per day with sessions, per day with failures, per
 * result type and day; nothing outside the period */
static void
test_html(void)
{
	g_autoptr(Summary) summary = week("example.org");
	g_autofree char *text = render(render_html, summary);

	g_assert_true(g_str_has_prefix(text, "<!DOCTYPE html>\n"));
	g_assert_true(g_str_has_suffix(text, "</html>\n"));
	g_assert_cmpuint(count(text, "<section class=\"domain\""), ==, 2);
	g_assert_cmpuint(count(text, "<rect class=\"ok\""), ==, 5);
	g_assert_cmpuint(count(text, "<rect class=\"fail\""), ==, 2);
	g_assert_cmpuint(count(text, "<rect class=\"type t2\""), ==, 2);
	g_assert_cmpuint(count(text, "<rect class=\"type t0\""), ==, 1);
	g_assert_nonnull(strstr(text, "<title>2026-11-03: 20 failed</title>"));
	g_assert_null(strstr(text, "2026-10-28"));
	g_assert_nonnull(strstr(text, "compared with the 7 days before, for "
	    "example.org</p>"));
	g_assert_cmpuint(count(text, "<script"), ==, 0);
}

/* test_html_answers - the domain in need first, its incidents and
 * verdict before its figures, the tables stacked on a phone */
static void
test_html_answers(void)
{
	g_autoptr(Summary) summary = answers();
	g_autofree char *text = render(render_html, summary);
	const char *org = strstr(text, "<section class=\"domain\" id=\"d1\">\n<h2>example.org</h2>");
	const char *net = strstr(text, "<section class=\"domain\" id=\"d2\">\n<h2>example.net</h2>");

	g_assert_nonnull(org);
	g_assert_nonnull(net);
	g_assert_true(strstr(org, "<h3>Incidents</h3>") < strstr(org, "<div class=\"verdict\""));
	g_assert_true(strstr(org, "<div class=\"verdict\"") < strstr(org, "<div class=\"tiles\">"));
	g_assert_nonnull(strstr(org, "<li class=\"incident ongoing\"><span class=\"pill "
	    "bad\">ongoing</span> certificate-expired on mx2.example.org (192.0.2.25) "
	    "since 2026-11-01, 1,808 failed sessions"));
	g_assert_nonnull(strstr(org, "<div class=\"verdict\" data-verdict=\"not-ready\">\n"
	    "<h3>MTA-STS enforce: <span class=\"pill bad\">not ready for enforce</span></h3>\n"
	    "<p>Under enforce, senders would have bounced mail for these:</p>\n<ul>\n"
	    "<li>certificate-expired on mx2.example.org since 2026-11-01"));
	g_assert_nonnull(strstr(org, "<b>Not counted:</b> 3 reports claiming to be "
	    "Google Inc. failed DKIM (9,999 failed sessions claimed)"));
	g_assert_nonnull(strstr(org, "<b>Silent reporter:</b> no report from Yahoo since "
	    "2026-10-30"));
	g_assert_nonnull(strstr(org, "These add up to 65 failed sessions"));
	g_assert_nonnull(strstr(net, "data-verdict=\"ready\""));
	g_assert_nonnull(strstr(text, "<tr class=\"severity2\"><td><a href=\"#d1\">"
	    "example.org</a></td><td data-label=\"Worst\">certificate-expired on "
	    "mx2.example.org since 2026-11-01</td>"));
	g_assert_nonnull(strstr(text, "@media (max-width:640px)"));
	g_assert_cmpuint(count(text, "<table class=\"stack\">"), ==, count(text, "<table"));
}

/* test_html_hostile - markup and escapes shown as text */
static void
test_html_hostile(void)
{
	g_autoptr(Summary) summary = hostile();
	g_autofree char *text = NULL;
	SummaryDomain *d = summary_domain(summary, "<b>x</b>.example");

	d->reports = d->organizations = 1;
	d->successful = 1;
	summary_add_day(d, "2026-11-06", 1, 0);
	text = render(render_html, summary);
	g_assert_null(strchr(text, '\x1b'));
	g_assert_null(strstr(text, "<b>x"));
	g_assert_nonnull(strstr(text, "<h2>&lt;b&gt;x&lt;/b&gt;.example</h2>"));
	g_assert_nonnull(strstr(text, "<td>=cmd|&#39; /C calc&#39;!A0</td>"));
	g_assert_nonnull(strstr(text, "<td>@mx\\x1b]0;owned\\x07.example</td>"));
	/* A result type of its own is drawn in the "other" slot, named. */
	g_assert_cmpuint(count(text, "<rect class=\"type t11\""), ==, 1);
	g_assert_nonnull(strstr(text, "<i class=\"t11\"></i>=bad\\x1b[2J</span>"));
}

/* check_json - what render_json_check writes of check, parsed; owned */
static json_object *
check_json(const Check *check)
{
	Period period;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	json_object *top;

	g_assert_true(period_init(&period, NULL, "2026-11-30", 3, 28, NULL));
	g_assert_nonnull(out);
	render_json_check(out, check, &period, NULL);
	g_assert_cmpint(fclose(out), ==, 0);
	/* What acts on a terminal travels as an escape. */
	g_assert_null(strchr(text, '\x1b'));
	top = json_tokener_parse(text);
	free(text);
	g_assert_nonnull(top);
	return top;
}

/* test_json_check - check's verdict: each kind of problem with its
 * members, critical first; a hostile name intact once decoded */
static void
test_json_check(void)
{
	static const CheckOptions options = { .warning = 1, .critical = 5,
	    .rise = 2, .rise_points = 1, .silence = 3 };
	g_autoptr(Check) check = check_new(&options);
	json_object *top;

	check_add_domain(check, "example.org", 1000, 0, 0, 0, NULL);
	check_add_forged(check, "Evil\x1b[2J \"Inc\"", "example.org", 3);
	check_add_reporter(check, "Faded", "example.org", 5, "2026-11-17", 13, 4);
	check_add_certificate(check, "mx2.example.org", -86400, "2026-11-29", 14);
	check_add_unprobed(check, "example.net", "no answer from the DNS server");
	top = check_json(check);
	g_assert_cmpstr(json_text(top, "version"), ==, "1");
	g_assert_cmpstr(json_text(top, "state"), ==, "\"critical\"");
	g_assert_cmpstr(json_text(top, "exit_code"), ==, "2");
	g_assert_cmpstr(json_text(top, "problems/0"), ==, "{\"state\":\"critical\","
	    "\"kind\":\"certificate\",\"domain\":null,\"text\":\"the certificate "
	    "of mx2.example.org expired on 2026-11-29\",\"host\":\"mx2.example.org\","
	    "\"expires\":\"2026-11-29\",\"days_left\":-1}");
	g_assert_cmpstr(json_text(top, "problems/1/kind"), ==, "\"dkim-failed\"");
	g_assert_cmpstr(json_object_get_string(json_path(top,
	    "problems/1/organization")), ==, "Evil\x1b[2J \"Inc\"");
	g_assert_cmpstr(json_text(top, "problems/1/reports"), ==, "3");
	g_assert_cmpstr(json_text(top, "problems/2"), ==, "{\"state\":\"warning\","
	    "\"kind\":\"silent-reporter\",\"domain\":\"example.org\",\"text\":"
	    "\"no report from Faded about example.org since 2026-11-17 (13 days; it "
	    "used to report at least every 4 days)\",\"organization\":\"Faded\","
	    "\"last_report_day\":\"2026-11-17\",\"silent_days\":13,"
	    "\"longest_gap_days\":4}");
	g_assert_cmpstr(json_text(top, "problems/3/kind"), ==, "\"not-probed\"");
	g_assert_cmpstr(json_text(top, "totals"), ==, "{\"domains\":1,\"sessions\":"
	    "1000,\"failed\":0,\"failure_percent\":0.0000,\"silent_reporters\":1}");
	json_object_put(top);
}

/* test_metrics - each family once, its HELP and TYPE first; a domain
 * without sessions NaN; a label value that cannot end early */
static void
test_metrics(void)
{
	g_autoptr(Summary) summary = week("example.org");
	SummaryDomain *d = g_hash_table_lookup(summary->by_name, "example.org");
	g_autofree char *text = NULL;

	summary_add_latest(d, "Evil\"Org\n# TYPE x counter", 1794095999);
	summary_add_latest(summary_domain(summary, "quiet.example"), "Google Inc.",
	    1794009599);
	text = render(render_metrics_now, summary);
	g_assert_cmpuint(count(text, "# TYPE tlsrpt_window_sessions gauge\n"), ==, 1);
	/* Lines that start with "#": a HELP, then a TYPE gauge, per family;
	 * the "# TYPE" a reporter wrote stays inside its label. */
	g_assert_true(g_str_has_prefix(text, "# HELP "));
	g_assert_cmpuint(count(text, "\n# TYPE "), ==, count(text, "\n# HELP ") + 1);
	g_assert_cmpuint(count(text, "\n# TYPE "), ==, count(text, " gauge\n"));
	g_assert_cmpuint(count(text, "\n# TYPE "), ==, 11);
	g_assert_nonnull(strstr(text, "tlsrpt_window_failure_ratio"
	    "{policy_domain=\"quiet.example\"} NaN\n"));
	g_assert_nonnull(strstr(text, "tlsrpt_reporter_last_report_age_seconds"
	    "{policy_domain=\"example.org\",organization=\"Evil\\\"Org\\\\x0a# TYPE x "
	    "counter\"} 86400\n"));
	g_assert_nonnull(strstr(text, "tlsrpt_reporter_last_report_age_seconds"
	    "{policy_domain=\"quiet.example\",organization=\"Google Inc.\"} 172800\n"));
	g_assert_nonnull(strstr(text, "tlsrpt_window_duration_seconds 604800\n"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/render/table", test_table);
	g_test_add_func("/render/table-answers", test_table_answers);
	g_test_add_func("/render/table-empty", test_table_empty);
	g_test_add_func("/render/table-hostile", test_table_hostile);
	g_test_add_func("/render/csv", test_csv);
	g_test_add_func("/render/csv-answers", test_csv_answers);
	g_test_add_func("/render/csv-hostile", test_csv_hostile);
	g_test_add_func("/render/json", test_json);
	g_test_add_func("/render/json-answers", test_json_answers);
	g_test_add_func("/render/json-hostile", test_json_hostile);
	g_test_add_func("/render/html", test_html);
	g_test_add_func("/render/html-answers", test_html_answers);
	g_test_add_func("/render/html-hostile", test_html_hostile);
	g_test_add_func("/render/json-check", test_json_check);
	g_test_add_func("/render/metrics", test_metrics);
	return g_test_run();
}
