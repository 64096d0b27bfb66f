/* mod_registrar — its metrics: what is registered now (AORs, bindings by
 * transport) and the REGISTERs answered. */
#include "config.h"

#include <string.h>

#include <tandem/metrics.h>

#include "reg_metrics.h"

/* One registrar per tandemd: where its state is. */
static struct {
	struct location *const *loc;
	const unsigned long *registered, *refused;
} src;

static void collect(struct tandem *t, struct tandem_metrics *m, void *arg)
{
	(void)t;
	(void)arg;
	struct location_census c;
	location_census(*src.loc, &c);
	tandem_metrics_family(m, "tandem_registrar_aors", TANDEM_METRIC_GAUGE,
	                      "Addresses of record with at least one binding.");
	tandem_metrics_sample(m, NULL, c.aors, NULL);
	tandem_metrics_family(m, "tandem_registrar_bindings", TANDEM_METRIC_GAUGE,
	                      "Registered contacts, by the transport their REGISTER came over.");
	for (int p = 0; p < SIP_PROTO__COUNT; p++)
		tandem_metrics_sample(m, NULL, c.bindings[p], "transport", sip_proto_name((enum sip_proto)p),
		                      NULL);
	tandem_metrics_family(m, "tandem_registrar_registers_total", TANDEM_METRIC_COUNTER,
	                      "REGISTER requests answered by the registrar (challenges by mod_auth "
	                      "not included), by result.");
	tandem_metrics_sample(m, NULL, (double)*src.registered, "result", "accepted", NULL);
	tandem_metrics_sample(m, NULL, (double)*src.refused, "result", "refused", NULL);
}

void reg_metrics_add(struct tandem *t, struct location *const *loc,
                     const unsigned long *registered, const unsigned long *refused)
{
	src.loc = loc;
	src.registered = registered;
	src.refused = refused;
	int rc = tandem_metrics_collector_add(t, "registrar", collect, NULL);
	if (rc < 0)
		tlog_warn("mod_registrar: no metrics (%s)", strerror(-rc));
}

void reg_metrics_remove(struct tandem *t)
{
	tandem_metrics_collector_remove(t, "registrar");
}
