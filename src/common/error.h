/* error.h - the classes of failure every stage reports
 *
 * Stages report failures as a GError in the TLSRPT_ERROR domain whose code
 * is one of these classes and whose message is one lower-case line saying
 * what failed.  Only the command-line front turns a class into an exit code.
 */
#ifndef TLSRPT_ERROR_H
#define TLSRPT_ERROR_H

#include <glib.h>

#define TLSRPT_ERROR (error_quark())

typedef enum {
	ERROR_NOT_REPORT,	/* the input carries no TLS-RPT report at all */
	ERROR_INVALID,		/* a report, but one RFC 8460 cannot accept */
	ERROR_TEMPORARY,	/* the same input may succeed later (database down) */
	ERROR_CONFIG,		/* the site's configuration is wrong */
	ERROR_USAGE,		/* the command line is wrong */
	ERROR_INTERNAL,		/* a bug, or a failure nobody planned for */
	ERROR_FOREIGN,		/* a valid report the site's policy refuses:
				 * about domains it does not accept, or not
				 * DKIM-signed by its reporter */
} ErrorClass;

GQuark error_quark(void);

/* error_class_name - short name of a class for log lines; static string */
const char *error_class_name(ErrorClass class);

/* error_class_of - the class of any GError; foreign domains are internal */
ErrorClass error_class_of(const GError *error);

/* error_reclass - make *error, a GError of GLib or GMime, one of ours of
 * class, its message kept; nothing when error or *error is NULL */
void error_reclass(GError **error, ErrorClass class);

#endif
