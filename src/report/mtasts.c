/* mtasts.c - fetching a domain's MTA-STS policy over HTTPS (RFC 8461 3.3)
 *
 * One HTTP/1.0 request, "Connection: close": the answer ends where the
 * connection does, or at its Content-Length, and a server may not answer
 * a 1.0 request in chunks; one that does anyway is decoded all the same.
 * Everything read is capped: the head at MTASTS_MAX_HEAD, the body at
 * MTASTS_MAX_BODY.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "mtasts.h"
#include "net.h"

#define MTASTS_MAX_HEAD		(16 * 1024)

/* mtasts_fetch_free - NULL-safe */
void
mtasts_fetch_free(MtastsFetch *fetch)
{
	if (fetch == NULL)
		return;
	g_free(fetch->host);
	g_free(fetch->url);
	g_free(fetch->address);
	tls_free(fetch->tls);
	g_free(fetch->reason);
	g_free(fetch->content_type);
	g_free(fetch->location);
	if (fetch->body != NULL)
		g_bytes_unref(fetch->body);
	g_free(fetch);
}

/* mtasts_read - all the server sends, up to max bytes and one more, so
 * that more than max shows; owned, or NULL and an error */
static GByteArray *
mtasts_read(Tls *tls, gsize max, GError **error)
{
	g_autoptr(GByteArray) data = g_byte_array_new();
	char chunk[4096];

	while (data->len <= max) {
		gssize n = tls_read(tls, chunk, MIN(sizeof(chunk), max + 1 - data->len),
		    error);

		if (n < 0)
			return NULL;
		if (n == 0)
			break;
		g_byte_array_append(data, (const guint8 *)chunk, (guint)n);
	}
	return g_steal_pointer(&data);
}

/* mtasts_dechunk - a chunked body (RFC 9112 section 7.1) decoded;
 * owned, or NULL when it is not chunked as it says */
static GByteArray *
mtasts_dechunk(const guint8 *p, gsize len)
{
	g_autoptr(GByteArray) body = g_byte_array_new();
	const guint8 *end = p + len;

	for (;;) {
		const guint8 *lf = memchr(p, '\n', (gsize)(end - p));
		g_autofree char *line = NULL;
		char *rest;
		guint64 size;

		if (lf == NULL)
			return NULL;
		line = g_strndup((const char *)p, (gsize)(lf - p));
		size = g_ascii_strtoull(line, &rest, 16);
		if (rest == line || size > (guint64)(end - lf - 1))
			return NULL;
		p = lf + 1;
		if (size == 0)
			return g_steal_pointer(&body);
		g_byte_array_append(body, p, (guint)size);
		p += size;
		if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
			p += 2;
		else if (end - p >= 1 && p[0] == '\n')
			p += 1;
		else
			return NULL;
	}
}

/* mtasts_parse - the status line, the headers that matter and the body
 * of an answer */
