/* test-report.c - report_new against the corpus and against every rule
 *
 * Reads the shared corpus in place (tests/corpus.h); every inline fixture
 * is written here.
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include <json-c/json.h>

#include "common/error.h"
#include "corpus.h"
#include "ingest/decode.h"
#include "ingest/report.h"

/* The report every inline case edits: each @NAME@ is one piece a case
 * may replace, given with its key so that a case can also drop it. */
static const char base_report[] =
    "{@ORG@\"date-range\":{@RANGE@},@CONTACT@@ID@"
    "\"policies\":[{\"policy\":{@POLICY@},\"summary\":{@SUMMARY@}@DETAILS@}]@EXTRA@}";

static const char *const base_parts[][2] = {
	{ "@ORG@", "\"organization-name\":\"Example Org\"," },
	{ "@RANGE@", "\"start-datetime\":\"2024-01-01T00:00:00Z\","
	    "\"end-datetime\":\"2024-01-01T23:59:59Z\"" },
	{ "@CONTACT@", "\"contact-info\":\"tlsrpt@example.org\"," },
	{ "@ID@", "\"report-id\":\"rid-1\"," },
	{ "@POLICY@", "\"policy-type\":\"sts\",\"policy-string\":[\"version: STSv1\"],"
	    "\"policy-domain\":\"example.org\",\"mx-host\":[\"mx.example.org\"]" },
	{ "@SUMMARY@", "\"total-successful-session-count\":10,"
	    "\"total-failure-session-count\":1" },
	{ "@DETAILS@", ",\"failure-details\":[{@DETAIL@}]" },
	{ "@DETAIL@", "\"result-type\":\"certificate-expired\","
	    "\"sending-mta-ip\":\"192.0.2.1\",\"receiving-ip\":\"2001:db8::1\","
	    "\"receiving-mx-hostname\":\"mx.example.org\",\"failed-session-count\":1" },
	{ "@EXTRA@", "" },
};

/* replace - replace the first (or every) find in s with with
 *
 * g_string_replace() would do, from GLib 2.68; configure asks for 2.66.
 */
static void
replace(GString *s, const char *find, const char *with, gboolean all)
{
	gsize	from = 0;
	char	*hit;

	while ((hit = strstr(s->str + from, find)) != NULL) {
		gsize	at = (gsize)(hit - s->str);

		g_string_erase(s, (gssize)at, (gssize)strlen(find));
		g_string_insert(s, (gssize)at, with);
		from = at + strlen(with);
		if (!all)
			break;
	}
}

/* fixture - base_report with the named parts replaced; owned
 *
 * Arguments are pairs of part name and text, ending in NULL.
 */
static char *
fixture(const char *name, ...)
{
	GString	*s = g_string_new(base_report);
	GHashTable *over = g_hash_table_new(g_str_hash, g_str_equal);
	va_list	ap;
	gsize	i;

	va_start(ap, name);
	for (; name != NULL; name = va_arg(ap, const char *))
		g_hash_table_insert(over, (gpointer)name, va_arg(ap, char *));
	va_end(ap);
	for (i = 0; i < G_N_ELEMENTS(base_parts); i++) {
		const char *text = g_hash_table_lookup(over, base_parts[i][0]);

		replace(s, base_parts[i][0],
		    text != NULL ? text : base_parts[i][1], TRUE);
	}
	g_hash_table_unref(over);
	return g_string_free(s, FALSE);
}

/* parse_ok - report_new on a NUL-terminated text that must succeed */
static Report *
parse_ok(const char *json)
{
	GError	*error = NULL;
	Report	*report = report_new(json, strlen(json), NULL, &error);

	if (error != NULL)
		g_test_message("refused: %s\n%s", error->message, json);
	g_assert_no_error(error);
	g_assert_nonnull(report);
	return report;
}

/* parse_fail_len - report_new on len bytes that must fail with message */
static void
parse_fail_len(const char *json, gsize len, const char *message)
{
	GError	*error = NULL;
	Report	*report = report_new(json, len, NULL, &error);

	g_assert_null(report);
	g_assert_error(error, TLSRPT_ERROR, ERROR_INVALID);
	g_assert_cmpstr(error->message, ==, message);
	g_error_free(error);
}

/* parse_fail - as parse_fail_len for a NUL-terminated text */
static void
parse_fail(const char *json, const char *message)
{
	parse_fail_len(json, strlen(json), message);
}

/* fixture_fail - a fixture with one part replaced must fail with message */
static void
fixture_fail(const char *part, const char *text, const char *message)
{
	g_autofree char *json = fixture(part, text, NULL);

	parse_fail(json, message);
}

/* fixture_ok - a fixture with one part replaced must pass; owned */
static Report *
fixture_ok(const char *part, const char *text)
{
	g_autofree char *json = fixture(part, text, NULL);

	return parse_ok(json);
}

/* The JSON trees normalized() made, freed when the tests are done. */
static GPtrArray *normalized_kept;

/* normalized_free - free a kept tree */
static void
normalized_free(gpointer tree)
{
	json_object_put(tree);
}

/* normalized - the report as --dry-run prints it, parsed back; borrowed
 *
 * The tests below check the normalized shape by JSON path: the shape
 * --dry-run promises, and the members it is printed from.
 */
static json_object *
normalized(const Report *r)
{
	g_autofree char *text = report_to_json_string(r);
	json_object *tree = json_tokener_parse(text);

	g_assert_nonnull(tree);
	g_ptr_array_add(normalized_kept, tree);
	return tree;
}

/* jget - the value at a path such as "policies[0].policy.mx-host[1]"
 *
 * Fails the test when a step is missing; a JSON null comes back NULL.
 */
static json_object *
jget(json_object *root, const char *path)
{
	g_auto(GStrv) steps = g_strsplit(path, ".", -1);
	json_object *cur = root;
	char	**step;

	for (step = steps; *step != NULL; step++) {
		char	*bracket = strchr(*step, '[');
		char	*key = bracket != NULL ? g_strndup(*step, bracket - *step) :
		    g_strdup(*step);

		if (!json_object_object_get_ex(cur, key, &cur))
			g_error("no member '%s' in path '%s'", key, path);
		g_free(key);
		while (bracket != NULL) {
			gsize	i = strtoul(bracket + 1, NULL, 10);

			g_assert_true(json_object_is_type(cur, json_type_array));
			g_assert_cmpuint(i, <, json_object_array_length(cur));
			cur = json_object_array_get_idx(cur, i);
			bracket = strchr(bracket + 1, '[');
		}
	}
	return cur;
}

