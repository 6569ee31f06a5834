/* mbox.h - reading an mbox file message by message
 *
 * Batch mode takes mbox files (mutt's, a Maildir export, an archive of
 * years of reports) as one input per message.  A message starts after a
 * line that begins with "From " (the mboxo and mboxrd formats: a "From "
 * in a body was quoted as ">From " when it was written), and runs to the
 * next such line.  The file is read, not mapped: a file cut short while
 * we read it ends the mbox early instead of killing the process with
 * SIGBUS.  Only one message is held at a time, and no more of it than
 * the size limit of a message, so an mbox of any size and any content
 * costs the memory of the messages in flight; a message past the limit
 * is named and skipped, and the rest of the file is still read.
 */
#ifndef TLSRPT_MBOX_H
#define TLSRPT_MBOX_H

#include <glib.h>

typedef struct mbox Mbox;

/* mbox_detect - whether the file open at fd starts like an mbox: "From "
 * (read at offset 0, the descriptor's offset untouched) */
gboolean mbox_detect(int fd);

/* mbox_new - read the mbox open at fd, which it takes and closes; a
 * message larger than max_size bytes is not held: mbox_next says so */
Mbox *mbox_new(int fd, gsize max_size);

/* mbox_next - the next message of the mbox
 *
 * Returns FALSE at the end.  Otherwise *offset is the byte offset of the
 * message's "From " line in the file, to name it, and either *message is
 * its bytes from its headers to the next "From " line (owned), or it is
 * NULL and *error says why: ERROR_NOT_REPORT "message larger than N
 * bytes" (the mbox goes on after it), ERROR_TEMPORARY for a read error
 * (the mbox ends there).
 */
gboolean mbox_next(Mbox *mbox, GBytes **message, gint64 *offset, GError **error);

void mbox_free(Mbox *mbox);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Mbox, mbox_free)

#endif
