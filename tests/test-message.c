/* test-message.c - finding the report part: corpus and hand-made shapes
 *
 * Every message of the shared corpus must give up its report; our own
 * fixtures, written below, cover each shape real reporters, gateways and
 * forwarders produce and each kind of mail that must be refused, with the
 * exact reason.  The corpus is read from $TI_CORPUS, never copied.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "common/error.h"
#include "corpus.h"
#include "ingest/message.h"

/* gzip (mtime 0) of JSON_TEXT "\n": 75 bytes */
#define GZIP_B64 \
	"H4sIAAAAAAACA6tWyi9KT8zLrEosyczP081LzE1VslJyy6woKS1KVfDMS9ZT0lEqSi3ILyrRzUwBSqVBpHQNlWq5ABbXdSs9AAAA"
#define JSON_TEXT \
	"{\"organization-name\":\"Fixture Inc.\",\"report-id\":\"fixture-1\"}"
/* base64 of JSON_TEXT "\n" */
#define JSON_B64 \
	"eyJvcmdhbml6YXRpb24tbmFtZSI6IkZpeHR1cmUgSW5jLiIsInJlcG9ydC1pZCI6ImZpeHR1cmUtMSJ9Cg=="

#define REPORT_NAME	"mail.sender.example!example.net!1494288000!1494374399!001.json.gz"

/* The headers of a well-behaved report, folded Subject included. */
#define REPORT_HEADERS \
	"From: tlsrpt@mail.sender.example\n" \
	"Date: Tue, 09 May 2017 16:54:30 -0800\n" \
	"To: tlsrpt@example.net\n" \
	"Subject: Report Domain: example.net\n" \
	" Submitter: mail.sender.example\n" \
	" Report-ID: <735ff.e317+bf22029@example.net>\n" \
	"TLS-Report-Domain: example.net\n" \
	"TLS-Report-Submitter: mail.sender.example\n" \
	"Message-ID: <fixture-1@mail.sender.example>\n" \
	"MIME-Version: 1.0\n"

#define TEXT_PART \
	"--b1\n" \
	"Content-Type: text/plain; charset=us-ascii\n" \
	"\n" \
	"This is an aggregate TLS report from mail.sender.example\n" \
	"\n"

#define GZIP_PART \
	"--b1\n" \
	"Content-Type: application/tlsrpt+gzip\n" \
	"Content-Transfer-Encoding: base64\n" \
	"Content-Disposition: attachment;\n" \
	"\tfilename=\"" REPORT_NAME "\"\n" \
	"\n" \
	GZIP_B64 "\n" \
	"\n"

/* RFC 8460 5.3, as the RFC's example has it. */
static const char fix_rfc[] =
	REPORT_HEADERS
	"Content-Type: multipart/report; report-type=\"tlsrpt\";\n"
	"\tboundary=\"b1\"\n"
	"\n"
	"This is a multipart message in MIME format.\n"
	"\n"
	TEXT_PART
	GZIP_PART
	"--b1--\n";

/* Google and Microsoft: report-type unquoted, after the boundary. */
static const char fix_unquoted[] =
	REPORT_HEADERS
	"Content-Type: multipart/report; boundary=\"b1\"; report-type=tlsrpt\n"
	"\n"
	TEXT_PART
	GZIP_PART
	"--b1--\n";

/* Some reporters never heard of multipart/report. */
static const char fix_mixed[] =
	REPORT_HEADERS
	"Content-Type: multipart/mixed; boundary=b1\n"
	"\n"
	TEXT_PART
	GZIP_PART
	"--b1--\n";

/* Mail.ru: the closing boundary never comes. */
static const char fix_unterminated[] =
	REPORT_HEADERS
	"Content-Type: multipart/report; report-type=\"tlsrpt\"; boundary=\"b1\"\n"
	"\n"
	TEXT_PART
	"--b1\n"
	"Content-Type: application/tlsrpt+gzip;\n"
	"\tname=\"" REPORT_NAME "\"\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	GZIP_B64 "\n";

/* Microsoft: text/html first, file name in Content-Description too. */
static const char fix_html_first[] =
	REPORT_HEADERS
	"Content-Type: multipart/report;\n"
	"\tboundary=\"b1\"; report-type=tlsrpt\n"
	"\n"
	"--b1\n"
	"Content-Type: text/html; charset=\"us-ascii\"\n"
	"Content-Transfer-Encoding: quoted-printable\n"
	"\n"
	"<div style=3D\"font-family:sans-serif\">This is an aggregate TLS report=\n"
	" from microsoft.com</div>\n"
	"\n"
	"--b1\n"
	"Content-Type: application/tlsrpt+gzip\n"
	"Content-Description:\n"
	" " REPORT_NAME "\n"
	"Content-Disposition: attachment;\n"
	"\tfilename=\"" REPORT_NAME "\"\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	GZIP_B64 "\n"
	"\n"
	"--b1--\n";

#define MULTIPART_BODY \
	"Content-Type: multipart/report; report-type=tlsrpt; boundary=\"b1\"\n" \
	"\n" \
	TEXT_PART \
	GZIP_PART \
	"--b1--\n"

/* IMAP exports and mail stores put their own headers first. */
static const char fix_mozilla[] =
	"X-Mozilla-Status: 0001\n"
	"X-Mozilla-Status2: 00000000\n"
	"X-Mozilla-Keys:                                                                                 \n"
	REPORT_HEADERS
	MULTIPART_BODY;

static const char fix_mox[] =
	"X-Mox-Reason: no-bad-signals\n"
	REPORT_HEADERS
	MULTIPART_BODY;

/* procmail and pipe(8) with flag F deliver an mbox "From " line. */
static const char fix_mbox_from[] =
	"From tlsrpt@mail.sender.example  Tue May  9 16:54:30 2017\n"
	REPORT_HEADERS
	MULTIPART_BODY;

/* The report as plain JSON in quoted-printable, soft breaks and all. */
static const char fix_qp_json[] =
	REPORT_HEADERS
	"Content-Type: multipart/report; report-type=tlsrpt; boundary=\"b1\"\n"
	"\n"
	TEXT_PART
	"--b1\n"
	"Content-Type: application/tlsrpt+json\n"
	"Content-Transfer-Encoding: quoted-printable\n"
	"\n"
	"{\"organization-name\":\"Fixture Inc.\",\"report-id\":=\n"
	"\"fixture-1\",\"note\":\"a=3Db\"}\n"
	"\n"
	"--b1--\n";

