/* sts-policy.c - an MTA-STS policy read (RFC 8461 section 3.2)
 *
 * The grammar's names and values are case-sensitive (%s in its ABNF):
 * "Mode: Enforce" is no mode.  A field other than mx given twice is a
 * warning and the first one counts, as most senders read it.  What the
 * policy says is anyone's text: the messages quote it as is, and the
 * callers make it safe where they print it.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "sts-policy.h"

/* sts_policy_is_wsp - a space or a tab */
static gboolean
sts_policy_is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* sts_policy_problem - add one formatted line to problems */
G_GNUC_PRINTF(2, 3) static void
sts_policy_problem(GPtrArray *problems, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_ptr_array_add(problems, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

/* sts_policy_domain_ok - a host name: labels of letters, digits and "-",
 * none empty or over 63, the whole at most 253 */
static gboolean
sts_policy_domain_ok(const char *name)
{
	g_auto(GStrv) labels = NULL;

	if (*name == '\0' || strlen(name) > 253 || strchr(name, '.') == NULL)
		return FALSE;
	labels = g_strsplit(name, ".", -1);
	for (char **l = labels; *l != NULL; l++) {
		size_t len = strlen(*l);

		if (len == 0 || len > 63 || (*l)[0] == '-' || (*l)[len - 1] == '-')
			return FALSE;
		for (const char *p = *l; *p != '\0'; p++)
			if (!g_ascii_isalnum(*p) && *p != '-')
				return FALSE;
	}
	return TRUE;
}

/* sts_policy_mx - one mx value: "*." or nothing, then a domain */
static void
sts_policy_mx(StsPolicy *policy, const char *value)
{
	const char *domain = g_str_has_prefix(value, "*.") ? value + 2 : value;

	if (!sts_policy_domain_ok(domain)) {
		sts_policy_problem(policy->warnings, "mx '%.80s' is not a host name "
		    "or *. and a domain: no MX host matches it", value);
		return;
	}
	g_ptr_array_add(policy->mx, g_ascii_strdown(value, -1));
}

/* sts_policy_max_age - the max_age value: 1 to 10 digits */
static void
sts_policy_max_age(StsPolicy *policy, const char *value)
{
	size_t len = strlen(value);

	if (len == 0 || len > 10 || strspn(value, "0123456789") != len) {
		sts_policy_problem(policy->errors, "max_age '%.80s' is not a number "
		    "of seconds", value);
		return;
	}
	policy->max_age = g_ascii_strtoll(value, NULL, 10);
	if (policy->max_age > STS_POLICY_MAX_AGE)
		sts_policy_problem(policy->warnings, "max_age %s is over a year "
		    "(%d): senders keep the policy a year at most", value,
		    STS_POLICY_MAX_AGE);
}

/* sts_policy_mode - the mode value */
static void
sts_policy_mode(StsPolicy *policy, const char *value)
{
	static const StsMode modes[] = { STS_MODE_NONE, STS_MODE_TESTING,
	    STS_MODE_ENFORCE };

	for (unsigned i = 0; i < G_N_ELEMENTS(modes); i++)
		if (strcmp(value, sts_policy_mode_name(modes[i])) == 0) {
			policy->mode = modes[i];
			return;
		}
	sts_policy_problem(policy->errors, "mode '%.80s' is none of enforce, "
	    "testing or none (in lower case)", value);
}

/* sts_policy_field - one "key: value" line, its end already cut */
static void
sts_policy_field(StsPolicy *policy, GHashTable *seen, char *line)
{
	static const char *const once[] = { "version", "mode", "max_age" };
	char *colon = strchr(line, ':');
	char *key = line, *value, *end;

	if (colon == NULL) {
		sts_policy_problem(policy->errors, "line '%.80s' is not \"key: "
		    "value\"", line);
		return;
	}
	*colon = '\0';
	value = colon + 1;
	while (sts_policy_is_wsp(*key))
		key++;
	while (sts_policy_is_wsp(*value))
		value++;
	end = value + strlen(value);
	while (end > value && sts_policy_is_wsp(end[-1]))
		*--end = '\0';
	if (strcmp(key, "mx") == 0) {
		sts_policy_mx(policy, value);
		return;
	}
	for (unsigned i = 0; i < G_N_ELEMENTS(once); i++)
		if (strcmp(key, once[i]) == 0 && !g_hash_table_add(seen,
		    (gpointer)once[i])) {
			sts_policy_problem(policy->warnings, "%s is given twice: the "
			    "first one counts", key);
			return;
		}
	if (strcmp(key, "version") == 0) {
		if (strcmp(value, "STSv1") != 0)
			sts_policy_problem(policy->errors, "version '%.80s' is not "
			    "STSv1", value);
	} else if (strcmp(key, "mode") == 0)
		sts_policy_mode(policy, value);
	else if (strcmp(key, "max_age") == 0)
		sts_policy_max_age(policy, value);
	else if (g_ascii_strcasecmp(key, "version") == 0
	    || g_ascii_strcasecmp(key, "mode") == 0
	    || g_ascii_strcasecmp(key, "max_age") == 0
	    || g_ascii_strcasecmp(key, "mx") == 0)
		sts_policy_problem(policy->errors, "field '%.80s' is not in lower "
		    "case: senders do not know it", key);
	else
		sts_policy_problem(policy->warnings, "unknown field '%.80s': "
		    "senders ignore it", key);
}

/* sts_policy_parse - read a policy from its lines */
StsPolicy *
sts_policy_parse(const char *const *lines, guint n_lines)
{
	StsPolicy *policy = g_new0(StsPolicy, 1);
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

	policy->max_age = -1;
	policy->mx = g_ptr_array_new_with_free_func(g_free);
	policy->errors = g_ptr_array_new_with_free_func(g_free);
	policy->warnings = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < n_lines; i++) {
		g_autofree char *line = g_strdup(lines[i]);
		size_t len = strlen(line);

		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (strspn(line, " \t") == len)
			continue;
		sts_policy_field(policy, seen, line);
	}
	if (!g_hash_table_contains(seen, "version"))
		sts_policy_problem(policy->errors, "no version field: write "
		    "\"version: STSv1\" first");
	if (!g_hash_table_contains(seen, "mode"))
		sts_policy_problem(policy->errors, "no mode field");
	if (!g_hash_table_contains(seen, "max_age"))
		sts_policy_problem(policy->errors, "no max_age field");
	if (policy->mx->len == 0 && policy->mode != STS_MODE_NONE)
		sts_policy_problem(policy->errors, "no mx field: no MX host is "
		    "allowed to receive mail");
	return policy;
}

/* sts_policy_parse_text - the same from the file's text */
StsPolicy *
sts_policy_parse_text(const char *text, gsize len)
{
	g_autofree char *copy = g_strndup(text, len);
	g_auto(GStrv) lines = NULL;
	StsPolicy *policy;

	lines = g_strsplit(copy, "\n", -1);
	policy = sts_policy_parse((const char *const *)lines, g_strv_length(lines));
	if (strlen(copy) != len)
		sts_policy_problem(policy->errors, "a NUL byte in the policy");
	return policy;
}

/* sts_policy_free - NULL-safe */
void
sts_policy_free(StsPolicy *policy)
{
	if (policy == NULL)
		return;
	g_ptr_array_unref(policy->mx);
	g_ptr_array_unref(policy->errors);
	g_ptr_array_unref(policy->warnings);
	g_free(policy);
}

/* sts_policy_valid - whether senders can apply the policy at all */
gboolean
sts_policy_valid(const StsPolicy *policy)
{
	return policy->errors->len == 0;
}

/* sts_policy_mode_name - the mode as the policy writes it */
const char *
sts_policy_mode_name(StsMode mode)
{
	switch (mode) {
	case STS_MODE_NONE:	return "none";
	case STS_MODE_TESTING:	return "testing";
	case STS_MODE_ENFORCE:	return "enforce";
	case STS_MODE_UNKNOWN:	break;
	}
	return "unknown";
}

/* sts_policy_pattern_matches - whether host matches one mx pattern */
gboolean
sts_policy_pattern_matches(const char *pattern, const char *host)
{
	size_t host_len = strlen(host);
	size_t pattern_len = strlen(pattern);
	const char *dot;

	if (host_len > 0 && host[host_len - 1] == '.')
		host_len--;
	if (pattern_len > 0 && pattern[pattern_len - 1] == '.')
		pattern_len--;
	if (!g_str_has_prefix(pattern, "*."))
		return host_len == pattern_len
		    && g_ascii_strncasecmp(pattern, host, host_len) == 0;
	/* "*." stands for exactly one label: the host's first. */
	dot = memchr(host, '.', host_len);
	if (dot == NULL || dot == host)
		return FALSE;
	return (size_t)(host + host_len - dot) == pattern_len - 1
	    && g_ascii_strncasecmp(dot, pattern + 1, pattern_len - 1) == 0;
}

/* sts_policy_covers - whether host matches one of the policy's patterns */
gboolean
sts_policy_covers(const StsPolicy *policy, const char *host)
{
	for (guint i = 0; i < policy->mx->len; i++)
		if (sts_policy_pattern_matches(g_ptr_array_index(policy->mx, i), host))
			return TRUE;
	return FALSE;
}
