/* mod_auth — the users file (users.conf, libconfig): realm and accounts with
 * a plain password or precomputed HA1 values. */
#ifndef MOD_AUTH_USERS_H
#define MOD_AUTH_USERS_H

#include <stdbool.h>
#include <stddef.h>

#include <tandem/digest.h>

struct auth_user {
	char *name;
	char *context;                          /* dialplan context, may be NULL */
	bool has_ha1[SIP_DIGEST_ALG__COUNT];
	char ha1[SIP_DIGEST_ALG__COUNT][SIP_DIGEST_HEX_MAX]; /* lower-case hex */
};

struct auth_users {
	char *realm;
	struct auth_user *v;                    /* sorted by name */
	size_t n;
};

/* Load path. On error returns negative with "FILE:LINE: why" in err.
 * Passwords are turned into HA1 right away and not kept. */
int auth_users_load(const char *path, struct auth_users **out, char *err, size_t errlen);
void auth_users_free(struct auth_users *u);
const struct auth_user *auth_users_find(const struct auth_users *u, const char *name);

#endif