/* jstr - the string at path; NULL for a JSON null */
static const char *
jstr(json_object *root, const char *path)
{
	json_object *v = jget(root, path);

	if (v == NULL)
		return NULL;
	g_assert_true(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

/* jint - the integer at path */
static gint64
jint(json_object *root, const char *path)
{
	json_object *v = jget(root, path);

	g_assert_true(json_object_is_type(v, json_type_int));
	return json_object_get_int64(v);
}

/* jlen - length of the array at path */
static gsize
jlen(json_object *root, const char *path)
{
	json_object *v = jget(root, path);

	g_assert_true(json_object_is_type(v, json_type_array));
	return json_object_array_length(v);
}

/* corpus_report - a corpus .json or .json.gz file, which must pass */
static Report *
corpus_report(const char *sub, const char *name)
{
	g_autofree char *relative = g_build_filename(sub, name, NULL);
	g_autoptr(GBytes) bytes = corpus_read(relative);
	gsize	len;
	const char *data = g_bytes_get_data(bytes, &len);
	GError	*error = NULL;
	Report	*report;

	if (g_str_has_suffix(name, ".gz")) {
		g_autoptr(GBytes) json = decode_report(bytes, 1 << 20, name, &error);
		gsize	json_len;
		const char *text;

		g_assert_no_error(error);
		text = g_bytes_get_data(json, &json_len);
		report = report_new(text, json_len, NULL, &error);
	} else
		report = report_new(data, len, NULL, &error);
	if (error != NULL)
		g_test_message("%s/%s: %s", sub, name, error->message);
	g_assert_no_error(error);
	g_assert_nonnull(report);
	return report;
}

/* --- the corpus ------------------------------------------------------ */

/* manifest_count - how many files of real/MANIFEST.tsv are of kind */
static guint
manifest_count(const char *kind)
{
	g_autoptr(GBytes) bytes = corpus_read("real/MANIFEST.tsv");
	g_autofree char *manifest = g_strndup(g_bytes_get_data(bytes, NULL),
	    g_bytes_get_size(bytes));
	g_auto(GStrv) lines = g_strsplit(manifest, "\n", -1);
	guint	count = 0;
	char	**line;

	for (line = lines; *line != NULL; line++) {
		g_auto(GStrv) fields = g_strsplit(*line, "\t", -1);

		if (g_strv_length(fields) > 6 && strcmp(fields[6], kind) == 0)
			count++;
	}
	return count;
}

/* test_corpus_real - every bare report in real/ is accepted */
static void
test_corpus_real(void)
{
	g_autoptr(GPtrArray) names = corpus_names("real");
	guint	i, count = 0;

	for (i = 0; i < names->len; i++) {
		const char *name = g_ptr_array_index(names, i);
		Report	*report;
		char	*pretty;

		if (!g_str_has_suffix(name, ".json") && !g_str_has_suffix(name, ".json.gz"))
			continue;
		report = corpus_report("real", name);
		g_assert_nonnull(report->organization_name);
		g_assert_nonnull(report->report_id);
		g_assert_nonnull(report->policy_domains);
		g_assert_cmpstr(report->policy_domains, !=, "");
		pretty = report_to_json_string(report);
		g_assert_nonnull(pretty);
		g_free(pretty);
		report_free(report);
		count++;
	}
	g_assert_cmpuint(count, >, 0);
	g_assert_cmpuint(count, ==, manifest_count("json") + manifest_count("json.gz"));
}

/* test_corpus_figures - a few exact figures from real reports */
static void
test_corpus_figures(void)
{
	Report	*r;
	json_object *n;

	r = corpus_report("real", "mta-sts-exporter__microsoft-2.json");
	n = normalized(r);
	g_assert_cmpstr(jstr(n, "date-range.start-datetime"), ==, "2024-03-26T00:00:00Z");
	g_assert_cmpstr(jstr(n, "date-range.end-datetime"), ==, "2024-03-26T23:59:59Z");
	g_assert_cmpstr(r->organization_name, ==, "Microsoft Corporation");
	g_assert_cmpstr(r->report_id, ==, "133561180919336230+example.com");
	g_assert_cmpint(r->successful_sessions, ==, 7);
	g_assert_cmpint(r->failed_sessions, ==, 0);
	g_assert_null(jget(n, "policies[0].policy.mx-host"));
	g_assert_cmpuint(jlen(n, "policies[0].failure-details"), ==, 0);
	report_free(r);

	r = corpus_report("real", "parsedmarc__mail.ru.json");
	n = normalized(r);
	g_assert_cmpstr(r->report_id, ==, "b28254de-7b2e-be36-bb5c-4c3b92da8b25@mail.ru");
	g_assert_cmpstr(r->policy_domains, ==, "example.com");
	g_assert_cmpint(r->failed_sessions, ==, 1);
	g_assert_cmpuint(jlen(n, "policies[0].failure-details"), ==, 2);
	g_assert_null(jget(n, "policies[0].failure-details[0].sending-mta-ip"));
	g_assert_null(jget(n, "policies[0].failure-details[0].receiving-mx-hostname"));
	g_assert_cmpstr(jstr(n, "policies[0].failure-details[1].failure-reason-code"), ==,
	    "bad https response code: 500");
	g_assert_null(jget(n, "policies[0].policy.policy-string"));
	report_free(r);

	r = corpus_report("real", "dmarc-report-viewer__microsoft.json");
	n = normalized(r);
	g_assert_cmpstr(r->policy_domains, ==, "random.net");
	/* 2 sessions listed under the sts and again under the tlsa policy */
	g_assert_cmpint(r->successful_sessions, ==, 2);
	g_assert_cmpstr(jstr(n, "policies[1].policy.policy-type"), ==, "tlsa");
	g_assert_cmpstr(jstr(n, "policies[1].policy.policy-string[0]"), ==,
	    "[\"3 1 1 6007EEE553E85D8DF007A845D19EC343283D4E416E9A33F9EF3040C8B7C285BC\","
	    "\"3 1 1 837C773D54C2E2BD71871A3FC352BE8214D5646CBAE5E3091401A7274717998B\"]");
	report_free(r);

	r = corpus_report("real", "dmarc-report-viewer__no-contact.json");
	n = normalized(r);
	g_assert_null(jget(n, "contact-info"));
	g_assert_cmpstr(jstr(n, "date-range.end-datetime"), ==, "2026-01-12T00:00:00Z");
	g_assert_cmpuint(jlen(n, "policies[0].failure-details"), ==, 0);
	g_assert_cmpstr(jstr(n, "policies[0].policy.mx-host[0]"), ==, "mx: mx.server.com");
	report_free(r);

	r = corpus_report("real", "dmarc-report-viewer__no_ip_and_mx.json");
	n = normalized(r);
	g_assert_cmpstr(r->report_id, ==, "1234567890+");
	g_assert_null(jget(n, "policies[0].policy.policy-string"));
	g_assert_cmpstr(jstr(n, "policies[0].failure-details[0].result-type"), ==,
	    "sts-policy-fetch-error");
	g_assert_null(jget(n, "policies[0].failure-details[0].receiving-ip"));
	g_assert_cmpint(jint(n, "policies[0].failure-details[0].failed-session-count"), ==, 3);
	report_free(r);

	r = corpus_report("real", "parsedmarc__smtp_tls.json");
	n = normalized(r);
	g_assert_cmpstr(jstr(n, "policies[0].failure-details[0].sending-mta-ip"), ==,
	    "209.85.222.201");
	g_assert_cmpstr(jstr(n, "policies[0].failure-details[1].receiving-ip"), ==,
	    "173.212.201.41");
	g_assert_cmpint(r->failed_sessions, ==, 3);
	report_free(r);

	r = corpus_report("real", "mail-tls-rpt__report.json.gz");
	g_assert_cmpstr(r->organization_name, ==, "Google Inc.");
	g_assert_cmpstr(r->policy_domains, ==, "fastmaildmarc.com");
	g_assert_cmpint(r->successful_sessions, ==, 343);
	report_free(r);

	r = corpus_report("real", "tls-rpt-monitor__microsoft-report.json.gz");
	g_assert_cmpstr(r->organization_name, ==, "Microsoft Corporation");
	g_assert_cmpstr(r->policy_domains, ==, "josh.scot");
	report_free(r);
}

/* test_corpus_edge - the RFC example variants and edited fixtures */
static void
test_corpus_edge(void)
{
	g_autoptr(GBytes) rpt03 = corpus_read("edge/mail-auth__rpt03.json");
	Report	*r;
	json_object *n;

	/* The RFC's own example: mx-host a bare string (erratum 6241). */
	r = corpus_report("edge", "parsedmarc__rfc8460.json");
	n = normalized(r);
	g_assert_cmpuint(jlen(n, "policies[0].policy.mx-host"), ==, 1);
	g_assert_cmpstr(jstr(n, "policies[0].policy.mx-host[0]"), ==, "*.mail.company-y.example");
	g_assert_cmpstr(jstr(n, "policies[0].failure-details[0].sending-mta-ip"), ==,
	    "2001:db8:abcd:0012::1");
	g_assert_cmpint(r->successful_sessions, ==, 5326);
	g_assert_cmpint(r->failed_sessions, ==, 303);
	report_free(r);

	/* The draft-23 example's failure-error-code. */
	r = corpus_report("edge", "tlsrpt_processor__sample.json");
	n = normalized(r);
	g_assert_cmpstr(jstr(n, "policies[0].failure-details[2].failure-reason-code"), ==,
	    "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED");
	g_assert_null(jget(n, "policies[0].failure-details[0].failure-reason-code"));
	g_assert_cmpstr(jstr(n, "policies[0].policy.mx-host[0]"), ==, "*.mail.company-y.example");
	report_free(r);

	r = corpus_report("edge", "tls-rpt-monitor__microsoft-report_edited.json");
	n = normalized(r);
	g_assert_null(jget(n, "policies[0].failure-details[0].sending-mta-ip"));
	g_assert_cmpstr(jstr(n, "policies[0].failure-details[0].result-type"), ==, "Testing");
	g_assert_null(jget(n, "policies[0].failure-details[0].additional-information"));
	g_assert_cmpstr(jstr(n, "policies[0].failure-details[0].failure-reason-code"), ==, "123");
	g_assert_cmpint(r->failed_sessions, ==, 2);
	report_free(r);

	r = corpus_report("edge", "mail-auth__rpt01.json");
	report_free(r);
	r = corpus_report("edge", "mta-sts-exporter__rfc-errata-6241.json");
	g_assert_cmpstr(jstr(normalized(r),
	    "policies[0].failure-details[1].additional-information"), ==,
	    "https://reports.company-x.example/report_info ? id = 5065427 c - 23 d3# StarttlsNotSupported ");
	report_free(r);
	r = corpus_report("edge", "mail-auth__rpt02.json");
	g_assert_cmpstr(jstr(normalized(r), "date-range.end-datetime"), ==, "2020-01-07T23:59:59Z");
	report_free(r);

	parse_fail_len(g_bytes_get_data(rpt03, NULL), g_bytes_get_size(rpt03), "policies[0].summary.total-failure-session-count: missing");
}

/* --- JSON syntax ----------------------------------------------------- */

/* test_syntax - what is not JSON, and JSON a database would refuse */
static void
test_syntax(void)
{
	g_autofree char *good = fixture(NULL, NULL);
	g_autofree char *trailing = g_strconcat(good, " x", NULL);
	g_autofree char *twice = g_strconcat(good, good, NULL);
	g_autofree char *spaced = g_strconcat("\r\n ", good, " \n\t\r\n", NULL);
	g_autofree char *truncated = g_strndup(good, 40);
	GString	*deep = g_string_new(NULL);
	GString	*with_nul = g_string_new(good);
	g_autofree char *msg = NULL;
	Report	*r;
	int	i;

	r = parse_ok(spaced);
	g_assert_cmpstr(r->raw, ==, spaced);
	report_free(r);

	msg = g_strdup_printf("not JSON: unexpected character at offset %zu",
	    strlen(good) + 1);
	parse_fail(trailing, msg);
	g_free(msg);
	msg = g_strdup_printf("not JSON: unexpected character at offset %zu", strlen(good));
	parse_fail(twice, msg);
	parse_fail(truncated, "not JSON: unexpected end of data at offset 40");
	parse_fail("", "not JSON: unexpected end of data at offset 0");
	parse_fail("   ", "not JSON: unexpected end of data at offset 3");
	parse_fail("{\"a\":1,}", "not JSON: unexpected character at offset 7");
	parse_fail("{\"a\" 1}", "not JSON: object property name separator ':' expected at offset 5");

	/* Valid JSON, not a report. */
	parse_fail("[]", "top level: expected an object, got an array");
	parse_fail("42", "top level: expected an object, got an integer");
	parse_fail("null", "top level: expected an object, got null");
	parse_fail("\"x\"", "top level: expected an object, got a string");
	parse_fail("{}", "organization-name: missing");

	/* An embedded NUL, which json-c would stop at. */
	g_string_insert_len(with_nul, 5, "\0", 1);
	parse_fail_len(with_nul->str, with_nul->len, "not JSON: NUL byte at offset 5");
	g_string_free(with_nul, TRUE);

	/* Nesting: a thousand levels stop at the depth limit. */
	g_string_append(deep, "{\"x\":");
	for (i = 0; i < 1000; i++)
		g_string_append_c(deep, '[');
	for (i = 0; i < 1000; i++)
		g_string_append_c(deep, ']');
	g_string_append_c(deep, '}');
	parse_fail(deep->str, "JSON nested deeper than 32 levels at offset 36");
	g_string_free(deep, TRUE);

	/* Invalid UTF-8: json-c catches some, GLib the rest. */
	parse_fail("{\"a\":\"\xff\"}", "not JSON: invalid utf-8 string at offset 6");
	parse_fail("{\"a\":\"\xc0\xaf\"}", "not JSON: invalid utf-8 string at offset 6");
	parse_fail("{\"a\":\"\xed\xa0\x80\"}", "not JSON: invalid utf-8 string at offset 6");
	parse_fail("{\"a\":\"\xf4\x90\x80\x80\"}", "not JSON: invalid utf-8 string at offset 6");
	parse_fail("{\"a\":\"\xe2\x82\"}", "not JSON: invalid utf-8 string at offset 6");

	/* What json-c's strict mode lets through. */
	parse_fail("{'organization-name':\"x\"}", "not JSON: single-quoted string at offset 1");
	parse_fail("{\"a\":\"x\ty\"}", "not JSON: control character in a string at offset 7");
	parse_fail("{\"a\":\"x\x01y\"}", "not JSON: control character in a string at offset 7");
	parse_fail("{\"a\":NaN}", "not JSON: unexpected character at offset 5");
	parse_fail("{\"a\":-Infinity}", "not JSON: malformed number at offset 5");
	parse_fail("{\"a\":Infinity}", "not JSON: unexpected character at offset 5");
	parse_fail("{\"a\":1.}", "not JSON: malformed number at offset 5");
	parse_fail("{\"a\":-01}", "not JSON: malformed number at offset 5");
	parse_fail("{\"a\":00}", "not JSON: malformed number at offset 5");
	parse_fail("{\"a\":\"\\u0000\"}", "\\u0000 in a string at offset 6");
	parse_fail("{\"a\":\"\\ud800\"}", "not JSON: unpaired surrogate escape at offset 6");
	parse_fail("{\"a\":\"\\udc00x\"}", "not JSON: unpaired surrogate escape at offset 6");
	parse_fail("{\"a\":\"\\ud800\\u0041\"}", "not JSON: unpaired surrogate escape at offset 6");

	/* Valid numbers and escapes in unknown fields pass. */
	r = fixture_ok("@EXTRA@", ",\"x\":[0,-0,1.5,-2e10,3E+2,4.0e-1,true,false,null,"
	    "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"]");
	g_assert_null(json_object_object_get(normalized(r), "x"));
	g_assert_nonnull(strstr(r->raw, "\\ud83d\\ude00"));
	report_free(r);
}

/* --- fields ---------------------------------------------------------- */

/* test_normalized_shape - every field present, null where absent */
static void
test_normalized_shape(void)
{
	static const char *const top[] = {
		"organization-name", "date-range", "contact-info", "report-id", "policies",
	};
	static const char *const policy[] = {
		"policy-type", "policy-domain", "policy-string", "mx-host",
	};
	static const char *const detail[] = {
		"result-type", "sending-mta-ip", "receiving-ip", "receiving-mx-hostname",
		"receiving-mx-helo", "failed-session-count", "additional-information",
		"failure-reason-code",
	};
	Report	*r = fixture_ok("@DETAIL@", "\"failed-session-count\":2");
	json_object *n = normalized(r), *v;
	gsize	i;

	for (i = 0; i < G_N_ELEMENTS(top); i++)
		g_assert_true(json_object_object_get_ex(n, top[i], NULL));
	g_assert_cmpint(json_object_object_length(n), ==, G_N_ELEMENTS(top));
	v = jget(n, "policies[0].policy");
	for (i = 0; i < G_N_ELEMENTS(policy); i++)
		g_assert_true(json_object_object_get_ex(v, policy[i], NULL));
	v = jget(n, "policies[0].failure-details[0]");
	for (i = 0; i < G_N_ELEMENTS(detail); i++)
		g_assert_true(json_object_object_get_ex(v, detail[i], NULL));
	g_assert_cmpint(json_object_object_length(v), ==, G_N_ELEMENTS(detail));
	g_assert_null(jget(n, "policies[0].failure-details[0].result-type"));
	g_assert_null(jget(n, "policies[0].failure-details[0].receiving-mx-helo"));
	g_assert_cmpint(jint(n, "policies[0].failure-details[0].failed-session-count"), ==, 2);
	g_assert_cmpint(json_object_object_length(jget(n, "policies[0]")), ==, 3);
	g_assert_cmpint(json_object_object_length(jget(n, "policies[0].summary")), ==, 2);
	g_assert_cmpint(json_object_object_length(jget(n, "date-range")), ==, 2);
	report_free(r);
}

/* test_top_level - organization-name, contact-info, report-id, policies */
static void
test_top_level(void)
{
	Report	*r;

	r = fixture_ok("@ORG@", "\"organization-name\":\"\",");
	g_assert_cmpstr(r->organization_name, ==, "");
	report_free(r);
	fixture_fail("@ORG@", "", "organization-name: missing");
	fixture_fail("@ORG@", "\"organization-name\":5,",
	    "organization-name: expected a string, got an integer");
	fixture_fail("@ORG@", "\"organization-name\":null,",
	    "organization-name: expected a string, got null");
	fixture_fail("@ORG@", "\"organization-name\":[\"x\"],",
	    "organization-name: expected a string, got an array");

	r = fixture_ok("@CONTACT@", "");
	g_assert_null(jget(normalized(r), "contact-info"));
	report_free(r);
	r = fixture_ok("@CONTACT@", "\"contact-info\":null,");
	g_assert_null(jget(normalized(r), "contact-info"));
	report_free(r);
	r = fixture_ok("@CONTACT@", "\"contact-info\":\"a/b@example.org\",");
	g_assert_cmpstr(jstr(normalized(r), "contact-info"), ==, "a/b@example.org");
	report_free(r);
	fixture_fail("@CONTACT@", "\"contact-info\":{},",
	    "contact-info: expected a string, got an object");

	fixture_fail("@ID@", "", "report-id: missing");
	fixture_fail("@ID@", "\"report-id\":12345,",
	    "report-id: expected a string, got an integer");
	fixture_fail("@ID@", "\"report-id\":true,",
	    "report-id: expected a string, got a boolean");

	parse_fail("{\"organization-name\":\"o\",\"date-range\":{\"start-datetime\":"
	    "\"2024-01-01T00:00:00Z\",\"end-datetime\":\"2024-01-01T23:59:59Z\"},"
	    "\"report-id\":\"r\"}", "policies: missing");
	parse_fail("{\"organization-name\":\"o\",\"date-range\":{\"start-datetime\":"
	    "\"2024-01-01T00:00:00Z\",\"end-datetime\":\"2024-01-01T23:59:59Z\"},"
	    "\"report-id\":\"r\",\"policies\":{}}", "policies: expected an array, got an object");
	r = parse_ok("{\"organization-name\":\"o\",\"date-range\":{\"start-datetime\":"
	    "\"2024-01-01T00:00:00Z\",\"end-datetime\":\"2024-01-01T23:59:59Z\"},"
	    "\"report-id\":\"r\",\"policies\":[]}");
	g_assert_cmpstr(r->policy_domains, ==, "");
	g_assert_cmpint(r->successful_sessions, ==, 0);
	g_assert_cmpuint(jlen(normalized(r), "policies"), ==, 0);
	report_free(r);

	/* Unknown members are dropped from the normalized copy only. */
	r = fixture_ok("@EXTRA@", ",\"version\":2,\"x-vendor\":{\"a\":[1]}");
	g_assert_false(json_object_object_get_ex(normalized(r), "version", NULL));
	g_assert_nonnull(strstr(r->raw, "\"x-vendor\":{\"a\":[1]}"));
	report_free(r);

	/* Duplicate names: the last one wins, as in json-c and jsonb. */
	r = fixture_ok("@ORG@", "\"organization-name\":\"first\","
	    "\"organization-name\":\"second\",");
	g_assert_cmpstr(r->organization_name, ==, "second");
	report_free(r);
}

/* iso_from_now - the time seconds from now, as RFC 3339 in UTC; owned */
static char *
iso_from_now(gint64 seconds)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autoptr(GDateTime) then = g_date_time_add_seconds(now, (gdouble)seconds);

	return g_date_time_format(then, "%Y-%m-%dT%H:%M:%SZ");
}

/* test_future - a report dated past a day of clock skew from now is
 * refused, naming the date: its figures would stand until that day */
static void
test_future(void)
{
	static const char *const keys[] = { "start-datetime", "end-datetime" };
	g_autofree char *past = iso_from_now(-2 * 86400);
	g_autofree char *skewed = iso_from_now(23 * 3600);
	g_autofree char *ahead = iso_from_now(25 * 3600);

	for (int k = 0; k < 2; k++) {
		g_autofree char *ok = g_strdup_printf("\"%s\":\"%s\",\"%s\":\"%s\"",
		    keys[0], k == 0 ? skewed : past, keys[1], skewed);
		g_autofree char *bad = g_strdup_printf("\"%s\":\"%s\",\"%s\":\"%s\"",
		    keys[0], k == 0 ? ahead : past, keys[1], ahead);
		g_autofree char *msg = g_strdup_printf("date-range.%s: '%s' is in the "
		    "future", keys[k], ahead);
		g_autofree char *far = g_strdup_printf("\"%s\":\"%s\",\"%s\":\"%s\"",
		    keys[0], k == 0 ? "9999-12-31T23:59:59.999999999Z" : past, keys[1],
		    "9999-12-31T23:59:59.999999999Z");
		g_autofree char *far_msg = g_strdup_printf("date-range.%s: "
		    "'9999-12-31T23:59:59.999999999Z' is in the future", keys[k]);

		report_free(fixture_ok("@RANGE@", ok));
		fixture_fail("@RANGE@", bad, msg);
		fixture_fail("@RANGE@", far, far_msg);
	}
	/* A time zone counts: 01:00+02:00 is 23:00Z the day before. */
	{
		g_autoptr(GDateTime) now = g_date_time_new_now_utc();
		g_autoptr(GDateTime) then = g_date_time_add_seconds(now, 25 * 3600);
		g_autoptr(GTimeZone) zone = g_time_zone_new_offset(3 * 3600);
		g_autoptr(GDateTime) local = g_date_time_to_timezone(then, zone);
		g_autofree char *text = g_date_time_format(local, "%Y-%m-%dT%H:%M:%S+03:00");
		g_autofree char *range = g_strdup_printf("\"start-datetime\":\"%s\","
		    "\"end-datetime\":\"%s\"", past, text);
		g_autofree char *msg = g_strdup_printf("date-range.end-datetime: '%s' "
		    "is in the future", text);

		fixture_fail("@RANGE@", range, msg);
	}
}

/* test_dates - date-range and the RFC 3339 date-times in it */
static void
test_dates(void)
{
	static const struct {
		const char *in, *out;
	} good[] = {
		{ "2024-03-26T00:00:00Z", "2024-03-26T00:00:00Z" },
		{ "2024-03-26T00:00:00", "2024-03-26T00:00:00Z" },	/* Microsoft */
		{ "2024-03-26t00:00:00z", "2024-03-26T00:00:00Z" },
		{ "2024-03-26 12:34:56Z", "2024-03-26T12:34:56Z" },
		{ "2024-03-26T00:00:00.123Z", "2024-03-26T00:00:00.123Z" },
		{ "2024-03-26T00:00:00.5+01:00", "2024-03-25T23:00:00.5Z" },
		{ "2024-03-26T01:30:00+02:00", "2024-03-25T23:30:00Z" },
		{ "2024-12-31T23:00:00-01:00", "2025-01-01T00:00:00Z" },
		{ "2024-03-26T00:00:00-00:00", "2024-03-26T00:00:00Z" },
		{ "2024-03-26T05:45:00+05:45", "2024-03-26T00:00:00Z" },
		{ "2024-02-29T12:00:00Z", "2024-02-29T12:00:00Z" },
		{ "2000-02-29T12:00:00Z", "2000-02-29T12:00:00Z" },
		{ "2016-12-31T23:59:60Z", "2017-01-01T00:00:00Z" },
		{ "1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z" },
		{ "0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z" },
		{ "2024-12-31T23:59:59.999999999Z", "2024-12-31T23:59:59.999999999Z" },
	};
	static const struct {
		const char *in, *quoted;
	} bad[] = {
		{ "2016-13-01", "'2016-13-01'" },
		{ "2016-13-01T00:00:00Z", "'2016-13-01T00:00:00Z'" },
		{ "2016-00-01T00:00:00Z", "'2016-00-01T00:00:00Z'" },
		{ "2016-02-30T00:00:00Z", "'2016-02-30T00:00:00Z'" },
		{ "2023-02-29T00:00:00Z", "'2023-02-29T00:00:00Z'" },
		{ "1900-02-29T00:00:00Z", "'1900-02-29T00:00:00Z'" },
		{ "2016-04-31T00:00:00Z", "'2016-04-31T00:00:00Z'" },
		{ "2016-04-01", "'2016-04-01'" },
		{ "2016-04-01T", "'2016-04-01T'" },
		{ "2016-04-01T24:00:00Z", "'2016-04-01T24:00:00Z'" },
		{ "2016-04-01T00:60:00Z", "'2016-04-01T00:60:00Z'" },
		{ "2016-04-01T00:00:61Z", "'2016-04-01T00:00:61Z'" },
		{ "2016-04-01T00:00Z", "'2016-04-01T00:00Z'" },
		{ "2016-04-01T00:00:00+0100", "'2016-04-01T00:00:00+0100'" },
		{ "2016-04-01T00:00:00+01", "'2016-04-01T00:00:00+01'" },
		{ "2016-04-01T00:00:00+24:00", "'2016-04-01T00:00:00+24:00'" },
		{ "2016-04-01T00:00:00.Z", "'2016-04-01T00:00:00.Z'" },
		{ "2016-04-01T00:00:00.1234567890Z", "'2016-04-01T00:00:00.1234567890Z'" },
		{ "2016-04-01T00:00:00ZZ", "'2016-04-01T00:00:00ZZ'" },
		{ "2016-04-01T00:00:00 UTC", "'2016-04-01T00:00:00 UTC'" },
		{ "2016-4-1T00:00:00Z", "'2016-4-1T00:00:00Z'" },
		{ "+2016-04-01T00:00:00Z", "'+2016-04-01T00:00:00Z'" },
		{ "2016-04-01_00:00:00Z", "'2016-04-01_00:00:00Z'" },
		{ "0001-01-01T00:00:00+00:01", "'0001-01-01T00:00:00+00:01'" },
		{ "1459468800", "'1459468800'" },
		{ "", "''" },
		{ "yesterday", "'yesterday'" },
		/* Quoting keeps messages printable and short (common/text.h):
		 * a control character is escaped, the rest is legible. */
		{ "it's \\\\ \\u00e9\\n", "'it's \\ \xc3\xa9\\x0a'" },
		{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		  "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'" },
	};
	gsize	i;

	for (i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autofree char *range = g_strdup_printf("\"start-datetime\":\"%s\","
		    "\"end-datetime\":\"%s\"", good[i].in, good[i].in);
		Report	*r = fixture_ok("@RANGE@", range);

		g_assert_cmpstr(jstr(normalized(r), "date-range.start-datetime"), ==, good[i].out);
		g_assert_cmpstr(jstr(normalized(r), "date-range.end-datetime"), ==, good[i].out);
		report_free(r);
	}
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *start = g_strdup_printf("\"start-datetime\":\"%s\","
		    "\"end-datetime\":\"2024-01-01T00:00:00Z\"", bad[i].in);
		g_autofree char *end = g_strdup_printf("\"start-datetime\":"
		    "\"2024-01-01T00:00:00Z\",\"end-datetime\":\"%s\"", bad[i].in);
		g_autofree char *msg1 = g_strdup_printf("date-range.start-datetime: "
		    "not an RFC 3339 date-time: %s", bad[i].quoted);
		g_autofree char *msg2 = g_strdup_printf("date-range.end-datetime: "
		    "not an RFC 3339 date-time: %s", bad[i].quoted);

		fixture_fail("@RANGE@", start, msg1);
		fixture_fail("@RANGE@", end, msg2);
	}

	parse_fail("{\"organization-name\":\"o\",\"report-id\":\"r\",\"policies\":[]}",
	    "date-range: missing");
	fixture_fail("@RANGE@", "\"start-datetime\":\"2024-01-01T00:00:00Z\"",
	    "date-range.end-datetime: missing");
	fixture_fail("@RANGE@", "\"end-datetime\":\"2024-01-01T00:00:00Z\"",
	    "date-range.start-datetime: missing");
	fixture_fail("@RANGE@", "\"start-datetime\":1459468800,\"end-datetime\":\"x\"",
	    "date-range.start-datetime: expected a string, got an integer");
	fixture_fail("@RANGE@", "\"start-datetime\":null,\"end-datetime\":\"x\"",
	    "date-range.start-datetime: expected a string, got null");
	{
		g_autofree char *json = fixture(NULL, NULL);
		g_autofree char *range_array = NULL;
		char	*p = strstr(json, "\"date-range\":{");
		GString	*s;

		g_assert_nonnull(p);
		s = g_string_new_len(json, p - json);
		g_string_append(s, "\"date-range\":[\"2024-01-01T00:00:00Z\"],");
		g_string_append(s, strchr(p, '}') + 2);
		range_array = g_string_free(s, FALSE);
		parse_fail(range_array, "date-range: expected an object, got an array");
	}
}

