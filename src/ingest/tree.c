/* tree.c - every input under a path: Maildirs, directories, files */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "input.h"
#include "tree.h"

/* Directories below a PATH nested deeper than this are not entered: each
 * level holds a descriptor open, and no mail store nests so deep. */
#define TREE_DEPTH_MAX	64

struct tree_dir {
	gint	refs;		/* atomic: entries are freed in any thread */
	int	fd;
};

/* A directory's identity, for the folders skipped and the loop check. */
typedef struct tree_id {
	dev_t	dev;
	ino_t	ino;
} TreeId;

/* A walk under way. */
typedef struct tree {
	TreeFound	 found;
	gpointer	 data;
	GArray		*skip;		/* TreeId of the folders not entered */
	GArray		*ancestors;	/* TreeId of the directories being walked */
} Tree;

/* tree_dir_new - a TreeDir owning fd */
static TreeDir *
tree_dir_new(int fd)
{
	TreeDir *dir = g_new(TreeDir, 1);

	dir->refs = 1;
	dir->fd = fd;
	return dir;
}

/* tree_dir_ref - keep dir open */
TreeDir *
tree_dir_ref(TreeDir *dir)
{
	g_atomic_int_inc(&dir->refs);
	return dir;
}

/* tree_dir_unref - release dir, closing it with the last reference */
void
tree_dir_unref(TreeDir *dir)
{
	if (dir == NULL || !g_atomic_int_dec_and_test(&dir->refs))
		return;
	close(dir->fd);
	g_free(dir);
}

/* tree_dir_fd - the open descriptor of dir */
int
tree_dir_fd(const TreeDir *dir)
{
	return dir->fd;
}

/* tree_id_in - whether id is one of ids */
static gboolean
tree_id_in(const GArray *ids, const struct stat *st)
{
	for (guint i = 0; i < ids->len; i++) {
		const TreeId *id = &g_array_index(ids, TreeId, i);

		if (id->dev == st->st_dev && id->ino == st->st_ino)
			return TRUE;
	}
	return FALSE;
}

/* tree_emit - hand one entry to the caller */
static void
tree_emit(Tree *tree, TreeKind kind, const char *path, TreeDir *dir,
    const char *name, gboolean follow, const GError *problem)
{
	TreeEntry entry = { kind, path, dir, name, follow, problem };

	tree->found(&entry, tree->data);
}

/* tree_problem - an entry that is not read, and why */
static void G_GNUC_PRINTF(6, 7)
tree_problem(Tree *tree, TreeKind kind, const char *path, TreeDir *dir,
    const char *name, const char *fmt, ...)
{
	g_autoptr(GError) problem = NULL;
	g_autofree char *why = NULL;
	va_list	ap;

	va_start(ap, fmt);
	why = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	problem = g_error_new_literal(TLSRPT_ERROR, kind == TREE_SKIPPED
	    ? ERROR_NOT_REPORT : ERROR_TEMPORARY, why);
	tree_emit(tree, kind, path, dir, name, FALSE, problem);
}

/* tree_is_maildir - whether the directory at fd has cur/ and new/, real
 * directories both */
