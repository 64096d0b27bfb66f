/* Unit tests: examples/timeofday/hours.c, the example module's matcher —
 * day lists and ranges (wrapping over the week end), times with 24:00 and
 * past midnight, several ranges, holidays once and yearly, and the parse
 * errors the module reports with file:line. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "unit.h"

#include "../../examples/timeofday/hours.h"

/* 2024-01-01 was a Monday: wday follows from the day of that month. */
static struct tm at(int year, int mon, int mday, int hour, int min)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = mday;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_isdst = -1;
	CU_ASSERT_FATAL(timegm(&tm) != (time_t)-1);   /* fills tm_wday */
	tm.tm_hour = hour;
	tm.tm_min = min;
	return tm;
}

static struct tod_range range(const char *spec)
{
	struct tod_range r;
	char err[160] = "";
	int rc = tod_parse_range(spec, &r, err, sizeof err);
	if (rc)
		fprintf(stderr, "%s: %s\n", spec, err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	return r;
}

static bool in(const char *spec, struct tm tm)
{
	struct tod_range r = range(spec);
	return tod_range_match(&r, &tm);
}

static void test_weekdays(void)
{
	/* 2024-01-05 Friday, 06 Saturday, 07 Sunday, 08 Monday */
	CU_ASSERT_EQUAL(at(2024, 1, 5, 12, 0).tm_wday, 5);
	CU_ASSERT_TRUE(in("mon-fri 08:30-17:00", at(2024, 1, 5, 8, 30)));    /* from: inclusive */
	CU_ASSERT_TRUE(in("mon-fri 08:30-17:00", at(2024, 1, 5, 16, 59)));
	CU_ASSERT_FALSE(in("mon-fri 08:30-17:00", at(2024, 1, 5, 17, 0)));   /* to: exclusive */
	CU_ASSERT_FALSE(in("mon-fri 08:30-17:00", at(2024, 1, 5, 8, 29)));
	CU_ASSERT_FALSE(in("mon-fri 08:30-17:00", at(2024, 1, 6, 12, 0)));
	CU_ASSERT_TRUE(in("Mon-Fri 08:30-17:00", at(2024, 1, 8, 9, 0)));     /* any case */
	/* a range over the week end, lists, a single day, all day */
	CU_ASSERT_TRUE(in("fri-mon", at(2024, 1, 7, 3, 0)));
	CU_ASSERT_TRUE(in("fri-mon", at(2024, 1, 8, 23, 59)));
	CU_ASSERT_FALSE(in("fri-mon", at(2024, 1, 9, 0, 0)));
	CU_ASSERT_TRUE(in("mon,wed,fri-sat 10:00-11:00", at(2024, 1, 6, 10, 30)));
	CU_ASSERT_TRUE(in("mon,wed,fri-sat 10:00-11:00", at(2024, 1, 10, 10, 0)));
	CU_ASSERT_FALSE(in("mon,wed,fri-sat 10:00-11:00", at(2024, 1, 9, 10, 30)));
	CU_ASSERT_TRUE(in("sun", at(2024, 1, 7, 0, 0)));
	CU_ASSERT_TRUE(in("sun 00:00-24:00", at(2024, 1, 7, 23, 59)));
	CU_ASSERT_FALSE(in("sun 00:00-24:00", at(2024, 1, 8, 0, 0)));
	CU_ASSERT_TRUE(in("  sat   09:00-12:00  ", at(2024, 1, 6, 9, 0)));
}

/* "fri 22:00-06:00": Friday night into Saturday morning, not Friday
 * morning nor Saturday night. */
static void test_past_midnight(void)
{
	CU_ASSERT_TRUE(in("fri 22:00-06:00", at(2024, 1, 5, 22, 0)));
	CU_ASSERT_TRUE(in("fri 22:00-06:00", at(2024, 1, 6, 5, 59)));
	CU_ASSERT_FALSE(in("fri 22:00-06:00", at(2024, 1, 6, 6, 0)));
	CU_ASSERT_FALSE(in("fri 22:00-06:00", at(2024, 1, 5, 5, 0)));
	CU_ASSERT_FALSE(in("fri 22:00-06:00", at(2024, 1, 6, 23, 0)));
	/* sun evening into mon morning: the week wraps */
	CU_ASSERT_TRUE(in("sun 20:00-02:00", at(2024, 1, 8, 1, 0)));
	CU_ASSERT_FALSE(in("sun 20:00-02:00", at(2024, 1, 7, 1, 0)));
}

static void test_holidays(void)
{
	struct tod_holiday h[3];
	char err[160];
	CU_ASSERT_EQUAL_FATAL(tod_parse_holiday("12-25", &h[0], err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(tod_parse_holiday("2024-05-01", &h[1], err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(tod_parse_holiday("02-29", &h[2], err, sizeof err), 0);
	CU_ASSERT_EQUAL(h[0].year, 0);
	CU_ASSERT_EQUAL(h[1].year, 2024);
	/* yearly ones every year, dated ones that year only */
	CU_ASSERT_TRUE(tod_holiday_match(h, 3, &(struct tm){ .tm_year = 124, .tm_mon = 11, .tm_mday = 25 }));
	CU_ASSERT_TRUE(tod_holiday_match(h, 3, &(struct tm){ .tm_year = 131, .tm_mon = 11, .tm_mday = 25 }));
	CU_ASSERT_TRUE(tod_holiday_match(h, 3, &(struct tm){ .tm_year = 124, .tm_mon = 4, .tm_mday = 1 }));
	CU_ASSERT_FALSE(tod_holiday_match(h, 3, &(struct tm){ .tm_year = 125, .tm_mon = 4, .tm_mday = 1 }));
	CU_ASSERT_FALSE(tod_holiday_match(h, 3, &(struct tm){ .tm_year = 124, .tm_mon = 11, .tm_mday = 24 }));
	CU_ASSERT_TRUE(tod_holiday_match(h, 3, &(struct tm){ .tm_year = 128, .tm_mon = 1, .tm_mday = 29 }));
	CU_ASSERT_FALSE(tod_holiday_match(h, 0, &(struct tm){ .tm_year = 124, .tm_mon = 11, .tm_mday = 25 }));
}

/* Several ranges: any one opens; a holiday closes whatever the hours. */
static void test_open(void)
{
	struct tod_range r[2] = { range("mon-fri 08:30-12:00"), range("mon-fri 13:00-17:00") };
	struct tod_holiday h;
	char err[160];
	CU_ASSERT_EQUAL_FATAL(tod_parse_holiday("2024-01-08", &h, err, sizeof err), 0);
	struct tm fri_am = at(2024, 1, 5, 9, 0), fri_noon = at(2024, 1, 5, 12, 30),
	          fri_pm = at(2024, 1, 5, 16, 0), mon_am = at(2024, 1, 8, 9, 0),
	          tue_am = at(2024, 1, 9, 9, 0);
	CU_ASSERT_TRUE(tod_open(r, 2, &h, 1, &fri_am));
	CU_ASSERT_FALSE(tod_open(r, 2, &h, 1, &fri_noon));
	CU_ASSERT_TRUE(tod_open(r, 2, &h, 1, &fri_pm));
	CU_ASSERT_FALSE(tod_open(r, 2, &h, 1, &mon_am));   /* the holiday */
	CU_ASSERT_TRUE(tod_open(r, 2, NULL, 0, &mon_am));
	CU_ASSERT_TRUE(tod_open(r, 2, &h, 1, &tue_am));
	CU_ASSERT_FALSE(tod_open(NULL, 0, NULL, 0, &tue_am));   /* no hours: never open */
}

static void test_errors(void)
{
	static const char *const bad_ranges[] = {
		"", "   ", "mon-fry 08:00-17:00", "monday", "mon,", "mon-fri 8:00-17:00",
		"mon-fri 08:00-17:60", "mon-fri 24:00-17:00", "mon-fri 08:00-24:01",
		"mon-fri 08:00", "mon-fri 08:00-08:00", "mon-fri 08:00-17:00 x", "mon-fri -",
	};
	static const char *const bad_holidays[] = {
		"", "12-32", "13-01", "2023-02-29", "1969-12-31", "2024-1-05", "12/25", "12-25x",
		" 12-25", "2024-04-31",
	};
	struct tod_range r;
	struct tod_holiday h;
	char err[160];
	for (size_t i = 0; i < sizeof bad_ranges / sizeof bad_ranges[0]; i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(tod_parse_range(bad_ranges[i], &r, err, sizeof err), -EINVAL);
		CU_ASSERT(err[0] != '\0');
	}
	for (size_t i = 0; i < sizeof bad_holidays / sizeof bad_holidays[0]; i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(tod_parse_holiday(bad_holidays[i], &h, err, sizeof err), -EINVAL);
		CU_ASSERT(err[0] != '\0');
	}
	CU_ASSERT_EQUAL(tod_parse_range("mon-fry 08:00-17:00", &r, err, sizeof err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "'fry'"));
	CU_ASSERT_EQUAL(tod_parse_holiday("2024-02-29", &h, err, sizeof err), 0);   /* a leap year */
}

static CU_TestInfo timeofday_tests[] = {
	{ "week days, ranges and lists", test_weekdays },
	{ "times past midnight", test_past_midnight },
	{ "holidays once and yearly", test_holidays },
	{ "several ranges and a holiday", test_open },
	{ "parse errors", test_errors },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "timeofday", .pTests = timeofday_tests },
	CU_SUITE_INFO_NULL,
};
