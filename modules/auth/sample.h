/* mod_auth — the sample office's passwords (etc/users.conf, printed in the
 * README): anyone can log in with them, so tandemd says which users still
 * have one. */
#ifndef MOD_AUTH_SAMPLE_H
#define MOD_AUTH_SAMPLE_H

#include <stddef.h>

#include "users.h"

/* Whether user u's password is one of the sample's (its HA1 for the
 * users file's realm matches one made from a sample password). */
bool auth_sample_password(const struct auth_users *users, const struct auth_user *u);
/* One warning naming every user whose password is still a sample one;
 * returns how many there are. */
size_t auth_sample_warn(const struct auth_users *users);

#endif
