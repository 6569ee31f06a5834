/* decode.c - turning a report part into JSON text */
#include "config.h"

#include <string.h>
#include <zlib.h>

#include "common/error.h"
#include "common/sniff.h"
#include "decode.h"

/* Most bytes handed to zlib per call: avail_in and avail_out are uInt. */
#define DECODE_ZLIB_MAX		(1U << 30)

/* DecodeBuf - an output buffer that refuses to grow past a limit
 *
 * As curl's dynbuf: the limit is part of the buffer, so no code path can
 * forget it.  One byte past max_size is allowed in, which is how an
 * oversized output is told from one that fits exactly; one more is kept
 * for the NUL the caller is promised.
 */
typedef struct decode_buf {
	char	*data;
	gsize	 len;
	gsize	 cap;
	gsize	 limit;		/* max_size + 1 */
} DecodeBuf;

/* decode_buf_room - make the buffer's free space non-empty; FALSE at the limit */
static gboolean
decode_buf_room(DecodeBuf *buf)
{
	gsize	new_cap;

	if (buf->len < buf->cap)
		return TRUE;
	if (buf->cap >= buf->limit)
		return FALSE;
	if (buf->cap == 0)
		new_cap = 16384;
	else if (buf->cap > G_MAXSIZE / 4)
		new_cap = buf->limit;
	else
		new_cap = buf->cap * 2;
	if (new_cap > buf->limit)
		new_cap = buf->limit;
	buf->data = g_realloc(buf->data, new_cap + 1);
	buf->cap = new_cap;
	return TRUE;
}

/* decode_only_padding - whether data holds nothing but NULs and white space
 *
 * Some writers pad a file or an attachment after the gzip trailer; gzip(1)
 * ignores trailing NULs too.
 */
static gboolean
decode_only_padding(const guchar *data, gsize size)
{
	gsize	i;

	for (i = 0; i < size; i++)
		if (data[i] != 0 && data[i] != ' ' && data[i] != '\t' &&
		    data[i] != '\r' && data[i] != '\n')
			return FALSE;
	return TRUE;
}

/* decode_inflate - inflate every gzip member in data into buf */
static gboolean
decode_inflate(const guchar *data, gsize size, DecodeBuf *buf,
    gsize max_size, const char *what, GError **error)
{
	z_stream z;
	gsize	in_left = size;
	gboolean ok = FALSE;
	int	ret;

	memset(&z, 0, sizeof z);
	ret = inflateInit2(&z, 15 + 32);
	if (ret != Z_OK) {
		g_set_error(error, TLSRPT_ERROR,
		    ret == Z_MEM_ERROR ? ERROR_TEMPORARY : ERROR_INTERNAL,
		    "%s: cannot start zlib: %s", what,
		    z.msg != NULL ? z.msg : zError(ret));
		return FALSE;
	}
	z.next_in = (Bytef *)data;

	for (;;) {
		gsize	before_in, before_out;

		/* Full at the limit means max_size + 1 bytes: refused
		 * below, before the buffer could be asked to grow. */
		if (!decode_buf_room(buf)) {
			g_set_error(error, TLSRPT_ERROR, ERROR_INTERNAL,
			    "%s: inflate buffer full", what);
			goto out;
		}
		if (z.avail_in == 0 && in_left > 0) {
			z.avail_in = in_left > DECODE_ZLIB_MAX ? DECODE_ZLIB_MAX : (uInt)in_left;
			in_left -= z.avail_in;
		}
		z.next_out = (Bytef *)buf->data + buf->len;
		z.avail_out = buf->cap - buf->len > DECODE_ZLIB_MAX ?
		    DECODE_ZLIB_MAX : (uInt)(buf->cap - buf->len);
		before_in = z.avail_in;
		before_out = z.avail_out;

		ret = inflate(&z, Z_NO_FLUSH);
		buf->len += before_out - z.avail_out;
		if (buf->len > max_size) {
			g_set_error(error, TLSRPT_ERROR, ERROR_INVALID,
			    "%s: report larger than %" G_GSIZE_FORMAT
			    " bytes after decompression", what, max_size);
			goto out;
		}

		switch (ret) {
		case Z_STREAM_END: {
			const guchar *rest = z.next_in;
			gsize	rest_len = z.avail_in + in_left;

			/* RFC 1952 allows several members in one file,
			 * and gzip(1) joins their contents. */
			if (rest_len >= 2 && rest[0] == 0x1f && rest[1] == 0x8b) {
				inflateReset(&z);
				continue;
			}
			if (!decode_only_padding(rest, rest_len)) {
				g_set_error(error, TLSRPT_ERROR, ERROR_INVALID,
				    "%s: trailing garbage after gzip stream", what);
				goto out;
			}
			ok = TRUE;
			goto out;
		}
		case Z_OK:
		case Z_BUF_ERROR:
			/* Z_BUF_ERROR only says no progress was possible
			 * this time: fatal once the input is used up and
			 * there was room for output. */
			if (z.avail_in == 0 && in_left == 0 && z.avail_out > 0) {
				g_set_error(error, TLSRPT_ERROR, ERROR_INVALID,
				    "%s: truncated gzip stream", what);
				goto out;
			}
			if (ret == Z_BUF_ERROR && z.avail_out > 0 &&
			    before_in == z.avail_in && before_out == z.avail_out) {
				g_set_error(error, TLSRPT_ERROR, ERROR_INTERNAL,
				    "%s: zlib makes no progress", what);
				goto out;
			}
			break;
		case Z_NEED_DICT:
			g_set_error(error, TLSRPT_ERROR, ERROR_INVALID,
			    "%s: corrupt gzip stream: needs a preset dictionary", what);
			goto out;
		case Z_DATA_ERROR:
			g_set_error(error, TLSRPT_ERROR, ERROR_INVALID,
			    "%s: corrupt gzip stream: %s", what,
			    z.msg != NULL ? z.msg : "invalid data");
			goto out;
		case Z_MEM_ERROR:
			g_set_error(error, TLSRPT_ERROR, ERROR_TEMPORARY,
			    "%s: out of memory inflating gzip stream", what);
			goto out;
		default:
			g_set_error(error, TLSRPT_ERROR, ERROR_INTERNAL,
			    "%s: zlib failed: %s", what,
			    z.msg != NULL ? z.msg : zError(ret));
			goto out;
		}
	}
out:
	inflateEnd(&z);
	return ok;
}

