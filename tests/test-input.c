/* test-input.c - input_read_fd, input_read_length and input_open_at
 * at their limits
 *
 * Pipes are fed by a writer thread in tiny chunks, so that every read
 * returns a little; signals interrupt the reader on purpose.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "common/error.h"
#include "ingest/input.h"

/* Writer - what the writer thread sends */
typedef struct writer {
	int		 fd;		/* write end; closed by the thread */
	const guchar	*data;
	gsize		 len;
	gboolean	 endless;	/* repeat data until the reader hangs up */
	gsize		 written;
	pthread_t	 reader;	/* interrupted between chunks if signal */
	gboolean	 signal;
} Writer;

static volatile sig_atomic_t interrupts;

/* on_signal - count an interruption */
static void
on_signal(int sig)
{
	interrupts++;
}

/* writer_run - send data in chunks of 1 to 7 bytes */
static gpointer
writer_run(gpointer arg)
{
	Writer	*w = arg;
	gsize	off = 0, step = 1;

	for (;;) {
		gsize	n;
		ssize_t	r;

		if (off == w->len) {
			if (!w->endless)
				break;
			off = 0;
		}
		n = MIN(step, w->len - off);
		r = write(w->fd, w->data + off, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;		/* EPIPE: the reader has had enough */
		off += (gsize)r;
		w->written += (gsize)r;
		step = step % 7 + 1;
		if (w->signal && w->written % 5 == 0) {
			/* Let the reader block in read() first. */
			g_usleep(200);
			pthread_kill(w->reader, SIGUSR1);
		}
	}
	close(w->fd);
	return NULL;
}

/* pattern - len bytes of a repeating pattern, NULs included; owned */
static guchar *
pattern(gsize len)
{
	guchar	*p = g_malloc(len + 1);
	gsize	i;

	for (i = 0; i < len; i++)
		p[i] = (guchar)(i * 31 + i / 256);
	return p;
}

/* read_pipe_length - read from a pipe fed by a writer, exactly length
 * bytes (-1: to the end, at most max_size); the writer is joined */
static GBytes *
read_pipe_length(const guchar *data, gsize len, gboolean endless, gboolean sig,
    gboolean nonblock, gsize max_size, gssize length, GError **error)
{
	int	fds[2];
	Writer	w = { 0 };
	GThread	*thread;
	GBytes	*bytes;

	g_assert_cmpint(pipe(fds), ==, 0);
	if (nonblock)
		g_assert_cmpint(fcntl(fds[0], F_SETFL, O_NONBLOCK), ==, 0);
	w.fd = fds[1];
	w.data = data;
	w.len = len;
	w.endless = endless;
	w.reader = pthread_self();
	w.signal = sig;
	thread = g_thread_new("writer", writer_run, &w);
	if (length >= 0)
		bytes = input_read_length(fds[0], (gsize)length, "request body", error);
	else
		bytes = input_read_fd(fds[0], max_size, "standard input", error);
	/* An endless writer stops when the read end goes away. */
	close(fds[0]);
	g_thread_join(thread);
	return bytes;
}

/* read_pipe - read_pipe_length to the end */
static GBytes *
read_pipe(const guchar *data, gsize len, gboolean endless, gboolean sig,
    gboolean nonblock, gsize max_size, GError **error)
{
	return read_pipe_length(data, len, endless, sig, nonblock, max_size, -1,
	    error);
}

/* check_bytes - bytes holds exactly data */
static void
check_bytes(GBytes *bytes, const guchar *data, gsize len)
{
	gsize	got;
	const guchar *p = g_bytes_get_data(bytes, &got);

	g_assert_cmpuint(got, ==, len);
	if (len > 0)
		g_assert_true(memcmp(p, data, len) == 0);
}

/* test_chunks - small writes add up to the whole input */
static void
test_chunks(void)
{
	static const gsize sizes[] = { 0, 1, 2, 100, 4096, 65535, 65536, 65537, 200000 };
	gsize	i;

	for (i = 0; i < G_N_ELEMENTS(sizes); i++) {
		g_autofree guchar *data = pattern(sizes[i]);
		GError	*error = NULL;
		GBytes	*bytes = read_pipe(data, sizes[i], FALSE, FALSE, FALSE,
		    10 << 20, &error);

		g_assert_no_error(error);
		check_bytes(bytes, data, sizes[i]);
		g_bytes_unref(bytes);
	}
}

/* test_cap - max bytes pass, max + 1 do not */
static void
test_cap(void)
{
	static const gsize caps[] = { 0, 1, 7, 1000, 65535, 65536, 65537, 131072 };
	gsize	i;

	for (i = 0; i < G_N_ELEMENTS(caps); i++) {
		gsize	max = caps[i];
		g_autofree guchar *data = pattern(max + 1);
		g_autofree char *msg = g_strdup_printf(
		    "standard input: message larger than %" G_GSIZE_FORMAT " bytes", max);
		GError	*error = NULL;
		GBytes	*bytes;

		bytes = read_pipe(data, max, FALSE, FALSE, FALSE, max, &error);
		g_assert_no_error(error);
		check_bytes(bytes, data, max);
		g_bytes_unref(bytes);

		bytes = read_pipe(data, max + 1, FALSE, FALSE, FALSE, max, &error);
		g_assert_null(bytes);
		g_assert_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT);
		g_assert_cmpstr(error->message, ==, msg);
		g_clear_error(&error);
	}
}

