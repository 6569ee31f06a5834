/* message.c - finding the TLS-RPT report in a message
 *
 * The report is whichever part of the whole MIME tree looks most like one.
 * RFC 8460 promises a multipart/report with an application/tlsrpt+gzip part,
 * but reporters, gateways and forwarders deliver many other shapes (see
 * VIOLATIONS.md), so the walk ranks every leaf: by media type first, then by
 * file name, then by what the decoded content starts with.  Nothing here
 * inflates or parses the report.  What content starts with is judged by
 * common/sniff.c, as the decode stage judges it: a part labelled gzip that
 * holds plain JSON passes through, and whatever one stage takes for JSON
 * the other does too.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "common/error.h"
#include "common/sniff.h"
#include "message.h"

#define WALK_DEPTH_MAX	32	/* deeper nesting is hostile or broken */
#define NAME_MAX_CHARS	100	/* of a file name quoted in an error */
#define TYPE_MAX_CHARS	60	/* of a media type quoted in an error */
#define FOUND_MAX	4	/* media types named in "no report part" */

/* GMime builds an object of some hundreds of bytes for every header and
 * every part, and needs a second or so per hundred thousand: a message
 * of a million empty parts cost 1.3 GB.  A report message has a few dozen
 * headers and a handful of parts. */
#define STRUCTURE_LINES_MAX	100000

/* Lower is better: the first part of the best rank wins. */
typedef enum {
	RANK_TYPE = 1,		/* application/tlsrpt+gzip and friends */
	RANK_NAME,		/* *.json.gz or *.json, whatever the type */
	RANK_CONTENT,		/* a non-text leaf holding gzip or JSON */
	RANK_BODY,		/* a text message body holding JSON */
	RANK_NONE,
} Rank;

typedef enum {
	WALK_CONTINUE,
	WALK_STOP,
} WalkResult;

typedef struct walk {
	Rank	best_rank;
	GMimePart *best_part;		/* borrowed from the tree */
	GMimeMessage *best_message;	/* borrowed: the message holding it */
	GBytes	*best_content;		/* owned: decoded content */
	char	*refused;		/* owned: the first DMARC or zip part */
	GPtrArray *types;		/* owned: distinct leaf media types, in order */
	GHashTable *type_set;		/* owned: the same, to look them up */
	gboolean too_deep;		/* the depth cap pruned something */
	GError	*error;			/* owned: why the walk stopped early */
} Walk;

/* text_clean - message-controlled text made safe for one log line
 *
 * Invalid UTF-8 is replaced and control and format characters become
 * spaces: a newline in a header or file name must not forge a second log
 * line, nor a bidi override disguise one.  With max > 0 the text is cut to
 * max characters, and the cut marked.
 */
static char *
text_clean(const char *text, gssize len, gsize max)
{
	g_autofree char *valid = g_utf8_make_valid(text, len);
	GString	*out = g_string_sized_new(strlen(valid));
	const char *p;
	gsize	n = 0;

	for (p = valid; *p != '\0'; p = g_utf8_next_char(p), n++) {
		gunichar c = g_utf8_get_char(p);

		if (max > 0 && n == max) {
			g_string_append(out, "...");
			break;
		}
		if (g_unichar_iscntrl(c) || c == 0x2028 || c == 0x2029
		    || g_unichar_type(c) == G_UNICODE_FORMAT)
			g_string_append_c(out, ' ');
		else
			g_string_append_len(out, p, g_utf8_next_char(p) - p);
	}
	return g_strstrip(g_string_free(out, FALSE));
}

/* ends_with - whether name ends in suffix, ignoring ASCII case */
static gboolean
ends_with(const char *name, const char *suffix)
{
	gsize	n = strlen(name);
	gsize	s = strlen(suffix);

	return n >= s && g_ascii_strcasecmp(name + n - s, suffix) == 0;
}

/* name_is_report - whether a file name says TLS-RPT report (RFC 8460 5.1) */
static gboolean
name_is_report(const char *name)
{
	return ends_with(name, ".json.gz") || ends_with(name, ".json");
}

/* name_is_dmarc - whether a file name says DMARC aggregate report */
static gboolean
name_is_dmarc(const char *name)
{
	return ends_with(name, ".xml") || ends_with(name, ".xml.gz")
	    || ends_with(name, ".zip");
}

/* zip_first_member - the name in a zip archive's first local header
 *
 * Only the name is read: enough to tell a DMARC report (a .xml inside)
 * from anything else.  Returns an owned, cleaned name or NULL.
 */
static char *
zip_first_member(const guint8 *data, gsize len)
{
	gsize	name_len;

	if (len < 30)
		return NULL;
	name_len = data[26] | (gsize)data[27] << 8;
	if (name_len == 0 || name_len > len - 30)
		return NULL;
	return text_clean((const char *)data + 30, name_len, NAME_MAX_CHARS);
}