/* 8bit JSON, UTF-8 unencoded. */
static const char fix_8bit_json[] =
	REPORT_HEADERS
	"Content-Type: multipart/report; report-type=tlsrpt; boundary=\"b1\"\n"
	"\n"
	TEXT_PART
	"--b1\n"
	"Content-Type: application/tlsrpt+json; charset=utf-8\n"
	"Content-Transfer-Encoding: 8bit\n"
	"\n"
	"{\"organization-name\":\"F\xc3\xafxture Inc.\",\"report-id\":\"fixture-1\"}\n"
	"\n"
	"--b1--\n";

static const char fix_7bit_json[] =
	REPORT_HEADERS
	"Content-Type: multipart/report; report-type=tlsrpt; boundary=\"b1\"\n"
	"\n"
	TEXT_PART
	"--b1\n"
	"Content-Type: application/tlsrpt+json\n"
	"Content-Transfer-Encoding: 7bit\n"
	"\n"
	JSON_TEXT "\n"
	"\n"
	"--b1--\n";

static const char fix_base64_json[] =
	REPORT_HEADERS
	"Content-Type: multipart/report; report-type=tlsrpt; boundary=\"b1\"\n"
	"\n"
	TEXT_PART
	"--b1\n"
	"Content-Type: application/tlsrpt+json\n"
	"Content-Transfer-Encoding: BASE64\n"
	"\n"
	JSON_B64 "\n"
	"\n"
	"--b1--\n";

/* Stalwart's fixture: bare application/tlsrpt, raw JSON, no encoding. */
static const char fix_tlsrpt_raw[] =
	REPORT_HEADERS
	"Content-Type: multipart/report; report-type=tlsrpt; boundary=\"b1\"\n"
	"\n"
	TEXT_PART
	"--b1\n"
	"Content-Type: application/tlsrpt\n"
	"Content-Disposition: attachment;\n"
	"    filename=\"x!example.net!1!2.json\"\n"
	"\n"
	"{\n"
	"    \"organization-name\": \"Fixture Inc.\",\n"
	"    \"report-id\": \"fixture-1\"\n"
	"}\n"
	"\n"
	"--b1--\n";

/* A generic type and an RFC 2231 file name: the name decides. */
static const char fix_rfc2231[] =
	REPORT_HEADERS
	"Content-Type: multipart/mixed; boundary=\"b1\"\n"
	"\n"
	TEXT_PART
	"--b1\n"
	"Content-Type: application/octet-stream\n"
	"Content-Disposition: attachment;\n"
	" filename*=UTF-8''google.com%21example.net%211%212%21001.json.gz\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	GZIP_B64 "\n"
	"--b1--\n";

/* RFC 2231 continuations, with a charset in the first section only. */
static const char fix_rfc2231_continued[] =
	REPORT_HEADERS
	"Content-Type: multipart/mixed; boundary=\"b1\"\n"
	"\n"
	TEXT_PART
	"--b1\n"
	"Content-Type: application/octet-stream\n"
	"Content-Disposition: attachment;\n"
	" filename*0*=UTF-8''r%C3%A9sum%C3%A9!example.net;\n"
	" filename*1=\"!1!2.json.gz\"\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	GZIP_B64 "\n"
	"--b1--\n";

/* Only a Content-Type name, with the trailing blanks folding leaves. */
static const char fix_ct_name[] =
	REPORT_HEADERS
	"Content-Type: multipart/mixed; boundary=\"b1\"\n"
	"\n"
	TEXT_PART
	"--b1\n"
	"Content-Type: application/octet-stream; \n"
	"\tname=\"report.JSON\"   \n"
	"\n"
	JSON_TEXT "\n"
	"--b1--\n";

/* Only a Content-Description holds the name. */
static const char fix_description_name[] =
	REPORT_HEADERS
	"Content-Type: multipart/mixed; boundary=\"b1\"\n"
	"\n"
	TEXT_PART
	"--b1\n"
	"Content-Type: application/x-download\n"
	"Content-Description:\n"
	" " REPORT_NAME "\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	GZIP_B64 "\n"
	"--b1--\n";

/* A report forwarded as an attachment: the inner headers count. */
static const char fix_forwarded[] =
	"From: Postmaster <postmaster@example.net>\n"
	"To: tlsrpt@example.net\n"
	"Subject: Fwd: TLS report\n"
	"Message-ID: <forward-1@example.net>\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=\"outer\"\n"
	"\n"
	"--outer\n"
	"Content-Type: text/plain\n"
	"\n"
	"See the attached report.\n"
	"\n"
	"--outer\n"
	"Content-Type: message/rfc822\n"
	"Content-Disposition: attachment\n"
	"\n"
	REPORT_HEADERS
	"Content-Type: multipart/report; report-type=\"tlsrpt\"; boundary=\"b1\"\n"
	"\n"
	TEXT_PART
	GZIP_PART
	"--b1--\n"
	"\n"
	"--outer--\n";

/* The report is the whole message. */
static const char fix_whole_gzip[] =
	REPORT_HEADERS
	"Content-Type: application/tlsrpt+gzip;\n"
	"\tname=\"" REPORT_NAME "\"\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	GZIP_B64 "\n";

static const char fix_whole_text[] =
	REPORT_HEADERS
	"Content-Type: text/plain; charset=utf-8\n"
	"\n"
	JSON_TEXT "\n";

/* Mixed-case media type. */
static const char fix_type_case[] =
	REPORT_HEADERS
	"Content-Type: Multipart/Report; Report-Type=TLSRPT; Boundary=\"b1\"\n"
	"\n"
	TEXT_PART
	"--b1\n"
	"Content-Type: Application/TLSRPT+GZIP\n"
	"Content-Transfer-Encoding: Base64\n"
	"\n"
	GZIP_B64 "\n"
	"--b1--\n";

/* Rank order: type beats name beats content, whatever comes first. */
#define SNIFFED_PART \
	"--b1\n" \
	"Content-Type: application/octet-stream\n" \
	"Content-Transfer-Encoding: base64\n" \
	"\n" \
	GZIP_B64 "\n"
#define NAMED_PART \
	"--b1\n" \
	"Content-Type: application/json; name=\"named.json\"\n" \
	"\n" \
	JSON_TEXT "\n"
#define TYPED_PART \
	"--b1\n" \
	"Content-Type: application/tlsrpt+json\n" \
	"\n" \
	JSON_TEXT "\n"

static const char fix_rank_all[] =
	REPORT_HEADERS
	"Content-Type: multipart/mixed; boundary=\"b1\"\n"
	"\n"
	TEXT_PART SNIFFED_PART NAMED_PART TYPED_PART
	"--b1--\n";

static const char fix_rank_name[] =
	REPORT_HEADERS
	"Content-Type: multipart/mixed; boundary=\"b1\"\n"
	"\n"
	TEXT_PART SNIFFED_PART NAMED_PART
	"--b1--\n";

