/* test-period.c - the days of a period and of the period before, from the
 * command line's words */
#include "config.h"

#include <string.h>

#include "common/error.h"
#include "report/period.h"

/* assert_days - the period's four days as YYYY-MM-DD, and its lengths */
static void
assert_days(const Period *p, const char *since, const char *until,
    const char *previous_since, const char *previous_until, guint days,
    guint previous_days)
{
	char buf[PERIOD_DATE_SIZE];

	period_format(&p->since, buf);
	g_assert_cmpstr(buf, ==, since);
	period_format(&p->until, buf);
	g_assert_cmpstr(buf, ==, until);
	period_format(&p->previous_since, buf);
	g_assert_cmpstr(buf, ==, previous_since);
	period_format(&p->previous_until, buf);
	g_assert_cmpstr(buf, ==, previous_until);
	g_assert_cmpuint(p->days, ==, days);
	g_assert_cmpuint(p->previous_days, ==, previous_days);
}

/* usage_error - period_init refuses the words, with a usage error saying
 * message */
static void
usage_error(const char *since, const char *until, guint days,
    guint previous_days, const char *message)
{
	g_autoptr(GError) error = NULL;
	Period p;

	g_assert_false(period_init(&p, since, until, days, previous_days, &error));
	g_assert_error(error, TLSRPT_ERROR, ERROR_USAGE);
	g_assert_cmpstr(error->message, ==, message);
}

/* test_days - the last N days up to until, both included */
static void
test_days(void)
{
	g_autoptr(GError) error = NULL;
	Period p;

	g_assert_true(period_init(&p, NULL, "2026-11-07", 7, 0, &error));
	g_assert_no_error(error);
	assert_days(&p, "2026-11-01", "2026-11-07", "2026-10-25", "2026-10-31", 7, 7);
	/* One day is the day itself, and 0 days is one day too. */
	g_assert_true(period_init(&p, NULL, "2026-11-07", 1, 0, &error));
	assert_days(&p, "2026-11-07", "2026-11-07", "2026-11-06", "2026-11-06", 1, 1);
	g_assert_true(period_init(&p, NULL, "2026-11-07", 0, 0, &error));
	assert_days(&p, "2026-11-07", "2026-11-07", "2026-11-06", "2026-11-06", 1, 1);
	/* Across a month, a year, a leap day. */
	g_assert_true(period_init(&p, NULL, "2028-03-01", 3, 0, &error));
	assert_days(&p, "2028-02-28", "2028-03-01", "2028-02-25", "2028-02-27", 3, 3);
	g_assert_true(period_init(&p, NULL, "2027-01-02", 3, 0, &error));
	assert_days(&p, "2026-12-31", "2027-01-02", "2026-12-28", "2026-12-30", 3, 3);
}

/* test_since - since to until, and the period before of the same length */
static void
test_since(void)
{
	g_autoptr(GError) error = NULL;
	Period p;

	g_assert_true(period_init(&p, "2026-11-01", "2026-11-08", 0, 0, &error));
	g_assert_no_error(error);
	assert_days(&p, "2026-11-01", "2026-11-08", "2026-10-24", "2026-10-31", 8, 8);
	g_assert_true(period_init(&p, "2026-11-08", "2026-11-08", 0, 0, &error));
	assert_days(&p, "2026-11-08", "2026-11-08", "2026-11-07", "2026-11-07", 1, 1);
}

/* test_baseline - check's window and a baseline of another length */
static void
test_baseline(void)
{
	g_autoptr(GError) error = NULL;
	Period p;

	g_assert_true(period_init(&p, NULL, "2026-11-30", 3, 28, &error));
	g_assert_no_error(error);
	assert_days(&p, "2026-11-28", "2026-11-30", "2026-10-31", "2026-11-27", 3, 28);
}

/* test_yesterday - without until, the period ends yesterday, the last
 * complete UTC day; a period up to today says that it is partial */
static void
test_yesterday(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autoptr(GDateTime) day_before = g_date_time_add_days(now, -1);
	g_autofree char *yesterday = g_date_time_format(day_before, "%Y-%m-%d");
	g_autofree char *today = g_date_time_format(now, "%Y-%m-%d");
	char until[PERIOD_DATE_SIZE];
	Period p;

	g_assert_true(period_init(&p, NULL, NULL, 7, 0, &error));
	g_assert_no_error(error);
	period_format(&p.until, until);
	/* Around midnight the call and now may straddle two days: try again. */
	if (strcmp(until, yesterday) != 0) {
		g_autoptr(GDateTime) later = g_date_time_new_now_utc();
		g_autoptr(GDateTime) later_before = g_date_time_add_days(later, -1);

		g_free(yesterday);
		yesterday = g_date_time_format(later_before, "%Y-%m-%d");
		g_free(today);
		today = g_date_time_format(later, "%Y-%m-%d");
		g_assert_true(period_init(&p, NULL, NULL, 7, 0, &error));
		period_format(&p.until, until);
	}
	g_assert_cmpstr(until, ==, yesterday);
	g_assert_false(p.partial);
	g_assert_cmpint(g_date_days_between(&p.since, &p.until), ==, 6);

	g_assert_true(period_init(&p, NULL, today, 7, 0, &error));
	g_assert_true(p.partial);
	g_assert_true(period_init(&p, NULL, yesterday, 7, 0, &error));
	g_assert_false(p.partial);
	g_assert_true(period_init(&p, NULL, "2999-01-01", 7, 0, &error));
	g_assert_true(p.partial);
}

/* test_refused - what the command line gets wrong */
static void
test_refused(void)
{
	usage_error("2026-11-01", NULL, 3, 0,
	    "--since and --days exclude each other: give one");
	usage_error("2026-11-08", "2026-11-07", 0, 0,
	    "--since '2026-11-08' is after the last day of the period");
	usage_error("2026-13-01", NULL, 0, 0,
	    "--since '2026-13-01' is not a date: write YYYY-MM-DD");
	usage_error(NULL, "2026-02-30", 7, 0,
	    "--until '2026-02-30' is not a date: write YYYY-MM-DD");
	usage_error(NULL, "2026-1-07", 7, 0,
	    "--until '2026-1-07' is not a date: write YYYY-MM-DD");
	usage_error(NULL, "07.11.2026", 7, 0,
	    "--until '07.11.2026' is not a date: write YYYY-MM-DD");
	usage_error(NULL, "2026-11-07", 36601, 0,
	    "a period of more than 36600 days is too long");
	usage_error(NULL, "2026-11-07", 3, 36601,
	    "a period of more than 36600 days is too long");
	usage_error("1900-01-01", "2026-11-07", 0, 0,
	    "a period of more than 36600 days is too long");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/period/days", test_days);
	g_test_add_func("/period/since", test_since);
	g_test_add_func("/period/baseline", test_baseline);
	g_test_add_func("/period/yesterday", test_yesterday);
	g_test_add_func("/period/refused", test_refused);
	return g_test_run();
}
