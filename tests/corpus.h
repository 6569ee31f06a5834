/* corpus.h - the shared corpus of real reports, for the unit tests
 *
 * make check passes its place in TI_CORPUS: configure's --with-corpus=DIR
 * (by default ../shared/corpus next to the source tree), or TI_CORPUS in
 * the environment of make check.  It is read in place, never copied; a
 * test that needs it and cannot find it fails, saying so.
 */
#ifndef TLSRPT_TESTS_CORPUS_H
#define TLSRPT_TESTS_CORPUS_H

#include <glib.h>

/* corpus_dir - the corpus's directory; static string */
const char *corpus_dir(void);

/* corpus_read - the file at relative (below the corpus) as bytes; owned */
GBytes *corpus_read(const char *relative);

/* corpus_names - the names of the files in the corpus directory sub,
 * sorted; owned, strings owned by the array */
GPtrArray *corpus_names(const char *sub);

#endif