/* zip_holds_dmarc - whether a zip archive's first member is a .xml file */
static gboolean
zip_holds_dmarc(const char *member)
{
	return member != NULL && ends_with(member, ".xml");
}

/* part_type - a part's media type, lower-case and cleaned; owned */
static char *
part_type(GMimeObject *object)
{
	GMimeContentType *type = g_mime_object_get_content_type(object);
	g_autofree char *mime_type = NULL;
	g_autofree char *lower = NULL;

	if (type == NULL)
		return g_strdup("text/plain");
	mime_type = g_mime_content_type_get_mime_type(type);
	lower = g_ascii_strdown(mime_type, -1);
	return text_clean(lower, -1, TYPE_MAX_CHARS);
}

/* part_filename - the file name a part gives itself; owned, or NULL
 *
 * Content-Disposition filename, then Content-Type name (GMime undoes RFC
 * 2231 and RFC 2047 there); failing both, a Content-Description that is a
 * bare file name, as Microsoft writes it.  Folded parameters arrive with
 * trailing white space, so the name is trimmed.
 */
static char *
part_filename(GMimePart *part)
{
	const char *name = g_mime_part_get_filename(part);
	const char *desc;
	char	*trimmed;

	if (name != NULL) {
		trimmed = g_strstrip(g_strdup(name));
		if (*trimmed != '\0')
			return trimmed;
		g_free(trimmed);
	}
	desc = g_mime_object_get_header(GMIME_OBJECT(part),
	    "Content-Description");
	if (desc == NULL)
		return NULL;
	trimmed = g_strstrip(g_strdup(desc));
	if (strpbrk(trimmed, " \t\r\n") == NULL && (name_is_report(trimmed)
	    || name_is_dmarc(trimmed) || ends_with(trimmed, ".gz")))
		return trimmed;
	g_free(trimmed);
	return NULL;
}

/* part_content - a part's content with its transfer encoding undone
 *
 * Returns owned bytes, or NULL with ERROR_INTERNAL: writing to memory
 * cannot fail short of a bug.
 */
static GBytes *
part_content(GMimePart *part, GError **error)
{
	GMimeDataWrapper *wrapper = g_mime_part_get_content(part);
	GMimeStream *stream;
	GByteArray *array;

	if (wrapper == NULL)
		return g_bytes_new(NULL, 0);
	stream = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(wrapper, stream) == -1) {
		g_object_unref(stream);
		g_set_error(error, TLSRPT_ERROR, ERROR_INTERNAL,
		    "cannot decode MIME part content");
		return NULL;
	}
	array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	g_object_unref(stream);
	return g_byte_array_free_to_bytes(array);
}

/* walk_note_type - remember a leaf's media type for "no report part" */
static void
walk_note_type(Walk *w, const char *type)
{
	char	*copy;

	/* A hash, not a scan: a message of many parts, each of its own
	 * type, would make a scan quadratic. */
	if (g_hash_table_contains(w->type_set, type))
		return;
	copy = g_strdup(type);
	g_ptr_array_add(w->types, copy);
	g_hash_table_add(w->type_set, copy);
}

/* walk_note_refused - remember the first DMARC-looking or zip part
 *
 * Such a part says far more about a message than its text parts do, so
 * it alone makes the "no report part" error.  content may be NULL.
 */
static void
walk_note_refused(Walk *w, const char *type, const char *name,
    GBytes *content)
{
	g_autofree char *member = NULL;
	g_autofree char *clean_name = NULL;
	GString	*desc;
	gsize	offset;

	if (w->refused != NULL)
		return;
	if (content != NULL && sniff_bytes(content, &offset) == SNIFF_ZIP) {
		gsize	len;
		const guint8 *data = g_bytes_get_data(content, &len);

		member = zip_first_member(data + offset, len - offset);
	}
	desc = g_string_new(type);
	if (name != NULL) {
		clean_name = text_clean(name, -1, NAME_MAX_CHARS);
		g_string_append_printf(desc, " '%s'", clean_name);
	}
	if ((name != NULL && (ends_with(name, ".xml")
	    || ends_with(name, ".xml.gz"))) || zip_holds_dmarc(member))
		g_string_append(desc, " with a DMARC XML report");
	else if (member != NULL)
		g_string_append_printf(desc, " holding '%s'", member);
	else if (name == NULL || !ends_with(name, ".zip"))
		g_string_append(desc, " with a zip archive");
	w->refused = g_string_free(desc, FALSE);
}

/* walk_offer - make a part the best so far if its rank beats the best */
static void
walk_offer(Walk *w, Rank rank, GMimePart *part, GMimeMessage *message,
    GBytes *content)
{
	if (rank >= w->best_rank)
		return;
	w->best_rank = rank;
	w->best_part = part;
	w->best_message = message;
	if (w->best_content != NULL)
		g_bytes_unref(w->best_content);
	w->best_content = g_bytes_ref(content);
}

