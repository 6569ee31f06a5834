/* test-digest.c - the digest's Subject in a few words, and the message
 * GMime composes: its headers, its parts, and no header that a report's
 * text could add */
#include "config.h"

#include <string.h>

#include <gmime/gmime.h>

#include "common/error.h"
#include "report/digest.h"

static const CheckOptions defaults = {
	.warning = 1,
	.critical = 5,
	.rise = 2,
	.rise_points = 1,
	.silence = 3,
};

/* assert_subject - the Subject of check about domain (NULL: all) */
static void
assert_subject(const Check *check, const char *domain, const char *expected)
{
	Period period;
	g_autofree char *subject = NULL;

	g_assert_true(period_init(&period, NULL, "2026-11-30", 3, 28, NULL));
	subject = digest_subject(check, &period, domain);
	g_assert_cmpstr(subject, ==, expected);
}

/* test_subject - the state in a few words */
static void
test_subject(void)
{
	g_autoptr(Check) clear = check_new(&defaults);
	g_autoptr(Check) one = check_new(&defaults);
	g_autoptr(Check) several = check_new(&defaults);
	g_autoptr(Check) silent = check_new(&defaults);
	g_autoptr(Check) none = check_new(&defaults);
	g_autoptr(Summary) summary = NULL;
	const SummaryIncident *expired;
	Period period;

	g_assert_true(period_init(&period, NULL, "2026-11-30", 3, 28, NULL));
	summary = summary_new(&period, NULL);
	expired = summary_add_incident(summary_domain(summary, "example.org"),
	    FALSE, "certificate-expired", "mx2.example.org", "2026-11-28",
	    "2026-11-30", 1268, 2, TRUE, TRUE);

	check_add_domain(clear, "example.org", 1000, 0, 0, 0, NULL);
	assert_subject(clear, NULL, "TLS reports for example.org: all clear");
	assert_subject(clear, "example.org", "TLS reports for example.org: all clear");

	check_add_domain(one, "example.org", 1746, 1268, 0, 0, expired);
	assert_subject(one, "example.org", "TLS reports for example.org: "
	    "certificate-expired on mx2.example.org since 2026-11-28");

	check_add_domain(several, "example.net", 989, 11, 0, 0, NULL);
	check_add_domain(several, "example.org", 1746, 1268, 0, 0, expired);
	check_add_domain(several, "example.com", 1000, 0, 0, 0, NULL);
	assert_subject(several, NULL, "TLS reports for 3 domains: example.org: "
	    "certificate-expired on mx2.example.org since 2026-11-28 (and 1 more)");

	check_add_domain(silent, "example.org", 100, 0, 100, 0, NULL);
	check_add_reporter(silent, "Faded", "example.org", 5, "2026-11-17", 13, 4);
	assert_subject(silent, NULL, "TLS reports for example.org: no report "
	    "from Faded about example.org since 2026-11-17");

	assert_subject(none, "example.org", "TLS reports for example.org: no "
	    "reports in the last 31 days");
}

/* compose - the message of a digest with that Subject, parsed back by
 * GMime; owned */
