/* test-sniff.c - sniff_content: what a buffer holds, by how it starts
 *
 * message.c and decode.c both ask: what one takes for JSON, the other
 * must too (a bare report after a form feed was once JSON to one and
 * "neither JSON nor gzip" to the other, and bounced).
 */
#include "config.h"

#include <string.h>

#include "common/sniff.h"

/* sniffs - sniff_content of len bytes of text is kind, starting at offset */
static void
sniffs(const char *text, gsize len, Sniff kind, gsize offset)
{
	gsize	got = G_MAXSIZE;

	g_assert_cmpint(sniff_content((const guint8 *)text, len, &got), ==, kind);
	g_assert_cmpuint(got, ==, offset);
}

/* sniffs_str - sniffs on a C string */
static void
sniffs_str(const char *text, Sniff kind, gsize offset)
{
	sniffs(text, strlen(text), kind, offset);
}

/* test_json - an object, after whatever blank a tool writes before it */
static void
test_json(void)
{
	sniffs_str("{}", SNIFF_JSON, 0);
	sniffs_str(" \t\r\n{\"a\":1}", SNIFF_JSON, 4);
	sniffs_str("\f{}", SNIFF_JSON, 1);
	sniffs_str("\v\f\n{}", SNIFF_JSON, 3);
	sniffs_str("\xef\xbb\xbf{}", SNIFF_JSON, 3);
	sniffs_str("\xef\xbb\xbf \f{}", SNIFF_JSON, 5);
	/* A top-level array is no report. */
	sniffs_str("[{}]", SNIFF_OTHER, 0);
	/* UTF-16 is not what reporters write. */
	sniffs("\xff\xfe{\0", 4, SNIFF_OTHER, 0);
}

/* test_binary - gzip and zip by their magic numbers */
static void
test_binary(void)
{
	sniffs("\x1f\x8b\x08\x00", 4, SNIFF_GZIP, 0);
	sniffs("\r\n\x1f\x8b", 4, SNIFF_GZIP, 2);
	sniffs("\x1f", 1, SNIFF_OTHER, 0);
	sniffs("PK\3\4\24\0", 6, SNIFF_ZIP, 0);
	sniffs("PK\3", 3, SNIFF_OTHER, 0);
	sniffs("x\x9c\3\0", 4, SNIFF_OTHER, 0);
}

/* test_xml - markup, and DMARC's root element within reach */
static void
test_xml(void)
{
	static const char dmarc[] = "<?xml version=\"1.0\"?>\n<feedback><x/></feedback>";
	GString	*late = g_string_new("<?xml version=\"1.0\"?>\n<!--");

	sniffs_str(dmarc, SNIFF_XML, 0);
	sniffs_str("\n<html></html>", SNIFF_XML, 1);
	g_assert_true(sniff_dmarc((const guint8 *)dmarc, strlen(dmarc)));
	g_assert_false(sniff_dmarc((const guint8 *)"<html/>", 7));
	g_assert_false(sniff_dmarc(NULL, 0));
	for (int i = 0; i < 600; i++)
		g_string_append(late, " padding");
	g_string_append(late, "--><feedback/>");
	g_assert_false(sniff_dmarc((const guint8 *)late->str, late->len));
	g_string_free(late, TRUE);
}

/* test_empty - nothing, or nothing but blanks; NULL data when empty */
static void
test_empty(void)
{
	g_autoptr(GBytes) none = g_bytes_new(NULL, 0);
	gsize	offset = 1;

	sniffs(NULL, 0, SNIFF_EMPTY, 0);
	sniffs_str(" \r\n\t\f\v", SNIFF_EMPTY, 6);
	sniffs_str("\xef\xbb\xbf", SNIFF_EMPTY, 3);
	/* Half a byte-order mark is not one. */
	sniffs_str("\xef\xbb", SNIFF_OTHER, 0);
	g_assert_cmpint(sniff_bytes(none, &offset), ==, SNIFF_EMPTY);
	g_assert_cmpuint(offset, ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sniff/json", test_json);
	g_test_add_func("/sniff/binary", test_binary);
	g_test_add_func("/sniff/xml", test_xml);
	g_test_add_func("/sniff/empty", test_empty);
	return g_test_run();
}
