/* mod_trunk — the trunks' metrics: registration state, reachability
 * (qualify), calls through each. Read from the trunks at scrape time. */
#include "config.h"

#include <string.h>

#include <tandem/metrics.h>

#include "trunk.h"

static void registration(struct trunk_mod *m, struct tandem_metrics *mm)
{
	tandem_metrics_family(mm, "tandem_trunk_registration_state", TANDEM_METRIC_GAUGE,
	                      "1 for the state the trunk's registration is in (off: register = false).");
	for (size_t i = 0; i < m->ntrunks; i++) {
		const struct trunk *tr = m->trunks[i];
		for (int s = TRUNK_REG_OFF; s <= TRUNK_REG_UNREGISTERING; s++)
			tandem_metrics_sample(mm, NULL, tr->reg.state == (enum trunk_reg_state)s, "trunk",
			                      tr->c.name, "state", trunk_reg_state_name((enum trunk_reg_state)s),
			                      NULL);
	}
	tandem_metrics_family(mm, "tandem_trunk_registration_failures", TANDEM_METRIC_GAUGE,
	                      "REGISTER attempts failed in a row (0 once registered).");
	for (size_t i = 0; i < m->ntrunks; i++)
		tandem_metrics_sample(mm, NULL, m->trunks[i]->reg.attempt, "trunk", m->trunks[i]->c.name, NULL);
}

/* only the trunks that qualify: the others' reachability is not known */
static void qualify(struct trunk_mod *m, struct tandem_metrics *mm)
{
	tandem_metrics_family(mm, "tandem_trunk_up", TANDEM_METRIC_GAUGE,
	                      "1 while the provider answers OPTIONS (trunks with qualify set).");
	for (size_t i = 0; i < m->ntrunks; i++)
		if (m->trunks[i]->c.qualify)
			tandem_metrics_sample(mm, NULL, m->trunks[i]->q.up, "trunk", m->trunks[i]->c.name, NULL);
	tandem_metrics_family(mm, "tandem_trunk_qualify_rtt_seconds", TANDEM_METRIC_GAUGE,
	                      "Round trip of the last OPTIONS the provider answered.");
	for (size_t i = 0; i < m->ntrunks; i++)
		if (m->trunks[i]->c.qualify)
			tandem_metrics_sample(mm, NULL, m->trunks[i]->q.rtt, "trunk", m->trunks[i]->c.name, NULL);
}

static void calls(struct trunk_mod *m, struct tandem_metrics *mm)
{
	tandem_metrics_family(mm, "tandem_trunk_calls_active", TANDEM_METRIC_GAUGE,
	                      "Calls through the trunk now, both directions.");
	for (size_t i = 0; i < m->ntrunks; i++)
		tandem_metrics_sample(mm, NULL, m->trunks[i]->active, "trunk", m->trunks[i]->c.name, NULL);
	tandem_metrics_family(mm, "tandem_trunk_calls_total", TANDEM_METRIC_COUNTER,
	                      "Calls through the trunk, both directions.");
	for (size_t i = 0; i < m->ntrunks; i++)
		tandem_metrics_sample(mm, NULL, (double)m->trunks[i]->calls_total, "trunk",
		                      m->trunks[i]->c.name, NULL);
	tandem_metrics_family(mm, "tandem_trunk_calls_refused_total", TANDEM_METRIC_COUNTER,
	                      "Calls refused because the trunk had max_calls calls already.");
	for (size_t i = 0; i < m->ntrunks; i++)
		tandem_metrics_sample(mm, NULL, (double)m->trunks[i]->calls_refused, "trunk",
		                      m->trunks[i]->c.name, NULL);
}

static void collect(struct tandem *t, struct tandem_metrics *mm, void *arg)
{
	(void)t;
	struct trunk_mod *m = arg;
	registration(m, mm);
	qualify(m, mm);
	calls(m, mm);
}

void trunk_metrics_add(struct trunk_mod *m)
{
	int rc = tandem_metrics_collector_add(m->t, TMOD, collect, m);
	if (rc < 0)
		tlog_warn("mod_trunk: no metrics (%s)", strerror(-rc));
}

void trunk_metrics_remove(struct trunk_mod *m)
{
	tandem_metrics_collector_remove(m->t, TMOD);
}
