/* sniff.h - what a buffer holds, judged by how it starts
 *
 * A report arrives as JSON or gzip'd JSON; what arrives instead is most
 * often a DMARC report (XML, gzip'd XML, a zip archive).  Recognising
 * them is done here once, for every stage that needs to: a message's
 * bytes, a MIME part's content, an inflated stream.  A byte-order mark
 * and white space before the content are skipped, as JSON writers,
 * editors and copy-and-paste leave them.
 */
#ifndef TLSRPT_SNIFF_H
#define TLSRPT_SNIFF_H

#include <glib.h>

typedef enum {
	SNIFF_EMPTY,		/* nothing but a byte-order mark and white space */
	SNIFF_JSON,		/* "{": a JSON object */
	SNIFF_GZIP,		/* 1f 8b: gzip */
	SNIFF_ZIP,		/* "PK\3\4": a zip archive */
	SNIFF_XML,		/* "<": XML, such as a DMARC report, or HTML */
	SNIFF_OTHER,		/* none of these */
} Sniff;

/* sniff_content - what len bytes at data hold
 *
 * *offset is where the content proper starts, past a byte-order mark and
 * white space (space, tab, CR, LF, form feed, vertical tab).  data may be
 * NULL when len is 0.
 */
Sniff sniff_content(const guint8 *data, gsize len, gsize *offset);

/* sniff_bytes - sniff_content on bytes */
Sniff sniff_bytes(GBytes *bytes, gsize *offset);

/* sniff_dmarc - whether XML content is a DMARC aggregate report: its
 * root element, <feedback>, within the first few kilobytes */
gboolean sniff_dmarc(const guint8 *data, gsize len);

#endif
