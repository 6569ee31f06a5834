/* message.h - finding the TLS-RPT report in a message
 *
 * The input is an RFC 5322 message (RFC 8460 multipart/report, or any of the
 * shapes real reporters and forwarders produce), or a bare report: JSON or
 * gzip'd JSON as saved from an upload, recognised by its first bytes.  The
 * result is the report part's content with its transfer encoding undone,
 * still gzip'd if it was, plus what the message's headers said about it.
 * This file alone knows GMime.
 *
 * Header values are kept as the message wrote them, unfolded and in
 * UTF-8: untrusted text, made safe wherever it is printed.
 */
#ifndef TLSRPT_MESSAGE_H
#define TLSRPT_MESSAGE_H

#include <glib.h>

typedef struct message {
	gboolean bare;			/* a bare report: no message around
					 * it, so no headers and no fields */

	/* Headers of the message that carries the report part (for a
	 * forwarded report, the innermost one).  Owned; NULL when absent or
	 * when the input was a bare report. */
	char	*message_id;		/* without angle brackets */
	char	*from;
	char	*report_domain;		/* TLS-Report-Domain */
	char	*report_submitter;	/* TLS-Report-Submitter */

	GBytes	*payload;		/* owned: the report part, decoded from
					 * base64/quoted-printable; may be gzip */
	char	*payload_desc;		/* owned: for error messages, e.g.
					 * "application/tlsrpt+gzip part 'x.json.gz'"
					 * or "bare gzip input" */

	/* Authentication-Results fields (RFC 8601) of the message as
	 * delivered (the outermost), topmost first, unfolded: owned,
	 * NULL-terminated; NULL for a bare report.  Read by policy.c. */
	char	**auth_results;

	/* The message's other report parts, when it holds more than one
	 * (two application/tlsrpt+gzip parts, a digest of forwarded
	 * reports): each a Message of its own, with the headers of the
	 * message that holds it, auth_results copied, and no more of its
	 * own.  Owned (Message *); NULL when there is one. */
	GPtrArray *more;
} Message;

/* message_new - an empty Message, for message_parse; owned */
Message *message_new(void);

/* message_parse - find the report in input, filling a new message
 *
 * Returns TRUE with payload set (and the other report parts in more:
 * every part labelled or named as a report), or FALSE with
 * ERROR_NOT_REPORT and a reason: "empty input", "not a MIME message",
 * "not a report: zip archive with 'x.xml', a DMARC XML report", "no
 * report part: found application/zip 'google.com!x!1!2.zip' with a DMARC
 * XML report", "no report part: found text/plain, text/html", "more than
 * 100000 header and MIME boundary lines", "more than 4194304 bytes of
 * header fields" (what GMime would spend memory on is counted before it
 * parses).  Either way message keeps the headers
 * read, so that a refusal can name the message by its Message-ID.  For a
 * forwarded report, the headers are the inner message's.  The parsed
 * tree is freed before this returns.
 */
gboolean message_parse(Message *message, GBytes *input, GError **error);

void message_free(Message *message);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Message, message_free)

#endif
