/* mod_queue — agents: logging in and out and pausing by feature code
 * (sample: *45, *46, *47), and who is free to take a caller: registered
 * (a phone in the location service), in no tandem call, as caller or as
 * the callee who answered, and not ringing for any call (a direct call to
 * the agent counts as much as a queue call: app_queue users complain of
 * agents rung while busy). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <tandem/registrar.h>
#include <tandem/sip_uri.h>

#include "queue.h"

enum { P_LOGGED_IN = 0, P_LOGGED_OUT, P_PAUSED, P_UNPAUSED };

/* What op does to one membership; the prompt it earned. */
typedef int (*agent_op)(struct ql_agent *a);

static int op_login(struct ql_agent *a)
{
	a->logged_in = true;
	return P_LOGGED_IN;
}

static int op_logout(struct ql_agent *a)
{
	a->logged_in = false;
	a->paused = false;
	return P_LOGGED_OUT;
}

static int op_pause(struct ql_agent *a)
{
	a->paused = !a->paused;
	return a->paused ? P_PAUSED : P_UNPAUSED;
}

static enum tandem_verdict agent_action(struct tandem_event *ev, agent_op op, const char *what)
{
	struct qmod *m = tandem_module_data(ev->t, QMOD);
	const char *user = tandem_route_var(ev, "auth_user");
	const char *only = ev->argc > 0 && ev->argv[0][0] ? ev->argv[0] : NULL;
	if (!m || !user || !user[0]) {
		ev->reject_code = 403;
		ev->reject_reason = "Log In First";   /* put "auth" before the feature code */
		return TANDEM_REJECT;
	}
	int prompt = -1;
	for (size_t i = 0; i < m->nqueues; i++) {
		struct qqueue *q = m->queues[i];
		struct ql_agent *a = only && strcmp(only, q->line.name) ? NULL :
		                     ql_agent_find(&q->line, user);
		if (!a)
			continue;
		/* a pause toggle follows the first queue: all end alike */
		if (prompt >= 0 && op == op_pause)
			a->paused = prompt == P_PAUSED;
		else
			prompt = op(a);
		tlog_notice("mod_queue: call %s: agent %s %s in queue %s", tandem_call_id(ev->call), user,
		            prompt == P_PAUSED ? "paused" : prompt == P_UNPAUSED ? "unpaused" : what,
		            q->line.name);
	}
	if (prompt < 0) {
		ev->reject_code = 404;
		ev->reject_reason = "Not A Queue Member";
		return TANDEM_REJECT;
	}
	q_sweep_soon(m);   /* someone may be free now */
	return q_feature_confirm(m, ev, &m->agent_prompt[prompt]);
}

enum tandem_verdict q_agent_login(struct tandem_event *ev, void *priv)
{
	(void)priv;
	return agent_action(ev, op_login, "logged in");
}

enum tandem_verdict q_agent_logout(struct tandem_event *ev, void *priv)
{
	(void)priv;
	return agent_action(ev, op_logout, "logged out");
}

enum tandem_verdict q_agent_pause(struct tandem_event *ev, void *priv)
{
	(void)priv;
	return agent_action(ev, op_pause, "paused");
}

/* ---- who is in a call ---- */

struct busy_scan {
	struct qqueue *q;
};

/* The user part of a name-addr ("\"A\" <sip:1001@host>"), or of a bare
 * target ("1002"). */
static void user_of(const char *s, char *out, size_t n)
{
	struct sip_nameaddr na;
	out[0] = '\0';
	if (!s)
		return;
	if (!strchr(s, ':')) {
		snprintf(out, n, "%s", s);
		return;
	}
	if (sip_nameaddr_parse(sip_str_c(s), &na) == 0)
		sip_str_copy(out, n, na.uri.user);
}

static int mark_busy(struct tandem_call *call, void *arg)
{
	struct busy_scan *b = arg;
	struct tandem_call_facts f;
	if (tandem_call_facts(call, &f) < 0 || f.end > 0)
		return 0;
	char a[QL_NAME_MAX], callee[QL_NAME_MAX];
	user_of(f.caller, a, sizeof a);
	user_of(f.callee, callee, sizeof callee);
	for (size_t i = 0; i < b->q->line.nagents; i++) {
		struct ql_agent *ag = &b->q->line.agents[i];
		if (!strcmp(ag->user, a) || !strcmp(ag->user, callee))
			ag->in_call = true;
	}
	return 0;
}

/* ---- who is ringing ---- */

#define RING_FORGET 300.   /* s: a B-leg's final response never came (no dial lasts so long) */

static bool is_member(const struct qmod *m, const char *user)
{
	for (size_t i = 0; user && i < m->nqueues; i++)
		if (ql_agent_find(&m->queues[i]->line, user))
			return true;
	return false;
}

static struct q_ringing *ringing_of(struct qmod *m, const char *user, bool create)
{
	for (size_t i = 0; i < m->nringing; i++)
		if (!strcmp(m->ringing[i].user, user))
			return &m->ringing[i];
	if (!create || m->nringing == sizeof m->ringing / sizeof m->ringing[0])
		return NULL;
	struct q_ringing *r = &m->ringing[m->nringing++];
	*r = (struct q_ringing){ 0 };
	snprintf(r->user, sizeof r->user, "%s", user);
	return r;
}

enum tandem_verdict q_agent_bleg_create(struct tandem_event *ev)
{
	struct qmod *m = tandem_module_data(ev->t, QMOD);
	struct q_ringing *r = m && is_member(m, ev->leg_target) ? ringing_of(m, ev->leg_target, true)
	                                                        : NULL;
	if (r) {
		r->n++;
		r->since = q_now(m);
	}
	return TANDEM_CONTINUE;
}

enum tandem_verdict q_agent_bleg_response(struct tandem_event *ev)
{
	struct qmod *m = tandem_module_data(ev->t, QMOD);
	struct q_ringing *r = m && ev->msg && ev->msg->status >= 200 && ev->leg_target ?
	                      ringing_of(m, ev->leg_target, false) : NULL;
	if (r && r->n) {
		r->n--;
		r->since = q_now(m);
	}
	return TANDEM_CONTINUE;
}

static bool ringing_now(struct qmod *m, const char *user, double now)
{
	struct q_ringing *r = ringing_of(m, user, false);
	if (r && r->n && now - r->since > RING_FORGET)
		r->n = 0;
	return r && r->n;
}

void q_agents_refresh(struct qmod *m, struct qqueue *q)
{
	double now = q_now(m);
	for (size_t i = 0; i < q->line.nagents; i++) {
		struct ql_agent *a = &q->line.agents[i];
		struct location_contact lc[1];
		/* ringing for the queue is the line's own state (ql's ringing) */
		a->in_call = !a->ringing && ringing_now(m, a->user, now);
		a->registered = !m->registrar || m->registrar->lookup(m->t, a->user, lc, 1) > 0;
	}
	struct busy_scan b = { q };
	tandem_call_foreach(m->t, mark_busy, &b);
}
