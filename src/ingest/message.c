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

#include <string.h>

#include <gmime/gmime.h>

#include "common/error.h"
#include "common/sniff.h"
#include "common/text.h"
#include "message.h"

#define WALK_DEPTH_MAX	32	/* deeper nesting is hostile or broken */
#define NAME_MAX_BYTES	100	/* of a file name quoted in an error */
#define TYPE_MAX_BYTES	60	/* of a media type quoted in an error */
#define FOUND_MAX	4	/* media types named in "no report part" */

/* GMime builds an object of some hundreds of bytes for every header and
 * every part, and needs a second or so per hundred thousand: a message
 * of a million empty parts cost 1.3 GB.  A report message has a few dozen
 * headers and a handful of parts. */
#define STRUCTURE_LINES_MAX	100000
/* Bytes, too: of the fields GMime splits into an object per item
 * (addresses, MIME parameters), a megabyte of which costs it some 80 MB;
 * and of headers in all, which cost it up to sixty times their size,
 * with room for a 3 MB Message-ID that the log line shows cut. */
#define STRUCTURE_SPLIT_BYTES_MAX	(1024 * 1024)
#define STRUCTURE_HEADER_BYTES_MAX	(4 * 1024 * 1024)

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

/* A part that may hold the report. */
typedef struct candidate {
	GMimePart *part;		/* borrowed from the tree */
	GMimeMessage *message;		/* borrowed: the message holding it */
	GBytes	*content;		/* owned: decoded content */
} Candidate;

typedef struct walk {
	Rank	best_rank;
	GArray	*best;			/* Candidate: the parts of the best
					 * rank, in document order; one but of
					 * RANK_TYPE and RANK_NAME */
	char	*refused;		/* owned: the first DMARC or zip part */
	GPtrArray *types;		/* owned: distinct leaf media types, in order */
	GHashTable *type_set;		/* owned: the same, to look them up */
	gboolean too_deep;		/* the depth cap pruned something */
	GError	*error;			/* owned: why the walk stopped early */
} Walk;

/* header_line - a header's value as stored: UTF-8, one line; owned
 *
 * GMime unfolds and decodes RFC 2047; bytes that are not UTF-8 are
 * replaced (the database takes nothing else), and what is left of folding
 * white space becomes spaces.  Anything else is kept as the message wrote
 * it: untrusted text, made safe wherever it is printed.  NULL when empty.
 */
