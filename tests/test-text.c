/* test-text.c - text_safe for each sink, against what a sender can write */
#include "config.h"

#include "common/text.h"

/* safe - text_safe of a C string, compared with expected */
static void
safe(const char *text, TextSink sink, gsize max, const char *expected)
{
	g_autofree char *got = text_safe(text, -1, sink, max);

	g_assert_cmpstr(got, ==, expected);
}

/* test_controls - nothing a sender writes can act on a terminal */
static void
test_controls(void)
{
	safe("ok \x1b[2Jwiped", TEXT_LINE, 0, "ok \\x1b[2Jwiped");
	safe("two\nlines\r", TEXT_LINE, 0, "two\\x0alines\\x0d");
	safe("tab\there", TEXT_LINE, 0, "tab\\x09here");
	safe("del\x7f", TEXT_LINE, 0, "del\\x7f");
	/* C1 controls in UTF-8, and the bidirectional override that makes
	 * "moc.elgoog" read as "google.com" */
	safe("c1 \xc2\x9b" "31m", TEXT_LINE, 0, "c1 \\x9b31m");
	safe("\xe2\x80\xae" "moc.elgoog", TEXT_LINE, 0, "\\u202emoc.elgoog");
	safe("line\xe2\x80\xa8sep", TEXT_LINE, 0, "line\\u2028sep");
	/* Not UTF-8: each byte shown, none passed on. */
	safe("bad \xff\xfe end", TEXT_LINE, 0, "bad \\xff\\xfe end");
	safe("cut \xe2\x82", TEXT_LINE, 0, "cut \\xe2\\x82");
	/* What is legible stays legible. */
	safe("Mail.Ru Группа", TEXT_LINE, 0, "Mail.Ru Группа");
	safe(NULL, TEXT_LINE, 0, "-");
}

/* test_nul - a NUL inside the given length is shown, not a string's end */
static void
test_nul(void)
{
	g_autofree char *got = text_safe("a\0b", 3, TEXT_LINE, 0);

	g_assert_cmpstr(got, ==, "a\\x00b");
}

/* test_quoted - a log field stays one field */
static void
test_quoted(void)
{
	safe("Google Inc.", TEXT_QUOTED, 0, "\"Google Inc.\"");
	safe("a\" status=stored \"b", TEXT_QUOTED, 0, "\"a\\\" status=stored \\\"b\"");
	safe("back\\slash", TEXT_QUOTED, 0, "\"back\\\\slash\"");
	safe(NULL, TEXT_QUOTED, 0, "-");
}

/* test_cut - a field never grows with what was sent, nor splits a character */
static void
test_cut(void)
{
	safe("abcdefgh", TEXT_QUOTED, 4, "\"abcd...\"");
	safe("abcd", TEXT_QUOTED, 4, "\"abcd\"");
	/* "é" is two bytes: cutting after one would leave half of it. */
	safe("abcé", TEXT_LINE, 4, "abc...");
	safe("ab\xe2\x82\xac" "cd", TEXT_LINE, 4, "ab...");
	safe("ab\xe2\x82\xac" "cd", TEXT_LINE, 5, "ab\xe2\x82\xac...");
}

/* test_csv - RFC 4180 quoting, and no formula for a spreadsheet to run */
static void
test_csv(void)
{
	safe("plain", TEXT_CSV, 0, "plain");
	safe("a,b", TEXT_CSV, 0, "\"a,b\"");
	safe("say \"hi\"", TEXT_CSV, 0, "\"say \"\"hi\"\"\"");
	safe("=HYPERLINK(\"http://x\")", TEXT_CSV, 0, "\"'=HYPERLINK(\"\"http://x\"\")\"");
	safe("+1", TEXT_CSV, 0, "'+1");
	safe("-2", TEXT_CSV, 0, "'-2");
	safe("@SUM(A1)", TEXT_CSV, 0, "'@SUM(A1)");
	safe("mx1.example.org", TEXT_CSV, 0, "mx1.example.org");
	safe("two\nlines", TEXT_CSV, 0, "two\\x0alines");
	safe(NULL, TEXT_CSV, 0, "");
}

