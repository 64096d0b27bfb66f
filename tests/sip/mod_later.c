/* mod_later — a module for the tests only: the dialplan action
 * later(ms[, code]) suspends the call's plan (TANDEM_SUSPEND) and resumes
 * it from a timer ms later, with TANDEM_CONTINUE, or rejecting with code.
 * It stands for modules that answer later (a database lookup, a queue): the
 * caller may CANCEL meanwhile, and the CALL_END hook then stops the timer.
 *
 *   dialplan: { internal: ( { match = "^x$"; do = ( "later(300)", "dial(...)" ); } ); };
 */
#include "config.h"

#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>

#include <tandem/tandem.h>

struct later_args {
	unsigned ms;
	int code;      /* 0: continue */
};

/* One suspended call. */
struct pending {
	ev_timer w;
	struct tandem *t;
	struct tandem_call *call;
	int code;
};

static int later_fixup(struct tandem *t, int argc, const char *const *argv, void **priv,
                       char *err, size_t errlen)
{
	(void)t;
	char *end;
	long ms = strtol(argv[0], &end, 10);
	if (*end || ms < 1 || ms > 60000) {
		snprintf(err, errlen, "later: '%s' is not a delay in ms (1..60000)", argv[0]);
		return -EINVAL;
	}
	long code = 0;
	if (argc > 1) {
		code = strtol(argv[1], &end, 10);
		if (*end || code < 300 || code > 699) {
			snprintf(err, errlen, "later: '%s' is not a failure status (300..699)", argv[1]);
			return -EINVAL;
		}
	}
	struct later_args *a = malloc(sizeof *a);
	if (!a)
		return -ENOMEM;
	a->ms = (unsigned)ms;
	a->code = (int)code;
	*priv = a;
	return 0;
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct pending *p = (struct pending *)w;
	(void)loop; (void)revents;
	struct tandem_call *call = p->call;
	int code = p->code;
	tandem_call_set_data(call, "later", NULL);
	free(p);
	tlog_info("later: call %s resumes", tandem_call_id(call));
	/* the call may end inside: nothing of it is touched after */
	tandem_call_resume(call, code ? TANDEM_REJECT : TANDEM_CONTINUE, code, NULL);
}

static enum tandem_verdict later_run(struct tandem_event *ev, void *priv)
{
	const struct later_args *a = priv;
	struct pending *p = calloc(1, sizeof *p);
	if (!p || !ev->call || tandem_call_set_data(ev->call, "later", p) < 0) {
		free(p);
		ev->reject_code = 500;
		return TANDEM_REJECT;
	}
	p->t = ev->t;
	p->call = ev->call;
	p->code = a->code;
	ev_timer_init(&p->w, on_timer, a->ms / 1000., 0.);
	ev_timer_start(tandem_loop(ev->t), &p->w);
	tlog_info("later: call %s suspended for %u ms", tandem_call_id(ev->call), a->ms);
	return TANDEM_SUSPEND;
}

/* The caller gave up (or tandem stops) while the call was suspended. */
static enum tandem_verdict later_call_end(struct tandem_event *ev)
{
	struct pending *p = tandem_call_data(ev->call, "later");
	if (p) {
		ev_timer_stop(tandem_loop(p->t), &p->w);
		tandem_call_set_data(ev->call, "later", NULL);
		free(p);
		tlog_info("later: call %s ended while suspended", tandem_call_id(ev->call));
	}
	return TANDEM_CONTINUE;
}

static const struct tandem_action actions[] = {
	{ "later", 1, 2, later_fixup, later_run, free },
	{ NULL, 0, 0, NULL, NULL, NULL }
};

static const struct tandem_hook hooks[] = {
	{ TANDEM_HOOK_CALL_END, 0, later_call_end },
	{ 0, 0, NULL }
};

const struct tandem_module tandem_module = {
	.abi = TANDEM_MODULE_ABI,
	.build_sig = TANDEM_BUILD_SIGNATURE,
	.name = "later",
	.actions = actions,
	.hooks = hooks,
};
