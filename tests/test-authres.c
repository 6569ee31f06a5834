/* test-authres.c - Authentication-Results fields read as RFC 8601 writes
 * them, and as verifiers really do */
#include "config.h"

#include <string.h>

#include "ingest/authres.h"

/* result_at - the i-th result of a field, which must exist */
static const AuthresResult *
result_at(const Authres *field, guint i)
{
	g_assert_cmpuint(i, <, field->results->len);
	return g_ptr_array_index(field->results, i);
}

/* expect_result - the i-th result is method=result about domain */
static void
expect_result(const Authres *field, guint i, const char *method,
    const char *result, const char *domain)
{
	const AuthresResult *r = result_at(field, i);

	g_assert_cmpstr(r->method, ==, method);
	g_assert_cmpstr(r->result, ==, result);
	g_assert_cmpstr(r->domain, ==, domain);
}

/* test_simple - one verifier, several results, in order */
static void
test_simple(void)
{
	g_autoptr(Authres) field = authres_parse("mx.example.net;"
	    " spf=pass smtp.mailfrom=sender.example;"
	    " dkim=pass header.d=sender.example header.s=s1 header.b=abcd;"
	    " dmarc=pass header.from=sender.example");

	g_assert_nonnull(field);
	g_assert_cmpstr(field->authserv_id, ==, "mx.example.net");
	g_assert_cmpuint(field->results->len, ==, 3);
	expect_result(field, 0, "spf", "pass", NULL);
	expect_result(field, 1, "dkim", "pass", "sender.example");
	expect_result(field, 2, "dmarc", "pass", NULL);
}

/* test_syntax - comments (nested, with ";" and quotes), quoted values,
 * a version, case, header.i for want of header.d */
static void
test_syntax(void)
{
	g_autoptr(Authres) field = authres_parse("MX.Example.NET (OpenDKIM 2.11;"
	    " \"x;y\") 1; DKIM/1=Pass (good (nested; really) signature)"
	    " reason=\"a; b\" header.d=\"Mail.Sender.Example.\";"
	    " dkim=fail header.i=@Sub.Sender.Example;"
	    " dkim=neutral header.i=user@a.example header.d=b.example");
	g_autoptr(Authres) none = authres_parse("mx.example.net; none");
	g_autoptr(Authres) bare_id = authres_parse("mx.example.net");

	g_assert_cmpstr(field->authserv_id, ==, "mx.example.net");
	g_assert_cmpuint(field->results->len, ==, 3);
	expect_result(field, 0, "dkim", "pass", "mail.sender.example");
	expect_result(field, 1, "dkim", "fail", "sub.sender.example");
	expect_result(field, 2, "dkim", "neutral", "b.example");
	g_assert_cmpstr(result_at(field, 0)->reason, ==, "a; b");
	g_assert_null(result_at(field, 1)->reason);
	g_assert_cmpuint(none->results->len, ==, 0);
	g_assert_cmpstr(bare_id->authserv_id, ==, "mx.example.net");
	g_assert_cmpuint(bare_id->results->len, ==, 0);
}

/* test_ours - a verifier of our own tells its findings in the same shape */
static void
test_ours(void)
{
	g_autoptr(Authres) field = authres_new("Tlsrpt-Ingest");

	authres_add(field, "dkim", "pass", "Google.COM.", NULL);
	authres_add(field, "dkim", "temperror", "x\x1b.example", "no answer");
	g_assert_cmpstr(field->authserv_id, ==, "tlsrpt-ingest");
	expect_result(field, 0, "dkim", "pass", "google.com");
	g_assert_null(result_at(field, 0)->reason);
	/* A domain that is none is not kept. */
	expect_result(field, 1, "dkim", "temperror", NULL);
	g_assert_cmpstr(result_at(field, 1)->reason, ==, "no answer");
}

/* test_malformed - what does not parse ends the field, never a crash */
static void
test_malformed(void)
{
	static const char *const fields[] = {
		"", " ", "(comment only)", ";;;==(", "mx; dkim", "mx; dkim=",
		"mx; =pass", "mx; dkim=pass header.d", "mx; dkim=pass header.d=",
		"mx (unclosed; dkim=pass", "mx; dkim=\"unclosed", "\\",
	};
	g_autoptr(Authres) junk = authres_parse("mx.example.net; dkim=pass ="
	    " header.d=sender.example ) x=");

	for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
		g_autoptr(Authres) field = authres_parse(fields[i]);

		if (field != NULL)
			g_assert_nonnull(field->authserv_id);
	}
	g_assert_null(authres_parse(""));
	g_assert_null(authres_parse(";;;"));
	expect_result(junk, 0, "dkim", "pass", "sender.example");
	authres_free(NULL);
}

/* test_domain - domains as compared, and what is no domain */
static void
test_domain(void)
{
	static const char *const no_domains[] = {
		"", ".", "@", "a b.example", "x.example\x1b[31m", "b\xc3\xbc" "cher.example",
		"a;b.example",
	};
	g_autofree char *plain = authres_domain("Mail.Example.ORG.");
	g_autofree char *identity = authres_domain("user@Sub.Example.org");
	g_autofree char *underscore = authres_domain("_dmarc.example.org");
	GString	*long_name = g_string_new(NULL);

	g_assert_cmpstr(plain, ==, "mail.example.org");
	g_assert_cmpstr(identity, ==, "sub.example.org");
	g_assert_cmpstr(underscore, ==, "_dmarc.example.org");
	for (guint i = 0; i < G_N_ELEMENTS(no_domains); i++)
		g_assert_null(authres_domain(no_domains[i]));
	while (long_name->len <= 253)
		g_string_append(long_name, "abcdefghi.");
	g_assert_null(authres_domain(long_name->str));
	g_string_free(long_name, TRUE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/authres/simple", test_simple);
	g_test_add_func("/authres/syntax", test_syntax);
	g_test_add_func("/authres/ours", test_ours);
	g_test_add_func("/authres/malformed", test_malformed);
	g_test_add_func("/authres/domain", test_domain);
	return g_test_run();
}
