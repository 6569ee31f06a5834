/* policy.c - the site's acceptance rules: whose reports, signed by whom
 *
 * Domains are compared as DNS names in ASCII: case and a trailing dot
 * aside, and IDNs as the report writes them (A-labels).  DKIM alignment
 * is relaxed, as DMARC has it, without a public suffix list.
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "authres.h"
#include "common/error.h"
#include "common/text.h"
#include "policy.h"

/* Untrusted values quoted in reasons are cut at this many bytes. */
#define POLICY_QUOTE_MAX	64

/*
 * A source of DKIM results: what one verifier found on the message, in
 * RFC 8601's words.  Returns the results of the verifier that speaks for
 * the message (owned), or NULL when it has nothing to say: then *silence
 * says why, as a verdict (DKIM_NONE: a verifier looked and found no DKIM
 * result; DKIM_UNTRUSTED: no verifier we trust looked).  A source that
 * cannot tell now (a DNS lookup timed out) returns NULL with an error of
 * ERROR_TEMPORARY, and the message is deferred.
 */
typedef Authres *(*PolicyDkimSource)(const PolicyOptions *options,
    const Message *message, PolicyVerdict *silence, GError **error);

static Authres *policy_dkim_authres(const PolicyOptions *options,
    const Message *message, PolicyVerdict *silence, GError **error);

/* The sources, asked in order; the first with results decides.  A
 * verifier of our own (issue 17) goes first when the options ask for it. */
static const PolicyDkimSource policy_dkim_sources[] = {
	policy_dkim_authres,
};

/* policy_verdict_clear - free what a verdict owns */
void
policy_verdict_clear(PolicyVerdict *verdict)
{
	g_clear_pointer(&verdict->dkim_domain, g_free);
	g_clear_pointer(&verdict->dkim_reason, g_free);
	verdict->dkim = DKIM_UNKNOWN;
}

/* policy_verdict_set - record a verdict: dkim about domain (copied, or
 * NULL), the reason formatted from fmt */
static void G_GNUC_PRINTF(4, 5)
policy_verdict_set(PolicyVerdict *verdict, PolicyDkim dkim, const char *domain,
    const char *fmt, ...)
{
	va_list	ap;

	policy_verdict_clear(verdict);
	verdict->dkim = dkim;
	verdict->dkim_domain = g_strdup(domain);
	va_start(ap, fmt);
	verdict->dkim_reason = g_strdup_vprintf(fmt, ap);
	va_end(ap);
}

/* policy_trusts - whether authserv-id id is one the site trusts */
static gboolean
policy_trusts(const PolicyOptions *options, const char *id)
{
	for (const char *const *t = options->trusted_authserv_ids;
	    t != NULL && *t != NULL; t++)
		if (g_ascii_strcasecmp(id, *t) == 0)
			return TRUE;
	return FALSE;
}

/* policy_has_dkim - whether a field holds a DKIM result */
static gboolean
policy_has_dkim(const Authres *said)
{
	for (guint i = 0; i < said->results->len; i++) {
		const AuthresResult *r = g_ptr_array_index(said->results, i);

		if (strcmp(r->method, "dkim") == 0)
			return TRUE;
	}
	return FALSE;
}

/* policy_dkim_authres - the site's own verifier, through the topmost
 * trusted Authentication-Results field with DKIM results
 *
 * The verifier adds its field at the top; a field below it, even of a
 * trusted authserv-id, may have been written by anyone before the
 * message reached us.
 */
static Authres *
policy_dkim_authres(const PolicyOptions *options, const Message *message,
    PolicyVerdict *silence, GError **error)
{
	gboolean seen_trusted = FALSE;

	for (char **field = message->auth_results; field != NULL && *field != NULL;
	    field++) {
		g_autoptr(Authres) said = authres_parse(*field);

		if (said == NULL || !policy_trusts(options, said->authserv_id))
			continue;
		seen_trusted = TRUE;
		if (policy_has_dkim(said))
			return g_steal_pointer(&said);
	}
	if (seen_trusted)
		policy_verdict_set(silence, DKIM_NONE, NULL,
		    "no DKIM result from a trusted verifier");
	else
		policy_verdict_set(silence, DKIM_UNTRUSTED, NULL,
		    "no Authentication-Results field of a trusted authserv-id");
	return NULL;
}

/* policy_reporter - the domain the signature must align with; owned or NULL
 *
 * TLS-Report-Submitter when it holds a domain name (sys4's reporter has
 * put an organisation's name there), else the domain of the From address.
 */
static char *
policy_reporter(const Message *message)
{
	const char *s = message->report_submitter, *at, *end;
	g_autofree char *domain = NULL;

	if (s != NULL && *s != '\0' && strpbrk(s, " \t<>@\"") == NULL &&
	    strchr(s, '.') != NULL)
		return authres_domain(s);
	if (message->from == NULL)
		return NULL;
	s = strrchr(message->from, '<');
	s = s != NULL ? s + 1 : message->from;
	end = s + strcspn(s, "> \t");
	at = g_strrstr_len(s, end - s, "@");
	if (at == NULL || at + 1 >= end)
		return NULL;
	domain = g_strndup(at + 1, (gsize)(end - at - 1));
	return authres_domain(domain);
}

/* policy_aligned - whether signing domain d speaks for the reporting domain
 *
 * The same domain, or one below the other.  A signing domain of one label
 * (a top-level domain) never aligns.
 */
