/* probe.c - a domain's mail path checked from the outside, now
 *
 * How bad a finding at an MX host is depends on the domain: a
 * self-signed certificate fails a domain whose MTA-STS policy (testing or
 * enforce) or DNSSEC-authenticated TLSA records ask senders to insist on
 * TLS, and only warns elsewhere, where senders deliver anyway.  So hosts
 * are probed once (facts, kept in the Probe for every domain that names
 * them) and judged per domain.  An expired certificate fails everywhere.
 *
 * Everything quoted (greetings, certificate names, policies, web servers'
 * answers, DNS names) is the other side's text: findings carry it as is,
 * and finding.c and probe_json make it safe where it is printed.
 */
#include "config.h"

#include <string.h>

#include <json.h>

#include "common/error.h"
#include "common/text.h"
#include "mtasts.h"
#include "net.h"
#include "probe.h"
#include "record.h"
#include "smtp.h"
#include "sts-policy.h"

#define PROBE_JSON_VERSION	1
#define PROBE_DAY		86400

struct probe {
	ProbeOptions	 options;
	Dns		*dns;		/* borrowed */
	TlsTrust	*trust;		/* borrowed */
	GHashTable	*hosts;		/* host name -> ProbeHost, owned */
};

/* One address of an MX host, as probed. */
typedef struct probe_address {
	char		*address;
	const char	*failed;	/* the check that failed (connect,
					 * starttls, tls), or NULL */
	char		*error;		/* why */
	gboolean	 here;		/* the failure is this machine's: it
					 * has no route to the address */
	gboolean	 starttls;	/* offered in the EHLO answer */
	Tls		*tls;		/* the session, ended: its certificate */
} ProbeAddress;

/* One MX host: its DNS, and each of its addresses. */
struct probe_host {
	char		*host;
	char		*dns_error;	/* the addresses could not be looked up */
	GPtrArray	*addresses;	/* ProbeAddress */
	GPtrArray	*tlsa;		/* DnsTlsa; NULL when the lookup failed */
	char		*tlsa_error;
	gboolean	 tlsa_authenticated;
};

/* A domain's MTA-STS policy, as fetched and read. */
struct probe_policy {
	MtastsFetch	*fetch;		/* NULL when it could not be fetched */
	char		*fetch_error;
	StsPolicy	*policy;	/* NULL unless a 200 text came */
	gboolean	 active;	/* senders apply it: testing or enforce */
};

/* probe_address_free - one ProbeAddress */
static void
probe_address_free(ProbeAddress *a)
{
	g_free(a->address);
	g_free(a->error);
	tls_free(a->tls);
	g_free(a);
}

/* probe_host_free - one ProbeHost */
static void
probe_host_free(ProbeHost *h)
{
	g_free(h->host);
	g_free(h->dns_error);
	if (h->addresses != NULL)
		g_ptr_array_unref(h->addresses);
	if (h->tlsa != NULL)
		g_ptr_array_unref(h->tlsa);
	g_free(h->tlsa_error);
	g_free(h);
}

/* probe_policy_free - one probe_policy, NULL-safe */
static void
probe_policy_free(struct probe_policy *p)
{
	if (p == NULL)
		return;
	mtasts_fetch_free(p->fetch);
	g_free(p->fetch_error);
	sts_policy_free(p->policy);
	g_free(p);
}

/* probe_new - a probe asking dns and trusting trust */
Probe *
probe_new(const ProbeOptions *options, Dns *dns, TlsTrust *trust)
{
	Probe *probe = g_new0(Probe, 1);

	probe->options = *options;
	probe->dns = dns;
	probe->trust = trust;
	probe->hosts = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
	    (GDestroyNotify)probe_host_free);
	return probe;
}

/* probe_free - NULL-safe */
void
probe_free(Probe *probe)
{
	if (probe == NULL)
		return;
	g_hash_table_unref(probe->hosts);
	g_free(probe);
}

/* probe_domain_free - NULL-safe */
void
probe_domain_free(ProbeDomain *result)
{
	if (result == NULL)
		return;
	g_free(result->domain);
	g_ptr_array_unref(result->findings);
	g_ptr_array_unref(result->hosts);
	probe_policy_free(result->policy);
	g_free(result);
}

/*
 * Facts: what the network says.
 */

/* probe_failed - the step check of a failed, and why */
static void
probe_failed(ProbeAddress *a, const char *check, const GError *error)
{
	a->failed = check;
	a->error = g_strdup(error->message);
	a->here = error_class_of(error) == ERROR_CONFIG;
}

/* probe_address - connect to one address of host, up to the handshake */
static ProbeAddress *
probe_address(const Probe *probe, const char *host, const char *address)
{
	ProbeAddress *a = g_new0(ProbeAddress, 1);
	gint64 deadline = net_deadline(probe->options.timeout);
	g_autoptr(GError) error = NULL;
	g_autoptr(Smtp) smtp = NULL;
	int fd;

	a->address = g_strdup(address);
	smtp = smtp_connect(address, probe->options.smtp_port, deadline, &error);
	if (smtp == NULL) {
		probe_failed(a, PROBE_CHECK_CONNECT, error);
		return a;
	}
	if (!smtp_ehlo(smtp, g_get_host_name(), &a->starttls, &error)) {
		probe_failed(a, PROBE_CHECK_STARTTLS, error);
		return a;
	}
	if (!a->starttls)
		return a;
	fd = smtp_starttls(smtp, &error);
	if (fd < 0) {
		probe_failed(a, PROBE_CHECK_STARTTLS, error);
		return a;
	}
	a->tls = tls_handshake(fd, host, deadline, &error);
	if (a->tls == NULL)
		probe_failed(a, PROBE_CHECK_TLS, error);
	else
		tls_bye(a->tls);
	return a;
}

