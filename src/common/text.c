/* text.c - untrusted text made safe for where it is printed */
#include "config.h"

#include <string.h>

#include "common/text.h"

/* text_acts - whether c would act on the reader's screen instead of print:
 * a control character, or a Unicode format character that reorders or
 * breaks the line (U+200E-F, U+2028-2E, U+2066-9) */
static gboolean
text_acts(gunichar c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)
	    || c == 0x200e || c == 0x200f || (c >= 0x2028 && c <= 0x202e)
	    || (c >= 0x2066 && c <= 0x2069);
}

/* text_char - one character c, written as UTF-8 bytes at p, to out */
static void
text_char(GString *out, TextSink sink, gunichar c, const char *p, gsize n)
{
	if (text_acts(c)) {
		/* Raw C0 controls in a JSON document are its own layout: its
		 * writer escaped those inside strings already. */
		if (sink == TEXT_JSON && c < 0x20)
			g_string_append_len(out, p, (gssize)n);
		else if (sink == TEXT_PROMETHEUS)
			/* Its reader undoes one backslash: \x1b stays in sight. */
			g_string_append_printf(out, c >= 0x100 ? "\\\\u%04x"
			    : "\\\\x%02x", c);
		else if (sink == TEXT_JSON || c >= 0x100)
			g_string_append_printf(out, "\\u%04x", c);
		else
			g_string_append_printf(out, "\\x%02x", c);
		return;
	}
	switch (sink) {
	case TEXT_QUOTED:
		if (c == '"' || c == '\\')
			g_string_append_c(out, '\\');
		break;
	case TEXT_CSV:
		if (c == '"')
			g_string_append_c(out, '"');
		break;
	case TEXT_NAGIOS:
		if (c == '|') {
			g_string_append(out, "\\x7c");
			return;
		}
		break;
	case TEXT_NAGIOS_LABEL:
		if (c == '\'')
			g_string_append_c(out, '\'');
		if (c == '=' || c == '|') {
			g_string_append_printf(out, "\\x%02x", c);
			return;
		}
		break;
	case TEXT_HTML:
		switch (c) {
		case '&': g_string_append(out, "&amp;"); return;
		case '<': g_string_append(out, "&lt;"); return;
		case '>': g_string_append(out, "&gt;"); return;
		case '"': g_string_append(out, "&quot;"); return;
		case '\'': g_string_append(out, "&#39;"); return;
		}
		break;
	case TEXT_PROMETHEUS:
		if (c == '"' || c == '\\')
			g_string_append_c(out, '\\');
		break;
	case TEXT_WORD:
		if (c == ' ' || c == '"' || c == '\\') {
			g_string_append_printf(out, "\\x%02x", c);
			return;
		}
		break;
	case TEXT_LINE:
	case TEXT_JSON:
		break;
	}
	g_string_append_len(out, p, (gssize)n);
}

/* text_cut - how many of len bytes to show: at most max, never half a
 * character */
static gsize
text_cut(const char *text, gsize len, gsize max)
{
	gsize n = max;

	if (max == 0 || len <= max)
		return len;
	/* Back to the start of the character max falls in. */
	while (n > 0 && ((guchar)text[n] & 0xc0) == 0x80 && max - n < 4)
		n--;
	return n;
}

/* text_body - the characters of text, escaped for sink */
static void
text_body(GString *out, const char *text, gsize len, TextSink sink)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		gunichar c = g_utf8_get_char_validated(p, end - p);
		gsize n;

		if (c == (gunichar)-1 || c == (gunichar)-2) {
			/* Not UTF-8: the byte as it is, in a form that cannot
			 * act; JSON has no escape for a byte, only U+FFFD. */
			if (sink == TEXT_JSON)
				g_string_append(out, "\xef\xbf\xbd");
			else if (sink == TEXT_PROMETHEUS)
				g_string_append_printf(out, "\\\\x%02x", (guchar)*p);
			else
				g_string_append_printf(out, "\\x%02x", (guchar)*p);
			p++;
			continue;
		}
		n = (gsize)(g_utf8_next_char(p) - p);
		/* A NUL inside the length is a character like any other. */
		text_char(out, sink, c, p, n);
		p += n;
	}
}

/* text_defuse - whether a CSV field would be read as a formula: a
 * spreadsheet runs a cell that starts with = + - or @ */
static gboolean
text_defuse(const char *text, gsize len)
{
	return len > 0 && strchr("=+-@", text[0]) != NULL;
}

/* text_append - text made safe for sink, appended to out */
void
text_append(GString *out, const char *text, gssize len, TextSink sink,
    gsize max)
{
	gsize size, shown;
	gsize start;

	if (text == NULL) {
		if (sink == TEXT_NAGIOS_LABEL)
			g_string_append(out, "'-'");
		else if (sink != TEXT_CSV)
			g_string_append_c(out, '-');
		return;
	}
	size = len < 0 ? strlen(text) : (gsize)len;
	shown = text_cut(text, size, max);
	start = out->len;
	if (sink == TEXT_QUOTED)
		g_string_append_c(out, '"');
	else if (sink == TEXT_NAGIOS_LABEL)
		g_string_append_c(out, '\'');
	else if (sink == TEXT_CSV && text_defuse(text, size))
		g_string_append_c(out, '\'');
	text_body(out, text, shown, sink);
	if (shown < size)
		g_string_append(out, "...");
	if (sink == TEXT_QUOTED)
		g_string_append_c(out, '"');
	else if (sink == TEXT_NAGIOS_LABEL)
		g_string_append_c(out, '\'');
	else if (sink == TEXT_CSV && strpbrk(out->str + start, ",\"") != NULL) {
		g_string_insert_c(out, (gssize)start, '"');
		g_string_append_c(out, '"');
	}
}

/* text_safe - text made safe for sink; owned */
char *
text_safe(const char *text, gssize len, TextSink sink, gsize max)
{
	GString *out = g_string_new(NULL);

	text_append(out, text, len, sink, max);
	return g_string_free(out, FALSE);
}