/* test_endless - a writer that never stops is cut off at the cap */
static void
test_endless(void)
{
	g_autofree guchar *data = pattern(1000);
	GError	*error = NULL;
	GBytes	*bytes = read_pipe(data, 1000, TRUE, FALSE, FALSE, 100000, &error);

	g_assert_null(bytes);
	g_assert_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT);
	g_assert_cmpstr(error->message, ==,
	    "standard input: message larger than 100000 bytes");
	g_error_free(error);
}

/* interrupt_on - count SIGUSR1, which interrupts read() (no SA_RESTART:
 * it fails with EINTR); *old is what to put back */
static void
interrupt_on(struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	g_assert_cmpint(sigaction(SIGUSR1, &sa, old), ==, 0);
}

/* test_eintr - interrupted reads are resumed */
static void
test_eintr(void)
{
	struct sigaction old;
	g_autofree guchar *data = pattern(3000);
	GError	*error = NULL;
	GBytes	*bytes;

	interrupt_on(&old);
	interrupts = 0;
	bytes = read_pipe(data, 3000, FALSE, TRUE, FALSE, 10 << 20, &error);
	g_assert_cmpint(sigaction(SIGUSR1, &old, NULL), ==, 0);

	g_assert_no_error(error);
	check_bytes(bytes, data, 3000);
	g_bytes_unref(bytes);
	g_test_message("%d interruptions", (int)interrupts);
	g_assert_cmpint(interrupts, >, 0);
}

/* test_nonblocking - a descriptor with O_NONBLOCK is waited on */
static void
test_nonblocking(void)
{
	g_autofree guchar *data = pattern(5000);
	GError	*error = NULL;
	GBytes	*bytes = read_pipe(data, 5000, FALSE, FALSE, TRUE, 10 << 20, &error);

	g_assert_no_error(error);
	check_bytes(bytes, data, 5000);
	g_bytes_unref(bytes);
}

/* test_length - a CGI body: exactly its length, through interruptions
 * and a non-blocking descriptor, never a byte past it; short is refused */
static void
test_length(void)
{
	struct sigaction old;
	g_autofree guchar *data = pattern(9000);
	GError	*error = NULL;
	GBytes	*bytes;

	interrupt_on(&old);
	/* What the server did not mean to send stays unread. */
	bytes = read_pipe_length(data, 9000, TRUE, TRUE, TRUE, 0, 7000, &error);
	g_assert_no_error(error);
	check_bytes(bytes, data, 7000);
	g_bytes_unref(bytes);
	bytes = read_pipe_length(data, 0, FALSE, FALSE, TRUE, 0, 0, &error);
	g_assert_no_error(error);
	check_bytes(bytes, data, 0);
	g_bytes_unref(bytes);
	/* A body that ends early is no report. */
	bytes = read_pipe_length(data, 3000, FALSE, TRUE, TRUE, 0, 5000, &error);
	g_assert_cmpint(sigaction(SIGUSR1, &old, NULL), ==, 0);
	g_assert_null(bytes);
	g_assert_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT);
	g_assert_cmpstr(error->message, ==, "request body ended after 3000 of 5000 bytes");
	g_clear_error(&error);
	/* A read error is temporary. */
	g_assert_null(input_read_length(-1, 10, "request body", &error));
	g_assert_error(error, TLSRPT_ERROR, ERROR_TEMPORARY);
	g_clear_error(&error);
}

/* test_within - an input read already is held to the same size */
static void
test_within(void)
{
	g_autoptr(GBytes) input = g_bytes_new_static("0123456789", 10);
	g_autoptr(GError) error = NULL;

	g_assert_true(input_within(input, 10, "x.mbox:0", &error));
	g_assert_false(input_within(input, 9, "x.mbox:0", &error));
	g_assert_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT);
	g_assert_cmpstr(error->message, ==, "x.mbox:0: message larger than 9 bytes");
}

/* test_read_error - a read error is temporary: the MTA retries */
static void
test_read_error(void)
{
	GError	*error = NULL;
	GBytes	*bytes;
	int	fds[2];

	/* A write-only descriptor cannot be read. */
	g_assert_cmpint(pipe(fds), ==, 0);
	bytes = input_read_fd(fds[1], 1000, "standard input", &error);
	g_assert_null(bytes);
	g_assert_error(error, TLSRPT_ERROR, ERROR_TEMPORARY);
	g_assert_cmpstr(error->message, ==,
	    "cannot read standard input: Bad file descriptor");
	g_clear_error(&error);
	close(fds[0]);
	close(fds[1]);

	bytes = input_read_fd(-1, 1000, "standard input", &error);
	g_assert_null(bytes);
	g_assert_error(error, TLSRPT_ERROR, ERROR_TEMPORARY);
	g_clear_error(&error);

	/* NULL error is allowed. */
	g_assert_null(input_read_fd(-1, 1000, "standard input", NULL));
}