/* walk_leaf - rank one leaf part
 *
 * Content is decoded only when its rank could still beat the best, or to
 * name a refused part while nothing better has turned up.
 */
static WalkResult
walk_leaf(Walk *w, GMimePart *part, GMimeMessage *message, gboolean is_body)
{
	GMimeObject *object = GMIME_OBJECT(part);
	GMimeContentType *type = g_mime_object_get_content_type(object);
	g_autofree char *type_name = part_type(object);
	g_autofree char *name = part_filename(part);
	g_autoptr(GBytes) content = NULL;
	gboolean is_text;
	Rank	rank = RANK_NONE;
	gsize	offset;

	walk_note_type(w, type_name);
	is_text = type == NULL || g_mime_content_type_is_type(type, "text", "*");
	if (name != NULL && name_is_dmarc(name)) {
		if (w->best_rank == RANK_NONE && w->refused == NULL
		    && (content = part_content(part, &w->error)) == NULL)
			return WALK_STOP;
		walk_note_refused(w, type_name, name, content);
		return WALK_CONTINUE;
	}
	if (type != NULL && (g_mime_content_type_is_type(type, "application",
	    "tlsrpt+gzip") || g_mime_content_type_is_type(type, "application",
	    "tlsrpt+json") || g_mime_content_type_is_type(type, "application",
	    "tlsrpt")))
		rank = RANK_TYPE;
	else if (name != NULL && name_is_report(name))
		rank = RANK_NAME;
	else if (!is_text)
		rank = RANK_CONTENT;
	else if (is_body)
		rank = RANK_BODY;
	if (rank >= w->best_rank)
		return WALK_CONTINUE;

	if ((content = part_content(part, &w->error)) == NULL)
		return WALK_STOP;
	switch (sniff_bytes(content, &offset)) {
	case SNIFF_GZIP:
		if (rank == RANK_BODY)
			return WALK_CONTINUE;
		break;
	case SNIFF_JSON:
		break;
	case SNIFF_ZIP:
		if (rank >= RANK_CONTENT) {
			walk_note_refused(w, type_name, name, content);
			return WALK_CONTINUE;
		}
		break;
	default:
		if (rank >= RANK_CONTENT)
			return WALK_CONTINUE;
		break;
	}
	walk_offer(w, rank, part, message, content);
	return rank == RANK_TYPE ? WALK_STOP : WALK_CONTINUE;
}

/* walk - visit object and everything it holds, in document order
 *
 * Like mblaze's walker: depth-first, capped in depth, and descending into
 * message/rfc822 parts, which g_mime_message_foreach() does not.  message
 * is the message that directly holds object: its headers describe the
 * report when the report is found there.
 */
static WalkResult
walk(Walk *w, GMimeObject *object, GMimeMessage *message, int depth)
{
	if (depth > WALK_DEPTH_MAX) {
		w->too_deep = TRUE;
		return WALK_CONTINUE;
	}
	if (GMIME_IS_MULTIPART(object)) {
		GMimeMultipart *multipart = GMIME_MULTIPART(object);
		int	i, count = g_mime_multipart_get_count(multipart);

		for (i = 0; i < count; i++)
			if (walk(w, g_mime_multipart_get_part(multipart, i),
			    message, depth + 1) == WALK_STOP)
				return WALK_STOP;
		return WALK_CONTINUE;
	}
	if (GMIME_IS_MESSAGE_PART(object)) {
		GMimeMessage *inner = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(object));
		GMimeObject *body;

		if (inner == NULL
		    || (body = g_mime_message_get_mime_part(inner)) == NULL) {
			g_autofree char *type_name = part_type(object);

			walk_note_type(w, type_name);
			return WALK_CONTINUE;
		}
		return walk(w, body, inner, depth + 1);
	}
	if (GMIME_IS_PART(object))
		return walk_leaf(w, GMIME_PART(object), message,
		    object == g_mime_message_get_mime_part(message));
	return WALK_CONTINUE;
}

/* walk_failure - the one-line "no report part" reason */
static char *
walk_failure(const Walk *w)
{
	GString	*reason = g_string_new("no report part: ");
	guint	i;

	if (w->refused != NULL) {
		g_string_append_printf(reason, "found %s", w->refused);
	} else if (w->types->len == 0) {
		g_string_append(reason, w->too_deep ? "MIME parts nested deeper"
		    " than " G_STRINGIFY(WALK_DEPTH_MAX) " levels"
		    : "the message has no parts");
	} else {
		g_string_append(reason, "found ");
		for (i = 0; i < w->types->len && i < FOUND_MAX; i++)
			g_string_append_printf(reason, "%s%s", i ? ", " : "",
			    (const char *)g_ptr_array_index(w->types, i));
		if (w->types->len > FOUND_MAX)
			g_string_append_printf(reason, " and %u more",
			    w->types->len - FOUND_MAX);
	}
	return g_string_free(reason, FALSE);
}

