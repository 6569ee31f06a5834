/* test-tree.c - what counts as an input under a path: a Maildir, its
 * folders, plain directories, and the folders never entered */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "common/error.h"
#include "ingest/tree.h"

/* put - an empty file at root/relative, its directories made */
static void
put(const char *root, const char *relative)
{
	g_autofree char *path = g_build_filename(root, relative, NULL);
	g_autofree char *dir = g_path_get_dirname(path);

	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	g_assert_true(g_file_set_contents(path, "", 0, NULL));
}

/* dir - an empty directory at root/relative */
static void
dir(const char *root, const char *relative)
{
	g_autofree char *path = g_build_filename(root, relative, NULL);

	g_assert_cmpint(g_mkdir_with_parents(path, 0700), ==, 0);
}

/* Found - what a walk found, as "KIND relative-path" lines, sorted */
typedef struct found {
	const char	*root;
	GPtrArray	*lines;
} Found;

/* found_add - note one input */
static gboolean
found_add(const char *path, TreeKind kind, gpointer data, GError **error)
{
	Found	*found = data;

	g_assert_true(g_str_has_prefix(path, found->root));
	g_ptr_array_add(found->lines, g_strdup_printf("%s %s",
	    kind == TREE_MESSAGE ? "message" : "file",
	    path + strlen(found->root) + 1));
	return TRUE;
}

/* compare - g_ptr_array_sort order */
static gint
compare(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* walk - the sorted inputs under root/relative, joined by ";"; owned */
static char *
walk(const char *root, const char *relative, const char *const *skip)
{
	g_autofree char *path = g_build_filename(root, relative, NULL);
	Found	found = { root, g_ptr_array_new_with_free_func(g_free) };
	g_autoptr(GError) error = NULL;
	char	*joined;

	g_assert_true(tree_walk(path, skip, found_add, &found, &error));
	g_assert_no_error(error);
	g_ptr_array_sort(found.lines, compare);
	g_ptr_array_add(found.lines, NULL);
	joined = g_strjoinv(";", (char **)found.lines->pdata);
	g_ptr_array_unref(found.lines);
	return joined;
}

/* rm_tree - remove a directory and all below it */
static void
rm_tree(const char *path)
{
	g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *child = g_build_filename(path, name, NULL);

		if (g_file_test(child, G_FILE_TEST_IS_DIR))
			rm_tree(child);
		else
			g_unlink(child);
	}
	g_rmdir(path);
}

/* test_maildir - cur/ and new/, Maildir++ folders; tmp/ and the
 * bookkeeping files are no inputs */
static void
test_maildir(void)
{
	g_autofree char *root = g_dir_make_tmp("test-tree-XXXXXX", NULL);
	g_autofree char *got = NULL;

	put(root, "Maildir/cur/1.host:2,S");
	put(root, "Maildir/new/2.host");
	put(root, "Maildir/tmp/3.host");
	put(root, "Maildir/dovecot-uidlist");
	put(root, "Maildir/.TLS-RPT/cur/4.host:2,");
	dir(root, "Maildir/.TLS-RPT/new");
	put(root, "Maildir/.TLS-RPT/maildirfolder");
	got = walk(root, "Maildir", NULL);
	g_assert_cmpstr(got, ==, "message Maildir/.TLS-RPT/cur/4.host:2,;"
	    "message Maildir/cur/1.host:2,S;message Maildir/new/2.host");
	rm_tree(root);
}

/* test_dirs - plain directories recursed, dot files skipped, a single
 * file is itself */
static void
test_dirs(void)
{
	g_autofree char *root = g_dir_make_tmp("test-tree-XXXXXX", NULL);
	g_autofree char *got = NULL;
	g_autofree char *one = NULL;

	put(root, "uploads/a.json.gz");
	put(root, "uploads/sub/b.json");
	put(root, "uploads/.b.json.swp");
	put(root, "uploads/.hidden/c.json");
	put(root, "uploads/old.mbox");
	got = walk(root, "uploads", NULL);
	g_assert_cmpstr(got, ==, "file uploads/a.json.gz;file uploads/old.mbox;"
	    "file uploads/sub/b.json");
	one = walk(root, "uploads/a.json.gz", NULL);
	g_assert_cmpstr(one, ==, "file uploads/a.json.gz");
	rm_tree(root);
}

/* test_skip - the --move-* folders are never entered, wherever they are */
static void
test_skip(void)
{
	g_autofree char *root = g_dir_make_tmp("test-tree-XXXXXX", NULL);
	g_autofree char *done = g_build_filename(root, "Maildir/.done", NULL);
	g_autofree char *failed = g_build_filename(root, "failed", NULL);
	const char *skip[] = { done, failed, NULL };
	g_autofree char *got = NULL;
	g_autofree char *none = NULL;

	put(root, "Maildir/cur/1.host");
	dir(root, "Maildir/new");
	put(root, "Maildir/.done/cur/2.host");
	dir(root, "Maildir/.done/new");
	put(root, "failed/3.json");
	got = walk(root, "Maildir", skip);
	g_assert_cmpstr(got, ==, "message Maildir/cur/1.host");
	none = walk(root, "failed", skip);
	g_assert_cmpstr(none, ==, "");
	rm_tree(root);
}

/* test_unreadable - a path that is not there is a usage error */
static void
test_unreadable(void)
{
	Found	found = { "/", g_ptr_array_new_with_free_func(g_free) };
	g_autoptr(GError) error = NULL;

	g_assert_false(tree_walk("/nonexistent/Maildir", NULL, found_add, &found,
	    &error));
	g_assert_error(error, TLSRPT_ERROR, ERROR_USAGE);
	g_assert_cmpstr(error->message, ==,
	    "cannot read '/nonexistent/Maildir': No such file or directory");
	g_assert_cmpuint(found.lines->len, ==, 0);
	g_ptr_array_unref(found.lines);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tree/maildir", test_maildir);
	g_test_add_func("/tree/dirs", test_dirs);
	g_test_add_func("/tree/skip", test_skip);
	g_test_add_func("/tree/unreadable", test_unreadable);
	return g_test_run();
}