/* test_policy - policies[i].policy */
static void
test_policy(void)
{
	Report	*r;
	json_object *n;

	fixture_fail("@POLICY@", "", "policies[0].policy.policy-type: missing");
	fixture_fail("@POLICY@", "\"policy-type\":1",
	    "policies[0].policy.policy-type: expected a string, got an integer");
	fixture_fail("@POLICY@", "\"policy-type\":null",
	    "policies[0].policy.policy-type: expected a string, got null");
	/* A second policy without policy-type. */
	fixture_fail("@DETAILS@", "},{\"policy\":{\"policy-domain\":\"b.example\"},"
	    "\"summary\":{\"total-successful-session-count\":1,"
	    "\"total-failure-session-count\":0}",
	    "policies[1].policy.policy-type: missing");

	/* Values outside the registry are stored as given. */
	r = fixture_ok("@POLICY@", "\"policy-type\":\"invalid-policy-type\"");
	n = normalized(r);
	g_assert_cmpstr(jstr(n, "policies[0].policy.policy-type"), ==, "invalid-policy-type");
	g_assert_null(jget(n, "policies[0].policy.policy-domain"));
	g_assert_null(jget(n, "policies[0].policy.policy-string"));
	g_assert_null(jget(n, "policies[0].policy.mx-host"));
	g_assert_cmpstr(r->policy_domains, ==, "");
	report_free(r);

	r = fixture_ok("@POLICY@", "\"policy-type\":\"sts\",\"policy-domain\":null,"
	    "\"policy-string\":[],\"mx-host\":[]");
	n = normalized(r);
	g_assert_null(jget(n, "policies[0].policy.policy-domain"));
	g_assert_cmpuint(jlen(n, "policies[0].policy.policy-string"), ==, 0);
	g_assert_cmpuint(jlen(n, "policies[0].policy.mx-host"), ==, 0);
	report_free(r);

	r = fixture_ok("@POLICY@", "\"policy-type\":\"sts\",\"policy-domain\":\"\","
	    "\"policy-string\":\"version: STSv1\",\"mx-host\":\"*.example.org\"");
	n = normalized(r);
	/* An empty domain names none, as a missing one. */
	g_assert_null(jget(n, "policies[0].policy.policy-domain"));
	g_assert_null(r->policies[0].policy_domain);
	g_assert_cmpuint(jlen(n, "policies[0].policy.policy-string"), ==, 1);
	g_assert_cmpstr(jstr(n, "policies[0].policy.policy-string[0]"), ==, "version: STSv1");
	g_assert_cmpstr(jstr(n, "policies[0].policy.mx-host[0]"), ==, "*.example.org");
	g_assert_cmpstr(r->policy_domains, ==, "");
	report_free(r);

	r = fixture_ok("@POLICY@", "\"policy-type\":\"sts\",\"policy-string\":null,"
	    "\"mx-host\":[\"a.example\",\"b.example\"]");
	n = normalized(r);
	g_assert_null(jget(n, "policies[0].policy.policy-string"));
	g_assert_cmpstr(jstr(n, "policies[0].policy.mx-host[1]"), ==, "b.example");
	report_free(r);

	fixture_fail("@POLICY@", "\"policy-type\":\"sts\",\"policy-domain\":5",
	    "policies[0].policy.policy-domain: expected a string, got an integer");
	fixture_fail("@POLICY@", "\"policy-type\":\"sts\",\"policy-domain\":[\"a\"]",
	    "policies[0].policy.policy-domain: expected a string, got an array");
	fixture_fail("@POLICY@", "\"policy-type\":\"sts\",\"policy-string\":[1]",
	    "policies[0].policy.policy-string[0]: expected a string, got an integer");
	fixture_fail("@POLICY@", "\"policy-type\":\"sts\",\"policy-string\":{}",
	    "policies[0].policy.policy-string: expected an array, got an object");
	fixture_fail("@POLICY@", "\"policy-type\":\"sts\",\"mx-host\":[\"a\",true]",
	    "policies[0].policy.mx-host[1]: expected a string, got a boolean");
	fixture_fail("@POLICY@", "\"policy-type\":\"sts\",\"mx-host\":[[\"a\"]]",
	    "policies[0].policy.mx-host[0]: expected a string, got an array");
	fixture_fail("@POLICY@", "\"policy-type\":\"sts\",\"mx-host\":1.5",
	    "policies[0].policy.mx-host: expected an array, got a number");
	fixture_fail("@POLICY@", "\"policy-type\":\"sts\",\"mx-host\":[null]",
	    "policies[0].policy.mx-host[0]: expected a string, got null");

	/* The policy object itself, and the policies array's elements. */
	{
		static const struct {
			const char *from, *to, *msg;
		} cases[] = {
			{ "\"policy\":{", "\"policy\":[{", "not JSON" },
			{ "{\"policy\":{", "5,{\"policy\":{", "policies[0]: expected an object, got an integer" },
			{ "{\"policy\":{", "{\"x\":1,\"p\":{", "policies[0].policy: missing" },
			{ "{\"policy\":{", "{\"policy\":[],\"p\":{", "policies[0].policy: expected an object, got an array" },
			{ "\"summary\":{", "\"summary\":5,\"y\":{", "policies[0].summary: expected an object, got an integer" },
			{ "\"summary\":{", "\"y\":{", "policies[0].summary: missing" },
		};
		gsize	i;

		for (i = 0; i < G_N_ELEMENTS(cases); i++) {
			g_autofree char *json = fixture(NULL, NULL);
			g_autofree char *edited = NULL;
			GString	*s = g_string_new(json);
			GError	*error = NULL;
			Report	*bad;

			replace(s, cases[i].from, cases[i].to, FALSE);
			edited = g_string_free(s, FALSE);
			bad = report_new(edited, strlen(edited), NULL, &error);
			g_assert_null(bad);
			g_assert_error(error, TLSRPT_ERROR, ERROR_INVALID);
			if (strcmp(cases[i].msg, "not JSON") == 0)
				g_assert_true(g_str_has_prefix(error->message, "not JSON: "));
			else
				g_assert_cmpstr(error->message, ==, cases[i].msg);
			g_error_free(error);
		}
	}
}