/* header_text - a header's value, unfolded, decoded and cleaned; owned
 *
 * GMime unfolds and decodes RFC 2047; what is left of folding white
 * space and any control characters become spaces.  An absent or empty
 * header is NULL.
 */
static char *
header_text(GMimeObject *object, const char *name)
{
	const char *value = g_mime_object_get_header(object, name);
	char	*text;

	if (value == NULL)
		return NULL;
	text = text_clean(value, -1, 0);
	if (*text == '\0') {
		g_free(text);
		return NULL;
	}
	return text;
}

/* field_name_valid - whether name is an RFC 5322 field-name */
static gboolean
field_name_valid(const char *name)
{
	const char *p;

	if (name == NULL || *name == '\0')
		return FALSE;
	for (p = name; *p != '\0'; p++)
		if ((unsigned char)*p < 33 || (unsigned char)*p > 126 || *p == ':')
			return FALSE;
	return TRUE;
}

/* message_init - initialise GMime once, whichever thread comes first */
static void
message_init(void)
{
	static gsize initialised;

	if (g_once_init_enter(&initialised)) {
		g_mime_init();
		g_once_init_leave(&initialised, 1);
	}
}

/* structure_lines - how many lines could make GMime build an object
 *
 * Header lines (no white space before a colon) and lines that could be
 * a boundary ("--"): more than the objects GMime builds, never fewer.
 * Continuation lines and encoded content (base64 has no colon) are not
 * counted.  Stops counting at max + 1.
 */
static gsize
structure_lines(const guint8 *data, gsize len, gsize max)
{
	const guint8 *p = data, *end = data + len, *eol;
	gsize	n = 0;

	while (p < end && n <= max) {
		eol = memchr(p, '\n', (gsize)(end - p));
		if (eol == NULL)
			eol = end;
		if (eol - p >= 2 && p[0] == '-' && p[1] == '-')
			n++;
		else if (p < eol && p[0] != ' ' && p[0] != '\t') {
			const guint8 *q = p;

			while (q < eol && *q != ':' && *q != ' ' && *q != '\t')
				q++;
			if (q < eol && *q == ':')
				n++;
		}
		p = eol + 1;
	}
	return n;
}

/* mime_parse - parse input as a message, or NULL if it is none
 *
 * GMime makes a "message" of almost anything that has a colon in its
 * first line, binary noise included; a message needs at least one header
 * whose name is a real field name.  A leading mbox "From " line, as
 * procmail and Postfix's pipe(8) with flag F deliver, is skipped by GMime.
 */
static GMimeMessage *
mime_parse(GBytes *input)
{
	gsize	len;
	const guint8 *data = g_bytes_get_data(input, &len);
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *message;
	GMimeHeaderList *headers;
	int	i, count;

	message_init();
	stream = g_mime_stream_mem_new_with_buffer((const char *)data, len);
	parser = g_mime_parser_new_with_stream(stream);
	message = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (message == NULL)
		return NULL;
	headers = g_mime_object_get_header_list(GMIME_OBJECT(message));
	count = headers ? g_mime_header_list_get_count(headers) : 0;
	for (i = 0; i < count; i++)
		if (field_name_valid(g_mime_header_get_name(
		    g_mime_header_list_get_header_at(headers, i))))
			return message;
	g_object_unref(message);
	return NULL;
}

/* payload_trim - content from where gzip starts, if it starts late
 *
 * JSON passes as it is: the decode stage skips a byte-order mark and
 * white space itself.  gzip must start at its first byte.
 */
static GBytes *
payload_trim(GBytes *content)
{
	gsize	offset;

	if (sniff_bytes(content, &offset) == SNIFF_GZIP && offset > 0)
		return g_bytes_new_from_bytes(content, offset,
		    g_bytes_get_size(content) - offset);
	return g_bytes_ref(content);
}

/* message_bare - a Message for a bare report: no headers */
static Message *
message_bare(GBytes *input, const char *desc)
{
	Message	*message = g_new0(Message, 1);

	message->payload = payload_trim(input);
	message->payload_desc = g_strdup(desc);
	return message;
}

/* message_headers - take the headers of holder into message
 *
 * For a forwarded report the inner message's headers replace the outer
 * one's: they are what the reporter said about the report.
 */
static void
message_headers(Message *message, GMimeMessage *holder)
{
	const char *id = g_mime_message_get_message_id(holder);

	g_free(message->message_id);
	g_free(message->from);
	g_free(message->report_domain);
	g_free(message->report_submitter);
	g_free(message->subject);
	message->message_id = id != NULL && *id != '\0' ? text_clean(id, -1, 0) : NULL;
	message->from = header_text(GMIME_OBJECT(holder), "From");
	message->report_domain = header_text(GMIME_OBJECT(holder), "TLS-Report-Domain");
	message->report_submitter = header_text(GMIME_OBJECT(holder), "TLS-Report-Submitter");
	message->subject = header_text(GMIME_OBJECT(holder), "Subject");
}

