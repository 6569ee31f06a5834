/* render-json.h - a summary as JSON, stable for scripts */
#ifndef TLSRPT_RENDER_JSON_H
#define TLSRPT_RENDER_JSON_H

#include <stdio.h>

#include "check.h"
#include "summary.h"

/* render_json - write summary to out as one JSON object, documented in
 * tlsrpt-report(1); the caller checks out for write errors */
void render_json(FILE *out, const Summary *summary);

/* render_json_enforce - write the enforce verdict of each domain of
 * summary to out as one JSON object, documented in tlsrpt-report(1) */
void render_json_enforce(FILE *out, const Summary *summary);

/* render_json_check - write check's verdict on period (its days and the
 * baseline before) about domain (NULL: all) to out as one JSON object,
 * documented in tlsrpt-report(1) */
void render_json_check(FILE *out, const Check *check, const Period *period,
    const char *domain);

/* render_json_check_failed - write check's answer when it could not
 * judge: state "unknown" and why, the same object without the figures */
void render_json_check_failed(FILE *out, const char *why);

#endif