/* probe_host - the facts of an MX host, probed at its first mention */
static ProbeHost *
probe_host(Probe *probe, const char *name)
{
	ProbeHost *h = g_hash_table_lookup(probe->hosts, name);
	g_autoptr(GPtrArray) addresses = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *tlsa_name = NULL;

	if (h != NULL)
		return h;
	h = g_new0(ProbeHost, 1);
	h->host = g_strdup(name);
	h->addresses = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)probe_address_free);
	g_hash_table_insert(probe->hosts, h->host, h);

	addresses = dns_addresses(probe->dns, name,
	    net_deadline(probe->options.timeout), NULL, &error);
	if (addresses == NULL) {
		h->dns_error = g_strdup(error->message);
		return h;
	}
	/* Senders look at port 25, whatever --smtp-port a test gives. */
	tlsa_name = g_strconcat("_25._tcp.", name, NULL);
	h->tlsa = dns_tlsa(probe->dns, tlsa_name,
	    net_deadline(probe->options.timeout), &h->tlsa_authenticated, &error);
	if (h->tlsa == NULL)
		h->tlsa_error = g_strdup(error->message);
	for (guint i = 0; i < addresses->len; i++)
		g_ptr_array_add(h->addresses, probe_address(probe, name,
		    g_ptr_array_index(addresses, i)));
	return h;
}

/*
 * Verdicts: what the facts mean for one domain.
 */

/* probe_say - add a finding; host and address may be NULL */
G_GNUC_PRINTF(7, 8) static void
probe_say(ProbeDomain *r, const char *check, Verdict verdict,
    const char *host, const char *address, const char *fix, const char *fmt, ...)
{
	g_autofree char *detail = NULL;
	va_list ap;

	va_start(ap, fmt);
	detail = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(r->findings, finding_new(check, verdict,
	    host ? host : r->domain, address, detail, fix));
	r->verdict = MAX(r->verdict, verdict);
}

/* probe_day - a Unix time's UTC day, YYYY-MM-DD, into buf */
static void
probe_day(gint64 t, char buf[11])
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);
	g_autofree char *text = dt ? g_date_time_format(dt, "%Y-%m-%d") : NULL;

	g_strlcpy(buf, text ? text : "unknown", 11);
}

/* probe_days - whole days from now to t: "in 3 days", "3 days ago";
 * owned */
static char *
probe_days(gint64 now, gint64 t)
{
	gint64 days = (t >= now ? t - now : now - t) / PROBE_DAY;

	if (days == 0)
		return g_strdup(t >= now ? "within a day" : "less than a day ago");
	return g_strdup_printf(t >= now ? "in %" G_GINT64_FORMAT " day%s"
	    : "%" G_GINT64_FORMAT " day%s ago", days, days == 1 ? "" : "s");
}

/* probe_dane_usable - whether authenticated, usable TLSA records ask
 * senders to insist on TLS at host */
static gboolean
probe_dane_usable(const ProbeHost *h)
{
	if (h->tlsa == NULL || !h->tlsa_authenticated)
		return FALSE;
	for (guint i = 0; i < h->tlsa->len; i++) {
		const DnsTlsa *t = g_ptr_array_index(h->tlsa, i);

		if ((t->usage == 2 || t->usage == 3) && t->selector <= 1
		    && t->matching <= 2)
			return TRUE;
	}
	return FALSE;
}

/* probe_insist - the verdict of a TLS problem at host: fail where senders
 * are asked to insist on TLS, warn where they deliver anyway; *why says
 * which (static) */
static Verdict
probe_insist(const ProbeDomain *r, const ProbeHost *h, const char **why)
{
	if (r->policy != NULL && r->policy->active) {
		*why = "";
		return VERDICT_FAIL;
	}
	if (probe_dane_usable(h)) {
		*why = "";
		return VERDICT_FAIL;
	}
	*why = " (no MTA-STS policy or DANE asks senders to insist on TLS "
	    "here: they deliver anyway, unauthenticated)";
	return VERDICT_WARN;
}

/* probe_judge_dane - the TLSA records of h against one address's chain */
static void
probe_judge_dane(ProbeDomain *r, const ProbeHost *h, const ProbeAddress *a)
{
	g_autoptr(GString) misses = g_string_new(NULL);
	Verdict none_matched = h->tlsa_authenticated ? VERDICT_FAIL : VERDICT_INFO;

	for (guint i = 0; i < h->tlsa->len; i++) {
		const DnsTlsa *t = g_ptr_array_index(h->tlsa, i);
		g_autofree char *detail = NULL;
		TlsTlsaResult result = tls_tlsa(a->tls, t->usage, t->selector,
		    t->matching, t->data, h->host, &detail);

		if (result == TLS_TLSA_MATCH) {
			probe_say(r, PROBE_CHECK_DANE, h->tlsa_authenticated
			    ? VERDICT_PASS : VERDICT_INFO, h->host, a->address, NULL,
			    "TLSA %u %u %u %s", t->usage, t->selector, t->matching,
			    detail);
			return;
		}
		if (result == TLS_TLSA_UNUSABLE)
			probe_say(r, PROBE_CHECK_DANE, h->tlsa_authenticated
			    ? VERDICT_WARN : VERDICT_INFO, h->host, a->address,
			    "publish DANE-EE (3 1 1) or DANE-TA (2 1 1) records",
			    "TLSA %u %u %u: %s", t->usage, t->selector, t->matching,
			    detail);
		else
			g_string_append_printf(misses, "%sTLSA %u %u %u %s",
			    misses->len ? "; " : "", t->usage, t->selector,
			    t->matching, detail);
	}
	if (misses->len > 0)
		probe_say(r, PROBE_CHECK_DANE, none_matched, h->host, a->address,
		    "publish a TLSA record for the certificate in use (keep the "
		    "old one until senders' caches expire), or put back the "
		    "certificate the records name", "no TLSA record matches%s: %s",
		    h->tlsa_authenticated ? ", so senders using DANE defer mail "
		    "to this host" : "", misses->str);
}

