/* input.c - reading one input, whole and bounded */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "input.h"

/* Bytes asked of each read(2): large enough that a 10 MB message takes a
 * few hundred calls, small enough that the last one overshoots the cap by
 * little. */
#define INPUT_CHUNK	65536

/* input_wait - block until a non-blocking fd has data or hangs up
 *
 * The MTA may hand us a descriptor with O_NONBLOCK set (a shared pipe or
 * socket); spinning on EAGAIN would burn a CPU for as long as it lasts.
 */
static gboolean
input_wait(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	for (;;) {
		if (poll(&pfd, 1, -1) >= 0)
			return TRUE;
		if (errno != EINTR)
			return FALSE;
	}
}

/* input_grow - make room for want more bytes after len, never past limit
 *
 * GByteArray counts in guint, too small for a cap above 4 GiB; doubling
 * keeps the number of copies logarithmic in the input size.
 */
static void
input_grow(char **data, gsize *cap, gsize len, gsize want, gsize limit)
{
	gsize	need = len + want;
	gsize	new_cap;

	if (need <= *cap)
		return;
	new_cap = *cap > 0 ? *cap : INPUT_CHUNK;
	while (new_cap < need)
		new_cap = new_cap > G_MAXSIZE / 2 ? need : new_cap * 2;
	if (new_cap > limit && limit >= need)
		new_cap = limit;
	*data = g_realloc(*data, new_cap);
	*cap = new_cap;
}

/* input_too_large - the error of an input past max_size */
static void
input_too_large(gsize max_size, const char *name, GError **error)
{
	g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
	    "%s: message larger than %" G_GSIZE_FORMAT " bytes", name, max_size);
}

/* input_read_some - one read(2) of at most want bytes into buf, through
 * interruptions and a descriptor set non-blocking; -1 with error when
 * it failed, 0 at the end */
static gssize
input_read_some(int fd, void *buf, gsize want, const char *name, GError **error)
{
	for (;;) {
		gssize	n = read(fd, buf, want);
		int	saved = errno;

		if (n >= 0)
			return n;
		if (saved == EINTR)
			continue;
		if ((saved == EAGAIN || saved == EWOULDBLOCK) && input_wait(fd))
			continue;
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "cannot read %s: %s", name, g_strerror(saved));
		return -1;
	}
}

/* input_read - read fd to its end; expect about size_hint bytes
 *
 * A file's size is known: reading it into a buffer of that size (plus the
 * byte that finds the end) avoids growing one, which for a batch of small
 * messages is most of the cost of reading them.
 */
static GBytes *
input_read(int fd, gsize max_size, gsize size_hint, const char *name,
    GError **error)
{
	g_autofree char *data = NULL;
	gsize	cap = 0, len = 0;
	gsize	limit = max_size < G_MAXSIZE ? max_size + 1 : max_size;

	if (size_hint > 0)
		input_grow(&data, &cap, 0, MIN(size_hint + 1, limit), limit);

	for (;;) {
		gsize	want;
		gssize	n;

		/* Never ask for more than one byte past the cap: that byte
		 * is enough to know the input is too large, and an endless
		 * writer must not keep us reading. */
		if (max_size - len >= INPUT_CHUNK)
			want = INPUT_CHUNK;
		else
			want = max_size - len + 1;
		/* Fill the room there is before making more: the read that
		 * finds the end must not double the buffer. */
		if (cap > len)
			want = MIN(want, cap - len);
		else
			input_grow(&data, &cap, len, want, limit);

		n = input_read_some(fd, data + len, want, name, error);
		if (n < 0)
			return NULL;
		if (n == 0)
			break;
		len += (gsize)n;
		if (len > max_size) {
			input_too_large(max_size, name, error);
			return NULL;
		}
	}
	if (cap - len > INPUT_CHUNK)
		data = g_realloc(data, len);
	return g_bytes_new_take(g_steal_pointer(&data), len);
}

/* input_read_fd - read fd to its end; at most max_size bytes */
GBytes *
input_read_fd(int fd, gsize max_size, const char *name, GError **error)
{
	struct stat st = { 0 };

	/* read(2) on a directory fails with EISDIR, which would pass for a
	 * temporary failure and have the caller retry a mistake forever. */
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "cannot read %s: is a directory", name);
		return NULL;
	}
	return input_read(fd, max_size, S_ISREG(st.st_mode) ? (gsize)st.st_size : 0,
	    name, error);
}

/* input_file_type - what a file of mode is, in words */
const char *
input_file_type(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:	return "a regular file";
	case S_IFDIR:	return "a directory";
	case S_IFLNK:	return "a symbolic link";
	case S_IFIFO:	return "a FIFO";
	case S_IFSOCK:	return "a socket";
	case S_IFCHR:	return "a character device";
	case S_IFBLK:	return "a block device";
	}
	return "a special file";
}

/* input_open_at - open name in the directory dirfd to read it as an input */
int
input_open_at(int dirfd, const char *name, gboolean follow, struct stat *st,
    GError **error)
{
	int	fd;

	do
		fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC
		    | (follow ? 0 : O_NOFOLLOW));
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		if (errno == ELOOP && !follow)
			g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
			    "a symbolic link, not followed");
		else if (errno == ENOENT)
			g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
			    "gone before it could be read");
		else if (errno == ENXIO)	/* a socket */
			g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
			    "a socket, not a regular file");
		else
			g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
			    "cannot open the file: %s", g_strerror(errno));
		return -1;
	}
	if (fstat(fd, st) != 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "cannot open the file: %s", g_strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    "%s, not a regular file", input_file_type(st->st_mode));
		close(fd);
		return -1;
	}
	return fd;
}

/* input_within - whether an input read already is at most max_size bytes */
gboolean
input_within(GBytes *input, gsize max_size, const char *name, GError **error)
{
	if (g_bytes_get_size(input) <= max_size)
		return TRUE;
	input_too_large(max_size, name, error);
	return FALSE;
}

/* input_read_length - read exactly length bytes of fd */
GBytes *
input_read_length(int fd, gsize length, const char *name, GError **error)
{
	g_autofree char *data = g_malloc(MAX(length, 1));
	gsize	len = 0;

	while (len < length) {
		gssize	n = input_read_some(fd, data + len,
		    MIN(length - len, INPUT_CHUNK), name, error);

		if (n < 0)
			return NULL;
		if (n == 0) {
			g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
			    "%s ended after %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
			    " bytes", name, len, length);
			return NULL;
		}
		len += (gsize)n;
	}
	return g_bytes_new_take(g_steal_pointer(&data), length);
}

/* input_drain - read and drop length bytes of fd, or up to its end */
void
input_drain(int fd, guint64 length)
{
	char	buf[INPUT_CHUNK];

	while (length > 0) {
		gssize	n = input_read_some(fd, buf, MIN(length, sizeof(buf)),
		    "input", NULL);

		if (n <= 0)
			return;
		length -= (guint64)n;
	}
}