static gboolean
policy_aligned(const char *d, const char *domain)
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

/* policy_dkim_verdict - the verdict on the DKIM results of one verifier:
 * a pass aligned with the reporter, else none when every result says
 * none, else a fail naming the first */
static void
policy_dkim_verdict(const Authres *said, const char *reporter,
    PolicyVerdict *verdict)
{
	const AuthresResult *first = NULL;
	guint	i, n = 0, none = 0;
	g_autofree char *result = NULL;

	for (i = 0; i < said->results->len; i++) {
		const AuthresResult *r = g_ptr_array_index(said->results, i);

		if (strcmp(r->method, "dkim") != 0)
			continue;
		if (first == NULL)
			first = r;
		n++;
		if (strcmp(r->result, "none") == 0)
			none++;
		if (strcmp(r->result, "pass") == 0 && r->domain != NULL &&
		    reporter != NULL && policy_aligned(r->domain, reporter)) {
			policy_verdict_set(verdict, DKIM_PASS, r->domain,
			    "dkim=pass for '%s' by %s", r->domain, said->authserv_id);
			return;
		}
	}
	if (none == n) {
		policy_verdict_set(verdict, DKIM_NONE, NULL,
		    "dkim=none by %s: not signed", said->authserv_id);
		return;
	}
	result = text_safe(first->result, -1, TEXT_LINE, POLICY_QUOTE_MAX);
	policy_verdict_set(verdict, DKIM_FAIL, first->domain,
	    "dkim=%s for '%s' by %s, not a pass for the reporting domain '%s'",
	    result, first->domain ? first->domain : "?", said->authserv_id,
	    reporter ? reporter : "?");
}

/* policy_judge_dkim - the DKIM verdict on message, from the first source
 * with results; FALSE with an error if a source cannot tell now */
static gboolean
policy_judge_dkim(const PolicyOptions *options, const Message *message,
    PolicyVerdict *verdict, GError **error)
{
	g_autofree char *reporter = NULL;

	if (message->bare) {
		policy_verdict_set(verdict, DKIM_UNKNOWN, NULL,
		    "a bare report, not a message");
		return TRUE;
	}
	reporter = policy_reporter(message);
	for (guint i = 0; i < G_N_ELEMENTS(policy_dkim_sources); i++) {
		PolicyVerdict silence = { 0 };
		GError	*source_error = NULL;
		g_autoptr(Authres) said = policy_dkim_sources[i](options, message,
		    &silence, &source_error);

		if (source_error != NULL) {
			policy_verdict_clear(&silence);
			g_propagate_error(error, source_error);
			return FALSE;
		}
		if (said != NULL) {
			policy_verdict_clear(&silence);
			policy_dkim_verdict(said, reporter, verdict);
			return TRUE;
		}
		/* The first source's silence stands if none speaks. */
		if (i == 0) {
			policy_verdict_clear(verdict);
			*verdict = silence;
		} else {
			policy_verdict_clear(&silence);
		}
	}
	return TRUE;
}

/* policy_domain_pattern_valid - whether pattern is "name" or "*.name"
 *
 * Names are dot-separated labels of letters, digits, hyphens and
 * underscores, with an optional trailing dot.
 */
gboolean
policy_domain_pattern_valid(const char *pattern)
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

/* policy_domain_matches - whether a policy domain matches an accept pattern */
static gboolean
policy_domain_matches(const char *domain, gsize len, const char *pattern)
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

/* policy_accept_domains - whether every policy domain is one of ours */
static gboolean
policy_accept_domains(const PolicyOptions *options, const Report *report,
    GError **error)
{
	const char *const *patterns = options->accept_domains;

	if (patterns == NULL || *patterns == NULL)
		return TRUE;
	for (guint i = 0; i < report->n_policies; i++) {
		const char *name = report->policies[i].policy_domain;
		gsize	len = name != NULL ? strlen(name) : 0;
		const char *const *p;
		g_autofree char *shown = NULL;

		if (len == 0) {
			g_set_error(error, TLSRPT_ERROR, ERROR_FOREIGN,
			    "policies[%u].policy.policy-domain: "
			    "missing, and only reports about our domains are stored", i);
			return FALSE;
		}
		for (p = patterns; *p != NULL; p++)
			if (policy_domain_matches(name, len, *p))
				break;
		if (*p != NULL)
			continue;
		shown = text_safe(name, (gssize)len, TEXT_LINE, POLICY_QUOTE_MAX);
		g_set_error(error, TLSRPT_ERROR, ERROR_FOREIGN,
		    "policy domain '%s' is not one of ours", shown);
		return FALSE;
	}
	return TRUE;
}

/* policy_judge - the site's rules on a parsed report */
gboolean
policy_judge(const PolicyOptions *options, const Message *message,
    const Report *report, PolicyVerdict *verdict, GError **error)
{
	if (!policy_judge_dkim(options, message, verdict, error))
		return FALSE;
	if (!policy_accept_domains(options, report, error))
		return FALSE;
	if (options->require_dkim && verdict->dkim != DKIM_PASS) {
		g_set_error(error, TLSRPT_ERROR, ERROR_FOREIGN,
		    "not DKIM-signed by its reporter: %s", verdict->dkim_reason);
		return FALSE;
	}
	return TRUE;
}

/* policy_dkim_name - the verdict as stored */
const char *
policy_dkim_name(PolicyDkim dkim)
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
