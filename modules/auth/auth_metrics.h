/* mod_auth — its metrics (docs/METRICS.md), read at scrape time from what
 * the module keeps: the ban table and its counters. */
#ifndef MOD_AUTH_METRICS_H
#define MOD_AUTH_METRICS_H

#include <tandem/tandem.h>

#include "ban.h"

struct auth_metrics_src {
	struct auth_ban *const *ban;   /* replaced by a reload: read through */
	const unsigned long *ok, *challenged, *failed, *dropped_banned;
};

/* From start; the pointers stay valid until auth_metrics_remove (stop). */
void auth_metrics_add(struct tandem *t, const struct auth_metrics_src *src);
void auth_metrics_remove(struct tandem *t);

#endif
