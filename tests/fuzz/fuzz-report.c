/* fuzz-report.c - libFuzzer target: the JSON validation alone
 *
 * report_new on the input as it is.  What it accepts must survive a round
 * trip: the normalized report, printed and parsed again, is a report
 * whose normalized form is the same.  --dry-run prints that text and the
 * store reads that tree, so a report that cannot be read back would be a
 * report we store differently from what we show.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "common/error.h"
#include "fuzz.h"
#include "ingest/report.h"

static const char *const accepted[] = { "example.org", "*.example.com", NULL };

/* LLVMFuzzerTestOneInput - one input through report_new */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Report	*report, *again;
	GError	*error = NULL;
	char	*text;

	report = report_new((const char *)data, size, NULL, &error);
	if (report == NULL) {
		fuzz_check_error(error);
		return 0;
	}
	if (!report_accept_domains(report, accepted, &error))
		fuzz_check_error(error);
	error = NULL;
	text = report_to_json_string(report);
	again = report_new(text, strlen(text), NULL, &error);
	if (again == NULL) {
		fprintf(stderr, "normalized report refused: %s\n%s\n",
		    error->message, text);
		abort();
	}
	if (!json_object_equal(report->normalized, again->normalized)) {
		fprintf(stderr, "normalized report changed on a round trip\n%s\n", text);
		abort();
	}
	report_free(again);
	g_free(text);
	report_free(report);
	return 0;
}