static const char fix_rank_content[] =
	REPORT_HEADERS
	"Content-Type: multipart/mixed; boundary=\"b1\"\n"
	"\n"
	TEXT_PART SNIFFED_PART
	"--b1--\n";

/* Labelled gzip, holding plain JSON: handed over as it is. */
static const char fix_gzip_label_json[] =
	REPORT_HEADERS
	"Content-Type: multipart/mixed; boundary=\"b1\"\n"
	"\n"
	TEXT_PART
	"--b1\n"
	"Content-Type: application/x-gzip\n"
	"\n"
	"\xef\xbb\xbf" JSON_TEXT "\n"
	"--b1--\n";

/* --- refusals ---------------------------------------------------------- */

static const char fix_spam[] =
	"From: Prince <prince@example.org>\n"
	"To: tlsrpt@example.net\n"
	"Subject: Urgent business proposal\n"
	"Message-ID: <spam-1@example.org>\n"
	"\n"
	"Dear friend, {I have a proposal} for you.\n";

static const char fix_text_only[] =
	"From: someone@example.org\n"
	"Subject: hello\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/alternative; boundary=\"b1\"\n"
	"\n"
	"--b1\n"
	"Content-Type: text/plain\n"
	"\n"
	"hello\n"
	"--b1\n"
	"Content-Type: text/html\n"
	"\n"
	"<p>hello</p>\n"
	"--b1--\n";

/* A JSON text part inside a multipart is a human part, not the report. */
static const char fix_json_text_part[] =
	"From: someone@example.org\n"
	"Subject: look at this\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=\"b1\"\n"
	"\n"
	"--b1\n"
	"Content-Type: text/plain\n"
	"\n"
	JSON_TEXT "\n"
	"--b1--\n";

static const char fix_many_types[] =
	"From: someone@example.org\n"
	"Subject: holiday pictures\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=\"b1\"\n"
	"\n"
	"--b1\n"
	"Content-Type: multipart/alternative; boundary=\"b2\"\n"
	"\n"
	"--b2\n"
	"Content-Type: text/plain\n"
	"\n"
	"hello\n"
	"--b2\n"
	"Content-Type: text/html\n"
	"\n"
	"<p>hello</p>\n"
	"--b2--\n"
	"--b1\n"
	"Content-Type: image/png; name=\"a.png\"\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"iVBORw0KGgo=\n"
	"--b1\n"
	"Content-Type: image/png; name=\"b.png\"\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"iVBORw0KGgo=\n"
	"--b1\n"
	"Content-Type: application/pdf\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"JVBERi0xLjQK\n"
	"--b1\n"
	"Content-Type: audio/ogg\n"
	"\n"
	"OggS\n"
	"--b1\n"
	"Content-Type: video/mp4\n"
	"\n"
	"....\n"
	"--b1--\n";

#define DMARC_HEADERS \
	"From: noreply-dmarc-support@google.com\n" \
	"To: dmarc@example.net\n" \
	"Subject: Report domain: example.net Submitter: google.com Report-ID: 1\n" \
	"MIME-Version: 1.0\n" \
	"Content-Type: multipart/mixed; boundary=\"b1\"\n" \
	"\n" \
	"--b1\n" \
	"Content-Type: text/plain\n" \
	"\n" \
	"This is an aggregate report from google.com.\n" \
	"\n"

/* gzip (mtime 0) of '<?xml version="1.0"?><feedback/>' "\n" */
#define XML_GZIP_B64 \
	"H4sIAAAAAAACA7Oxr8jNUShLLSrOzM+zVTLUM1Cyt7NJS01NSUpMzta34wIA2IG1mSEAAAA="

static const char fix_dmarc_xml_gz[] =
	DMARC_HEADERS
	"--b1\n"
	"Content-Type: application/gzip;\n"
	"\tname=\"google.com!example.net!1!2.xml.gz\"\n"
	"Content-Disposition: attachment;\n"
	"\tfilename=\"google.com!example.net!1!2.xml.gz\"\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	XML_GZIP_B64 "\n"
	"--b1--\n";

/* A DMARC report whose .xml part is even labelled as a TLS report. */
static const char fix_dmarc_mislabelled[] =
	DMARC_HEADERS
	"--b1\n"
	"Content-Type: application/tlsrpt+gzip; name=\"report.XML\"\n"
	"\n"
	"<?xml version=\"1.0\"?><feedback/>\n"
	"--b1--\n";

/* --- helpers ----------------------------------------------------------- */

/* locate - message_parse on input; owned, or NULL with error */
static Message *
locate(GBytes *input, GError **error)
{
	Message	*message = message_new();

	if (!message_parse(message, input, error))
		g_clear_pointer(&message, message_free);
	return message;
}

/* find - locate on text, which must succeed; owned */
static Message *
find(const char *text, gsize len)
{
	g_autoptr(GBytes) input = g_bytes_new(text, len);
	g_autoptr(GError) error = NULL;
	Message	*message = locate(input, &error);

	g_assert_no_error(error);
	g_assert_nonnull(message);
	g_assert_nonnull(message->payload);
	g_assert_cmpuint(g_bytes_get_size(message->payload), >, 0);
	g_assert_nonnull(message->payload_desc);
	return message;
}

/* find_str - find() on a NUL-terminated string */
static Message *
find_str(const char *text)
{
	return find(text, strlen(text));
}

/* refuse - locate on text, which must fail with reason */
static void
refuse(const char *text, gsize len, const char *reason)
{
	g_autoptr(GBytes) input = g_bytes_new(text, len);
	g_autoptr(GError) error = NULL;
	Message	*message = locate(input, &error);

	g_assert_null(message);
	g_assert_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT);
	g_assert_cmpstr(error->message, ==, reason);
}

/* refuse_str - refuse() on a NUL-terminated string */
static void
refuse_str(const char *text, const char *reason)
{
	refuse(text, strlen(text), reason);
}

/* to_crlf - text with every LF made CRLF; owned */
static char *
to_crlf(const char *text)
{
	GString	*out = g_string_new(NULL);

	for (; *text != '\0'; text++) {
		if (*text == '\n')
			g_string_append_c(out, '\r');
		g_string_append_c(out, *text);
	}
	return g_string_free(out, FALSE);
}

/* assert_gzip_payload - the payload is exactly our fixture gzip */
static void
assert_gzip_payload(const Message *message)
{
	gsize	len;
	g_autofree guint8 *gzip = g_base64_decode(GZIP_B64, &len);
	g_autoptr(GBytes) expected = g_bytes_new(gzip, len);

	g_assert_true(g_bytes_equal(message->payload, expected));
}

/* assert_payload_text - the payload is text, leading and trailing white
 * space aside (MIME keeps the line break before a boundary) */
