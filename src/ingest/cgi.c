/* cgi.c - answering one HTTP POST of a report, as a CGI program
 *
 * The method, the media type and the length are checked before a byte of
 * the body is read; then exactly CONTENT_LENGTH bytes are read, never more
 * (RFC 3875 4.2: the server need not close standard input after them).
 * The body is handed over as it came: the stages recognise JSON and gzip
 * by their first bytes, which is also how a gzip'd report sent with a
 * needless "Content-Encoding: gzip" comes out right.
 *
 * Reporters retry on 5xx and not on 4xx, so the status follows the same
 * line as the exit codes: 4xx only when the request itself is at fault,
 * 503 with Retry-After whenever a retry could succeed.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cgi.h"
#include "common/error.h"
#include "common/text.h"
#include "input.h"

#define CGI_RETRY_AFTER		"3600"	/* seconds; reports are daily */
#define CGI_DRAIN_MAX		(G_GUINT64_CONSTANT(1) << 30)
#define CGI_SHOWN_MAX		64	/* bytes of a request header in an error */

/* An answer: status line and a short text that never quotes the request. */
typedef struct cgi_answer {
	int		 status;
	const char	*reason;
	const char	*text;
} CgiAnswer;

static const CgiAnswer cgi_stored = { 201, "Created", "report stored\n" };
static const CgiAnswer cgi_duplicate = { 200, "OK", "report already stored\n" };
static const CgiAnswer cgi_parsed = { 200, "OK", "valid report, not stored (dry run)\n" };
static const CgiAnswer cgi_refused = { 400, "Bad Request", "not a valid TLS-RPT report\n" };
static const CgiAnswer cgi_foreign = { 403, "Forbidden", "reports for this domain are not accepted here\n" };
static const CgiAnswer cgi_bad_length = { 400, "Bad Request", "bad Content-Length\n" };
static const CgiAnswer cgi_method = { 405, "Method Not Allowed", "reports are submitted with POST\n" };
static const CgiAnswer cgi_no_length = { 411, "Length Required", "Content-Length required\n" };
static const CgiAnswer cgi_too_large = { 413, "Content Too Large", "report too large\n" };
static const CgiAnswer cgi_media_type = { 415, "Unsupported Media Type",
	"send application/tlsrpt+gzip or application/tlsrpt+json\n" };
static const CgiAnswer cgi_internal = { 500, "Internal Server Error", "internal error\n" };
static const CgiAnswer cgi_unavailable = { 503, "Service Unavailable",
	"cannot store reports now, try again later\n" };

/* The media types we take: RFC 8460's, and what senders label them. */
static const char *const cgi_types[] = {
	"application/tlsrpt+gzip", "application/tlsrpt+json",
	"application/gzip", "application/x-gzip", "application/json", NULL
};

/* Set once the answer is being written, so the alarm does not write one. */
static volatile sig_atomic_t cgi_answering;
/* Set while the body is read: then the alarm blames the client. */
static volatile sig_atomic_t cgi_reading;

/* What the notify wrapper learnt about the one input. */
typedef struct cgi_run {
	PipelineNotify	 notify;
	gpointer	 data;
	gboolean	 seen;		/* fate is an input's */
	Fate		 fate;
	GError		*error;		/* owned */
} CgiRun;

/* cgi_answer_for - the answer to a stored input's outcome */
static const CgiAnswer *
cgi_answer_for(Fate fate, const GError *error)
{
	switch (fate) {
	case FATE_STORED:
		return &cgi_stored;
	case FATE_DUPLICATE:
		return &cgi_duplicate;
	case FATE_PARSED:
		return &cgi_parsed;
	case FATE_NOT_REPORT:
	case FATE_INVALID:
		return &cgi_refused;
	case FATE_FOREIGN:
		/* A policy refusal: a 5xx would have the reporter retry it. */
		return &cgi_foreign;
	default:
		break;
	}
	if (error == NULL)
		return &cgi_internal;
	switch (error_class_of(error)) {
	case ERROR_NOT_REPORT:
	case ERROR_INVALID:
		return &cgi_refused;
	case ERROR_TEMPORARY:
		return &cgi_unavailable;
	default:
		return &cgi_internal;
	}
}

/* cgi_respond - write the answer to standard output; FALSE if it failed */
static gboolean
cgi_respond(const CgiAnswer *answer)
{
	cgi_answering = 1;
	printf("Status: %d %s\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\n"
	    "%s%s"
	    "\r\n"
	    "%s", answer->status, answer->reason,
	    answer->status == 405 ? "Allow: POST\r\n" : "",
	    answer->status == 503 ? "Retry-After: " CGI_RETRY_AFTER "\r\n" : "",
	    answer->text);
	return fflush(stdout) == 0 && !ferror(stdout);
}

