/* test-mbox.c - an mbox file, message by message: where each starts, what
 * it holds, and the end told from the rest */
#include "config.h"

#include <fcntl.h>
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

/* mbox_at - the mbox at path, read with messages of at most max_size */
static Mbox *
mbox_at(const char *path, gsize max_size)
{
	int	fd = open(path, O_RDONLY | O_CLOEXEC);

	g_assert_cmpint(fd, >=, 0);
	return mbox_new(fd, max_size);
}

/* detect - whether the file at path starts like an mbox */
static gboolean
detect(const char *path)
{
	int	fd = open(path, O_RDONLY | O_CLOEXEC);
	gboolean yes = mbox_detect(fd);

	close(fd);
	return yes;
}

/* expect_next - the next message starts at offset and holds text */
static void
expect_next(Mbox *mbox, gint64 offset, const char *text)
{
	gint64	got = -1;
	g_autoptr(GBytes) message = NULL;
	g_autoptr(GError) error = NULL;
	gsize	len;
	const char *data;

	g_assert_true(mbox_next(mbox, &message, &got, &error));
	g_assert_no_error(error);
	g_assert_nonnull(message);
	data = g_bytes_get_data(message, &len);
	g_assert_cmpint(got, ==, offset);
	g_assert_cmpuint(len, ==, strlen(text));
	g_assert_true(len == 0 || memcmp(data, text, len) == 0);
}

/* expect_end - the mbox has no more messages, and stays so */
static void
expect_end(Mbox *mbox)
{
	GBytes	*message = NULL;
	GError	*error = NULL;
	gint64	offset;

	g_assert_false(mbox_next(mbox, &message, &offset, &error));
	g_assert_false(mbox_next(mbox, &message, &offset, &error));
	g_assert_null(message);
	g_assert_no_error(error);
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
	gint64	second = (gint64)(strstr(text, "From b@") - text);
	gint64	third = (gint64)(strstr(text, "From c@") - text);

	g_assert_true(detect(path));
	mbox = mbox_at(path, 1000);
	expect_next(mbox, 0, one);
	expect_next(mbox, second, two);
	expect_next(mbox, third, three);
	expect_end(mbox);
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
	g_autoptr(Mbox) mbox = mbox_at(path, 1000);
	g_autoptr(Mbox) late = mbox_at(junk, 1000);
	g_autoptr(Mbox) none = mbox_at(empty, 1000);

	expect_next(mbox, 0, "");
	expect_next(mbox, 32, "X: 1\n");
	expect_end(mbox);
	g_assert_false(detect(junk));
	expect_next(late, 5, "X: 1\n");
	expect_end(late);
	g_assert_false(detect(empty));
	expect_end(none);
	file_remove(path);
	file_remove(junk);
	file_remove(empty);
}

/* test_large - a message past the limit is named by its offset, not
 * held, and the messages after it are read; a message of exactly the
 * limit is read */
static void
test_large(void)
{
	g_autoptr(GString) text = g_string_new("From a Sat Nov 21 03:12:44 2026\nX: 1\n");
	g_autoptr(GString) body = g_string_new(NULL);
	g_autoptr(Mbox) mbox = NULL;
	g_autoptr(GBytes) message = NULL;
	g_autoptr(GError) error = NULL;
	gint64	big, after, offset = -1;
	char	*path;

	/* A megabyte of body in lines, past a limit of 100 kB. */
	while (body->len < 1024 * 1024)
		g_string_append(body, "0123456789012345678901234567890123456789\n");
	big = (gint64)text->len;
	g_string_append(text, "From big Sat Nov 21 03:12:45 2026\nX: 2\n\n");
	g_string_append(text, body->str);
	after = (gint64)text->len;
	g_string_append(text, "From c Sat Nov 21 03:12:46 2026\nX: 3\n");
	path = file_with(text->str, text->len);
	mbox = mbox_at(path, 100 * 1000);
	expect_next(mbox, 0, "X: 1\n");
	g_assert_true(mbox_next(mbox, &message, &offset, &error));
	g_assert_null(message);
	g_assert_cmpint(offset, ==, big);
	g_assert_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT);
	g_assert_cmpstr(error->message, ==, "message larger than 100000 bytes");
	expect_next(mbox, after, "X: 3\n");
	expect_end(mbox);
	g_clear_pointer(&mbox, mbox_free);
	/* "X: 1\n" is 5 bytes: exactly the limit. */
	mbox = mbox_at(path, 5);
	expect_next(mbox, 0, "X: 1\n");
	file_remove(path);
}

/* test_truncated - a file cut short while it is read ends the mbox where
 * it ends: no SIGBUS, as a mapping of it would give */
static void
test_truncated(void)
{
	g_autoptr(GString) text = g_string_new(NULL);
	g_autoptr(Mbox) mbox = NULL;
	g_autoptr(GBytes) message = NULL;
	g_autoptr(GError) error = NULL;
	gint64	offset;
	char	*path;
	gsize	n = 0;

	for (int i = 0; i < 2000; i++)
		g_string_append_printf(text, "From m%d Sat Nov 21 03:12:44 2026\n"
		    "Subject: %d\n\n%0200d\n", i, i, i);
	path = file_with(text->str, text->len);
	mbox = mbox_at(path, 100000);
	g_assert_true(mbox_next(mbox, &message, &offset, &error));
	g_assert_no_error(error);
	g_assert_cmpint(truncate(path, (off_t)text->len / 2), ==, 0);
	for (;;) {
		g_clear_pointer(&message, g_bytes_unref);
		if (!mbox_next(mbox, &message, &offset, &error))
			break;
		g_assert_no_error(error);
		n++;
	}
	g_assert_cmpuint(n, <, 2000);
	file_remove(path);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mbox/messages", test_messages);
	g_test_add_func("/mbox/edges", test_edges);
	g_test_add_func("/mbox/large", test_large);
	g_test_add_func("/mbox/truncated", test_truncated);
	return g_test_run();
}
