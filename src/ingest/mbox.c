/* mbox.c - reading an mbox file message by message */
#define _GNU_SOURCE	/* memmem() */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "mbox.h"

struct mbox {
	GMappedFile	*file;
	GBytes		*bytes;		/* the whole file, mapped */
	gsize		 next;		/* where the next "From " line starts */
};

/* mbox_detect - whether the file at path starts with "From " */
gboolean
mbox_detect(const char *path)
{
	char	head[5];
	int	fd = open(path, O_RDONLY | O_CLOEXEC);
	gboolean mbox;

	if (fd < 0)
		return FALSE;
	mbox = read(fd, head, sizeof(head)) == sizeof(head)
	    && memcmp(head, "From ", 5) == 0;
	close(fd);
	return mbox;
}

/* mbox_new - open an mbox file for mbox_next */
Mbox *
mbox_new(const char *path, GError **error)
{
	GMappedFile *file = g_mapped_file_new(path, FALSE, error);
	Mbox	*mbox;

	if (file == NULL) {
		error_reclass(error, ERROR_USAGE);
		return NULL;
	}
	mbox = g_new0(Mbox, 1);
	mbox->file = file;
	mbox->bytes = g_mapped_file_get_bytes(file);
	return mbox;
}

/* mbox_next - the next message of the mbox, its bytes owned
 *
 * The message handed on is the file's own bytes from its headers to the
 * next separator, so that the later stages parse what was delivered.
 */
GBytes *
mbox_next(Mbox *mbox, gint64 *offset)
{
	gsize	len;
	const char *data = g_bytes_get_data(mbox->bytes, &len);
	const char *from, *headers, *end;

	/* Only "From " lines start messages: text before the first one (not
	 * there when mbox_detect said yes) is skipped. */
	while (mbox->next < len && (len - mbox->next < 5 ||
	    memcmp(data + mbox->next, "From ", 5) != 0)) {
		const char *line = memchr(data + mbox->next, '\n', len - mbox->next);

		mbox->next = line != NULL ? (gsize)(line - data) + 1 : len;
	}
	if (mbox->next >= len)
		return NULL;
	from = data + mbox->next;
	headers = memchr(from, '\n', len - mbox->next);
	headers = headers != NULL ? headers + 1 : data + len;
	end = memmem(headers - 1, (gsize)(data + len - headers) + 1, "\nFrom ", 6);
	end = end != NULL ? end + 1 : data + len;
	*offset = (gint64)(from - data);
	mbox->next = (gsize)(end - data);
	return g_bytes_new_from_bytes(mbox->bytes, (gsize)(headers - data),
	    (gsize)(end - headers));
}

/* mbox_free - close; NULL-safe */
void
mbox_free(Mbox *mbox)
{
	if (mbox == NULL)
		return;
	g_bytes_unref(mbox->bytes);
	g_mapped_file_unref(mbox->file);
	g_free(mbox);
}
