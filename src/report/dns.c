/* dns.c - asking a DNS server for TXT, MX, A, AAAA and TLSA records
 *
 * res_nsend rather than res_nquery: it hands back the answer whatever its
 * response code, so that NXDOMAIN (no such name: no records) and SERVFAIL
 * (no verdict possible) can be told apart.  A TXT record made of
 * several character-strings is joined with nothing between them (RFC
 * 8460 section 3, as RFC 7208 does for SPF).  RES_TRUSTAD asks for the AD
 * bit and keeps it in answers: glibc clears it otherwise, since it is
 * worth only what the server asked is worth.
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
	char			server[64];	/* for messages */
};

/* Turns one resource record of the asked type into an element of the
 * array; FALSE for a malformed one. */
typedef gboolean (*DnsAdd)(GPtrArray *records, const ns_msg *msg,
    const ns_rr *rr);

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
	st->options |= RES_TRUSTAD;
	if (st->nscount > 0 && st->nsaddr_list[0].sin_family == AF_INET)
		inet_ntop(AF_INET, &st->nsaddr_list[0].sin_addr, dns->server,
		    sizeof(dns->server));
	else
		g_strlcpy(dns->server, "the resolver of /etc/resolv.conf",
		    sizeof(dns->server));
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

/* dns_server - the address of the server asked first */
const char *
dns_server(const Dns *dns)
{
	return dns->server;
}

/* dns_type_name - the name of a record type, for messages */
static const char *
dns_type_name(ns_type type)
{
	switch (type) {
	case ns_t_txt:	return "TXT";
	case ns_t_mx:	return "MX";
	case ns_t_a:	return "A";
	case ns_t_aaaa:	return "AAAA";
	case ns_t_tlsa:	return "TLSA";
	default:	return "?";
	}
}

/* dns_ask - ask for the records of one type at name, each added to
 * records by add; FALSE and an error when there is no usable answer */
static gboolean
dns_ask(Dns *dns, const char *name, ns_type type, DnsAdd add,
    GPtrArray *records, gboolean *authenticated, GError **error)
{
	unsigned char query[NS_PACKETSZ];
	g_autofree unsigned char *answer = g_malloc(NS_MAXMSG);
	const char *type_name = dns_type_name(type);
	int query_len, answer_len, rcode;
	ns_msg msg;

	query_len = res_nmkquery(&dns->state, ns_o_query, name, ns_c_in, type,
	    NULL, 0, NULL, query, sizeof(query));
	if (query_len < 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "'%s' is not a domain name", name);
		return FALSE;
	}
	answer_len = res_nsend(&dns->state, query, query_len, answer, NS_MAXMSG);
	if (answer_len < 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "no answer from the DNS server for %s %s", name, type_name);
		return FALSE;
	}
	if (ns_initparse(answer, answer_len, &msg) != 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "a malformed DNS answer for %s %s", name, type_name);
		return FALSE;
	}
	if (authenticated != NULL && !ns_msg_getflag(msg, ns_f_ad))
		*authenticated = FALSE;
	rcode = ns_msg_getflag(msg, ns_f_rcode);
	if (rcode == ns_r_nxdomain)
		return TRUE;
	if (rcode != ns_r_noerror) {
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "the DNS server failed for %s %s (response code %d)", name,
		    type_name, rcode);
		return FALSE;
	}
	for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		ns_rr rr;

		/* Following a CNAME, the server adds its target's records. */
		if (ns_parserr(&msg, ns_s_an, i, &rr) == 0
		    && (ns_rr_type(rr) != type || ns_rr_class(rr) != ns_c_in
		    || add(records, &msg, &rr)))
			continue;
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "a malformed DNS answer for %s %s", name, type_name);
		return FALSE;
	}
	return TRUE;
}

/* dns_lookup - the records of one type at name, as add makes them and
 * free_func frees them; owned, or NULL and an error */
static GPtrArray *
dns_lookup(Dns *dns, const char *name, ns_type type, DnsAdd add,
    GDestroyNotify free_func, gboolean *authenticated, GError **error)
{
	g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func(free_func);

	if (authenticated != NULL)
		*authenticated = TRUE;
	if (!dns_ask(dns, name, type, add, records, authenticated, error))
		return NULL;
	return g_steal_pointer(&records);
}

/* dns_add_txt - the character-strings of one TXT RDATA, joined */
static gboolean
dns_add_txt(GPtrArray *records, const ns_msg *msg, const ns_rr *rr)
{
	const unsigned char *rdata = ns_rr_rdata(*rr);
	size_t len = ns_rr_rdlen(*rr);
	GString *text = g_string_sized_new(len);
	size_t i = 0;

	while (i < len) {
		size_t n = rdata[i++];

		n = MIN(n, len - i);
		g_string_append_len(text, (const char *)rdata + i, (gssize)n);
		i += n;
	}
	g_ptr_array_add(records, g_string_free(text, FALSE));
	return TRUE;
}

