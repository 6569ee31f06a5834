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

/* Untrusted values quoted in reasons are cut at this many bytes; a
 * verifier's reason, which may name a key record, at more. */
#define POLICY_QUOTE_MAX	64
#define POLICY_REASON_MAX	256

/*
 * A source of DKIM results: what one verifier found on the message, in
 * RFC 8601's words.  Returns the results of the verifier that speaks for
 * the message (owned), or NULL when it has nothing to say: then it may
 * set *silence to say why, as a verdict (DKIM_NONE: a verifier looked
 * and found no DKIM result; DKIM_UNTRUSTED: no verifier we trust
 * looked), or leave it DKIM_UNKNOWN when it was not asked to look.  A
 * source fails only when it cannot work at all.
 */
typedef Authres *(*PolicyDkimAsk)(const PolicyOptions *options,
    const Message *message, GBytes *input, PolicyVerdict *silence,
    GError **error);

typedef struct policy_dkim_source {
	PolicyDkimAsk	 ask;
	/* Whether asking again later may turn a "temperror" into a pass:
	 * true of a verifier that looks now, not of a field written when
	 * the message arrived. */
	gboolean	 retry_helps;
} PolicyDkimSource;

static Authres *policy_dkim_authres(const PolicyOptions *options,
    const Message *message, GBytes *input, PolicyVerdict *silence,
    GError **error);
static Authres *policy_dkim_own(const PolicyOptions *options,
    const Message *message, GBytes *input, PolicyVerdict *silence,
    GError **error);

/* The sources, asked in order until one passes: the site's verifier
 * first, since its word costs no DNS lookup. */
static const PolicyDkimSource policy_dkim_sources[] = {
	{ policy_dkim_authres, FALSE },
	{ policy_dkim_own, TRUE },
};

/* policy_verdict_clear - free what a verdict owns */
void
policy_verdict_clear(PolicyVerdict *verdict)
{
	g_clear_pointer(&verdict->dkim_domain, g_free);
	g_clear_pointer(&verdict->dkim_verifier, g_free);
	g_clear_pointer(&verdict->dkim_reason, g_free);
	verdict->dkim = DKIM_UNKNOWN;
}

/* policy_verdict_set - record a verdict: dkim about domain, said by
 * verifier (both copied, or NULL), the reason formatted from fmt */
static void G_GNUC_PRINTF(5, 6)
policy_verdict_set(PolicyVerdict *verdict, PolicyDkim dkim, const char *domain,
    const char *verifier, const char *fmt, ...)
{
	va_list	ap;

	policy_verdict_clear(verdict);
	verdict->dkim = dkim;
	verdict->dkim_domain = g_strdup(domain);
	verdict->dkim_verifier = g_strdup(verifier);
	va_start(ap, fmt);
	verdict->dkim_reason = g_strdup_vprintf(fmt, ap);
	va_end(ap);
}

/* policy_verdict_take - *verdict becomes from, which is left empty */
static void
policy_verdict_take(PolicyVerdict *verdict, PolicyVerdict *from)
{
	policy_verdict_clear(verdict);
	*verdict = *from;
	*from = (PolicyVerdict){ 0 };
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
    GBytes *input, PolicyVerdict *silence, GError **error)
{
	g_autofree char *seen_trusted = NULL;

	for (char **field = message->auth_results; field != NULL && *field != NULL;
	    field++) {
		g_autoptr(Authres) said = authres_parse(*field);

		if (said == NULL || !policy_trusts(options, said->authserv_id))
			continue;
		if (policy_has_dkim(said))
			return g_steal_pointer(&said);
		if (seen_trusted == NULL)
			seen_trusted = g_strdup(said->authserv_id);
	}
	if (seen_trusted != NULL)
		policy_verdict_set(silence, DKIM_NONE, NULL, seen_trusted,
		    "no DKIM result from a trusted verifier");
	else
		policy_verdict_set(silence, DKIM_UNTRUSTED, NULL, NULL,
		    "no Authentication-Results field of a trusted authserv-id");
	return NULL;
}

