/* report.c - parsing and validating an RFC 8460 report
 *
 * Two passes over untrusted text.  json-c builds the tree; a lexical pass
 * then refuses what json-c's strict mode still lets through but a JSON
 * consumer downstream (PostgreSQL's jsonb, for one) would refuse later
 * with a worse message: single-quoted names, raw control characters,
 * NaN, leading zeros, overlong or surrogate UTF-8.  The tree is then
 * walked once, checking each field RFC 8460 defines and copying it into
 * the normalized report; a check that fails names the field's JSON path.
 */
#include "config.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>

#include "common/error.h"
#include "report.h"

/* Untrusted values quoted in messages are cut at this many bytes. */
#define REPORT_QUOTE_MAX	64

/* Check - where the walk is, for messages */
typedef struct check {
	GString	*path;		/* JSON path of the object being checked */
	GError	**error;
	const ReportLimits *limits;
	guint	 failure_details;	/* entries seen so far, all policies */
} Check;

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

/* report_lex - refuse what RFC 8259 forbids and json-c's strict mode allows
 *
 * Only tokens are checked: json-c has already checked the structure.
 */
static gboolean
report_lex(const char *json, gsize len, GError **error)
{
	gsize	i = 0;

	while (i < len) {
		switch (json[i]) {
		case ' ': case '\t': case '\n': case '\r':
		case '{': case '}': case '[': case ']': case ':': case ',':
			i++;
			break;
		case '"':
			if (!report_lex_string(json, len, &i, error))
				return FALSE;
			break;
		case '-': case '0': case '1': case '2': case '3': case '4':
		case '5': case '6': case '7': case '8': case '9':
			if (!report_lex_number(json, len, &i, error))
				return FALSE;
			break;
		case 't':
		case 'f':
		case 'n': {
			const char *word = json[i] == 't' ? "true" :
			    json[i] == 'f' ? "false" : "null";
			gsize	n = strlen(word);

			if (len - i < n || memcmp(json + i, word, n) != 0 ||
			    (len - i > n && g_ascii_isalnum(json[i + n])))
				return report_fail_json(error, i, "unexpected character");
			i += n;
			break;
		}
		case '\'':
			return report_fail_json(error, i, "single-quoted string");
		default:
			return report_fail_json(error, i, "unexpected character");
		}
	}
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
	guint	depth = 0;
	gsize	i = 0, start, next;

	while (i < len) {
		switch (json[i]) {
		case '"':
			start = i++;
			while (i < len && json[i] != '"')
				i += json[i] == '\\' ? 2 : 1;
			if (MIN(i, len) - start - 1 > limits->max_string) {
				g_set_error(error, TLSRPT_ERROR, ERROR_INVALID,
				    "string longer than %" G_GSIZE_FORMAT
				    " bytes at offset %" G_GSIZE_FORMAT,
				    limits->max_string, start);
				return FALSE;
			}
			break;
		case '[':
		case '{':
			if (++depth > limits->max_depth) {
				g_set_error(error, TLSRPT_ERROR, ERROR_INVALID,
				    "JSON nested deeper than %u levels at offset %"
				    G_GSIZE_FORMAT, limits->max_depth, i);
				return FALSE;
			}
			for (next = i + 1; next < len && report_is_space(json[next]); next++)
				;
			if (next < len && (json[next] == ']' || json[next] == '}'))
				break;	/* empty: no first value */
			/* fall through */
		case ',':
			if (++values > limits->max_values) {
				g_set_error(error, TLSRPT_ERROR, ERROR_INVALID,
				    "more than %u JSON values", limits->max_values);
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

/* report_parse - the JSON tree of json into *root; owned
 *
 * *root may be NULL on success: that is how json-c spells a JSON null.
 */
static gboolean
report_parse(const char *json, gsize len, const ReportLimits *limits,
    json_object **root, GError **error)
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
	tok = json_tokener_new_ex((int)MIN(limits->max_depth + 1, G_MAXINT));
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
			return report_fail_json(error, len,
			    json_tokener_error_desc(json_tokener_error_parse_eof));
		}
		end = len;
	} else if (jerr != json_tokener_success) {
		json_tokener_free(tok);
		return report_fail_json(error, end, json_tokener_error_desc(jerr));
	}
	json_tokener_free(tok);

	while (end < len && report_is_space(json[end]))
		end++;
	if (end < len) {
		g_clear_pointer(root, json_object_put);
		return report_fail_json(error, end, "unexpected character");
	}
	if (!report_lex(json, len, error)) {
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

/* report_quote - an untrusted value, quoted and printable; owned
 *
 * Messages go to syslog and to the MTA's bounce: no control characters,
 * no bytes a terminal might act on, and not much of them.
 */
static char *
report_quote(const char *s, gsize len)
{
	GString	*q = g_string_new("'");
	gsize	i;

	for (i = 0; i < len && q->len <= REPORT_QUOTE_MAX; i++) {
		guchar	c = (guchar)s[i];

		if (c == '\'' || c == '\\')
			g_string_append_printf(q, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			g_string_append_printf(q, "\\x%02x", c);
		else
			g_string_append_c(q, (char)c);
	}
	if (i < len)
		g_string_append(q, "...");
	g_string_append_c(q, '\'');
	return g_string_free(q, FALSE);
}

/* check_fail - set an error naming the path of key (NULL: the current one) */
static gboolean G_GNUC_PRINTF(3, 4)
check_fail(Check *c, const char *key, const char *fmt, ...)
{
	g_autofree char *problem = NULL;
	va_list	ap;

	va_start(ap, fmt);
	problem = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (key == NULL)
		g_set_error(c->error, TLSRPT_ERROR, ERROR_INVALID, "%s: %s",
		    c->path->len > 0 ? c->path->str : "top level", problem);
	else
		g_set_error(c->error, TLSRPT_ERROR, ERROR_INVALID, "%s%s%s: %s",
		    c->path->str, c->path->len > 0 ? "." : "", key, problem);
	return FALSE;
}

/* check_enter - descend into member key; returns where to come back to */
static gsize
check_enter(Check *c, const char *key)
{
	gsize	mark = c->path->len;

	if (mark > 0)
		g_string_append_c(c->path, '.');
	g_string_append(c->path, key);
	return mark;
}

/* check_enter_index - descend into array element i */
static gsize
check_enter_index(Check *c, gsize i)
{
	gsize	mark = c->path->len;

	g_string_append_printf(c->path, "[%" G_GSIZE_FORMAT "]", i);
	return mark;
}

/* check_leave - come back up to mark */
static void
check_leave(Check *c, gsize mark)
{
	g_string_truncate(c->path, mark);
}

/* copy_string - a new string object with the bytes of value */
static json_object *
copy_string(json_object *value)
{
	return json_object_new_string_len(json_object_get_string(value),
	    json_object_get_string_len(value));
}

/* take_object - member key of in, which must be an object */
static gboolean
take_object(Check *c, json_object *in, const char *key, json_object **value)
{
	if (!json_object_object_get_ex(in, key, value))
		return check_fail(c, key, "missing");
	if (!json_object_is_type(*value, json_type_object))
		return check_fail(c, key, "expected an object, got %s",
		    report_type_name(*value));
	return TRUE;
}

/* take_string - copy string member key of in to out as out_key
 *
 * Optional members may be absent or null, and come out null.
 */
static gboolean
take_string(Check *c, json_object *in, const char *key, gboolean required,
    json_object *out, const char *out_key)
{
	json_object *value;

	if (!json_object_object_get_ex(in, key, &value)) {
		if (required)
			return check_fail(c, key, "missing");
		value = NULL;
	}
	if (value == NULL && !required) {
		json_object_object_add(out, out_key, NULL);
		return TRUE;
	}
	if (!json_object_is_type(value, json_type_string))
		return check_fail(c, key, "expected a string, got %s",
		    report_type_name(value));
	json_object_object_add(out, out_key, copy_string(value));
	return TRUE;
}

/* take_strings - copy an array of strings, or one string, as an array
 *
 * Absent or null comes out null, [] stays [].  The RFC's own example
 * has "mx-host" as a bare string (erratum 6241).
 */
static gboolean
take_strings(Check *c, json_object *in, const char *key, json_object *out)
{
	json_object *value, *array;
	gsize	i, n, mark;

	if (!json_object_object_get_ex(in, key, &value) || value == NULL) {
		json_object_object_add(out, key, NULL);
		return TRUE;
	}
	array = json_object_new_array();
	json_object_object_add(out, key, array);
	if (json_object_is_type(value, json_type_string)) {
		json_object_array_add(array, copy_string(value));
		return TRUE;
	}
	if (!json_object_is_type(value, json_type_array))
		return check_fail(c, key, "expected an array, got %s",
		    report_type_name(value));
	n = json_object_array_length(value);
	for (i = 0; i < n; i++) {
		json_object *element = json_object_array_get_idx(value, i);

		if (!json_object_is_type(element, json_type_string)) {
			gboolean ok;

			mark = check_enter(c, key);
			check_enter_index(c, i);
			ok = check_fail(c, NULL, "expected a string, got %s",
			    report_type_name(element));
			check_leave(c, mark);
			return ok;
		}
		json_object_array_add(array, copy_string(element));
	}
	return TRUE;
}

/* take_count - copy a session count: an integer in 0..INT64_MAX
 *
 * json-c saturates larger integers instead of failing, so a value past
 * INT64_MAX shows only in the unsigned reading.
 */
static gboolean
take_count(Check *c, json_object *in, const char *key, json_object *out,
    gint64 *count)
{
	json_object *value;
	gint64	n;

	if (!json_object_object_get_ex(in, key, &value))
		return check_fail(c, key, "missing");
	if (!json_object_is_type(value, json_type_int))
		return check_fail(c, key, "expected an integer, got %s",
		    report_type_name(value));
	n = json_object_get_int64(value);
	if (n == G_MININT64)
		return check_fail(c, key, "negative count out of range");
	if (n < 0)
		return check_fail(c, key, "negative count %" G_GINT64_FORMAT, n);
	if (json_object_get_uint64(value) > (guint64)G_MAXINT64)
		return check_fail(c, key, "count out of range");
	json_object_object_add(out, key, json_object_new_int64(n));
	*count = n;
	return TRUE;
}

/* take_ip - copy an IP address; anything inet_pton() refuses is null
 *
 * Google has sent "", edited fixtures "x.x.x.x": the address is the
 * least important figure of a failure and not worth the report.
 */
static gboolean
take_ip(Check *c, json_object *in, const char *key, json_object *out)
{
	json_object *value;
	struct in6_addr addr;
	const char *text;

	if (!json_object_object_get_ex(in, key, &value) || value == NULL) {
		json_object_object_add(out, key, NULL);
		return TRUE;
	}
	if (!json_object_is_type(value, json_type_string))
		return check_fail(c, key, "expected a string, got %s",
		    report_type_name(value));
	text = json_object_get_string(value);
	if (inet_pton(AF_INET, text, &addr) == 1 ||
	    inet_pton(AF_INET6, text, &addr) == 1)
		json_object_object_add(out, key, copy_string(value));
	else
		json_object_object_add(out, key, NULL);
	return TRUE;
}

/* days_from_civil - days since 1970-01-01 of a proleptic Gregorian date
 *
 * Howard Hinnant's algorithm: exact for every year, no tables, no time
 * zone database, no locale.
 */
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

/* datetime_normalize - an RFC 3339 date-time in UTC; owned, NULL if none
 *
 * Shape checked strictly, then read liberally where real reporters
 * deviate: no time zone at all means UTC (Microsoft 2023-2024), and
 * RFC 3339's own allowances (lower-case t and z, a space for T) are
 * taken.  A leap second rolls over into the next minute, as PostgreSQL
 * does.  The output is "YYYY-MM-DDTHH:MM:SS[.fraction]Z".
 */
static char *
datetime_normalize(const char *s, gsize len)
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
	days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	rem = (int)(t - days * 86400);
	civil_from_days(days, &y, &m, &d);
	if (y < 1 || y > 9999)
		return NULL;
	return g_strdup_printf("%04d-%02d-%02dT%02d:%02d:%02d%s%.*sZ",
	    (int)y, m, d, rem / 3600, rem / 60 % 60, rem % 60,
	    frac_len > 0 ? "." : "", (int)frac_len, s + frac_start);
}

/* take_datetime - copy a date-time member, normalized to UTC */
static gboolean
take_datetime(Check *c, json_object *in, const char *key, json_object *out)
{
	json_object *value;
	const char *text;
	gsize	len;
	char	*utc;

	if (!json_object_object_get_ex(in, key, &value))
		return check_fail(c, key, "missing");
	if (!json_object_is_type(value, json_type_string))
		return check_fail(c, key, "expected a string, got %s",
		    report_type_name(value));
	text = json_object_get_string(value);
	len = (gsize)json_object_get_string_len(value);
	if ((utc = datetime_normalize(text, len)) == NULL) {
		g_autofree char *quoted = report_quote(text, len);

		return check_fail(c, key, "not an RFC 3339 date-time: %s", quoted);
	}
	json_object_object_add(out, key, json_object_new_string(utc));
	g_free(utc);
	return TRUE;
}

/* check_failure_detail - check one failure-details entry, copy it to out */
static gboolean
check_failure_detail(Check *c, json_object *in, json_object *out)
{
	const char *reason = "failure-reason-code";
	json_object *value;
	gint64	count;

	if (!json_object_is_type(in, json_type_object))
		return check_fail(c, NULL, "expected an object, got %s",
		    report_type_name(in));
	/* draft-ietf-uta-smtp-tlsrpt-23's example spelled it so, and
	 * copies of that example still circulate. */
	if ((!json_object_object_get_ex(in, reason, &value) || value == NULL) &&
	    json_object_object_get_ex(in, "failure-error-code", NULL))
		reason = "failure-error-code";

	return take_string(c, in, "result-type", FALSE, out, "result-type") &&
	    take_ip(c, in, "sending-mta-ip", out) &&
	    take_ip(c, in, "receiving-ip", out) &&
	    take_string(c, in, "receiving-mx-hostname", FALSE, out,
	        "receiving-mx-hostname") &&
	    take_string(c, in, "receiving-mx-helo", FALSE, out,
	        "receiving-mx-helo") &&
	    take_count(c, in, "failed-session-count", out, &count) &&
	    take_string(c, in, "additional-information", FALSE, out,
	        "additional-information") &&
	    take_string(c, in, reason, FALSE, out, "failure-reason-code");
}

/* check_failure_details - check a policy's failure-details, copy to out
 *
 * Google and Microsoft leave the member out when nothing failed.
 */
static gboolean
check_failure_details(Check *c, json_object *in, json_object *out)
{
	json_object *value, *array;
	gsize	i, n, mark;

	array = json_object_new_array();
	json_object_object_add(out, "failure-details", array);
	if (!json_object_object_get_ex(in, "failure-details", &value) ||
	    value == NULL)
		return TRUE;
	if (!json_object_is_type(value, json_type_array))
		return check_fail(c, "failure-details", "expected an array, got %s",
		    report_type_name(value));
	n = json_object_array_length(value);
	if (n > c->limits->max_failure_details - c->failure_details)
		return check_fail(c, "failure-details",
		    "more than %u failure-details in the report",
		    c->limits->max_failure_details);
	c->failure_details += n;
	for (i = 0; i < n; i++) {
		json_object *detail = json_object_new_object();
		gboolean ok;

		json_object_array_add(array, detail);
		mark = check_enter(c, "failure-details");
		check_enter_index(c, i);
		ok = check_failure_detail(c, json_object_array_get_idx(value, i),
		    detail);
		check_leave(c, mark);
		if (!ok)
			return FALSE;
	}
	return TRUE;
}

/* check_policy - check one policies entry, copy it to out */
static gboolean
check_policy(Check *c, json_object *in, json_object *out, gint64 *successful,
    gint64 *failed)
{
	json_object *policy, *summary, *out_policy, *out_summary;
	gboolean ok;
	gsize	mark;

	if (!json_object_is_type(in, json_type_object))
		return check_fail(c, NULL, "expected an object, got %s",
		    report_type_name(in));

	if (!take_object(c, in, "policy", &policy))
		return FALSE;
	out_policy = json_object_new_object();
	json_object_object_add(out, "policy", out_policy);
	mark = check_enter(c, "policy");
	ok = take_string(c, policy, "policy-type", TRUE, out_policy, "policy-type") &&
	    take_string(c, policy, "policy-domain", FALSE, out_policy,
	        "policy-domain") &&
	    take_strings(c, policy, "policy-string", out_policy) &&
	    take_strings(c, policy, "mx-host", out_policy);
	check_leave(c, mark);
	if (!ok)
		return FALSE;

	if (!take_object(c, in, "summary", &summary))
		return FALSE;
	out_summary = json_object_new_object();
	json_object_object_add(out, "summary", out_summary);
	mark = check_enter(c, "summary");
	ok = take_count(c, summary, "total-successful-session-count",
	        out_summary, successful) &&
	    take_count(c, summary, "total-failure-session-count",
	        out_summary, failed);
	check_leave(c, mark);
	if (!ok)
		return FALSE;

	return check_failure_details(c, in, out);
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

/* check_policies - check the policies array, copy it to out */
static gboolean
check_policies(Check *c, json_object *in, json_object *out, Report *report)
{
	json_object *value, *array;
	GString	*domains = g_string_new(NULL);
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
	gboolean ok = TRUE;
	gsize	i, n;

	if (!json_object_object_get_ex(in, "policies", &value)) {
		ok = check_fail(c, "policies", "missing");
		goto out;
	}
	if (!json_object_is_type(value, json_type_array)) {
		ok = check_fail(c, "policies", "expected an array, got %s",
		    report_type_name(value));
		goto out;
	}
	n = json_object_array_length(value);
	if (n > c->limits->max_policies) {
		ok = check_fail(c, "policies", "more than %u entries",
		    c->limits->max_policies);
		goto out;
	}
	array = json_object_new_array();
	json_object_object_add(out, "policies", array);
	for (i = 0; i < n && ok; i++) {
		json_object *policy = json_object_new_object();
		json_object *domain;
		gint64	successful = 0, failed = 0;
		gsize	mark;

		json_object_array_add(array, policy);
		mark = check_enter(c, "policies");
		check_enter_index(c, i);
		ok = check_policy(c, json_object_array_get_idx(value, i), policy,
		    &successful, &failed);
		check_leave(c, mark);
		if (!ok)
			break;
		add_saturating(&report->successful_sessions, successful);
		add_saturating(&report->failed_sessions, failed);

		domain = json_object_object_get(
		    json_object_object_get(policy, "policy"), "policy-domain");
		if (domain == NULL || json_object_get_string_len(domain) == 0)
			continue;
		/* A hash, not a scan: ten thousand policies would make a
		 * scan cost fifty million comparisons. */
		if (!g_hash_table_add(seen, (gpointer)json_object_get_string(domain)))
			continue;
		if (domains->len > 0)
			g_string_append_c(domains, ',');
		g_string_append(domains, json_object_get_string(domain));
	}
out:
	g_hash_table_unref(seen);
	report->policy_domains = g_string_free(domains, !ok);
	return ok;
}

/* check_report - check the top level and build the normalized report */
static gboolean
check_report(Check *c, json_object *in, Report *report)
{
	json_object *range, *out, *out_range;
	gboolean ok;
	gsize	mark;

	if (!json_object_is_type(in, json_type_object))
		return check_fail(c, NULL, "expected an object, got %s",
		    report_type_name(in));
	out = report->normalized = json_object_new_object();

	if (!take_string(c, in, "organization-name", TRUE, out,
	    "organization-name"))
		return FALSE;

	if (!take_object(c, in, "date-range", &range))
		return FALSE;
	out_range = json_object_new_object();
	json_object_object_add(out, "date-range", out_range);
	mark = check_enter(c, "date-range");
	ok = take_datetime(c, range, "start-datetime", out_range) &&
	    take_datetime(c, range, "end-datetime", out_range);
	check_leave(c, mark);
	if (!ok)
		return FALSE;

	return take_string(c, in, "contact-info", FALSE, out, "contact-info") &&
	    take_string(c, in, "report-id", TRUE, out, "report-id") &&
	    check_policies(c, in, out, report);
}

/* report_new - parse and validate the JSON text json of len bytes */
Report *
report_new(const char *json, gsize len, const ReportLimits *limits,
    GError **error)
{
	static const ReportLimits defaults = REPORT_LIMITS_DEFAULT;
	json_object *root;
	Report	*report;
	Check	c = { 0 };
	gboolean ok;

	if (limits == NULL)
		limits = &defaults;
	if (!report_parse(json, len, limits, &root, error))
		return NULL;

	report = g_new0(Report, 1);
	c.path = g_string_new(NULL);
	c.error = error;
	c.limits = limits;
	ok = check_report(&c, root, report);
	g_string_free(c.path, TRUE);
	json_object_put(root);
	if (!ok) {
		report_free(report);
		return NULL;
	}
	report->raw = g_strndup(json, len);
	report->organization_name = json_object_get_string(
	    json_object_object_get(report->normalized, "organization-name"));
	report->report_id = json_object_get_string(
	    json_object_object_get(report->normalized, "report-id"));
	return report;
}

/* report_free - release a report; NULL is fine */
void
report_free(Report *report)
{
	if (report == NULL)
		return;
	g_free(report->raw);
	json_object_put(report->normalized);
	g_free(report->policy_domains);
	g_free(report);
}

/* report_domain_pattern_valid - whether pattern is "name" or "*.name"
 *
 * Names are dot-separated labels of letters, digits, hyphens and
 * underscores, with an optional trailing dot.
 */
gboolean
report_domain_pattern_valid(const char *pattern)
{
	const char *p = pattern;
	gsize	label = 0;

	if (g_str_has_prefix(p, "*."))
		p += 2;
	if (*p == '\0' || *p == '.' || strlen(p) > 254)
		return FALSE;
	for (; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0)
				return FALSE;
			label = 0;
		} else if (g_ascii_isalnum(*p) || *p == '-' || *p == '_') {
			if (++label > 63)
				return FALSE;
		} else {
			return FALSE;
		}
	}
	return TRUE;
}

/* domain_matches - whether a policy domain matches an accept pattern */
static gboolean
domain_matches(const char *domain, gsize len, const char *pattern)
{
	gsize	plen = strlen(pattern);

	if (len > 0 && domain[len - 1] == '.')
		len--;
	if (plen > 0 && pattern[plen - 1] == '.')
		plen--;
	if (g_str_has_prefix(pattern, "*.")) {
		pattern++;	/* ".example.org": strictly below it */
		plen--;
		return len > plen &&
		    g_ascii_strncasecmp(domain + len - plen, pattern, plen) == 0;
	}
	return len == plen && g_ascii_strncasecmp(domain, pattern, len) == 0;
}

/* report_accept_domains - whether every policy domain is one of ours */
gboolean
report_accept_domains(const Report *report, const char *const *patterns,
    GError **error)
{
	json_object *policies;
	gsize	i, n;

	if (patterns == NULL || *patterns == NULL)
		return TRUE;
	policies = json_object_object_get(report->normalized, "policies");
	n = json_object_array_length(policies);
	for (i = 0; i < n; i++) {
		json_object *domain = json_object_object_get(json_object_object_get(
		    json_object_array_get_idx(policies, i), "policy"), "policy-domain");
		const char *name = json_object_get_string(domain);
		gsize	len = (gsize)json_object_get_string_len(domain);
		const char *const *p;
		g_autofree char *quoted = NULL;

		if (domain == NULL || len == 0) {
			g_set_error(error, TLSRPT_ERROR, ERROR_FOREIGN,
			    "policies[%" G_GSIZE_FORMAT "].policy.policy-domain: "
			    "missing, and only reports about our domains are stored", i);
			return FALSE;
		}
		for (p = patterns; *p != NULL; p++)
			if (domain_matches(name, len, *p))
				break;
		if (*p != NULL)
			continue;
		quoted = report_quote(name, len);
		g_set_error(error, TLSRPT_ERROR, ERROR_FOREIGN,
		    "policy domain %s is not one of ours", quoted);
		return FALSE;
	}
	return TRUE;
}

/* report_to_json_string - the normalized report, pretty-printed; owned */
char *
report_to_json_string(const Report *report)
{
	return g_strdup(json_object_to_json_string_ext(report->normalized,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
}
