/* authres.c - reading Authentication-Results fields (RFC 8601)
 *
 * The grammar is RFC 8601 section 2.2's, read leniently where verifiers
 * differ: comments may nest and hold ";" or quotes, values may be quoted
 * strings, a version may follow the authserv-id, and property names are
 * compared without regard to case.
 */
#include "config.h"

#include <string.h>

#include "authres.h"

/* authres_skip_cfws - skip white space and comments, nested ones included */
static const char *
authres_skip_cfws(const char *p)
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

/* authres_token - the word or quoted string at *p, moved past; owned, or NULL
 *
 * A word runs to white space, a comment, a quote or one of ";=".  Dots,
 * slashes and "@" stay in it: "header.d", "dkim/1", "@example.org".
 */
static char *
authres_token(const char **p)
{
	const char *s = authres_skip_cfws(*p);
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

/* authres_domain - a domain as results name it and as it is compared */
char *
authres_domain(const char *text)
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

/* authres_result_free - free one result */
static void
authres_result_free(gpointer data)
{
	AuthresResult *r = data;

	g_free(r->method);
	g_free(r->result);
	g_free(r->domain);
	g_free(r->reason);
	g_free(r);
}

/* authres_new - an empty field of authserv-id id */
Authres *
authres_new(const char *id)
{
	Authres	*authres = g_new0(Authres, 1);

	authres->authserv_id = g_ascii_strdown(id, -1);
	authres->results = g_ptr_array_new_with_free_func(authres_result_free);
	return authres;
}

/* authres_add - one more result */
void
authres_add(Authres *authres, const char *method, const char *result,
    const char *domain, const char *reason)
{
	AuthresResult *r = g_new0(AuthresResult, 1);

	r->method = g_strdup(method);
	r->result = g_strdup(result);
	r->domain = domain != NULL ? authres_domain(domain) : NULL;
	r->reason = g_strdup(reason);
	g_ptr_array_add(authres->results, r);
}

/* authres_parse - the authserv-id and results of one field's value */
Authres *
authres_parse(const char *value)
{
	const char *p = value;
	char	*id, *word;
	Authres	*authres;

	if ((id = authres_token(&p)) == NULL)
		return NULL;
	authres = authres_new(id);
	g_free(id);
	/* An optional version, then ";" before each result. */
	for (;;) {
		AuthresResult *r;
		char	*header_i = NULL;

		p = authres_skip_cfws(p);
		if (*p != ';') {
			if ((word = authres_token(&p)) == NULL)
				break;
			g_free(word);	/* the version, or junk */
			continue;
		}
		p++;
		if ((word = authres_token(&p)) == NULL)
			break;
		p = authres_skip_cfws(p);
		if (*p != '=') {	/* "none": no results */
			g_free(word);
			continue;
		}
		p++;
		r = g_new0(AuthresResult, 1);
		r->method = g_ascii_strdown(word, strcspn(word, "/"));
		g_free(word);
		word = authres_token(&p);
		r->result = word != NULL ? g_ascii_strdown(word, -1) : g_strdup("");
		g_free(word);
		/* reason=... and ptype.property=value up to the next ";" */
		for (;;) {
			char	*name, *val;

			p = authres_skip_cfws(p);
			if (*p == '\0' || *p == ';')
				break;
			if ((name = authres_token(&p)) == NULL) {
				p++;	/* a stray "=" or ")" */
				continue;
			}
			p = authres_skip_cfws(p);
			if (*p != '=') {
				g_free(name);
				continue;
			}
			p++;
			val = authres_token(&p);
			if (val != NULL && g_ascii_strcasecmp(name, "header.d") == 0) {
				g_free(r->domain);
				r->domain = authres_domain(val);
			} else if (val != NULL && g_ascii_strcasecmp(name, "header.i") == 0) {
				g_free(header_i);
				header_i = authres_domain(val);
			} else if (val != NULL && g_ascii_strcasecmp(name, "reason") == 0) {
				g_free(r->reason);
				r->reason = g_steal_pointer(&val);
			}
			g_free(name);
			g_free(val);
		}
		if (r->domain == NULL)
			r->domain = g_steal_pointer(&header_i);
		g_free(header_i);
		g_ptr_array_add(authres->results, r);
	}
	return authres;
}

/* authres_free - free a field and its results; NULL-safe */
void
authres_free(Authres *authres)
{
	if (authres == NULL)
		return;
	g_free(authres->authserv_id);
	g_ptr_array_unref(authres->results);
	g_free(authres);
}