/* probe_judge_certificate - chain, name and expiry of a certificate that
 * a server for name showed at address; insist and why as probe_insist
 * says, or VERDICT_INFO where DANE-EE makes chain and name needless */
static void
probe_judge_certificate(ProbeDomain *r, const Probe *probe, const Tls *tls,
    const char *name, const char *address, const char *check_chain,
    Verdict insist, const char *why)
{
	g_autofree char *untrusted = NULL;
	g_autofree char *subject = NULL;
	g_autofree char *left = NULL;
	gboolean leaf;
	gint64 not_after = tls_expiry(tls, &subject, &leaf);
	gint64 not_before = tls_not_before(tls);
	gint64 warn_after = r->now + (gint64)r->cert_days * PROBE_DAY;
	char day[11];

	if (tls_trusted(tls, probe->trust, &untrusted))
		probe_say(r, check_chain, VERDICT_PASS, name, address, NULL,
		    "trusted: issued by '%s'", tls_issuer(tls));
	else
		probe_say(r, check_chain, insist, name, address, "use a "
		    "certificate from a CA that senders trust, and send its "
		    "intermediate certificates with it", "not trusted: %s%s",
		    untrusted, why);
	if (tls_name_matches(tls, name))
		probe_say(r, PROBE_CHECK_NAME, VERDICT_PASS, name, address, NULL,
		    "valid for %s", name);
	else {
		g_autofree char *fix = g_strdup_printf("get a certificate whose "
		    "subjectAltName includes %s", name);

		probe_say(r, PROBE_CHECK_NAME, insist, name, address, fix,
		    "the certificate is for %s, not for %s%s", tls_names(tls),
		    name, why);
	}

	probe_day(not_after, day);
	left = probe_days(r->now, not_after);
	if (not_after <= r->now)
		probe_say(r, PROBE_CHECK_EXPIRY, VERDICT_FAIL, name, address,
		    "renew it, install it with its chain, and reload the server",
		    "%s expired on %s, %s%s", leaf ? "the certificate" : subject,
		    day, left, leaf ? "" : " (an intermediate the server sends)");
	else if (not_before > r->now) {
		probe_day(not_before, day);
		probe_say(r, PROBE_CHECK_EXPIRY, VERDICT_FAIL, name, address,
		    "check the server's clock, or install the certificate in use "
		    "before", "the certificate is not valid before %s", day);
	} else if (not_after <= warn_after)
		probe_say(r, PROBE_CHECK_EXPIRY, VERDICT_WARN, name, address,
		    "renew it now", "%s expires on %s, %s", leaf ? "the certificate"
		    : subject, day, left);
	else
		probe_say(r, PROBE_CHECK_EXPIRY, VERDICT_PASS, name, address, NULL,
		    "valid until %s, %s", day, left);
}

/* probe_judge_address - what one address of an MX host showed */
static void
probe_judge_address(ProbeDomain *r, const Probe *probe, const ProbeHost *h,
    const ProbeAddress *a)
{
	const char *why;
	Verdict insist = probe_insist(r, h, &why);
	Verdict chain = insist;
	guint port = probe->options.smtp_port;

	if (a->here) {
		probe_say(r, a->failed, VERDICT_INFO, h->host, a->address, NULL,
		    "not probed: %s", a->error);
		return;
	}
	if (g_strcmp0(a->failed, PROBE_CHECK_CONNECT) == 0) {
		g_autofree char *fix = g_strdup_printf("check that the MTA runs "
		    "and that port %u of %s is open to the Internet", port,
		    a->address);

		probe_say(r, PROBE_CHECK_CONNECT, VERDICT_FAIL, h->host, a->address,
		    fix, "%s", a->error);
		return;
	}
	if (a->failed != NULL) {
		probe_say(r, a->failed, insist, h->host, a->address, "look at the "
		    "MTA's log for this connection", "%s%s", a->error, why);
		return;
	}
	if (!a->starttls) {
		probe_say(r, PROBE_CHECK_STARTTLS, insist, h->host, a->address,
		    "enable STARTTLS with a certificate for this host (Postfix: "
		    "smtpd_tls_security_level = may, smtpd_tls_chain_files)",
		    "STARTTLS not offered: mail arrives unencrypted%s", why);
		return;
	}
	probe_say(r, PROBE_CHECK_STARTTLS, VERDICT_PASS, h->host, a->address,
	    NULL, "STARTTLS offered");
	if (tls_protocol_outdated(a->tls))
		probe_say(r, PROBE_CHECK_TLS, VERDICT_WARN, h->host, a->address,
		    "enable TLS 1.2 and 1.3", "%s at best: outdated, and refused by "
		    "many senders", tls_protocol(a->tls));
	else
		probe_say(r, PROBE_CHECK_TLS, VERDICT_PASS, h->host, a->address,
		    NULL, "%s", tls_description(a->tls));
	if (h->tlsa != NULL && h->tlsa->len > 0)
		probe_judge_dane(r, h, a);
	/* DANE-EE senders need neither a CA nor the name (RFC 7672 3.1.1). */
	if ((r->policy == NULL || !r->policy->active) && probe_dane_usable(h)) {
		chain = VERDICT_INFO;
		why = " (DANE senders check the TLSA records instead)";
	}
	probe_judge_certificate(r, probe, a->tls, h->host, a->address,
	    PROBE_CHECK_CHAIN, chain, why);
}