/* test_counts - session counts are integers in 0..INT64_MAX */
static void
test_counts(void)
{
	static const struct {
		const char *value, *msg;
	} bad[] = {
		{ "\"5\"", "expected an integer, got a string" },
		{ "1.5", "expected an integer, got a number" },
		{ "5.0", "expected an integer, got a number" },
		{ "1e3", "expected an integer, got a number" },
		{ "true", "expected an integer, got a boolean" },
		{ "null", "expected an integer, got null" },
		{ "[5]", "expected an integer, got an array" },
		{ "{}", "expected an integer, got an object" },
		{ "-1", "negative count -1" },
		{ "-3", "negative count -3" },
		{ "-9223372036854775807", "negative count -9223372036854775807" },
		{ "-9223372036854775809", "negative count out of range" },
		{ "9223372036854775808", "count out of range" },
		{ "18446744073709551616", "count out of range" },
		{ "100000000000000000000000000000", "count out of range" },
	};
	static const struct {
		const char *value;
		gint64	n;
	} good[] = {
		{ "0", 0 },
		{ "-0", 0 },
		{ "4294967296", G_GINT64_CONSTANT(4294967296) },
		{ "9223372036854775807", G_MAXINT64 },
	};
	static const char *const keys[] = {
		"total-successful-session-count", "total-failure-session-count",
	};
	gsize	i, k;

	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		for (k = 0; k < G_N_ELEMENTS(keys); k++) {
			g_autofree char *summary = g_strdup_printf("\"%s\":%s,\"%s\":0",
			    keys[k], bad[i].value, keys[1 - k]);
			g_autofree char *detail = g_strdup_printf("\"failed-session-count\":%s",
			    bad[i].value);
			g_autofree char *msg = g_strdup_printf("policies[0].summary.%s: %s",
			    keys[k], bad[i].msg);
			g_autofree char *dmsg = g_strdup_printf("policies[0].failure-details[0]."
			    "failed-session-count: %s", bad[i].msg);

			fixture_fail("@SUMMARY@", summary, msg);
			fixture_fail("@DETAIL@", detail, dmsg);
		}
	}
	for (i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autofree char *summary = g_strdup_printf("\"total-successful-session-count\":%s,"
		    "\"total-failure-session-count\":%s", good[i].value, good[i].value);
		g_autofree char *detail = g_strdup_printf("\"failed-session-count\":%s",
		    good[i].value);
		g_autofree char *json = fixture("@SUMMARY@", summary, "@DETAIL@", detail, NULL);
		Report	*r = parse_ok(json);
		json_object *n = normalized(r);

		g_assert_cmpint(jint(n, "policies[0].summary.total-successful-session-count"), ==, good[i].n);
		g_assert_cmpint(jint(n, "policies[0].summary.total-failure-session-count"), ==, good[i].n);
		g_assert_cmpint(jint(n, "policies[0].failure-details[0].failed-session-count"), ==, good[i].n);
		g_assert_cmpint(r->successful_sessions, ==, good[i].n);
		g_assert_cmpint(r->failed_sessions, ==, good[i].n);
		report_free(r);
	}
	fixture_fail("@SUMMARY@", "\"total-failure-session-count\":0",
	    "policies[0].summary.total-successful-session-count: missing");
	fixture_fail("@SUMMARY@", "\"total-successful-session-count\":0",
	    "policies[0].summary.total-failure-session-count: missing");
	fixture_fail("@DETAIL@", "\"result-type\":\"dane-required\"",
	    "policies[0].failure-details[0].failed-session-count: missing");
}

