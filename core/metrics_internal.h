/* tandem — the metrics registry's private side (core/metrics.c): the
 * exposition being written, the collectors, and the counters the core
 * keeps for its own collector (core/metrics_core.c). The call core counts
 * through the two functions at the end: plain increments on the loop. */
#ifndef TANDEM_METRICS_INTERNAL_H
#define TANDEM_METRICS_INTERNAL_H

#include <tandem/call.h>
#include <tandem/metrics.h>

#include "tandem_internal.h"

/* One exposition being written: where, and the family samples belong to. */
struct tandem_metrics {
	struct sip_wbuf *out;
	char family[128];
	enum tandem_metric_type type;
};
void metrics_begin(struct tandem_metrics *m, struct sip_wbuf *out);

/* Every loaded module may add one or two; the core has its own. */
#define METRICS_MAX_COLLECTORS (2 * TANDEM_MAX_MODULES + 1)
#define METRICS_SETUP_BUCKETS 12

struct metrics_collector {
	char module[32];
	tandem_metrics_collect_fn fn;
	void *arg;
};

struct metrics_core {
	struct metrics_collector col[METRICS_MAX_COLLECTORS];
	unsigned ncol;
	/* calls ended, by tandem_call_disposition (NONE never counted) */
	unsigned long calls_ended[TANDEM_DISP_CANCELLED + 1];
	/* post-dial delay: the caller's INVITE to its first 18x or final */
	struct tandem_histogram setup;
	unsigned long setup_counts[METRICS_SETUP_BUCKETS + 1];
};

/* The core's collector (metrics_core.c), added first by metrics_core_init. */
void metrics_core_collect(struct tandem *t, struct tandem_metrics *m, void *arg);

/* The call core: a call ended with its facts final (CALL_END), and the
 * caller heard its first answer (18x or final) secs after its INVITE. */
static inline void metrics_call_ended(struct tandem *t, enum tandem_call_disposition d)
{
	if (t->metrics && d != TANDEM_DISP_NONE)
		t->metrics->calls_ended[d]++;
}

static inline void metrics_call_setup(struct tandem *t, double secs)
{
	if (t->metrics)
		tandem_histogram_observe(&t->metrics->setup, secs < 0 ? 0 : secs);
}

#endif
