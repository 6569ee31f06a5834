/* digest.c - the mailed digest: one MIME message, handed to sendmail
 *
 * GMime builds the message: it folds and encodes the headers (RFC 2047
 * for a Subject or a name that is not ASCII), and writes the parts
 * quoted-printable (text) and base64 (the page, whose SVG lines are
 * long).  sendmail is run as Debian's MTAs all install it, with -t (the
 * recipients are the To: of the message) and -oi (a lone "." is text).
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <gio/gio.h>
#include <gmime/gmime.h>

#include "common/error.h"
#include "common/text.h"
#include "digest.h"

/* digest_problem_words - a problem in a few words: its incident's cause,
 * a silent reporter's name and last day, or its phrase; an incident's
 * domain first (named) when the Subject does not name one already */
static char *
digest_problem_words(const CheckProblem *problem, gboolean named)
{
	/* Its rhythm is for the body; the Subject says who and since when. */
	if (problem->kind == CHECK_PROBLEM_SILENT)
		return g_strdup_printf("no report from %s about %s since %s",
		    problem->organization, problem->domain, problem->day);
	if (problem->incident == NULL)
		return g_strdup(problem->text);
	if (!named || problem->domain == NULL)
		return g_strdup(problem->incident->cause);
	return g_strdup_printf("%s: %s", problem->domain, problem->incident->cause);
}

/* digest_subject - the state in a few words */
char *
digest_subject(const Check *check, const Period *period, const char *domain)
{
	g_autoptr(GPtrArray) problems = check_problems(check);
	const GArray *domains = check_domains(check);
	GString *subject = g_string_new("TLS reports for ");

	if (domain != NULL)
		g_string_append(subject, domain);
	else if (domains->len == 1)
		g_string_append(subject, g_array_index(domains, CheckDomain, 0).domain);
	else
		g_string_append_printf(subject, "%u domains", domains->len);
	g_string_append(subject, ": ");
	if (check_status(check) == CHECK_UNKNOWN)
		g_string_append_printf(subject, "no reports in the last %u days",
		    period->days + period->previous_days);
	else if (problems->len == 0)
		g_string_append(subject, "all clear");
	else {
		g_autofree char *words = digest_problem_words(g_ptr_array_index(problems,
		    0), domain == NULL && domains->len != 1);

		g_string_append(subject, words);
		if (problems->len > 1)
			g_string_append_printf(subject, " (and %u more)", problems->len - 1);
	}
	return g_string_free(subject, FALSE);
}

/* digest_addresses - parse address into list; FALSE and an error */
static gboolean
digest_addresses(InternetAddressList *list, const char *what,
    const char *address, GError **error)
{
	InternetAddressList *parsed = internet_address_list_parse(NULL, address);
	g_autofree char *shown = text_safe(address, -1, TEXT_LINE, 0);

	if (parsed == NULL || internet_address_list_length(parsed) == 0) {
		if (parsed != NULL)
			g_object_unref(parsed);
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "%s '%s' is no mail address", what, shown);
		return FALSE;
	}
	internet_address_list_append(list, parsed);
	g_object_unref(parsed);
	return TRUE;
}

/* digest_part - a text part of subtype with text, in encoding; owned */
static GMimeObject *
digest_part(const char *subtype, const char *text,
    GMimeContentEncoding encoding)
{
	GMimeTextPart *part = g_mime_text_part_new_with_subtype(subtype);

	g_mime_text_part_set_text(part, text);
	g_mime_part_set_content_encoding(GMIME_PART(part), encoding);
	return GMIME_OBJECT(part);
}

/* digest_header_text - text for a header that GMime encodes: one line,
 * what acts written as an escape, at most DIGEST_SUBJECT_MAX bytes; the
 * header sink of the digest; owned */
static char *
digest_header_text(const char *text)
{
	return text_safe(text, -1, TEXT_LINE, DIGEST_SUBJECT_MAX);
}