/* probe_judge_host - an MX host's addresses and TLSA records */
static void
probe_judge_host(ProbeDomain *r, const Probe *probe, const ProbeHost *h)
{
	if (h->dns_error != NULL) {
		probe_say(r, PROBE_CHECK_ADDRESS, VERDICT_FAIL, h->host, NULL, NULL,
		    "%s", h->dns_error);
		return;
	}
	if (h->addresses->len == 0) {
		g_autofree char *fix = g_strdup_printf("publish an A or AAAA "
		    "record for %s, or remove its MX record", h->host);

		probe_say(r, PROBE_CHECK_ADDRESS, VERDICT_FAIL, h->host, NULL, fix,
		    "no address (A or AAAA record): senders cannot deliver to it");
		return;
	}
	if (h->tlsa_error != NULL)
		probe_say(r, PROBE_CHECK_DANE, VERDICT_FAIL, h->host, NULL,
		    "fix the zone's DNSSEC, or its servers", "the TLSA lookup "
		    "failed (%s): senders using DANE defer mail to this host",
		    h->tlsa_error);
	else if (h->tlsa->len > 0 && !h->tlsa_authenticated)
		probe_say(r, PROBE_CHECK_DANE, VERDICT_WARN, h->host, NULL,
		    "sign the zone (DNSSEC), or ask through a validating resolver",
		    "%u TLSA record%s, but the answer was not DNSSEC-authenticated "
		    "by %s: senders ignore them", h->tlsa->len,
		    h->tlsa->len == 1 ? "" : "s", dns_server(probe->dns));
	for (guint i = 0; i < h->addresses->len; i++)
		probe_judge_address(r, probe, h, g_ptr_array_index(h->addresses, i));
}

/* probe_mx - the domain's MX records; FALSE and an error without an answer */
static gboolean
probe_mx(ProbeDomain *r, Probe *probe, GPtrArray **mx, GError **error)
{
	gboolean authenticated;
	g_autoptr(GString) list = g_string_new(NULL);

	*mx = dns_mx(probe->dns, r->domain, net_deadline(probe->options.timeout),
	    &authenticated, error);
	if (*mx == NULL)
		return FALSE;
	for (guint i = 0; i < (*mx)->len; i++) {
		const DnsMx *m = g_ptr_array_index(*mx, i);

		g_string_append_printf(list, "%s%s (%u)", i ? ", " : "",
		    *m->host ? m->host : ".", m->preference);
	}
	if ((*mx)->len == 0)
		probe_say(r, PROBE_CHECK_MX, VERDICT_WARN, NULL, NULL, "publish MX "
		    "records naming the hosts that receive the domain's mail",
		    "no MX record: senders deliver to the domain's own address, "
		    "which MTA-STS cannot cover");
	else if ((*mx)->len == 1 && *((DnsMx *)g_ptr_array_index(*mx, 0))->host == '\0')
		probe_say(r, PROBE_CHECK_MX, VERDICT_INFO, NULL, NULL, NULL,
		    "a null MX (RFC 7505): the domain accepts no mail");
	else
		probe_say(r, PROBE_CHECK_MX, VERDICT_PASS, NULL, NULL, NULL,
		    "%u MX host%s: %s", (*mx)->len, (*mx)->len == 1 ? "" : "s",
		    list->str);
	if (authenticated)
		probe_say(r, PROBE_CHECK_DNSSEC, VERDICT_PASS, NULL, NULL, NULL,
		    "the DNS answers were DNSSEC-authenticated by %s (AD bit)",
		    dns_server(probe->dns));
	else
		probe_say(r, PROBE_CHECK_DNSSEC, VERDICT_INFO, NULL, NULL, NULL,
		    "the DNS answers were not DNSSEC-authenticated: the zone is "
		    "not signed, or %s does not validate", dns_server(probe->dns));
	return TRUE;
}