/* test_sums - report-wide sums, counted once per domain, and the
 * policy-domain list */
static void
test_sums(void)
{
	static const char policy_fmt[] = "{\"policy\":{\"policy-type\":\"sts\"%s},"
	    "\"summary\":{\"total-successful-session-count\":%s,"
	    "\"total-failure-session-count\":%s}}";
	g_autofree char *p1 = g_strdup_printf(policy_fmt, ",\"policy-domain\":\"a.example\"",
	    "9223372036854775807", "1");
	g_autofree char *p2 = g_strdup_printf(policy_fmt, ",\"policy-domain\":\"b.example..\"",
	    "9223372036854775807", "2");
	g_autofree char *p3 = g_strdup_printf(policy_fmt, ",\"policy-domain\":\"..\"", "1", "3");
	g_autofree char *p4 = g_strdup_printf(policy_fmt, ",\"policy-domain\":\"a.example\"",
	    "0", "4");
	g_autofree char *p5 = g_strdup_printf(policy_fmt, ",\"policy-domain\":\"A.Example.\"",
	    "0", "5");
	g_autofree char *json = g_strdup_printf("{\"organization-name\":\"o\","
	    "\"date-range\":{\"start-datetime\":\"2024-01-01T00:00:00Z\","
	    "\"end-datetime\":\"2024-01-02T00:00:00Z\"},\"report-id\":\"r\","
	    "\"policies\":[%s,%s,%s,%s,%s]}", p1, p2, p3, p4, p5);
	Report	*r = parse_ok(json);

	/* Once per domain, the largest of its policies (a.example: 1, 4
	 * and 5 give 5), summed over the domains and the policies without
	 * one: 5 + 2 + 3; saturating. */
	g_assert_cmpint(r->successful_sessions, ==, G_MAXINT64);
	g_assert_cmpint(r->failed_sessions, ==, 10);
	/* A domain is one domain however it is written: compared and
	 * grouped lower-case without its trailing dots, stored so, and kept
	 * as written in the raw report. */
	g_assert_cmpstr(r->policy_domains, ==, "a.example,b.example");
	g_assert_cmpstr(r->policies[4].policy_domain, ==, "a.example");
	g_assert_cmpstr(r->policies[1].policy_domain, ==, "b.example");
	/* Dots alone name no domain: counted as a policy without one. */
	g_assert_null(r->policies[2].policy_domain);
	g_assert_nonnull(strstr(r->raw, "\"A.Example.\""));
	g_assert_cmpuint(jlen(normalized(r), "policies"), ==, 5);
	g_assert_cmpuint(jlen(normalized(r), "policies[2].failure-details"), ==, 0);
	report_free(r);
}

