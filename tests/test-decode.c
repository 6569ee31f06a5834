/* test-decode.c - decode_report: gzip, bombs, damage, and what is not JSON
 *
 * gzip streams are made here with zlib; the shared corpus is read in
 * place (tests/corpus.h).
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>
#include <zlib.h>

#include "common/error.h"
#include "corpus.h"
#include "ingest/decode.h"

static const char small_json[] =
    "{\"organization-name\":\"Example Org\",\"report-id\":\"r1\",\"policies\":[]}";

/* gzip_member - data as one gzip member, flushing with flush every step
 * bytes of input (0: never) */
static GByteArray *
gzip_member(const void *data, gsize len, gsize step, int flush)
{
	GByteArray *out = g_byte_array_new();
	z_stream z;
	gsize	done = 0;
	int	ret;

	memset(&z, 0, sizeof z);
	g_assert_cmpint(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY), ==, Z_OK);
	do {
		gsize	n = step > 0 && len - done > step ? step : len - done;
		int	mode = done + n == len ? Z_FINISH : flush;

		z.next_in = (Bytef *)data + done;
		z.avail_in = (uInt)n;
		do {
			guchar	buf[4096];

			z.next_out = buf;
			z.avail_out = sizeof buf;
			ret = deflate(&z, mode);
			g_assert_cmpint(ret, !=, Z_STREAM_ERROR);
			g_byte_array_append(out, buf, sizeof buf - z.avail_out);
		} while (z.avail_out == 0);
		done += n;
	} while (done < len);
	g_assert_cmpint(ret, ==, Z_STREAM_END);
	deflateEnd(&z);
	return out;
}

/* gzip_bytes - text as one gzip member */
static GBytes *
gzip_bytes(const char *text, gsize len)
{
	return g_byte_array_free_to_bytes(gzip_member(text, len, 0, Z_NO_FLUSH));
}

/* Arguments to concat: a string literal (NULs included), or bytes. */
#define TXT(s)		(gsize)(sizeof(s) - 1), (const void *)(s)
#define BYTES(n, p)	(gsize)(n), (const void *)(p)
#define END		(gsize)0, (const void *)NULL

/* concat - pieces joined; arguments are TXT() or BYTES(), then END */
static GBytes *
concat(gsize len, const void *data, ...)
{
	GByteArray *out = g_byte_array_new();
	va_list	ap;

	va_start(ap, data);
	while (data != NULL) {
		g_byte_array_append(out, data, (guint)len);
		len = va_arg(ap, gsize);
		data = va_arg(ap, const void *);
	}
	va_end(ap);
	return g_byte_array_free_to_bytes(out);
}

/* decode_ok - decode payload, which must succeed, and compare the text */
static void
decode_ok(GBytes *payload, gsize max_size, const char *expected, gsize expected_len)
{
	GError	*error = NULL;
	GBytes	*json = decode_report(payload, max_size, "test part", &error);
	const char *text;
	gsize	len;

	g_assert_no_error(error);
	g_assert_nonnull(json);
	text = g_bytes_get_data(json, &len);
	g_assert_cmpuint(len, ==, expected_len);
	g_assert_true(memcmp(text, expected, len) == 0);
	g_assert_cmpint(text[len], ==, '\0');
	g_bytes_unref(json);
}

/* decode_fail - decode payload, which must fail with class and message */
static void
decode_fail(GBytes *payload, gsize max_size, int class, const char *message)
{
	GError	*error = NULL;
	GBytes	*json = decode_report(payload, max_size, "test part", &error);

	g_assert_null(json);
	g_assert_error(error, TLSRPT_ERROR, class);
	if (message != NULL)
		g_assert_cmpstr(error->message, ==, message);
	g_error_free(error);
}

/* decode_fail_text - as decode_fail for a NUL-terminated payload */
static void
decode_fail_text(const char *text, int class, const char *message)
{
	GBytes	*payload = g_bytes_new_static(text, strlen(text));

	decode_fail(payload, 1 << 20, class, message);
	g_bytes_unref(payload);
}

