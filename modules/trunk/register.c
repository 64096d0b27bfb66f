/* mod_trunk — INTERIM: outbound registration is being written (branch
 * reg); until it lands a trunk with register = true logs that it does
 * not register. Replaced as a whole. */
#include "config.h"

#include "trunk.h"

void trunk_reg_start(struct trunk *tr)
{
	if (tr->c.reg)
		tlog_warn("trunk %s: registration not built yet", tr->c.name);
}

void trunk_reg_stop(struct trunk *tr, bool unregister)
{
	(void)tr; (void)unregister;
}

const char *trunk_reg_state_name(enum trunk_reg_state s)
{
	static const char *const names[] = { "off", "registering", "registered", "retrying",
	                                     "unregistering" };
	return s <= TRUNK_REG_UNREGISTERING ? names[s] : "?";
}
