/* tree.h - every input under a path: Maildirs, directories, files
 *
 * What counts as an input is decided here alone, for the pipeline that
 * queues each one and for the progress bar that counts them first: a
 * Maildir's cur/ and new/ (tmp/ holds messages still being delivered, its
 * other directories are Maildir++ folders), a directory recursed (dot
 * files skipped), any other regular file.  Entries are found in the
 * directory's order: holding a hundred thousand names to sort them would
 * make memory grow with the mailbox.
 *
 * A walk never leaves the tree it was given.  Below a PATH nothing is
 * followed: a symbolic link, to a file or a directory, is an entry of its
 * own that is skipped, and so are FIFOs, sockets and devices, which are
 * never opened.  Each directory is opened relative to its parent's open
 * descriptor, without following a link, and an entry is handed on with
 * the descriptor of the directory that holds it, so that the file read,
 * moved or deleted is the one found there (openat, renameat), even when
 * a name is swapped for a link while the walk goes on.  A directory met
 * again (a bind mount of one of its ancestors) is a loop, skipped.  Only
 * a PATH itself is followed if it is a link: the user named it.
 */
#ifndef TLSRPT_TREE_H
#define TLSRPT_TREE_H

#include <glib.h>

/* A directory of the walk, open: shared by the entries found in it. */
typedef struct tree_dir TreeDir;

/* tree_dir_ref - keep dir open beyond the found callback; returns dir */
TreeDir *tree_dir_ref(TreeDir *dir);

/* tree_dir_unref - release dir; NULL-safe */
void tree_dir_unref(TreeDir *dir);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TreeDir, tree_dir_unref)

/* tree_dir_fd - the open descriptor of dir, to openat() and renameat()
 * relative to; borrowed */
int tree_dir_fd(const TreeDir *dir);

typedef enum {
	TREE_MESSAGE,		/* a file of a Maildir's cur/ or new/: one
				 * message, the Maildir format says so */
	TREE_FILE,		/* any other file: a message, a report, or
				 * an mbox of many messages */
	TREE_SKIPPED,		/* an entry that is not read: a symbolic
				 * link, a FIFO, a socket, a device, a loop,
				 * a directory nested too deep */
	TREE_UNREADABLE,	/* a directory that cannot be read: what it
				 * holds waits for a run that can */
} TreeKind;

/* One entry the walk found.  Everything is borrowed for the duration of
 * the callback. */
typedef struct tree_entry {
	TreeKind	 kind;
	const char	*path;		/* for log lines: the PATH, then the
					 * names below it */
	TreeDir		*dir;		/* the directory that holds it */
	const char	*name;		/* its name there */
	gboolean	 follow;	/* a PATH given: a link to it is followed */
	const GError	*problem;	/* TREE_SKIPPED, TREE_UNREADABLE: why,
					 * ERROR_NOT_REPORT or ERROR_TEMPORARY,
					 * the path not repeated */
} TreeEntry;

/* TreeFound - one entry found */
typedef void (*TreeFound)(const TreeEntry *entry, gpointer data);

/* tree_walk - call found for every entry under path
 *
 * Directories in skip (NULL-terminated, or NULL), wherever they are met,
 * are not entered: the --move-done and --move-failed folders, whose files
 * would otherwise be moved again on every run.  Only path itself failing
 * is an error, ERROR_USAGE: below it every entry has its own fate and
 * the walk goes on.  A Maildir's cur/ or new/, or any entry, gone while
 * we look is no entry.
 */
gboolean tree_walk(const char *path, const char *const *skip, TreeFound found,
    gpointer data, GError **error);

#endif
