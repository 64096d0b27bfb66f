/* mod_queue — "queues [QUEUE]" on the control socket (docs/CONTROL.md,
 * "Module commands"), from the module's state API (state.c,
 * include/tandem/queue.h): without QUEUE one row per queue (a table);
 * with it the queue's object with its callers in line order and its
 * agents ("members") in member order (tables of their own under
 * tandemctl). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <tandem/control.h>

#include "queue.h"

/* whole seconds for the tables; the state keeps fractions */
static json_t *secs(double s)
{
	return json_integer(s > 0 ? (json_int_t)(s + 0.5) : 0);
}

static int longest_wait(void *arg, const struct queue_caller_info *c)
{
	double *longest = arg;
	if (c->waited > *longest)
		*longest = c->waited;
	return 0;
}

static json_t *queue_json(struct tandem *t, const struct queue_info *q)
{
	double longest = 0;
	q_api.callers(t, q->name, longest_wait, &longest);
	json_t *o = json_object();
	if (!o)
		return NULL;
	/* the members' order is the table's column order */
	json_object_set_new(o, "queue", json_string(q->name));
	json_object_set_new(o, "strategy", json_string(q->strategy));
	json_object_set_new(o, "waiting", json_integer((json_int_t)q->callers));
	json_object_set_new(o, "longest_wait", secs(longest));
	json_object_set_new(o, "agents", json_integer((json_int_t)q->agents));
	json_object_set_new(o, "agents_free", json_integer((json_int_t)q->agents_free));
	json_object_set_new(o, "answered", json_integer(q->answered));
	json_object_set_new(o, "abandoned", json_integer(q->abandoned));
	json_object_set_new(o, "timed_out", json_integer(q->timed_out));
	json_object_set_new(o, "average_wait", secs(q->average_wait));
	return o;
}

static int caller_row(void *arg, const struct queue_caller_info *c)
{
	json_t *o = json_object();
	if (!o)
		return -ENOMEM;
	json_object_set_new(o, "position", json_integer(c->position));
	json_object_set_new(o, "caller", c->caller[0] ? json_string(c->caller) : json_null());
	json_object_set_new(o, "waiting", secs(c->waited));
	json_object_set_new(o, "estimated_wait", c->estimated_wait > 0 ? secs(c->estimated_wait)
	                                                               : json_null());
	json_object_set_new(o, "offered", json_boolean(c->offered));
	json_object_set_new(o, "call_id", json_string(c->call_id));
	return json_array_append_new(arg, o) < 0 ? -ENOMEM : 0;
}

static int agent_row(void *arg, const struct queue_agent_info *a)
{
	json_t *o = json_object();
	if (!o)
		return -ENOMEM;
	json_object_set_new(o, "agent", json_string(a->user));
	json_object_set_new(o, "state", json_string(a->state));
	json_object_set_new(o, "calls_taken", json_integer(a->calls_taken));
	json_object_set_new(o, "penalty", json_integer(a->penalty));
	json_object_set_new(o, "last_call", a->since_last_call >= 0 ? secs(a->since_last_call) : json_null());
	return json_array_append_new(arg, o) < 0 ? -ENOMEM : 0;
}

struct walk {
	struct tandem *t;
	json_t *arr;                /* every queue's row */
	const char *only;
	json_t *found;              /* the one named */
};

static int queue_visit(void *arg, const struct queue_info *q)
{
	struct walk *w = arg;
	if (w->only && strcmp(w->only, q->name) != 0)
		return 0;
	json_t *o = queue_json(w->t, q);
	if (!o)
		return -ENOMEM;
	if (w->only) {
		w->found = o;
		return 1;
	}
	return json_array_append_new(w->arr, o) < 0 ? -ENOMEM : 0;
}

static int queue_detail(struct tandem *t, json_t *o, const char *name)
{
	json_t *callers = json_array(), *agents = json_array();
	if (!callers || !agents || json_object_set_new(o, "callers", callers) < 0) {
		json_decref(agents);
		return -ENOMEM;
	}
	if (json_object_set_new(o, "members", agents) < 0)
		return -ENOMEM;
	int rc = q_api.callers(t, name, caller_row, callers);
	if (rc == 0)
		rc = q_api.agents(t, name, agent_row, agents);
	return rc;
}

static int queues_run(struct tandem *t, const json_t *args, json_t **result, char *err, size_t errlen,
                      void *arg)
{
	(void)arg;
	size_t nargs = tandem_control_nargs(args);
	const char *name = tandem_control_arg(args, 0);
	if (nargs > 1 || (nargs == 1 && (!name || !*name))) {
		snprintf(err, errlen, "usage: queues [QUEUE]");
		return -EINVAL;
	}
	struct walk w = { .t = t, .only = name };
	if (!name && !(w.arr = json_array()))
		goto nomem;
	int rc = q_api.queues(t, queue_visit, &w);
	if (rc < 0) {
		json_decref(w.arr);
		json_decref(w.found);
		goto nomem;
	}
	if (!name) {
		*result = w.arr;
		return 0;
	}
	if (!w.found) {
		snprintf(err, errlen, "no queue %s", name);
		return -ENOENT;
	}
	if (queue_detail(t, w.found, name) < 0) {
		json_decref(w.found);
		goto nomem;
	}
	*result = w.found;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

static const struct tandem_control_command queues = {
	.name = "queues",
	.usage = "[QUEUE]",
	.help = "the call queues; with QUEUE its callers in line and its agents",
	.run = queues_run,
};

int q_control_add(struct tandem *t)
{
	return tandem_control_command_add(t, QMOD, &queues);
}

void q_control_remove(struct tandem *t)
{
	tandem_control_command_remove_all(t, QMOD);
}