static gboolean
tree_is_maildir(int fd)
{
	struct stat st;

	return fstatat(fd, "cur", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)
	    && fstatat(fd, "new", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* tree_type - an entry's type: readdir's, or lstat's where the file
 * system does not say; DT_UNKNOWN when it is gone */
static unsigned char
tree_type(int dirfd, const struct dirent *entry)
{
	struct stat st;

	if (entry->d_type != DT_UNKNOWN)
		return entry->d_type;
	if (fstatat(dirfd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return DT_UNKNOWN;
	return IFTODT(st.st_mode);
}

/* Where a directory is met: what its entries are. */
typedef enum {
	TREE_IN_DIR,		/* a plain directory */
	TREE_IN_MAILDIR,	/* a Maildir's own directory */
	TREE_IN_MESSAGES,	/* a Maildir's cur/ or new/ */
} TreeIn;

static void tree_walk_dir(Tree *tree, TreeDir *dir, const char *path,
    TreeIn in, int depth);

/* tree_enter - open the subdirectory name of parent and walk it
 *
 * Opened without following a link, so that a name swapped for one since
 * readdir leads nowhere.
 */
static void
tree_enter(Tree *tree, TreeDir *parent, const char *path, const char *name,
    TreeIn in, int depth)
{
	struct stat st;
	TreeId	id;
	int	fd;

	do
		fd = openat(parent->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW
		    | O_NONBLOCK | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		if (errno == ENOENT)
			return;		/* gone while we looked */
		if (errno == ELOOP)
			tree_problem(tree, TREE_SKIPPED, path, parent, name,
			    "a symbolic link, not followed");
		else if (errno == ENOTDIR)	/* a file now: read it as one */
			tree_emit(tree, in == TREE_IN_MESSAGES ? TREE_MESSAGE
			    : TREE_FILE, path, parent, name, FALSE, NULL);
		else
			tree_problem(tree, TREE_UNREADABLE, path, parent, name,
			    "cannot open the directory: %s", g_strerror(errno));
		return;
	}
	if (fstat(fd, &st) != 0 || tree_id_in(tree->skip, &st)) {
		close(fd);
		return;
	}
	if (tree_id_in(tree->ancestors, &st)) {
		close(fd);
		tree_problem(tree, TREE_SKIPPED, path, parent, name,
		    "a loop: the same directory as one it is in");
		return;
	}
	if (depth >= TREE_DEPTH_MAX) {
		close(fd);
		tree_problem(tree, TREE_SKIPPED, path, parent, name,
		    "directories nested deeper than %d levels", TREE_DEPTH_MAX);
		return;
	}
	id.dev = st.st_dev;
	id.ino = st.st_ino;
	g_array_append_val(tree->ancestors, id);
	{
		g_autoptr(TreeDir) dir = tree_dir_new(fd);

		if (in != TREE_IN_MESSAGES && tree_is_maildir(fd))
			in = TREE_IN_MAILDIR;
		tree_walk_dir(tree, dir, path, in, depth + 1);
	}
	g_array_set_size(tree->ancestors, tree->ancestors->len - 1);
}

/* tree_child - one entry of the directory dir, met where in says */
static void
tree_child(Tree *tree, TreeDir *dir, const char *path, const struct dirent *entry,
    TreeIn in, int depth)
{
	const char *name = entry->d_name;
	g_autofree char *child = NULL;
	unsigned char type;

	/* In a Maildir, tmp/ holds messages still being delivered and
	 * dot names are Maildir++ folders; elsewhere dot files are editor
	 * and tool droppings. */
	if (in == TREE_IN_MAILDIR && strcmp(name, "tmp") == 0)
		return;
	if (name[0] == '.' && in != TREE_IN_MAILDIR)
		return;
	type = tree_type(dir->fd, entry);
	/* Files of a Maildir's own directory (dovecot-uidlist,
	 * maildirfolder) are its bookkeeping, not messages. */
	if (in == TREE_IN_MAILDIR && (type == DT_REG || type == DT_UNKNOWN))
		return;
	child = g_build_filename(path, name, NULL);
	switch (type) {
	case DT_DIR:
		if (in == TREE_IN_MAILDIR && (strcmp(name, "cur") == 0
		    || strcmp(name, "new") == 0))
			tree_enter(tree, dir, child, name, TREE_IN_MESSAGES, depth);
		else
			tree_enter(tree, dir, child, name, TREE_IN_DIR, depth);
		break;
	case DT_REG:
	case DT_UNKNOWN:	/* the reader checks what it opens */
		tree_emit(tree, in == TREE_IN_MESSAGES ? TREE_MESSAGE : TREE_FILE,
		    child, dir, name, FALSE, NULL);
		break;
	case DT_LNK:
		tree_problem(tree, TREE_SKIPPED, child, dir, name,
		    "a symbolic link, not followed");
		break;
	default:
		tree_problem(tree, TREE_SKIPPED, child, dir, name,
		    "%s, not a regular file", input_file_type(DTTOIF(type)));
		break;
	}
}

/* tree_walk_dir - every entry of the directory dir, which is at path
 *
 * A directory that cannot be read to its end is an entry of its own:
 * what was read of it is handed on, and the rest waits for another run.
 */
static void
tree_walk_dir(Tree *tree, TreeDir *dir, const char *path, TreeIn in, int depth)
{
	int	fd = fcntl(dir->fd, F_DUPFD_CLOEXEC, 0);
	DIR	*stream = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *entry;

	if (stream == NULL) {
		int	saved = errno;

		if (fd >= 0)
			close(fd);
		tree_problem(tree, TREE_UNREADABLE, path, NULL, NULL,
		    "cannot read the directory: %s", g_strerror(saved));
		return;
	}
	for (;;) {
		errno = 0;
		if ((entry = readdir(stream)) == NULL)
			break;
		if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
			tree_child(tree, dir, path, entry, in, depth);
	}
	if (errno != 0)
		tree_problem(tree, TREE_UNREADABLE, path, NULL, NULL,
		    "cannot read the directory to its end: %s", g_strerror(errno));
	closedir(stream);
}

/* tree_open_dir - open a PATH that is a directory, following a link */
static int
tree_open_dir(const char *path)
{
	int	fd;

	do
		fd = open(path, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	return fd;
}

/* tree_walk_file - a PATH that is not a directory: an entry of its
 * parent directory, which is opened to read it relative to */
static gboolean
tree_walk_file(Tree *tree, const char *path, const struct stat *st,
    GError **error)
{
	g_autofree char *parent = g_path_get_dirname(path);
	g_autofree char *name = g_path_get_basename(path);
	g_autoptr(TreeDir) dir = NULL;
	int	fd;

	if (!S_ISREG(st->st_mode)) {
		tree_problem(tree, TREE_SKIPPED, path, NULL, NULL,
		    "%s, not a regular file", input_file_type(st->st_mode));
		return TRUE;
	}
	if ((fd = tree_open_dir(parent)) < 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "cannot read '%s': %s", path, g_strerror(errno));
		return FALSE;
	}
	dir = tree_dir_new(fd);
	tree_emit(tree, TREE_FILE, path, dir, name, TRUE, NULL);
	return TRUE;
}

/* tree_walk - call found for every entry under path */
gboolean
tree_walk(const char *path, const char *const *skip, TreeFound found,
    gpointer data, GError **error)
{
	Tree	tree = { found, data, g_array_new(FALSE, FALSE, sizeof(TreeId)),
	    g_array_new(FALSE, FALSE, sizeof(TreeId)) };
	struct stat st;
	gboolean ok = TRUE;
	int	fd;

	for (; skip != NULL && *skip != NULL; skip++) {
		TreeId	id;

		if (stat(*skip, &st) != 0)
			continue;
		id.dev = st.st_dev;
		id.ino = st.st_ino;
		g_array_append_val(tree.skip, id);
	}
	if (stat(path, &st) != 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE, "cannot read '%s': %s",
		    path, g_strerror(errno));
		ok = FALSE;
	} else if (!S_ISDIR(st.st_mode)) {
		ok = tree_walk_file(&tree, path, &st, error);
	} else if (tree_id_in(tree.skip, &st)) {
		ok = TRUE;
	} else if ((fd = tree_open_dir(path)) < 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE, "cannot read '%s': %s",
		    path, g_strerror(errno));
		ok = FALSE;
	} else {
		g_autoptr(TreeDir) dir = tree_dir_new(fd);
		TreeId	id = { st.st_dev, st.st_ino };

		g_array_append_val(tree.ancestors, id);
		tree_walk_dir(&tree, dir, path, tree_is_maildir(fd)
		    ? TREE_IN_MAILDIR : TREE_IN_DIR, 0);
	}
	g_array_unref(tree.skip);
	g_array_unref(tree.ancestors);
	return ok;
}
