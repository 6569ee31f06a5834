/* test-dns.c - dns.c's transport against DNS servers that misbehave
 *
 * The records themselves (TXT strings joined, MX, TLSA, the AD bit of a
 * validating resolver) come from dnsmasq and unbound in verify-dkim.test,
 * report-record.test and report-probe.test.  What no real server does on
 * demand is here, from a peer on loopback that answers each query as the
 * test says: a truncated answer and then a TCP connection that never
 * answers (why dns.c is not res_nsend), a stray reply and one to another
 * question before the real answer, REFUSED, silence, an IPv6 server.
 * Every answer is the query sent back with header bits changed
 * (arpa/nameser.h's HEADER): nothing here writes DNS records.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>

#include "common/dns.h"
#include "common/error.h"

/* How the peer answers each query. */
typedef enum {
	PEER_SILENT,		/* not at all */
	PEER_TRUNCATED,		/* TC, and its TCP port takes the connection
				 * and never answers */
	PEER_REFUSED,		/* REFUSED */
	PEER_NXDOMAIN,		/* NXDOMAIN, without the AD bit */
	PEER_NXDOMAIN_AD,	/* NXDOMAIN with the AD bit */
	PEER_STRAYS,		/* REFUSED with another ID, then REFUSED to
				 * another name, then NXDOMAIN */
} PeerMode;

typedef struct peer {
	PeerMode	 mode;
	int		 udp;
	int		 tcp;		/* listening on the same port, or -1 */
	int		 stop[2];	/* a pipe: written to end the thread */
	guint16		 port;
	gboolean	 asked_ad;	/* the last query had the AD bit */
	GThread		*thread;
} Peer;

/* peer_reply - the query of len bytes sent back to from, as an answer
 * with rcode and ad; id_delta and name_delta change its ID and the
 * first letter of its question's name */
static void
peer_reply(const Peer *peer, const unsigned char *query, ssize_t len,
    const struct sockaddr_storage *from, socklen_t from_len, int rcode,
    gboolean ad, int id_delta, int name_delta)
{
	unsigned char reply[NS_PACKETSZ];
	HEADER	*h = (HEADER *)(void *)reply;

	memcpy(reply, query, (size_t)len);
	h->qr = 1;
	h->ra = 1;
	h->rcode = rcode & 0xf;
	h->ad = ad;
	h->tc = peer->mode == PEER_TRUNCATED;
	h->id = htons((guint16)(ntohs(h->id) + id_delta));
	reply[HFIXEDSZ + 1] = (unsigned char)(reply[HFIXEDSZ + 1] + name_delta);
	g_assert_cmpint(sendto(peer->udp, reply, (size_t)len, 0,
	    (const struct sockaddr *)from, from_len), ==, len);
}

/* peer_run - the peer's thread: answer queries until told to stop */
static gpointer
peer_run(gpointer data)
{
	Peer	*peer = data;
	struct pollfd fds[2] = { { .fd = peer->udp, .events = POLLIN },
	    { .fd = peer->stop[0], .events = POLLIN } };

	while (poll(fds, 2, -1) >= 0 && !(fds[1].revents & POLLIN)) {
		unsigned char query[NS_PACKETSZ];
		struct sockaddr_storage from;
		socklen_t from_len = sizeof(from);
		ssize_t	len;

		if (!(fds[0].revents & POLLIN))
			continue;
		len = recvfrom(peer->udp, query, sizeof(query), 0,
		    (struct sockaddr *)&from, &from_len);
		if (len < HFIXEDSZ + 2)
			continue;
		peer->asked_ad = ((HEADER *)(void *)query)->ad;
		switch (peer->mode) {
		case PEER_SILENT:
			break;
		case PEER_TRUNCATED:
		case PEER_NXDOMAIN:
			peer_reply(peer, query, len, &from, from_len, ns_r_nxdomain,
			    FALSE, 0, 0);
			break;
		case PEER_NXDOMAIN_AD:
			peer_reply(peer, query, len, &from, from_len, ns_r_nxdomain,
			    TRUE, 0, 0);
			break;
		case PEER_REFUSED:
			peer_reply(peer, query, len, &from, from_len, ns_r_refused,
			    FALSE, 0, 0);
			break;
		case PEER_STRAYS:
			peer_reply(peer, query, len, &from, from_len, ns_r_refused,
			    FALSE, 1, 0);
			peer_reply(peer, query, len, &from, from_len, ns_r_refused,
			    FALSE, 0, 1);
			peer_reply(peer, query, len, &from, from_len, ns_r_nxdomain,
			    FALSE, 0, 0);
			break;
		}
	}
	return NULL;
}