static void
assert_payload_text(const Message *message, const char *text)
{
	gsize	len;
	const char *data = g_bytes_get_data(message->payload, &len);
	g_autofree char *copy = g_strndup(data, len);

	g_assert_cmpuint(strlen(copy), ==, len);
	g_assert_cmpstr(g_strstrip(copy), ==, text);
}

/* assert_report_headers - the headers of REPORT_HEADERS, decoded */
static void
assert_report_headers(const Message *message)
{
	g_assert_cmpstr(message->message_id, ==, "fixture-1@mail.sender.example");
	g_assert_cmpstr(message->from, ==, "tlsrpt@mail.sender.example");
	g_assert_cmpstr(message->report_domain, ==, "example.net");
	g_assert_cmpstr(message->report_submitter, ==, "mail.sender.example");
}

/* assert_no_headers - a bare report has no headers */
static void
assert_no_headers(const Message *message)
{
	g_assert_null(message->message_id);
	g_assert_null(message->from);
	g_assert_null(message->report_domain);
	g_assert_null(message->report_submitter);
	g_assert_true(message->bare);
	g_assert_null(message->auth_results);
}

/* zip_local - a zip archive's first local header naming member, plus
 * a few bytes; owned, length in *len */
static guint8 *
zip_local(const char *member, gsize *len)
{
	gsize	name_len = strlen(member);
	guint8	*zip = g_malloc0(30 + name_len + 8);

	memcpy(zip, "PK\x03\x04\x14\x00\x00\x00\x08\x00", 10);
	zip[26] = name_len & 0xff;
	zip[27] = name_len >> 8;
	memcpy(zip + 30, member, name_len);
	memcpy(zip + 30 + name_len, "\x03\x00\x00\x00\x00\x00\x00\x00", 8);
	*len = 30 + name_len + 8;
	return zip;
}

/* dmarc_zip_mail - a DMARC report mail with a zip part; owned */
static char *
dmarc_zip_mail(const char *content_type, const char *disposition,
    const char *member)
{
	gsize	len;
	g_autofree guint8 *zip = zip_local(member, &len);
	g_autofree char *b64 = g_base64_encode(zip, len);

	return g_strdup_printf(DMARC_HEADERS
	    "--b1\n"
	    "Content-Type: %s\n"
	    "%s"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "%s\n"
	    "--b1--\n", content_type, disposition, b64);
}

/* --- the shapes reports arrive in -------------------------------------- */

/* assert_rfc_shape - what fix_rfc yields, whatever its line endings */
static void
assert_rfc_shape(const Message *message)
{
	assert_report_headers(message);
	assert_gzip_payload(message);
	g_assert_cmpstr(message->payload_desc, ==,
	    "application/tlsrpt+gzip part '" REPORT_NAME "'");
}

/* test_rfc - the RFC 8460 shape, every header decoded */
static void
test_rfc(void)
{
	g_autoptr(Message) message = find_str(fix_rfc);

	assert_rfc_shape(message);
}

/* test_crlf - the same message with CRLF line endings */
static void
test_crlf(void)
{
	g_autofree char *crlf = to_crlf(fix_rfc);
	g_autoptr(Message) message = find_str(crlf);

	g_assert_nonnull(strstr(crlf, "\r\n\r\n"));
	assert_rfc_shape(message);
}

/* test_crlf_raw_json - CRLF around unencoded JSON stays in the JSON */
static void
test_crlf_raw_json(void)
{
	g_autofree char *crlf = to_crlf(fix_tlsrpt_raw);
	g_autoptr(Message) message = find_str(crlf);
	gsize	len;
	const char *data = g_bytes_get_data(message->payload, &len);

	assert_report_headers(message);
	g_assert_cmpuint(len, >, 2);
	g_assert_true(data[0] == '{' && data[1] == '\r' && data[2] == '\n');
}

/* test_shape - fixtures that must all give the fixture gzip and headers */
static void
test_shape(gconstpointer data)
{
	g_autoptr(Message) message = find_str(data);

	assert_report_headers(message);
	assert_gzip_payload(message);
	g_assert_true(g_str_has_prefix(message->payload_desc,
	    "application/tlsrpt+gzip part"));
}

/* test_unterminated - Mail.ru: no closing boundary, name from name= */
static void
test_unterminated(void)
{
	g_autoptr(Message) message = find_str(fix_unterminated);

	assert_gzip_payload(message);
	g_assert_cmpstr(message->payload_desc, ==,
	    "application/tlsrpt+gzip part '" REPORT_NAME "'");
}

/* test_encodings - quoted-printable, 8bit, 7bit and base64 JSON */
static void
test_encodings(void)
{
	Message	*message;

	message = find_str(fix_qp_json);
	assert_payload_text(message, "{\"organization-name\":\"Fixture Inc.\","
	    "\"report-id\":\"fixture-1\",\"note\":\"a=b\"}");
	g_assert_cmpstr(message->payload_desc, ==, "application/tlsrpt+json part");
	message_free(message);

	message = find_str(fix_8bit_json);
	assert_payload_text(message, "{\"organization-name\":\"F\xc3\xafxture"
	    " Inc.\",\"report-id\":\"fixture-1\"}");
	message_free(message);

	message = find_str(fix_7bit_json);
	assert_payload_text(message, JSON_TEXT);
	message_free(message);

	message = find_str(fix_base64_json);
	assert_payload_text(message, JSON_TEXT);
	assert_report_headers(message);
	message_free(message);
}

/* test_tlsrpt_raw - application/tlsrpt, raw JSON, no encoding header */
static void
test_tlsrpt_raw(void)
{
	g_autoptr(Message) message = find_str(fix_tlsrpt_raw);

	assert_payload_text(message, "{\n"
	    "    \"organization-name\": \"Fixture Inc.\",\n"
	    "    \"report-id\": \"fixture-1\"\n"
	    "}");
	g_assert_cmpstr(message->payload_desc, ==,
	    "application/tlsrpt part 'x!example.net!1!2.json'");
}

/* test_filenames - RFC 2231, Content-Type name, Content-Description */
static void
test_filenames(void)
{
	Message	*message;

	message = find_str(fix_rfc2231);
	assert_gzip_payload(message);
	g_assert_cmpstr(message->payload_desc, ==, "application/octet-stream"
	    " part 'google.com!example.net!1!2!001.json.gz'");
	message_free(message);

	message = find_str(fix_rfc2231_continued);
	assert_gzip_payload(message);
	g_assert_cmpstr(message->payload_desc, ==, "application/octet-stream"
	    " part 'r\xc3\xa9sum\xc3\xa9!example.net!1!2.json.gz'");
	message_free(message);

	message = find_str(fix_ct_name);
	assert_payload_text(message, JSON_TEXT);
	g_assert_cmpstr(message->payload_desc, ==,
	    "application/octet-stream part 'report.JSON'");
	message_free(message);

	message = find_str(fix_description_name);
	assert_gzip_payload(message);
	g_assert_cmpstr(message->payload_desc, ==,
	    "application/x-download part '" REPORT_NAME "'");
	message_free(message);
}

