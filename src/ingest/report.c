/* report.c - parsing and validating an RFC 8460 report
 *
 * Two passes over untrusted text.  json-c builds the tree; a lexical pass
 * then refuses what json-c's strict mode still lets through but a JSON
 * consumer downstream (PostgreSQL's jsonb, for one) would refuse later
 * with a worse message: single-quoted names, raw control characters,
 * NaN, leading zeros, overlong or surrogate UTF-8.  The tree is then
 * walked once, checking each field RFC 8460 defines and copying it into
 * the report's typed members; a check that fails names the field's JSON
 * path.  JSON is made again only where it is the output: --dry-run.
 */
#include "config.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>

#include <json-c/json.h>

#include "common/error.h"
#include "common/text.h"
#include "report.h"

/* Untrusted values quoted in messages are cut at this many bytes. */
#define REPORT_QUOTE_MAX	64

/* json-c's tree of a report takes about this many times its text, and
 * this much more (report_memory_short). */
#define REPORT_TREE_FACTOR	16
#define REPORT_TREE_BASE	(4 * 1024 * 1024)

/* How far a reporter's clock may run ahead of ours: seconds. */
#define REPORT_CLOCK_SKEW	86400

/* ReportWalk - where the validating walk is, and where it copies to */
typedef struct report_walk {
	GString	*path;		/* JSON path of the object being checked */
	GError	**error;
	const ReportLimits *limits;
	guint	 failure_details;	/* entries seen so far, all policies */
	GStringChunk *strings;	/* the report's: every string copied goes here */
	gint64	 now;		/* seconds since the epoch */
} ReportWalk;

/* report_fail_json - set a "not JSON" error at offset */
static gboolean
report_fail_json(GError **error, gsize offset, const char *problem)
{
	g_set_error(error, TLSRPT_ERROR, ERROR_INVALID,
	    "not JSON: %s at offset %" G_GSIZE_FORMAT, problem, offset);
	return FALSE;
}

