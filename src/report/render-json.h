/* render-json.h - a summary as JSON, stable for scripts */
#ifndef TLSRPT_RENDER_JSON_H
#define TLSRPT_RENDER_JSON_H

#include <stdio.h>

#include "summary.h"

/* render_json - write summary to out as one JSON object, documented in
 * tlsrpt-report(1); the caller checks out for write errors */
void render_json(FILE *out, const Summary *summary);

/* render_json_enforce - write the enforce verdict of each domain of
 * summary to out as one JSON object, documented in tlsrpt-report(1) */
void render_json_enforce(FILE *out, const Summary *summary);

#endif