/* test_forwarded - message/rfc822: the inner message's headers */
static void
test_forwarded(void)
{
	g_autoptr(Message) message = find_str(fix_forwarded);
	g_autofree char *crlf = to_crlf(fix_forwarded);
	g_autoptr(Message) crlf_message = find_str(crlf);

	assert_report_headers(message);
	assert_gzip_payload(message);
	assert_report_headers(crlf_message);
	assert_gzip_payload(crlf_message);
}

/* test_forwarded_twice - message/rfc822 inside message/rfc822 */
static void
test_forwarded_twice(void)
{
	g_autofree char *twice = g_strdup_printf(
	    "From: archive@example.net\n"
	    "Subject: Fwd: Fwd: TLS report\n"
	    "Content-Type: message/rfc822\n"
	    "\n"
	    "%s", fix_forwarded);
	g_autoptr(Message) message = find_str(twice);

	assert_report_headers(message);
	assert_gzip_payload(message);
}

/* test_whole - the report as the whole message */
static void
test_whole(void)
{
	Message	*message;

	message = find_str(fix_whole_gzip);
	assert_report_headers(message);
	assert_gzip_payload(message);
	g_assert_cmpstr(message->payload_desc, ==,
	    "application/tlsrpt+gzip part '" REPORT_NAME "'");
	message_free(message);

	message = find_str(fix_whole_text);
	assert_report_headers(message);
	assert_payload_text(message, JSON_TEXT);
	g_assert_cmpstr(message->payload_desc, ==, "text/plain message body");
	message_free(message);
}

/* test_type_case - media types match whatever their case */
static void
test_type_case(void)
{
	g_autoptr(Message) message = find_str(fix_type_case);

	assert_gzip_payload(message);
	g_assert_cmpstr(message->payload_desc, ==, "application/tlsrpt+gzip part");
}

/* test_rank - the best rank wins, not the first candidate */
static void
test_rank(void)
{
	Message	*message;

	message = find_str(fix_rank_all);
	g_assert_cmpstr(message->payload_desc, ==, "application/tlsrpt+json part");
	assert_payload_text(message, JSON_TEXT);
	message_free(message);

	message = find_str(fix_rank_name);
	g_assert_cmpstr(message->payload_desc, ==,
	    "application/json part 'named.json'");
	message_free(message);

	message = find_str(fix_rank_content);
	g_assert_cmpstr(message->payload_desc, ==, "application/octet-stream part");
	assert_gzip_payload(message);
	message_free(message);

	/* gzip label, JSON inside: the decode stage sorts that out */
	message = find_str(fix_gzip_label_json);
	g_assert_cmpstr(message->payload_desc, ==, "application/x-gzip part");
	assert_payload_text(message, "\xef\xbb\xbf" JSON_TEXT);
	message_free(message);
}

/* nested - a report nested depth multiparts deep; owned */
static char *
nested(int depth)
{
	GString	*text = g_string_new(REPORT_HEADERS);
	int	i;

	for (i = 0; i < depth; i++)
		g_string_append_printf(text,
		    "Content-Type: multipart/mixed; boundary=\"n%d\"\n"
		    "\n"
		    "--n%d\n", i, i);
	g_string_append(text, "Content-Type: application/tlsrpt+gzip\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    GZIP_B64 "\n");
	for (i = depth - 1; i >= 0; i--)
		g_string_append_printf(text, "--n%d--\n", i);
	return g_string_free(text, FALSE);
}

/* test_depth - nesting within the cap is walked, beyond it pruned */
static void
test_depth(void)
{
	g_autofree char *shallow = nested(20);
	g_autofree char *deep = nested(60);
	g_autoptr(Message) message = find_str(shallow);

	assert_gzip_payload(message);
	refuse_str(deep, "no report part: MIME parts nested deeper than 32 levels");
}

/* --- bare reports ------------------------------------------------------ */

/* test_bare - JSON and gzip without a message around them */
static void
test_bare(void)
{
	gsize	len;
	g_autofree guint8 *gzip = g_base64_decode(GZIP_B64, &len);
	g_autofree char *padded = g_strdup_printf("\xef\xbb\xbf \n" JSON_TEXT);
	Message	*message;

	message = find_str(JSON_TEXT);
	assert_no_headers(message);
	g_assert_cmpstr(message->payload_desc, ==, "bare JSON input");
	assert_payload_text(message, JSON_TEXT);
	message_free(message);

	message = find_str(padded);
	g_assert_cmpstr(message->payload_desc, ==, "bare JSON input");
	g_assert_cmpuint(g_bytes_get_size(message->payload), ==, strlen(padded));
	message_free(message);

	message = find((const char *)gzip, len);
	assert_no_headers(message);
	g_assert_cmpstr(message->payload_desc, ==, "bare gzip input");
	assert_gzip_payload(message);
	message_free(message);
}

/* test_bare_gzip_padded - gzip after stray white space starts at 1f 8b */
static void
test_bare_gzip_padded(void)
{
	gsize	len;
	g_autofree guint8 *gzip = g_base64_decode(GZIP_B64, &len);
	g_autofree guint8 *padded = g_malloc(len + 2);
	Message	*message;

	memcpy(padded, "\r\n", 2);
	memcpy(padded + 2, gzip, len);
	message = find((const char *)padded, len + 2);
	g_assert_cmpstr(message->payload_desc, ==, "bare gzip input");
	assert_gzip_payload(message);
	message_free(message);
}

/* --- refusals ---------------------------------------------------------- */

/* test_empty - nothing, or nothing but white space */
static void
test_empty(void)
{
	refuse("", 0, "empty input");
	refuse_str(" \r\n\t\n", "empty input");
	refuse_str("\xef\xbb\xbf\n", "empty input");
}

/* test_not_mime - text and binary noise are not messages */
static void
test_not_mime(void)
{
	guint8	noise[4096];
	guint32	seed;
	gsize	i;

	refuse_str("Hello,\nthis is not a message at all.\n", "not a MIME message");
	refuse_str("\x89PNG\r\n\x1a\n", "not a MIME message");
	for (seed = 1; seed <= 200; seed++) {
		g_autoptr(GRand) rand = g_rand_new_with_seed(seed);

		for (i = 0; i < sizeof noise; i++)
			noise[i] = g_rand_int(rand) & 0xff;
		/* a high first byte: not one a bare report could start with */
		noise[0] |= 0x80;
		refuse((const char *)noise, sizeof noise, "not a MIME message");
	}
}

/* test_bare_refused - bare zip and XML: DMARC reports */
static void
test_bare_refused(void)
{
	gsize	zip_len, other_len;
	g_autofree guint8 *zip = zip_local("google.com!example.net!1!2.xml",
	    &zip_len);
	g_autofree guint8 *other = zip_local("notes.txt", &other_len);

	refuse((const char *)zip, zip_len, "not a report: zip archive with"
	    " 'google.com!example.net!1!2.xml', a DMARC XML report");
	refuse((const char *)other, other_len, "not a report: zip archive with"
	    " 'notes.txt'");
	refuse("PK\x03\x04", 4, "not a report: zip archive");
	refuse_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n",
	    "not a report: XML document (a DMARC XML report?)");
}

