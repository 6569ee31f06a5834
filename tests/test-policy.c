/* test-policy.c - the site's rules: accepted domains, DKIM verdicts
 *
 * Messages and reports are written here; each verdict is reached the way
 * the program reaches it, through message_parse, report_new and
 * policy_judge.
 */
#include "config.h"

#include <string.h>

#include "common/error.h"
#include "ingest/message.h"
#include "ingest/policy.h"
#include "ingest/report.h"

/* The headers of a report from mail.sender.example. */
#define REPORTER_HEADERS \
	"From: tlsrpt@mail.sender.example\n" \
	"TLS-Report-Domain: example.net\n" \
	"TLS-Report-Submitter: mail.sender.example\n" \
	"Message-ID: <policy-1@mail.sender.example>\n" \
	"MIME-Version: 1.0\n"

/* report_about - a report whose policies are about domain, a second
 * domain or none (NULL); owned */
static Report *
report_about(const char *domain, const char *second)
{
	g_autoptr(GString) json = g_string_new("{\"organization-name\":\"O\","
	    "\"date-range\":{\"start-datetime\":\"2024-01-01T00:00:00Z\","
	    "\"end-datetime\":\"2024-01-01T23:59:59Z\"},\"report-id\":\"r\","
	    "\"policies\":[");
	const char *domains[] = { domain, second };
	g_autoptr(GError) error = NULL;
	Report	*report;

	for (guint i = 0; i < G_N_ELEMENTS(domains); i++) {
		if (i > 0 && domains[i] == NULL)
			break;
		g_string_append_printf(json, "%s{\"policy\":{\"policy-type\":\"sts\"",
		    i > 0 ? "," : "");
		if (domains[i] != NULL)
			g_string_append_printf(json, ",\"policy-domain\":\"%s\"",
			    domains[i]);
		g_string_append(json, "},\"summary\":{\"total-successful-session-count\":1,"
		    "\"total-failure-session-count\":0}}");
	}
	g_string_append(json, "]}");
	report = report_new(json->str, json->len, NULL, &error);
	g_assert_no_error(error);
	return report;
}

/* message_of - a parsed message, with text as its header fields above
 * headers (NULL: REPORTER_HEADERS) and a JSON report part; owned */
static Message *
message_of(const char *fields, const char *headers)
{
	g_autofree char *text = g_strconcat(fields,
	    headers != NULL ? headers : REPORTER_HEADERS,
	    "Content-Type: application/tlsrpt+json\n\n{}\n", NULL);
	g_autoptr(GBytes) input = g_bytes_new(text, strlen(text));
	g_autoptr(GError) error = NULL;
	Message	*message = message_new();

	g_assert_true(message_parse(message, input, &error));
	g_assert_no_error(error);
	return message;
}

/* The site's verifier, as --trust-authserv-id names it. */
static const char *const trusted_ids[] = { "mx.example.net", NULL };

/* dkim_verdict - judge a report message with fields above its headers
 *
 * headers replaces REPORTER_HEADERS when not NULL.  Returns the verdict;
 * *domain and *reason (owned) say what it is about.
 */
static PolicyDkim
dkim_verdict(const char *fields, const char *headers,
    const char *const *trusted, char **domain, char **reason)
{
	g_autoptr(Message) message = message_of(fields, headers);
	g_autoptr(Report) report = report_about("example.net", NULL);
	PolicyOptions options = { .trusted_authserv_ids = trusted };
	PolicyVerdict verdict = { 0 };
	g_autoptr(GError) error = NULL;
	PolicyDkim dkim;

	g_assert_true(policy_judge(&options, message, NULL, report, &verdict, &error));
	g_assert_no_error(error);
	dkim = verdict.dkim;
	*domain = g_steal_pointer(&verdict.dkim_domain);
	*reason = g_steal_pointer(&verdict.dkim_reason);
	policy_verdict_clear(&verdict);
	return dkim;
}

/* dkim_expect - the verdict on fields must be dkim, about domain */
static void
dkim_expect(const char *fields, PolicyDkim dkim, const char *domain)
{
	g_autofree char *got_domain = NULL, *reason = NULL;

	g_assert_cmpint(dkim_verdict(fields, NULL, trusted_ids, &got_domain,
	    &reason), ==, dkim);
	g_assert_cmpstr(got_domain, ==, domain);
	g_assert_nonnull(reason);
}

