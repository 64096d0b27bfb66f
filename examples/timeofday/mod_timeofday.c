/* mod_timeofday: time-of-day routing, the example module of the SDK
 * (docs/MODULES.md "The example module, step by step"). Built out of
 * tree against the installed headers only (Makefile: pkg-config tandem).
 *
 * A schedule is a group of the module's config: office hours, holidays,
 * a time zone. The dialplan action office_hours(NAME) lets the plan go on
 * within the schedule's hours; outside them (or on a holiday) it ends
 * with the outcome "closed": the rest of the rule then runs only its
 * on(closed) actions (and on(...) after those), and with none the caller
 * gets the schedule's code.
 *
 *   timeofday: {
 *     office: {
 *       hours = ( "mon-fri 08:30-17:00", "sat 09:00-12:00" );
 *       holidays = ( "01-01", "12-25", "12-26", "2026-04-03" );
 *       timezone = "Europe/Berlin";     # default: tandemd's own
 *       code = 480; reason = "Closed";  # when no on(closed) takes the call
 *     };
 *   };
 *   { match = "^100$"; do = ( "office_hours(office)",
 *                             "on(closed): voicemail(sales, unavailable)",
 *                             "dial(1001 & 1002, 20)" ); }
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tandem/tandem.h>

#include "hours.h"

#define MOD "timeofday"

struct schedule {
	char *name;
	char *timezone;               /* NULL: tandemd's own */
	struct tod_range *ranges;
	size_t nranges;
	struct tod_holiday *holidays;
	size_t nholidays;
	unsigned code;
	char *reason;
};

struct timeofday {
	struct schedule *s;
	size_t n;
};

static void schedules_free(struct timeofday *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->s[i].name);
		free(m->s[i].timezone);
		free(m->s[i].ranges);
		free(m->s[i].holidays);
		free(m->s[i].reason);
	}
	free(m->s);
	m->s = NULL;
	m->n = 0;
}

static const struct schedule *schedule_find(const struct timeofday *m, const char *name)
{
	for (size_t i = 0; m && i < m->n; i++)
		if (strcmp(m->s[i].name, name) == 0)
			return &m->s[i];
	return NULL;
}

/* A zone name as TZ takes it: a file under the zoneinfo folder. Checked at
 * load, so a typo is a config error and not UTC at run time (glibc reads an
 * unknown zone as UTC without a word). */
static int zone_exists(const char *zone)
{
	const char *dir = getenv("TZDIR") ? getenv("TZDIR") : "/usr/share/zoneinfo";
	char path[512];

	if (!*zone || zone[0] == '/' || strstr(zone, ".."))
		return 0;
	snprintf(path, sizeof path, "%s/%s", dir, zone);
	return access(path, R_OK) == 0;
}

/* hours or holidays: a list of strings, each parsed by one of hours.h */
static int read_specs(const config_setting_t *g, const char *key, bool holidays,
                      struct schedule *s)
{
	const config_setting_t *list = config_setting_get_member(g, key);
	char err[160];

	if (!list)
		return 0;
	if (!config_setting_is_list(list) && !config_setting_is_array(list)) {
		tandem_config_error(MOD, list, "%s: '%s' must be a list of strings", s->name, key);
		return -EINVAL;
	}
	int n = config_setting_length(list);
	void *arr = calloc((size_t)n + 1, holidays ? sizeof *s->holidays : sizeof *s->ranges);
	if (!arr)
		return -ENOMEM;
	if (holidays)
		s->holidays = arr;
	else
		s->ranges = arr;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
		const char *spec = config_setting_get_string(e);
		int rc = !spec ? (snprintf(err, sizeof err, "not a string"), -EINVAL)
		         : holidays ? tod_parse_holiday(spec, &s->holidays[i], err, sizeof err)
		                    : tod_parse_range(spec, &s->ranges[i], err, sizeof err);
		if (rc < 0) {
			/* the element's own line: lists often span several */
			tandem_config_error(MOD, e, "%s: %s[%d]: %s", s->name, key, i, err);
			return rc;
		}
	}
	if (holidays)
		s->nholidays = (size_t)n;
	else
		s->nranges = (size_t)n;
	return 0;
}

static int read_schedule(const config_setting_t *g, struct schedule *s)
{
	const char *tz = NULL, *reason = "Closed";
	int rc;

	if (!config_setting_is_group(g)) {
		tandem_config_error(MOD, g, "'%s' must be a schedule group (hours, holidays, timezone)",
		                    config_setting_name(g));
		return -EINVAL;
	}
	if (!(s->name = strdup(config_setting_name(g))))
		return -ENOMEM;
	if ((rc = read_specs(g, "hours", false, s)) < 0 || (rc = read_specs(g, "holidays", true, s)) < 0)
		return rc;
	if (!config_setting_get_member(g, "hours")) {
		tandem_config_error(MOD, g, "%s: no 'hours' (e.g. hours = ( \"mon-fri 08:30-17:00\" );)",
		                    s->name);
		return -EINVAL;
	}
	const config_setting_t *z = config_setting_get_member(g, "timezone");
	if (z && (!(tz = config_setting_get_string(z)) || !zone_exists(tz))) {
		tandem_config_error(MOD, z, "%s: unknown timezone '%s' (a zone such as \"Europe/Berlin\")",
		                    s->name, tz ? tz : "");
		return -EINVAL;
	}
	if (tz && !(s->timezone = strdup(tz)))
		return -ENOMEM;
	if ((rc = tandem_config_uint(MOD, g, "code", 480, 400, 699, &s->code)) < 0)
		return rc;
	const config_setting_t *r = config_setting_get_member(g, "reason");
	if (r && !(reason = config_setting_get_string(r))) {
		tandem_config_error(MOD, r, "%s: 'reason' must be a string", s->name);
		return -EINVAL;
	}
	return (s->reason = strdup(reason)) ? 0 : -ENOMEM;
}

