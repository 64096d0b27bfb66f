/* mod_trunk — the trunks' state for the control tool (include/tandem/trunk.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "trunk.h"

static void fill(const struct trunk *tr, struct trunk_info *ti, char *target, size_t n)
{
	struct sip_dest dst;
	target[0] = '\0';
	if (trunk_target(tr, &dst, NULL, 0) == 0) {
		char a[64];
		snprintf(target, n, "%s %s", sip_proto_name(dst.proto),
		         sip_addr_str((const struct sockaddr *)&dst.addr, a, sizeof a));
	}
	*ti = (struct trunk_info){
		.name = tr->c.name,
		.host = tr->c.host,
		.target = target,
		.reg_state = trunk_reg_state_name(tr->reg.state),
		.reg_since = tr->reg.since,
		.reg_next = tr->reg.next,
		.reg_expires = tr->reg.state == TRUNK_REG_REGISTERED ? tr->reg.granted : 0,
		.reg_failures = tr->reg.attempt,
		.reg_error = tr->reg.last_error,
		.qualify_state = !tr->c.qualify ? "off" : tr->q.up ? "up" : "down",
		.qualify_rtt = tr->q.rtt,
		.active_calls = tr->active,
		.max_calls = tr->c.max_calls,
		.calls_total = tr->calls_total,
		.calls_refused = tr->calls_refused,
	};
}

static int api_trunks(struct tandem *t, int (*fn)(void *arg, const struct trunk_info *ti), void *arg)
{
	struct trunk_mod *m = tandem_module_data(t, TMOD);
	for (size_t i = 0; m && i < m->ntrunks; i++) {
		struct trunk_info ti;
		char target[96];
		fill(m->trunks[i], &ti, target, sizeof target);
		int rc = fn(arg, &ti);
		if (rc)
			return rc;
	}
	return 0;
}

static int api_trunk(struct tandem *t, const char *name, struct trunk_info *out)
{
	/* the target text must outlive the call: one per process is enough
	 * for "valid during the call" of the loop's single thread */
	static char target[96];
	struct trunk *tr = trunk_find(tandem_module_data(t, TMOD), name);
	if (!tr)
		return -ENOENT;
	fill(tr, out, target, sizeof target);
	return 0;
}

const struct trunk_api trunk_api = {
	.trunks = api_trunks,
	.trunk = api_trunk,
};
