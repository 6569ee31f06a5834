/* dns.c - asking DNS servers for TXT, MX, A, AAAA and TLSA records,
 * within a deadline
 *
 * One lookup is a little state machine over non-blocking sockets: send
 * the query over UDP to a server, wait up to a second for an answer
 * from any server asked so far, ask the next one (or the same again),
 * until an answer comes or the deadline passes.  A server that answers
 * "connection refused" (nothing listens) or with an error (SERVFAIL,
 * REFUSED) is asked no more, and when all are, the lookup fails at once
 * rather than at the deadline.  An answer too big for UDP (TC) is asked
 * again over TCP, still within the deadline.  An answer counts only if
 * it is to our question: its ID and question section match the query's.
 *
 * A TXT record made of several character-strings is joined with nothing
 * between them: RFC 6376 section 3.6.2.2 says so for DKIM keys, and RFC
 * 8460 section 3 reads TLS-RPT records as RFC 7208 reads SPF's.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <resolv.h>

#include "common/dns.h"
#include "common/error.h"

/* Silence from the servers asked so far before asking again. */
#define DNS_RETRY_USEC		G_USEC_PER_SEC

typedef struct dns_server {
	struct sockaddr_storage	 addr;
	socklen_t		 len;
	char			 host[INET6_ADDRSTRLEN];	/* "192.0.2.1" */
	char			 name[INET6_ADDRSTRLEN + 8];	/* "192.0.2.1#53" */
} DnsServer;

struct dns {
	DnsServer	 servers[MAXNS];
	guint		 n;
};

/* One lookup's sockets, a UDP one per server, opened on first use. */
typedef struct dns_lookup {
	const Dns	*dns;
	int		 fds[MAXNS];		/* -1: not opened */
	gboolean	 done[MAXNS];		/* refused, or answered in error */
	GString		*failure;		/* why the last done server is */
	guint		 answered;		/* the server whose answer came */
} DnsLookup;

/* Turns one resource record of the asked type into an element of the
 * array; FALSE for a malformed one. */
typedef gboolean (*DnsAdd)(GPtrArray *records, const ns_msg *msg,
    const ns_rr *rr);

/* dns_server_set - server i at sa (a sockaddr_in or sockaddr_in6) */
static void
dns_server_set(Dns *dns, const struct sockaddr *sa, socklen_t len, guint port)
{
	DnsServer *s = &dns->servers[dns->n++];
	in_port_t *p;
	const void *a;

	memcpy(&s->addr, sa, len);
	s->len = len;
	if (sa->sa_family == AF_INET6) {
		p = &((struct sockaddr_in6 *)&s->addr)->sin6_port;
		a = &((struct sockaddr_in6 *)&s->addr)->sin6_addr;
	} else {
		p = &((struct sockaddr_in *)&s->addr)->sin_port;
		a = &((struct sockaddr_in *)&s->addr)->sin_addr;
	}
	if (port != 0)
		*p = htons((in_port_t)port);
	inet_ntop(sa->sa_family, a, s->host, sizeof(s->host));
	g_snprintf(s->name, sizeof(s->name), "%s#%u", s->host, ntohs(*p));
}

/* dns_from_resolv_conf - the servers /etc/resolv.conf names */
static gboolean
dns_from_resolv_conf(Dns *dns, guint port, GError **error)
{
	struct __res_state st;

	memset(&st, 0, sizeof(st));
	if (res_ninit(&st) != 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_CONFIG,
		    "cannot set up the DNS resolver (see /etc/resolv.conf)");
		return FALSE;
	}
	for (int i = 0; i < st.nscount && i < MAXNS; i++) {
		if (st.nsaddr_list[i].sin_family == AF_INET)
			dns_server_set(dns, (struct sockaddr *)&st.nsaddr_list[i],
			    sizeof(struct sockaddr_in), port);
#ifdef __GLIBC__
		/* glibc keeps IPv6 servers aside. */
		else if (st._u._ext.nsaddrs[i] != NULL)
			dns_server_set(dns, (struct sockaddr *)st._u._ext.nsaddrs[i],
			    sizeof(struct sockaddr_in6), port);
#endif
	}
	res_nclose(&st);
	if (dns->n == 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_CONFIG,
		    "/etc/resolv.conf names no DNS server: give one with --nameserver");
		return FALSE;
	}
	return TRUE;
}

