/* error.c - the classes of failure every stage reports */
#include "config.h"

#include "error.h"

G_DEFINE_QUARK(tlsrpt-error-quark, error)

/* error_class_name - short name of a class for log lines */
const char *
error_class_name(ErrorClass class)
{
	switch (class) {
	case ERROR_NOT_REPORT:	return "not a report";
	case ERROR_INVALID:	return "invalid report";
	case ERROR_TEMPORARY:	return "deferred";
	case ERROR_CONFIG:	return "configuration error";
	case ERROR_USAGE:	return "usage error";
	case ERROR_INTERNAL:	return "internal error";
	case ERROR_FOREIGN:	return "foreign report";
	}
	return "internal error";
}

/* error_class_of - the class of any GError
 *
 * A GError from GLib or GMime that a stage passed on unwrapped is a failure
 * nobody planned for: treat it as internal so that it defers, never bounces.
 */
ErrorClass
error_class_of(const GError *error)
{
	if (error->domain != TLSRPT_ERROR)
		return ERROR_INTERNAL;
	return (ErrorClass)error->code;
}

/* error_reclass - make a GError of GLib's or GMime's one of ours
 *
 * GLib's file and option errors already say what failed in words fit for
 * a log line; only their class is ours to decide.
 */
void
error_reclass(GError **error, ErrorClass class)
{
	if (error == NULL || *error == NULL)
		return;
	(*error)->domain = TLSRPT_ERROR;
	(*error)->code = class;
}