/* test_dkim - Authentication-Results read and judged as RFC 8601 has it */
static void
test_dkim(void)
{
	g_autofree char *domain = NULL, *reason = NULL;

	/* Passing: the reporting domain (TLS-Report-Submitter), a parent
	 * of it, or header.i when header.d is missing. */
	dkim_expect("Authentication-Results: mx.example.net; dkim=pass"
	    " header.d=mail.sender.example header.s=s1 header.b=abcd\n",
	    DKIM_PASS, "mail.sender.example");
	dkim_expect("Authentication-Results: mx.example.net; dkim=pass"
	    " header.d=sender.example\n", DKIM_PASS, "sender.example");
	dkim_expect("Authentication-Results: mx.example.net; dkim=pass"
	    " header.i=@sub.mail.sender.example\n", DKIM_PASS,
	    "sub.mail.sender.example");
	/* Comments, nested; quoted strings with ";" in them; a version;
	 * folding; case. */
	dkim_expect("Authentication-Results: MX.Example.NET (OpenDKIM 2.11;"
	    " \"x;y\") 1;\n\tDKIM=Pass (good (nested; really) signature)"
	    " reason=\"a; b\"\n\theader.d=\"Mail.Sender.Example.\"\n",
	    DKIM_PASS, "mail.sender.example");
	/* Two signatures: an ESP's and the reporter's. */
	dkim_expect("Authentication-Results: mx.example.net;"
	    " dkim=pass header.d=esp.example; dkim=pass"
	    " header.d=mail.sender.example\n", DKIM_PASS, "mail.sender.example");
	/* OpenDMARC's field above OpenDKIM's, both of our verifier. */
	dkim_expect("Authentication-Results: mx.example.net; dmarc=pass"
	    " header.from=mail.sender.example\n"
	    "Authentication-Results: mx.example.net; dkim=pass"
	    " header.d=mail.sender.example\n", DKIM_PASS, "mail.sender.example");

	/* Forged: a valid signature, of someone else's domain. */
	dkim_expect("Authentication-Results: mx.example.net; dkim=pass"
	    " header.d=evil.example\n", DKIM_FAIL, "evil.example");
	dkim_expect("Authentication-Results: mx.example.net; dkim=pass"
	    " header.d=example\n", DKIM_FAIL, "example");
	dkim_expect("Authentication-Results: mx.example.net; dkim=fail"
	    " reason=\"signature verification failed\""
	    " header.d=mail.sender.example\n", DKIM_FAIL, "mail.sender.example");
	/* Forged below our verifier's field: the topmost trusted counts. */
	dkim_expect("Authentication-Results: mx.example.net; dkim=fail"
	    " header.d=mail.sender.example\n"
	    "Authentication-Results: mx.example.net; dkim=pass"
	    " header.d=mail.sender.example\n", DKIM_FAIL, "mail.sender.example");
	/* A hostile domain is no domain. */
	dkim_expect("Authentication-Results: mx.example.net; dkim=pass"
	    " header.d=mail.sender.example\x1b[31m\n", DKIM_FAIL, NULL);

	/* Foreign authserv-ids are not read, whatever they claim. */
	dkim_expect("Authentication-Results: mx.attacker.example; dkim=pass"
	    " header.d=mail.sender.example\n", DKIM_UNTRUSTED, NULL);
	dkim_expect("Authentication-Results: mx.example.net.attacker.example;"
	    " dkim=pass header.d=mail.sender.example\n", DKIM_UNTRUSTED, NULL);
	/* Stripped: no field at all. */
	dkim_expect("", DKIM_UNTRUSTED, NULL);
	/* Our verifier saw no signature. */
	dkim_expect("Authentication-Results: mx.example.net; none\n",
	    DKIM_NONE, NULL);
	dkim_expect("Authentication-Results: mx.example.net; dkim=none\n",
	    DKIM_NONE, NULL);
	dkim_expect("Authentication-Results: mx.example.net; spf=pass"
	    " smtp.mailfrom=mail.sender.example\n", DKIM_NONE, NULL);
	/* Malformed fields end where they stop parsing. */
	dkim_expect("Authentication-Results: ;;;==(\n", DKIM_UNTRUSTED, NULL);
	dkim_expect("Authentication-Results: mx.example.net; dkim=pass ="
	    " header.d=mail.sender.example ) x=\n", DKIM_PASS,
	    "mail.sender.example");

	/* Nothing trusted: nothing read. */
	g_assert_cmpint(dkim_verdict("Authentication-Results: mx.example.net;"
	    " dkim=pass header.d=mail.sender.example\n", NULL, NULL, &domain,
	    &reason), ==, DKIM_UNTRUSTED);
	g_clear_pointer(&domain, g_free);
	g_clear_pointer(&reason, g_free);

	/* A fail names the reporter's own signature, with the verifier's
	 * reason, before another domain's. */
	g_assert_cmpint(dkim_verdict("Authentication-Results: mx.example.net;"
	    " dkim=pass header.d=esp.example; dkim=fail reason=\"bad\x1b[2J\""
	    " header.d=mail.sender.example\n", NULL, trusted_ids, &domain,
	    &reason), ==, DKIM_FAIL);
	g_assert_cmpstr(domain, ==, "mail.sender.example");
	g_assert_cmpstr(reason, ==, "dkim=fail (bad\\x1b[2J) for "
	    "'mail.sender.example' by mx.example.net");
	g_clear_pointer(&domain, g_free);
	g_clear_pointer(&reason, g_free);

	/* Without TLS-Report-Submitter, the From address's domain. */
	g_assert_cmpint(dkim_verdict("Authentication-Results: mx.example.net;"
	    " dkim=pass header.d=reporter.example\n",
	    "From: TLS Reports <tls-reports@reporter.example>\n"
	    "Message-ID: <from-1@reporter.example>\nMIME-Version: 1.0\n",
	    trusted_ids, &domain, &reason), ==, DKIM_PASS);
	g_assert_cmpstr(domain, ==, "reporter.example");
	g_clear_pointer(&domain, g_free);
	g_clear_pointer(&reason, g_free);
}

