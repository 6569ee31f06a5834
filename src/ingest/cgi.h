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
int cgi_serve(const PipelineConfig *options, PipelineNotify notify, gpointer data);

/* cgi_status - the HTTP status that answers a stored input's outcome
 *
 * 201 stored, 200 duplicate or parsed, 400 not a valid report, 503 try
 * again later, 500 a configuration or internal error.  error may be NULL.
 */
int cgi_status(Fate fate, const GError *error);

#endif