/* message_take_part - the part the walk chose becomes the payload */
static void
message_take_part(Message *message, const Walk *w)
{
	g_autofree char *type_name = part_type(GMIME_OBJECT(w->best_part));
	g_autofree char *name = part_filename(w->best_part);

	if (w->best_message != message->mime)
		message_headers(message, w->best_message);
	message->payload = payload_trim(w->best_content);
	if (w->best_rank == RANK_BODY) {
		message->payload_desc = g_strdup_printf("%s message body",
		    type_name);
	} else if (name != NULL) {
		g_autofree char *clean = text_clean(name, -1, NAME_MAX_CHARS);

		message->payload_desc = g_strdup_printf("%s part '%s'",
		    type_name, clean);
	} else {
		message->payload_desc = g_strdup_printf("%s part", type_name);
	}
}

/* Authentication-Results (RFC 8601) ------------------------------------- */

/* One result of an Authentication-Results field: "dkim=pass header.d=x". */
typedef struct auth_result {
	char	*method;	/* lower-case, version cut: "dkim" */
	char	*result;	/* lower-case: "pass", "fail", "none"... */
	char	*domain;	/* header.d, or the domain of header.i; or NULL */
} AuthResult;

/* ar_skip_cfws - skip white space and comments, nested ones included */
static const char *
ar_skip_cfws(const char *p)
{
	int	depth = 0;

	for (; *p != '\0'; p++) {
		if (depth > 0 && *p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '(')
			depth++;
		else if (*p == ')' && depth > 0)
			depth--;
		else if (depth == 0 && !g_ascii_isspace(*p))
			break;
	}
	return p;
}

/* ar_token - the word or quoted string at *p, moved past; owned, or NULL
 *
 * A word runs to white space, a comment, a quote or one of ";=".  Dots,
 * slashes and "@" stay in it: "header.d", "dkim/1", "@example.org".
 */
static char *
ar_token(const char **p)
{
	const char *s = ar_skip_cfws(*p);
	GString	*t;

	if (*s == '"') {
		t = g_string_new(NULL);
		for (s++; *s != '\0' && *s != '"'; s++) {
			if (*s == '\\' && s[1] != '\0')
				s++;
			g_string_append_c(t, *s);
		}
		if (*s == '"')
			s++;
		*p = s;
		return g_string_free(t, FALSE);
	}
	t = g_string_new(NULL);
	while (*s != '\0' && !g_ascii_isspace(*s) && strchr("();=\"", *s) == NULL)
		g_string_append_c(t, *s++);
	*p = s;
	if (t->len == 0) {
		g_string_free(t, TRUE);
		return NULL;
	}
	return g_string_free(t, FALSE);
}

/* ar_domain - a domain as compared: lower-case, no trailing dot; owned
 *
 * After the last "@" if there is one (header.i).  NULL unless it is made
 * of letters, digits, hyphens, underscores and dots: it goes into log
 * lines and the database.
 */
static char *
ar_domain(const char *text)
{
	const char *at = strrchr(text, '@');
	char	*d = g_ascii_strdown(at != NULL ? at + 1 : text, -1);
	gsize	len = strlen(d);

	if (len > 0 && d[len - 1] == '.')
		d[--len] = '\0';
	if (len == 0 || len > 253 || strspn(d,
	    "abcdefghijklmnopqrstuvwxyz0123456789-_.") != len) {
		g_free(d);
		return NULL;
	}
	return d;
}

/* auth_result_free - free one result */
static void
auth_result_free(gpointer data)
{
	AuthResult *r = data;

	g_free(r->method);
	g_free(r->result);
	g_free(r->domain);
	g_free(r);
}

/* ar_parse - the authserv-id and results of one field's value
 *
 * Returns the authserv-id (owned, lower-case) and fills results with
 * AuthResult; NULL when the field does not even start with one.  What
 * does not parse ends the field: a verifier writes fields well formed,
 * and what follows a malformed part is not worth guessing at.
 */
