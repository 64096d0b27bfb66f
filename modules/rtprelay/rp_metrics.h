/* mod_rtprelay — its metrics (docs/METRICS.md), read at scrape time from
 * the relay engine's counters (relay.c) and the port pool. */
#ifndef RTPRELAY_METRICS_H
#define RTPRELAY_METRICS_H

#include <tandem/tandem.h>

#include "ports.h"
#include "relay.h"

/* From start, once the relay runs; the pointers stay valid until
 * rp_metrics_remove (stop, before the relay goes). */
void rp_metrics_add(struct tandem *t, struct rtpr_relay *const *relay, struct rtpr_ports *const *ports);
void rp_metrics_remove(struct tandem *t);

#endif
