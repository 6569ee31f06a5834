/* fuzz-mbox.c - libFuzzer target: an mbox file, as a batch run reads one
 *
 * The input is an mbox file's content: read from a descriptor as batch
 * mode reads it, message by message, with a size limit small enough that
 * messages past it are met, each message then through every stage
 * (fuzz_message).  Every byte of the file is accounted for: a message or
 * a refusal for each "From " line.
 */
#define _GNU_SOURCE	/* memfd_create() */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib.h>

#include "common/error.h"
#include "fuzz.h"
#include "ingest/mbox.h"

#define FUZZ_MAX_MESSAGE_SIZE	8192

/* fuzz_froms - how many lines of data start with "From " */
static gsize
fuzz_froms(const uint8_t *data, size_t size)
{
	gsize	n = 0;

	for (size_t i = 0; i + 5 <= size; i++)
		if ((i == 0 || data[i - 1] == '\n') && memcmp(data + i, "From ", 5) == 0)
			n++;
	return n;
}

/* LLVMFuzzerTestOneInput - one mbox file through the mbox reader and
 * every message through every stage */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int	fd = memfd_create("mbox", MFD_CLOEXEC);
	Mbox	*mbox;
	GBytes	*message;
	GError	*error = NULL;
	gint64	offset, last = -1;
	gsize	messages = 0;

	if (fd < 0 || write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	if (mbox_detect(fd) != (size >= 5 && memcmp(data, "From ", 5) == 0))
		abort();
	mbox = mbox_new(fd, FUZZ_MAX_MESSAGE_SIZE);
	while (mbox_next(mbox, &message, &offset, &error)) {
		/* Each message starts at a From line, after the one before. */
		if (offset <= last || (gsize)offset >= size
		    || memcmp(data + offset, "From ", 5) != 0
		    || (offset > 0 && data[offset - 1] != '\n'))
			abort();
		last = offset;
		messages++;
		if (message == NULL) {
			fuzz_check_error(error);
			error = NULL;
			continue;
		}
		if (g_bytes_get_size(message) > FUZZ_MAX_MESSAGE_SIZE)
			abort();
		fuzz_message(message);
		g_bytes_unref(message);
	}
	if (error != NULL || messages != fuzz_froms(data, size))
		abort();
	mbox_free(mbox);
	return 0;
}