/* digest_compose - the whole message */
GBytes *
digest_compose(const DigestMessage *m, GError **error)
{
	static gsize initialized;
	GMimeMessage *message;
	GMimeMultipart *alternative;
	GMimeObject *text, *html;
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree char *from = NULL;
	g_autofree char *subject = digest_header_text(m->subject);
	g_autofree char *id = g_mime_utils_generate_message_id(g_get_host_name());
	char *written;

	if (g_once_init_enter(&initialized)) {
		g_mime_init();
		g_once_init_leave(&initialized, 1);
	}
	message = g_mime_message_new(TRUE);
	from = m->from ? g_strdup(m->from) : g_strdup_printf("TLS reports <%s@%s>",
	    g_get_user_name(), g_get_host_name());
	if (!digest_addresses(g_mime_message_get_from(message), "--from", from,
	    error)) {
		g_object_unref(message);
		return NULL;
	}
	for (const char *const *to = m->to; *to != NULL; to++)
		if (!digest_addresses(g_mime_message_get_addresses(message,
		    GMIME_ADDRESS_TYPE_TO), "--to", *to, error)) {
			g_object_unref(message);
			return NULL;
		}
	g_mime_message_set_subject(message, subject, "utf-8");
	g_mime_message_set_date(message, now);
	g_mime_message_set_message_id(message, id);
	/* RFC 3834: no vacation notice or autoreply answers this message. */
	g_mime_object_set_header(GMIME_OBJECT(message), "Auto-Submitted",
	    "auto-generated", NULL);
	/* Exchange's own spelling of the same wish. */
	g_mime_object_set_header(GMIME_OBJECT(message), "X-Auto-Response-Suppress",
	    "All", NULL);

	alternative = g_mime_multipart_new_with_subtype("alternative");
	text = digest_part("plain", m->text, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	html = digest_part("html", m->html, GMIME_CONTENT_ENCODING_BASE64);
	/* The richest part last (RFC 2046, 5.1.4): clients show the page. */
	g_mime_multipart_add(alternative, text);
	g_mime_multipart_add(alternative, html);
	g_mime_message_set_mime_part(message, GMIME_OBJECT(alternative));
	g_object_unref(text);
	g_object_unref(html);
	g_object_unref(alternative);

	written = g_mime_object_to_string(GMIME_OBJECT(message), NULL);
	g_object_unref(message);
	return g_bytes_new_take(written, strlen(written));
}

/* digest_send - hand message to sendmail -t -oi */
gboolean
digest_send(const char *sendmail, GBytes *message, GError **error)
{
	const char *argv[] = { sendmail, "-t", "-oi", NULL };
	g_autoptr(GSubprocess) child = NULL;
	g_autoptr(GError) failure = NULL;
	g_autofree char *shown = text_safe(sendmail, -1, TEXT_LINE, 0);
	struct sigaction ignore = { .sa_handler = SIG_IGN }, before;
	gboolean sent;

	child = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDIN_PIPE, &failure);
	if (child == NULL) {
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY, "cannot run '%s': %s",
		    shown, failure->message);
		return FALSE;
	}
	/* A sendmail that exits before reading it all is an error here, not
	 * a signal that ends this program without a word. */
	sigaction(SIGPIPE, &ignore, &before);
	sent = g_subprocess_communicate(child, message, NULL, NULL, NULL, &failure);
	sigaction(SIGPIPE, &before, NULL);
	/* One that stopped reading has its reason in its exit status. */
	if (!sent && (!g_subprocess_wait(child, NULL, NULL)
	    || (g_subprocess_get_if_exited(child)
	    && g_subprocess_get_exit_status(child) == 0))) {
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY, "cannot hand the "
		    "digest to '%s': %s", shown, failure->message);
		return FALSE;
	}
	if (!g_subprocess_get_if_exited(child)) {
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY, "'%s' was killed "
		    "by signal %d: the digest was not sent", shown,
		    g_subprocess_get_term_sig(child));
		return FALSE;
	}
	if (g_subprocess_get_exit_status(child) != 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY, "'%s' exited with "
		    "%d: the digest was not sent", shown,
		    g_subprocess_get_exit_status(child));
		return FALSE;
	}
	return TRUE;
}