/* Every member of the group is a schedule. On failure m is left empty. */
static int read_config(struct timeofday *m, const config_setting_t *cfg)
{
	int n = cfg ? config_setting_length(cfg) : 0;

	m->s = calloc((size_t)n + 1, sizeof *m->s);
	if (!m->s)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		m->n = (size_t)i + 1;
		int rc = read_schedule(config_setting_get_elem(cfg, (unsigned)i), &m->s[i]);
		if (rc < 0) {
			schedules_free(m);
			return rc;
		}
	}
	return 0;
}

/* The local time in zone (NULL: tandemd's). glibc converts only in the
 * process's zone, so TZ is switched for the conversion and back. That is
 * safe here: it runs on the signalling loop, the one thread that handles
 * calls, and nothing of tandemd keeps a time zone across a call. */
static int local_time(const char *zone, time_t now, struct tm *out)
{
	if (!zone)
		return localtime_r(&now, out) ? 0 : -1;
	const char *was = getenv("TZ");
	char *old = was ? strdup(was) : NULL;
	if (was && !old)
		return -1;
	setenv("TZ", zone, 1);
	tzset();
	struct tm *ok = localtime_r(&now, out);
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
	return ok ? 0 : -1;
}

/* office_hours(NAME): the schedule must exist when the plan is loaded
 * (a name from a variable is looked up when the call comes). */
static int hours_fixup(struct tandem *t, int argc, const char *const *argv, void **priv, char *err,
                       size_t errlen)
{
	(void)argc;   /* one argument: the action's table says so */
	*priv = NULL;
	if (!strstr(argv[0], "${") && !schedule_find(tandem_module_data(t, MOD), argv[0])) {
		snprintf(err, errlen, "office_hours(%s): no such schedule in the timeofday group", argv[0]);
		return -EINVAL;
	}
	return 0;
}

static enum tandem_verdict hours_run(struct tandem_event *ev, void *priv)
{
	/* looked up by name at each call: a reload replaces the schedules */
	const struct schedule *s = schedule_find(tandem_module_data(ev->t, MOD), ev->argv[0]);
	struct tm now;

	(void)priv;
	if (!s) {
		tlog_warn("mod_timeofday: call %s: no schedule '%s': closed", tandem_call_id(ev->call),
		          ev->argv[0]);
	} else if (local_time(s->timezone, time(NULL), &now) < 0) {
		tlog_warn("mod_timeofday: call %s: no local time for %s: closed",
		          tandem_call_id(ev->call), s->name);
	} else if (tod_open(s->ranges, s->nranges, s->holidays, s->nholidays, &now)) {
		tlog_info("mod_timeofday: call %s: %s is open", tandem_call_id(ev->call), s->name);
		return TANDEM_CONTINUE;
	} else {
		tlog_info("mod_timeofday: call %s: %s is closed (%s)", tandem_call_id(ev->call), s->name,
		          tod_holiday_match(s->holidays, s->nholidays, &now) ? "a holiday"
		                                                              : "outside its hours");
	}
	if (tandem_route_set_outcome(ev, "closed", s ? (int)s->code : 480,
	                             s ? s->reason : "Closed", NULL) < 0)
		return TANDEM_REJECT;   /* ev->reject_code unset: the core's 500 */
	return TANDEM_CONTINUE;
}

static int timeofday_init(struct tandem *t, const config_setting_t *cfg)
{
	struct timeofday *m = calloc(1, sizeof *m);
	if (!m)
		return -ENOMEM;
	int rc = read_config(m, cfg);
	if (rc < 0) {
		free(m);
		return rc;
	}
	tandem_set_module_data(t, MOD, m);
	tlog_info("mod_timeofday: %zu schedule(s)", m->n);
	return 0;
}

/* A bad new group vetoes the reload and the old schedules stay. */
static int timeofday_reload(struct tandem *t, const config_setting_t *cfg)
{
	struct timeofday *m = tandem_module_data(t, MOD), next = { 0 };
	int rc = read_config(&next, cfg);
	if (rc < 0)
		return rc;
	schedules_free(m);
	*m = next;
	return 0;
}

static void timeofday_stop(struct tandem *t)
{
	struct timeofday *m = tandem_module_data(t, MOD);
	if (!m)
		return;
	schedules_free(m);
	free(m);
	tandem_set_module_data(t, MOD, NULL);
}

static const struct tandem_action timeofday_actions[] = {
	{ "office_hours", 1, 1, hours_fixup, hours_run, NULL },
	{ NULL, 0, 0, NULL, NULL, NULL }
};

const struct tandem_module tandem_module = {
	.abi = TANDEM_MODULE_ABI,
	.build_sig = TANDEM_BUILD_SIGNATURE,
	.name = MOD,
	.init = timeofday_init,
	.reload = timeofday_reload,
	.stop = timeofday_stop,
	.actions = timeofday_actions,
};
