/* mod_queuewatch — a module for the tests only: a user of mod_queue's API
 * (include/tandem/queue.h), as the control tool will be. Every 0.5 s it
 * logs each queue, its callers and its agents when they changed. */
#include "config.h"

#include <ev.h>
#include <stdio.h>
#include <string.h>

#include <tandem/queue.h>
#include <tandem/tandem.h>

struct watch {
	struct tandem *t;
	const struct queue_api *api;
	ev_timer tick;
	char last[4096];
};
static struct watch w;

struct text {
	char *p;
	size_t n, len;
	const char *queue;
};

static void put(struct text *x, const char *s)
{
	int k = snprintf(x->p + x->len, x->n - x->len, "%s", s);
	if (k > 0 && (size_t)k < x->n - x->len)
		x->len += (size_t)k;
}

static int one_caller(void *arg, const struct queue_caller_info *c)
{
	char line[512];
	snprintf(line, sizeof line, "queuewatch: %s caller %s position %u%s\n",
	         ((struct text *)arg)->queue, c->call_id, c->position, c->offered ? " offered" : "");
	put(arg, line);
	return 0;
}

static int one_agent(void *arg, const struct queue_agent_info *a)
{
	char line[256];
	snprintf(line, sizeof line, "queuewatch: %s agent %s %s calls %u\n",
	         ((struct text *)arg)->queue, a->user, a->state, a->calls_taken);
	put(arg, line);
	return 0;
}

static int one_queue(void *arg, const struct queue_info *q)
{
	struct text *x = arg;
	char line[256];
	snprintf(line, sizeof line, "queuewatch: queue %s %s callers %zu agents %zu free %zu "
	         "answered %u abandoned %u timed_out %u\n", q->name, q->strategy, q->callers,
	         q->agents, q->agents_free, q->answered, q->abandoned, q->timed_out);
	put(x, line);
	x->queue = q->name;
	w.api->callers(w.t, q->name, one_caller, x);
	w.api->agents(w.t, q->name, one_agent, x);
	return 0;
}

static void on_tick(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop; (void)t; (void)revents;
	char buf[sizeof w.last];
	struct text x = { buf, sizeof buf, 0, NULL };
	buf[0] = '\0';
	w.api->queues(w.t, one_queue, &x);
	if (strcmp(buf, w.last) == 0)
		return;
	memcpy(w.last, buf, sizeof buf);
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		tlog_info("%s", line);
}

static int watch_start(struct tandem *t)
{
	w.t = t;
	if (!(w.api = queue_load_api(t, "queuewatch")))
		return -1;
	ev_timer_init(&w.tick, on_tick, 0.5, 0.5);
	ev_timer_start(tandem_loop(t), &w.tick);
	return 0;
}

static void watch_stop(struct tandem *t)
{
	ev_timer_stop(tandem_loop(t), &w.tick);
}

static const char *const deps[] = { "queue", NULL };

const struct tandem_module tandem_module = {
	.abi = TANDEM_MODULE_ABI,
	.build_sig = TANDEM_BUILD_SIGNATURE,
	.name = "queuewatch",
	.deps = deps,
	.start = watch_start,
	.stop = watch_stop,
};