/* test_nagios - no forged performance data, labels quoted as the plugin
 * guidelines say */
static void
test_nagios(void)
{
	safe("x.example | 'fake'=1;;;0", TEXT_NAGIOS, 0, "x.example \\x7c 'fake'=1;;;0");
	safe("example.org", TEXT_NAGIOS_LABEL, 0, "'example.org'");
	safe("x.example | 'fake'=1;;;0", TEXT_NAGIOS_LABEL, 0,
	    "'x.example \\x7c ''fake''\\x3d1;;;0'");
	safe(NULL, TEXT_NAGIOS_LABEL, 0, "'-'");
}

/* test_html - text and attribute values */
static void
test_html(void)
{
	safe("<script>alert('x')</script> & \"y\"", TEXT_HTML, 0,
	    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;");
	safe("esc\x1b", TEXT_HTML, 0, "esc\\x1b");
}

/* test_json - a JSON document keeps its meaning and its layout, and
 * loses what would act on a terminal that shows it */
static void
test_json(void)
{
	safe("{\n  \"org\": \"Evil\\u001b[2J \xc2\x9b" "1m \xe2\x80\xae" "moc\x7f\"\n}",
	    TEXT_JSON, 0, "{\n  \"org\": \"Evil\\u001b[2J \\u009b1m \\u202emoc\\u007f\"\n}");
	safe("[\"Группа\", \"a\\\\b\"]", TEXT_JSON, 0, "[\"Группа\", \"a\\\\b\"]");
	/* Not UTF-8 cannot come from PostgreSQL; were it there, it would
	 * still be JSON. */
	safe("[\"\xff\"]", TEXT_JSON, 0, "[\"\xef\xbf\xbd\"]");
}

/* test_word - an unquoted log value stays one word: a Message-ID with a
 * space cannot add a field to the line */
static void
test_word(void)
{
	safe("x@example.org", TEXT_WORD, 0, "x@example.org");
	safe("x> status=stored (report 1)", TEXT_WORD, 0,
	    "x>\\x20status=stored\\x20(report\\x201)");
	safe("a\"b\\c\td", TEXT_WORD, 0, "a\\x22b\\x5cc\\x09d");
	safe("/var/mail/Maildir/cur/1.host:2,S", TEXT_WORD, 0,
	    "/var/mail/Maildir/cur/1.host:2,S");
	safe("Группа", TEXT_WORD, 0, "Группа");
	safe(NULL, TEXT_WORD, 0, "-");
	safe("0123456789", TEXT_WORD, 4, "0123...");
}

/* test_prometheus - a label value: quotes and backslashes escaped, what
 * acts kept in sight behind an escaped backslash, one line always */
static void
test_prometheus(void)
{
	safe("Google Inc.", TEXT_PROMETHEUS, 0, "Google Inc.");
	safe("a\"b\\c", TEXT_PROMETHEUS, 0, "a\\\"b\\\\c");
	safe("evil\n# TYPE x counter\x1b[2J", TEXT_PROMETHEUS, 0,
	    "evil\\\\x0a# TYPE x counter\\\\x1b[2J");
	safe("bad \xff byte", TEXT_PROMETHEUS, 0, "bad \\\\xff byte");
	safe("\xe2\x80\xae", TEXT_PROMETHEUS, 0, "\\\\u202e");
	safe("Группа", TEXT_PROMETHEUS, 0, "Группа");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/text/controls", test_controls);
	g_test_add_func("/text/nul", test_nul);
	g_test_add_func("/text/quoted", test_quoted);
	g_test_add_func("/text/cut", test_cut);
	g_test_add_func("/text/csv", test_csv);
	g_test_add_func("/text/nagios", test_nagios);
	g_test_add_func("/text/html", test_html);
	g_test_add_func("/text/json", test_json);
	g_test_add_func("/text/word", test_word);
	g_test_add_func("/text/prometheus", test_prometheus);
	return g_test_run();
}
