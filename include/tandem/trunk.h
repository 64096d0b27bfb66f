/* tandem — mod_trunk's API: the state of the SIP trunks (registration,
 * qualify, location, calls), for the control tool (tandemctl trunks) and
 * other modules. Fetch it with trunk_load_api(); call it from the
 * signalling thread. What the callbacks get is valid during the call. */
#ifndef TANDEM_TRUNK_H
#define TANDEM_TRUNK_H

#include <stdbool.h>
#include <stddef.h>

#include <tandem/tandem.h>

#include <tandem/export.h>
TANDEM_API_BEGIN

struct trunk_info {
	const char *name;
	const char *host;              /* as configured */
	const char *target;            /* the address in use, "UDP 192.0.2.1:5060"; "" none */
	/* registration: "off" (register = false), "registering", "registered",
	 * "retrying", "unregistering" */
	const char *reg_state;
	double reg_since;              /* wall clock: registered since / retrying since; 0 */
	double reg_next;               /* wall clock of the next REGISTER (refresh or retry); 0 */
	unsigned reg_expires;          /* s the provider granted, 0 */
	unsigned reg_failures;         /* failures in a row */
	const char *reg_error;         /* the last failure ("408 Request Timeout", "DNS: ..."), "" */
	/* qualify: "up", "down", or "off" (qualify = 0) */
	const char *qualify_state;
	double qualify_rtt;            /* s of the last OPTIONS answered, 0 */
	unsigned active_calls;
	unsigned max_calls;            /* 0: no limit */
	unsigned long calls_total, calls_refused;
};

struct trunk_api {
	/* fn for every trunk, in config order, until it returns non-zero
	 * (then that value). 0. */
	int (*trunks)(struct tandem *t, int (*fn)(void *arg, const struct trunk_info *ti), void *arg);
	/* One trunk by name: 0, -ENOENT. */
	int (*trunk)(struct tandem *t, const char *name, struct trunk_info *out);
};

/* mod_trunk's API, or NULL (logged) when mod_trunk is not loaded. */
static inline const struct trunk_api *trunk_load_api(struct tandem *t, const char *user)
{
	const struct trunk_api *api = (const struct trunk_api *)tandem_module_api(t, "trunk");
	if (!api)
		tlog_error("mod_%s: no trunk state: load module \"trunk\" first "
		           "(list it in modules, or in the deps of mod_%s)", user, user);
	return api;
}

TANDEM_API_END
#endif