/* peer_bind - a socket of type bound to address and port (0: any free
 * one); -1 when the address cannot be had */
static int
peer_bind(int family, int type, const char *address, guint16 port)
{
	struct sockaddr_storage sa = { 0 };
	socklen_t len;
	int	fd = socket(family, type | SOCK_CLOEXEC, 0);

	if (family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		inet_pton(AF_INET6, address, &in6->sin6_addr);
		len = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&sa;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		inet_pton(AF_INET, address, &in->sin_addr);
		len = sizeof(*in);
	}
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, len) == 0 &&
	    (type != SOCK_STREAM || listen(fd, 4) == 0))
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

/* peer_port - the port fd is bound to */
static guint16
peer_port(int fd)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);

	g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sa, &len), ==, 0);
	return ntohs(sa.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&sa)->sin6_port :
	    ((struct sockaddr_in *)&sa)->sin_port);
}

/* peer_start - a peer answering as mode says on address; NULL when the
 * address cannot be had (no IPv6 here) */
static Peer *
peer_start(PeerMode mode, int family, const char *address)
{
	Peer	*peer = g_new0(Peer, 1);

	peer->mode = mode;
	peer->tcp = -1;
	/* The TCP port must be the UDP one: try a few free ones. */
	for (int i = 0; i < 20; i++) {
		peer->udp = peer_bind(family, SOCK_DGRAM, address, 0);
		if (peer->udp < 0) {
			g_free(peer);
			return NULL;
		}
		if (mode != PEER_TRUNCATED)
			break;
		peer->tcp = peer_bind(family, SOCK_STREAM, address,
		    peer_port(peer->udp));
		if (peer->tcp >= 0)
			break;
		close(peer->udp);
		peer->udp = -1;
	}
	g_assert_cmpint(peer->udp, >=, 0);
	peer->port = peer_port(peer->udp);
	g_assert_cmpint(pipe(peer->stop), ==, 0);
	peer->thread = g_thread_new("peer", peer_run, peer);
	return peer;
}

/* peer_stop - end the peer's thread and close its sockets */
static void
peer_stop(Peer *peer)
{
	g_assert_cmpint(write(peer->stop[1], "", 1), ==, 1);
	g_thread_join(peer->thread);
	close(peer->stop[0]);
	close(peer->stop[1]);
	close(peer->udp);
	if (peer->tcp >= 0)
		close(peer->tcp);
	g_free(peer);
}

/* dns_at - a Dns asking the peer at address */
static Dns *
dns_at(const char *address, const Peer *peer)
{
	DnsOptions options = { .nameserver = address, .port = peer->port };
	GError	*error = NULL;
	Dns	*dns = dns_new(&options, &error);

	g_assert_no_error(error);
	return dns;
}

/* deadline_in - the monotonic time ms milliseconds from now */
static gint64
deadline_in(int ms)
{
	return g_get_monotonic_time() + (gint64)ms * 1000;
}

/* waits_out - a lookup from peer ends at its deadline, not before, as
 * no answer from it */
static void
waits_out(const Peer *peer)
{
	g_autoptr(Dns) dns = dns_at("127.0.0.1", peer);
	g_autoptr(GError) error = NULL;
	g_autofree char *expected = g_strdup_printf("example.com MX: no answer "
	    "from the DNS server 127.0.0.1#%u within ", peer->port);
	gint64	deadline = deadline_in(300);

	g_assert_null(dns_mx(dns, "example.com", deadline, NULL, &error));
	g_assert_error(error, TLSRPT_ERROR, ERROR_TEMPORARY);
	g_assert_true(g_str_has_prefix(error->message, expected));
	g_assert_cmpint(g_get_monotonic_time(), >=, deadline);
}

/* test_silent - nobody answers */
static void
test_silent(void)
{
	Peer	*peer = peer_start(PEER_SILENT, AF_INET, "127.0.0.1");

	waits_out(peer);
	peer_stop(peer);
}

/* test_truncated_then_silent - TC, then a TCP connection taken (the
 * kernel's backlog takes it) and never answered */
static void
test_truncated_then_silent(void)
{
	Peer	*peer = peer_start(PEER_TRUNCATED, AF_INET, "127.0.0.1");
	struct pollfd waiting = { .fd = peer->tcp, .events = POLLIN };

	waits_out(peer);
	g_assert_cmpint(poll(&waiting, 1, 0), ==, 1);
	peer_stop(peer);
}

/* refused - a lookup from a peer at address that refuses fails at once,
 * not at the deadline, naming the peer and its answer; FALSE when the
 * address cannot be had */
