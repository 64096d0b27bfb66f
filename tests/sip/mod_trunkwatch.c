/* mod_trunkwatch — a module for the tests only: a user of mod_trunk's
 * state API (include/tandem/trunk.h), as the control tool will be. Every
 * 0.2 s it logs each trunk whose state changed: registration, qualify,
 * calls. */
#include "config.h"

#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <string.h>

#include <tandem/tandem.h>
#include <tandem/trunk.h>

#define WATCH_MAX 32

static struct {
	struct tandem *t;
	const struct trunk_api *api;
	ev_timer tick;
	char last[WATCH_MAX][512];
	unsigned n;
} w;

static int one_trunk(void *arg, const struct trunk_info *ti)
{
	unsigned *i = arg;
	char line[512];
	/* times as "set or not": their values change every second */
	snprintf(line, sizeof line, "trunkwatch: %s target '%s' reg %s since %s next %s expires %u "
	         "failures %u error '%s' qualify %s calls %u/%u total %lu refused %lu", ti->name,
	         ti->target, ti->reg_state, ti->reg_since > 0 ? "set" : "-",
	         ti->reg_next > 0 ? "set" : "-", ti->reg_expires, ti->reg_failures, ti->reg_error,
	         ti->qualify_state, ti->active_calls, ti->max_calls, ti->calls_total,
	         ti->calls_refused);
	if (*i < WATCH_MAX && strcmp(line, w.last[*i]) != 0) {
		snprintf(w.last[*i], sizeof w.last[*i], "%s", line);
		tlog_info("%s", line);
	}
	(*i)++;
	return 0;
}

static void on_tick(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop; (void)t; (void)revents;
	unsigned i = 0;
	w.api->trunks(w.t, one_trunk, &i);
	struct trunk_info one;
	if (i && w.api->trunk(w.t, "no-such-trunk", &one) != -ENOENT)
		tlog_error("trunkwatch: an unknown trunk was found");
}

static int watch_start(struct tandem *t)
{
	w.t = t;
	if (!(w.api = trunk_load_api(t, "trunkwatch")))
		return -1;
	ev_timer_init(&w.tick, on_tick, 0.2, 0.2);
	ev_timer_start(tandem_loop(t), &w.tick);
	return 0;
}

static void watch_stop(struct tandem *t)
{
	ev_timer_stop(tandem_loop(t), &w.tick);
}

static const char *const deps[] = { "trunk", NULL };

const struct tandem_module tandem_module = {
	.abi = TANDEM_MODULE_ABI,
	.build_sig = TANDEM_BUILD_SIGNATURE,
	.name = "trunkwatch",
	.deps = deps,
	.start = watch_start,
	.stop = watch_stop,
};