/* test_corpus - the corpus's gzip'd reports inflate to their JSON */
static void
test_corpus(void)
{
	static const char *const names[] = {
		"real/mail-tls-rpt__report.json.gz",
		"real/tls-rpt-monitor__microsoft-report.json.gz",
	};
	g_autoptr(GBytes) plain = corpus_read("real/mail-tls-rpt__report.json");
	gsize	i;
	GError	*error = NULL;

	for (i = 0; i < G_N_ELEMENTS(names); i++) {
		GBytes	*gz = corpus_read(names[i]);
		GBytes	*json;
		gsize	json_len;
		const char *text;

		json = decode_report(gz, 1 << 20, names[i], &error);
		g_assert_no_error(error);
		text = g_bytes_get_data(json, &json_len);
		g_assert_cmpint(text[0], ==, '{');
		g_assert_cmpint(text[json_len], ==, '\0');
		g_assert_cmpuint(strlen(text), ==, json_len);
		/* The same report, bare, is in the corpus too. */
		if (i == 0) {
			g_assert_cmpuint(json_len, ==, g_bytes_get_size(plain));
			g_assert_true(memcmp(text, g_bytes_get_data(plain, NULL),
			    json_len) == 0);
		}
		/* Too small a cap refuses even a real report. */
		decode_fail(gz, json_len - 1, ERROR_INVALID, NULL);
		decode_ok(gz, json_len, text, json_len);
		g_bytes_unref(json);
		g_bytes_unref(gz);
	}
}

/* test_plain - JSON passes through, without BOM and leading blanks */
static void
test_plain(void)
{
	gsize	n = strlen(small_json);
	GBytes	*p;

	p = concat(TXT(small_json), END);
	decode_ok(p, 1 << 20, small_json, n);
	decode_ok(p, n, small_json, n);
	decode_fail(p, n - 1, ERROR_INVALID,
	    "test part: report larger than 65 bytes");
	g_bytes_unref(p);

	p = concat(TXT("\xef\xbb\xbf"), TXT(small_json), END);
	decode_ok(p, 1 << 20, small_json, n);
	g_bytes_unref(p);

	p = concat(TXT("\xef\xbb\xbf \r\n\t\n"), TXT(small_json), TXT("\r\n"), END);
	{
		g_autofree char *crlf = g_strconcat(small_json, "\r\n", NULL);

		decode_ok(p, 1 << 20, crlf, n + 2);
	}
	g_bytes_unref(p);

	/* A form feed or vertical tab before it, as message.c also skips
	 * them: both stages recognise JSON with one sniff. */
	p = concat(TXT("\f\v\n"), TXT(small_json), END);
	decode_ok(p, 1 << 20, small_json, n);
	g_bytes_unref(p);

	/* The payload is copied: the result outlives it. */
	{
		char	*copy = g_strdup(small_json);
		GBytes	*owned = g_bytes_new_take(copy, n);
		GError	*error = NULL;
		GBytes	*json = decode_report(owned, 1 << 20, NULL, &error);

		g_assert_no_error(error);
		g_bytes_unref(owned);
		g_assert_cmpstr(g_bytes_get_data(json, NULL), ==, small_json);
		g_bytes_unref(json);
	}
}

