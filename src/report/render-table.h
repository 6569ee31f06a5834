/* render-table.h - a summary as tables for the terminal */
#ifndef TLSRPT_RENDER_TABLE_H
#define TLSRPT_RENDER_TABLE_H

#include <stdio.h>

#include "summary.h"

/* render_table - write summary to out; the caller checks out for write
 * errors */
void render_table(FILE *out, const Summary *summary);

/* render_table_enforce - write the enforce verdict of each domain of
 * summary to out, with its evidence and next step */
void render_table_enforce(FILE *out, const Summary *summary);

#endif