/* test_no_report_part - mail without a report, and what it had instead */
static void
test_no_report_part(void)
{
	g_autofree char *crlf = to_crlf(fix_text_only);

	refuse_str(fix_spam, "no report part: found text/plain");
	refuse_str(fix_text_only, "no report part: found text/plain, text/html");
	refuse_str(crlf, "no report part: found text/plain, text/html");
	refuse_str(fix_json_text_part, "no report part: found text/plain");
	refuse_str(fix_many_types, "no report part: found text/plain,"
	    " text/html, image/png, application/pdf and 2 more");
}

/* test_refused_named - a refused message still says who it is: the log
 * line names it by its Message-ID */
static void
test_refused_named(void)
{
	g_autoptr(GBytes) input = g_bytes_new_static(fix_spam, strlen(fix_spam));
	g_autoptr(Message) message = message_new();
	g_autoptr(GError) error = NULL;

	g_assert_false(message_parse(message, input, &error));
	g_assert_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT);
	g_assert_cmpstr(message->message_id, ==, "spam-1@example.org");
	g_assert_cmpstr(message->from, ==, "Prince <prince@example.org>");
	g_assert_false(message->bare);
	g_assert_null(message->payload);
}

/* test_dmarc - DMARC aggregate reports, zip'd, gzip'd or plain */
static void
test_dmarc(void)
{
	g_autofree char *zip = dmarc_zip_mail(
	    "application/zip; name=\"google.com!example.net!1!2.zip\"",
	    "Content-Disposition: attachment;"
	    " filename=\"google.com!example.net!1!2.zip\"\n",
	    "google.com!example.net!1!2.xml");
	g_autofree char *unnamed = dmarc_zip_mail("application/octet-stream", "",
	    "google.com!example.net!1!2.xml");
	g_autofree char *other = dmarc_zip_mail("application/x-zip-compressed;"
	    " name=\"stuff.zip\"", "", "report.json");

	refuse_str(zip, "no report part: found application/zip"
	    " 'google.com!example.net!1!2.zip' with a DMARC XML report");
	refuse_str(unnamed, "no report part: found application/octet-stream"
	    " with a DMARC XML report");
	refuse_str(other, "no report part: found application/x-zip-compressed"
	    " 'stuff.zip' holding 'report.json'");
	refuse_str(fix_dmarc_xml_gz, "no report part: found application/gzip"
	    " 'google.com!example.net!1!2.xml.gz' with a DMARC XML report");
	refuse_str(fix_dmarc_mislabelled, "no report part: found"
	    " application/tlsrpt+gzip 'report.XML' with a DMARC XML report");
}

/* test_hostile_names - names in errors stay on one short line */
static void
test_hostile_names(void)
{
	GString	*name = g_string_new("evil%0D%0Anot a report: forged%09line%E2%80%AE");
	g_autofree char *mail = NULL;
	g_autoptr(GBytes) input = NULL;
	g_autoptr(GError) error = NULL;
	const char *p;
	int	i;

	for (i = 0; i < 50; i++)
		g_string_append(name, "-long");
	g_string_append(name, ".zip");
	mail = g_strdup_printf(DMARC_HEADERS
	    "--b1\n"
	    "Content-Type: application/zip\n"
	    "Content-Disposition: attachment; filename*=UTF-8''%s\n"
	    "\n"
	    "PK\n"
	    "--b1--\n", name->str);
	g_string_free(name, TRUE);
	input = g_bytes_new(mail, strlen(mail));
	g_assert_null(locate(input, &error));
	g_assert_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT);
	/* The name's controls are shown escaped (common/text.h), never
	 * acted on, and its length is capped. */
	g_assert_true(g_str_has_prefix(error->message,
	    "no report part: found application/zip 'evil\\x0d\\x0anot a report:"
	    " forged\\x09line\\u202e-long"));
	g_assert_true(g_str_has_suffix(error->message, "...'"));
	g_assert_true(g_utf8_validate(error->message, -1, NULL));
	for (p = error->message; *p != '\0'; p++)
		g_assert_cmpint((unsigned char)*p, >=, 0x20);
	g_assert_cmpuint(g_utf8_strlen(error->message, -1), <=, 160);
}

/* test_truncated - every prefix of a message is found or refused,
 * never a crash nor a GMime critical */
static void
test_truncated(void)
{
	gsize	len = strlen(fix_forwarded);
	gsize	cut;
	guint	found = 0;

	for (cut = 0; cut <= len; cut++) {
		g_autoptr(GBytes) input = g_bytes_new(fix_forwarded, cut);
		g_autoptr(GError) error = NULL;
		g_autoptr(Message) message = locate(input, &error);

		if (message != NULL) {
			g_assert_no_error(error);
			g_assert_nonnull(message->payload);
			found++;
		} else {
			g_assert_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT);
			g_assert_null(strchr(error->message, '\n'));
		}
	}
	/* from partway into the base64 on, the part is there */
	g_assert_cmpuint(found, >, 0);
}

/* test_free_null - message_free(NULL) is harmless */
static void
test_free_null(void)
{
	message_free(NULL);
}

/* --- the corpus -------------------------------------------------------- */