/* test_failure_details - policies[i].failure-details[j] */
static void
test_failure_details(void)
{
	static const char *const ips[] = { "sending-mta-ip", "receiving-ip" };
	static const struct {
		const char *in, *out;
	} ip_cases[] = {
		{ "\"192.0.2.1\"", "192.0.2.1" },
		{ "\"::1\"", "::1" },
		{ "\"2001:db8:abcd:0012::1\"", "2001:db8:abcd:0012::1" },
		{ "\"::ffff:192.0.2.1\"", "::ffff:192.0.2.1" },
		{ "\"\"", NULL },
		{ "\"x.x.x.x\"", NULL },
		{ "\"192.0.2.300\"", NULL },
		{ "\"192.0.2.1/24\"", NULL },
		{ "\" 192.0.2.1\"", NULL },
		{ "\"fe80::1%eth0\"", NULL },
		{ "\"mx.example.org\"", NULL },
		{ "null", NULL },
	};
	static const char *const texts[] = {
		"result-type", "receiving-mx-hostname", "receiving-mx-helo",
		"additional-information", "failure-reason-code",
	};
	Report	*r;
	json_object *n;
	gsize	i, k;

	/* failure-details missing, null, empty. */
	r = fixture_ok("@DETAILS@", "");
	g_assert_cmpuint(jlen(normalized(r), "policies[0].failure-details"), ==, 0);
	report_free(r);
	r = fixture_ok("@DETAILS@", ",\"failure-details\":null");
	g_assert_cmpuint(jlen(normalized(r), "policies[0].failure-details"), ==, 0);
	report_free(r);
	r = fixture_ok("@DETAILS@", ",\"failure-details\":[]");
	g_assert_cmpuint(jlen(normalized(r), "policies[0].failure-details"), ==, 0);
	report_free(r);
	fixture_fail("@DETAILS@", ",\"failure-details\":{}",
	    "policies[0].failure-details: expected an array, got an object");
	fixture_fail("@DETAILS@", ",\"failure-details\":\"none\"",
	    "policies[0].failure-details: expected an array, got a string");
	fixture_fail("@DETAILS@", ",\"failure-details\":[{\"failed-session-count\":1},5]",
	    "policies[0].failure-details[1]: expected an object, got an integer");
	fixture_fail("@DETAILS@", ",\"failure-details\":[[]]",
	    "policies[0].failure-details[0]: expected an object, got an array");

	for (k = 0; k < G_N_ELEMENTS(ips); k++) {
		for (i = 0; i < G_N_ELEMENTS(ip_cases); i++) {
			g_autofree char *detail = g_strdup_printf("\"%s\":%s,"
			    "\"failed-session-count\":1", ips[k], ip_cases[i].in);
			g_autofree char *path = g_strdup_printf(
			    "policies[0].failure-details[0].%s", ips[k]);

			r = fixture_ok("@DETAIL@", detail);
			g_assert_cmpstr(jstr(normalized(r), path), ==, ip_cases[i].out);
			report_free(r);
		}
		{
			g_autofree char *detail = g_strdup_printf("\"%s\":3232235521,"
			    "\"failed-session-count\":1", ips[k]);
			g_autofree char *msg = g_strdup_printf("policies[0].failure-details[0]."
			    "%s: expected a string, got an integer", ips[k]);

			fixture_fail("@DETAIL@", detail, msg);
		}
	}

	for (k = 0; k < G_N_ELEMENTS(texts); k++) {
		g_autofree char *null_detail = g_strdup_printf("\"%s\":null,"
		    "\"failed-session-count\":1", texts[k]);
		g_autofree char *str_detail = g_strdup_printf("\"%s\":\"v\\\"al\","
		    "\"failed-session-count\":1", texts[k]);
		g_autofree char *bad_detail = g_strdup_printf("\"%s\":[\"v\"],"
		    "\"failed-session-count\":1", texts[k]);
		g_autofree char *path = g_strdup_printf("policies[0].failure-details[0].%s",
		    texts[k]);
		g_autofree char *msg = g_strdup_printf("%s: expected a string, got an array",
		    path);

		r = fixture_ok("@DETAIL@", "\"failed-session-count\":1");
		g_assert_null(jstr(normalized(r), path));
		report_free(r);
		r = fixture_ok("@DETAIL@", null_detail);
		g_assert_null(jstr(normalized(r), path));
		report_free(r);
		r = fixture_ok("@DETAIL@", str_detail);
		g_assert_cmpstr(jstr(normalized(r), path), ==, "v\"al");
		report_free(r);
		fixture_fail("@DETAIL@", bad_detail, msg);
	}

	/* Registry or not, result types are kept as given. */
	r = fixture_ok("@DETAIL@", "\"result-type\":\"negotiation-failure\",\"failed-session-count\":1");
	g_assert_cmpstr(jstr(normalized(r), "policies[0].failure-details[0].result-type"), ==,
	    "negotiation-failure");
	report_free(r);

	/* The draft's failure-error-code, when failure-reason-code is not there. */
	r = fixture_ok("@DETAIL@", "\"failure-error-code\":\"E1\",\"failed-session-count\":1");
	n = normalized(r);
	g_assert_cmpstr(jstr(n, "policies[0].failure-details[0].failure-reason-code"), ==, "E1");
	g_assert_false(json_object_object_get_ex(jget(n, "policies[0].failure-details[0]"),
	    "failure-error-code", NULL));
	report_free(r);
	r = fixture_ok("@DETAIL@", "\"failure-reason-code\":\"R\",\"failure-error-code\":\"E\","
	    "\"failed-session-count\":1");
	g_assert_cmpstr(jstr(normalized(r), "policies[0].failure-details[0].failure-reason-code"),
	    ==, "R");
	report_free(r);
	r = fixture_ok("@DETAIL@", "\"failure-reason-code\":null,\"failure-error-code\":\"E\","
	    "\"failed-session-count\":1");
	g_assert_cmpstr(jstr(normalized(r), "policies[0].failure-details[0].failure-reason-code"),
	    ==, "E");
	report_free(r);
	fixture_fail("@DETAIL@", "\"failure-error-code\":7,\"failed-session-count\":1",
	    "policies[0].failure-details[0].failure-error-code: expected a string, got an integer");

	/* The RFC's placeholder name is an unknown key, not additional-information. */
	r = fixture_ok("@DETAIL@", "\"additional-info-uri\":\"u\",\"failed-session-count\":1");
	g_assert_null(jstr(normalized(r), "policies[0].failure-details[0].additional-information"));
	report_free(r);
}