/* dns_txt - the TXT records of name, each one's strings joined */
GPtrArray *
dns_txt(Dns *dns, const char *name, GError **error)
{
	return dns_lookup(dns, name, ns_t_txt, dns_add_txt, g_free, NULL, error);
}

/* dns_mx_free - one DnsMx */
static void
dns_mx_free(DnsMx *mx)
{
	g_free(mx->host);
	g_free(mx);
}

/* dns_add_mx - the preference and the host of one MX RDATA */
static gboolean
dns_add_mx(GPtrArray *records, const ns_msg *msg, const ns_rr *rr)
{
	const unsigned char *rdata = ns_rr_rdata(*rr);
	char host[NS_MAXDNAME];
	DnsMx *mx;

	if (ns_rr_rdlen(*rr) < 3 || ns_name_uncompress(ns_msg_base(*msg),
	    ns_msg_end(*msg), rdata + 2, host, sizeof(host)) < 0)
		return FALSE;
	mx = g_new0(DnsMx, 1);
	mx->preference = ns_get16(rdata);
	/* The root, ".", is the null MX; names come without their final dot. */
	mx->host = g_ascii_strdown(strcmp(host, ".") == 0 ? "" : host, -1);
	g_ptr_array_add(records, mx);
	return TRUE;
}

/* dns_mx_compare - by preference, then by name, for a stable order */
static gint
dns_mx_compare(gconstpointer a, gconstpointer b)
{
	const DnsMx *x = *(const DnsMx *const *)a;
	const DnsMx *y = *(const DnsMx *const *)b;

	if (x->preference != y->preference)
		return x->preference < y->preference ? -1 : 1;
	return strcmp(x->host, y->host);
}

/* dns_mx - the MX records of name, by preference */
GPtrArray *
dns_mx(Dns *dns, const char *name, gboolean *authenticated, GError **error)
{
	GPtrArray *records = dns_lookup(dns, name, ns_t_mx, dns_add_mx,
	    (GDestroyNotify)dns_mx_free, authenticated, error);

	if (records != NULL)
		g_ptr_array_sort(records, dns_mx_compare);
	return records;
}

/* dns_add_address - one A or AAAA RDATA as text */
static gboolean
dns_add_address(GPtrArray *records, const ns_msg *msg, const ns_rr *rr)
{
	char text[INET6_ADDRSTRLEN];
	int family = ns_rr_type(*rr) == ns_t_a ? AF_INET : AF_INET6;
	size_t len = family == AF_INET ? 4 : 16;

	if (ns_rr_rdlen(*rr) != len
	    || inet_ntop(family, ns_rr_rdata(*rr), text, sizeof(text)) == NULL)
		return FALSE;
	g_ptr_array_add(records, g_strdup(text));
	return TRUE;
}

/* dns_addresses - the IPv4, then the IPv6 addresses of name */
GPtrArray *
dns_addresses(Dns *dns, const char *name, gboolean *authenticated,
    GError **error)
{
	gboolean aaaa_authenticated = TRUE;
	g_autoptr(GPtrArray) records = dns_lookup(dns, name, ns_t_a,
	    dns_add_address, g_free, authenticated, error);

	if (records == NULL || !dns_ask(dns, name, ns_t_aaaa, dns_add_address,
	    records, &aaaa_authenticated, error))
		return NULL;
	if (authenticated != NULL)
		*authenticated = *authenticated && aaaa_authenticated;
	return g_steal_pointer(&records);
}

/* dns_tlsa_free - one DnsTlsa */
static void
dns_tlsa_free(DnsTlsa *tlsa)
{
	g_bytes_unref(tlsa->data);
	g_free(tlsa);
}

/* dns_add_tlsa - the usage, selector, matching type and data of one TLSA */
static gboolean
dns_add_tlsa(GPtrArray *records, const ns_msg *msg, const ns_rr *rr)
{
	const unsigned char *rdata = ns_rr_rdata(*rr);
	size_t len = ns_rr_rdlen(*rr);
	DnsTlsa *tlsa;

	if (len < 4)
		return FALSE;
	tlsa = g_new0(DnsTlsa, 1);
	tlsa->usage = rdata[0];
	tlsa->selector = rdata[1];
	tlsa->matching = rdata[2];
	tlsa->data = g_bytes_new(rdata + 3, len - 3);
	g_ptr_array_add(records, tlsa);
	return TRUE;
}

/* dns_tlsa - the TLSA records of name */
GPtrArray *
dns_tlsa(Dns *dns, const char *name, gboolean *authenticated, GError **error)
{
	return dns_lookup(dns, name, ns_t_tlsa, dns_add_tlsa,
	    (GDestroyNotify)dns_tlsa_free, authenticated, error);
}