static char *
ar_parse(const char *value, GPtrArray *results)
{
	const char *p = value;
	char	*id, *word;
	char	*lower;

	if ((id = ar_token(&p)) == NULL)
		return NULL;
	lower = g_ascii_strdown(id, -1);
	g_free(id);
	/* An optional version, then ";" before each result. */
	for (;;) {
		AuthResult *r;
		char	*header_i = NULL;

		p = ar_skip_cfws(p);
		if (*p != ';') {
			if ((word = ar_token(&p)) == NULL)
				break;
			g_free(word);	/* the version, or junk */
			continue;
		}
		p++;
		if ((word = ar_token(&p)) == NULL)
			break;
		p = ar_skip_cfws(p);
		if (*p != '=') {	/* "none": no results */
			g_free(word);
			continue;
		}
		p++;
		r = g_new0(AuthResult, 1);
		r->method = g_ascii_strdown(word, strcspn(word, "/"));
		g_free(word);
		word = ar_token(&p);
		r->result = word != NULL ? g_ascii_strdown(word, -1) : g_strdup("");
		g_free(word);
		/* reason=... and ptype.property=value up to the next ";" */
		for (;;) {
			char	*name, *val;

			p = ar_skip_cfws(p);
			if (*p == '\0' || *p == ';')
				break;
			if ((name = ar_token(&p)) == NULL) {
				p++;	/* a stray "=" or ")" */
				continue;
			}
			p = ar_skip_cfws(p);
			if (*p != '=') {
				g_free(name);
				continue;
			}
			p++;
			val = ar_token(&p);
			if (val != NULL && g_ascii_strcasecmp(name, "header.d") == 0) {
				g_free(r->domain);
				r->domain = ar_domain(val);
			} else if (val != NULL && g_ascii_strcasecmp(name, "header.i") == 0) {
				g_free(header_i);
				header_i = ar_domain(val);
			}
			g_free(name);
			g_free(val);
		}
		if (r->domain == NULL)
			r->domain = g_steal_pointer(&header_i);
		g_free(header_i);
		g_ptr_array_add(results, r);
	}
	return lower;
}

/* message_auth_results - the Authentication-Results fields of mime, topmost
 * first, unfolded; owned, NULL-terminated */
static char **
message_auth_results(GMimeMessage *mime)
{
	GMimeHeaderList *headers = g_mime_object_get_header_list(GMIME_OBJECT(mime));
	GPtrArray *fields = g_ptr_array_new();
	int	i, count = headers ? g_mime_header_list_get_count(headers) : 0;

	for (i = 0; i < count; i++) {
		GMimeHeader *header = g_mime_header_list_get_header_at(headers, i);
		const char *name = g_mime_header_get_name(header);
		const char *raw = g_mime_header_get_raw_value(header);
		char	*value, *p;

		if (name == NULL || raw == NULL ||
		    g_ascii_strcasecmp(name, "Authentication-Results") != 0)
			continue;
		value = g_strdup(raw);
		for (p = value; *p != '\0'; p++)
			if (*p == '\r' || *p == '\n')
				*p = ' ';
		g_ptr_array_add(fields, value);
	}
	g_ptr_array_add(fields, NULL);
	return (char **)g_ptr_array_free(fields, FALSE);
}

/* reporting_domain - the domain the signature must align with; owned or NULL
 *
 * TLS-Report-Submitter when it holds a domain name (sys4's reporter has
 * put an organisation's name there), else the domain of the From address.
 */
static char *
reporting_domain(const Message *message)
{
	const char *s = message->report_submitter, *at, *end;

	if (s != NULL && *s != '\0' && strpbrk(s, " \t<>@\"") == NULL &&
	    strchr(s, '.') != NULL)
		return ar_domain(s);
	if (message->from == NULL)
		return NULL;
	s = strrchr(message->from, '<');
	s = s != NULL ? s + 1 : message->from;
	end = s + strcspn(s, "> \t");
	at = g_strrstr_len(s, end - s, "@");
	if (at == NULL || at + 1 >= end)
		return NULL;
	{
		g_autofree char *domain = g_strndup(at + 1, (gsize)(end - at - 1));

		return ar_domain(domain);
	}
}

/* dkim_aligned - whether signing domain d speaks for the reporting domain
 *
 * The same domain, or one below the other: relaxed alignment as DMARC
 * has it, without a public suffix list.  A signing domain of one label
 * (a top-level domain) never aligns.
 */
static gboolean
dkim_aligned(const char *d, const char *domain)
{
	gsize	dl = strlen(d), rl = strlen(domain);

	if (strchr(d, '.') == NULL)
		return FALSE;
	if (dl == rl)
		return strcmp(d, domain) == 0;
	if (dl > rl)
		return d[dl - rl - 1] == '.' && strcmp(d + dl - rl, domain) == 0;
	return domain[rl - dl - 1] == '.' && strcmp(domain + rl - dl, d) == 0;
}

/* dkim_set - record a verdict */
static void
dkim_set(Message *message, MessageDkim dkim, const char *domain, char *reason)
{
	message->dkim = dkim;
	g_free(message->dkim_domain);
	message->dkim_domain = g_strdup(domain);
	g_free(message->dkim_reason);
	message->dkim_reason = reason;
}

/* dkim_judge_field - the verdict of one trusted field's DKIM results
 *
 * FALSE when the field holds none: then a lower field may.
 */
