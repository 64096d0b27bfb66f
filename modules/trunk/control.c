/* mod_trunk — "trunks [NAME]" on the control socket (docs/CONTROL.md,
 * "Module commands"): each trunk's provider, whether it answers (qualify)
 * and how fast, its registration, and its calls against its limit, from
 * the module's state API (state.c, include/tandem/trunk.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <tandem/control.h>

#include "trunk.h"

/* Seconds from now to a wall-clock time (null when there is none). */
static json_t *seconds_until(double when, double now)
{
	if (when <= 0)
		return json_null();
	double d = when - now;
	return json_integer(d > 0 ? (json_int_t)d + (d > (json_int_t)d) : 0);   /* rounded up */
}

static json_t *seconds_since(double when, double now)
{
	if (when <= 0)
		return json_null();
	double d = now - when;
	return json_integer(d > 0 ? (json_int_t)d : 0);
}

static json_t *text_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

/* The provider as configured: its host, and the port when one was given
 * (the state API has the host alone). */
static json_t *host_json(struct tandem *t, const struct trunk_info *ti)
{
	const struct trunk *tr = trunk_find(tandem_module_data(t, TMOD), ti->name);
	if (!tr || !tr->c.port)
		return json_string(ti->host);
	char buf[300];
	bool v6 = ti->host[0] != '[' && strchr(ti->host, ':');   /* brackets kept or not */
	snprintf(buf, sizeof buf, v6 ? "[%s]:%u" : "%s:%u", ti->host, tr->c.port);
	return json_string(buf);
}

static json_t *trunk_json(struct tandem *t, const struct trunk_info *ti)
{
	double now = trunk_wallclock();
	bool qualified = strcmp(ti->qualify_state, "off") != 0 && ti->qualify_rtt > 0;
	bool registers = strcmp(ti->reg_state, "off") != 0;
	json_t *o = json_object();
	if (!o)
		return NULL;
	/* the members' order is the table's column order */
	json_object_set_new(o, "name", json_string(ti->name));
	json_object_set_new(o, "host", host_json(t, ti));
	json_object_set_new(o, "target", text_or_null(ti->target));
	json_object_set_new(o, "state", json_string(ti->qualify_state));
	json_object_set_new(o, "latency_ms", qualified ? json_real((long)(ti->qualify_rtt * 10000 + 0.5) / 10.0)
	                                               : json_null());
	json_object_set_new(o, "registration", json_string(ti->reg_state));
	json_object_set_new(o, "reg_expires", ti->reg_expires ? json_integer(ti->reg_expires) : json_null());
	json_object_set_new(o, "reg_next", registers ? seconds_until(ti->reg_next, now) : json_null());
	json_object_set_new(o, "reg_since", registers ? seconds_since(ti->reg_since, now) : json_null());
	json_object_set_new(o, "reg_failures", json_integer(ti->reg_failures));
	json_object_set_new(o, "reg_error", text_or_null(ti->reg_error));
	json_object_set_new(o, "calls", json_integer(ti->active_calls));
	json_object_set_new(o, "max_calls", ti->max_calls ? json_integer(ti->max_calls) : json_null());
	json_object_set_new(o, "calls_total", json_integer((json_int_t)ti->calls_total));
	json_object_set_new(o, "calls_refused", json_integer((json_int_t)ti->calls_refused));
	return o;
}

struct walk {
	struct tandem *t;
	json_t *arr;
};

static int add_one(void *arg, const struct trunk_info *ti)
{
	struct walk *w = arg;
	json_t *o = trunk_json(w->t, ti);
	return o && json_array_append_new(w->arr, o) == 0 ? 0 : -ENOMEM;
}

static int trunks_run(struct tandem *t, const json_t *args, json_t **result, char *err, size_t errlen,
                      void *arg)
{
	(void)arg;
	size_t nargs = tandem_control_nargs(args);
	const char *name = tandem_control_arg(args, 0);
	if (nargs > 1 || (nargs == 1 && (!name || !*name))) {
		snprintf(err, errlen, "usage: trunks [NAME]");
		return -EINVAL;
	}
	if (name) {
		struct trunk_info ti;
		if (trunk_api.trunk(t, name, &ti) < 0) {
			snprintf(err, errlen, "no trunk %s", name);
			return -ENOENT;
		}
		if (!(*result = trunk_json(t, &ti))) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		return 0;
	}
	json_t *arr = json_array();
	struct walk w = { .t = t, .arr = arr };
	if (!arr || trunk_api.trunks(t, add_one, &w) < 0) {
		json_decref(arr);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*result = arr;
	return 0;
}

static const struct tandem_control_command trunks = {
	.name = "trunks",
	.usage = "[NAME]",
	.help = "the trunks to providers: reachability, registration, calls",
	.run = trunks_run,
};

int trunk_control_add(struct tandem *t)
{
	return tandem_control_command_add(t, TMOD, &trunks);
}

void trunk_control_remove(struct tandem *t)
{
	tandem_control_command_remove_all(t, TMOD);
}
