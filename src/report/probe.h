/* probe.h - a domain's mail path checked from the outside, now
 *
 * What "tlsrpt-report probe" finds, as a sending MTA would: the MX
 * records and their addresses, the _smtp._tls and _mta-sts records (as
 * record judges them), the MTA-STS policy fetched over HTTPS, and at each
 * MX host STARTTLS, the handshake, the certificate (chain, name, expiry)
 * and the TLSA records that should match it; then, against what the
 * reports said, whether each ongoing failure is still there.  One
 * Finding per thing checked, each with its fix.
 *
 * The I/O (common/dns.c, smtp.c, tls.c, mtasts.c) gathers facts; the
 * verdicts are drawn from them here.  An MX host shared by many domains is
 * probed once per run.
 */
#ifndef TLSRPT_PROBE_H
#define TLSRPT_PROBE_H

#include <glib.h>

#include "common/dns.h"
#include "finding.h"
#include "tls.h"

/* The checks, as Finding's check names them (and JSON's "check"). */
#define PROBE_CHECK_MX		"mx"		/* the MX records */
#define PROBE_CHECK_DNSSEC	"dnssec"	/* whether answers were validated */
#define PROBE_CHECK_ADDRESS	"address"	/* an MX host's A/AAAA records */
#define PROBE_CHECK_CONNECT	"connect"	/* TCP and the 220 greeting */
#define PROBE_CHECK_STARTTLS	"starttls"	/* offered, and accepted */
#define PROBE_CHECK_TLS		"tls"		/* the handshake: protocol, cipher */
#define PROBE_CHECK_CHAIN	"certificate"	/* leads to a trusted CA */
#define PROBE_CHECK_NAME	"name"		/* is for the host's name */
#define PROBE_CHECK_EXPIRY	"expiry"	/* days until it expires */
#define PROBE_CHECK_DANE	"dane"		/* a TLSA record matches */
#define PROBE_CHECK_STS_POLICY	"sts-policy"	/* the policy fetched and read */
#define PROBE_CHECK_STS_HTTPS	"sts-https"	/* the policy server's certificate */
#define PROBE_CHECK_STS_MX	"sts-mx"	/* every MX matches an mx pattern */
#define PROBE_CHECK_REPORT	"report"	/* a reported failure, now */

typedef struct probe_options {
	guint		 smtp_port;	/* 25 */
	guint		 https_port;	/* 443 */
	guint		 timeout;	/* seconds for each host, each fetch
					 * and each DNS question */
	guint		 cert_days;	/* warn when a certificate expires within */
	gboolean	 mx_only;	/* only the MX hosts: no records, no policy */
} ProbeOptions;

typedef struct probe Probe;
typedef struct probe_host ProbeHost;

/* What one domain's probe found. */
typedef struct probe_domain {
	char		*domain;
	GPtrArray	*findings;	/* Finding, in the order checked */
	Verdict		 verdict;	/* the worst of them */
	GPtrArray	*hosts;		/* ProbeHost, borrowed from the Probe */
	struct probe_policy *policy;	/* the MTA-STS policy, or NULL */
	gint64		 now;		/* Unix time of the probe */
	guint		 cert_days;
} ProbeDomain;

/* One failure the reports say is ongoing, for probe_incidents. */
typedef struct probe_incident {
	char		*result_type;	/* an RFC 8460 result type */
	char		*mx_host;	/* NULL when the reports name none */
	char		*first_day;	/* YYYY-MM-DD */
	char		*last_day;
	gint64		 failed;	/* failed sessions reported */
} ProbeIncident;

/* probe_incident_new - an incident, the strings copied; owned */
ProbeIncident *probe_incident_new(const char *result_type,
    const char *mx_host, const char *first_day, const char *last_day,
    gint64 failed);
void probe_incident_free(ProbeIncident *incident);

/* probe_new - a probe asking dns and trusting trust (both borrowed, to
 * outlive it) as options say; owned */
Probe *probe_new(const ProbeOptions *options, Dns *dns, TlsTrust *trust);
void probe_free(Probe *probe);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Probe, probe_free)

/* probe_domain - probe domain (lower case, as record_domain gives it);
 * owned, to be freed before probe
 *
 * Errors: ERROR_TEMPORARY when the DNS does not answer for the domain's
 * MX or TXT records: no verdict is possible.  Everything else is a
 * finding.
 */
ProbeDomain *probe_domain(Probe *probe, const char *domain, GError **error);
void probe_domain_free(ProbeDomain *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProbeDomain, probe_domain_free)

/* probe_incidents - for each ongoing incident of the reports (an array of
 * ProbeIncident), a finding saying whether the probe confirms it or finds
 * it fixed; probe is the one result came from */
void probe_incidents(const Probe *probe, ProbeDomain *result,
    const GPtrArray *incidents);

/* Called for each certificate an MX host showed: its host, address and
 * end of validity (Unix time). */
typedef void (*ProbeExpiryFunc)(const char *host, const char *address,
    gint64 not_after, gpointer data);

/* probe_expiries - each MX host's certificate the probe saw, to fn: the
 * earliest end of those its addresses showed */
void probe_expiries(const ProbeDomain *result, ProbeExpiryFunc fn,
    gpointer data);

/* probe_text - the findings, one a line as record prints them; owned */
char *probe_text(const ProbeDomain *result);

/* probe_json - the domains' findings as one JSON document: {"version",
 * "probed_at", "domains": [{"domain", "verdict", "findings": [{"check",
 * "verdict", "host", "address", "detail", "fix"}]}]}; owned */
char *probe_json(GPtrArray *results);

#endif
