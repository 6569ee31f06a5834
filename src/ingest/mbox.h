/* mbox.h - reading an mbox file message by message
 *
 * Batch mode takes mbox files (mutt's, a Maildir export, an archive of
 * years of reports) as one input per message.  A message starts after a
 * line that begins with "From " (the mboxo and mboxrd formats: a "From "
 * in a body was quoted as ">From " when it was written), and runs to the
 * next such line.  The file is mapped, not read: a message is a slice of
 * the mapping, and an mbox of any size costs the memory of the messages
 * in flight.
 */
#ifndef TLSRPT_MBOX_H
#define TLSRPT_MBOX_H

#include <glib.h>

typedef struct mbox Mbox;

/* mbox_detect - whether the file at path starts like an mbox: "From " */
gboolean mbox_detect(const char *path);

/* mbox_new - open the mbox at path; ERROR_USAGE if it cannot be read */
Mbox *mbox_new(const char *path, GError **error);

/* mbox_next - the next message's bytes, from its headers to the next
 * "From " line; owned, or NULL at the end of the file
 *
 * *offset is the byte offset of its "From " line in the file, to name
 * it in log lines.  Nothing can fail once the file is mapped: NULL is
 * always the end.
 */
GBytes *mbox_next(Mbox *mbox, gint64 *offset);

void mbox_free(Mbox *mbox);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Mbox, mbox_free)

#endif