/* dns_new - a resolver asking as options say */
Dns *
dns_new(const DnsOptions *options, GError **error)
{
	g_autoptr(Dns) dns = g_new0(Dns, 1);
	struct sockaddr_in v4 = { .sin_family = AF_INET, .sin_port = htons(NS_DEFAULTPORT) };
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6, .sin6_port = htons(NS_DEFAULTPORT) };

	if (options->nameserver == NULL) {
		if (!dns_from_resolv_conf(dns, options->port, error))
			return NULL;
	} else if (inet_pton(AF_INET, options->nameserver, &v4.sin_addr) == 1) {
		dns_server_set(dns, (struct sockaddr *)&v4, sizeof(v4), options->port);
	} else if (inet_pton(AF_INET6, options->nameserver, &v6.sin6_addr) == 1) {
		dns_server_set(dns, (struct sockaddr *)&v6, sizeof(v6), options->port);
	} else {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--nameserver '%s' is not an IPv4 or IPv6 address",
		    options->nameserver);
		return NULL;
	}
	return g_steal_pointer(&dns);
}

/* dns_free - NULL-safe */
void
dns_free(Dns *dns)
{
	g_free(dns);
}

/* dns_server - the address of the server asked first */
const char *
dns_server(const Dns *dns)
{
	return dns->servers[0].host;
}

/* dns_type_name - the name of a record type, for messages; static */
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

/* dns_rcode_name - the name of an error response code, for messages:
 * a static string, or buf */
static const char *
dns_rcode_name(int rcode, char buf[32])
{
	switch (rcode) {
	case ns_r_formerr:	return "FORMERR";
	case ns_r_servfail:	return "SERVFAIL";
	case ns_r_notimpl:	return "NOTIMP";
	case ns_r_refused:	return "REFUSED";
	default:
		g_snprintf(buf, 32, "response code %d", rcode);
		return buf;
	}
}

/* dns_wait - wait until fd is ready for events or deadline passes;
 * FALSE with errno ETIMEDOUT on the deadline */
static gboolean
dns_wait(int fd, short events, gint64 deadline)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		gint64	left = deadline - g_get_monotonic_time();
		int	n;

		if (left <= 0) {
			errno = ETIMEDOUT;
			return FALSE;
		}
		n = poll(&p, 1, (int)((left + 999) / 1000));
		if (n > 0)
			return TRUE;
		if (n < 0 && errno != EINTR)
			return FALSE;
	}
}

/* dns_io - write (or read) all len bytes of buf on fd before deadline */
static gboolean
dns_io(int fd, gboolean writing, unsigned char *buf, size_t len, gint64 deadline)
{
	size_t	done = 0;

	while (done < len) {
		ssize_t n = writing ? send(fd, buf + done, len - done, MSG_NOSIGNAL)
		    : recv(fd, buf + done, len - done, 0);

		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == 0) {
			errno = ECONNRESET;
			return FALSE;
		}
		if (errno != EAGAIN && errno != EINTR)
			return FALSE;
		if (!dns_wait(fd, writing ? POLLOUT : POLLIN, deadline))
			return FALSE;
	}
	return TRUE;
}

/* dns_from_us - whether answer (len bytes) is a reply with query's ID */
static gboolean
dns_from_us(const unsigned char *query, const unsigned char *answer, int len)
{
	const HEADER *q = (const HEADER *)(const void *)query;
	const HEADER *a = (const HEADER *)(const void *)answer;

	return len >= HFIXEDSZ && a->id == q->id && a->qr;
}

/* dns_matches - whether answer (len bytes) answers query: its ID, and
 * the one question asked */
static gboolean
dns_matches(const unsigned char *query, int query_len,
    const unsigned char *answer, int len)
{
	ns_msg	qm, am;
	ns_rr	qr, ar;

	return dns_from_us(query, answer, len) &&
	    ns_initparse(query, query_len, &qm) == 0 &&
	    ns_initparse(answer, len, &am) == 0 &&
	    ns_msg_count(am, ns_s_qd) == 1 &&
	    ns_parserr(&qm, ns_s_qd, 0, &qr) == 0 &&
	    ns_parserr(&am, ns_s_qd, 0, &ar) == 0 &&
	    ns_rr_type(qr) == ns_rr_type(ar) && ns_rr_class(qr) == ns_rr_class(ar) &&
	    g_ascii_strcasecmp(ns_rr_name(qr), ns_rr_name(ar)) == 0;
}

