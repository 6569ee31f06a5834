/* text.h - untrusted text made safe for where it is printed
 *
 * Anything a report or a message says (an organisation's name, a policy
 * domain, an MX host, a file name, a Message-ID) is chosen by whoever sent
 * it: a valid JSON string may hold an escape sequence for the terminal, a
 * "|" that forges a plugin's performance data, a leading "=" that a
 * spreadsheet runs as a formula.  Every output passes such text through
 * text_safe with the sink it goes to, and nothing else.
 *
 * Characters that would act instead of print (C0 and C1 controls, DEL,
 * the bidirectional overrides and line separators of Unicode) and bytes
 * that are not UTF-8 are written as escapes, \x1b or \u202e, so that
 * the reader sees that something odd was there.  Other UTF-8 passes: an
 * organisation's name in its own script stays readable.
 */
#ifndef TLSRPT_TEXT_H
#define TLSRPT_TEXT_H

#include <glib.h>

typedef enum {
	TEXT_LINE,		/* a terminal, a log line, a text page: NULL is "-" */
	TEXT_QUOTED,		/* a log field: "...", with " and \ escaped;
				 * NULL is - unquoted */
	TEXT_CSV,		/* a CSV field (RFC 4180), quoted when needed, a
				 * leading = + - @ defused with a ' */
	TEXT_NAGIOS,		/* a plugin's status text: as TEXT_LINE, and no
				 * "|", which starts performance data */
	TEXT_NAGIOS_LABEL,	/* a performance data label: '...', ' doubled,
				 * no "=" */
	TEXT_HTML,		/* HTML text or a quoted attribute value */
	TEXT_JSON,		/* a whole JSON document, as a JSON library
				 * wrote it: what acts (DEL, C1, the Unicode
				 * format characters) written as \u escapes,
				 * which a reader decodes to the same string;
				 * the C0 controls a library escapes itself,
				 * and its own line breaks stay */
	TEXT_WORD,		/* a log field's value without quotes (a file
				 * name, a Message-ID): as TEXT_LINE, and a
				 * space, " or \ escaped, so that it stays one
				 * word; NULL is "-" */
	TEXT_PROMETHEUS,	/* a label value of the Prometheus text format,
				 * inside its quotes: " and \ escaped with a
				 * \, what acts written \\x1b, which its reader
				 * reads as \x1b; NULL is "-" */
} TextSink;

/* text_safe - text, len bytes of it (-1: up to its NUL), made safe for
 * sink; owned
 *
 * max: at most this many bytes of text are shown (0: all), cut at a
 * character and marked with "...": a log line or a status line must not
 * grow with what a sender wrote.
 */
char *text_safe(const char *text, gssize len, TextSink sink, gsize max);

/* text_append - the same, appended to out */
void text_append(GString *out, const char *text, gssize len, TextSink sink,
    gsize max);

#endif
