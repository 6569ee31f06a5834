/* fuzz-message.c - libFuzzer target: the whole message-to-report path
 *
 * The input is what an MTA hands us on standard input, through every
 * stage as the pipeline's job_parse runs them (fuzz_message).
 */
#include "config.h"

#include <glib.h>

#include "fuzz.h"

/* LLVMFuzzerTestOneInput - one input through every parsing stage */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GBytes	*input = g_bytes_new(data, size);

	fuzz_message(input);
	g_bytes_unref(input);
	return 0;
}
