/* mod_auth — users that still have a password of the sample office
 * (sample.h). The passwords are compared through their HA1: the users file
 * keeps no password once loaded, and a user given ha1_* values of a sample
 * password is caught too. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <tandem/tandem.h>

#include "sample.h"

/* etc/users.conf's, as the README's table prints them */
static const char *const sample_passwords[] = { "alice-1001", "bob-1002", "carol-1003" };

bool auth_sample_password(const struct auth_users *users, const struct auth_user *u)
{
	char ha1[SIP_DIGEST_HEX_MAX];
	for (size_t i = 0; i < sizeof sample_passwords / sizeof sample_passwords[0]; i++)
		for (int a = 0; a < SIP_DIGEST_ALG__COUNT; a++) {
			if (!u->has_ha1[a] ||
			    sip_digest_ha1((enum sip_digest_alg)a, u->name, users->realm,
			                   sample_passwords[i], ha1) < 0)
				continue;
			if (strcmp(ha1, u->ha1[a]) == 0)
				return true;
		}
	return false;
}

size_t auth_sample_warn(const struct auth_users *users)
{
	char names[512] = "";
	size_t n = 0, len = 0;
	for (size_t i = 0; i < users->n; i++) {
		const struct auth_user *u = &users->v[i];
		if (!auth_sample_password(users, u))
			continue;
		int w = snprintf(names + len, sizeof names - len, "%s%s", n ? ", " : "", u->name);
		if (w > 0)
			len = len + (size_t)w < sizeof names ? len + (size_t)w : sizeof names - 1;
		n++;
	}
	if (n)
		tlog_warn("mod_auth: %zu user(s) still have the sample configuration's password, "
		          "which anyone can read: %s; change them in the users file", n, names);
	return n;
}