static gboolean
refused(int family, const char *address)
{
	Peer	*peer = peer_start(PEER_REFUSED, family, address);
	g_autoptr(Dns) dns = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *expected = NULL;
	gint64	deadline = deadline_in(60000);

	if (peer == NULL)
		return FALSE;
	dns = dns_at(address, peer);
	g_assert_cmpstr(dns_server(dns), ==, address);
	expected = g_strdup_printf("_25._tcp.mx.example.com TLSA: the DNS "
	    "server %s#%u could not answer (REFUSED)", address, peer->port);
	g_assert_null(dns_tlsa(dns, "_25._tcp.mx.example.com", deadline, NULL,
	    &error));
	g_assert_error(error, TLSRPT_ERROR, ERROR_TEMPORARY);
	g_assert_cmpstr(error->message, ==, expected);
	g_assert_cmpint(g_get_monotonic_time(), <, deadline);
	peer_stop(peer);
	return TRUE;
}

/* test_refused - REFUSED from an IPv4 server */
static void
test_refused(void)
{
	g_assert_true(refused(AF_INET, "127.0.0.1"));
}

/* test_ipv6 - the same from an IPv6 one */
static void
test_ipv6(void)
{
	if (!refused(AF_INET6, "::1"))
		g_test_skip("no IPv6 loopback address here");
}

/* test_strays - a reply with another ID and one to another question are
 * not the answer: the NXDOMAIN after them is */
static void
test_strays(void)
{
	Peer	*peer = peer_start(PEER_STRAYS, AF_INET, "127.0.0.1");
	g_autoptr(Dns) dns = dns_at("127.0.0.1", peer);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) records = dns_txt(dns, "example.com",
	    deadline_in(60000), NULL, &error);

	g_assert_no_error(error);
	g_assert_cmpuint(records->len, ==, 0);
	peer_stop(peer);
}

/* test_ad - the AD bit asked for in every query, and said as the
 * answers carry it, for both of dns_addresses' lookups */
static void
test_ad(void)
{
	Peer	*peer = peer_start(PEER_NXDOMAIN_AD, AF_INET, "127.0.0.1");
	g_autoptr(Dns) dns = dns_at("127.0.0.1", peer);
	g_autoptr(GPtrArray) signed_ = NULL;
	g_autoptr(GPtrArray) unsigned_ = NULL;
	gboolean authenticated = FALSE;

	signed_ = dns_addresses(dns, "example.com", deadline_in(60000),
	    &authenticated, NULL);
	g_assert_nonnull(signed_);
	g_assert_true(peer->asked_ad);
	g_assert_true(authenticated);
	peer->mode = PEER_NXDOMAIN;
	unsigned_ = dns_addresses(dns, "example.com", deadline_in(60000),
	    &authenticated, NULL);
	g_assert_nonnull(unsigned_);
	g_assert_false(authenticated);
	peer_stop(peer);
}

/* test_options - what --nameserver takes, and what it refuses */
static void
test_options(void)
{
	DnsOptions name = { .nameserver = "dns.example" };
	DnsOptions v4 = { .nameserver = "192.0.2.1" };
	DnsOptions v6 = { .nameserver = "2001:db8::53", .port = 5353 };
	g_autoptr(Dns) dns = NULL;
	g_autoptr(Dns) dns6 = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_null(dns_new(&name, &error));
	g_assert_error(error, TLSRPT_ERROR, ERROR_USAGE);
	g_assert_cmpstr(error->message, ==,
	    "--nameserver 'dns.example' is not an IPv4 or IPv6 address");
	g_clear_error(&error);
	dns6 = dns_new(&v6, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(dns_server(dns6), ==, "2001:db8::53");
	dns = dns_new(&v4, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(dns_server(dns), ==, "192.0.2.1");
}

/* test_bad_name - a name res_mkquery cannot write is invalid, not
 * temporary: asking again will not help */
static void
test_bad_name(void)
{
	DnsOptions options = { .nameserver = "127.0.0.1", .port = 9 };
	g_autoptr(Dns) dns = dns_new(&options, NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *label = g_strnfill(64, 'a');
	g_autofree char *name = g_strconcat(label, ".example", NULL);

	g_assert_null(dns_txt(dns, name, deadline_in(60000), NULL, &error));
	g_assert_error(error, TLSRPT_ERROR, ERROR_INVALID);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/dns/silent", test_silent);
	g_test_add_func("/dns/truncated-then-silent", test_truncated_then_silent);
	g_test_add_func("/dns/refused", test_refused);
	g_test_add_func("/dns/strays", test_strays);
	g_test_add_func("/dns/ad", test_ad);
	g_test_add_func("/dns/ipv6", test_ipv6);
	g_test_add_func("/dns/options", test_options);
	g_test_add_func("/dns/bad-name", test_bad_name);
	return g_test_run();
}