static char *
header_line(const char *value)
{
	char	*text = g_utf8_make_valid(value, -1);

	for (char *p = text; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n' || *p == '\t')
			*p = ' ';
	g_strstrip(text);
	if (*text == '\0')
		g_clear_pointer(&text, g_free);
	return text;
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
 * from anything else.  Returns the name made safe for a message (owned),
 * or NULL.
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
	return text_safe((const char *)data + 30, (gssize)name_len, TEXT_LINE,
	    NAME_MAX_BYTES);
}

/* zip_holds_dmarc - whether a zip archive's first member is a .xml file */
static gboolean
zip_holds_dmarc(const char *member)
{
	return member != NULL && ends_with(member, ".xml");
}

/* part_type - a part's media type, lower-case, safe for a message; owned */
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
	return text_safe(lower, -1, TEXT_LINE, TYPE_MAX_BYTES);
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
		clean_name = text_safe(name, -1, TEXT_LINE, NAME_MAX_BYTES);
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

/* walk_many - whether every part of rank is a report of its own: parts
 * labelled or named as reports are; a guess from content or a body is
 * one at most */
static gboolean
walk_many(Rank rank)
{
	return rank <= RANK_NAME;
}

/* walk_wanted - whether a part of rank could still be taken */
static gboolean
walk_wanted(const Walk *w, Rank rank)
{
	return rank < w->best_rank || (rank == w->best_rank && walk_many(rank));
}

/* walk_candidate_clear - free what a candidate owns */
static void
walk_candidate_clear(gpointer data)
{
	Candidate *c = data;

	g_bytes_unref(c->content);
}

/* walk_offer - take a part: the first of a better rank than the best so
 * far, or one more of the same rank where each is a report */
static void
walk_offer(Walk *w, Rank rank, GMimePart *part, GMimeMessage *message,
    GBytes *content)
{
	Candidate c = { part, message, g_bytes_ref(content) };

	if (!walk_wanted(w, rank)) {
		walk_candidate_clear(&c);
		return;
	}
	if (rank < w->best_rank)
		g_array_set_size(w->best, 0);
	w->best_rank = rank;
	g_array_append_val(w->best, c);
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
	if (!walk_wanted(w, rank))
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
	return WALK_CONTINUE;
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

/* header_text - a header's value as stored (header_line); owned or NULL */
static char *
header_text(GMimeObject *object, const char *name)
{
	const char *value = g_mime_object_get_header(object, name);

	return value != NULL ? header_line(value) : NULL;
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

/* Structure - what GMime would spend memory on, counted before it parses */
typedef struct structure {
	gsize	lines;		/* header and boundary lines */
	gsize	split_bytes;	/* bytes of fields split into many objects */
	gsize	header_bytes;	/* bytes of header blocks */
} Structure;

/* The fields GMime splits into an object per item, some hundreds of bytes
 * each: every address, every MIME parameter. */
static const char *const split_fields[] = {
	"from", "sender", "reply-to", "to", "cc", "bcc", "resent-from",
	"resent-sender", "resent-reply-to", "resent-to", "resent-cc",
	"resent-bcc", "content-type", "content-disposition", NULL
};

/* split_field - whether the field name of len bytes is one GMime splits */
static gboolean
split_field(const guint8 *name, gsize len)
{
	for (const char *const *f = split_fields; *f != NULL; f++)
		if (strlen(*f) == len && g_ascii_strncasecmp((const char *)name,
		    *f, len) == 0)
			return TRUE;
	return FALSE;
}

/* structure_over - whether counted is past one of the limits */
static gboolean
structure_over(const Structure *counted)
{
	return counted->lines > STRUCTURE_LINES_MAX
	    || counted->split_bytes > STRUCTURE_SPLIT_BYTES_MAX
	    || counted->header_bytes > STRUCTURE_HEADER_BYTES_MAX;
}

/* structure_measure - count what GMime would spend memory on, before it
 * parses, until past a limit
 *
 * Lines: header lines (no white space before a colon) and lines that
 * could be a boundary ("--"), more than the objects GMime builds, never
 * fewer; continuation lines and encoded content (base64 has no colon) are
 * not counted.  Split bytes: fields that look like address or parameter
 * fields, wherever they are, with their continuation lines: one To: line
 * of 16 million addresses took 4.7 GB, a Content-Type of 10 million
 * parameters 3 GB.  Header bytes: GMime decodes every header word by word,
 * up to sixty times their size (a Subject of 4 million words took 1.2
 * GB).  A header block is the message's, one after each line that could
 * be a boundary, and a forwarded message's after the headers of its part
 * (a Content-Type naming rfc822); it ends at an empty line, and a body,
 * JSON on one line included, is not one.
 */
static void
structure_measure(const guint8 *data, gsize len, Structure *counted)
{
	const guint8 *p = data, *end = data + len, *eol;
	gboolean in_split = FALSE, in_headers = TRUE, forwarded = FALSE;

	memset(counted, 0, sizeof(*counted));
	while (p < end && !structure_over(counted)) {
		gsize	n;

		eol = memchr(p, '\n', (gsize)(end - p));
		if (eol == NULL)
			eol = end;
		n = (gsize)(eol - p);
		if (n > 0 && (p[0] == ' ' || p[0] == '\t')) {
			/* A continuation of the field before, if any. */
		} else if (n >= 2 && p[0] == '-' && p[1] == '-') {
			counted->lines++;
			in_split = FALSE;
			in_headers = TRUE;
		} else if (n == 0 || (n == 1 && p[0] == '\r')) {
			/* A forwarded message's headers follow its part's. */
			in_headers = in_headers && forwarded;
			in_split = forwarded = FALSE;
		} else {
			const guint8 *q = p;

			while (q < eol && *q != ':' && *q != ' ' && *q != '\t')
				q++;
			in_split = q < eol && *q == ':' && split_field(p, (gsize)(q - p));
			if (q < eol && *q == ':')
				counted->lines++;
			if (in_headers && in_split && g_strstr_len((const char *)p,
			    (gssize)n, "rfc822") != NULL)
				forwarded = TRUE;
		}
		if (in_split)
			counted->split_bytes += n + 1;
		if (in_headers)
			counted->header_bytes += n + 1;
		p = eol + 1;
	}
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

/* message_bare - input is a bare report: no headers */
static void
message_bare(Message *message, GBytes *input, const char *desc)
{
	message->bare = TRUE;
	message->payload = payload_trim(input);
	message->payload_desc = g_strdup(desc);
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
	message->message_id = id != NULL ? header_line(id) : NULL;
	message->from = header_text(GMIME_OBJECT(holder), "From");
	message->report_domain = header_text(GMIME_OBJECT(holder), "TLS-Report-Domain");
	message->report_submitter = header_text(GMIME_OBJECT(holder), "TLS-Report-Submitter");
}

/* message_take_part - a part the walk chose becomes message's payload */
static void
message_take_part(Message *message, GMimeMessage *mime, const Candidate *c,
    Rank rank)
{
	g_autofree char *type_name = part_type(GMIME_OBJECT(c->part));
	g_autofree char *name = part_filename(c->part);

	if (c->message != mime)
		message_headers(message, c->message);
	message->payload = payload_trim(c->content);
	if (rank == RANK_BODY) {
		message->payload_desc = g_strdup_printf("%s message body",
		    type_name);
	} else if (name != NULL) {
		g_autofree char *shown = text_safe(name, -1, TEXT_LINE,
		    NAME_MAX_BYTES);

		message->payload_desc = g_strdup_printf("%s part '%s'",
		    type_name, shown);
	} else {
		message->payload_desc = g_strdup_printf("%s part", type_name);
	}
}

/* message_take_more - the report parts after the first, each a Message
 * of its own with the headers of the message that holds it */
static void
message_take_more(Message *message, GMimeMessage *mime, const Walk *w)
{
	if (w->best->len < 2)
		return;
	message->more = g_ptr_array_new_with_free_func((GDestroyNotify)message_free);
	for (guint i = 1; i < w->best->len; i++) {
		const Candidate *c = &g_array_index(w->best, Candidate, i);
		Message	*other = message_new();

		message_headers(other, mime);
		other->auth_results = g_strdupv(message->auth_results);
		message_take_part(other, mime, c, w->best_rank);
		g_ptr_array_add(message->more, other);
	}
}

/* message_find_report - walk the tree of mime for the report parts */
static gboolean
message_find_report(Message *message, GMimeMessage *mime, GError **error)
{
	Walk	w = { .best_rank = RANK_NONE };
	gboolean found = FALSE;

	w.best = g_array_new(FALSE, FALSE, sizeof(Candidate));
	g_array_set_clear_func(w.best, walk_candidate_clear);
	w.types = g_ptr_array_new_with_free_func(g_free);
	w.type_set = g_hash_table_new(g_str_hash, g_str_equal);
	if (g_mime_message_get_mime_part(mime) != NULL)
		walk(&w, g_mime_message_get_mime_part(mime), mime, 0);
	if (w.error != NULL) {
		g_propagate_error(error, w.error);
	} else if (w.best_rank == RANK_NONE) {
		g_autofree char *reason = walk_failure(&w);

		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT, "%s", reason);
	} else {
		message_take_more(message, mime, &w);
		message_take_part(message, mime, &g_array_index(w.best, Candidate, 0),
		    w.best_rank);
		found = TRUE;
	}
	g_array_unref(w.best);
	g_free(w.refused);
	g_hash_table_unref(w.type_set);
	g_ptr_array_unref(w.types);
	return found;
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

/* message_new - an empty Message, for message_parse */
Message *
message_new(void)
{
	return g_new0(Message, 1);
}

/* message_parse - find the report in input */
gboolean
message_parse(Message *message, GBytes *input, GError **error)
{
	gsize	len, offset;
	const guint8 *data = g_bytes_get_data(input, &len);
	GMimeMessage *mime;
	Structure counted;
	gboolean found;

	switch (sniff_content(data, len, &offset)) {
	case SNIFF_EMPTY:
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    "empty input");
		return FALSE;
	case SNIFF_JSON:
		message_bare(message, input, "bare JSON input");
		return TRUE;
	case SNIFF_GZIP:
		message_bare(message, input, "bare gzip input");
		return TRUE;
	case SNIFF_ZIP:
		message_zip_error(data + offset, len - offset, error);
		return FALSE;
	case SNIFF_XML:
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    "not a report: XML document (a DMARC XML report?)");
		return FALSE;
	case SNIFF_OTHER:
		break;
	}

	structure_measure(data, len, &counted);
	if (counted.lines > STRUCTURE_LINES_MAX) {
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    "more than %d header and MIME boundary lines",
		    STRUCTURE_LINES_MAX);
		return FALSE;
	}
	if (counted.split_bytes > STRUCTURE_SPLIT_BYTES_MAX) {
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    "more than %d bytes of address and MIME parameter fields "
		    "(From:, To:, Content-Type:...)", STRUCTURE_SPLIT_BYTES_MAX);
		return FALSE;
	}
	if (counted.header_bytes > STRUCTURE_HEADER_BYTES_MAX) {
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    "more than %d bytes of header fields", STRUCTURE_HEADER_BYTES_MAX);
		return FALSE;
	}
	if ((mime = mime_parse(input)) == NULL) {
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    "not a MIME message");
		return FALSE;
	}
	message_headers(message, mime);
	message->auth_results = message_auth_results(mime);
	found = message_find_report(message, mime, error);
	/* Everything needed is copied out: the tree goes now, in the
	 * thread that built it, not when the report is stored. */
	g_object_unref(mime);
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
	if (message->payload != NULL)
		g_bytes_unref(message->payload);
	g_free(message->payload_desc);
	g_strfreev(message->auth_results);
	if (message->more != NULL)
		g_ptr_array_unref(message->more);
	g_free(message);
}
