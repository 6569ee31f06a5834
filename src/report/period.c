/* period.c - the days a report covers, and the days before them */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "period.h"

#define PERIOD_MAX_DAYS	36600	/* a century: more is a typing mistake */

/* period_today - today's UTC date */
static void
period_today(GDate *date)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();

	g_date_clear(date, 1);
	g_date_set_dmy(date, (GDateDay)g_date_time_get_day_of_month(now),
	    (GDateMonth)g_date_time_get_month(now),
	    (GDateYear)g_date_time_get_year(now));
}

/* period_parse_date - strict YYYY-MM-DD into date */
static gboolean
period_parse_date(const char *text, const char *option, GDate *date,
    GError **error)
{
	unsigned y, m, d;
	gboolean shape = strlen(text) == 10;

	for (int i = 0; shape && i < 10; i++)
		shape = i == 4 || i == 7 ? text[i] == '-' : g_ascii_isdigit(text[i]);
	g_date_clear(date, 1);
	if (!shape || sscanf(text, "%4u-%2u-%2u", &y, &m, &d) != 3
	    || !g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y)) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "%s '%s' is not a date: write YYYY-MM-DD", option, text);
		return FALSE;
	}
	g_date_set_dmy(date, (GDateDay)d, (GDateMonth)m, (GDateYear)y);
	return TRUE;
}

/* period_init - a period from the command line's words */
gboolean
period_init(Period *period, const char *since, const char *until,
    guint days, guint previous_days, GError **error)
{
	GDate today;

	memset(period, 0, sizeof(*period));
	period_today(&today);
	if (until != NULL) {
		if (!period_parse_date(until, "--until", &period->until, error))
			return FALSE;
	} else {
		period->until = today;
		g_date_subtract_days(&period->until, 1);
	}
	period->partial = g_date_compare(&period->until, &today) >= 0;

	if (since != NULL && days > 0) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "--since and --days exclude each other: give one");
		return FALSE;
	}
	if (days > PERIOD_MAX_DAYS || previous_days > PERIOD_MAX_DAYS) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "a period of more than %u days is too long", PERIOD_MAX_DAYS);
		return FALSE;
	}
	if (since != NULL) {
		if (!period_parse_date(since, "--since", &period->since, error))
			return FALSE;
		if (g_date_compare(&period->since, &period->until) > 0) {
			g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
			    "--since '%s' is after the last day of the period", since);
			return FALSE;
		}
		days = (guint)g_date_days_between(&period->since, &period->until) + 1;
		if (days > PERIOD_MAX_DAYS) {
			g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
			    "a period of more than %u days is too long", PERIOD_MAX_DAYS);
			return FALSE;
		}
	} else {
		days = MAX(days, 1);
		period->since = period->until;
		g_date_subtract_days(&period->since, days - 1);
	}
	period->days = days;
	period->previous_days = previous_days > 0 ? previous_days : days;
	period->previous_until = period->since;
	g_date_subtract_days(&period->previous_until, 1);
	period->previous_since = period->since;
	g_date_subtract_days(&period->previous_since, period->previous_days);
	return TRUE;
}

/* period_format - a day as YYYY-MM-DD into buf */
void
period_format(const GDate *date, char buf[PERIOD_DATE_SIZE])
{
	g_snprintf(buf, PERIOD_DATE_SIZE, "%04u-%02u-%02u",
	    (unsigned)g_date_get_year(date), (unsigned)g_date_get_month(date),
	    (unsigned)g_date_get_day(date));
}