/* dns_tcp - ask server over TCP; returns the answer's length, or -1
 * with errno */
static int
dns_tcp(const DnsServer *server, const unsigned char *query, int query_len,
    unsigned char *answer, int size, gint64 deadline)
{
	unsigned char prefix[2] = { (unsigned char)(query_len >> 8),
	    (unsigned char)query_len };
	int	fd, err = 0, len = -1;
	socklen_t err_len = sizeof(err);

	fd = socket(server->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&server->addr, server->len) != 0) {
		if (errno != EINPROGRESS || !dns_wait(fd, POLLOUT, deadline))
			goto out;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0)
			goto out;
		if (err != 0) {
			errno = err;
			goto out;
		}
	}
	if (!dns_io(fd, TRUE, prefix, 2, deadline) ||
	    !dns_io(fd, TRUE, (unsigned char *)query, (size_t)query_len, deadline) ||
	    !dns_io(fd, FALSE, prefix, 2, deadline))
		goto out;
	len = prefix[0] << 8 | prefix[1];
	if (len > size || !dns_io(fd, FALSE, answer, (size_t)len, deadline)) {
		len = -1;
		errno = EMSGSIZE;
		goto out;
	}
	if (!dns_matches(query, query_len, answer, len)) {
		len = -1;
		errno = EPROTO;
	}
out:
	err = errno;
	close(fd);
	errno = err;
	return len;
}

/* dns_send - send the query to server i over UDP; FALSE when that
 * server is done with (its failure recorded) */
static gboolean
dns_send(DnsLookup *lookup, guint i, const unsigned char *query, int query_len)
{
	const DnsServer *s = &lookup->dns->servers[i];

	if (lookup->fds[i] < 0) {
		lookup->fds[i] = socket(s->addr.ss_family,
		    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (lookup->fds[i] >= 0 && connect(lookup->fds[i],
		    (const struct sockaddr *)&s->addr, s->len) != 0) {
			close(lookup->fds[i]);
			lookup->fds[i] = -1;
		}
	}
	if (lookup->fds[i] >= 0 && send(lookup->fds[i], query, (size_t)query_len, 0) >= 0)
		return TRUE;
	lookup->done[i] = TRUE;
	g_string_printf(lookup->failure, "cannot ask the DNS server %s: %s",
	    s->name, g_strerror(errno));
	return FALSE;
}

/* dns_receive - take what server i sent: the answer's length if it is
 * one to keep (over TCP if it did not fit), 0 if not, -1 when that
 * server is done with */
static int
dns_receive(DnsLookup *lookup, guint i, const unsigned char *query,
    int query_len, unsigned char *answer, int size, gint64 deadline)
{
	const DnsServer *s = &lookup->dns->servers[i];
	ssize_t	n = recv(lookup->fds[i], answer, (size_t)size, 0);
	int	rcode;
	char	rcode_buf[32];

	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		lookup->done[i] = TRUE;
		if (errno == ECONNREFUSED)
			g_string_printf(lookup->failure, "no DNS server at %s "
			    "(connection refused)", s->name);
		else
			g_string_printf(lookup->failure, "the DNS server %s failed: %s",
			    s->name, g_strerror(errno));
		return -1;
	}
	/* A truncated answer may be cut anywhere: only its ID counts. */
	if (!dns_from_us(query, answer, (int)n))
		return 0;	/* a stray packet: keep waiting */
	if (((const HEADER *)(const void *)answer)->tc) {
		n = dns_tcp(s, query, query_len, answer, size, deadline);
		if (n < 0) {
			lookup->done[i] = TRUE;
			g_string_printf(lookup->failure,
			    "the DNS server %s failed over TCP: %s", s->name,
			    g_strerror(errno));
			return -1;
		}
	} else if (!dns_matches(query, query_len, answer, (int)n)) {
		return 0;
	}
	rcode = ((const HEADER *)(const void *)answer)->rcode;
	if (rcode == ns_r_noerror || rcode == ns_r_nxdomain) {
		lookup->answered = i;
		return (int)n;
	}
	lookup->done[i] = TRUE;
	g_string_printf(lookup->failure, "the DNS server %s could not answer (%s)",
	    s->name, dns_rcode_name(rcode, rcode_buf));
	return -1;
}