/* test_hostile_strings - untrusted text kept byte for byte */
static void
test_hostile_strings(void)
{
	static const struct {
		const char *json, *value;
	} cases[] = {
		{ "\"a\\\"b\\\\c\"", "a\"b\\c" },
		{ "\"'; DROP TABLE tlsrpt.reports; --\"", "'; DROP TABLE tlsrpt.reports; --" },
		{ "\"Robert'); DELETE FROM x WHERE ('1'='1\"", "Robert'); DELETE FROM x WHERE ('1'='1" },
		{ "\"\xc3\x9c" "n\xc3\xaf" "c\xc3\xb8" "d\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xae\"",
		  "\xc3\x9c" "n\xc3\xaf" "c\xc3\xb8" "d\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xae" },
		{ "\"\\u00e9\\ud83d\\ude00\\u2028\"", "\xc3\xa9\xf0\x9f\x98\x80\xe2\x80\xa8" },
		{ "\"line\\nbreak\\ttab\\u0001\\u001f\"", "line\nbreak\ttab\x01\x1f" },
		{ "\"%s%n%x $(id) `id` ${HOME}\"", "%s%n%x $(id) `id` ${HOME}" },
		{ "\"<script>alert(1)</script>&amp;\"", "<script>alert(1)</script>&amp;" },
		{ "\"a\\/b\"", "a/b" },
	};
	gsize	i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *org = g_strdup_printf("\"organization-name\":%s,", cases[i].json);
		g_autofree char *id = g_strdup_printf("\"report-id\":%s,", cases[i].json);
		g_autofree char *policy = g_strdup_printf("\"policy-type\":%s,"
		    "\"policy-domain\":%s,\"policy-string\":[%s],\"mx-host\":%s",
		    cases[i].json, cases[i].json, cases[i].json, cases[i].json);
		g_autofree char *detail = g_strdup_printf("\"result-type\":%s,"
		    "\"receiving-mx-hostname\":%s,\"failure-reason-code\":%s,"
		    "\"sending-mta-ip\":%s,\"failed-session-count\":1",
		    cases[i].json, cases[i].json, cases[i].json, cases[i].json);
		g_autofree char *json = fixture("@ORG@", org, "@ID@", id,
		    "@POLICY@", policy, "@DETAIL@", detail, NULL);
		g_autofree char *pretty = NULL;
		/* A policy domain is compared and grouped lower-case. */
		g_autofree char *domain = g_ascii_strdown(cases[i].value, -1);
		Report	*r = parse_ok(json);
		json_object *n = normalized(r), *back;

		g_assert_cmpstr(r->raw, ==, json);
		g_assert_cmpstr(r->organization_name, ==, cases[i].value);
		g_assert_cmpstr(r->report_id, ==, cases[i].value);
		g_assert_cmpstr(r->policy_domains, ==, domain);
		g_assert_cmpstr(jstr(n, "policies[0].policy.policy-type"), ==, cases[i].value);
		g_assert_cmpstr(jstr(n, "policies[0].policy.policy-string[0]"), ==, cases[i].value);
		g_assert_cmpstr(jstr(n, "policies[0].policy.mx-host[0]"), ==, cases[i].value);
		g_assert_cmpstr(jstr(n, "policies[0].failure-details[0].result-type"), ==, cases[i].value);
		g_assert_cmpstr(jstr(n, "policies[0].failure-details[0].receiving-mx-hostname"), ==,
		    cases[i].value);
		g_assert_cmpstr(jstr(n, "policies[0].failure-details[0].failure-reason-code"), ==,
		    cases[i].value);
		g_assert_null(jget(n, "policies[0].failure-details[0].sending-mta-ip"));
		/* The members the store reads say the same. */
		g_assert_cmpstr(r->policies[0].policy_type, ==, cases[i].value);
		g_assert_cmpstr(r->policies[0].policy_domain, ==, domain);
		g_assert_cmpstr(r->policies[0].policy_string[0], ==, cases[i].value);
		g_assert_null(r->policies[0].policy_string[1]);
		g_assert_cmpstr(r->policies[0].mx_host[0], ==, cases[i].value);
		g_assert_cmpstr(r->policies[0].failure_details[0].result_type, ==,
		    cases[i].value);
		g_assert_cmpstr(r->policies[0].failure_details[0].failure_reason_code,
		    ==, cases[i].value);
		g_assert_null(r->policies[0].failure_details[0].sending_mta_ip);
		g_assert_cmpint(r->policies[0].failure_details[0].failed_session_count,
		    ==, 1);

		/* And the printed form reads back the same. */
		pretty = report_to_json_string(r);
		back = json_tokener_parse(pretty);
		g_assert_nonnull(back);
		g_assert_cmpstr(jstr(back, "organization-name"), ==, cases[i].value);
		json_object_put(back);
		report_free(r);
	}
}

/* test_to_json_string - pretty, unescaped slashes, and an owned copy */
static void
test_to_json_string(void)
{
	Report	*r = fixture_ok("@CONTACT@", "\"contact-info\":\"a/b@example.org\",");
	char	*s1 = report_to_json_string(r);
	char	*s2 = report_to_json_string(r);
	json_object *back;

	g_assert_true(s1 != s2);
	g_assert_cmpstr(s1, ==, s2);
	g_assert_nonnull(strchr(s1, '\n'));
	g_assert_nonnull(strstr(s1, "a/b@example.org"));
	g_assert_null(strstr(s1, "\\/"));
	back = json_tokener_parse(s1);
	g_assert_true(json_object_equal(back, normalized(r)));
	json_object_put(back);
	g_free(s1);
	g_free(s2);
	report_free(r);
	report_free(NULL);
}

/* limits_ok - json passes under limits */
static void
limits_ok(const char *json, const ReportLimits *limits)
{
	GError	*error = NULL;
	Report	*report = report_new(json, strlen(json), limits, &error);

	g_assert_no_error(error);
	g_assert_nonnull(report);
	report_free(report);
}

/* limits_fail - json fails under limits with message */
static void
limits_fail(const char *json, const ReportLimits *limits, const char *message)
{
	GError	*error = NULL;
	Report	*report = report_new(json, strlen(json), limits, &error);

	g_assert_null(report);
	g_assert_error(error, TLSRPT_ERROR, ERROR_INVALID);
	g_assert_cmpstr(error->message, ==, message);
	g_error_free(error);
}