/* test_gzip - one member, BOMs, flush points, large output */
static void
test_gzip(void)
{
	gsize	n = strlen(small_json);
	GBytes	*gz;
	GByteArray *arr;
	GString	*big;
	int	i;

	gz = gzip_bytes(small_json, n);
	decode_ok(gz, 1 << 20, small_json, n);
	decode_ok(gz, n, small_json, n);
	decode_fail(gz, n - 1, ERROR_INVALID,
	    "test part: report larger than 65 bytes after decompression");
	decode_fail(gz, 0, ERROR_INVALID,
	    "test part: report larger than 0 bytes after decompression");
	g_bytes_unref(gz);

	/* White space before the gzip magic, BOM inside it. */
	{
		g_autofree char *inner = g_strconcat("\xef\xbb\xbf\n ", small_json, NULL);
		GBytes	*member = gzip_bytes(inner, strlen(inner));
		gsize	mlen;
		const void *m = g_bytes_get_data(member, &mlen);

		gz = concat(TXT("\r\n "), BYTES(mlen, m), END);
		decode_ok(gz, 1 << 20, small_json, n);
		g_bytes_unref(gz);
		g_bytes_unref(member);
	}

	/* Sync and full flush points, as some reporters' gzip has. */
	arr = gzip_member(small_json, n, 7, Z_SYNC_FLUSH);
	gz = g_byte_array_free_to_bytes(arr);
	decode_ok(gz, 1 << 20, small_json, n);
	g_bytes_unref(gz);
	arr = gzip_member(small_json, n, 5, Z_FULL_FLUSH);
	gz = g_byte_array_free_to_bytes(arr);
	decode_ok(gz, 1 << 20, small_json, n);
	g_bytes_unref(gz);

	/* Output that outgrows the buffer many times over. */
	big = g_string_new("{\"x\":[");
	for (i = 0; i < 100000; i++)
		g_string_append_printf(big, "%s%d", i > 0 ? "," : "", i * 7919);
	g_string_append(big, "]}");
	gz = gzip_bytes(big->str, big->len);
	decode_ok(gz, big->len, big->str, big->len);
	decode_fail(gz, big->len - 1, ERROR_INVALID, NULL);
	decode_fail(gz, 100000, ERROR_INVALID,
	    "test part: report larger than 100000 bytes after decompression");
	g_bytes_unref(gz);
	g_string_free(big, TRUE);
}

/* make_bomb - a gzip member of total zero bytes, deflated at level 9
 *
 * The input goes through deflate() one chunk at a time with a full flush,
 * which resets the compressor: once two chunks come out the same, every
 * later one would too, and copying the bytes spares valgrind a gigabyte
 * of deflating.  The trailer is computed for the whole input.
 */
static GBytes *
make_bomb(gsize total, gsize chunk)
{
	guchar	*zeros = g_malloc0(chunk);
	GByteArray *out = g_byte_array_new();
	GByteArray *last = g_byte_array_new();
	GByteArray *piece = g_byte_array_new();
	z_stream z;
	gsize	done = 0;
	uLong	crc = crc32(0, NULL, 0), chunk_crc = crc32(0, zeros, (uInt)chunk);
	guchar	trailer[8];
	int	i;

	memset(&z, 0, sizeof z);
	g_assert_cmpint(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY),
	    ==, Z_OK);
	for (done = 0; done < total; done += chunk) {
		if (last->len > 0 && piece->len == last->len &&
		    memcmp(piece->data, last->data, piece->len) == 0) {
			g_byte_array_append(out, piece->data, piece->len);
		} else {
			g_byte_array_set_size(last, 0);
			g_byte_array_append(last, piece->data, piece->len);
			g_byte_array_set_size(piece, 0);
			z.next_in = zeros;
			z.avail_in = (uInt)chunk;
			do {
				guchar	buf[65536];

				z.next_out = buf;
				z.avail_out = sizeof buf;
				g_assert_cmpint(deflate(&z, Z_FULL_FLUSH), ==, Z_OK);
				g_byte_array_append(piece, buf, sizeof buf - z.avail_out);
			} while (z.avail_out == 0);
			g_byte_array_append(out, piece->data, piece->len);
		}
		crc = crc32_combine(crc, chunk_crc, (z_off_t)chunk);
	}
	/* The last block, empty, then a trailer for what went in. */
	z.avail_in = 0;
	do {
		guchar	buf[256];

		z.next_out = buf;
		z.avail_out = sizeof buf;
		i = deflate(&z, Z_FINISH);
		g_byte_array_append(out, buf, sizeof buf - z.avail_out);
	} while (i == Z_OK);
	g_assert_cmpint(i, ==, Z_STREAM_END);
	deflateEnd(&z);
	g_byte_array_set_size(out, out->len - 8);
	for (i = 0; i < 4; i++) {
		trailer[i] = (guchar)(crc >> (8 * i));
		trailer[4 + i] = (guchar)((guint64)total >> (8 * i));
	}
	g_byte_array_append(out, trailer, 8);
	g_free(zeros);
	g_byte_array_free(last, TRUE);
	g_byte_array_free(piece, TRUE);
	return g_byte_array_free_to_bytes(out);
}