/* probe_policy_judge - the policy fetched: its server, its answer, its text */
static void
probe_policy_judge(ProbeDomain *r, const Probe *probe, struct probe_policy *p)
{
	const MtastsFetch *f = p->fetch;
	const char *host = f->host;
	g_autofree char *type = NULL;
	const StsPolicy *policy;
	gboolean usable = TRUE;

	probe_judge_certificate(r, probe, f->tls, host, f->address,
	    PROBE_CHECK_STS_HTTPS, VERDICT_FAIL, "");
	if (f->status >= 300 && f->status < 400) {
		probe_say(r, PROBE_CHECK_STS_POLICY, VERDICT_FAIL, host, NULL,
		    "serve the policy itself at this URL", "%s answers %u %s, a "
		    "redirect to %s: senders do not follow redirects", f->url,
		    f->status, f->reason, f->location ? f->location : "nowhere");
		return;
	}
	if (f->status != 200) {
		g_autofree char *fix = g_strdup_printf("serve the policy at %s",
		    f->url);

		probe_say(r, PROBE_CHECK_STS_POLICY, VERDICT_FAIL, host, NULL, fix,
		    "%s answers %u %s: senders find no policy", f->url, f->status,
		    f->reason);
		return;
	}
	type = g_strdup(f->content_type ? f->content_type : "");
	type[strcspn(type, "; \t")] = '\0';
	if (g_ascii_strcasecmp(type, "text/plain") != 0) {
		probe_say(r, PROBE_CHECK_STS_POLICY, VERDICT_FAIL, host, NULL,
		    "serve mta-sts.txt as text/plain", "the policy comes as "
		    "'%s', not text/plain: senders refuse it",
		    f->content_type ? f->content_type : "no Content-Type");
		usable = FALSE;
	}
	if (f->too_large) {
		probe_say(r, PROBE_CHECK_STS_POLICY, VERDICT_FAIL, host, NULL,
		    "serve the policy alone", "the answer is larger than %d "
		    "bytes: senders refuse it", MTASTS_MAX_BODY);
		usable = FALSE;
	}
	p->policy = sts_policy_parse_text(g_bytes_get_data(f->body, NULL),
	    g_bytes_get_size(f->body));
	policy = p->policy;
	for (guint i = 0; i < policy->errors->len; i++)
		probe_say(r, PROBE_CHECK_STS_POLICY, VERDICT_FAIL, host, NULL,
		    "write the policy as RFC 8461 section 3.2 shows: version: "
		    "STSv1, mode, mx and max_age, one \"key: value\" a line",
		    "%s", (char *)g_ptr_array_index(policy->errors, i));
	for (guint i = 0; i < policy->warnings->len; i++)
		probe_say(r, PROBE_CHECK_STS_POLICY, VERDICT_WARN, host, NULL, NULL,
		    "%s", (char *)g_ptr_array_index(policy->warnings, i));
	if (!usable || !sts_policy_valid(policy))
		return;
	if (policy->mode == STS_MODE_NONE)
		probe_say(r, PROBE_CHECK_STS_POLICY, VERDICT_INFO, host, NULL, NULL,
		    "mode none: senders drop the policy they had");
	else {
		g_autoptr(GString) mx = g_string_new(NULL);

		for (guint i = 0; i < policy->mx->len; i++)
			g_string_append_printf(mx, "%s%s", i ? ", " : "",
			    (char *)g_ptr_array_index(policy->mx, i));
		probe_say(r, PROBE_CHECK_STS_POLICY, VERDICT_PASS, host, NULL, NULL,
		    "mode %s, max_age %" G_GINT64_FORMAT ", mx %s",
		    sts_policy_mode_name(policy->mode), policy->max_age, mx->str);
		if (policy->max_age < PROBE_DAY)
			probe_say(r, PROBE_CHECK_STS_POLICY, VERDICT_WARN, host, NULL,
			    "write max_age: 604800 (a week) or more", "max_age %"
			    G_GINT64_FORMAT " is less than a day: a sender that "
			    "cannot fetch the policy soon has none", policy->max_age);
		p->active = TRUE;
	}
}

/* probe_policy - fetch and judge the MTA-STS policy of a domain whose
 * _mta-sts record says there is one */
static void
probe_policy(ProbeDomain *r, Probe *probe)
{
	struct probe_policy *p = g_new0(struct probe_policy, 1);
	g_autoptr(GError) error = NULL;

	r->policy = p;
	p->fetch = mtasts_fetch(probe->dns, r->domain, probe->options.https_port,
	    net_deadline(probe->options.timeout), &error);
	if (p->fetch == NULL) {
		g_autofree char *host = g_strconcat("mta-sts.", r->domain, NULL);
		g_autofree char *fix = g_strdup_printf("serve the policy at "
		    "https://%s/.well-known/mta-sts.txt, or remove the _mta-sts "
		    "record", host);

		p->fetch_error = g_strdup(error->message);
		probe_say(r, PROBE_CHECK_STS_POLICY, VERDICT_FAIL, host, NULL, fix,
		    "the policy cannot be fetched: %s", error->message);
		return;
	}
	probe_policy_judge(r, probe, p);
}

/* probe_sts_mx - whether each MX host matches an mx pattern of the policy */
static void
probe_sts_mx(ProbeDomain *r, GPtrArray *mx)
{
	const StsPolicy *policy = r->policy ? r->policy->policy : NULL;
	guint uncovered = 0;

	if (policy == NULL || !r->policy->active)
		return;
	for (guint i = 0; i < mx->len; i++) {
		const DnsMx *m = g_ptr_array_index(mx, i);
		g_autofree char *fix = NULL;

		if (*m->host == '\0' || sts_policy_covers(policy, m->host))
			continue;
		uncovered++;
		fix = g_strdup_printf("add \"mx: %s\" to the policy, and change "
		    "the id of _mta-sts.%s", m->host, r->domain);
		probe_say(r, PROBE_CHECK_STS_MX, VERDICT_FAIL, m->host, NULL, fix,
		    "matches no mx pattern of the MTA-STS policy: senders %s "
		    "deliver to it", policy->mode == STS_MODE_ENFORCE ? "do not"
		    : "report failures and, once it enforces, will not");
	}
	if (uncovered == 0 && mx->len > 0)
		probe_say(r, PROBE_CHECK_STS_MX, VERDICT_PASS, NULL, NULL, NULL,
		    "every MX host matches an mx pattern of the MTA-STS policy");
}