static GMimeMessage *
compose(const char *subject, const char *text, const char *html)
{
	static const char *const to[] = { "postmaster@example.org",
	    "Hostmaster <hostmaster@example.org>", NULL };
	DigestMessage m = {
		.from = "TLS reports <tlsrpt@example.org>",
		.to = to,
		.subject = subject,
		.text = text,
		.html = html,
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes = digest_compose(&m, &error);
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *message;

	g_assert_no_error(error);
	stream = g_mime_stream_mem_new_with_buffer(g_bytes_get_data(bytes, NULL),
	    g_bytes_get_size(bytes));
	parser = g_mime_parser_new_with_stream(stream);
	message = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	g_assert_nonnull(message);
	return message;
}

/* test_compose - headers, parts, and the To: of every --to */
static void
test_compose(void)
{
	GMimeMessage *message = compose("TLS reports for example.org: all clear",
	    "all clear\n", "<!DOCTYPE html><p>all clear</p>\n");
	GMimeObject *body = g_mime_message_get_mime_part(message);
	g_autofree char *to = internet_address_list_to_string(
	    g_mime_message_get_addresses(message, GMIME_ADDRESS_TYPE_TO), NULL, FALSE);

	g_assert_cmpstr(g_mime_message_get_subject(message), ==,
	    "TLS reports for example.org: all clear");
	g_assert_cmpstr(to, ==, "postmaster@example.org, Hostmaster "
	    "<hostmaster@example.org>");
	g_assert_cmpstr(g_mime_object_get_header(GMIME_OBJECT(message),
	    "Auto-Submitted"), ==, "auto-generated");
	g_assert_nonnull(g_mime_message_get_date(message));
	g_assert_nonnull(g_mime_message_get_message_id(message));
	g_assert_true(GMIME_IS_MULTIPART(body));
	g_assert_cmpstr(g_mime_content_type_get_media_subtype(
	    g_mime_object_get_content_type(body)), ==, "alternative");
	g_assert_cmpint(g_mime_multipart_get_count(GMIME_MULTIPART(body)), ==, 2);
	g_assert_cmpstr(g_mime_content_type_get_media_subtype(
	    g_mime_object_get_content_type(g_mime_multipart_get_part(
	    GMIME_MULTIPART(body), 0))), ==, "plain");
	g_assert_cmpstr(g_mime_content_type_get_media_subtype(
	    g_mime_object_get_content_type(g_mime_multipart_get_part(
	    GMIME_MULTIPART(body), 1))), ==, "html");
	g_object_unref(message);
}

/* test_injection - a line break in what a report wrote cannot start a
 * header of its own, nor the body */
static void
test_injection(void)
{
	GMimeMessage *message = compose("TLS reports for x.example\r\nBcc: "
	    "evil@example.net\n\nbody", "text\n", "<p>html</p>\n");

	g_assert_cmpint(internet_address_list_length(g_mime_message_get_addresses(
	    message, GMIME_ADDRESS_TYPE_BCC)), ==, 0);
	g_assert_null(g_mime_object_get_header(GMIME_OBJECT(message), "Bcc"));
	g_assert_cmpstr(g_mime_message_get_subject(message), ==,
	    "TLS reports for x.example\\x0d\\x0aBcc: evil@example.net\\x0a\\x0abody");
	g_object_unref(message);
}

/* test_long - a Subject is cut at DIGEST_SUBJECT_MAX bytes, on a character */
static void
test_long(void)
{
	g_autoptr(GString) subject = g_string_new("TLS reports for ");
	GMimeMessage *message;
	const char *got;

	while (subject->len < 3 * DIGEST_SUBJECT_MAX)
		g_string_append(subject, "ü");
	message = compose(subject->str, "text\n", "<p>html</p>\n");
	got = g_mime_message_get_subject(message);
	g_assert_true(g_utf8_validate(got, -1, NULL));
	g_assert_cmpuint(strlen(got), <=, DIGEST_SUBJECT_MAX + 3);
	g_assert_true(g_str_has_suffix(got, "..."));
	g_object_unref(message);
}

/* test_bad_address - an address that does not parse is a usage error */
static void
test_bad_address(void)
{
	static const char *const to[] = { "not an address <", NULL };
	DigestMessage m = { .to = to, .subject = "s", .text = "t", .html = "h" };
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes = digest_compose(&m, &error);

	g_assert_null(bytes);
	g_assert_error(error, TLSRPT_ERROR, ERROR_USAGE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/digest/subject", test_subject);
	g_test_add_func("/digest/compose", test_compose);
	g_test_add_func("/digest/injection", test_injection);
	g_test_add_func("/digest/long", test_long);
	g_test_add_func("/digest/bad-address", test_bad_address);
	return g_test_run();
}
