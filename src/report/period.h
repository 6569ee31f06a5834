/* period.h - the days a report covers, and the days before them
 *
 * Days are UTC days, as in the views.  A period is a run of whole days,
 * both ends included, and the period before it that it is compared with.
 */
#ifndef TLSRPT_PERIOD_H
#define TLSRPT_PERIOD_H

#include <glib.h>

typedef struct period {
	GDate	since;			/* first day */
	GDate	until;			/* last day, included */
	GDate	previous_since;		/* first day of the period before */
	GDate	previous_until;		/* the day before since */
	guint	days;			/* since to until, both included */
	guint	previous_days;
	gboolean partial;		/* until is today or later: its reports
					 * are not all in */
} Period;

#define PERIOD_DATE_SIZE	11	/* "YYYY-MM-DD" and its NUL */

/* period_init - a period from the command line's words
 *
 * since and until are YYYY-MM-DD or NULL; until defaults to yesterday,
 * the last complete UTC day at the moment of the call: reports for a day
 * arrive the day after, so a period that ends today compares a day
 * without reports with whole ones (partial says so when asked for).
 * Without since, the period is the last days days up to until.
 * previous_days is the length of the period before; 0: the same length.
 * Errors: ERROR_USAGE for a date that does not parse, both since and
 * days, or since after until.
 */
gboolean period_init(Period *period, const char *since, const char *until,
    guint days, guint previous_days, GError **error);

/* period_format - a day as YYYY-MM-DD into buf */
void period_format(const GDate *date, char buf[PERIOD_DATE_SIZE]);

#endif