/* probe_domain - probe domain */
ProbeDomain *
probe_domain(Probe *probe, const char *domain, GError **error)
{
	g_autoptr(ProbeDomain) r = g_new0(ProbeDomain, 1);
	g_autoptr(GPtrArray) mx = NULL;
	g_autoptr(Record) record = NULL;

	r->domain = g_strdup(domain);
	r->findings = g_ptr_array_new_with_free_func((GDestroyNotify)finding_free);
	r->hosts = g_ptr_array_new();
	r->now = g_get_real_time() / G_USEC_PER_SEC;
	r->cert_days = probe->options.cert_days;
	r->verdict = VERDICT_PASS;
	if (!probe_mx(r, probe, &mx, error))
		return NULL;
	if (!probe->options.mx_only) {
		record = record_judge(probe->dns, domain,
		    net_deadline(probe->options.timeout), error);
		if (record == NULL)
			return NULL;
		for (guint i = 0; i < record->findings->len; i++) {
			const Finding *f = g_ptr_array_index(record->findings, i);

			probe_say(r, f->check, f->verdict, f->host, NULL, f->fix, "%s",
			    f->detail);
		}
		/* Senders fetch the policy only for a good record. */
		if (record->sts_id != NULL)
			probe_policy(r, probe);
		probe_sts_mx(r, mx);
	}
	for (guint i = 0; i < mx->len; i++) {
		const DnsMx *m = g_ptr_array_index(mx, i);
		ProbeHost *h;

		if (*m->host == '\0')
			continue;
		h = probe_host(probe, m->host);
		g_ptr_array_add(r->hosts, h);
		probe_judge_host(r, probe, h);
	}
	return g_steal_pointer(&r);
}

/*
 * Against the reports.
 */

/* What the probe says of a reported failure at one host. */
typedef enum {
	PROBE_UNKNOWN,		/* it cannot tell */
	PROBE_FIXED,
	PROBE_CONFIRMED,
} ProbeState;

/* probe_state_tls - a reported certificate or STARTTLS failure against
 * what one address showed; *detail (owned) says what it saw */
static ProbeState
probe_state_tls(const ProbeDomain *r, const Probe *probe, const ProbeHost *h,
    const ProbeAddress *a, const char *type, char **detail)
{
	g_autofree char *why = NULL;
	g_autofree char *subject = NULL;
	gboolean leaf;
	char day[11];
	gint64 not_after;

	if (a->failed != NULL) {
		*detail = g_strdup_printf("%s: %s", a->address, a->error);
		return PROBE_UNKNOWN;
	}
	if (strcmp(type, "starttls-not-supported") == 0) {
		*detail = g_strdup(a->starttls ? "STARTTLS is offered now"
		    : "STARTTLS is still not offered");
		return a->starttls ? PROBE_FIXED : PROBE_CONFIRMED;
	}
	if (a->tls == NULL) {
		*detail = g_strdup_printf("%s offers no STARTTLS now", a->address);
		return PROBE_UNKNOWN;
	}
	not_after = tls_expiry(a->tls, &subject, &leaf);
	probe_day(not_after, day);
	if (strcmp(type, "certificate-expired") == 0) {
		*detail = g_strdup_printf(not_after <= r->now ? "still expired: "
		    "notAfter %s" : "certificate valid until %s", day);
		return not_after <= r->now ? PROBE_CONFIRMED : PROBE_FIXED;
	}
	if (strcmp(type, "certificate-host-mismatch") == 0) {
		gboolean ok = tls_name_matches(a->tls, h->host);

		*detail = ok ? g_strdup_printf("the certificate is valid for %s "
		    "now", h->host) : g_strdup_printf("the certificate is still "
		    "for %s", tls_names(a->tls));
		return ok ? PROBE_FIXED : PROBE_CONFIRMED;
	}
	if (tls_trusted(a->tls, probe->trust, &why) && (strcmp(type,
	    "certificate-not-trusted") == 0 || (tls_name_matches(a->tls, h->host)
	    && not_after > r->now))) {
		*detail = g_strdup_printf("the certificate verifies now, valid "
		    "until %s", day);
		return PROBE_FIXED;
	}
	*detail = g_strdup_printf("the certificate still does not verify: %s",
	    why ? why : not_after <= r->now ? "expired" : "another name");
	return PROBE_CONFIRMED;
}

/* probe_state_dane - a reported DANE failure against the TLSA records and
 * what each address showed */
