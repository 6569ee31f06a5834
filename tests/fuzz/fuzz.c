/* fuzz.c - what every fuzz target does alike */
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

/* A smaller report size than the default, so that a decompression bomb
 * costs little time here. */
#define FUZZ_MAX_REPORT_SIZE	(4 * 1024 * 1024)

/* The authserv-ids of the seeds' Authentication-Results fields. */
static const char *const trusted[] = { "mx.receiver.example", "mx.example.net", NULL };
static const char *const accepted[] = { "example.org", "*.example.com", NULL };

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

/* fuzz_verifier - the verifier of every input, made on first use: our
 * own DKIM verifier checks every signature, libopendkim parsing it; its
 * key lookups go to a port where no DNS server listens, and fail at once */
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

/* fuzz_part - one report part of input through decode, report and policy */
static void
fuzz_part(const Message *message, GBytes *input)
{
	PolicyOptions options = { .accept_domains = accepted,
	    .trusted_authserv_ids = trusted, .verifier = fuzz_verifier(),
	    .require_dkim = TRUE };
	PolicyVerdict verdict = { 0 };
	GBytes	*json;
	GError	*error = NULL;
	Report	*report;

	if (message->payload == NULL || message->payload_desc == NULL ||
	    message->more != NULL)
		abort();
	json = decode_report(message->payload, FUZZ_MAX_REPORT_SIZE,
	    message->payload_desc, &error);
	if (json == NULL) {
		fuzz_check_error(error);
		return;
	}
	/* decode_report promises a NUL after the last byte. */
	if (((const char *)g_bytes_get_data(json, NULL))[g_bytes_get_size(json)] != '\0')
		abort();
	report = report_new(g_bytes_get_data(json, NULL), g_bytes_get_size(json),
	    NULL, &error);
	g_bytes_unref(json);
	if (report == NULL) {
		fuzz_check_error(error);
		return;
	}
	/* A policy domain is stored as it is compared: lower-case. */
	for (guint i = 0; i < report->n_policies; i++) {
		const char *d = report->policies[i].policy_domain;

		for (; d != NULL && *d != '\0'; d++)
			if (g_ascii_isupper(*d))
				abort();
	}
	if (!policy_judge(&options, message, input, report, &verdict, &error))
		fuzz_check_error(error);
	fuzz_check_verdict(&verdict);
	policy_verdict_clear(&verdict);
	report_free(report);
}

/* fuzz_message - one input through every parsing stage, each of its
 * report parts */
void
fuzz_message(GBytes *input)
{
	GError	*error = NULL;
	Message	*message = message_new();

	if (!message_parse(message, input, &error)) {
		fuzz_check_error(error);
		message_free(message);
		return;
	}
	if (message->more != NULL) {
		if (message->more->len == 0)
			abort();
		for (guint i = 0; i < message->more->len; i++)
			fuzz_part(g_ptr_array_index(message->more, i), input);
		g_clear_pointer(&message->more, g_ptr_array_unref);
	}
	fuzz_part(message, input);
	message_free(message);
}
