/* replay.c - run a fuzz target's kept inputs, as a TAP test
 *
 * Linked with one fuzz target by the ordinary compiler.  Without
 * arguments it replays every file in $TI_SRCDIR/tests/fuzz/regressions/
 * TARGET/: the inputs that once crashed, hung or leaked, each now fixed;
 * with arguments, those files.  An input that still crashes takes the
 * program down, and the TAP driver reports the missing plan.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "fuzz.h"

/* replay_file - feed one file to the target; FALSE if it cannot be read */
static gboolean
replay_file(const char *path)
{
	g_autofree char *data = NULL;
	gsize	len;

	if (!g_file_get_contents(path, &data, &len, NULL))
		return FALSE;
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	return TRUE;
}

/* compare_names - order for g_ptr_array_sort of strings */
static gint
compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	const char *srcdir = g_getenv("TI_SRCDIR");
	g_autofree char *dir = NULL;
	g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GDir) listing = NULL;
	const char *name;
	guint	i, failed = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1) {
		for (i = 1; i < (guint)argc; i++)
			g_ptr_array_add(paths, g_strdup(argv[i]));
	} else {
		dir = g_build_filename(srcdir ? srcdir : ".", "tests", "fuzz",
		    "regressions", FUZZ_TARGET, NULL);
		/* git keeps no empty directory: none is none kept. */
		listing = g_dir_open(dir, 0, NULL);
		while (listing != NULL && (name = g_dir_read_name(listing)) != NULL)
			if (name[0] != '.')
				g_ptr_array_add(paths, g_build_filename(dir, name, NULL));
		g_ptr_array_sort(paths, compare_names);
	}
	for (i = 0; i < paths->len; i++) {
		const char *path = g_ptr_array_index(paths, i);
		g_autofree char *base = g_path_get_basename(path);

		if (replay_file(path)) {
			printf("ok %u - %s: %s\n", i + 1, FUZZ_TARGET, base);
		} else {
			printf("not ok %u - %s: cannot read %s\n", i + 1,
			    FUZZ_TARGET, base);
			failed++;
		}
		fflush(stdout);
	}
	if (paths->len == 0)
		printf("1..0 # SKIP no inputs kept for %s\n", FUZZ_TARGET);
	else
		printf("1..%u\n", paths->len);
	return failed > 0;
}