/* cgi_on_alarm - the client or the database hung: answer rather than
 * nothing, 408 to a body that stopped coming, 503 for the database */
static void
cgi_on_alarm(int sig)
{
	static const char busy[] = "Status: 503 Service Unavailable\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Retry-After: " CGI_RETRY_AFTER "\r\n"
	    "\r\n"
	    "cannot store reports now, try again later\n";
	static const char slow[] = "Status: 408 Request Timeout\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Connection: close\r\n"
	    "\r\n"
	    "the request body did not arrive in time\n";
	static const char database[] = "tlsrpt-ingest: status=deferred: "
	    "timed out waiting for the database\n";
	static const char body[] = "tlsrpt-ingest: status=deferred: "
	    "timed out reading the request body\n";
	ssize_t ignored;

	(void)sig;
	if (!cgi_answering && cgi_reading)
		ignored = write(STDOUT_FILENO, slow, sizeof(slow) - 1);
	else if (!cgi_answering)
		ignored = write(STDOUT_FILENO, busy, sizeof(busy) - 1);
	if (cgi_reading)
		ignored = write(STDERR_FILENO, body, sizeof(body) - 1);
	else
		ignored = write(STDERR_FILENO, database, sizeof(database) - 1);
	(void)ignored;
	_exit(EX_TEMPFAIL);
}

/* cgi_shown - a request header as an error message quotes it; owned */
static char *
cgi_shown(const char *value)
{
	return text_safe(value, -1, TEXT_LINE, CGI_SHOWN_MAX);
}

/* cgi_media_type_ok - whether CONTENT_TYPE names a report, parameters aside */
static gboolean
cgi_media_type_ok(const char *header)
{
	g_autofree char *type = g_ascii_strdown(header, strcspn(header, ";"));

	g_strstrip(type);
	return g_strv_contains(cgi_types, type);
}

/* cgi_encoding_ok - whether every content coding is one the stages undo */
static gboolean
cgi_encoding_ok(const char *header)
{
	g_auto(GStrv) codings = g_strsplit(header, ",", -1);

	for (char **c = codings; *c != NULL; c++) {
		g_strstrip(*c);
		if (**c != '\0' && g_ascii_strcasecmp(*c, "identity") != 0
		    && g_ascii_strcasecmp(*c, "gzip") != 0
		    && g_ascii_strcasecmp(*c, "x-gzip") != 0)
			return FALSE;
	}
	return TRUE;
}

/* cgi_read_body - the request body on standard input; owned
 *
 * With a length, exactly that many bytes.  Without one (a chunked request
 * that the server streams to us as it comes, as Apache's mod_cgi does), up
 * to the end of input, and no more than max_size.  On failure *answer
 * says how to answer.
 */
static GBytes *
cgi_read_body(gboolean known, gsize length, gsize max_size,
    const CgiAnswer **answer, GError **error)
{
	GBytes	*body;

	if (known)
		body = input_read_length(STDIN_FILENO, length, "request body", error);
	else
		body = input_read_fd(STDIN_FILENO, max_size, "chunked request body",
		    error);
	if (body == NULL && error_class_of(*error) == ERROR_NOT_REPORT)
		/* Cut short with a length, too long without one. */
		*answer = known ? &cgi_refused : &cgi_too_large;
	else if (body == NULL)
		*answer = &cgi_unavailable;
	return body;
}

/* cgi_drain - read and drop the body of a refused request
 *
 * A server that writes the whole body to us before it reads our answer
 * (fcgiwrap) fails the request with a 502 if we exit without reading it.
 * The server has the body already, within its own limit; past CGI_DRAIN_MAX
 * we stop anyway.
 */
static void
cgi_drain(void)
{
	const char *length_text = g_getenv("CONTENT_LENGTH");
	guint64 length;

	if (length_text != NULL && g_ascii_string_to_unsigned(length_text, 10,
	    0, CGI_DRAIN_MAX, &length, NULL))
		input_drain(STDIN_FILENO, length);
}

/* cgi_read_request - the body of a well-formed report POST; owned
 *
 * Otherwise NULL, *answer says how to answer and error why, for the log.
 */
