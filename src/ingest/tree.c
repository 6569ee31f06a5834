/* tree.c - every input under a path: Maildirs, directories, files */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "common/error.h"
#include "tree.h"

/* A walk under way. */
typedef struct tree {
	TreeFound	 found;
	gpointer	 data;
	GArray		*skip;		/* struct stat of the folders not entered */
} Tree;

static gboolean tree_path(Tree *tree, const char *path, GError **error);

/* tree_skipped - whether st is one of the folders not entered */
static gboolean
tree_skipped(const Tree *tree, const struct stat *st)
{
	for (guint i = 0; i < tree->skip->len; i++) {
		const struct stat *skip = &g_array_index(tree->skip, struct stat, i);

		if (skip->st_dev == st->st_dev && skip->st_ino == st->st_ino)
			return TRUE;
	}
	return FALSE;
}

/* tree_messages - every file of a Maildir's cur/ or new/
 *
 * Each file is one message: neither a stat nor a look inside for an mbox
 * is needed where the directory entry says it is a file.  On a Maildir of
 * small messages those are a third of the system calls.
 */
static gboolean
tree_messages(Tree *tree, const char *path, GError **error)
{
	DIR	*dir = opendir(path);
	struct dirent *entry;
	gboolean ok = TRUE;

	if (dir == NULL)
		return TRUE;	/* cur/ or new/ gone while we looked */
	while (ok && (entry = readdir(dir)) != NULL) {
		g_autofree char *child = NULL;

		if (entry->d_name[0] == '.')
			continue;
		child = g_build_filename(path, entry->d_name, NULL);
		if (entry->d_type == DT_REG)
			ok = tree->found(child, TREE_MESSAGE, tree->data, error);
		else
			ok = tree_path(tree, child, error);
	}
	closedir(dir);
	return ok;
}

/* tree_dir - every input under a directory
 *
 * In a Maildir (a directory with cur/ and new/), only cur/, new/ and
 * Maildir++ folders are read: dovecot-uidlist, maildirfolder and the like
 * are not messages.  Elsewhere dot files are editor and tool droppings.
 */
static gboolean
tree_dir(Tree *tree, const char *path, GError **error)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, error);
	g_autofree char *cur = g_build_filename(path, "cur", NULL);
	g_autofree char *new = g_build_filename(path, "new", NULL);
	gboolean maildir;
	const char *name;

	if (dir == NULL) {
		error_reclass(error, ERROR_USAGE);
		return FALSE;
	}
	maildir = g_file_test(cur, G_FILE_TEST_IS_DIR)
	    && g_file_test(new, G_FILE_TEST_IS_DIR);
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree char *child = NULL;
		struct stat st;

		if (maildir && strcmp(name, "tmp") == 0)
			continue;
		if (name[0] == '.' && !maildir)
			continue;
		child = g_build_filename(path, name, NULL);
		if (!maildir) {
			if (!tree_path(tree, child, error))
				return FALSE;
			continue;
		}
		if (stat(child, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		if (tree_skipped(tree, &st))
			continue;
		if (strcmp(name, "cur") == 0 || strcmp(name, "new") == 0) {
			if (!tree_messages(tree, child, error))
				return FALSE;
		} else if (!tree_path(tree, child, error))
			return FALSE;
	}
	return TRUE;
}

/* tree_path - every input under path */
static gboolean
tree_path(Tree *tree, const char *path, GError **error)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE, "cannot read '%s': %s",
		    path, g_strerror(errno));
		return FALSE;
	}
	if (S_ISDIR(st.st_mode))
		return tree_skipped(tree, &st) || tree_dir(tree, path, error);
	if (!S_ISREG(st.st_mode))
		return TRUE;
	return tree->found(path, TREE_FILE, tree->data, error);
}

/* tree_walk - call found for every input under path */
gboolean
tree_walk(const char *path, const char *const *skip, TreeFound found,
    gpointer data, GError **error)
{
	Tree	tree = { found, data, g_array_new(FALSE, FALSE, sizeof(struct stat)) };
	gboolean ok;

	for (; skip != NULL && *skip != NULL; skip++) {
		struct stat st;

		if (stat(*skip, &st) == 0)
			g_array_append_val(tree.skip, st);
	}
	ok = tree_path(&tree, path, error);
	g_array_unref(tree.skip);
	return ok;
}