static ProbeState
probe_state_dane(const ProbeHost *h, const char *type, char **detail)
{
	if (h->tlsa_error != NULL) {
		*detail = g_strdup_printf("the TLSA lookup still fails: %s",
		    h->tlsa_error);
		return PROBE_CONFIRMED;
	}
	if (strcmp(type, "dnssec-invalid") == 0) {
		*detail = g_strdup("the TLSA lookup succeeds now");
		return PROBE_FIXED;
	}
	if (h->tlsa->len == 0) {
		*detail = g_strdup("no TLSA records now");
		return PROBE_FIXED;
	}
	for (guint i = 0; i < h->addresses->len; i++) {
		const ProbeAddress *a = g_ptr_array_index(h->addresses, i);
		gboolean matched = FALSE;

		for (guint k = 0; a->tls != NULL && k < h->tlsa->len; k++) {
			const DnsTlsa *t = g_ptr_array_index(h->tlsa, k);
			g_autofree char *why = NULL;

			matched = matched || tls_tlsa(a->tls, t->usage, t->selector,
			    t->matching, t->data, h->host, &why) == TLS_TLSA_MATCH;
		}
		if (!matched) {
			*detail = g_strdup_printf("still no TLSA record matches the "
			    "certificate at %s", a->address);
			return PROBE_CONFIRMED;
		}
	}
	*detail = g_strdup("a TLSA record matches the certificate now");
	return PROBE_FIXED;
}

/* probe_state_sts - a reported MTA-STS failure against the policy now */
static ProbeState
probe_state_sts(const ProbeDomain *r, const Probe *probe, const char *type,
    char **detail)
{
	const struct probe_policy *p = r->policy;

	if (p == NULL) {
		*detail = g_strdup("no _mta-sts record now: senders drop the "
		    "policy as it expires");
		return PROBE_FIXED;
	}
	if (strcmp(type, "sts-webpki-invalid") == 0 && p->fetch == NULL) {
		*detail = g_strdup(p->fetch_error);
		return PROBE_UNKNOWN;
	}
	if (strcmp(type, "sts-webpki-invalid") == 0) {
		g_autofree char *why = NULL;
		g_autofree char *subject = NULL;
		gboolean leaf;
		gboolean ok = tls_trusted(p->fetch->tls, probe->trust, &why)
		    && tls_name_matches(p->fetch->tls, p->fetch->host)
		    && tls_expiry(p->fetch->tls, &subject, &leaf) > r->now;

		*detail = g_strdup(ok ? "the policy server's certificate verifies "
		    "now" : "the policy server's certificate still does not "
		    "verify");
		return ok ? PROBE_FIXED : PROBE_CONFIRMED;
	}
	if (p->fetch == NULL || p->fetch->status != 200) {
		*detail = p->fetch == NULL ? g_strdup_printf("the policy still "
		    "cannot be fetched: %s", p->fetch_error) : g_strdup_printf("the "
		    "policy server still answers %u", p->fetch->status);
		return PROBE_CONFIRMED;
	}
	if (p->policy == NULL || !sts_policy_valid(p->policy) || !p->active) {
		*detail = g_strdup("the policy is still not one senders can apply");
		return PROBE_CONFIRMED;
	}
	*detail = g_strdup_printf("the policy is fetched and valid now (mode %s)",
	    sts_policy_mode_name(p->policy->mode));
	return PROBE_FIXED;
}

/* probe_state_host - a reported failure at one MX host, now */
static ProbeState
probe_state_host(const ProbeDomain *r, const Probe *probe, const ProbeHost *h,
    const char *type, char **detail)
{
	ProbeState state = PROBE_UNKNOWN;

	if (g_str_has_prefix(type, "tlsa-") || strcmp(type, "dane-required") == 0
	    || strcmp(type, "dnssec-invalid") == 0)
		return probe_state_dane(h, type, detail);
	if (h->addresses == NULL || h->addresses->len == 0) {
		*detail = g_strdup_printf("%s has no address now", h->host);
		return PROBE_UNKNOWN;
	}
	/* Confirmed if any address still shows it: senders pick any. */
	for (guint i = 0; i < h->addresses->len; i++) {
		g_autofree char *this = NULL;
		ProbeState s = probe_state_tls(r, probe, h,
		    g_ptr_array_index(h->addresses, i), type, &this);

		if (s >= state) {
			state = s;
			g_free(*detail);
			*detail = g_steal_pointer(&this);
		}
	}
	return state;
}

/* probe_incident - one ongoing incident against the probe */
static void
probe_incident(ProbeDomain *r, const Probe *probe, const ProbeIncident *in)
{
	static const char *const known[] = { "starttls-not-supported",
	    "certificate-host-mismatch", "certificate-expired",
	    "certificate-not-trusted", "validation-failure", "tlsa-invalid",
	    "dnssec-invalid", "dane-required", "sts-policy-fetch-error",
	    "sts-policy-invalid", "sts-webpki-invalid" };
	g_autofree char *mx = in->mx_host ? g_ascii_strdown(in->mx_host, -1) : NULL;
	g_autofree char *detail = NULL;
	const char *type = in->result_type;
	ProbeState state = PROBE_UNKNOWN;
	gboolean is_known = FALSE;

	for (unsigned i = 0; i < G_N_ELEMENTS(known); i++)
		is_known = is_known || g_ascii_strcasecmp(type, known[i]) == 0;
	if (mx != NULL && g_str_has_suffix(mx, "."))
		mx[strlen(mx) - 1] = '\0';
	if (!is_known)
		detail = g_strdup("the probe cannot check this result type");
	else if (g_str_has_prefix(type, "sts-"))
		state = probe_state_sts(r, probe, type, &detail);
	else {
		for (guint i = 0; i < r->hosts->len; i++) {
			const ProbeHost *h = g_ptr_array_index(r->hosts, i);
			g_autofree char *this = NULL;
			ProbeState s;

			if (mx != NULL && strcmp(mx, h->host) != 0)
				continue;
			s = probe_state_host(r, probe, h, type, &this);
			if (detail == NULL || s > state) {
				state = s;
				g_free(detail);
				detail = g_steal_pointer(&this);
			}
		}
		if (detail == NULL && mx != NULL) {
			state = PROBE_FIXED;
			detail = g_strdup_printf("%s is no MX host of %s now", mx,
			    r->domain);
		} else if (detail == NULL)
			detail = g_strdup("no MX host to probe");
	}
	probe_say(r, PROBE_CHECK_REPORT, state == PROBE_CONFIRMED ? VERDICT_FAIL
	    : state == PROBE_FIXED ? VERDICT_PASS : VERDICT_INFO,
	    mx ? mx : r->domain, NULL, NULL, "%s reported from %s to %s "
	    "(%" G_GINT64_FORMAT " failed sessions): %s%s%s", type, in->first_day,
	    in->last_day, in->failed, state == PROBE_CONFIRMED ? "confirmed, "
	    : state == PROBE_FIXED ? "fixed, " : "cannot tell: ", detail,
	    state == PROBE_FIXED ? ": the reports should clear tomorrow" : "");
}

