/* fuzz.c - what every fuzz target does alike */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "common/error.h"
#include "fuzz.h"

/* LLVMFuzzerInitialize - criticals and warnings are bugs: make them crash */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
	return 0;
}

/* fuzz_check_error - a refusal is a TLSRPT_ERROR of one non-empty line */
void
fuzz_check_error(GError *error)
{
	if (error == NULL || error->domain != TLSRPT_ERROR ||
	    error->message[0] == '\0' || strchr(error->message, '\n') != NULL)
		abort();
	g_error_free(error);
}
