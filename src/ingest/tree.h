/* tree.h - every input under a path: Maildirs, directories, files
 *
 * What counts as an input is decided here alone, for the pipeline that
 * queues each one and for the progress bar that counts them first: a
 * Maildir's cur/ and new/ (tmp/ holds messages still being delivered, its
 * other directories are Maildir++ folders), a directory recursed (dot
 * files skipped), any other regular file.  Entries are found in the
 * directory's order: holding a hundred thousand names to sort them would
 * make memory grow with the mailbox.
 */
#ifndef TLSRPT_TREE_H
#define TLSRPT_TREE_H

#include <glib.h>

typedef enum {
	TREE_MESSAGE,		/* a file of a Maildir's cur/ or new/: one
				 * message, the Maildir format says so */
	TREE_FILE,		/* any other file: a message, a report, or
				 * an mbox of many messages */
} TreeKind;

/* TreeFound - one input found; FALSE with error stops the walk */
typedef gboolean (*TreeFound)(const char *path, TreeKind kind, gpointer data,
    GError **error);

/* tree_walk - call found for every input under path
 *
 * Directories in skip (NULL-terminated, or NULL), wherever they are met,
 * are not entered: the --move-done and --move-failed folders, whose files
 * would otherwise be moved again on every run.  A path that cannot be
 * read is ERROR_USAGE; a Maildir's cur/ or new/ gone while we look is
 * not an error.
 */
gboolean tree_walk(const char *path, const char *const *skip, TreeFound found,
    gpointer data, GError **error);

#endif
