/* dns.c - asking a DNS server for TXT records
 *
 * res_nsend rather than res_nquery: it hands back the answer whatever its
 * response code, so that NXDOMAIN (no such name: no records) and SERVFAIL
 * (no verdict possible) can be told apart.  A TXT record made of
 * several character-strings is joined with nothing between them (RFC
 * 8460 section 3, as RFC 7208 does for SPF).
 */
#include "config.h"

#include <string.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <resolv.h>

#include "dns.h"
#include "common/error.h"

struct dns {
	struct __res_state	state;
};

/* dns_new - a resolver asking as options say */
Dns *
dns_new(const DnsOptions *options, GError **error)
{
	g_autofree Dns *dns = g_new0(Dns, 1);
	res_state st = &dns->state;
	in_port_t port = htons(options->port ? options->port : NS_DEFAULTPORT);
	struct in_addr address;

	if (res_ninit(st) != 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_CONFIG,
		    "cannot set up the DNS resolver (see /etc/resolv.conf)");
		return NULL;
	}
	if (options->nameserver != NULL) {
		if (inet_pton(AF_INET, options->nameserver, &address) != 1) {
			g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
			    "--nameserver '%s' is not an IPv4 address",
			    options->nameserver);
			res_nclose(st);
			return NULL;
		}
		/* A family set here wins over resolv.conf's IPv6 servers. */
		memset(&st->nsaddr_list[0], 0, sizeof(st->nsaddr_list[0]));
		st->nsaddr_list[0].sin_family = AF_INET;
		st->nsaddr_list[0].sin_addr = address;
		st->nscount = 1;
	}
	for (int i = 0; i < st->nscount; i++)
		if (st->nsaddr_list[i].sin_family == AF_INET)
			st->nsaddr_list[i].sin_port = port;
	if (options->timeout > 0) {
		st->retrans = (int)options->timeout;
		st->retry = 2;
	}
	return g_steal_pointer(&dns);
}

/* dns_free - NULL-safe */
void
dns_free(Dns *dns)
{
	if (dns == NULL)
		return;
	res_nclose(&dns->state);
	g_free(dns);
}

/* dns_txt_text - the character-strings of one TXT RDATA, joined; owned */
static char *
dns_txt_text(const unsigned char *rdata, size_t len)
{
	GString *text = g_string_sized_new(len);
	size_t i = 0;

	while (i < len) {
		size_t n = rdata[i++];

		n = MIN(n, len - i);
		g_string_append_len(text, (const char *)rdata + i, (gssize)n);
		i += n;
	}
	return g_string_free(text, FALSE);
}

/* dns_txt - the TXT records of name, each one's strings joined */
GPtrArray *
dns_txt(Dns *dns, const char *name, GError **error)
{
	unsigned char query[NS_PACKETSZ];
	g_autofree unsigned char *answer = g_malloc(NS_MAXMSG);
	g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func(g_free);
	int query_len, answer_len, rcode;
	ns_msg msg;

	query_len = res_nmkquery(&dns->state, ns_o_query, name, ns_c_in, ns_t_txt,
	    NULL, 0, NULL, query, sizeof(query));
	if (query_len < 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "'%s' is not a domain name", name);
		return NULL;
	}
	answer_len = res_nsend(&dns->state, query, query_len, answer, NS_MAXMSG);
	if (answer_len < 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "no answer from the DNS server for %s TXT", name);
		return NULL;
	}
	if (ns_initparse(answer, answer_len, &msg) != 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "a malformed DNS answer for %s TXT", name);
		return NULL;
	}
	rcode = ns_msg_getflag(msg, ns_f_rcode);
	if (rcode == ns_r_nxdomain)
		return g_steal_pointer(&records);
	if (rcode != ns_r_noerror) {
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "the DNS server failed for %s TXT (response code %d)", name, rcode);
		return NULL;
	}
	for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		ns_rr rr;

		if (ns_parserr(&msg, ns_s_an, i, &rr) != 0) {
			g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
			    "a malformed DNS answer for %s TXT", name);
			return NULL;
		}
		/* Following a CNAME, the server adds its target's records. */
		if (ns_rr_type(rr) == ns_t_txt && ns_rr_class(rr) == ns_c_in)
			g_ptr_array_add(records, dns_txt_text(ns_rr_rdata(rr),
			    ns_rr_rdlen(rr)));
	}
	return g_steal_pointer(&records);
}
