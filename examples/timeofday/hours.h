/* mod_timeofday's matcher: office hours and holidays, pure (no clock, no
 * time zone, no tandem): the module hands it the local time of the
 * schedule's zone as a struct tm, tests hand it any time they like.
 *
 * An hours spec is "DAYS" or "DAYS HH:MM-HH:MM":
 *   DAYS   day names (mon tue wed thu fri sat sun), ranges of them
 *          ("mon-fri", "fri-mon" wraps over the week end), comma-joined
 *          ("mon,wed,fri-sat"); without times the whole day;
 *   times  from (inclusive) to (exclusive), 00:00..23:59, and 24:00 as an
 *          end; an end before the start runs past midnight into the next
 *          day ("fri 22:00-06:00" is Friday night until Saturday 06:00).
 * A holiday is "YYYY-MM-DD" (that day once) or "MM-DD" (every year). */
#ifndef TOD_HOURS_H
#define TOD_HOURS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct tod_range {
	unsigned days;          /* bit n: tm_wday n (0 = Sunday) */
	unsigned from, to;      /* minutes since midnight; to may be 1440 */
};

struct tod_holiday {
	int year;               /* 0: every year */
	int month, day;         /* 1..12, 1..31 */
};

/* Parse an hours spec. 0, or -EINVAL with the reason in err. */
int tod_parse_range(const char *spec, struct tod_range *out, char *err, size_t errlen);
/* Parse a holiday. 0, or -EINVAL with the reason in err. */
int tod_parse_holiday(const char *spec, struct tod_holiday *out, char *err, size_t errlen);

/* Is the local time tm (tm_wday, tm_hour, tm_min read) inside r? */
bool tod_range_match(const struct tod_range *r, const struct tm *tm);
/* Is tm's date (tm_year, tm_mon, tm_mday read) one of the holidays? */
bool tod_holiday_match(const struct tod_holiday *h, size_t n, const struct tm *tm);
/* Open: inside one of the ranges and not on a holiday. */
bool tod_open(const struct tod_range *r, size_t nr, const struct tod_holiday *h, size_t nh,
              const struct tm *tm);

#endif
