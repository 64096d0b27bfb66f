/* tandem — metrics: what the core and each module count, written out in
 * the Prometheus text exposition format (version 0.0.4) by whoever serves
 * it (mod_metrics' HTTP endpoint, docs/METRICS.md).
 *
 * A module registers a collector; at each scrape the core calls every
 * collector in load order (its own first) with the exposition being
 * written, and the collector writes its families: a family line
 * (tandem_metrics_family: # HELP and # TYPE), then its samples. Names
 * start with "tandem_"; counters end in "_total" (the family name
 * includes it). Collectors read state they keep anyway: nothing here
 * runs on the call path. Everything runs on the signalling loop. */
#ifndef TANDEM_METRICS_H
#define TANDEM_METRICS_H

#include <stddef.h>
#include <tandem/sip_writer.h>

#include <tandem/export.h>
TANDEM_API_BEGIN

struct tandem;
struct tandem_metrics;   /* one exposition being written */

enum tandem_metric_type {
	TANDEM_METRIC_COUNTER = 0,
	TANDEM_METRIC_GAUGE,
	TANDEM_METRIC_HISTOGRAM,
};

typedef void (*tandem_metrics_collect_fn)(struct tandem *t, struct tandem_metrics *m, void *arg);
/* Call collect at each scrape (from init or start). 0, -EINVAL, -ENOSPC. */
int tandem_metrics_collector_add(struct tandem *t, const char *module, tandem_metrics_collect_fn collect,
                                 void *arg);
/* Remove module's collectors (its stop). */
void tandem_metrics_collector_remove(struct tandem *t, const char *module);

/* Begin a family: "# HELP name help" and "# TYPE name type". */
void tandem_metrics_family(struct tandem_metrics *m, const char *name, enum tandem_metric_type type,
                           const char *help);
/* One sample of the current family: the family name plus suffix (NULL,
 * or "_bucket", "_sum", "_count" for a histogram), then label name/value
 * pairs ending with NULL (values escaped here), then the value:
 *   tandem_metrics_sample(m, NULL, 3, "disposition", "ANSWERED", NULL); */
void tandem_metrics_sample(struct tandem_metrics *m, const char *suffix, double value, ...)
	__attribute__((sentinel));

/* A histogram a module keeps (the call set-up time): bounds ascending,
 * counts[i] observations <= bounds[i] (not cumulative), counts[nbounds]
 * the rest. */
struct tandem_histogram {
	const double *bounds;
	unsigned nbounds;
	unsigned long *counts;   /* nbounds + 1 */
	double sum;
	unsigned long count;
};
void tandem_histogram_observe(struct tandem_histogram *h, double v);
/* Write h as samples of the current family (cumulative _bucket with le,
 * +Inf, _sum, _count); one optional label pair (NULL, NULL for none). */
void tandem_metrics_histogram(struct tandem_metrics *m, const struct tandem_histogram *h,
                              const char *label, const char *value);

/* Write every collector's families into out (the HTTP answer). 0 or -ENOMEM. */
int tandem_metrics_render(struct tandem *t, struct sip_wbuf *out);

TANDEM_API_END
#endif
