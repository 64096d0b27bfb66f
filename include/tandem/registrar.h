/* tandem — mod_registrar's API: the location service, for the call core and
 * for modules that ring registered users (queue agents, voicemail's MWI).
 * Fetch it with registrar_load_api(). */
#ifndef TANDEM_REGISTRAR_H
#define TANDEM_REGISTRAR_H

#include <stdint.h>
#include <sys/socket.h>

#include <tandem/sip_msg.h>
#include <tandem/tandem.h>

#include <tandem/export.h>
TANDEM_API_BEGIN

#define LOCATION_URI_MAX 512

/* Where to reach one registered device: send to its Contact URI but over
 * the flow the REGISTER came on (source address, transport, connection),
 * as RFC 3581 rport does for responses: a phone behind NAT is only
 * reachable there. */
struct location_contact {
	char uri[LOCATION_URI_MAX];
	unsigned q;                 /* x 1000 */
	unsigned expires_in;        /* seconds left */
	enum sip_proto proto;
	struct sockaddr_storage src;
	socklen_t src_len;
	uint64_t conn_id;           /* 0: none known, open one to src */
};

struct tandem;

struct registrar_api {
	/* Live contacts of a user (the AOR's user part), best first (highest
	 * q, then most recently registered). Returns how many exist (may be
	 * more than max; out holds min(max, n)), 0 when not registered. */
	int (*lookup)(struct tandem *t, const char *aor_user, struct location_contact *out, int max);
};

/* mod_registrar's API, or NULL (logged: which module to load first) when
 * mod_registrar is not loaded. user names the caller in that log line
 * ("queue" logs "mod_queue: ..."). Call it from init or later: a module
 * that lists "registrar" in its deps never gets NULL. The pointer stays
 * valid while tandemd runs. */
static inline const struct registrar_api *registrar_load_api(struct tandem *t, const char *user)
{
	const struct registrar_api *api = (const struct registrar_api *)tandem_module_api(t, "registrar");
	if (!api)
		tlog_error("mod_%s: no location service: load module \"registrar\" first "
		           "(list it in modules, or in the deps of mod_%s)", user, user);
	return api;
}

TANDEM_API_END
#endif