/* dns_exchange - the answer to query from the first server that gives
 * one; its length, or -1 with the reason in lookup->failure */
static int
dns_exchange(DnsLookup *lookup, const unsigned char *query, int query_len,
    unsigned char *answer, int size, gint64 deadline)
{
	const Dns *dns = lookup->dns;
	gint64	started = g_get_monotonic_time();
	guint	next = 0;

	for (;;) {
		struct pollfd fds[MAXNS];
		guint	i, n = 0, asked = 0;
		gint64	now = g_get_monotonic_time(), until;

		/* Ask the next server still in the game. */
		for (i = 0; i < dns->n && asked == 0; i++) {
			guint s = (next + i) % dns->n;

			if (!lookup->done[s] && dns_send(lookup, s, query, query_len)) {
				asked = 1;
				next = s + 1;
			}
		}
		if (asked == 0)
			return -1;
		until = MIN(deadline, now + DNS_RETRY_USEC);
		while ((now = g_get_monotonic_time()) < until) {
			for (i = 0, n = 0; i < dns->n; i++)
				if (lookup->fds[i] >= 0 && !lookup->done[i])
					fds[n++] = (struct pollfd){ .fd = lookup->fds[i], .events = POLLIN };
			if (n == 0)
				break;	/* each server asked is done with */
			if (poll(fds, n, (int)((until - now + 999) / 1000)) <= 0)
				continue;
			for (i = 0; i < dns->n; i++) {
				int	len;

				if (lookup->fds[i] < 0 || lookup->done[i])
					continue;
				len = dns_receive(lookup, i, query, query_len, answer,
				    size, deadline);
				if (len > 0)
					return len;
			}
		}
		if (now >= deadline) {
			g_string_printf(lookup->failure,
			    "no answer from the DNS server%s %s%s within %.1fs",
			    dns->n > 1 ? "s" : "", dns->servers[0].name,
			    dns->n > 1 ? "..." : "", (now - started) / 1e6);
			return -1;
		}
	}
}


/* dns_take - the records of type in an answer of len bytes from server,
 * each added to records by add */
static gboolean
dns_take(const unsigned char *answer, int len, const DnsServer *server,
    const char *name, ns_type type, DnsAdd add, GPtrArray *records,
    gboolean *authenticated, GError **error)
{
	ns_msg	msg;

	if (ns_initparse(answer, len, &msg) != 0)
		goto malformed;
	if (authenticated != NULL && !ns_msg_getflag(msg, ns_f_ad))
		*authenticated = FALSE;
	if (ns_msg_getflag(msg, ns_f_rcode) == ns_r_nxdomain)
		return TRUE;
	for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		ns_rr	rr;

		if (ns_parserr(&msg, ns_s_an, i, &rr) != 0)
			goto malformed;
		/* Following a CNAME, the server adds its target's records. */
		if (ns_rr_type(rr) == type && ns_rr_class(rr) == ns_c_in &&
		    !add(records, &msg, &rr))
			goto malformed;
	}
	return TRUE;
malformed:
	g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
	    "%s %s: a malformed answer from the DNS server %s", name,
	    dns_type_name(type), server->name);
	return FALSE;
}

/* dns_ask - ask for the records of one type at name before deadline,
 * each added to records by add; FALSE and an error without an answer */
