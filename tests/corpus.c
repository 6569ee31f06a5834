/* corpus.c - the shared corpus of real reports, for the unit tests */
#include "config.h"

#include <string.h>

#include "corpus.h"

/* corpus_dir - the corpus's directory, from TI_CORPUS */
const char *
corpus_dir(void)
{
	const char *dir = g_getenv("TI_CORPUS");

	if (dir == NULL || *dir == '\0')
		g_error("TI_CORPUS is not set: run the tests with make check "
		    "(configure --with-corpus=DIR says where the corpus is)");
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
		g_error("no corpus at '%s': configure --with-corpus=DIR or set "
		    "TI_CORPUS", dir);
	return dir;
}

/* corpus_read - a corpus file as bytes; owned */
GBytes *
corpus_read(const char *relative)
{
	g_autofree char *path = g_build_filename(corpus_dir(), relative, NULL);
	g_autoptr(GError) error = NULL;
	char	*data;
	gsize	len;

	if (!g_file_get_contents(path, &data, &len, &error))
		g_error("%s", error->message);
	return g_bytes_new_take(data, len);
}

/* corpus_compare - g_ptr_array_sort() order for names */
static gint
corpus_compare(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* corpus_names - the names in a corpus directory, sorted; owned */
GPtrArray *
corpus_names(const char *sub)
{
	g_autofree char *path = g_build_filename(corpus_dir(), sub, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GDir) dir = g_dir_open(path, 0, &error);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	if (dir == NULL)
		g_error("%s", error->message);
	while ((name = g_dir_read_name(dir)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, corpus_compare);
	return names;
}
