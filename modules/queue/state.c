/* mod_queue — the queues' state for the control tool and other modules
 * (include/tandem/queue.h). Read-only: nothing here changes a line. */
#include "config.h"

#include <errno.h>

#include <tandem/queue.h>

#include "queue.h"

static int api_queues(struct tandem *t, int (*fn)(void *arg, const struct queue_info *q), void *arg)
{
	struct qmod *m = tandem_module_data(t, QMOD);
	double now = m ? q_now(m) : 0;
	for (size_t i = 0; m && i < m->nqueues; i++) {
		struct qqueue *q = m->queues[i];
		const struct ql_line *l = &q->line;
		q_agents_refresh(m, q);
		size_t nfree = 0;
		for (size_t k = 0; k < l->nagents; k++)
			nfree += ql_agent_state(l, &l->agents[k], now) == QL_AGENT_FREE;
		struct queue_info info = {
			.name = l->name, .strategy = ql_strategy_name(l->strategy),
			.callers = l->ncallers, .agents = l->nagents, .agents_free = nfree,
			.answered = l->c.answered, .abandoned = l->c.abandoned, .timed_out = l->c.timed_out,
			.average_wait = l->c.answered ? l->c.total_wait / l->c.answered : 0,
		};
		int rc = fn(arg, &info);
		if (rc)
			return rc;
	}
	return 0;
}

static int api_callers(struct tandem *t, const char *queue,
                       int (*fn)(void *arg, const struct queue_caller_info *c), void *arg)
{
	struct qmod *m = tandem_module_data(t, QMOD);
	struct qqueue *q = m ? q_find(m, queue) : NULL;
	if (!q)
		return -ENOENT;
	double now = q_now(m);
	for (size_t i = 0; i < q->line.ncallers; i++) {
		const struct ql_caller *c = &q->line.callers[i];
		struct tandem_call_facts f;
		struct tandem_call *call = q_caller_call(q, c->id);
		struct queue_caller_info info = {
			.call_id = q_caller_call_id(q, c->id), .position = (unsigned)i + 1,
			.waited = now - c->joined, .estimated_wait = ql_estimate(&q->line, (unsigned)i + 1),
			.offered = c->offering,
		};
		/* the facts last until the next call into the core: after the Call-ID */
		info.caller = call && tandem_call_facts(call, &f) == 0 && f.caller ? f.caller : "";
		int rc = fn(arg, &info);
		if (rc)
			return rc;
	}
	return 0;
}

static int api_agents(struct tandem *t, const char *queue,
                      int (*fn)(void *arg, const struct queue_agent_info *a), void *arg)
{
	struct qmod *m = tandem_module_data(t, QMOD);
	struct qqueue *q = m ? q_find(m, queue) : NULL;
	if (!q)
		return -ENOENT;
	double now = q_now(m);
	q_agents_refresh(m, q);
	for (size_t i = 0; i < q->line.nagents; i++) {
		const struct ql_agent *a = &q->line.agents[i];
		struct queue_agent_info info = {
			.user = a->user, .state = ql_agent_state_name(ql_agent_state(&q->line, a, now)),
			.penalty = a->penalty, .calls_taken = a->calls_taken,
			.since_last_call = a->last_call_end > 0 ? now - a->last_call_end : -1,
		};
		int rc = fn(arg, &info);
		if (rc)
			return rc;
	}
	return 0;
}

const struct queue_api q_api = {
	.queues = api_queues,
	.callers = api_callers,
	.agents = api_agents,
};
