/* fuzz-message.c - libFuzzer target: the whole message-to-report path
 *
 * The input is what an MTA hands us on standard input: message_new,
 * message_find_report, the DKIM verdict, decode_report and report_new,
 * as batch.c's job_parse runs them, with the default limits (a smaller
 * report size, so that a decompression bomb costs little time here).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "ingest/decode.h"
#include "common/error.h"
#include "fuzz.h"
#include "ingest/message.h"
#include "ingest/report.h"

#define FUZZ_MAX_REPORT_SIZE	(4 * 1024 * 1024)

/* The authserv-ids of the seeds' Authentication-Results fields. */
static const char *const trusted[] = { "mx.receiver.example", "mx.example.net", NULL };

/* LLVMFuzzerTestOneInput - one input through every parsing stage */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GBytes	*input = g_bytes_new(data, size);
	GBytes	*json = NULL;
	GError	*error = NULL;
	Message	*message;
	Report	*report = NULL;

	message = message_new(input, &error);
	if (message == NULL) {
		fuzz_check_error(error);
		goto out;
	}
	if (!message_find_report(message, &error)) {
		fuzz_check_error(error);
		goto out;
	}
	if (message->payload == NULL || message->payload_desc == NULL)
		abort();
	message_judge_dkim(message, trusted);
	if (message->dkim_reason == NULL ||
	    (message->dkim == DKIM_PASS && message->dkim_domain == NULL) ||
	    (message->dkim_domain != NULL && strspn(message->dkim_domain,
	    "abcdefghijklmnopqrstuvwxyz0123456789-_.") != strlen(message->dkim_domain)))
		abort();
	if (!message_require_dkim(message, &error))
		fuzz_check_error(error);
	error = NULL;
	json = decode_report(message->payload, FUZZ_MAX_REPORT_SIZE,
	    message->payload_desc, &error);
	if (json == NULL) {
		fuzz_check_error(error);
		goto out;
	}
	/* decode_report promises a NUL after the last byte. */
	if (((const char *)g_bytes_get_data(json, NULL))[g_bytes_get_size(json)] != '\0')
		abort();
	report = report_new(g_bytes_get_data(json, NULL), g_bytes_get_size(json),
	    NULL, &error);
	if (report == NULL)
		fuzz_check_error(error);
out:
	report_free(report);
	if (json != NULL)
		g_bytes_unref(json);
	message_free(message);
	g_bytes_unref(input);
	return 0;
}
