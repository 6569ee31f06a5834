/* explain.c - what each RFC 8460 result type means, in plain English
 *
 * The texts speak to whoever runs the domain's mail, not to a TLS expert:
 * "your mail server" is the MX host the reporter tried to deliver to, and
 * every cause comes with what to do about it.  The order is the registry's
 * (RFC 8460 section 4.3): negotiation failures, then DANE, then MTA-STS.
 */
#include "config.h"

#include <string.h>

#include "explain.h"

static const Explanation explain_table[] = {
	{ "starttls-not-supported",
	  "your mail server did not offer encryption (STARTTLS) to the sender",
	  "is STARTTLS enabled on every MX host, and does no firewall or "
	  "filter strip it",
	  "The sending server connected to your mail server but could not "
	  "switch the connection to encryption: your server did not announce "
	  "STARTTLS, or refused it when asked.  The mail was then sent in the "
	  "clear or, under an enforced MTA-STS or DANE policy, not at all.\n"
	  "Likely causes: TLS is not configured on one of your MX hosts (often "
	  "a backup MX nobody looks at); the TLS certificate or key file cannot "
	  "be read, so the server quietly turns STARTTLS off; a firewall, "
	  "\"SMTP inspection\" appliance or anti-spam gateway in front of the "
	  "server removes STARTTLS from its answer.\n"
	  "Fix: connect to each MX host yourself (openssl s_client -starttls "
	  "smtp -connect mx.example.org:25) and check that STARTTLS is offered "
	  "and works; fix the server's TLS settings or the device in front of "
	  "it." },
	{ "certificate-host-mismatch",
	  "the certificate of your mail server does not carry the server's name",
	  "do the names in each MX host's certificate match its MX name and the "
	  "mx: lines of your MTA-STS policy",
	  "Your mail server presented a certificate, but none of the names in it "
	  "matches the host name the sender connected to (the name in your MX "
	  "record), or the name is not allowed by the mx: lines of your MTA-STS "
	  "policy.\n"
	  "Likely causes: the server presents a default or self-made "
	  "certificate (for example one issued for the machine's internal name); "
	  "a new MX host was added to DNS without a certificate for its name; "
	  "the MTA-STS policy lists other names than the MX records.\n"
	  "Fix: obtain a certificate that includes every name used in your MX "
	  "records (Let's Encrypt and other CAs can add several names), install "
	  "it on every MX host, and keep the mx: lines of your MTA-STS policy in "
	  "step with your MX records." },
	{ "certificate-expired",
	  "the certificate of your mail server has expired",
	  "the expiry date of each MX host's certificate, and whether automatic "
	  "renewal also reloads the mail server",
	  "Your mail server presented a certificate whose validity period has "
	  "ended, so the sender could not trust the connection.\n"
	  "Likely causes: automatic renewal stopped working; or it works, but "
	  "the mail server was never restarted or reloaded and still uses the old "
	  "certificate; or one MX host (a backup, a second site) was left out of "
	  "the renewal.\n"
	  "Fix: renew the certificate, install it on every MX host and reload "
	  "the mail server; then make the renewal job reload the mail server "
	  "too, and monitor the expiry date." },
	{ "certificate-not-trusted",
	  "the sender does not trust the certificate of your mail server",
	  "is the certificate from a public CA, and does the server send the "
	  "full chain of intermediate certificates",
	  "Your mail server presented a certificate the sender could not trace "
	  "back to a certificate authority it trusts.  Reporters usually add a "
	  "reason code saying more.\n"
	  "Likely causes: a self-signed certificate or one from a private CA; "
	  "the server sends only its own certificate and not the intermediate "
	  "certificates that link it to the CA (the most common mistake: "
	  "browsers hide it, mail servers do not); a certificate from a CA that "
	  "has since been distrusted.\n"
	  "Fix: use a certificate from a publicly trusted CA and configure the "
	  "mail server with the full chain file (for Let's Encrypt, "
	  "fullchain.pem, not cert.pem)." },
	{ "validation-failure",
	  "the sender could not validate the connection, for a reason the RFC "
	  "has no name for",
	  "the reason code the reporter gave, and the TLS versions and ciphers "
	  "your MX hosts accept",
	  "Validation failed for a reason none of the other result types "
	  "covers; the reporter's failure reason code, when it sends one, says "
	  "which (summary and psql show it).\n"
	  "Likely causes: the TLS handshake failed (the server accepts only "
	  "protocol versions or ciphers the sender refuses, or the reverse); "
	  "an unusual certificate problem such as a bad chain length or a "
	  "missing extension; a middlebox breaking the handshake.\n"
	  "Fix: read the reason code, then test your MX hosts with an SMTP TLS "
	  "checker; allow TLS 1.2 and 1.3 with current ciphers." },
	{ "tlsa-invalid",
	  "none of your DANE TLSA records matches the certificate of your mail "
	  "server",
	  "do the TLSA records of each MX host match its current certificate or "
	  "key",
	  "You publish DANE (TLSA records, secured by DNSSEC) for your MX hosts, "
	  "and the certificate the server presented matches none of them.  "
	  "Senders that use DANE refuse to deliver.\n"
	  "Likely causes: the certificate or its key was replaced (a renewal that "
	  "generated a new key) without updating the TLSA records first; TLSA "
	  "records pin an intermediate CA that changed; a typing mistake in a "
	  "record.\n"
	  "Fix: publish the TLSA record of the new key next to the old one, wait "
	  "for the DNS TTL, then switch the certificate; a \"3 1 1\" record with "
	  "a key reused across renewals avoids most of this." },
	{ "dnssec-invalid",
	  "the sender could not get DNSSEC-valid answers for your DANE records",
	  "does DNSSEC validate for your domain and your MX hosts' TLSA names "
	  "(a DNSSEC analyser shows it)",
	  "The sender looked up your DANE TLSA records and its resolver "
	  "returned no valid answer: DNSSEC validation failed, or the servers "
	  "answered with an error.\n"
	  "Likely causes: expired DNSSEC signatures (signing stopped); a key "
	  "rollover that went wrong, such as a DS record at the parent zone that "
	  "no longer matches; name servers that fail for TLSA queries.\n"
	  "Fix: check the zone with a DNSSEC analyser, re-sign it or fix the DS "
	  "record at your registrar, and make sure every name server answers "
	  "TLSA queries." },
	{ "dane-required",
	  "the sender requires DANE for your domain but found no valid TLSA "
	  "records",
	  "do all your MX hosts publish DNSSEC-signed TLSA records",
	  "The sender is configured to demand DANE for your domain (usually by "
	  "its own operator's choice), but your MX hosts publish no "
	  "DNSSEC-validated TLSA records, so it did not deliver.\n"
	  "Likely causes: TLSA records missing for one MX host; the zone of an "
	  "MX host is not signed with DNSSEC; DANE was removed while a partner "
	  "still requires it.\n"
	  "Fix: publish TLSA records for every MX host in a DNSSEC-signed zone, "
	  "or ask the sender to stop requiring DANE." },
	{ "sts-policy-fetch-error",
	  "the sender could not download your MTA-STS policy",
	  "does https://mta-sts.<your domain>/.well-known/mta-sts.txt load, with "
	  "a valid certificate and as text/plain",
	  "Your domain announces MTA-STS (a TXT record at _mta-sts) but the "
	  "sender could not fetch the policy file from "
	  "https://mta-sts.<your domain>/.well-known/mta-sts.txt.\n"
	  "Likely causes: no DNS record for the mta-sts host, or it points to a "
	  "server that is down; the web server answers with an error or a "
	  "redirect (redirects are not allowed); a timeout or firewall.\n"
	  "Fix: open the URL yourself from outside your network and make it "
	  "answer 200 with the policy, without redirects; if you no longer use "
	  "MTA-STS, remove the _mta-sts TXT record." },
	{ "sts-policy-invalid",
	  "your MTA-STS policy file could not be understood",
	  "the syntax of your mta-sts.txt: version, mode, mx and max_age lines",
	  "The sender downloaded your MTA-STS policy but it is not valid, so "
	  "the policy was ignored.\n"
	  "Likely causes: a missing or misspelt line (version: STSv1, mode:, "
	  "mx:, max_age:); a mode other than enforce, testing or none; an HTML "
	  "page or a wrong Content-Type (it must be text/plain) served instead "
	  "of the file.\n"
	  "Fix: serve a plain text file with exactly those lines, one mx: line "
	  "per MX host (wildcards such as *.example.org allowed), then change "
	  "the id= in the _mta-sts TXT record so that senders fetch it again." },
	{ "sts-webpki-invalid",
	  "the certificate of your MTA-STS web server is not valid",
	  "the certificate of the mta-sts.<your domain> web server: name, "
	  "expiry, chain",
	  "The sender tried to fetch your MTA-STS policy over HTTPS, but the "
	  "certificate of the mta-sts.<your domain> web server failed "
	  "validation, so the policy could not be trusted.\n"
	  "Likely causes: the certificate does not include the name "
	  "mta-sts.<your domain> (a shared web host's certificate); it expired; "
	  "the intermediate certificates are missing.\n"
	  "Fix: install a publicly trusted certificate for mta-sts.<your domain> "
	  "with its full chain, and renew it automatically." },
};

