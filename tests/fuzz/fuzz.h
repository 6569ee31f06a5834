/* fuzz.h - what the fuzz targets and their replay driver share
 *
 * Each target is one file defining LLVMFuzzerTestOneInput: built with
 * clang's libFuzzer it explores (make fuzz, tests/fuzz.test); linked
 * with replay.c by the ordinary compiler it replays the inputs kept
 * under tests/fuzz/regressions/, so that every finding stays fixed in
 * every build, sanitizers or not.
 */
#ifndef TLSRPT_FUZZ_H
#define TLSRPT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_check_error - abort unless error is a TLSRPT_ERROR of one line;
 * frees it */
void fuzz_check_error(GError *error);

/* fuzz_message - input through every stage an MTA's message goes
 * through (message_parse, decode_report, report_new, policy_judge, as
 * the pipeline's job_parse runs them), each report part of it, with the
 * default limits; abort on anything a stage must not do */
void fuzz_message(GBytes *input);

#endif