/* decode_refuse - say what content of the kind sniffed holds instead of JSON */
static void
decode_refuse(Sniff kind, const guchar *data, gsize size, gboolean inflated,
    const char *what, GError **error)
{
	switch (kind) {
	case SNIFF_EMPTY:
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    inflated ? "%s holds an empty gzip stream" : "%s is empty",
		    what);
		return;
	case SNIFF_XML:
		if (sniff_dmarc(data, size))
			g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
			    "%s holds a DMARC XML report", what);
		else
			g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
			    "%s holds XML (a DMARC aggregate report?)", what);
		return;
	case SNIFF_ZIP:
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    "%s holds a zip archive", what);
		return;
	default:
		g_set_error(error, TLSRPT_ERROR, ERROR_NOT_REPORT,
		    inflated ? "%s holds gzip'd data that is not JSON" :
		    "%s holds neither JSON nor gzip", what);
		return;
	}
}

/* decode_gzip - the JSON text inflated from size bytes of gzip at data */
static GBytes *
decode_gzip(const guchar *data, gsize size, gsize max_size, const char *what,
    GError **error)
{
	DecodeBuf buf = { NULL, 0, 0, 0 };
	gsize	skip, len;
	Sniff	kind;
	char	*text;

	buf.limit = max_size < G_MAXSIZE - 2 ? max_size + 1 : G_MAXSIZE - 2;
	if (!decode_inflate(data, size, &buf, max_size, what, error)) {
		g_free(buf.data);
		return NULL;
	}
	if (buf.data == NULL)	/* inflated to nothing */
		buf.data = g_malloc0(1);
	kind = sniff_content((const guint8 *)buf.data, buf.len, &skip);
	if (kind != SNIFF_JSON) {
		decode_refuse(kind, (const guchar *)buf.data + skip,
		    buf.len - skip, TRUE, what, error);
		g_free(buf.data);
		return NULL;
	}
	/* A BOM or blank lines at the start are rare and short: moving the
	 * text down is cheaper than a second buffer. */
	if (skip > 0)
		memmove(buf.data, buf.data + skip, buf.len - skip);
	len = buf.len - skip;
	text = g_realloc(buf.data, len + 1);
	text[len] = '\0';
	return g_bytes_new_take(text, len);
}

/* decode_report - the JSON text held by payload */
GBytes *
decode_report(GBytes *payload, gsize max_size, const char *what,
    GError **error)
{
	const guchar *data;
	gsize	size, skip;
	Sniff	kind;
	char	*text;

	if (what == NULL)
		what = "report";
	data = g_bytes_get_data(payload, &size);
	kind = sniff_content(data, size, &skip);
	if (kind == SNIFF_GZIP)
		return decode_gzip(data + skip, size - skip, max_size, what, error);
	if (kind != SNIFF_JSON) {
		decode_refuse(kind, data != NULL ? data + skip : NULL, size - skip,
		    FALSE, what, error);
		return NULL;
	}
	data += skip;
	size -= skip;
	if (size > max_size) {
		g_set_error(error, TLSRPT_ERROR, ERROR_INVALID,
		    "%s: report larger than %" G_GSIZE_FORMAT " bytes",
		    what, max_size);
		return NULL;
	}
	text = g_malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	return g_bytes_new_take(text, size);
}