/* What a few corpus messages must say; NULL means absent. */
static const struct corpus_expect {
	const char *file;
	const char *payload_desc;
	const char *message_id;
	const char *report_domain;
	const char *report_submitter;
} corpus_expects[] = {
	{ "real/deltachat__tlsrpt.eml",
	  "application/tlsrpt+gzip part"
	  " 'google.com!nine.testrun.org!1705708800!1705795199!001.json.gz'",
	  "000000000000cc154d060f720057@google.com",
	  "nine.testrun.org", "google.com" },
	{ "real/mox__microsoft.eml",
	  "application/tlsrpt+gzip part 'microsoft.com!test.xmox.nl!1673308800"
	  "!1673395199!133198585438131172.json.gz'",
	  "133198585438131172+test.xmox.nl@test.xmox.nl",
	  "test.xmox.nl", "microsoft.com" },
	{ "real/tlsrpt-digest__tlsrpt_success_microsoft.eml",
	  "application/tlsrpt+gzip part 'microsoft.com!example.com!1778630400"
	  "!1778716799!134232617934286362.json.gz'",
	  "134232617934286362+example.com@example.com",
	  "example.com", "microsoft.com" },
	{ "real/parsedmarc__google.com_smtp_tls_report.eml",
	  "application/tlsrpt+gzip part"
	  " 'google.com!cardinalhealth.ca!1725321600!1725407999!001.json.gz'",
	  "66d83c20.050a0220.a0566.1e8dtls@google.com",
	  "cardinalhealth.ca", "google.com" },
	{ "edge/mail-auth__rpt02.eml",
	  "application/tlsrpt part"
	  " 'mail.sender.example!example.com!1013662812!1013749130.json'",
	  NULL, "example.net", "mail.sender.example.com" },
	{ "edge/tlsrpt-be__test.eml",
	  "application/tlsrpt+gzip part"
	  " 'mail.sender.example!example.com!1013662812!1013749130.json.gz'",
	  NULL, "example.net", "mail.sender.example.com" },
};

/* corpus_find - message_new on a corpus file, which must succeed */
static Message *
corpus_find(const char *relative)
{
	g_autoptr(GBytes) input = corpus_read(relative);
	g_autoptr(GError) error = NULL;
	Message	*message = locate(input, &error);

	g_assert_no_error(error);
	g_assert_nonnull(message);
	return message;
}

/* test_corpus_eml - a corpus message yields a payload that looks right */
static void
test_corpus_eml(gconstpointer data)
{
	g_autoptr(Message) message = corpus_find(data);
	gsize	len, i = 0;
	const guint8 *payload = g_bytes_get_data(message->payload, &len);

	g_assert_cmpuint(len, >, 0);
	/* every sample is a real or RFC-shaped report: both headers */
	g_assert_nonnull(message->report_domain);
	g_assert_nonnull(message->report_submitter);
	g_assert_nonnull(message->from);
	g_assert_false(message->bare);
	if (strstr(message->payload_desc, "gzip") != NULL) {
		g_assert_cmpuint(len, >=, 2);
		g_assert_cmphex(payload[0], ==, 0x1f);
		g_assert_cmphex(payload[1], ==, 0x8b);
	} else {
		while (i < len && g_ascii_isspace(payload[i]))
			i++;
		g_assert_cmpuint(i, <, len);
		g_assert_cmpint(payload[i], ==, '{');
	}
}

/* test_corpus_bare - a corpus .json or .json.gz is a bare report */
static void
test_corpus_bare(gconstpointer data)
{
	const char *relative = data;
	g_autoptr(GBytes) input = corpus_read(relative);
	g_autoptr(Message) message = corpus_find(relative);

	assert_no_headers(message);
	g_assert_true(g_bytes_equal(message->payload, input));
	g_assert_cmpstr(message->payload_desc, ==,
	    g_str_has_suffix(relative, ".gz") ? "bare gzip input"
	    : "bare JSON input");
}

/* test_corpus_expect - a corpus message's headers and description */
static void
test_corpus_expect(gconstpointer data)
{
	const struct corpus_expect *expect = data;
	g_autoptr(Message) message = corpus_find(expect->file);

	g_assert_cmpstr(message->payload_desc, ==, expect->payload_desc);
	g_assert_cmpstr(message->message_id, ==, expect->message_id);
	g_assert_cmpstr(message->report_domain, ==, expect->report_domain);
	g_assert_cmpstr(message->report_submitter, ==, expect->report_submitter);
}

/* test_corpus_same_gzip - Google's attachment, byte for byte, is the
 * .json.gz the same project published */
static void
test_corpus_same_gzip(void)
{
	g_autoptr(Message) message = corpus_find("real/mail-tls-rpt__email.eml");
	g_autoptr(GBytes) gzip = corpus_read("real/mail-tls-rpt__report.json.gz");

	g_assert_true(g_bytes_equal(message->payload, gzip));
}

/* test_corpus_present - the corpus is there: a missing one is a failure */
static void
test_corpus_present(gconstpointer data)
{
	guint	count = GPOINTER_TO_UINT(data);

	g_assert_cmpuint(count, >=, 20);
}

/* add_corpus_tests - one test per corpus file; returns how many */
static guint
add_corpus_tests(const char *sub)
{
	g_autoptr(GPtrArray) names = corpus_names(sub);
	guint	i, added = 0;

	for (i = 0; i < names->len; i++) {
		const char *file = g_ptr_array_index(names, i);
		char	*relative = g_build_filename(sub, file, NULL);
		g_autofree char *test_path = g_strdup_printf(
		    "/message/corpus/%s/%s", sub, file);

		if (g_str_has_suffix(file, ".eml")) {
			g_test_add_data_func_full(test_path, relative,
			    test_corpus_eml, g_free);
			added++;
		} else if (g_str_has_suffix(file, ".json")
		    || g_str_has_suffix(file, ".json.gz")) {
			g_test_add_data_func_full(test_path, relative,
			    test_corpus_bare, g_free);
			added++;
		} else {
			g_free(relative);
		}
	}
	return added;
}

/* main - the fixture tests, then one test per corpus file */
/* --- several report parts, and what GMime would spend ------------------ */

/* Two reports forwarded in one message, and a third part of its own. */
static const char fix_two_forwarded[] =
	"From: Postmaster <postmaster@example.net>\n"
	"Message-ID: <digest-1@example.net>\n"
	"Authentication-Results: mx.example.net; dkim=pass header.d=example.net\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=\"outer\"\n"
	"\n"
	"--outer\n"
	"Content-Type: message/rfc822\n"
	"\n"
	REPORT_HEADERS
	"Content-Type: multipart/report; report-type=\"tlsrpt\"; boundary=\"b1\"\n"
	"\n"
	TEXT_PART
	GZIP_PART
	"--b1--\n"
	"\n"
	"--outer\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"From: other@sender.example\n"
	"Message-ID: <other-1@sender.example>\n"
	"Content-Type: application/tlsrpt+json\n"
	"\n"
	JSON_TEXT "\n"
	"--outer\n"
	"Content-Type: application/tlsrpt+gzip\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	GZIP_B64 "\n"
	"--outer--\n";

/* test_several_parts - every part labelled as a report is one, each with
 * the headers of the message that holds it and the outer message's
 * Authentication-Results */