static GBytes *
cgi_read_request(gsize max_size, const CgiAnswer **answer, GError **error)
{
	const char *method = g_getenv("REQUEST_METHOD");
	const char *type = g_getenv("CONTENT_TYPE");
	const char *encoding = g_getenv("HTTP_CONTENT_ENCODING");
	const char *length_text = g_getenv("CONTENT_LENGTH");
	const char *chunked = g_getenv("HTTP_TRANSFER_ENCODING");
	g_autofree char *shown = NULL;
	guint64 length;

	if (method == NULL) {
		*answer = &cgi_internal;
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--cgi: REQUEST_METHOD is not set: run by a web server");
		return NULL;
	}
	if (strcmp(method, "POST") != 0) {
		shown = cgi_shown(method);
		*answer = &cgi_method;
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    "method '%s' not allowed: reports are POSTed", shown);
		return NULL;
	}
	if (type == NULL || !cgi_media_type_ok(type)) {
		shown = cgi_shown(type ? type : "");
		*answer = &cgi_media_type;
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    "unsupported media type '%s'", shown);
		return NULL;
	}
	if (encoding != NULL && !cgi_encoding_ok(encoding)) {
		shown = cgi_shown(encoding);
		*answer = &cgi_media_type;
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    "unsupported content coding '%s'", shown);
		return NULL;
	}
	if (length_text == NULL || *length_text == '\0') {
		if (chunked != NULL && strstr(chunked, "chunked") != NULL)
			return cgi_read_body(FALSE, 0, max_size, answer, error);
		*answer = &cgi_no_length;
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    "no Content-Length");
		return NULL;
	}
	if (!g_ascii_string_to_unsigned(length_text, 10, 0, G_MAXUINT64,
	    &length, NULL)) {
		/* Digits beyond 64 bits are a length, only a large one. */
		shown = cgi_shown(length_text);
		if (length_text[strspn(length_text, "0123456789")] == '\0') {
			*answer = &cgi_too_large;
			g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
			    "request body of %s bytes, larger than %"
			    G_GSIZE_FORMAT " bytes", shown, max_size);
			return NULL;
		}
		*answer = &cgi_bad_length;
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    "bad Content-Length '%s'", shown);
		return NULL;
	}
	if (length > max_size) {
		*answer = &cgi_too_large;
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    "request body of %" G_GUINT64_FORMAT " bytes, larger than %"
		    G_GSIZE_FORMAT " bytes", length, max_size);
		return NULL;
	}
	return cgi_read_body(TRUE, (gsize)length, max_size, answer, error);
}

/* cgi_input_name - how log lines name the request: by the client's address */
static char *
cgi_input_name(void)
{
	const char *addr = g_getenv("REMOTE_ADDR");

	if (addr == NULL || *addr == '\0' || strlen(addr) > 45
	    || addr[strspn(addr, "0123456789abcdefABCDEF.:")] != '\0')
		return g_strdup("http");
	return g_strdup_printf("http:%s", addr);
}

/* cgi_notify - remember the outcome, then let the front log it */
static void
cgi_notify(const PipelineInput *input, gpointer data)
{
	CgiRun *run = data;

	/* A body of several report parts is answered by the worst. */
	if (!run->seen || pipeline_fate_worse(run->fate, input->fate) != run->fate) {
		run->fate = input->fate;
		g_clear_error(&run->error);
		if (input->error != NULL)
			run->error = g_error_copy(input->error);
	}
	run->seen = TRUE;
	run->notify(input, run->data);
}

/* cgi_serve - read the request, store its body, answer it */
int
cgi_serve(const PipelineConfig *config, PipelineNotify notify, gpointer data)
{
	CgiRun run = { .notify = notify, .data = data, .fate = FATE_DEFERRED };
	PipelineConfig inline_config = *config;
	const CgiAnswer *answer = NULL;
	g_autofree char *name = cgi_input_name();
	g_autoptr(GBytes) body = NULL;
	g_autoptr(GError) error = NULL;
	gboolean answered;

	signal(SIGALRM, cgi_on_alarm);
	cgi_reading = 1;
	body = cgi_read_request((gsize)config->max_message_size, &answer, &error);
	cgi_reading = 0;
	if (body == NULL) {
		PipelineInput refused = {
			.name = name,
			.fate = error_class_of(error) == ERROR_NOT_REPORT
			    ? FATE_NOT_REPORT : FATE_DEFERRED,
			.error = error,
		};

		notify(&refused, data);
		cgi_drain();
	} else {
		g_autoptr(Pipeline) pipeline = NULL;

		/* One body: parse and store inline, no threads. */
		inline_config.jobs = 0;
		pipeline = pipeline_new(&inline_config, cgi_notify, &run);
		pipeline_add_bytes(pipeline, body, name);
		pipeline_finish(pipeline);
		answer = cgi_answer_for(run.fate, run.error);
		g_clear_error(&run.error);
	}
	answered = cgi_respond(answer);
	return answered ? EX_OK : EX_IOERR;
}