/* probe_incidents - each ongoing incident against the probe */
void
probe_incidents(const Probe *probe, ProbeDomain *result,
    const GPtrArray *incidents)
{
	for (guint i = 0; i < incidents->len; i++)
		probe_incident(result, probe, g_ptr_array_index(incidents, i));
}

/* probe_incident_new - an incident, the strings copied */
ProbeIncident *
probe_incident_new(const char *result_type, const char *mx_host,
    const char *first_day, const char *last_day, gint64 failed)
{
	ProbeIncident *incident = g_new0(ProbeIncident, 1);

	incident->result_type = g_strdup(result_type);
	incident->mx_host = g_strdup(mx_host);
	incident->first_day = g_strdup(first_day);
	incident->last_day = g_strdup(last_day);
	incident->failed = failed;
	return incident;
}

/* probe_incident_free - NULL-safe */
void
probe_incident_free(ProbeIncident *incident)
{
	if (incident == NULL)
		return;
	g_free(incident->result_type);
	g_free(incident->mx_host);
	g_free(incident->first_day);
	g_free(incident->last_day);
	g_free(incident);
}

/* probe_expiries - each MX certificate the probe saw, to fn */
void
probe_expiries(const ProbeDomain *result, ProbeExpiryFunc fn, gpointer data)
{
	for (guint i = 0; i < result->hosts->len; i++) {
		const ProbeHost *h = g_ptr_array_index(result->hosts, i);
		const char *address = NULL;
		gint64 earliest = G_MAXINT64;

		for (guint k = 0; h->addresses != NULL && k < h->addresses->len; k++) {
			const ProbeAddress *a = g_ptr_array_index(h->addresses, k);
			g_autofree char *subject = NULL;
			gboolean leaf;
			gint64 t = a->tls ? tls_expiry(a->tls, &subject, &leaf)
			    : G_MAXINT64;

			if (t < earliest) {
				earliest = t;
				address = a->address;
			}
		}
		if (address != NULL)
			fn(h->host, address, earliest, data);
	}
}

/* probe_text - the findings, one a line */
char *
probe_text(const ProbeDomain *result)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < result->findings->len; i++)
		finding_append_text(out, g_ptr_array_index(result->findings, i));
	return g_string_free(out, FALSE);
}

/* probe_json_text - a new JSON string, or null for NULL */
static json_object *
probe_json_text(const char *text)
{
	return text != NULL ? json_object_new_string(text) : NULL;
}

/* probe_json - the domains' findings as one JSON document */
char *
probe_json(GPtrArray *results)
{
	json_object *top = json_object_new_object();
	json_object *domains = json_object_new_array();
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree char *stamp = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
	char *document;

	json_object_object_add(top, "version",
	    json_object_new_int(PROBE_JSON_VERSION));
	json_object_object_add(top, "probed_at", probe_json_text(stamp));
	for (guint i = 0; i < results->len; i++) {
		const ProbeDomain *r = g_ptr_array_index(results, i);
		json_object *o = json_object_new_object();
		json_object *findings = json_object_new_array();

		json_object_object_add(o, "domain", probe_json_text(r->domain));
		json_object_object_add(o, "verdict",
		    probe_json_text(finding_verdict_name(r->verdict)));
		for (guint k = 0; k < r->findings->len; k++) {
			const Finding *f = g_ptr_array_index(r->findings, k);
			json_object *row = json_object_new_object();

			json_object_object_add(row, "check", probe_json_text(f->check));
			json_object_object_add(row, "verdict",
			    probe_json_text(finding_verdict_name(f->verdict)));
			json_object_object_add(row, "host", probe_json_text(f->host));
			json_object_object_add(row, "address",
			    probe_json_text(f->address));
			json_object_object_add(row, "detail", probe_json_text(f->detail));
			json_object_object_add(row, "fix", probe_json_text(f->fix));
			json_object_array_add(findings, row);
		}
		json_object_object_add(o, "findings", findings);
		json_object_array_add(domains, o);
	}
	json_object_object_add(top, "domains", domains);
	document = text_safe(json_object_to_json_string_ext(top,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
	    | JSON_C_TO_STRING_NOSLASHESCAPE), -1, TEXT_JSON, 0);
	json_object_put(top);
	return document;
}