static void
test_several_parts(void)
{
	g_autoptr(Message) message = find_str(fix_two_forwarded);
	const Message *second, *third;

	assert_report_headers(message);
	assert_gzip_payload(message);
	g_assert_nonnull(message->more);
	g_assert_cmpuint(message->more->len, ==, 2);
	second = g_ptr_array_index(message->more, 0);
	third = g_ptr_array_index(message->more, 1);
	g_assert_cmpstr(second->message_id, ==, "other-1@sender.example");
	g_assert_cmpstr(second->from, ==, "other@sender.example");
	g_assert_null(second->report_domain);
	g_assert_cmpstr(second->payload_desc, ==, "application/tlsrpt+json part");
	g_assert_cmpstr(third->message_id, ==, "digest-1@example.net");
	g_assert_cmpstr(third->payload_desc, ==, "application/tlsrpt+gzip part");
	for (guint i = 0; i < 2; i++) {
		const Message *m = g_ptr_array_index(message->more, i);

		g_assert_null(m->more);
		g_assert_nonnull(m->payload);
		g_assert_nonnull(strstr(m->auth_results[0], "dkim=pass header.d=example.net"));
		g_assert_cmpstr(m->auth_results[0], ==, message->auth_results[0]);
		g_assert_null(m->auth_results[1]);
	}
	/* One part only: no list. */
	{
		g_autoptr(Message) one = find_str(fix_rfc);

		g_assert_null(one->more);
	}
}

/* cc_line - a Cc: field of len bytes, its newline included; owned */
static GString *
cc_line(gsize len)
{
	GString	*line = g_string_new("Cc: a@b");

	while (line->len + 4 < len)
		g_string_append(line, ",a@b");
	while (line->len < len - 1)
		g_string_append_c(line, 'b');
	g_string_append_c(line, '\n');
	return line;
}

/* test_split_bytes - a megabyte of address and parameter fields is
 * taken to GMime, one byte more is not: it makes an object of every
 * address and every parameter */
static void
test_split_bytes(void)
{
	static const char rest[] = "Message-ID: <split@example.net>\n\nhello\n";
	g_autoptr(GString) at = cc_line(1024 * 1024);
	g_autoptr(GString) past = cc_line(1024 * 1024 + 1);
	g_autoptr(GString) params = g_string_new("Content-Type: text/plain; a=b");

	g_string_append(at, rest);
	refuse(at->str, at->len, "no report part: found text/plain");
	g_string_append(past, rest);
	refuse(past->str, past->len, "more than 1048576 bytes of address and "
	    "MIME parameter fields (From:, To:, Content-Type:...)");
	while (params->len <= 1024 * 1024)
		g_string_append(params, ";a=b");
	g_string_append(params, "\n");
	g_string_append(params, rest);
	refuse(params->str, params->len, "more than 1048576 bytes of address and "
	    "MIME parameter fields (From:, To:, Content-Type:...)");
}

/* test_header_bytes - four megabytes of header fields are taken to
 * GMime, more are not (it decodes them word by word); a body is no
 * header, however long its line */
static void
test_header_bytes(void)
{
	g_autoptr(GString) words = g_string_new("Message-ID: <words@example.net>\nSubject: x");
	g_autoptr(GString) body = g_string_new("Message-ID: <body@example.net>\n"
	    "Content-Type: application/tlsrpt+json\n\n");
	g_autoptr(Message) message = NULL;

	while (words->len <= 4 * 1024 * 1024)
		g_string_append(words, " a b");
	g_string_append(words, "\n\nhello\n");
	refuse(words->str, words->len, "more than 4194304 bytes of header fields");
	/* Five megabytes of JSON on one line, its first bytes a header's. */
	g_string_append(body, "{\"organization-name\":\"");
	while (body->len <= 5 * 1024 * 1024)
		g_string_append(body, "aaaaaaaaaaaaaaaa");
	g_string_append(body, "\"}\n");
	message = find(body->str, body->len);
	g_assert_cmpstr(message->payload_desc, ==, "application/tlsrpt+json part");
}

int
main(int argc, char **argv)
{
	static const char *const shapes[][2] = {
		{ "unquoted", fix_unquoted },
		{ "mixed", fix_mixed },
		{ "html-first", fix_html_first },
		{ "x-mozilla-status", fix_mozilla },
		{ "x-mox-reason", fix_mox },
		{ "mbox-from-line", fix_mbox_from },
	};
	guint	i, count;

	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/message/shape/rfc", test_rfc);
	g_test_add_func("/message/shape/crlf", test_crlf);
	g_test_add_func("/message/shape/crlf-raw-json", test_crlf_raw_json);
	for (i = 0; i < G_N_ELEMENTS(shapes); i++) {
		g_autofree char *path = g_strdup_printf("/message/shape/%s",
		    shapes[i][0]);

		g_test_add_data_func(path, shapes[i][1], test_shape);
	}
	g_test_add_func("/message/shape/unterminated", test_unterminated);
	g_test_add_func("/message/shape/encodings", test_encodings);
	g_test_add_func("/message/shape/tlsrpt-raw", test_tlsrpt_raw);
	g_test_add_func("/message/shape/filenames", test_filenames);
	g_test_add_func("/message/shape/forwarded", test_forwarded);
	g_test_add_func("/message/shape/forwarded-twice", test_forwarded_twice);
	g_test_add_func("/message/shape/whole", test_whole);
	g_test_add_func("/message/shape/type-case", test_type_case);
	g_test_add_func("/message/shape/rank", test_rank);
	g_test_add_func("/message/shape/depth", test_depth);
	g_test_add_func("/message/bare/fixtures", test_bare);
	g_test_add_func("/message/bare/gzip-padded", test_bare_gzip_padded);
	g_test_add_func("/message/refuse/empty", test_empty);
	g_test_add_func("/message/refuse/not-mime", test_not_mime);
	g_test_add_func("/message/refuse/bare", test_bare_refused);
	g_test_add_func("/message/refuse/no-report-part", test_no_report_part);
	g_test_add_func("/message/refuse/dmarc", test_dmarc);
	g_test_add_func("/message/refuse/named", test_refused_named);
	g_test_add_func("/message/refuse/hostile-names", test_hostile_names);
	g_test_add_func("/message/refuse/truncated", test_truncated);
	g_test_add_func("/message/free-null", test_free_null);
	g_test_add_func("/message/several-parts", test_several_parts);
	g_test_add_func("/message/split-bytes", test_split_bytes);
	g_test_add_func("/message/header-bytes", test_header_bytes);

	count = add_corpus_tests("real") + add_corpus_tests("edge");
	g_test_add_data_func("/message/corpus/present", GUINT_TO_POINTER(count),
	    test_corpus_present);
	for (i = 0; i < G_N_ELEMENTS(corpus_expects); i++) {
		g_autofree char *path = g_strdup_printf("/message/corpus/expect/%s",
		    corpus_expects[i].file);

		g_test_add_data_func(path, &corpus_expects[i], test_corpus_expect);
	}
	g_test_add_func("/message/corpus/same-gzip", test_corpus_same_gzip);

	return g_test_run();
}
