/* mbox.c - reading an mbox file message by message */
#define _GNU_SOURCE	/* memmem() */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "mbox.h"

/* Bytes asked of each read(2). */
#define MBOX_CHUNK	65536

/* The separator: "From " at the start of a line. */
#define MBOX_FROM	"From "
#define MBOX_FROM_LEN	5

struct mbox {
	int	 fd;
	gsize	 max_size;
	char	*buf;
	gsize	 cap;
	gsize	 len;		/* bytes of buf read */
	gsize	 pos;		/* where the next message's search starts */
	gint64	 base;		/* the file offset of buf[0] */
	gboolean eof;
	GError	*failed;	/* a read error ends the mbox: told once */
};

/* mbox_detect - whether the file open at fd starts with "From " */
gboolean
mbox_detect(int fd)
{
	char	head[MBOX_FROM_LEN];
	ssize_t	n;

	do
		n = pread(fd, head, sizeof(head), 0);
	while (n < 0 && errno == EINTR);
	return n == MBOX_FROM_LEN && memcmp(head, MBOX_FROM, MBOX_FROM_LEN) == 0;
}

/* mbox_new - read the mbox open at fd */
Mbox *
mbox_new(int fd, gsize max_size)
{
	Mbox	*mbox = g_new0(Mbox, 1);

	mbox->fd = fd;
	mbox->max_size = max_size;
	mbox->cap = MBOX_CHUNK;
	mbox->buf = g_malloc(mbox->cap);
	return mbox;
}

/* mbox_drop - forget the bytes before keep: they are read and done with */
static void
mbox_drop(Mbox *mbox, gsize keep)
{
	memmove(mbox->buf, mbox->buf + keep, mbox->len - keep);
	mbox->len -= keep;
	mbox->pos -= MIN(mbox->pos, keep);
	mbox->base += (gint64)keep;
}

/* mbox_fill - read one more chunk; FALSE at the end or on an error */
static gboolean
mbox_fill(Mbox *mbox)
{
	ssize_t	n;

	if (mbox->eof)
		return FALSE;
	if (mbox->cap - mbox->len < MBOX_CHUNK) {
		/* Doubling, but never far past what one message may hold. */
		gsize	most = mbox->max_size < G_MAXSIZE / 2
		    ? mbox->max_size + 2 * MBOX_CHUNK : G_MAXSIZE;

		mbox->cap = MAX(MIN(mbox->cap * 2, most), mbox->len + MBOX_CHUNK);
		mbox->buf = g_realloc(mbox->buf, mbox->cap);
	}
	do
		n = read(mbox->fd, mbox->buf + mbox->len, MBOX_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		g_set_error(&mbox->failed, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "cannot read the mbox after byte %" G_GINT64_FORMAT ": %s",
		    mbox->base + (gint64)mbox->len, g_strerror(errno));
	if (n <= 0) {
		mbox->eof = TRUE;
		return FALSE;
	}
	mbox->len += (gsize)n;
	return TRUE;
}

/* mbox_line_end - the offset just past the line that starts at pos,
 * reading as needed; the length read when it has no end */
static gsize
mbox_line_end(Mbox *mbox, gsize pos)
{
	gsize	from = pos;

	for (;;) {
		const char *nl = memchr(mbox->buf + from, '\n', mbox->len - from);

		if (nl != NULL)
			return (gsize)(nl - mbox->buf) + 1;
		from = mbox->len;
		if (!mbox_fill(mbox))
			return mbox->len;
	}
}

/* mbox_find_from - move pos to the next line that starts with "From ",
 * dropping the lines before it; FALSE when there is none */
static gboolean
mbox_find_from(Mbox *mbox)
{
	for (;;) {
		while (mbox->len - mbox->pos < MBOX_FROM_LEN)
			if (!mbox_fill(mbox))
				return FALSE;
		if (memcmp(mbox->buf + mbox->pos, MBOX_FROM, MBOX_FROM_LEN) == 0)
			return TRUE;
		mbox->pos = mbox_line_end(mbox, mbox->pos);
		mbox_drop(mbox, mbox->pos);
	}
}

/* mbox_next - the next message of the mbox */
gboolean
mbox_next(Mbox *mbox, GBytes **message, gint64 *offset, GError **error)
{
	gsize	headers, scan, end;
	gboolean too_large = FALSE;

	*message = NULL;
	mbox_drop(mbox, mbox->pos);
	if (!mbox_find_from(mbox)) {
		if (mbox->failed == NULL)
			return FALSE;
		*offset = mbox->base + (gint64)mbox->len;
		g_propagate_error(error, g_steal_pointer(&mbox->failed));
		return TRUE;
	}
	*offset = mbox->base;
	headers = mbox_line_end(mbox, 0);
	/* The '\n' that ends the From line may be the one before the next:
	 * an empty message. */
	scan = headers - 1;
	for (;;) {
		const char *next = memmem(mbox->buf + scan, mbox->len - scan,
		    "\n" MBOX_FROM, MBOX_FROM_LEN + 1);

		if (next != NULL) {
			end = (gsize)(next - mbox->buf) + 1;
			break;
		}
		/* What was searched, but the bytes that may begin a
		 * separator, need not be searched again. */
		scan = MAX(scan, mbox->len > MBOX_FROM_LEN ? mbox->len - MBOX_FROM_LEN : 0);
		if (!too_large && mbox->len - headers > mbox->max_size) {
			/* Past the limit the message is not held: only the
			 * search for its end goes on. */
			too_large = TRUE;
		}
		if (too_large && scan > headers) {
			mbox_drop(mbox, scan);
			headers = scan = 0;
		}
		if (!mbox_fill(mbox)) {
			end = mbox->len;
			break;
		}
	}
	mbox->pos = end;
	if (too_large || end - headers > mbox->max_size) {
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    "message larger than %" G_GSIZE_FORMAT " bytes", mbox->max_size);
		return TRUE;
	}
	if (mbox->failed != NULL) {
		/* Cut short by a read error: not the message that was sent. */
		g_propagate_error(error, g_steal_pointer(&mbox->failed));
		return TRUE;
	}
	*message = g_bytes_new(mbox->buf + headers, end - headers);
	return TRUE;
}

/* mbox_free - close; NULL-safe */
void
mbox_free(Mbox *mbox)
{
	if (mbox == NULL)
		return;
	close(mbox->fd);
	g_free(mbox->buf);
	g_clear_error(&mbox->failed);
	g_free(mbox);
}