/* test_bomb - a gigabyte of zeros is refused at the cap, at once */
static void
test_bomb(void)
{
	GBytes	*bomb, *small;
	gint64	start, elapsed;
	gsize	len;

	/* First make sure the shortcut makes real gzip. */
	small = make_bomb(8 << 20, 1 << 20);
	g_assert_cmpuint(g_bytes_get_size(small), <, 16384);
	{
		GError	*error = NULL;
		GBytes	*json = decode_report(small, 9 << 20, "small bomb", &error);

		/* Zeros are not JSON, but they did inflate completely. */
		g_assert_null(json);
		g_assert_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT);
		g_assert_cmpstr(error->message, ==,
		    "small bomb holds gzip'd data that is not JSON");
		g_error_free(error);
	}
	decode_fail(small, 8 << 20, ERROR_NOT_REPORT, NULL);
	decode_fail(small, (8 << 20) - 1, ERROR_INVALID,
	    "test part: report larger than 8388607 bytes after decompression");
	g_bytes_unref(small);

	bomb = make_bomb((gsize)1 << 30, 1 << 20);
	len = g_bytes_get_size(bomb);
	g_test_message("bomb: %" G_GSIZE_FORMAT " bytes inflating to 1 GiB", len);
	g_assert_cmpuint(len, <, 2 << 20);

	start = g_get_monotonic_time();
	decode_fail(bomb, 1 << 20, ERROR_INVALID,
	    "test part: report larger than 1048576 bytes after decompression");
	elapsed = g_get_monotonic_time() - start;
	g_test_message("refused in %" G_GINT64_FORMAT " us", elapsed);
	/* Inflating the whole gigabyte takes seconds; the first megabyte,
	 * milliseconds (a second or so under valgrind). */
	g_assert_cmpint(elapsed, <, 5 * G_USEC_PER_SEC);
	g_bytes_unref(bomb);
}

/* test_truncated - every cut of a gzip stream is refused as truncated */
static void
test_truncated(void)
{
	GBytes	*gz = gzip_bytes(small_json, strlen(small_json));
	gsize	len, cut;
	const guchar *data = g_bytes_get_data(gz, &len);

	for (cut = 2; cut < len; cut++) {
		GBytes	*part = g_bytes_new(data, cut);

		decode_fail(part, 1 << 20, ERROR_INVALID,
		    "test part: truncated gzip stream");
		g_bytes_unref(part);
	}
	/* One byte of magic is not gzip at all. */
	{
		GBytes	*part = g_bytes_new(data, 1);

		decode_fail(part, 1 << 20, ERROR_NOT_REPORT,
		    "test part holds neither JSON nor gzip");
		g_bytes_unref(part);
	}
	g_bytes_unref(gz);
}

