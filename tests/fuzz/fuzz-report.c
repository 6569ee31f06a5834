/* fuzz-report.c - libFuzzer target: the JSON validation alone
 *
 * report_new on the input as it is.  What it accepts must survive a round
 * trip: the normalized report, printed and parsed again, is a report
 * that prints the same.  --dry-run prints that text from the members the
 * store reads, so a report that cannot be read back would be a report we
 * store differently from what we show.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "common/error.h"
#include "fuzz.h"
#include "ingest/report.h"

/* LLVMFuzzerTestOneInput - one input through report_new */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Report	*report, *again;
	GError	*error = NULL;
	char	*text, *text_again;

	report = report_new((const char *)data, size, NULL, &error);
	if (report == NULL) {
		fuzz_check_error(error);
		return 0;
	}
	text = report_to_json_string(report);
	again = report_new(text, strlen(text), NULL, &error);
	if (again == NULL) {
		fprintf(stderr, "normalized report refused: %s\n%s\n",
		    error->message, text);
		abort();
	}
	text_again = report_to_json_string(again);
	if (strcmp(text, text_again) != 0) {
		fprintf(stderr, "normalized report changed on a round trip\n%s\n%s\n",
		    text, text_again);
		abort();
	}
	g_free(text_again);
	report_free(again);
	g_free(text);
	report_free(report);
	return 0;
}
