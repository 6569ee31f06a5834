/* fuzz-message.c - libFuzzer target: the whole message-to-report path
 *
 * The input is what an MTA hands us on standard input: message_parse,
 * decode_report, report_new and policy_judge, as the pipeline's
 * job_parse runs them, with the default limits (a smaller report size,
 * so that a decompression bomb costs little time here).  Our own DKIM
 * verifier checks every signature, libopendkim parsing it; its key
 * lookups go to a port where no DNS server listens, and fail at once.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "common/error.h"
#include "fuzz.h"
#include "ingest/decode.h"
#include "ingest/message.h"
#include "ingest/policy.h"
#include "ingest/report.h"
#include "ingest/verify.h"

#define FUZZ_MAX_REPORT_SIZE	(4 * 1024 * 1024)

/* The authserv-ids of the seeds' Authentication-Results fields. */
static const char *const trusted[] = { "mx.receiver.example", "mx.example.net", NULL };
static const char *const accepted[] = { "example.org", "*.example.com", NULL };

/* fuzz_check_verdict - a verdict reached says what it is about in words
 * (a report refused for its domains has none), and names a signing
 * domain only as a domain */
static void
fuzz_check_verdict(const PolicyVerdict *verdict)
{
	if ((verdict->dkim_reason == NULL && verdict->dkim != DKIM_UNKNOWN) ||
	    (verdict->dkim_reason != NULL && strchr(verdict->dkim_reason, '\n') != NULL) ||
	    (verdict->dkim == DKIM_PASS && verdict->dkim_domain == NULL) ||
	    (verdict->dkim_domain != NULL && strspn(verdict->dkim_domain,
	    "abcdefghijklmnopqrstuvwxyz0123456789-_.") != strlen(verdict->dkim_domain)))
		abort();
}

/* fuzz_verifier - the verifier of every input, made on first use */
static const Verify *
fuzz_verifier(void)
{
	static Verify *verifier;
	VerifyOptions options = {
		.dns = { .nameserver = "127.0.0.1", .port = 1 },
		.timeout_ms = 100,
	};

	if (verifier == NULL && (verifier = verify_new(&options, NULL)) == NULL)
		abort();
	return verifier;
}

/* LLVMFuzzerTestOneInput - one input through every parsing stage */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	PolicyOptions options = { .accept_domains = accepted,
	    .trusted_authserv_ids = trusted, .verifier = fuzz_verifier(),
	    .require_dkim = TRUE };
	PolicyVerdict verdict = { 0 };
	GBytes	*input = g_bytes_new(data, size);
	GBytes	*json = NULL;
	GError	*error = NULL;
	Message	*message = message_new();
	Report	*report = NULL;

	if (!message_parse(message, input, &error)) {
		fuzz_check_error(error);
		goto out;
	}
	if (message->payload == NULL || message->payload_desc == NULL)
		abort();
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
	if (report == NULL) {
		fuzz_check_error(error);
		goto out;
	}
	if (!policy_judge(&options, message, input, report, &verdict, &error))
		fuzz_check_error(error);
	fuzz_check_verdict(&verdict);
out:
	policy_verdict_clear(&verdict);
	report_free(report);
	if (json != NULL)
		g_bytes_unref(json);
	message_free(message);
	g_bytes_unref(input);
	return 0;
}
