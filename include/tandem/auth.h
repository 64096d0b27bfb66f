/* tandem — mod_auth's API: digest authentication of requests (RFC 3261
 * §22) for modules that accept requests of their own (mod_registrar's
 * REGISTER, an event server's SUBSCRIBE). Fetch it with auth_load_api(). */
#ifndef TANDEM_AUTH_H
#define TANDEM_AUTH_H

#include <stdbool.h>

#include <tandem/tandem.h>

#include <tandem/export.h>
TANDEM_API_BEGIN

struct auth_api {
	/* Digest-authenticate the request of ev (RFC 3261 §22). Returns
	 * TANDEM_CONTINUE when it carries valid credentials for our realm
	 * (*auth_user then names the user; valid until the next reload), or
	 * TANDEM_DONE when mod_auth has answered it: a 401 (proxy false) or
	 * 407 (proxy true) challenge or 400 for malformed credentials
	 * (requests from banned sources are dropped before). Unknown users and wrong passwords get the same
	 * answer. */
	int (*check)(struct tandem *t, struct tandem_event *ev, bool proxy, const char **auth_user);
	/* The dialplan context configured for user, or NULL. */
	const char *(*user_context)(struct tandem *t, const char *user);
};

/* mod_auth's API, or NULL (logged: which module to load first) when
 * mod_auth is not loaded. user names the caller in that log line
 * ("registrar" logs "mod_registrar: ..."). Call it from init or later: a
 * module that lists "auth" in its deps never gets NULL. The pointer stays
 * valid while tandemd runs. */
static inline const struct auth_api *auth_load_api(struct tandem *t, const char *user)
{
	const struct auth_api *api = (const struct auth_api *)tandem_module_api(t, "auth");
	if (!api)
		tlog_error("mod_%s: no authentication service: load module \"auth\" first "
		           "(list it in modules, or in the deps of mod_%s)", user, user);
	return api;
}

TANDEM_API_END
#endif