static gboolean
dkim_judge_field(Message *message, GPtrArray *results, const char *reporter,
    const char *id)
{
	AuthResult *first = NULL;
	guint	i, n = 0, none = 0;

	for (i = 0; i < results->len; i++) {
		AuthResult *r = g_ptr_array_index(results, i);

		if (strcmp(r->method, "dkim") != 0)
			continue;
		if (first == NULL)
			first = r;
		n++;
		if (strcmp(r->result, "none") == 0)
			none++;
		if (strcmp(r->result, "pass") == 0 && r->domain != NULL &&
		    reporter != NULL && dkim_aligned(r->domain, reporter)) {
			dkim_set(message, DKIM_PASS, r->domain, g_strdup_printf(
			    "dkim=pass for '%s' by %s", r->domain, id));
			return TRUE;
		}
	}
	if (n == 0)
		return FALSE;
	if (none == n) {
		dkim_set(message, DKIM_NONE, NULL,
		    g_strdup_printf("dkim=none by %s: not signed", id));
		return TRUE;
	}
	dkim_set(message, DKIM_FAIL, first->domain, g_strdup_printf(
	    "dkim=%s for '%s' by %s, not a pass for the reporting domain '%s'",
	    first->result, first->domain ? first->domain : "?",
	    id, reporter ? reporter : "?"));
	return TRUE;
}

/* message_judge_dkim - judge what a trusted verifier said about DKIM */
void
message_judge_dkim(Message *message, const char *const *trusted)
{
	g_autofree char *reporter = NULL;
	gboolean seen_trusted = FALSE;
	char	**field;

	dkim_set(message, DKIM_UNKNOWN, NULL, g_strdup("a bare report, not a message"));
	if (message->auth_results == NULL)
		return;
	reporter = reporting_domain(message);
	for (field = message->auth_results; field != NULL && *field != NULL; field++) {
		g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func(auth_result_free);
		g_autofree char *id = ar_parse(*field, results);
		const char *const *t;

		for (t = trusted; id != NULL && t != NULL && *t != NULL; t++)
			if (g_ascii_strcasecmp(id, *t) == 0)
				break;
		if (id == NULL || t == NULL || *t == NULL)
			continue;
		seen_trusted = TRUE;
		if (dkim_judge_field(message, results, reporter, id))
			return;
	}
	if (seen_trusted)
		dkim_set(message, DKIM_NONE, NULL,
		    g_strdup("no DKIM result from a trusted verifier"));
	else
		dkim_set(message, DKIM_UNTRUSTED, NULL, g_strdup(
		    "no Authentication-Results field of a trusted authserv-id"));
}

/* message_require_dkim - refuse anything but a pass */
gboolean
message_require_dkim(const Message *message, GError **error)
{
	if (message->dkim == DKIM_PASS)
		return TRUE;
	g_set_error(error, TLSRPT_ERROR, ERROR_FOREIGN,
	    "not DKIM-signed by its reporter: %s",
	    message->dkim_reason ? message->dkim_reason : "not judged");
	return FALSE;
}

/* message_dkim_name - the verdict as stored */
const char *
message_dkim_name(MessageDkim dkim)
{
	switch (dkim) {
	case DKIM_PASS:		return "pass";
	case DKIM_FAIL:		return "fail";
	case DKIM_NONE:		return "none";
	case DKIM_UNTRUSTED:	return "untrusted";
	case DKIM_UNKNOWN:	break;
	}
	return NULL;
}

/* message_zip_error - refuse a bare zip archive, naming what it holds */
static void
message_zip_error(const guint8 *data, gsize len, GError **error)
{
	g_autofree char *member = zip_first_member(data, len);

	if (member == NULL)
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    "not a report: zip archive");
	else if (zip_holds_dmarc(member))
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    "not a report: zip archive with '%s', a DMARC XML report",
		    member);
	else
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    "not a report: zip archive with '%s'", member);
}

/* message_new - recognise input as a message or a bare report */
Message *
message_new(GBytes *input, GError **error)
{
	gsize	len, offset;
	const guint8 *data = g_bytes_get_data(input, &len);
	GMimeMessage *mime;
	Message	*message;

	switch (sniff_content(data, len, &offset)) {
	case SNIFF_EMPTY:
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    "empty input");
		return NULL;
	case SNIFF_JSON:
		return message_bare(input, "bare JSON input");
	case SNIFF_GZIP:
		return message_bare(input, "bare gzip input");
	case SNIFF_ZIP:
		message_zip_error(data + offset, len - offset, error);
		return NULL;
	case SNIFF_XML:
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    "not a report: XML document (a DMARC XML report?)");
		return NULL;
	case SNIFF_OTHER:
		break;
	}

	if (structure_lines(data, len, STRUCTURE_LINES_MAX) > STRUCTURE_LINES_MAX) {
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    "more than %d header and MIME boundary lines",
		    STRUCTURE_LINES_MAX);
		return NULL;
	}
	if ((mime = mime_parse(input)) == NULL) {
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    "not a MIME message");
		return NULL;
	}
	message = g_new0(Message, 1);
	message->mime = mime;
	message_headers(message, mime);
	message->auth_results = message_auth_results(mime);
	return message;
}

