/* explain.h - what each RFC 8460 result type means, in plain English
 *
 * One text per result type of the IANA "STARTTLS Validation Result Types"
 * registry, for someone who is not a mail engineer: a one-line diagnosis,
 * a one-line "what to check", and a longer text with the likely causes and
 * their fixes.  summary, html and explain all show these same texts.
 */
#ifndef TLSRPT_EXPLAIN_H
#define TLSRPT_EXPLAIN_H

#include <stdio.h>

#include <glib.h>

typedef struct explanation {
	const char	*result_type;	/* the registry value */
	const char	*diagnosis;	/* one line: what went wrong */
	const char	*check;		/* one line: what to look at first */
	const char	*details;	/* paragraphs: causes and fixes */
} Explanation;

/* explain_lookup - the explanation of a result type, in any case (the
 * registry's names are lower case; "CERTIFICATE-EXPIRED" is the same);
 * static, NULL if unknown */
const Explanation *explain_lookup(const char *result_type);

/* explain_nth - the n-th explanation in registry order; static, NULL past the end */
const Explanation *explain_nth(unsigned n);

/* explain_diagnosis - the one-line diagnosis of any result type, unknown
 * and missing ones included; static */
const char *explain_diagnosis(const char *result_type);

/* explain_check - the one-line "what to check" of any result type; static */
const char *explain_check(const char *result_type);

/* explain_wrap - write len bytes of text, one paragraph, wrapped at 72
 * columns at its spaces: the first line after first, the others after
 * indent; the caller checks the stream for write errors */
void explain_wrap(FILE *out, const char *first, const char *indent,
    const char *text, size_t len);

/* explain_print - write the full text of one explanation, wrapped at 72
 * columns; the caller checks the stream for write errors */
void explain_print(FILE *out, const Explanation *explanation);

#endif