static gboolean
mtasts_parse(MtastsFetch *fetch, const GByteArray *answer, GError **error)
{
	const char *data = (const char *)answer->data;
	const char *head_end = g_strstr_len(data, MIN(answer->len,
	    MTASTS_MAX_HEAD), "\r\n\r\n");
	gsize skip = 4;
	g_autofree char *head = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GByteArray) chunked = NULL;
	gboolean is_chunked = FALSE;
	gint64 length = -1;
	const guint8 *body;
	gsize body_len;

	if (head_end == NULL) {
		head_end = g_strstr_len(data, MIN(answer->len, MTASTS_MAX_HEAD),
		    "\n\n");
		skip = 2;
	}
	if (head_end == NULL || !g_str_has_prefix(data, "HTTP/1.")) {
		g_set_error_literal(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "the answer is not HTTP");
		return FALSE;
	}
	head = g_strndup(data, (gsize)(head_end - data));
	lines = g_strsplit(head, "\n", -1);
	for (char **l = lines; *l != NULL; l++)
		g_strchomp(*l);
	if (strlen(lines[0]) < 12 || lines[0][8] != ' ') {
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "not an HTTP status line: '%.80s'", lines[0]);
		return FALSE;
	}
	fetch->status = (guint)g_ascii_strtoull(lines[0] + 9, NULL, 10);
	fetch->reason = g_strdup(g_strstrip(lines[0] + 12));
	for (char **l = lines + 1; *l != NULL; l++) {
		char *colon = strchr(*l, ':');
		char *value;

		if (colon == NULL)
			continue;
		*colon = '\0';
		value = g_strstrip(colon + 1);
		if (g_ascii_strcasecmp(*l, "Content-Type") == 0 && fetch->content_type == NULL)
			fetch->content_type = g_strdup(value);
		else if (g_ascii_strcasecmp(*l, "Location") == 0 && fetch->location == NULL)
			fetch->location = g_strdup(value);
		else if (g_ascii_strcasecmp(*l, "Content-Length") == 0)
			length = g_ascii_strtoll(value, NULL, 10);
		else if (g_ascii_strcasecmp(*l, "Transfer-Encoding") == 0)
			is_chunked = g_ascii_strcasecmp(value, "chunked") == 0;
	}
	body = answer->data + (head_end - data) + skip;
	body_len = answer->len - (gsize)(head_end - data) - skip;
	if (is_chunked) {
		chunked = mtasts_dechunk(body, body_len);
		if (chunked == NULL && body_len <= MTASTS_MAX_BODY) {
			g_set_error_literal(error, TLSRPT_ERROR, ERROR_TEMPORARY,
			    "the answer's chunks are broken");
			return FALSE;
		}
		if (chunked != NULL) {
			body = chunked->data;
			body_len = chunked->len;
		}
	} else if (length >= 0 && (guint64)length < body_len)
		body_len = (gsize)length;
	fetch->too_large = body_len > MTASTS_MAX_BODY || (length > MTASTS_MAX_BODY);
	fetch->body = g_bytes_new(body, MIN(body_len, MTASTS_MAX_BODY));
	return TRUE;
}

/* mtasts_get - the request and the answer over one address */
static gboolean
mtasts_get(MtastsFetch *fetch, int fd, const char *host_header,
    gint64 deadline, GError **error)
{
	g_autofree char *request = g_strdup_printf("GET /.well-known/mta-sts.txt "
	    "HTTP/1.0\r\nHost: %s\r\nUser-Agent: %s/%s\r\nAccept: text/plain\r\n"
	    "Connection: close\r\n\r\n", host_header, PACKAGE_NAME, PACKAGE_VERSION);
	g_autoptr(GByteArray) answer = NULL;

	fetch->tls = tls_handshake(fd, fetch->host, deadline, error);
	if (fetch->tls == NULL || !tls_write(fetch->tls, request, strlen(request),
	    error))
		return FALSE;
	answer = mtasts_read(fetch->tls, MTASTS_MAX_HEAD + MTASTS_MAX_BODY, error);
	return answer != NULL && mtasts_parse(fetch, answer, error);
}

/* mtasts_fetch - fetch domain's policy */
MtastsFetch *
mtasts_fetch(Dns *dns, const char *domain, guint port, gint64 deadline,
    GError **error)
{
	g_autoptr(MtastsFetch) fetch = g_new0(MtastsFetch, 1);
	g_autoptr(GPtrArray) addresses = NULL;
	g_autoptr(GError) last = NULL;
	g_autofree char *host_header = NULL;

	fetch->host = g_strconcat("mta-sts.", domain, NULL);
	host_header = port == 443 ? g_strdup(fetch->host)
	    : g_strdup_printf("%s:%u", fetch->host, port);
	fetch->url = g_strdup_printf("https://%s/.well-known/mta-sts.txt",
	    host_header);
	addresses = dns_addresses(dns, fetch->host, deadline, NULL, error);
	if (addresses == NULL)
		return NULL;
	if (addresses->len == 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
		    "%s has no address (A or AAAA record)", fetch->host);
		return NULL;
	}
	for (guint i = 0; i < addresses->len; i++) {
		const char *address = g_ptr_array_index(addresses, i);
		int fd;
		gboolean got;

		g_clear_error(&last);
		fd = net_connect(address, port, deadline, &last);
		if (fd < 0)
			continue;
		got = mtasts_get(fetch, fd, host_header, deadline, &last);
		if (fetch->tls != NULL)
			tls_bye(fetch->tls);
		close(fd);
		if (got) {
			fetch->address = g_strdup(address);
			return g_steal_pointer(&fetch);
		}
		g_clear_pointer(&fetch->tls, tls_free);
	}
	g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY, "%s (%s): %s",
	    fetch->host, (char *)g_ptr_array_index(addresses, addresses->len - 1),
	    last->message);
	return NULL;
}
