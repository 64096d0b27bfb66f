/* mod_registrar — its metrics (docs/METRICS.md), read at scrape time from
 * what the module keeps: the location service and its two counters. */
#ifndef MOD_REGISTRAR_METRICS_H
#define MOD_REGISTRAR_METRICS_H

#include <tandem/tandem.h>

#include "location.h"

/* From start: *loc is read at each scrape (the pointers stay valid until
 * reg_metrics_remove, from stop). */
void reg_metrics_add(struct tandem *t, struct location *const *loc,
                     const unsigned long *registered, const unsigned long *refused);
void reg_metrics_remove(struct tandem *t);

#endif
