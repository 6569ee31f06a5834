/* test-mbox.c - an mbox file, message by message: where each starts, what
 * it holds, and the end told from the rest */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "common/error.h"
#include "ingest/mbox.h"

/* A temporary file holding text; its path owned, the file removed by
 * file_remove. */
static char *
file_with(const char *text, gsize len)
{
	g_autoptr(GError) error = NULL;
	char	*path = NULL;
	int	fd = g_file_open_tmp("test-mbox-XXXXXX", &path, &error);

	g_assert_no_error(error);
	close(fd);
	g_assert_true(g_file_set_contents(path, text, (gssize)len, &error));
	return path;
}

/* file_remove - remove and free path */
static void
file_remove(char *path)
{
	g_unlink(path);
	g_free(path);
}

/* expect_next - the next message starts at offset and holds text */
static void
expect_next(Mbox *mbox, gint64 offset, const char *text)
{
	gint64	got = -1;
	g_autoptr(GBytes) message = mbox_next(mbox, &got);
	gsize	len;
	const char *data;

	g_assert_nonnull(message);
	data = g_bytes_get_data(message, &len);
	g_assert_cmpint(got, ==, offset);
	g_assert_cmpuint(len, ==, strlen(text));
	g_assert_true(len == 0 || memcmp(data, text, len) == 0);
}

/* test_messages - each message from its headers to the next From line */
static void
test_messages(void)
{
	static const char one[] = "From: a@example.org\nSubject: one\n\n"
	    ">From here on, quoted.\n\n";
	static const char two[] = "From: b@example.org\r\n\r\nbody\r\n";
	static const char three[] = "From: c@example.org\n\nno newline at the end";
	g_autofree char *text = g_strconcat("From a@example.org Sat Nov 21 03:12:44 2026\n",
	    one, "From b@example.org Sat Nov 21 04:00:00 2026\r\n", two,
	    "From c@example.org Sat Nov 21 05:00:00 2026\n", three, NULL);
	char	*path = file_with(text, strlen(text));
	g_autoptr(Mbox) mbox = NULL;
	g_autoptr(GError) error = NULL;
	gint64	offset = 0;
	gint64	second = (gint64)(strstr(text, "From b@") - text);
	gint64	third = (gint64)(strstr(text, "From c@") - text);

	g_assert_true(mbox_detect(path));
	mbox = mbox_new(path, &error);
	g_assert_no_error(error);
	expect_next(mbox, 0, one);
	expect_next(mbox, second, two);
	expect_next(mbox, third, three);
	/* The end, and it stays the end. */
	g_assert_null(mbox_next(mbox, &offset));
	g_assert_null(mbox_next(mbox, &offset));
	file_remove(path);
}

/* test_edges - an empty message, text before the first From line, an
 * empty file */
static void
test_edges(void)
{
	static const char text[] = "From a Sat Nov 21 03:12:44 2026\n"
	    "From b Sat Nov 21 03:12:45 2026\nX: 1\n";
	static const char preamble[] = "junk\nFrom a Sat Nov 21 03:12:44 2026\nX: 1\n";
	char	*path = file_with(text, strlen(text));
	char	*junk = file_with(preamble, strlen(preamble));
	char	*empty = file_with("", 0);
	g_autoptr(Mbox) mbox = mbox_new(path, NULL);
	g_autoptr(Mbox) late = mbox_new(junk, NULL);
	g_autoptr(Mbox) none = mbox_new(empty, NULL);
	gint64	offset;

	expect_next(mbox, 0, "");
	expect_next(mbox, 32, "X: 1\n");
	g_assert_null(mbox_next(mbox, &offset));
	g_assert_false(mbox_detect(junk));
	expect_next(late, 5, "X: 1\n");
	g_assert_null(mbox_next(late, &offset));
	g_assert_false(mbox_detect(empty));
	g_assert_nonnull(none);
	g_assert_null(mbox_next(none, &offset));
	file_remove(path);
	file_remove(junk);
	file_remove(empty);
}

/* test_unreadable - a file that cannot be opened is a usage error, and
 * a caller that does not want the error gets none and no crash */
static void
test_unreadable(void)
{
	g_autoptr(GError) error = NULL;

	g_assert_false(mbox_detect("/nonexistent/mbox"));
	g_assert_null(mbox_new("/nonexistent/mbox", &error));
	g_assert_error(error, TLSRPT_ERROR, ERROR_USAGE);
	g_assert_null(mbox_new("/nonexistent/mbox", NULL));
	mbox_free(NULL);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mbox/messages", test_messages);
	g_test_add_func("/mbox/edges", test_edges);
	g_test_add_func("/mbox/unreadable", test_unreadable);
	return g_test_run();
}