/* explain_lookup - the explanation of a result type */
const Explanation *
explain_lookup(const char *result_type)
{
	if (result_type == NULL)
		return NULL;
	for (unsigned i = 0; i < G_N_ELEMENTS(explain_table); i++)
		if (g_ascii_strcasecmp(explain_table[i].result_type, result_type) == 0)
			return &explain_table[i];
	return NULL;
}

/* explain_nth - the n-th explanation in registry order */
const Explanation *
explain_nth(unsigned n)
{
	return n < G_N_ELEMENTS(explain_table) ? &explain_table[n] : NULL;
}

/* explain_diagnosis - the one-line diagnosis of any result type */
const char *
explain_diagnosis(const char *result_type)
{
	const Explanation *e = explain_lookup(result_type);

	if (e != NULL)
		return e->diagnosis;
	if (result_type == NULL)
		return "the reporter gave no result type";
	return "not a result type of RFC 8460: the reporter's own name for a failure";
}

/* explain_check - the one-line "what to check" of any result type */
const char *
explain_check(const char *result_type)
{
	const Explanation *e = explain_lookup(result_type);

	return e != NULL ? e->check
	    : "the reporter's failure reason code and its documentation";
}

/* explain_wrap - write one paragraph wrapped at 72 columns */
void
explain_wrap(FILE *out, const char *first, const char *indent,
    const char *text, size_t len)
{
	g_autofree char *copy = g_strndup(text, len);
	g_auto(GStrv) words = g_strsplit(copy, " ", -1);
	size_t column = 0;

	for (char **w = words; *w != NULL; w++) {
		size_t width = g_utf8_strlen(*w, -1);

		if (**w == '\0')
			continue;
		if (column > 0 && column + 1 + width <= 72) {
			fprintf(out, " %s", *w);
			column += 1 + width;
			continue;
		}
		fprintf(out, "%s%s%s", column > 0 ? "\n" : "",
		    column > 0 ? indent : first, *w);
		column = strlen(column > 0 ? indent : first) + width;
	}
	fputc('\n', out);
}

/* explain_print - write the full text of one explanation */
void
explain_print(FILE *out, const Explanation *explanation)
{
	g_autofree char *title = g_strdup_printf("%s: %s.",
	    explanation->result_type, explanation->diagnosis);
	g_autofree char *check = g_strdup_printf("What to check first: %s.",
	    explanation->check);
	const char *p = explanation->details;

	explain_wrap(out, "", "    ", title, strlen(title));
	while (*p != '\0') {
		size_t len = strcspn(p, "\n");

		fputc('\n', out);
		explain_wrap(out, "    ", "    ", p, len);
		p += len;
		if (*p == '\n')
			p++;
	}
	fputc('\n', out);
	explain_wrap(out, "    ", "    ", check, strlen(check));
}
