/* mod_queue — the queues' metrics: callers waiting and for how long, the
 * agents by state, and how callers left the line. Read from the lines
 * (line.c) at scrape time; the agents refreshed as for the control tool. */
#include "config.h"

#include <string.h>

#include <tandem/metrics.h>

#include "queue.h"

#define NSTATES (QL_AGENT_WRAPUP + 1)

/* Seconds: a queue's service level is often "answered within 20 s". */
static const double wait_bounds[Q_WAIT_BUCKETS] = { 5, 10, 20, 30, 60, 120, 180, 300, 600 };

static struct tandem_histogram *wait_of(struct qqueue *q)
{
	if (!q->wait.counts)
		q->wait = (struct tandem_histogram){ .bounds = wait_bounds, .nbounds = Q_WAIT_BUCKETS,
		                                     .counts = q->wait_counts };
	return &q->wait;
}

void q_metrics_waited(struct qqueue *q, double secs)
{
	tandem_histogram_observe(wait_of(q), secs > 0 ? secs : 0);
}

static void waiting(struct qmod *m, struct tandem_metrics *mm, double now)
{
	tandem_metrics_family(mm, "tandem_queue_callers", TANDEM_METRIC_GAUGE,
	                      "Callers waiting in the queue now.");
	for (size_t i = 0; i < m->nqueues; i++)
		tandem_metrics_sample(mm, NULL, (double)m->queues[i]->line.ncallers, "queue",
		                      m->queues[i]->line.name, NULL);
	tandem_metrics_family(mm, "tandem_queue_longest_wait_seconds", TANDEM_METRIC_GAUGE,
	                      "How long the first caller in line has waited (0: nobody waits).");
	for (size_t i = 0; i < m->nqueues; i++) {
		const struct ql_line *l = &m->queues[i]->line;
		double w = l->ncallers ? now - l->callers[0].joined : 0;
		tandem_metrics_sample(mm, NULL, w > 0 ? w : 0, "queue", l->name, NULL);
	}
}

static void agents(struct qmod *m, struct tandem_metrics *mm, double now)
{
	tandem_metrics_family(mm, "tandem_queue_agents", TANDEM_METRIC_GAUGE,
	                      "Members of the queue, by state.");
	for (size_t i = 0; i < m->nqueues; i++) {
		struct qqueue *q = m->queues[i];
		unsigned n[NSTATES] = { 0 };
		q_agents_refresh(m, q);
		for (size_t k = 0; k < q->line.nagents; k++) {
			enum ql_agent_state st = ql_agent_state(&q->line, &q->line.agents[k], now);
			if ((unsigned)st < NSTATES)
				n[st]++;
		}
		for (int st = 0; st < NSTATES; st++)
			tandem_metrics_sample(mm, NULL, n[st], "queue", q->line.name, "state",
			                      ql_agent_state_name((enum ql_agent_state)st), NULL);
	}
}

static void outcomes(struct qmod *m, struct tandem_metrics *mm)
{
	tandem_metrics_family(mm, "tandem_queue_callers_total", TANDEM_METRIC_COUNTER,
	                      "Callers that left the line: answered by an agent, abandoned (hung "
	                      "up while waiting), timeout (waited max_wait: on to on(timeout)).");
	for (size_t i = 0; i < m->nqueues; i++) {
		const struct ql_line *l = &m->queues[i]->line;
		tandem_metrics_sample(mm, NULL, l->c.answered, "queue", l->name, "outcome", "answered", NULL);
		tandem_metrics_sample(mm, NULL, l->c.abandoned, "queue", l->name, "outcome", "abandoned", NULL);
		tandem_metrics_sample(mm, NULL, l->c.timed_out, "queue", l->name, "outcome", "timeout", NULL);
	}
	tandem_metrics_family(mm, "tandem_queue_wait_seconds", TANDEM_METRIC_HISTOGRAM,
	                      "How long the callers an agent answered had waited in line.");
	for (size_t i = 0; i < m->nqueues; i++)
		tandem_metrics_histogram(mm, wait_of(m->queues[i]), "queue", m->queues[i]->line.name);
}

static void collect(struct tandem *t, struct tandem_metrics *mm, void *arg)
{
	(void)t;
	struct qmod *m = arg;
	double now = q_now(m);
	waiting(m, mm, now);
	agents(m, mm, now);
	outcomes(m, mm);
}

void q_metrics_add(struct qmod *m)
{
	int rc = tandem_metrics_collector_add(m->t, QMOD, collect, m);
	if (rc < 0)
		tlog_warn("mod_queue: no metrics (%s)", strerror(-rc));
}

void q_metrics_remove(struct qmod *m)
{
	tandem_metrics_collector_remove(m->t, QMOD);
}
