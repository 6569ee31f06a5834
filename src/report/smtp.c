/* smtp.c - the SMTP dialogue up to STARTTLS (RFC 5321, RFC 3207)
 *
 * Replies are read whole, continuation lines ("250-") and all, from a
 * buffer that is checked to be empty after the reply to STARTTLS: what
 * a server sends before the handshake, unencrypted, must not be read as
 * if it came through TLS.  Lines and replies have limits, so that a
 * server that talks forever ends the probe, not fills the memory.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "net.h"
#include "smtp.h"

/* RFC 5321 allows 512 octets a reply line; servers exceed it a little. */
#define SMTP_LINE_MAX	4096
#define SMTP_LINES_MAX	100

struct smtp {
	int		 fd;
	gint64		 deadline;
	GString		*buffer;	/* read, not yet taken */
	char		*greeting;
	gboolean	 tls;		/* STARTTLS accepted: the socket is TLS's */
};

/* smtp_line - one line of a reply, without its CRLF; owned, or NULL */
static char *
smtp_line(Smtp *smtp, GError **error)
{
	for (;;) {
		char *lf = memchr(smtp->buffer->str, '\n', smtp->buffer->len);
		char chunk[1024];
		gssize n;

		if (lf != NULL) {
			gsize len = (gsize)(lf - smtp->buffer->str);
			char *line = g_strndup(smtp->buffer->str,
			    len > 0 && lf[-1] == '\r' ? len - 1 : len);

			g_string_erase(smtp->buffer, 0, (gssize)len + 1);
			return line;
		}
		if (smtp->buffer->len > SMTP_LINE_MAX) {
			g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
			    "a reply line longer than %d bytes", SMTP_LINE_MAX);
			return NULL;
		}
		n = net_read(smtp->fd, chunk, sizeof(chunk), smtp->deadline, error);
		if (n < 0)
			return NULL;
		if (n == 0) {
			g_set_error_literal(error, TLSRPT_ERROR, ERROR_TEMPORARY,
			    "the server closed the connection");
			return NULL;
		}
		g_string_append_len(smtp->buffer, chunk, n);
	}
}

/* smtp_reply - a whole reply: its code, and its lines' text after the
 * code in *lines (owned); 0 and an error when there is none */
static guint
smtp_reply(Smtp *smtp, GPtrArray **lines, GError **error)
{
	g_autoptr(GPtrArray) text = g_ptr_array_new_with_free_func(g_free);
	guint code = 0;

	for (guint n = 0; n < SMTP_LINES_MAX; n++) {
		g_autofree char *line = smtp_line(smtp, error);
		guint this;

		if (line == NULL)
			return 0;
		if (strlen(line) < 3 || !g_ascii_isdigit(line[0])
		    || !g_ascii_isdigit(line[1]) || !g_ascii_isdigit(line[2])
		    || (line[3] != '\0' && line[3] != ' ' && line[3] != '-')) {
			g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
			    "not an SMTP reply: '%.80s'", line);
			return 0;
		}
		this = (guint)g_ascii_strtoull(line, NULL, 10);
		if (code != 0 && this != code) {
			g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
			    "a reply whose lines change code: '%.80s'", line);
			return 0;
		}
		code = this;
		g_ptr_array_add(text, g_strdup(line[3] ? line + 4 : ""));
		if (line[3] != '-') {
			*lines = g_steal_pointer(&text);
			return code;
		}
	}
	g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
	    "a reply of more than %d lines", SMTP_LINES_MAX);
	return 0;
}

/* smtp_command - send a command line; its reply's code and lines */
static guint
smtp_command(Smtp *smtp, const char *command, GPtrArray **lines,
    GError **error)
{
	g_autofree char *line = g_strconcat(command, "\r\n", NULL);

	if (!net_write(smtp->fd, line, strlen(line), smtp->deadline, error))
		return 0;
	return smtp_reply(smtp, lines, error);
}

/* smtp_connect - connect to address:port and read the 220 greeting */
Smtp *
smtp_connect(const char *address, guint port, gint64 deadline, GError **error)
{
	g_autoptr(Smtp) smtp = g_new0(Smtp, 1);
	g_autoptr(GPtrArray) lines = NULL;
	g_autoptr(GError) local = NULL;
	guint code;

	smtp->deadline = deadline;
	smtp->buffer = g_string_new(NULL);
	smtp->fd = net_connect(address, port, deadline, error);
	if (smtp->fd < 0)
		return NULL;
	code = smtp_reply(smtp, &lines, &local);
	if (code == 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "connected, but no greeting: %s", local->message);
		return NULL;
	}
	if (code != 220) {
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "the greeting refuses mail: %u %.200s", code,
		    (char *)g_ptr_array_index(lines, 0));
		return NULL;
	}
	smtp->greeting = g_strdup(g_ptr_array_index(lines, 0));
	return g_steal_pointer(&smtp);
}

/* smtp_free - QUIT unless TLS started, close */
void
smtp_free(Smtp *smtp)
{
	if (smtp == NULL)
		return;
	if (smtp->fd >= 0) {
		if (smtp->greeting != NULL && !smtp->tls)
			net_write(smtp->fd, "QUIT\r\n", 6, smtp->deadline, NULL);
		close(smtp->fd);
	}
	if (smtp->buffer != NULL)
		g_string_free(smtp->buffer, TRUE);
	g_free(smtp->greeting);
	g_free(smtp);
}

/* smtp_greeting - the first line of the greeting */
const char *
smtp_greeting(const Smtp *smtp)
{
	return smtp->greeting;
}

/* smtp_ehlo - say EHLO; whether STARTTLS is offered */
gboolean
smtp_ehlo(Smtp *smtp, const char *helo, gboolean *starttls, GError **error)
{
	g_autofree char *command = g_strconcat("EHLO ", helo, NULL);
	g_autoptr(GPtrArray) lines = NULL;
	guint code = smtp_command(smtp, command, &lines, error);

	if (code == 0)
		return FALSE;
	if (code != 250) {
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "EHLO refused: %u %.200s", code,
		    (char *)g_ptr_array_index(lines, 0));
		return FALSE;
	}
	*starttls = FALSE;
	/* The first line is the server's name; the others, its extensions. */
	for (guint i = 1; i < lines->len; i++) {
		const char *keyword = g_ptr_array_index(lines, i);

		if (g_ascii_strncasecmp(keyword, "STARTTLS", 8) == 0
		    && (keyword[8] == '\0' || keyword[8] == ' '))
			*starttls = TRUE;
	}
	return TRUE;
}

/* smtp_starttls - ask for TLS; the socket to start it on */
int
smtp_starttls(Smtp *smtp, GError **error)
{
	g_autoptr(GPtrArray) lines = NULL;
	guint code = smtp_command(smtp, "STARTTLS", &lines, error);

	if (code == 0)
		return -1;
	if (code != 220) {
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "STARTTLS refused: %u %.200s", code,
		    (char *)g_ptr_array_index(lines, 0));
		return -1;
	}
	if (smtp->buffer->len > 0) {
		g_set_error_literal(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "the server sent more after its reply to STARTTLS, before "
		    "the handshake: what follows could be forged (RFC 3207 "
		    "section 5)");
		return -1;
	}
	smtp->tls = TRUE;
	return smtp->fd;
}
