/* mod_auth — what other modules fetch with tandem_module_api(t, "auth"). */
#ifndef MOD_AUTH_H
#define MOD_AUTH_H

#include <stdbool.h>

#include <tandem/tandem.h>

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

#endif