/* test_corrupt - damaged members are refused, named by zlib */
static void
test_corrupt(void)
{
	GBytes	*gz = gzip_bytes(small_json, strlen(small_json));
	gsize	len, i;
	const guchar *data = g_bytes_get_data(gz, &len);
	guchar	*copy = g_malloc(len);
	GBytes	*bad;

	memcpy(copy, data, len);
	/* The CRC-32 in the trailer, then the length. */
	copy[len - 8] ^= 0x01;
	bad = g_bytes_new(copy, len);
	decode_fail(bad, 1 << 20, ERROR_INVALID,
	    "test part: corrupt gzip stream: incorrect data check");
	g_bytes_unref(bad);
	copy[len - 8] ^= 0x01;
	copy[len - 4] ^= 0x01;
	bad = g_bytes_new(copy, len);
	decode_fail(bad, 1 << 20, ERROR_INVALID,
	    "test part: corrupt gzip stream: incorrect length check");
	g_bytes_unref(bad);
	copy[len - 4] ^= 0x01;

	/* The compression method byte of the header. */
	copy[2] = 7;
	bad = g_bytes_new(copy, len);
	decode_fail(bad, 1 << 20, ERROR_INVALID,
	    "test part: corrupt gzip stream: unknown compression method");
	g_bytes_unref(bad);
	copy[2] = 8;

	/* Any flipped bit in the deflate data or trailer is caught. */
	for (i = 10; i < len; i++) {
		int	bit;

		for (bit = 0; bit < 8; bit++) {
			copy[i] ^= 1 << bit;
			bad = g_bytes_new(copy, len);
			decode_fail(bad, 1 << 20, ERROR_INVALID, NULL);
			g_bytes_unref(bad);
			copy[i] ^= 1 << bit;
		}
	}
	g_free(copy);
	g_bytes_unref(gz);
}

/* test_members - concatenated members join; padding after them is fine */
static void
test_members(void)
{
	GBytes	*a = gzip_bytes("{\"a\":", 5);
	GBytes	*b = gzip_bytes("[1,2]", 5);
	GBytes	*c = gzip_bytes("}\n", 2);
	GBytes	*empty = gzip_bytes("", 0);
	gsize	al, bl, cl, el;
	const void *ad = g_bytes_get_data(a, &al);
	const void *bd = g_bytes_get_data(b, &bl);
	const void *cd = g_bytes_get_data(c, &cl);
	const void *ed = g_bytes_get_data(empty, &el);
	GBytes	*p;

	p = concat(BYTES(al, ad), BYTES(bl, bd), BYTES(cl, cd), END);
	decode_ok(p, 1 << 20, "{\"a\":[1,2]}\n", 12);
	decode_fail(p, 11, ERROR_INVALID,
	    "test part: report larger than 11 bytes after decompression");
	g_bytes_unref(p);

	/* An empty member among them adds nothing. */
	p = concat(BYTES(al, ad), BYTES(el, ed), BYTES(bl, bd), BYTES(cl, cd), END);
	decode_ok(p, 1 << 20, "{\"a\":[1,2]}\n", 12);
	g_bytes_unref(p);

	/* NULs and line ends after the last member. */
	p = concat(BYTES(al, ad), BYTES(bl, bd), BYTES(cl, cd), TXT("\0\0\r\n\0"), END);
	decode_ok(p, 1 << 20, "{\"a\":[1,2]}\n", 12);
	g_bytes_unref(p);

	/* Anything else after it. */
	p = concat(BYTES(al, ad), BYTES(bl, bd), BYTES(cl, cd), TXT("garbage"), END);
	decode_fail(p, 1 << 20, ERROR_INVALID,
	    "test part: trailing garbage after gzip stream");
	g_bytes_unref(p);
	p = concat(BYTES(al, ad), BYTES(bl, bd), BYTES(cl, cd), TXT("\n{}"), END);
	decode_fail(p, 1 << 20, ERROR_INVALID,
	    "test part: trailing garbage after gzip stream");
	g_bytes_unref(p);

	/* A second member cut short. */
	p = concat(BYTES(al, ad), BYTES(bl - 3, bd), END);
	decode_fail(p, 1 << 20, ERROR_INVALID, "test part: truncated gzip stream");
	g_bytes_unref(p);

	/* A lone gzip magic after the last member is a member cut short. */
	p = concat(BYTES(al, ad), TXT("\x1f\x8b"), END);
	decode_fail(p, 1 << 20, ERROR_INVALID, "test part: truncated gzip stream");
	g_bytes_unref(p);

	g_bytes_unref(a);
	g_bytes_unref(b);
	g_bytes_unref(c);
	g_bytes_unref(empty);
}