static gboolean
dns_ask(const Dns *dns, const char *name, ns_type type, DnsAdd add,
    GPtrArray *records, gint64 deadline, gboolean *authenticated,
    GError **error)
{
	unsigned char query[NS_PACKETSZ];
	g_autofree unsigned char *answer = g_malloc(NS_MAXMSG);
	DnsLookup lookup = { .dns = dns, .failure = g_string_new(NULL) };
	int	query_len, len;
	gboolean ok = FALSE;

	query_len = res_mkquery(ns_o_query, name, ns_c_in, type, NULL, 0,
	    NULL, query, sizeof(query));
	if (query_len < 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_INVALID,
		    "'%s' is not a domain name", name);
		g_string_free(lookup.failure, TRUE);
		return FALSE;
	}
	/* A validating resolver sets AD only for those who ask (RFC 6840
	 * section 5.7); the others ignore the bit in a query. */
	((HEADER *)(void *)query)->ad = 1;
	for (guint i = 0; i < MAXNS; i++)
		lookup.fds[i] = -1;
	len = dns_exchange(&lookup, query, query_len, answer, NS_MAXMSG, deadline);
	if (len < 0)
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY, "%s %s: %s",
		    name, dns_type_name(type), lookup.failure->str);
	else
		ok = dns_take(answer, len, &dns->servers[lookup.answered], name,
		    type, add, records, authenticated, error);
	for (guint i = 0; i < MAXNS; i++)
		if (lookup.fds[i] >= 0)
			close(lookup.fds[i]);
	g_string_free(lookup.failure, TRUE);
	return ok;
}

/* dns_records - the records of one type at name, as add makes them and
 * free_func frees them; owned, or NULL and an error */
static GPtrArray *
dns_records(const Dns *dns, const char *name, ns_type type, DnsAdd add,
    GDestroyNotify free_func, gint64 deadline, gboolean *authenticated,
    GError **error)
{
	g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func(free_func);

	if (authenticated != NULL)
		*authenticated = TRUE;
	if (!dns_ask(dns, name, type, add, records, deadline, authenticated,
	    error))
		return NULL;
	return g_steal_pointer(&records);
}

/* dns_add_txt - the character-strings of one TXT RDATA, joined */
static gboolean
dns_add_txt(GPtrArray *records, const ns_msg *msg, const ns_rr *rr)
{
	const unsigned char *rdata = ns_rr_rdata(*rr);
	size_t	len = ns_rr_rdlen(*rr);
	GString	*text = g_string_sized_new(len);
	size_t	i = 0;

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
dns_txt(const Dns *dns, const char *name, gint64 deadline,
    gboolean *authenticated, GError **error)
{
	return dns_records(dns, name, ns_t_txt, dns_add_txt, g_free, deadline,
	    authenticated, error);
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
	char	host[NS_MAXDNAME];
	DnsMx	*mx;

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
dns_mx(const Dns *dns, const char *name, gint64 deadline,
    gboolean *authenticated, GError **error)
{
	GPtrArray *records = dns_records(dns, name, ns_t_mx, dns_add_mx,
	    (GDestroyNotify)dns_mx_free, deadline, authenticated, error);

	if (records != NULL)
		g_ptr_array_sort(records, dns_mx_compare);
	return records;
}

/* dns_add_address - one A or AAAA RDATA as text */
static gboolean
dns_add_address(GPtrArray *records, const ns_msg *msg, const ns_rr *rr)
{
	char	text[INET6_ADDRSTRLEN];
	int	family = ns_rr_type(*rr) == ns_t_a ? AF_INET : AF_INET6;
	size_t	len = family == AF_INET ? 4 : 16;

	if (ns_rr_rdlen(*rr) != len ||
	    inet_ntop(family, ns_rr_rdata(*rr), text, sizeof(text)) == NULL)
		return FALSE;
	g_ptr_array_add(records, g_strdup(text));
	return TRUE;
}

/* dns_addresses - the IPv4, then the IPv6 addresses of name */
GPtrArray *
dns_addresses(const Dns *dns, const char *name, gint64 deadline,
    gboolean *authenticated, GError **error)
{
	g_autoptr(GPtrArray) records = dns_records(dns, name, ns_t_a,
	    dns_add_address, g_free, deadline, authenticated, error);

	if (records == NULL || !dns_ask(dns, name, ns_t_aaaa, dns_add_address,
	    records, deadline, authenticated, error))
		return NULL;
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
	size_t	len = ns_rr_rdlen(*rr);
	DnsTlsa	*tlsa;

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
dns_tlsa(const Dns *dns, const char *name, gint64 deadline,
    gboolean *authenticated, GError **error)
{
	return dns_records(dns, name, ns_t_tlsa, dns_add_tlsa,
	    (GDestroyNotify)dns_tlsa_free, deadline, authenticated, error);
}