/* read_path - open path as batch mode does, read it; NULL with error */
static GBytes *
read_path(const char *path, gsize max_size, GError **error)
{
	struct stat st;
	GBytes	*bytes;
	int	fd = input_open_at(AT_FDCWD, path, FALSE, &st, error);

	if (fd < 0)
		return NULL;
	g_assert_true(S_ISREG(st.st_mode));
	bytes = input_read_fd(fd, max_size, path, error);
	close(fd);
	return bytes;
}

/* test_file - a file opened as batch mode does: a regular file is read,
 * what is not one is refused without blocking or following, and a file
 * that cannot be opened is for a later run */
static void
test_file(void)
{
	g_autofree char *dir = g_dir_make_tmp("test-input-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "report.json", NULL);
	g_autofree char *empty = g_build_filename(dir, "empty", NULL);
	g_autofree char *missing = g_build_filename(dir, "missing", NULL);
	g_autofree char *fifo = g_build_filename(dir, "fifo", NULL);
	g_autofree char *link = g_build_filename(dir, "link", NULL);
	g_autofree guchar *data = pattern(70000);
	g_autofree char *msg = NULL;
	GError	*error = NULL;
	GBytes	*bytes;

	g_assert_nonnull(dir);
	g_assert_true(g_file_set_contents(path, (char *)data, 70000, &error));
	g_assert_true(g_file_set_contents(empty, "", 0, &error));
	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	g_assert_cmpint(symlink(path, link), ==, 0);

	bytes = read_path(path, 70000, &error);
	g_assert_no_error(error);
	check_bytes(bytes, data, 70000);
	g_bytes_unref(bytes);

	bytes = read_path(path, 69999, &error);
	g_assert_null(bytes);
	g_assert_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT);
	msg = g_strdup_printf("%s: message larger than 69999 bytes", path);
	g_assert_cmpstr(error->message, ==, msg);
	g_clear_error(&error);

	bytes = read_path(empty, 100, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(bytes), ==, 0);
	g_bytes_unref(bytes);

	/* What is no file to read is said so, never blocked on. */
	g_assert_null(read_path(missing, 100, &error));
	g_assert_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT);
	g_assert_cmpstr(error->message, ==, "gone before it could be read");
	g_clear_error(&error);
	g_assert_null(read_path(dir, 100, &error));
	g_assert_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT);
	g_assert_cmpstr(error->message, ==, "a directory, not a regular file");
	g_clear_error(&error);
	g_assert_null(read_path(fifo, 100, &error));
	g_assert_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT);
	g_assert_cmpstr(error->message, ==, "a FIFO, not a regular file");
	g_clear_error(&error);
	g_assert_null(read_path(link, 100, &error));
	g_assert_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT);
	g_assert_cmpstr(error->message, ==, "a symbolic link, not followed");
	g_clear_error(&error);

	/* A file that cannot be opened (not for root) waits for a run
	 * that can: temporary, and no usage error. */
	if (geteuid() != 0) {
		g_assert_cmpint(chmod(path, 0), ==, 0);
		g_assert_null(read_path(path, 100, &error));
		g_assert_error(error, TLSRPT_ERROR, ERROR_TEMPORARY);
		g_assert_cmpstr(error->message, ==, "cannot open the file: Permission denied");
		g_clear_error(&error);
	}

	/* No descriptor is left open behind. */
	{
		int	before = dup(0), after;

		close(before);
		g_assert_null(read_path(path, 100, &error));
		g_clear_error(&error);
		g_assert_null(read_path(fifo, 100, &error));
		g_clear_error(&error);
		after = dup(0);
		close(after);
		g_assert_cmpint(before, ==, after);
	}

	g_assert_cmpint(g_unlink(path), ==, 0);
	g_assert_cmpint(g_unlink(empty), ==, 0);
	g_assert_cmpint(g_unlink(fifo), ==, 0);
	g_assert_cmpint(g_unlink(link), ==, 0);
	g_assert_cmpint(g_rmdir(dir), ==, 0);
}

int
main(int argc, char **argv)
{
	/* A writer whose reader has gone must see EPIPE, not die. */
	signal(SIGPIPE, SIG_IGN);
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/input/chunks", test_chunks);
	g_test_add_func("/input/cap", test_cap);
	g_test_add_func("/input/endless", test_endless);
	g_test_add_func("/input/eintr", test_eintr);
	g_test_add_func("/input/nonblocking", test_nonblocking);
	g_test_add_func("/input/read-error", test_read_error);
	g_test_add_func("/input/length", test_length);
	g_test_add_func("/input/within", test_within);
	g_test_add_func("/input/file", test_file);
	return g_test_run();
}
