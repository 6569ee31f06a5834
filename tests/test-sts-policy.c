/* test-sts-policy.c - MTA-STS policies read as RFC 8461 writes them, as
 * sites get them wrong, and as reporters store them (CR kept) */
#include "config.h"

#include <string.h>

#include "report/sts-policy.h"

/* parse - a policy from text */
static StsPolicy *
parse(const char *text)
{
	return sts_policy_parse_text(text, strlen(text));
}

/* assert_problem - problems holds a line containing expected */
static void
assert_problem(const GPtrArray *problems, const char *expected)
{
	for (guint i = 0; i < problems->len; i++)
		if (strstr(g_ptr_array_index(problems, i), expected) != NULL)
			return;
	g_error("no problem says '%s' (%u problems)", expected, problems->len);
}

/* test_good - the RFC's example, with CRLF, LF and no final line end */
static void
test_good(void)
{
	const char *texts[] = {
		"version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
		"mx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n",
		"version: STSv1\nmode: enforce\nmx: mail.example.com\n"
		"mx: *.example.net\nmx: backupmx.example.com\nmax_age: 604800",
		"version:STSv1\nmode:\tenforce  \nmx: MAIL.example.com\n"
		"mx: *.example.net\nmx: backupmx.example.com\nmax_age: 604800\n\n",
	};

	for (unsigned i = 0; i < G_N_ELEMENTS(texts); i++) {
		g_autoptr(StsPolicy) p = parse(texts[i]);

		g_assert_true(sts_policy_valid(p));
		g_assert_cmpuint(p->warnings->len, ==, 0);
		g_assert_cmpint(p->mode, ==, STS_MODE_ENFORCE);
		g_assert_cmpint(p->max_age, ==, 604800);
		g_assert_cmpuint(p->mx->len, ==, 3);
		g_assert_cmpstr(g_ptr_array_index(p->mx, 0), ==, "mail.example.com");
		g_assert_cmpstr(g_ptr_array_index(p->mx, 1), ==, "*.example.net");
	}
}

/* test_lines - a reporter's policy-string: one line per element, the CR
 * of a CRLF file kept by Google */
static void
test_lines(void)
{
	const char *lines[] = { "version: STSv1\r", "mode: testing\r",
	    "mx: mx1.example.org\r", "max_age: 86400\r" };
	g_autoptr(StsPolicy) p = sts_policy_parse(lines, G_N_ELEMENTS(lines));

	g_assert_true(sts_policy_valid(p));
	g_assert_cmpint(p->mode, ==, STS_MODE_TESTING);
	g_assert_cmpstr(sts_policy_mode_name(p->mode), ==, "testing");
	g_assert_cmpint(p->max_age, ==, 86400);
	g_assert_true(sts_policy_covers(p, "MX1.example.org."));
	g_assert_false(sts_policy_covers(p, "mx2.example.org"));
}

/* test_invalid - what senders refuse, each said */
static void
test_invalid(void)
{
	g_autoptr(StsPolicy) empty = parse("");
	g_autoptr(StsPolicy) html = parse("<html><body>Not found</body></html>\n");
	g_autoptr(StsPolicy) upper = parse("version: STSv1\nMode: enforce\n"
	    "mx: a.example.org\nmax_age: 86400\n");
	g_autoptr(StsPolicy) bad = parse("version: STSv2\nmode: Enforce\n"
	    "mx: a.example.org\nmax_age: 1w\n");
	g_autoptr(StsPolicy) nomx = parse("version: STSv1\nmode: testing\n"
	    "max_age: 86400\n");
	g_autoptr(StsPolicy) none = parse("version: STSv1\nmode: none\n"
	    "max_age: 86400\n");
	g_autoptr(StsPolicy) nul = sts_policy_parse_text("version: STSv1\0x", 16);

	g_assert_false(sts_policy_valid(empty));
	assert_problem(empty->errors, "no version field");
	assert_problem(empty->errors, "no mode field");
	assert_problem(empty->errors, "no max_age field");
	g_assert_false(sts_policy_valid(html));
	assert_problem(html->errors, "line '<html><body>Not found</body></html>' is not \"key: value\"");
	g_assert_false(sts_policy_valid(upper));
	assert_problem(upper->errors, "field 'Mode' is not in lower case");
	g_assert_false(sts_policy_valid(bad));
	assert_problem(bad->errors, "version 'STSv2' is not STSv1");
	assert_problem(bad->errors, "mode 'Enforce' is none of enforce, testing or none");
	assert_problem(bad->errors, "max_age '1w' is not a number of seconds");
	g_assert_cmpint(bad->mode, ==, STS_MODE_UNKNOWN);
	g_assert_cmpint(bad->max_age, ==, -1);
	g_assert_false(sts_policy_valid(nomx));
	assert_problem(nomx->errors, "no mx field");
	g_assert_true(sts_policy_valid(none));
	g_assert_cmpint(none->mode, ==, STS_MODE_NONE);
	g_assert_false(sts_policy_valid(nul));
	assert_problem(nul->errors, "a NUL byte");
}

/* test_warnings - what senders ignore or correct */
static void
test_warnings(void)
{
	g_autoptr(StsPolicy) p = parse("version: STSv1\nmode: testing\n"
	    "mode: enforce\nmx: a.example.org\nmx: a..example.org\n"
	    "max_age: 9999999999\nrua: mailto:x@example.org\n");

	g_assert_true(sts_policy_valid(p));
	g_assert_cmpint(p->mode, ==, STS_MODE_TESTING);
	assert_problem(p->warnings, "mode is given twice: the first one counts");
	assert_problem(p->warnings, "mx 'a..example.org' is not a host name");
	assert_problem(p->warnings, "max_age 9999999999 is over a year");
	assert_problem(p->warnings, "unknown field 'rua': senders ignore it");
	g_assert_cmpuint(p->mx->len, ==, 1);
}

/* test_patterns - "*." is exactly one label (RFC 8461 section 4.1) */
static void
test_patterns(void)
{
	g_assert_true(sts_policy_pattern_matches("mail.example.com", "mail.example.com"));
	g_assert_true(sts_policy_pattern_matches("mail.example.com", "MAIL.Example.COM."));
	g_assert_false(sts_policy_pattern_matches("mail.example.com", "mail.example.co"));
	g_assert_true(sts_policy_pattern_matches("*.example.com", "mx1.example.com"));
	g_assert_false(sts_policy_pattern_matches("*.example.com", "example.com"));
	g_assert_false(sts_policy_pattern_matches("*.example.com", "a.b.example.com"));
	g_assert_false(sts_policy_pattern_matches("*.example.com", ".example.com"));
	g_assert_false(sts_policy_pattern_matches("*.example.com", "mx1.xexample.com"));
	g_assert_false(sts_policy_pattern_matches("mx1.example.com", "*.example.com"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sts-policy/good", test_good);
	g_test_add_func("/sts-policy/lines", test_lines);
	g_test_add_func("/sts-policy/invalid", test_invalid);
	g_test_add_func("/sts-policy/warnings", test_warnings);
	g_test_add_func("/sts-policy/patterns", test_patterns);
	return g_test_run();
}