/* test_not_json - XML, zip and anything else are named */
static void
test_not_json(void)
{
	static const char dmarc[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n"
	    "<feedback>\n  <report_metadata><org_name>google.com</org_name>"
	    "</report_metadata>\n</feedback>\n";
	GString	*late = g_string_new("<?xml version=\"1.0\"?>\n<!--");
	GBytes	*gz;
	int	i;

	decode_fail_text(dmarc, ERROR_NOT_REPORT, "test part holds a DMARC XML report");
	decode_fail_text("\xef\xbb\xbf\r\n<feedback><x/></feedback>", ERROR_NOT_REPORT,
	    "test part holds a DMARC XML report");
	decode_fail_text("<?xml version=\"1.0\"?><html/>", ERROR_NOT_REPORT,
	    "test part holds XML (a DMARC aggregate report?)");
	decode_fail_text("<html><body>report</body></html>", ERROR_NOT_REPORT,
	    "test part holds XML (a DMARC aggregate report?)");
	for (i = 0; i < 600; i++)
		g_string_append(late, " padding");
	g_string_append(late, "--><feedback/>");
	decode_fail_text(late->str, ERROR_NOT_REPORT,
	    "test part holds XML (a DMARC aggregate report?)");
	g_string_free(late, TRUE);

	decode_fail_text("PK\3\4\24\0\0\0\10\0", ERROR_NOT_REPORT,
	    "test part holds a zip archive");
	decode_fail_text("hello", ERROR_NOT_REPORT, "test part holds neither JSON nor gzip");
	decode_fail_text("[{\"a\":1}]", ERROR_NOT_REPORT,
	    "test part holds neither JSON nor gzip");
	decode_fail_text("\xff\xfe{\0", ERROR_NOT_REPORT,
	    "test part holds neither JSON nor gzip");
	decode_fail_text("x\x9c\3\0\0\0\0\1", ERROR_NOT_REPORT,
	    "test part holds neither JSON nor gzip");
	decode_fail_text("", ERROR_NOT_REPORT, "test part is empty");
	decode_fail_text("\xef\xbb\xbf \r\n", ERROR_NOT_REPORT, "test part is empty");

	/* The same inside gzip: a DMARC report is usually .xml.gz. */
	gz = gzip_bytes(dmarc, strlen(dmarc));
	decode_fail(gz, 1 << 20, ERROR_NOT_REPORT, "test part holds a DMARC XML report");
	g_bytes_unref(gz);
	gz = gzip_bytes("PK\3\4zzzz", 8);
	decode_fail(gz, 1 << 20, ERROR_NOT_REPORT, "test part holds a zip archive");
	g_bytes_unref(gz);
	gz = gzip_bytes("hello", 5);
	decode_fail(gz, 1 << 20, ERROR_NOT_REPORT,
	    "test part holds gzip'd data that is not JSON");
	g_bytes_unref(gz);
	gz = gzip_bytes("", 0);
	decode_fail(gz, 1 << 20, ERROR_NOT_REPORT, "test part holds an empty gzip stream");
	g_bytes_unref(gz);
	gz = gzip_bytes("\xef\xbb\xbf\n\n", 5);
	decode_fail(gz, 1 << 20, ERROR_NOT_REPORT, "test part holds an empty gzip stream");
	g_bytes_unref(gz);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/decode/corpus", test_corpus);
	g_test_add_func("/decode/plain", test_plain);
	g_test_add_func("/decode/gzip", test_gzip);
	g_test_add_func("/decode/bomb", test_bomb);
	g_test_add_func("/decode/truncated", test_truncated);
	g_test_add_func("/decode/corrupt", test_corrupt);
	g_test_add_func("/decode/members", test_members);
	g_test_add_func("/decode/not-json", test_not_json);
	return g_test_run();
}
