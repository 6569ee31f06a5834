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
	    "2026-09-01 to 2026-09-30; the latest stored report is for 2026-11-08.\n");
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

/* test_csv - four tables, RFC 4180 quoting, exact figures */
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
	    "reporters,example.org,Microsoft Corporation,1,520,500,20,3.8462\n");
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

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/render/table", test_table);
	g_test_add_func("/render/table-empty", test_table_empty);
	g_test_add_func("/render/table-hostile", test_table_hostile);
	g_test_add_func("/render/csv", test_csv);
	g_test_add_func("/render/csv-hostile", test_csv_hostile);
	g_test_add_func("/render/json", test_json);
	g_test_add_func("/render/json-hostile", test_json_hostile);
	g_test_add_func("/render/html", test_html);
	g_test_add_func("/render/html-hostile", test_html_hostile);
	return g_test_run();
}