/* policy_dkim_own - our own verifier (--verify-dkim) on the message as
 * delivered */
static Authres *
policy_dkim_own(const PolicyOptions *options, const Message *message,
    GBytes *input, PolicyVerdict *silence, GError **error)
{
	Authres	*said;
	GError	*failure = NULL;

	if (options->verifier == NULL || input == NULL)
		return NULL;
	said = verify_message(options->verifier, input, &failure);
	if (failure != NULL) {
		g_propagate_error(error, failure);
		return NULL;
	}
	if (said == NULL)
		policy_verdict_set(silence, DKIM_NONE, NULL, VERIFY_AUTHSERV_ID,
		    "no DKIM-Signature field: not signed");
	return said;
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
 * none, else a fail naming the first aligned result, or the first */
static void
policy_dkim_verdict(const Authres *said, const char *reporter,
    PolicyVerdict *verdict)
{
	const AuthresResult *named = NULL;
	gboolean aligned = FALSE;
	guint	i, n = 0, none = 0;
	g_autofree char *result = NULL, *reason = NULL;

	for (i = 0; i < said->results->len; i++) {
		const AuthresResult *r = g_ptr_array_index(said->results, i);
		gboolean a = r->domain != NULL && reporter != NULL &&
		    policy_aligned(r->domain, reporter);

		if (strcmp(r->method, "dkim") != 0)
			continue;
		if (named == NULL || (a && !aligned)) {
			named = r;
			aligned = a;
		}
		n++;
		if (strcmp(r->result, "none") == 0)
			none++;
		if (strcmp(r->result, "pass") == 0 && a) {
			policy_verdict_set(verdict, DKIM_PASS, r->domain,
			    said->authserv_id, "dkim=pass for '%s' by %s", r->domain,
			    said->authserv_id);
			return;
		}
	}
	if (none == n) {
		policy_verdict_set(verdict, DKIM_NONE, NULL, said->authserv_id,
		    "dkim=none by %s: not signed", said->authserv_id);
		return;
	}
	result = text_safe(named->result, -1, TEXT_LINE, POLICY_QUOTE_MAX);
	if (named->reason != NULL) {
		g_autofree char *safe = text_safe(named->reason, -1, TEXT_LINE,
		    POLICY_REASON_MAX);

		reason = g_strdup_printf(" (%s)", safe);
	}
	if (aligned)
		policy_verdict_set(verdict, DKIM_FAIL, named->domain,
		    said->authserv_id, "dkim=%s%s for '%s' by %s", result,
		    reason ? reason : "", named->domain, said->authserv_id);
	else
		policy_verdict_set(verdict, DKIM_FAIL, named->domain,
		    said->authserv_id, "dkim=%s%s for '%s' by %s, not a pass for "
		    "the reporting domain '%s'", result, reason ? reason : "",
		    named->domain ? named->domain : "?", said->authserv_id,
		    reporter ? reporter : "?");
}

/* policy_dkim_retry - whether an aligned signature could not be checked
 * now ("temperror"): the error to defer the message with, or NULL */
static GError *
policy_dkim_retry(const Authres *said, const char *reporter)
{
	for (guint i = 0; i < said->results->len; i++) {
		const AuthresResult *r = g_ptr_array_index(said->results, i);

		if (strcmp(r->method, "dkim") == 0 &&
		    strcmp(r->result, "temperror") == 0 && r->domain != NULL &&
		    reporter != NULL && policy_aligned(r->domain, reporter)) {
			g_autofree char *reason = text_safe(r->reason ? r->reason
			    : "temperror", -1, TEXT_LINE, POLICY_REASON_MAX);

			return g_error_new(TLSRPT_ERROR, ERROR_TEMPORARY,
			    "cannot check the DKIM signature of '%s' now: %s",
			    r->domain, reason);
		}
	}
	return NULL;
}

/* policy_silence_better - whether silence says more than verdict: any
 * word over none, and "nobody signed it" over "nobody we trust looked" */
static gboolean
policy_silence_better(const PolicyVerdict *silence, const PolicyVerdict *verdict)
{
	return silence->dkim != DKIM_UNKNOWN && (verdict->dkim == DKIM_UNKNOWN ||
	    (verdict->dkim == DKIM_UNTRUSTED && silence->dkim == DKIM_NONE));
}

/* policy_judge_dkim - the DKIM verdict on message: an aligned pass of
 * any source, else the first source's results, else the best silence;
 * FALSE with an error if a source cannot work, or could not check an
 * aligned signature now and none passed */
static gboolean
policy_judge_dkim(const PolicyOptions *options, const Message *message,
    GBytes *input, PolicyVerdict *verdict, GError **error)
{
	g_autofree char *reporter = NULL;
	g_autoptr(GError) retry = NULL;
	gboolean spoke = FALSE;

	if (message->bare) {
		policy_verdict_set(verdict, DKIM_UNKNOWN, NULL, NULL,
		    "a bare report, not a message");
		return TRUE;
	}
	reporter = policy_reporter(message);
	for (guint i = 0; i < G_N_ELEMENTS(policy_dkim_sources); i++) {
		const PolicyDkimSource *source = &policy_dkim_sources[i];
		PolicyVerdict heard = { 0 };
		GError	*failure = NULL;
		g_autoptr(Authres) said = source->ask(options, message, input,
		    &heard, &failure);

		if (failure != NULL) {
			policy_verdict_clear(&heard);
			g_propagate_error(error, failure);
			return FALSE;
		}
		if (said == NULL) {
			if (!spoke && policy_silence_better(&heard, verdict))
				policy_verdict_take(verdict, &heard);
			policy_verdict_clear(&heard);
			continue;
		}
		policy_dkim_verdict(said, reporter, &heard);
		if (heard.dkim == DKIM_PASS) {
			policy_verdict_take(verdict, &heard);
			return TRUE;
		}
		if (source->retry_helps && retry == NULL)
			retry = policy_dkim_retry(said, reporter);
		if (!spoke)
			policy_verdict_take(verdict, &heard);
		policy_verdict_clear(&heard);
		spoke = TRUE;
	}
	if (retry != NULL) {
		g_propagate_error(error, g_steal_pointer(&retry));
		return FALSE;
	}
	return TRUE;
}

/* policy_name_valid - whether name is dot-separated labels of letters,
 * digits, hyphens and underscores, with an optional trailing dot */
static gboolean
policy_name_valid(const char *name)
{
	const char *p = name;
	gsize	label = 0;

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

/* policy_domain_pattern_valid - whether pattern is "name" or "*.name" */
gboolean
policy_domain_pattern_valid(const char *pattern)
{
	return policy_name_valid(g_str_has_prefix(pattern, "*.") ? pattern + 2
	    : pattern);
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
		gboolean valid;

		if (len == 0) {
			g_set_error(error, TLSRPT_ERROR, ERROR_FOREIGN,
			    "policies[%u].policy.policy-domain: "
			    "missing, and only reports about our domains are stored", i);
			return FALSE;
		}
		/* Only a domain name matches: "a..example.org" or
		 * "*.example.org" in a report is below no domain of ours. */
		valid = policy_name_valid(name);
		for (p = patterns; valid && *p != NULL; p++)
			if (policy_domain_matches(name, len, *p))
				break;
		if (valid && *p != NULL)
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
    GBytes *input, const Report *report, PolicyVerdict *verdict, GError **error)
{
	policy_verdict_clear(verdict);
	if (!policy_accept_domains(options, report, error))
		return FALSE;
	if (!policy_judge_dkim(options, message, input, verdict, error))
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
