/* decode.h - turning a report part into JSON text
 *
 * gzip is inflated with zlib, streaming, never past a hard cap, so that a
 * decompression bomb costs at most max_size bytes and stops as soon as it
 * passes them.  Plain JSON passes through.  Whatever is neither (XML from a
 * DMARC report, a zip archive) is named in the error.
 */
#ifndef TLSRPT_DECODE_H
#define TLSRPT_DECODE_H

#include <glib.h>

/* decode_report - the JSON text held by payload
 *
 * Returns owned bytes with a NUL after the last one (not counted in the
 * size), byte-order mark and leading white space removed.  Errors:
 * ERROR_INVALID for a corrupt or truncated gzip stream or output larger
 * than max_size ("report larger than N bytes after decompression");
 * ERROR_NOT_REPORT for content that is not JSON ("holds XML (a DMARC
 * aggregate report?)").  what names the payload in messages, as in
 * Message.payload_desc.
 */
GBytes *decode_report(GBytes *payload, gsize max_size, const char *what,
    GError **error);

#endif