/* report_is_space - JSON white space (RFC 8259 section 2) */
static gboolean
report_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* report_hex4 - value of four hex digits at s, or -1 */
static int
report_hex4(const char *s)
{
	int	v = 0, i;

	for (i = 0; i < 4; i++) {
		int	d = g_ascii_xdigit_value(s[i]);

		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* report_lex_string - check the string opening at *pos; move past it */
static gboolean
report_lex_string(const char *json, gsize len, gsize *pos, GError **error)
{
	gsize	i = *pos + 1;

	while (i < len) {
		guchar	c = (guchar)json[i];
		int	u;

		if (c == '"') {
			*pos = i + 1;
			return TRUE;
		}
		if (c < 0x20)
			return report_fail_json(error, i,
			    "control character in a string");
		if (c != '\\') {
			i++;
			continue;
		}
		if (i + 1 >= len)
			break;
		if (strchr("\"\\/bfnrt", json[i + 1]) != NULL && json[i + 1] != '\0') {
			i += 2;
			continue;
		}
		if (json[i + 1] != 'u' || i + 6 > len ||
		    (u = report_hex4(json + i + 2)) < 0)
			return report_fail_json(error, i, "invalid string sequence");
		/* \u0000 is valid JSON, but no C string and no PostgreSQL
		 * text can hold it; json-c itself would turn a lone
		 * surrogate into U+FFFD, silently changing the value. */
		if (u == 0) {
			g_set_error(error, TLSRPT_ERROR, ERROR_INVALID,
			    "\\u0000 in a string at offset %" G_GSIZE_FORMAT, i);
			return FALSE;
		}
		if (u >= 0xdc00 && u <= 0xdfff)
			return report_fail_json(error, i, "unpaired surrogate escape");
		if (u >= 0xd800 && u <= 0xdbff) {
			int	lo;

			if (i + 12 > len || json[i + 6] != '\\' || json[i + 7] != 'u' ||
			    (lo = report_hex4(json + i + 8)) < 0xdc00 || lo > 0xdfff)
				return report_fail_json(error, i,
				    "unpaired surrogate escape");
			i += 12;
			continue;
		}
		i += 6;
	}
	return report_fail_json(error, len, "unexpected end of data");
}

/* report_lex_number - check the number opening at *pos; move past it */
static gboolean
report_lex_number(const char *json, gsize len, gsize *pos, GError **error)
{
	gsize	i = *pos;

	if (json[i] == '-')
		i++;
	if (i < len && json[i] == '0')
		i++;
	else if (i < len && json[i] >= '1' && json[i] <= '9')
		while (i < len && g_ascii_isdigit(json[i]))
			i++;
	else
		return report_fail_json(error, *pos, "malformed number");
	if (i < len && json[i] == '.') {
		if (++i >= len || !g_ascii_isdigit(json[i]))
			return report_fail_json(error, *pos, "malformed number");
		while (i < len && g_ascii_isdigit(json[i]))
			i++;
	}
	if (i < len && (json[i] == 'e' || json[i] == 'E')) {
		i++;
		if (i < len && (json[i] == '+' || json[i] == '-'))
			i++;
		if (i >= len || !g_ascii_isdigit(json[i]))
			return report_fail_json(error, *pos, "malformed number");
		while (i < len && g_ascii_isdigit(json[i]))
			i++;
	}
	if (i < len && (g_ascii_isalnum(json[i]) || json[i] == '.'))
		return report_fail_json(error, *pos, "malformed number");
	*pos = i;
	return TRUE;
}

/* What the lexer expects next: JSON's grammar as a state machine. */
typedef enum {
	LEX_VALUE,		/* a value */
	LEX_VALUE_OR_CLOSE,	/* a value or "]": an array just opened */
	LEX_KEY,		/* a member's name */
	LEX_KEY_OR_CLOSE,	/* a name or "}": an object just opened */
	LEX_COLON,		/* ":" after a name */
	LEX_NEXT_OR_CLOSE,	/* "," or the container's end */
	LEX_DONE,		/* white space to the end */
} LexWant;

/* Lex - a lexical pass under way: where it is, what it expects, the open
 * containers ('{' or '['), and what it counted */
typedef struct lex {
	LexWant	 want;
	gsize	 depth;
	char	 open[REPORT_DEPTH_LIMIT + 1];
	guint64	 nulls;		/* null literals */
} Lex;

/* lex_value_done - a value ended: what comes after it */
static void
lex_value_done(Lex *lex)
{
	lex->want = lex->depth == 0 ? LEX_DONE : LEX_NEXT_OR_CLOSE;
}

/* lex_punct - take the structural character c at offset i */
static gboolean
lex_punct(Lex *lex, char c, gsize i, GError **error)
{
	char	top = lex->depth > 0 ? lex->open[lex->depth - 1] : '\0';

	switch (c) {
	case '{':
	case '[':
		if ((lex->want != LEX_VALUE && lex->want != LEX_VALUE_OR_CLOSE)
		    || lex->depth >= REPORT_DEPTH_LIMIT)
			break;
		lex->open[lex->depth++] = c;
		lex->want = c == '{' ? LEX_KEY_OR_CLOSE : LEX_VALUE_OR_CLOSE;
		return TRUE;
	case '}':
	case ']':
		if (top != (c == '}' ? '{' : '[') || (lex->want != LEX_NEXT_OR_CLOSE
		    && lex->want != (c == '}' ? LEX_KEY_OR_CLOSE : LEX_VALUE_OR_CLOSE)))
			break;
		lex->depth--;
		lex_value_done(lex);
		return TRUE;
	case ',':
		if (lex->want != LEX_NEXT_OR_CLOSE)
			break;
		lex->want = top == '{' ? LEX_KEY : LEX_VALUE;
		return TRUE;
	case ':':
		if (lex->want != LEX_COLON)
			break;
		lex->want = LEX_VALUE;
		return TRUE;
	}
	return report_fail_json(error, i, "unexpected character");
}

/* lex_scalar - whether a string, number or literal may come at offset i:
 * a value, or (a string) a member's name */
static gboolean
lex_scalar(Lex *lex, gboolean string, gsize i, GError **error)
{
	if (lex->want == LEX_VALUE || lex->want == LEX_VALUE_OR_CLOSE)
		return TRUE;
	if (string && (lex->want == LEX_KEY || lex->want == LEX_KEY_OR_CLOSE))
		return TRUE;
	return report_fail_json(error, i, "unexpected character");
}

/* report_lex - check that json is JSON as RFC 8259 has it, token and
 * structure, with no allocation; count its null literals into *nulls
 *
 * It refuses what json-c's strict mode lets through but a JSON consumer
 * downstream (PostgreSQL's jsonb, for one) would refuse later with a
 * worse message.  Run where json-c failed, it tells a text json-c
 * refused from one it could not build a tree of: report_parse.
 */
static gboolean
report_lex(const char *json, gsize len, guint64 *nulls, GError **error)
{
	Lex	lex = { .want = LEX_VALUE };
	gsize	i = 0;

	while (i < len) {
		switch (json[i]) {
		case ' ': case '\t': case '\n': case '\r':
			i++;
			break;
		case '{': case '}': case '[': case ']': case ':': case ',':
			if (!lex_punct(&lex, json[i], i, error))
				return FALSE;
			i++;
			break;
		case '"':
			if (!lex_scalar(&lex, TRUE, i, error) ||
			    !report_lex_string(json, len, &i, error))
				return FALSE;
			if (lex.want == LEX_KEY || lex.want == LEX_KEY_OR_CLOSE)
				lex.want = LEX_COLON;
			else
				lex_value_done(&lex);
			break;
		case '-': case '0': case '1': case '2': case '3': case '4':
		case '5': case '6': case '7': case '8': case '9':
			if (!lex_scalar(&lex, FALSE, i, error) ||
			    !report_lex_number(json, len, &i, error))
				return FALSE;
			lex_value_done(&lex);
			break;
		case 't':
		case 'f':
		case 'n': {
			const char *word = json[i] == 't' ? "true" :
			    json[i] == 'f' ? "false" : "null";
			gsize	n = strlen(word);

			if (len - i < n || memcmp(json + i, word, n) != 0 ||
			    (len - i > n && g_ascii_isalnum(json[i + n])) ||
			    !lex_scalar(&lex, FALSE, i, NULL))
				return report_fail_json(error, i, "unexpected character");
			if (json[i] == 'n')
				lex.nulls++;
			i += n;
			lex_value_done(&lex);
			break;
		}
		case '\'':
			return report_fail_json(error, i, "single-quoted string");
		default:
			return report_fail_json(error, i, "unexpected character");
		}
	}
	if (lex.want != LEX_DONE)
		return report_fail_json(error, len, "unexpected end of data");
	*nulls = lex.nulls;
	return TRUE;
}

/* report_measure - check depth, string lengths and values before parsing
 *
 * One pass, no allocation.  The structure is json-c's to check: here
 * brackets outside strings give the depth, and commas and brackets the
 * number of values: a container of n > 0 values holds n - 1 commas.  For
 * valid JSON both are exact.  A string's length is its bytes between the
 * quotes as written, escapes included.
 */
static gboolean
report_measure(const char *json, gsize len, const ReportLimits *limits,
    GError **error)
{
	guint64	values = 1;
	gint	depth = 0;
	gsize	i = 0, start, next;

	while (i < len) {
		switch (json[i]) {
		case '"':
			start = i++;
			while (i < len && json[i] != '"')
				i += json[i] == '\\' ? 2 : 1;
			if (MIN(i, len) - start - 1 > (gsize)limits->max_string) {
				g_set_error(error, TLSRPT_ERROR, ERROR_INVALID,
				    "string longer than %" G_GINT64_FORMAT
				    " bytes at offset %" G_GSIZE_FORMAT,
				    limits->max_string, start);
				return FALSE;
			}
			break;
		case '[':
		case '{':
			if (++depth > limits->max_depth) {
				g_set_error(error, TLSRPT_ERROR, ERROR_INVALID,
				    "JSON nested deeper than %d levels at offset %"
				    G_GSIZE_FORMAT, limits->max_depth, i);
				return FALSE;
			}
			for (next = i + 1; next < len && report_is_space(json[next]); next++)
				;
			if (next < len && (json[next] == ']' || json[next] == '}'))
				break;	/* empty: no first value */
			/* fall through */
		case ',':
			if (++values > (guint64)limits->max_values) {
				g_set_error(error, TLSRPT_ERROR, ERROR_INVALID,
				    "more than %d JSON values", limits->max_values);
				return FALSE;
			}
			break;
		case ']':
		case '}':
			if (depth > 0)
				depth--;
			break;
		}
		i++;
	}
	return TRUE;
}

/* report_memory_short - whether memory is too short to parse a report
 * of len bytes: a block of what json-c's tree of it may take cannot be
 * had
 *
 * json-c 0.16 does not say when it runs out of memory: it drops bytes of
 * a string, puts a null where an object would be, or calls the text
 * malformed.  Where a refusal of a parsed report could be that, this
 * asks the allocator, while the tree is still held.
 */
static gboolean
report_memory_short(gsize len)
{
	gpointer probe = len < G_MAXSIZE / REPORT_TREE_FACTOR
	    ? g_try_malloc(REPORT_TREE_FACTOR * len + REPORT_TREE_BASE) : NULL;

	g_free(probe);
	return probe == NULL;
}

/* report_fail_memory - the error of a report memory was too short for */
static gboolean
report_fail_memory(GError **error, gsize len)
{
	g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
	    "not enough memory to parse a report of %" G_GSIZE_FORMAT " bytes", len);
	return FALSE;
}

/* report_fail_parser - json-c refused json at offset: not JSON, as it
 * says, unless our own pass finds JSON
 *
 * json-c's strict mode takes all JSON that our pass takes (huge and tiny
 * numbers, every escape, empty names, duplicate names), at the depths
 * report_measure lets through: where it refuses such a text it could
 * not allocate, and a report is never refused for want of memory.
 */
static gboolean
report_fail_parser(const char *json, gsize len, gsize offset,
    const char *problem, GError **error)
{
	guint64 nulls;

	if (report_lex(json, len, &nulls, NULL))
		return report_fail_memory(error, len);
	return report_fail_json(error, offset, problem);
}

/* report_parse - the JSON tree of json into *root; owned; *nulls the
 * number of null literals in the text
 *
 * *root may be NULL on success: that is how json-c spells a JSON null.
 */
static gboolean
report_parse(const char *json, gsize len, const ReportLimits *limits,
    json_object **root, guint64 *nulls, GError **error)
{
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	const char *nul, *valid_end;
	gsize	end;

	if (len > INT_MAX) {
		g_set_error(error, TLSRPT_ERROR, ERROR_INVALID,
		    "not JSON: longer than %d bytes", INT_MAX);
		return FALSE;
	}
	/* json-c would stop at a NUL and call the rest trailing garbage,
	 * or keep it inside a string; say what it is. */
	if ((nul = memchr(json, '\0', len)) != NULL)
		return report_fail_json(error, (gsize)(nul - json), "NUL byte");
	/* json-c's UTF-8 check lets overlong forms, surrogates and code
	 * points past U+10FFFF through, and reports the offset of the
	 * string's end; GLib's check does neither. */
	if (!g_utf8_validate_len(json, len, &valid_end))
		return report_fail_json(error, (gsize)(valid_end - json),
		    "invalid utf-8 string");
	if (!report_measure(json, len, limits, error))
		return FALSE;
	/* json-c counts the top-level value as a level of its own; the
	 * measure has already refused anything deeper. */
	tok = json_tokener_new_ex(limits->max_depth < G_MAXINT ? limits->max_depth + 1
	    : G_MAXINT);
	if (tok == NULL) {
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "cannot allocate a JSON parser");
		return FALSE;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	*root = json_tokener_parse_ex(tok, json, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		/* A bare number is not known to end until something
		 * follows it; anything else was cut short. */
		*root = json_tokener_parse_ex(tok, "", 1);
		if (json_tokener_get_error(tok) != json_tokener_success) {
			json_tokener_free(tok);
			return report_fail_parser(json, len, len,
			    json_tokener_error_desc(json_tokener_error_parse_eof), error);
		}
		end = len;
	} else if (jerr != json_tokener_success) {
		json_tokener_free(tok);
		return report_fail_parser(json, len, end, json_tokener_error_desc(jerr),
		    error);
	}
	json_tokener_free(tok);

	while (end < len && report_is_space(json[end]))
		end++;
	if (end < len) {
		g_clear_pointer(root, json_object_put);
		return report_fail_parser(json, len, end, "unexpected character", error);
	}
	if (!report_lex(json, len, nulls, error)) {
		g_clear_pointer(root, json_object_put);
		return FALSE;
	}
	return TRUE;
}


/* report_type_name - what a JSON value is, for "expected X, got Y" */
static const char *
report_type_name(json_object *value)
{
	switch (json_object_get_type(value)) {
	case json_type_null:	return "null";
	case json_type_boolean:	return "a boolean";
	case json_type_double:	return "a number";
	case json_type_int:	return "an integer";
	case json_type_object:	return "an object";
	case json_type_array:	return "an array";
	case json_type_string:	return "a string";
	}
	return "an unknown type";
}

/* walk_fail - set an error naming the path of key (NULL: the current one) */
static gboolean G_GNUC_PRINTF(3, 4)
walk_fail(ReportWalk *w, const char *key, const char *fmt, ...)
{
	g_autofree char *problem = NULL;
	va_list	ap;

	va_start(ap, fmt);
	problem = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (key == NULL)
		g_set_error(w->error, TLSRPT_ERROR, ERROR_INVALID, "%s: %s",
		    w->path->len > 0 ? w->path->str : "top level", problem);
	else
		g_set_error(w->error, TLSRPT_ERROR, ERROR_INVALID, "%s%s%s: %s",
		    w->path->str, w->path->len > 0 ? "." : "", key, problem);
	return FALSE;
}

/* walk_enter - descend into member key; returns where to come back to */
static gsize
walk_enter(ReportWalk *w, const char *key)
{
	gsize	mark = w->path->len;

	if (mark > 0)
		g_string_append_c(w->path, '.');
	g_string_append(w->path, key);
	return mark;
}

/* walk_enter_index - descend into array element i */
static gsize
walk_enter_index(ReportWalk *w, gsize i)
{
	gsize	mark = w->path->len;

	g_string_append_printf(w->path, "[%" G_GSIZE_FORMAT "]", i);
	return mark;
}

/* walk_leave - come back up to mark */
static void
walk_leave(ReportWalk *w, gsize mark)
{
	g_string_truncate(w->path, mark);
}

/* walk_keep - the report's own copy of a JSON string's bytes */
static char *
walk_keep(ReportWalk *w, json_object *value)
{
	return g_string_chunk_insert_len(w->strings, json_object_get_string(value),
	    json_object_get_string_len(value));
}

/* take_object - member key of in, which must be an object */
static gboolean
take_object(ReportWalk *w, json_object *in, const char *key, json_object **value)
{
	if (!json_object_object_get_ex(in, key, value))
		return walk_fail(w, key, "missing");
	if (!json_object_is_type(*value, json_type_object))
		return walk_fail(w, key, "expected an object, got %s",
		    report_type_name(*value));
	return TRUE;
}

/* take_string - string member key of in into *out
 *
 * Optional members may be absent or null, and come out NULL.
 */
static gboolean
take_string(ReportWalk *w, json_object *in, const char *key, gboolean required,
    char **out)
{
	json_object *value;

	*out = NULL;
	if (!json_object_object_get_ex(in, key, &value)) {
		if (required)
			return walk_fail(w, key, "missing");
		value = NULL;
	}
	if (value == NULL && !required)
		return TRUE;
	if (!json_object_is_type(value, json_type_string))
		return walk_fail(w, key, "expected a string, got %s",
		    report_type_name(value));
	*out = walk_keep(w, value);
	return TRUE;
}

/* take_strings - an array of strings, or one string, into *out as a
 * NULL-terminated array
 *
 * Absent or null comes out NULL, [] an empty array.  The RFC's own
 * example has "mx-host" as a bare string (erratum 6241).
 */
static gboolean
take_strings(ReportWalk *w, json_object *in, const char *key, char ***out)
{
	json_object *value;
	gsize	i, n, mark;

	*out = NULL;
	if (!json_object_object_get_ex(in, key, &value) || value == NULL)
		return TRUE;
	if (json_object_is_type(value, json_type_string)) {
		*out = g_new0(char *, 2);
		(*out)[0] = walk_keep(w, value);
		return TRUE;
	}
	if (!json_object_is_type(value, json_type_array))
		return walk_fail(w, key, "expected an array, got %s",
		    report_type_name(value));
	n = json_object_array_length(value);
	*out = g_new0(char *, n + 1);
	for (i = 0; i < n; i++) {
		json_object *element = json_object_array_get_idx(value, i);

		if (!json_object_is_type(element, json_type_string)) {
			gboolean ok;

			mark = walk_enter(w, key);
			walk_enter_index(w, i);
			ok = walk_fail(w, NULL, "expected a string, got %s",
			    report_type_name(element));
			walk_leave(w, mark);
			return ok;
		}
		(*out)[i] = walk_keep(w, element);
	}
	return TRUE;
}

/* take_count - a session count: an integer in 0..INT64_MAX
 *
 * json-c saturates larger integers instead of failing, so a value past
 * INT64_MAX shows only in the unsigned reading.
 */
static gboolean
take_count(ReportWalk *w, json_object *in, const char *key, gint64 *count)
{
	json_object *value;
	gint64	n;

	if (!json_object_object_get_ex(in, key, &value))
		return walk_fail(w, key, "missing");
	if (!json_object_is_type(value, json_type_int))
		return walk_fail(w, key, "expected an integer, got %s",
		    report_type_name(value));
	n = json_object_get_int64(value);
	if (n == G_MININT64)
		return walk_fail(w, key, "negative count out of range");
	if (n < 0)
		return walk_fail(w, key, "negative count %" G_GINT64_FORMAT, n);
	if (json_object_get_uint64(value) > (guint64)G_MAXINT64)
		return walk_fail(w, key, "count out of range");
	*count = n;
	return TRUE;
}

/* take_ip - an IP address into *out; anything inet_pton() refuses is NULL
 *
 * Google has sent "", edited fixtures "x.x.x.x": the address is the
 * least important figure of a failure and not worth the report.
 */
static gboolean
take_ip(ReportWalk *w, json_object *in, const char *key, char **out)
{
	json_object *value;
	struct in6_addr addr;
	const char *text;

	*out = NULL;
	if (!json_object_object_get_ex(in, key, &value) || value == NULL)
		return TRUE;
	if (!json_object_is_type(value, json_type_string))
		return walk_fail(w, key, "expected a string, got %s",
		    report_type_name(value));
	text = json_object_get_string(value);
	if (inet_pton(AF_INET, text, &addr) == 1 ||
	    inet_pton(AF_INET6, text, &addr) == 1)
		*out = walk_keep(w, value);
	return TRUE;
}

static gint64
days_from_civil(gint64 y, int m, int d)
{
	gint64	era;
	int	yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (int)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* civil_from_days - the date days after 1970-01-01 */
static void
civil_from_days(gint64 days, gint64 *y, int *m, int *d)
{
	gint64	era;
	int	doe, yoe, doy, mp;

	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = (int)(days - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

/* digits - the n-digit decimal number at s, or -1 */
static int
digits(const char *s, int n)
{
	int	v = 0, i;

	for (i = 0; i < n; i++) {
		if (!g_ascii_isdigit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* datetime_normalize - an RFC 3339 date-time in UTC; owned, NULL if none;
 * *epoch its seconds since 1970
 *
 * Shape checked strictly, then read liberally where real reporters
 * deviate: no time zone at all means UTC (Microsoft 2023-2024), and
 * RFC 3339's own allowances (lower-case t and z, a space for T) are
 * taken.  A leap second rolls over into the next minute, as PostgreSQL
 * does.  The output is "YYYY-MM-DDTHH:MM:SS[.fraction]Z".
 */
static char *
datetime_normalize(const char *s, gsize len, gint64 *epoch)
{
	int	year, month, day, hour, minute, second;
	int	offset = 0, days_in_month;
	gsize	i, frac_start = 0, frac_len = 0;
	gint64	t, days, y;
	int	m, d, rem;

	if (len < 19 || s[4] != '-' || s[7] != '-' || s[13] != ':' ||
	    s[16] != ':' || (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
		return NULL;
	year = digits(s, 4);
	month = digits(s + 5, 2);
	day = digits(s + 8, 2);
	hour = digits(s + 11, 2);
	minute = digits(s + 14, 2);
	second = digits(s + 17, 2);
	if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 ||
	    hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60)
		return NULL;
	days_in_month = (int)(days_from_civil(month == 12 ? year + 1 : year,
	    month == 12 ? 1 : month + 1, 1) - days_from_civil(year, month, 1));
	if (day > days_in_month)
		return NULL;

	i = 19;
	if (i < len && s[i] == '.') {
		frac_start = ++i;
		while (i < len && g_ascii_isdigit(s[i]))
			i++;
		frac_len = i - frac_start;
		/* Nanoseconds are more than any clock reports; a longer
		 * run of digits is not a time. */
		if (frac_len == 0 || frac_len > 9)
			return NULL;
	}
	if (i == len || ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len))
		offset = 0;
	else if ((s[i] == '+' || s[i] == '-') && i + 6 == len && s[i + 3] == ':') {
		int	oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);

		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return NULL;
		offset = (oh * 60 + om) * 60 * (s[i] == '-' ? -1 : 1);
	} else
		return NULL;

	t = days_from_civil(year, month, day) * 86400 +
	    hour * 3600 + minute * 60 + second - offset;
	*epoch = t;
	days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	rem = (int)(t - days * 86400);
	civil_from_days(days, &y, &m, &d);
	if (y < 1 || y > 9999)
		return NULL;
	return g_strdup_printf("%04d-%02d-%02dT%02d:%02d:%02d%s%.*sZ",
	    (int)y, m, d, rem / 3600, rem / 60 % 60, rem % 60,
	    frac_len > 0 ? "." : "", (int)frac_len, s + frac_start);
}

/* take_datetime - a date-time member, normalized to UTC, into *out */
static gboolean
take_datetime(ReportWalk *w, json_object *in, const char *key, char **out)
{
	json_object *value;
	const char *text;
	gsize	len;
	gint64	epoch;
	g_autofree char *utc = NULL;

	if (!json_object_object_get_ex(in, key, &value))
		return walk_fail(w, key, "missing");
	if (!json_object_is_type(value, json_type_string))
		return walk_fail(w, key, "expected a string, got %s",
		    report_type_name(value));
	text = json_object_get_string(value);
	len = (gsize)json_object_get_string_len(value);
	if ((utc = datetime_normalize(text, len, &epoch)) == NULL) {
		g_autofree char *shown = text_safe(text, (gssize)len, TEXT_LINE,
		    REPORT_QUOTE_MAX);

		return walk_fail(w, key, "not an RFC 3339 date-time: '%s'", shown);
	}
	/* A report is about the past: one dated ahead of any clock's error
	 * would stand in every figure until that date comes. */
	if (epoch > w->now + REPORT_CLOCK_SKEW) {
		g_autofree char *shown = text_safe(text, (gssize)len, TEXT_LINE,
		    REPORT_QUOTE_MAX);

		return walk_fail(w, key, "'%s' is in the future", shown);
	}
	*out = g_string_chunk_insert(w->strings, utc);
	return TRUE;
}

/* take_domain - a domain member into *out, as it is compared and
 * grouped: ASCII letters in lower case, no trailing dots
 *
 * "EXAMPLE.ORG" and "example.org." are the domain example.org; counted
 * apart, the same domain's failures would be split in every figure.  The
 * raw report keeps what was written.
 */
static gboolean
take_domain(ReportWalk *w, json_object *in, const char *key, char **out)
{
	gsize	len;

	if (!take_string(w, in, key, FALSE, out))
		return FALSE;
	if (*out == NULL)
		return TRUE;
	for (char *p = *out; *p != '\0'; p++)
		*p = g_ascii_tolower(*p);
	/* Every trailing dot, as tlsrpt.host_key trims them: one alone would
	 * leave "example.org.." a name that changes when read again.  What
	 * is left of "" or "." names no domain, and counts as a policy
	 * without one, under "(none)". */
	len = strlen(*out);
	while (len > 0 && (*out)[len - 1] == '.')
		(*out)[--len] = '\0';
	if (len == 0)
		*out = NULL;
	return TRUE;
}

/* check_failure_detail - check one failure-details entry into *out */
static gboolean
check_failure_detail(ReportWalk *w, json_object *in, ReportFailure *out)
{
	const char *reason = "failure-reason-code";
	json_object *value;

	if (!json_object_is_type(in, json_type_object))
		return walk_fail(w, NULL, "expected an object, got %s",
		    report_type_name(in));
	/* draft-ietf-uta-smtp-tlsrpt-23's example spelled it so, and
	 * copies of that example still circulate. */
	if ((!json_object_object_get_ex(in, reason, &value) || value == NULL) &&
	    json_object_object_get_ex(in, "failure-error-code", NULL))
		reason = "failure-error-code";

	return take_string(w, in, "result-type", FALSE, &out->result_type) &&
	    take_ip(w, in, "sending-mta-ip", &out->sending_mta_ip) &&
	    take_ip(w, in, "receiving-ip", &out->receiving_ip) &&
	    take_string(w, in, "receiving-mx-hostname", FALSE,
	        &out->receiving_mx_hostname) &&
	    take_string(w, in, "receiving-mx-helo", FALSE,
	        &out->receiving_mx_helo) &&
	    take_count(w, in, "failed-session-count", &out->failed_session_count) &&
	    take_string(w, in, "additional-information", FALSE,
	        &out->additional_information) &&
	    take_string(w, in, reason, FALSE, &out->failure_reason_code);
}

/* check_failure_details - check a policy's failure-details into policy
 *
 * Google and Microsoft leave the member out when nothing failed.
 */
static gboolean
check_failure_details(ReportWalk *w, json_object *in, ReportPolicy *policy)
{
	json_object *value;
	gsize	i, n, mark;

	if (!json_object_object_get_ex(in, "failure-details", &value) ||
	    value == NULL)
		return TRUE;
	if (!json_object_is_type(value, json_type_array))
		return walk_fail(w, "failure-details", "expected an array, got %s",
		    report_type_name(value));
	n = json_object_array_length(value);
	if (n > (gsize)w->limits->max_failure_details - w->failure_details)
		return walk_fail(w, "failure-details",
		    "more than %d failure-details in the report",
		    w->limits->max_failure_details);
	w->failure_details += n;
	policy->failure_details = g_new0(ReportFailure, n);
	for (i = 0; i < n; i++) {
		gboolean ok;

		mark = walk_enter(w, "failure-details");
		walk_enter_index(w, i);
		ok = check_failure_detail(w, json_object_array_get_idx(value, i),
		    &policy->failure_details[i]);
		walk_leave(w, mark);
		if (!ok)
			return FALSE;
		policy->n_failure_details = i + 1;
	}
	return TRUE;
}

/* check_policy - check one policies entry into *out */
static gboolean
check_policy(ReportWalk *w, json_object *in, ReportPolicy *out)
{
	json_object *policy, *summary;
	gboolean ok;
	gsize	mark;

	if (!json_object_is_type(in, json_type_object))
		return walk_fail(w, NULL, "expected an object, got %s",
		    report_type_name(in));

	if (!take_object(w, in, "policy", &policy))
		return FALSE;
	mark = walk_enter(w, "policy");
	ok = take_string(w, policy, "policy-type", TRUE, &out->policy_type) &&
	    take_domain(w, policy, "policy-domain", &out->policy_domain) &&
	    take_strings(w, policy, "policy-string", &out->policy_string) &&
	    take_strings(w, policy, "mx-host", &out->mx_host);
	walk_leave(w, mark);
	if (!ok)
		return FALSE;

	if (!take_object(w, in, "summary", &summary))
		return FALSE;
	mark = walk_enter(w, "summary");
	ok = take_count(w, summary, "total-successful-session-count",
	        &out->total_successful_session_count) &&
	    take_count(w, summary, "total-failure-session-count",
	        &out->total_failure_session_count);
	walk_leave(w, mark);
	if (!ok)
		return FALSE;

	return check_failure_details(w, in, out);
}

/* add_saturating - *sum += n, stopping at INT64_MAX
 *
 * Each count fits a bigint, their sum need not; the sums only go to
 * log lines.
 */
static void
add_saturating(gint64 *sum, gint64 n)
{
	*sum = *sum > G_MAXINT64 - n ? G_MAXINT64 : *sum + n;
}

/* report_sum - the figures for log lines: distinct policy domains in
 * order, and the sessions as the daily figures count them, once per
 * domain (the largest counts of its policies: Microsoft lists the same
 * sessions under an sts and a tlsa policy), summed over the domains */
static void
report_sum(Report *report)
{
	/* a domain's largest counts */
	struct most {
		gint64	successful;
		gint64	failed;
	};
	GString	*domains = g_string_new(NULL);
	/* domain -> its slot in most[] */
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	g_autofree struct most *most = g_new0(struct most, report->n_policies);
	guint	slots = 0;

	for (guint i = 0; i < report->n_policies; i++) {
		const ReportPolicy *policy = &report->policies[i];
		const char *domain = policy->policy_domain != NULL ?
		    policy->policy_domain : "";
		gpointer found;
		struct most *m;

		/* A hash, not a scan: ten thousand policies would make a
		 * scan cost fifty million comparisons. */
		if (g_hash_table_lookup_extended(seen, domain, NULL, &found)) {
			m = &most[GPOINTER_TO_UINT(found)];
		} else {
			g_hash_table_insert(seen, (gpointer)domain, GUINT_TO_POINTER(slots));
			m = &most[slots++];
			if (*domain != '\0') {
				if (domains->len > 0)
					g_string_append_c(domains, ',');
				g_string_append(domains, domain);
			}
		}
		m->successful = MAX(m->successful, policy->total_successful_session_count);
		m->failed = MAX(m->failed, policy->total_failure_session_count);
	}
	for (guint slot = 0; slot < slots; slot++) {
		add_saturating(&report->successful_sessions, most[slot].successful);
		add_saturating(&report->failed_sessions, most[slot].failed);
	}
	report->policy_domains = g_string_free(domains, FALSE);
}

/* check_policies - check the policies array into report */
static gboolean
check_policies(ReportWalk *w, json_object *in, Report *report)
{
	json_object *value;
	gsize	i, n;

	if (!json_object_object_get_ex(in, "policies", &value))
		return walk_fail(w, "policies", "missing");
	if (!json_object_is_type(value, json_type_array))
		return walk_fail(w, "policies", "expected an array, got %s",
		    report_type_name(value));
	n = json_object_array_length(value);
	if (n > (gsize)w->limits->max_policies)
		return walk_fail(w, "policies", "more than %d entries",
		    w->limits->max_policies);
	report->policies = g_new0(ReportPolicy, n);
	for (i = 0; i < n; i++) {
		gsize	mark;
		gboolean ok;

		/* Counted before it is checked: report_free frees what
		 * a half-checked entry holds. */
		report->n_policies = i + 1;
		mark = walk_enter(w, "policies");
		walk_enter_index(w, i);
		ok = check_policy(w, json_object_array_get_idx(value, i),
		    &report->policies[i]);
		walk_leave(w, mark);
		if (!ok)
			return FALSE;
	}
	return TRUE;
}

/* check_report - check the top level into report */
static gboolean
check_report(ReportWalk *w, json_object *in, Report *report)
{
	json_object *range;
	gboolean ok;
	gsize	mark;

	if (!json_object_is_type(in, json_type_object))
		return walk_fail(w, NULL, "expected an object, got %s",
		    report_type_name(in));

	if (!take_string(w, in, "organization-name", TRUE,
	    &report->organization_name))
		return FALSE;

	if (!take_object(w, in, "date-range", &range))
		return FALSE;
	mark = walk_enter(w, "date-range");
	ok = take_datetime(w, range, "start-datetime", &report->start_datetime) &&
	    take_datetime(w, range, "end-datetime", &report->end_datetime);
	walk_leave(w, mark);
	if (!ok)
		return FALSE;

	return take_string(w, in, "contact-info", FALSE, &report->contact_info) &&
	    take_string(w, in, "report-id", TRUE, &report->report_id) &&
	    check_policies(w, in, report);
}

/* report_tree_nulls - the nulls in the tree at value */
static guint64
report_tree_nulls(json_object *value)
{
	guint64	n = 0;

	if (value == NULL)
		return 1;
	if (json_object_is_type(value, json_type_array)) {
		gsize	len = json_object_array_length(value);

		for (gsize i = 0; i < len; i++)
			n += report_tree_nulls(json_object_array_get_idx(value, i));
	} else if (json_object_is_type(value, json_type_object)) {
		json_object_object_foreach(value, key, member) {
			(void)key;
			n += report_tree_nulls(member);
		}
	}
	return n;
}

/* report_new - parse and validate the JSON text json of len bytes */
Report *
report_new(const char *json, gsize len, const ReportLimits *limits,
    GError **error)
{
	static const ReportLimits defaults = REPORT_LIMITS_DEFAULT;
	json_object *root;
	Report	*report;
	ReportWalk w = { 0 };
	guint64	nulls = 0;
	gboolean ok;

	if (limits == NULL)
		limits = &defaults;
	if (!report_parse(json, len, limits, &root, &nulls, error))
		return NULL;

	report = g_new0(Report, 1);
	/* The strings are shorter than the text that holds them; a block
	 * of a few kilobytes keeps a small report to one allocation. */
	report->strings = g_string_chunk_new(MIN(MAX(len, 64), 4096));
	w.path = g_string_new(NULL);
	w.error = error;
	w.limits = limits;
	w.strings = report->strings;
	w.now = g_get_real_time() / G_USEC_PER_SEC;
	ok = check_report(&w, root, report);
	/* A null json-c put where the text has none is memory it could
	 * not have: so may be the refusal. */
	if (!ok && (report_tree_nulls(root) > nulls || report_memory_short(len))) {
		g_clear_error(error);
		report_fail_memory(error, len);
	}
	g_string_free(w.path, TRUE);
	json_object_put(root);
	if (!ok) {
		report_free(report);
		return NULL;
	}
	report->raw = g_strndup(json, len);
	report_sum(report);
	return report;
}

/* report_free - release a report; NULL is fine */
void
report_free(Report *report)
{
	if (report == NULL)
		return;
	for (guint i = 0; i < report->n_policies; i++) {
		g_free(report->policies[i].policy_string);
		g_free(report->policies[i].mx_host);
		g_free(report->policies[i].failure_details);
	}
	g_free(report->policies);
	if (report->strings != NULL)
		g_string_chunk_free(report->strings);
	g_free(report->raw);
	g_free(report->policy_domains);
	g_free(report);
}

/*
 * --dry-run's JSON, written here rather than built with json-c: json-c
 * hands back NULL when memory runs out and asserts when handed one,
 * where GLib's strings end the run as a temporary failure.  The layout
 * is json-c's pretty one: two spaces a level, "name": value.
 */

/* report_json_string - text as a JSON string, or null: the quote, the
 * backslash and the C0 controls escaped, everything else as it is */
static void
report_json_string(GString *out, const char *text)
{
	if (text == NULL) {
		g_string_append(out, "null");
		return;
	}
	g_string_append_c(out, '"');
	for (const guchar *p = (const guchar *)text; *p != '\0'; p++) {
		switch (*p) {
		case '"':	g_string_append(out, "\\\""); break;
		case '\\':	g_string_append(out, "\\\\"); break;
		case '\b':	g_string_append(out, "\\b"); break;
		case '\f':	g_string_append(out, "\\f"); break;
		case '\n':	g_string_append(out, "\\n"); break;
		case '\r':	g_string_append(out, "\\r"); break;
		case '\t':	g_string_append(out, "\\t"); break;
		default:
			if (*p < 0x20)
				g_string_append_printf(out, "\\u%04x", *p);
			else
				g_string_append_c(out, (char)*p);
		}
	}
	g_string_append_c(out, '"');
}

/* report_json_item - start the next member (name) or element (NULL) of
 * a container at depth: its separator, indentation and name */
static void
report_json_item(GString *out, int depth, gboolean first, const char *name)
{
	g_string_append(out, first ? "\n" : ",\n");
	for (int i = 0; i < depth; i++)
		g_string_append(out, "  ");
	if (name != NULL) {
		report_json_string(out, name);
		g_string_append(out, ": ");
	}
}

/* report_json_close - end a container at depth, c its closing bracket */
static void
report_json_close(GString *out, int depth, gboolean empty, char c)
{
	if (!empty) {
		g_string_append_c(out, '\n');
		for (int i = 0; i < depth; i++)
			g_string_append(out, "  ");
	}
	g_string_append_c(out, c);
}

/* report_json_text - a member whose value is text or null */
static void
report_json_text(GString *out, int depth, gboolean first, const char *name,
    const char *text)
{
	report_json_item(out, depth, first, name);
	report_json_string(out, text);
}

/* report_json_count - a member whose value is a count */
static void
report_json_count(GString *out, int depth, const char *name, gint64 n)
{
	report_json_item(out, depth, FALSE, name);
	g_string_append_printf(out, "%" G_GINT64_FORMAT, n);
}

/* report_json_texts - a member whose value is an array of texts, or null */
static void
report_json_texts(GString *out, int depth, const char *name, char *const *texts)
{
	report_json_item(out, depth, FALSE, name);
	if (texts == NULL) {
		g_string_append(out, "null");
		return;
	}
	g_string_append_c(out, '[');
	for (char *const *t = texts; *t != NULL; t++)
		report_json_text(out, depth + 1, t == texts, NULL, *t);
	report_json_close(out, depth, *texts == NULL, ']');
}

/* report_json_failure - one failure-details entry in RFC 8460's words */
static void
report_json_failure(GString *out, int depth, const ReportFailure *f)
{
	g_string_append_c(out, '{');
	report_json_text(out, depth + 1, TRUE, "result-type", f->result_type);
	report_json_text(out, depth + 1, FALSE, "sending-mta-ip", f->sending_mta_ip);
	report_json_text(out, depth + 1, FALSE, "receiving-ip", f->receiving_ip);
	report_json_text(out, depth + 1, FALSE, "receiving-mx-hostname",
	    f->receiving_mx_hostname);
	report_json_text(out, depth + 1, FALSE, "receiving-mx-helo",
	    f->receiving_mx_helo);
	report_json_count(out, depth + 1, "failed-session-count",
	    f->failed_session_count);
	report_json_text(out, depth + 1, FALSE, "additional-information",
	    f->additional_information);
	report_json_text(out, depth + 1, FALSE, "failure-reason-code",
	    f->failure_reason_code);
	report_json_close(out, depth, FALSE, '}');
}

/* report_json_policy - one policies entry in RFC 8460's words */
static void
report_json_policy(GString *out, int depth, const ReportPolicy *p)
{
	g_string_append_c(out, '{');
	report_json_item(out, depth + 1, TRUE, "policy");
	g_string_append_c(out, '{');
	report_json_text(out, depth + 2, TRUE, "policy-type", p->policy_type);
	report_json_text(out, depth + 2, FALSE, "policy-domain", p->policy_domain);
	report_json_texts(out, depth + 2, "policy-string", p->policy_string);
	report_json_texts(out, depth + 2, "mx-host", p->mx_host);
	report_json_close(out, depth + 1, FALSE, '}');
	report_json_item(out, depth + 1, FALSE, "summary");
	g_string_append_c(out, '{');
	report_json_item(out, depth + 2, TRUE, "total-successful-session-count");
	g_string_append_printf(out, "%" G_GINT64_FORMAT, p->total_successful_session_count);
	report_json_count(out, depth + 2, "total-failure-session-count",
	    p->total_failure_session_count);
	report_json_close(out, depth + 1, FALSE, '}');
	report_json_item(out, depth + 1, FALSE, "failure-details");
	g_string_append_c(out, '[');
	for (guint i = 0; i < p->n_failure_details; i++) {
		report_json_item(out, depth + 2, i == 0, NULL);
		report_json_failure(out, depth + 2, &p->failure_details[i]);
	}
	report_json_close(out, depth + 1, p->n_failure_details == 0, ']');
	report_json_close(out, depth, FALSE, '}');
}

/* report_to_json_string - the normalized report, pretty-printed; owned */
char *
report_to_json_string(const Report *report)
{
	GString	*out = g_string_sized_new(2 * strlen(report->raw) + 256);

	g_string_append_c(out, '{');
	report_json_text(out, 1, TRUE, "organization-name", report->organization_name);
	report_json_item(out, 1, FALSE, "date-range");
	g_string_append_c(out, '{');
	report_json_text(out, 2, TRUE, "start-datetime", report->start_datetime);
	report_json_text(out, 2, FALSE, "end-datetime", report->end_datetime);
	report_json_close(out, 1, FALSE, '}');
	report_json_text(out, 1, FALSE, "contact-info", report->contact_info);
	report_json_text(out, 1, FALSE, "report-id", report->report_id);
	report_json_item(out, 1, FALSE, "policies");
	g_string_append_c(out, '[');
	for (guint i = 0; i < report->n_policies; i++) {
		report_json_item(out, 2, i == 0, NULL);
		report_json_policy(out, 2, &report->policies[i]);
	}
	report_json_close(out, 1, report->n_policies == 0, ']');
	report_json_close(out, 0, FALSE, '}');
	return g_string_free(out, FALSE);
}
