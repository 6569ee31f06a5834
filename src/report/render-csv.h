/* render-csv.h - a summary as CSV, for spreadsheets and scripts */
#ifndef TLSRPT_RENDER_CSV_H
#define TLSRPT_RENDER_CSV_H

#include <stdio.h>

#include "summary.h"

/* render_csv - write summary to out as four RFC 4180 tables, one empty
 * line apart; the caller checks out for write errors */
void render_csv(FILE *out, const Summary *summary);

#endif
