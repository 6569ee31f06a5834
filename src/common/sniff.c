/* sniff.c - what a buffer holds, judged by how it starts */
#include "config.h"

#include <string.h>

#include "common/sniff.h"

/* How far into XML to look for a DMARC root element: the prolog, a
 * doctype and comments fit well within it. */
#define SNIFF_XML_SPAN	4096

/* sniff_blank - white space as text files have it before their content:
 * JSON's four, and the form feed and vertical tab that some tools write
 * (isspace() in the C locale) */
static gboolean
sniff_blank(guint8 c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'
	    || c == '\v';
}

/* sniff_content - what len bytes at data hold */
Sniff
sniff_content(const guint8 *data, gsize len, gsize *offset)
{
	gsize	i = 0;

	if (len >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf)
		i = 3;
	while (i < len && sniff_blank(data[i]))
		i++;
	*offset = i;
	/* Empty GBytes hold a NULL pointer, and NULL + 0 is undefined. */
	if (i == len)
		return SNIFF_EMPTY;
	data += i;
	len -= i;
	if (data[0] == '{')
		return SNIFF_JSON;
	if (data[0] == '<')
		return SNIFF_XML;
	if (len >= 2 && data[0] == 0x1f && data[1] == 0x8b)
		return SNIFF_GZIP;
	if (len >= 4 && memcmp(data, "PK\3\4", 4) == 0)
		return SNIFF_ZIP;
	return SNIFF_OTHER;
}

/* sniff_bytes - sniff_content on bytes */
Sniff
sniff_bytes(GBytes *bytes, gsize *offset)
{
	gsize	len;
	const guint8 *data = g_bytes_get_data(bytes, &len);

	return sniff_content(data, len, offset);
}

/* sniff_dmarc - whether XML content is a DMARC aggregate report */
gboolean
sniff_dmarc(const guint8 *data, gsize len)
{
	return len > 0 && g_strstr_len((const char *)data, MIN(len, SNIFF_XML_SPAN),
	    "<feedback") != NULL;
}
