/* render-html.h - a summary as one self-contained web page */
#ifndef TLSRPT_RENDER_HTML_H
#define TLSRPT_RENDER_HTML_H

#include <stdio.h>

#include "summary.h"

/* render_html - write summary, with its daily figures, to out as one HTML
 * page with inline CSS and SVG charts and no scripts; the caller checks
 * out for write errors */
void render_html(FILE *out, const Summary *summary);

#endif
