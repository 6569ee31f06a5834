/* cgi.h - answering one HTTP POST of a report, as a CGI program
 *
 * RFC 8460 lets reporters POST a report to an https: URI instead of
 * mailing it.  A web server runs us once per request (RFC 3875): the body
 * on standard input, its length in CONTENT_LENGTH, its media type in
 * CONTENT_TYPE; we answer on standard output with a Status header.  This
 * file knows that protocol.  The body is stored through a batch, exactly as
 * a message on standard input is, and every outcome goes to the front's
 * notify function, so that the log lines are the front's.
 */
#ifndef TLSRPT_CGI_H
#define TLSRPT_CGI_H

#include <glib.h>

#include "pipeline.h"

/* cgi_serve - read the request, store its body, answer it
 *
 * A request refused before its body is stored (wrong method, media type,
 * length) is passed to notify too, as FATE_NOT_REPORT with the reason.
 * The answer never quotes the request.  Returns EX_OK once an answer is
 * written, EX_IOERR when it cannot be.
 */
int cgi_serve(const PipelineConfig *config, PipelineNotify notify, gpointer data);

#endif
