/* message.h - finding the TLS-RPT report in a message
 *
 * The input is an RFC 5322 message (RFC 8460 multipart/report, or any of the
 * shapes real reporters and forwarders produce), or a bare report: JSON or
 * gzip'd JSON as saved from an upload, recognised by its first bytes.  The
 * result is the report part's content with its transfer encoding undone,
 * still gzip'd if it was, plus what the message's headers said about it.
 */
#ifndef TLSRPT_MESSAGE_H
#define TLSRPT_MESSAGE_H

#include <glib.h>

/* Whether the message carried a valid DKIM signature of its reporter, as
 * the site's own verifier recorded it in Authentication-Results. */
typedef enum {
	DKIM_UNKNOWN,		/* not judged, or a bare report: no message */
	DKIM_PASS,		/* a valid signature of the reporting domain */
	DKIM_FAIL,		/* signed, but not validly by that domain */
	DKIM_NONE,		/* not signed, by the verifier's account */
	DKIM_UNTRUSTED,		/* no verifier we trust said anything */
} MessageDkim;

typedef struct message {
	/* Headers of the message that carries the report part (for a
	 * forwarded report, the innermost one).  Owned; NULL when absent or
	 * when the input was a bare report. */
	char	*message_id;		/* without angle brackets */
	char	*from;
	char	*report_domain;		/* TLS-Report-Domain */
	char	*report_submitter;	/* TLS-Report-Submitter */
	char	*subject;

	GBytes	*payload;		/* owned: the report part, decoded from
					 * base64/quoted-printable; may be gzip */
	char	*payload_desc;		/* owned: for error messages, e.g.
					 * "application/tlsrpt+gzip part 'x.json.gz'"
					 * or "bare gzip input" */

	/* Authentication-Results fields (RFC 8601) of the message as
	 * delivered (the outermost), topmost first, unfolded: owned,
	 * NULL-terminated; NULL for a bare report. */
	char	**auth_results;
	/* Set by message_judge_dkim. */
	MessageDkim dkim;
	char	*dkim_domain;		/* owned: the signing domain judged, or NULL */
	char	*dkim_reason;		/* owned: the verdict in words, for logs */

	struct _GMimeMessage *mime;	/* owned, private: the parsed message,
					 * freed once the report part is found */
} Message;

/* message_new - recognise input as a message or as a bare report
 *
 * Returns an owned Message with the message's headers (a bare report has
 * its payload already), or NULL with ERROR_NOT_REPORT: "empty input",
 * "not a MIME message", "not a report: zip archive with 'x.xml', a DMARC
 * XML report", "more than 100000 header and MIME boundary lines" (what
 * GMime would spend memory on is counted before it parses).  Parsing
 * comes apart from finding so that a refusal can still name the message
 * by its Message-ID.
 */
Message *message_new(GBytes *input, GError **error);

/* message_find_report - set payload to the report part of message
 *
 * Returns FALSE with ERROR_NOT_REPORT and a reason that says what was
 * found instead: "no report part: found application/zip
 * 'google.com!x!1!2.zip' with a DMARC XML report", "no report part: found
 * text/plain, text/html".  For a forwarded report, the headers become the
 * inner message's.
 */
gboolean message_find_report(Message *message, GError **error);

/* message_judge_dkim - did a verifier we trust see the reporter's signature?
 *
 * RFC 8460 section 3: reports by mail must be DKIM-signed by the
 * reporting domain.  This reads what the site's own verifier (OpenDKIM,
 * rspamd...) wrote in Authentication-Results, and only fields whose
 * authserv-id is one of trusted (NULL-terminated; NULL: none is):
 * anyone can write such a field, and RFC 8601 section 5 has the MTA
 * delete fields that claim its own authserv-id before the verifier adds
 * its own at the top.  Of the trusted fields the topmost with DKIM
 * results counts.  The reporting domain is TLS-Report-Submitter, else
 * the From address's domain; a signature aligns with it when one domain
 * is the other or below it (Mail.ru signs as corp.mail.ru).  Call it
 * after message_find_report: for a forwarded report the reporter is
 * the inner message's, the signature the outer one's.  Sets dkim,
 * dkim_domain and dkim_reason.
 */
void message_judge_dkim(Message *message, const char *const *trusted);

/* message_require_dkim - TRUE if the verdict is DKIM_PASS; otherwise
 * ERROR_FOREIGN, "not DKIM-signed by its reporter: dkim=fail for
 * 'evil.example', not the reporting domain 'google.com'" */
gboolean message_require_dkim(const Message *message, GError **error);

/* message_dkim_name - "pass", "fail", "none", "untrusted"; NULL for
 * DKIM_UNKNOWN; static */
const char *message_dkim_name(MessageDkim dkim);
void message_free(Message *message);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Message, message_free)

/* Reading an mbox file message by message (batch mode). */
typedef struct message_mbox MessageMbox;

/* message_is_mbox - whether the file at path starts with a "From " line */
gboolean message_is_mbox(const char *path);

/* message_mbox_new - open an mbox; ERROR_USAGE if it cannot be read */
MessageMbox *message_mbox_new(const char *path, GError **error);

/* message_mbox_next - the next message's bytes (owned), or NULL at the end
 *
 * *offset is the byte offset of its "From " line in the file.
 */
GBytes *message_mbox_next(MessageMbox *mbox, gint64 *offset);
void message_mbox_free(MessageMbox *mbox);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MessageMbox, message_mbox_free)

#endif