/* test_require - --require-dkim refuses anything but a pass, saying what
 * the verifier said; the verdict is kept either way */
static void
test_require(void)
{
	static const char bare_json[] = "{}";
	PolicyOptions options = { .trusted_authserv_ids = trusted_ids,
	    .require_dkim = TRUE };
	PolicyVerdict verdict = { 0 };
	g_autoptr(GBytes) bare_input = g_bytes_new_static(bare_json, 2);
	g_autoptr(Message) bare = message_new();
	g_autoptr(Message) forged = message_of("Authentication-Results:"
	    " mx.example.net; dkim=pass header.d=evil.example\n", NULL);
	g_autoptr(Message) signed_ = message_of("Authentication-Results:"
	    " mx.example.net; dkim=pass header.d=mail.sender.example\n", NULL);
	g_autoptr(Report) report = report_about("example.net", NULL);
	g_autoptr(GError) error = NULL;

	/* A bare report carries no signature. */
	g_assert_true(message_parse(bare, bare_input, &error));
	g_assert_false(policy_judge(&options, bare, NULL, report, &verdict, &error));
	g_assert_error(error, TLSRPT_ERROR, ERROR_FOREIGN);
	g_assert_cmpstr(error->message, ==,
	    "not DKIM-signed by its reporter: a bare report, not a message");
	g_assert_cmpint(verdict.dkim, ==, DKIM_UNKNOWN);
	g_assert_null(policy_dkim_name(verdict.dkim));
	g_clear_error(&error);

	g_assert_false(policy_judge(&options, forged, NULL, report, &verdict, &error));
	g_assert_error(error, TLSRPT_ERROR, ERROR_FOREIGN);
	g_assert_cmpstr(error->message, ==, "not DKIM-signed by its "
	    "reporter: dkim=pass for 'evil.example' by mx.example.net, "
	    "not a pass for the reporting domain 'mail.sender.example'");
	g_assert_cmpstr(policy_dkim_name(verdict.dkim), ==, "fail");
	g_assert_cmpstr(verdict.dkim_domain, ==, "evil.example");
	g_clear_error(&error);

	/* Judged again, the old verdict goes. */
	g_assert_true(policy_judge(&options, signed_, NULL, report, &verdict, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(policy_dkim_name(verdict.dkim), ==, "pass");
	g_assert_cmpstr(verdict.dkim_reason, ==,
	    "dkim=pass for 'mail.sender.example' by mx.example.net");
	g_assert_cmpstr(verdict.dkim_verifier, ==, "mx.example.net");
	policy_verdict_clear(&verdict);
	policy_verdict_clear(&verdict);
	g_assert_null(verdict.dkim_reason);
}

/* test_accept_domains - the accept-list: patterns, matches, refusals */
static void
test_accept_domains(void)
{
	static const char *const ours[] = { "Example.ORG.", "*.example.net", NULL };
	static const char *const none[] = { NULL };
	static const char *const valid[] = { "example.org", "*.example.org",
	    "xn--bcher-kva.example", "_smtp.example.org", "example.org.", "localhost" };
	static const char *const invalid[] = { "", "*", "*.", "a..b", ".example.org",
	    "ex ample.org", "*example.org", "example.*.org", "a.*", "exa!mple.org",
	    "b\xc3\xbc" "cher.example" };
	static const struct {
		const char	*domain;
		gboolean	 accepted;
	} cases[] = {
		{ "example.org", TRUE },
		{ "EXAMPLE.org.", TRUE },
		{ "mx.example.org", FALSE },	/* not below a bare name */
		{ "example.net", FALSE },	/* not the name of a wildcard */
		{ "mail.example.net", TRUE },
		{ "a.b.example.net", TRUE },
		{ "badexample.net", FALSE },
		{ "example.org.evil.example", FALSE },
		/* Below a wildcard only a domain name: no empty label, no
		 * wildcard or space of a report's own. */
		{ "a..example.net", FALSE },
		{ ".example.net", FALSE },
		{ "*.example.net", FALSE },
		{ "a b.example.net", FALSE },
	};
	g_autoptr(Message) message = message_of("", NULL);
	PolicyOptions options = { .accept_domains = ours };
	PolicyOptions everyone = { 0 };
	PolicyOptions no_one = { .accept_domains = none };
	PolicyVerdict verdict = { 0 };
	GError	*error = NULL;
	guint	i;

	for (i = 0; i < G_N_ELEMENTS(valid); i++)
		g_assert_true(policy_domain_pattern_valid(valid[i]));
	for (i = 0; i < G_N_ELEMENTS(invalid); i++)
		g_assert_false(policy_domain_pattern_valid(invalid[i]));

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(Report) report = report_about(cases[i].domain, NULL);
		gboolean ok = policy_judge(&options, message, NULL, report, &verdict, &error);

		g_test_message("%s", cases[i].domain);
		g_assert_cmpint(ok, ==, cases[i].accepted);
		if (ok) {
			g_assert_no_error(error);
		} else {
			g_autofree char *expected = g_strdup_printf(
			    "policy domain '%s' is not one of ours", cases[i].domain);

			g_assert_error(error, TLSRPT_ERROR, ERROR_FOREIGN);
			g_assert_cmpstr(error->message, ==, expected);
			g_clear_error(&error);
		}
		/* No list: every report. */
		g_assert_true(policy_judge(&everyone, message, NULL, report, &verdict, NULL));
		g_assert_true(policy_judge(&no_one, message, NULL, report, &verdict, NULL));
	}

	/* Every policy must be ours, and have a domain to tell. */
	{
		g_autoptr(Report) both = report_about("example.org", "other.example");
		g_autoptr(Report) nameless = report_about(NULL, NULL);

		g_assert_false(policy_judge(&options, message, NULL, both, &verdict, &error));
		g_assert_error(error, TLSRPT_ERROR, ERROR_FOREIGN);
		g_assert_cmpstr(error->message, ==,
		    "policy domain 'other.example' is not one of ours");
		g_clear_error(&error);
		g_assert_false(policy_judge(&options, message, NULL, nameless, &verdict, &error));
		g_assert_error(error, TLSRPT_ERROR, ERROR_FOREIGN);
		g_assert_cmpstr(error->message, ==, "policies[0].policy.policy-domain: "
		    "missing, and only reports about our domains are stored");
		g_clear_error(&error);
	}
	/* A hostile domain is quoted safe for the log line. */
	{
		g_autoptr(Report) hostile = report_about("x.example\\u001b[2J", NULL);

		g_assert_false(policy_judge(&options, message, NULL, hostile, &verdict, &error));
		/* Lower-cased by the report stage, as every policy domain. */
		g_assert_cmpstr(error->message, ==,
		    "policy domain 'x.example\\x1b[2j' is not one of ours");
		g_clear_error(&error);
	}
	policy_verdict_clear(&verdict);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/policy/dkim", test_dkim);
	g_test_add_func("/policy/require-dkim", test_require);
	g_test_add_func("/policy/accept-domains", test_accept_domains);
	return g_test_run();
}
