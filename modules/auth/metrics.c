/* mod_auth — its metrics: addresses banned now and bans started, and the
 * outcome of the authentications it checked. */
#include "config.h"

#include <string.h>
#include <time.h>

#include <tandem/metrics.h>

#include "auth_metrics.h"

static struct auth_metrics_src src;   /* one mod_auth per tandemd */

static void collect(struct tandem *t, struct tandem_metrics *m, void *arg)
{
	(void)t;
	(void)arg;
	unsigned banned;
	unsigned long bans;
	auth_ban_census(*src.ban, time(NULL), &banned, &bans);
	tandem_metrics_family(m, "tandem_auth_banned_addresses", TANDEM_METRIC_GAUGE,
	                      "Source addresses banned now (their requests are dropped).");
	tandem_metrics_sample(m, NULL, banned, NULL);
	tandem_metrics_family(m, "tandem_auth_bans_total", TANDEM_METRIC_COUNTER,
	                      "Bans started (ban.failures failed logins within ban.window).");
	tandem_metrics_sample(m, NULL, (double)bans, NULL);
	tandem_metrics_family(m, "tandem_auth_requests_total", TANDEM_METRIC_COUNTER,
	                      "Requests mod_auth checked, by result: accepted (credentials good), "
	                      "challenged (a 401/407 sent, after a failure too), failed (wrong "
	                      "credentials), banned (dropped from a banned address).");
	tandem_metrics_sample(m, NULL, (double)*src.ok, "result", "accepted", NULL);
	tandem_metrics_sample(m, NULL, (double)*src.challenged, "result", "challenged", NULL);
	tandem_metrics_sample(m, NULL, (double)*src.failed, "result", "failed", NULL);
	tandem_metrics_sample(m, NULL, (double)*src.dropped_banned, "result", "banned", NULL);
}

void auth_metrics_add(struct tandem *t, const struct auth_metrics_src *s)
{
	src = *s;
	int rc = tandem_metrics_collector_add(t, "auth", collect, NULL);
	if (rc < 0)
		tlog_warn("mod_auth: no metrics (%s)", strerror(-rc));
}

void auth_metrics_remove(struct tandem *t)
{
	tandem_metrics_collector_remove(t, "auth");
}