/* message_find_report - find the report part of a message */
gboolean
message_find_report(Message *message, GError **error)
{
	Walk	w = { .best_rank = RANK_NONE };
	gboolean found = FALSE;

	if (message->mime == NULL)
		return message->payload != NULL;
	w.types = g_ptr_array_new_with_free_func(g_free);
	w.type_set = g_hash_table_new(g_str_hash, g_str_equal);
	if (g_mime_message_get_mime_part(message->mime) != NULL)
		walk(&w, g_mime_message_get_mime_part(message->mime),
		    message->mime, 0);
	if (w.error != NULL) {
		g_propagate_error(error, w.error);
	} else if (w.best_rank == RANK_NONE) {
		g_autofree char *reason = walk_failure(&w);

		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT, "%s", reason);
	} else {
		message_take_part(message, &w);
		found = TRUE;
	}
	if (w.best_content != NULL)
		g_bytes_unref(w.best_content);
	g_free(w.refused);
	g_hash_table_unref(w.type_set);
	g_ptr_array_unref(w.types);
	/* Everything needed is copied out: free the tree now, in the thread
	 * that built it, instead of holding it until the report is stored. */
	g_clear_object(&message->mime);
	return found;
}

/* message_free - free message and all it owns; NULL is fine */
void
message_free(Message *message)
{
	if (message == NULL)
		return;
	g_free(message->message_id);
	g_free(message->from);
	g_free(message->report_domain);
	g_free(message->report_submitter);
	g_free(message->subject);
	if (message->payload != NULL)
		g_bytes_unref(message->payload);
	g_free(message->payload_desc);
	g_strfreev(message->auth_results);
	g_free(message->dkim_domain);
	g_free(message->dkim_reason);
	if (message->mime != NULL)
		g_object_unref(message->mime);
	g_free(message);
}

struct message_mbox {
	GMappedFile	*file;
	GBytes		*bytes;		/* the whole file, mapped */
	GMimeParser	*parser;
};

/* message_is_mbox - whether path starts like an mbox: a "From " line */
gboolean
message_is_mbox(const char *path)
{
	char	head[5];
	int	fd = open(path, O_RDONLY | O_CLOEXEC);
	gboolean mbox;

	if (fd < 0)
		return FALSE;
	mbox = read(fd, head, sizeof(head)) == sizeof(head)
	    && memcmp(head, "From ", 5) == 0;
	close(fd);
	return mbox;
}

/* message_mbox_new - open an mbox file for message_mbox_next */
MessageMbox *
message_mbox_new(const char *path, GError **error)
{
	MessageMbox *mbox;
	GMappedFile *file = g_mapped_file_new(path, FALSE, error);
	GMimeStream *stream;
	int	fd;

	if (file == NULL) {
		error_reclass(error, ERROR_USAGE);
		return NULL;
	}
	/* GMime reads the file as a stream, the messages are sliced from the
	 * mapping: neither copies the whole mbox into memory. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "cannot open '%s': %s", path, g_strerror(errno));
		g_mapped_file_unref(file);
		return NULL;
	}
	message_init();
	mbox = g_new0(MessageMbox, 1);
	mbox->file = file;
	mbox->bytes = g_mapped_file_get_bytes(file);
	stream = g_mime_stream_fs_new(fd);
	mbox->parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(mbox->parser, GMIME_FORMAT_MBOX);
	g_object_unref(stream);
	return mbox;
}

/* message_mbox_next - the next message of the mbox, its bytes owned
 *
 * GMime finds the "From " separators; the message handed on is the file's
 * own bytes from its headers to the next separator, so the later stages
 * parse what was delivered, not a re-serialised copy.  *offset is where
 * its "From " line starts, to name it in log lines.
 */
GBytes *
message_mbox_next(MessageMbox *mbox, gint64 *offset)
{
	GMimeMessage *message;
	gint64	begin, end;

	if (g_mime_parser_eos(mbox->parser))
		return NULL;
	message = g_mime_parser_construct_message(mbox->parser, NULL);
	if (message == NULL)
		return NULL;
	g_object_unref(message);
	*offset = g_mime_parser_get_mbox_marker_offset(mbox->parser);
	begin = g_mime_parser_get_headers_begin(mbox->parser);
	end = g_mime_parser_tell(mbox->parser);
	if (begin < 0 || end < begin || (gsize)end > g_bytes_get_size(mbox->bytes))
		return NULL;
	return g_bytes_new_from_bytes(mbox->bytes, begin, end - begin);
}

/* message_mbox_free - close; NULL-safe */
void
message_mbox_free(MessageMbox *mbox)
{
	if (mbox == NULL)
		return;
	g_object_unref(mbox->parser);
	g_bytes_unref(mbox->bytes);
	g_mapped_file_unref(mbox->file);
	g_free(mbox);
}