/* nested - ",\"x\":" and n nested arrays, for @EXTRA@; owned */
static char *
nested(guint n)
{
	GString	*s = g_string_new(",\"x\":");
	guint	i;

	for (i = 0; i < n; i++)
		g_string_append_c(s, '[');
	for (i = 0; i < n; i++)
		g_string_append_c(s, ']');
	return g_string_free(s, FALSE);
}

/* repeated - n copies of item joined by commas; owned */
static char *
repeated(const char *item, guint n)
{
	GString	*s = g_string_new(NULL);
	guint	i;

	for (i = 0; i < n; i++)
		g_string_append_printf(s, "%s%s", i ? "," : "", item);
	return g_string_free(s, FALSE);
}

/* test_limits - each limit: a report at it passes, one past it fails */
static void
test_limits(void)
{
	ReportLimits limits = REPORT_LIMITS_DEFAULT;
	g_autofree char *at = NULL, *past = NULL, *extra = NULL;
	g_autofree char *detail = NULL, *details = NULL, *policy = NULL;
	g_autofree char *policies = NULL, *big = NULL;
	GString	*s;

	/* Depth: the object holding "x" is level 1; a report's own fields
	 * reach level 5, so 5 is the least that lets a report through. */
	limits.max_depth = 8;
	extra = nested(7);
	at = fixture("@EXTRA@", extra, NULL);
	limits_ok(at, &limits);
	g_free(extra);
	extra = nested(8);
	past = fixture("@EXTRA@", extra, NULL);
	g_free(extra);
	extra = g_strdup_printf("JSON nested deeper than 8 levels at offset %td",
	    strstr(past, "\"x\":[") + 4 + 7 - past);
	limits_fail(past, &limits, extra);
	g_clear_pointer(&at, g_free);
	g_clear_pointer(&past, g_free);
	limits.max_depth = REPORT_MIN_DEPTH;
	at = fixture(NULL, NULL);
	limits_ok(at, &limits);
	g_clear_pointer(&at, g_free);
	limits = (ReportLimits)REPORT_LIMITS_DEFAULT;

	/* String length: bytes as written between the quotes, escapes
	 * included, for names as for values. */
	/* "total-successful-session-count" is the longest of the base. */
	limits.max_string = 30;
	at = fixture("@ORG@", "\"organization-name\":"
	    "\"123456789012345678901234567890\",", NULL);
	limits_ok(at, &limits);
	past = fixture("@ORG@", "\"organization-name\":"
	    "\"1234567890123456789012345678901\",", NULL);
	limits_fail(past, &limits, "string longer than 30 bytes at offset 21");
	g_clear_pointer(&at, g_free);
	g_clear_pointer(&past, g_free);
	past = fixture("@ORG@", "\"organization-name\":"
	    "\"12345678901234567890123456789\\n\",", NULL);
	limits_fail(past, &limits, "string longer than 30 bytes at offset 21");
	g_clear_pointer(&past, g_free);
	past = fixture("@EXTRA@", ",\"1234567890123456789012345678901\":1", NULL);
	g_free(extra);
	extra = g_strdup_printf("string longer than 30 bytes at offset %td",
	    strstr(past, "\"1234567890123456789012345678901") - past);
	limits_fail(past, &limits, extra);
	g_clear_pointer(&past, g_free);
	limits = (ReportLimits)REPORT_LIMITS_DEFAULT;

	/* Values: the base report holds 26; an extension array adds one
	 * value per element and one for itself. */
	limits.max_values = 36;
	at = fixture("@EXTRA@", ",\"x\":[1,2,3,4,5,6,7,8,9]", NULL);
	limits_ok(at, &limits);
	past = fixture("@EXTRA@", ",\"x\":[1,2,3,4,5,6,7,8,9,10]", NULL);
	limits_fail(past, &limits, "more than 36 JSON values");
	g_clear_pointer(&at, g_free);
	g_clear_pointer(&past, g_free);
	limits = (ReportLimits)REPORT_LIMITS_DEFAULT;

	/* Policies and failure-details, at the defaults. */
	detail = g_strdup("{\"result-type\":\"certificate-expired\","
	    "\"sending-mta-ip\":\"192.0.2.1\",\"failed-session-count\":1}");
	details = repeated(detail, limits.max_failure_details);
	big = g_strdup_printf(",\"failure-details\":[%s]", details);
	at = fixture("@DETAILS@", big, NULL);
	limits_ok(at, &limits);
	g_clear_pointer(&at, g_free);
	g_clear_pointer(&big, g_free);
	g_clear_pointer(&details, g_free);
	details = repeated(detail, limits.max_failure_details + 1);
	big = g_strdup_printf(",\"failure-details\":[%s]", details);
	past = fixture("@DETAILS@", big, NULL);
	limits_fail(past, &limits,
	    "policies[0].failure-details: more than 50000 failure-details in the report");
	g_clear_pointer(&past, g_free);
	g_clear_pointer(&big, g_free);
	g_clear_pointer(&details, g_free);

	/* failure-details count over all policies together. */
	limits.max_failure_details = 3;
	policy = g_strdup_printf("{\"policy\":{\"policy-type\":\"sts\"},"
	    "\"summary\":{\"total-successful-session-count\":1,"
	    "\"total-failure-session-count\":1},\"failure-details\":[%s]}", detail);
	s = g_string_new(NULL);
	g_string_printf(s, "{\"organization-name\":\"o\",\"date-range\":{"
	    "\"start-datetime\":\"2024-01-01T00:00:00Z\",\"end-datetime\":"
	    "\"2024-01-01T23:59:59Z\"},\"report-id\":\"r\",\"policies\":[%s,%s,%s]}",
	    policy, policy, policy);
	limits_ok(s->str, &limits);
	g_string_printf(s, "{\"organization-name\":\"o\",\"date-range\":{"
	    "\"start-datetime\":\"2024-01-01T00:00:00Z\",\"end-datetime\":"
	    "\"2024-01-01T23:59:59Z\"},\"report-id\":\"r\",\"policies\":[%s,%s,%s,%s]}",
	    policy, policy, policy, policy);
	limits_fail(s->str, &limits,
	    "policies[3].failure-details: more than 3 failure-details in the report");
	limits = (ReportLimits)REPORT_LIMITS_DEFAULT;

	policies = repeated(policy, limits.max_policies);
	g_string_printf(s, "{\"organization-name\":\"o\",\"date-range\":{"
	    "\"start-datetime\":\"2024-01-01T00:00:00Z\",\"end-datetime\":"
	    "\"2024-01-01T23:59:59Z\"},\"report-id\":\"r\",\"policies\":[%s]}",
	    policies);
	limits_ok(s->str, &limits);
	g_clear_pointer(&policies, g_free);
	policies = repeated(policy, limits.max_policies + 1);
	g_string_printf(s, "{\"organization-name\":\"o\",\"date-range\":{"
	    "\"start-datetime\":\"2024-01-01T00:00:00Z\",\"end-datetime\":"
	    "\"2024-01-01T23:59:59Z\"},\"report-id\":\"r\",\"policies\":[%s]}",
	    policies);
	limits_fail(s->str, &limits, "policies: more than 10000 entries");
	g_string_free(s, TRUE);
}

/* test_autoptr - the cleanup function works with g_autoptr */
static void
test_autoptr(void)
{
	g_autofree char *json = fixture(NULL, NULL);
	g_autoptr(Report) r = report_new(json, strlen(json), NULL, NULL);
	g_autoptr(Report) none = report_new("x", 1, NULL, NULL);

	g_assert_nonnull(r);
	g_assert_null(none);
	g_assert_cmpstr(r->raw, ==, json);
	g_assert_cmpstr(r->organization_name, ==, "Example Org");
	g_assert_cmpstr(r->report_id, ==, "rid-1");
	g_assert_cmpstr(r->policy_domains, ==, "example.org");
	g_assert_cmpint(r->successful_sessions, ==, 10);
	g_assert_cmpint(r->failed_sessions, ==, 1);
}

int
main(int argc, char **argv)
{
	int	status;

	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/report/corpus/real", test_corpus_real);
	g_test_add_func("/report/corpus/figures", test_corpus_figures);
	g_test_add_func("/report/corpus/edge", test_corpus_edge);
	g_test_add_func("/report/syntax", test_syntax);
	g_test_add_func("/report/normalized-shape", test_normalized_shape);
	g_test_add_func("/report/top-level", test_top_level);
	g_test_add_func("/report/dates", test_dates);
	g_test_add_func("/report/future", test_future);
	g_test_add_func("/report/policy", test_policy);
	g_test_add_func("/report/counts", test_counts);
	g_test_add_func("/report/sums", test_sums);
	g_test_add_func("/report/failure-details", test_failure_details);
	g_test_add_func("/report/hostile-strings", test_hostile_strings);
	g_test_add_func("/report/to-json-string", test_to_json_string);
	g_test_add_func("/report/autoptr", test_autoptr);
	g_test_add_func("/report/limits", test_limits);
	normalized_kept = g_ptr_array_new_with_free_func(normalized_free);
	status = g_test_run();
	g_ptr_array_unref(normalized_kept);
	return status;
}
