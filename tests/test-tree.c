/* test-tree.c - what counts as an input under a path: a Maildir, its
 * folders, plain directories, and the folders never entered */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* found_add - note one entry: "message PATH", "file PATH", "skipped
 * PATH: why", "unreadable PATH: why"
 *
 * A file is opened as the reader opens it, relative to the directory the
 * walk hands on: the entry must lead to the file it names.
 */
static void
found_add(const TreeEntry *entry, gpointer data)
{
	static const char *const kinds[] = { "message", "file", "skipped", "unreadable" };
	Found	*found = data;
	const char *path = entry->path;

	g_assert_true(g_str_has_prefix(path, found->root));
	path += strlen(found->root) + 1;
	if (entry->problem != NULL) {
		g_assert_true(entry->kind == TREE_SKIPPED || entry->kind == TREE_UNREADABLE);
		g_ptr_array_add(found->lines, g_strdup_printf("%s %s: %s",
		    kinds[entry->kind], path, entry->problem->message));
		return;
	}
	{
		struct stat st, by_path;
		int	fd = openat(tree_dir_fd(entry->dir), entry->name,
		    O_RDONLY | (entry->follow ? 0 : O_NOFOLLOW));

		g_assert_cmpint(fd, >=, 0);
		g_assert_cmpint(fstat(fd, &st), ==, 0);
		g_assert_cmpint(stat(entry->path, &by_path), ==, 0);
		g_assert_cmpuint(st.st_ino, ==, by_path.st_ino);
		close(fd);
	}
	g_ptr_array_add(found->lines, g_strdup_printf("%s %s", kinds[entry->kind], path));
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

		if (g_file_test(child, G_FILE_TEST_IS_DIR)
		    && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
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

/* link_at - a symbolic link at root/relative to target */
static void
link_at(const char *root, const char *relative, const char *target)
{
	g_autofree char *path = g_build_filename(root, relative, NULL);

	g_assert_cmpint(symlink(target, path), ==, 0);
}

/* test_links - below a PATH nothing is followed: each link is an entry
 * skipped with its reason, and what it points to is never found */
static void
test_links(void)
{
	g_autofree char *root = g_dir_make_tmp("test-tree-XXXXXX", NULL);
	g_autofree char *outside = g_build_filename(root, "outside", NULL);
	g_autofree char *got = NULL;
	g_autofree char *linked = NULL;

	put(root, "outside/precious.conf");
	put(root, "tree/a.json");
	put(root, "tree/sub/b.json");
	link_at(root, "tree/out", outside);
	link_at(root, "tree/conf", "../outside/precious.conf");
	link_at(root, "tree/dangling", "nowhere");
	link_at(root, "tree/self", ".");
	link_at(root, "tree/sub/up", "..");
	put(root, "Maildir/cur/1.host");
	dir(root, "Maildir/new");
	link_at(root, "Maildir/new/2.host", outside);
	link_at(root, "Maildir/.Folder", outside);
	got = walk(root, "tree", NULL);
	g_assert_cmpstr(got, ==, "file tree/a.json;file tree/sub/b.json;"
	    "skipped tree/conf: a symbolic link, not followed;"
	    "skipped tree/dangling: a symbolic link, not followed;"
	    "skipped tree/out: a symbolic link, not followed;"
	    "skipped tree/self: a symbolic link, not followed;"
	    "skipped tree/sub/up: a symbolic link, not followed");
	g_free(got);
	got = walk(root, "Maildir", NULL);
	g_assert_cmpstr(got, ==, "message Maildir/cur/1.host;"
	    "skipped Maildir/.Folder: a symbolic link, not followed;"
	    "skipped Maildir/new/2.host: a symbolic link, not followed");
	/* A PATH that is a link is what the user named: followed. */
	link_at(root, "linked", "tree/sub");
	linked = walk(root, "linked", NULL);
	g_assert_cmpstr(linked, ==, "file linked/b.json;"
	    "skipped linked/up: a symbolic link, not followed");
	g_free(got);
	link_at(root, "one.json", "tree/a.json");
	got = walk(root, "one.json", NULL);
	g_assert_cmpstr(got, ==, "file one.json");
	rm_tree(root);
}

/* test_special - FIFOs and sockets are entries skipped, never opened (a
 * FIFO would block the walk forever) */
static void
test_special(void)
{
	g_autofree char *root = g_dir_make_tmp("test-tree-XXXXXX", NULL);
	g_autofree char *fifo = g_build_filename(root, "Maildir/cur/fifo", NULL);
	g_autofree char *top = g_build_filename(root, "top-fifo", NULL);
	g_autofree char *got = NULL;

	put(root, "Maildir/cur/1.host");
	dir(root, "Maildir/new");
	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	g_assert_cmpint(mkfifo(top, 0600), ==, 0);
	got = walk(root, "Maildir", NULL);
	g_assert_cmpstr(got, ==, "message Maildir/cur/1.host;"
	    "skipped Maildir/cur/fifo: a FIFO, not a regular file");
	g_free(got);
	got = walk(root, "top-fifo", NULL);
	g_assert_cmpstr(got, ==, "skipped top-fifo: a FIFO, not a regular file");
	rm_tree(root);
}

/* test_deep - a tree nested deeper than the walk goes is cut there, with
 * a line, and the rest is walked */
static void
test_deep(void)
{
	g_autofree char *root = g_dir_make_tmp("test-tree-XXXXXX", NULL);
	g_autoptr(GString) deep = g_string_new("d");
	g_autofree char *got = NULL;
	g_autofree char *want = NULL;

	for (int i = 0; i < 70; i++)
		g_string_append(deep, "/d");
	put(root, "d/shallow.json");
	{
		g_autofree char *file = g_build_filename(deep->str, "deep.json", NULL);

		put(root, file);
	}
	got = walk(root, "d", NULL);
	/* PATH, 64 levels walked below it, and the one not entered. */
	g_string_truncate(deep, 2 * 66 - 1);
	want = g_strdup_printf("file d/shallow.json;skipped %s: directories "
	    "nested deeper than 64 levels", deep->str);
	g_assert_cmpstr(got, ==, want);
	rm_tree(root);
}

/* test_unreadable_dir - a directory that cannot be read is an entry of
 * its own, deferred, and the walk goes on */
static void
test_unreadable_dir(void)
{
	g_autofree char *root = g_dir_make_tmp("test-tree-XXXXXX", NULL);
	g_autofree char *locked = g_build_filename(root, "d/locked", NULL);
	g_autofree char *got = NULL;

	if (geteuid() == 0) {
		g_test_skip("root reads every directory");
		rm_tree(root);
		return;
	}
	put(root, "d/a.json");
	put(root, "d/locked/b.json");
	put(root, "d/z.json");
	g_assert_cmpint(chmod(locked, 0), ==, 0);
	got = walk(root, "d", NULL);
	g_assert_cmpint(chmod(locked, 0700), ==, 0);
	g_assert_cmpstr(got, ==, "file d/a.json;file d/z.json;"
	    "unreadable d/locked: cannot open the directory: Permission denied");
	rm_tree(root);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tree/maildir", test_maildir);
	g_test_add_func("/tree/dirs", test_dirs);
	g_test_add_func("/tree/skip", test_skip);
	g_test_add_func("/tree/unreadable", test_unreadable);
	g_test_add_func("/tree/links", test_links);
	g_test_add_func("/tree/special", test_special);
	g_test_add_func("/tree/deep", test_deep);
	g_test_add_func("/tree/unreadable-dir", test_unreadable_dir);
	return g_test_run();
}
