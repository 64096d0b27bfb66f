/* mod_timeofday's matcher (hours.h): parsing office hours and holidays,
 * and matching a local time against them. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hours.h"

#define DAY_MINUTES (24 * 60)

/* in tm_wday order */
static const char *const day_names[7] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

static int day_of(const char *s, size_t n)
{
	for (int i = 0; i < 7; i++)
		if (n == 3 && strncasecmp(s, day_names[i], 3) == 0)
			return i;
	return -1;
}

/* "mon", "mon-fri", "fri-mon" (wrapping) into *days */
static int parse_day_item(const char *s, size_t n, unsigned *days, char *err, size_t errlen)
{
	const char *dash = memchr(s, '-', n);
	size_t n1 = dash ? (size_t)(dash - s) : n;
	int a = day_of(s, n1), b = a;

	if (a < 0) {
		snprintf(err, errlen, "unknown day '%.*s' (mon, tue, wed, thu, fri, sat, sun)", (int)n1, s);
		return -EINVAL;
	}
	if (dash) {
		size_t n2 = n - n1 - 1;
		b = day_of(dash + 1, n2);
		if (b < 0) {
			snprintf(err, errlen, "unknown day '%.*s' (mon, tue, wed, thu, fri, sat, sun)",
			         (int)n2, dash + 1);
			return -EINVAL;
		}
	}
	for (int d = a;; d = (d + 1) % 7) {
		*days |= 1u << d;
		if (d == b)
			break;
	}
	return 0;
}

/* "HH:MM" into minutes; 24:00 only when end is true */
static int parse_clock(const char *s, size_t n, bool end, unsigned *out)
{
	if (n != 5 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':' ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return -EINVAL;
	unsigned h = (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
	unsigned m = (unsigned)(s[3] - '0') * 10 + (unsigned)(s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && (m != 0 || !end)))
		return -EINVAL;
	*out = h * 60 + m;
	return 0;
}

static int parse_times(const char *s, struct tod_range *r, char *err, size_t errlen)
{
	const char *dash = strchr(s, '-');
	size_t len = strlen(s);

	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (!dash || parse_clock(s, (size_t)(dash - s), false, &r->from) < 0 ||
	    parse_clock(dash + 1, len - (size_t)(dash + 1 - s), true, &r->to) < 0) {
		snprintf(err, errlen, "bad times '%.*s' (HH:MM-HH:MM, 00:00 to 24:00)", (int)len, s);
		return -EINVAL;
	}
	if (r->from == r->to) {
		snprintf(err, errlen, "empty times '%.*s' (a whole day is 00:00-24:00)", (int)len, s);
		return -EINVAL;
	}
	return 0;
}

int tod_parse_range(const char *spec, struct tod_range *r, char *err, size_t errlen)
{
	const char *p = spec, *days_end;

	memset(r, 0, sizeof *r);
	while (isspace((unsigned char)*p))
		p++;
	days_end = p;
	while (*days_end && !isspace((unsigned char)*days_end))
		days_end++;
	if (days_end == p) {
		snprintf(err, errlen, "no days (e.g. \"mon-fri 08:30-17:00\")");
		return -EINVAL;
	}
	while (p < days_end) {
		const char *comma = memchr(p, ',', (size_t)(days_end - p));
		const char *e = comma ? comma : days_end;
		if (parse_day_item(p, (size_t)(e - p), &r->days, err, errlen) < 0)
			return -EINVAL;
		p = comma ? comma + 1 : days_end;
		if (comma && p == days_end) {
			snprintf(err, errlen, "a day list ends in ','");
			return -EINVAL;
		}
	}
	while (isspace((unsigned char)*p))
		p++;
	if (!*p) {
		r->from = 0;
		r->to = DAY_MINUTES;
		return 0;
	}
	return parse_times(p, r, err, errlen);
}

static int days_in_month(int year, int month)
{
	static const int n[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = year == 0 || (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0));
	return month == 2 && !leap ? 28 : n[month - 1];
}

int tod_parse_holiday(const char *spec, struct tod_holiday *h, char *err, size_t errlen)
{
	int y = 0, m, d, end = 0;

	memset(h, 0, sizeof *h);
	if (sscanf(spec, "%4d-%2d-%2d%n", &y, &m, &d, &end) == 3 && end == 10 && spec[end] == '\0')
		;
	else if (y = 0, end = 0, sscanf(spec, "%2d-%2d%n", &m, &d, &end) == 2 && end == 5 &&
	         spec[end] == '\0')
		;
	else {
		snprintf(err, errlen, "bad holiday '%s' (YYYY-MM-DD once, MM-DD every year)", spec);
		return -EINVAL;
	}
	/* "MM-DD" allows 02-29: a leap year's yearly holiday */
	if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m) || (end == 10 && y < 1970)) {
		snprintf(err, errlen, "no such date '%s'", spec);
		return -EINVAL;
	}
	h->year = y;
	h->month = m;
	h->day = d;
	return 0;
}

bool tod_range_match(const struct tod_range *r, const struct tm *tm)
{
	unsigned now = (unsigned)(tm->tm_hour * 60 + tm->tm_min);
	unsigned today = 1u << tm->tm_wday, yesterday = 1u << ((tm->tm_wday + 6) % 7);

	if (r->from < r->to)
		return (r->days & today) && now >= r->from && now < r->to;
	/* past midnight: the evening of a listed day, or the morning after one */
	return ((r->days & today) && now >= r->from) || ((r->days & yesterday) && now < r->to);
}

bool tod_holiday_match(const struct tod_holiday *h, size_t n, const struct tm *tm)
{
	for (size_t i = 0; i < n; i++)
		if ((h[i].year == 0 || h[i].year == tm->tm_year + 1900) && h[i].month == tm->tm_mon + 1 &&
		    h[i].day == tm->tm_mday)
			return true;
	return false;
}

bool tod_open(const struct tod_range *r, size_t nr, const struct tod_holiday *h, size_t nh,
              const struct tm *tm)
{
	if (tod_holiday_match(h, nh, tm))
		return false;
	for (size_t i = 0; i < nr; i++)
		if (tod_range_match(&r[i], tm))
			return true;
	return false;
}
