/* mod_auth — users.conf loader. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>
#include <openssl/crypto.h>
#include <tandem/tandem.h>

#include "users.h"

void auth_users_free(struct auth_users *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->n; i++) {
		free(u->v[i].name);
		free(u->v[i].context);
	}
	OPENSSL_cleanse(u->v, sizeof *u->v * u->n);
	free(u->v);
	free(u->realm);
	free(u);
}

static int cmp_user(const void *a, const void *b)
{
	return strcmp(((const struct auth_user *)a)->name, ((const struct auth_user *)b)->name);
}

const struct auth_user *auth_users_find(const struct auth_users *u, const char *name)
{
	if (!u || !name || u->n == 0)
		return NULL;
	struct auth_user key = { .name = (char *)name };
	return bsearch(&key, u->v, u->n, sizeof *u->v, cmp_user);
}

/* Printable ASCII without the characters that would make user:realm:pass
 * ambiguous or break a header. */
static bool good_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f || *s == ':' || *s == '"' || *s == '\\')
			return false;
	return true;
}

static bool good_hex(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
			return false;
	return true;
}

static int load_user(const char *path, const config_setting_t *e, const char *realm,
                     struct auth_user *u, char *err, size_t errlen)
{
	static const char *const keys[] = { "user", "password", "ha1_md5", "ha1_sha256", "context",
	                                    "voicemail", NULL };
	static const char *const ha1_keys[SIP_DIGEST_ALG__COUNT] = { "ha1_md5", "ha1_sha256" };
	const char *name = NULL, *password = NULL, *context = NULL;

	if (!config_setting_is_group(e))
		return tandem_setting_fail(err, errlen, path, e, "each entry of users.list must be a group { user = ...; }");
	for (int i = 0; i < config_setting_length(e); i++) {
		const config_setting_t *s = config_setting_get_elem(e, (unsigned)i);
		const char *k = config_setting_name(s);
		bool known = false;
		for (const char *const *kk = keys; *kk; kk++)
			known |= strcmp(*kk, k) == 0;
		if (!known)
			return tandem_setting_fail(err, errlen, path, s, "unknown setting '%s' (user, password, ha1_md5, ha1_sha256, context, voicemail)", k);
		/* the user's box: mod_voicemail's to read and check */
		if (strcmp(k, "voicemail") == 0) {
			if (!config_setting_is_group(s))
				return tandem_setting_fail(err, errlen, path, s, "'voicemail' must be a group { ... }");
			continue;
		}
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return tandem_setting_fail(err, errlen, path, s, "'%s' must be a string", k);
	}
	if (!config_setting_lookup_string(e, "user", &name))
		return tandem_setting_fail(err, errlen, path, e, "user entry without 'user'");
	if (!good_name(name))
		return tandem_setting_fail(err, errlen, path, e, "user '%s': empty, or holds a space, ':', '\"' or '\\'", name);
	config_setting_lookup_string(e, "password", &password);
	config_setting_lookup_string(e, "context", &context);
	*u = (struct auth_user){ 0 };
	for (int a = 0; a < SIP_DIGEST_ALG__COUNT; a++) {
		const char *h = NULL;
		if (!config_setting_lookup_string(e, ha1_keys[a], &h))
			continue;
		if (password)
			return tandem_setting_fail(err, errlen, path, e, "user '%s': give password or ha1_*, not both", name);
		if (!good_hex(h, sip_digest_alg_hexlen((enum sip_digest_alg)a)))
			return tandem_setting_fail(err, errlen, path, config_setting_get_member(e, ha1_keys[a]),
			            "user '%s': %s must be %zu hex digits", name, ha1_keys[a],
			            sip_digest_alg_hexlen((enum sip_digest_alg)a));
		for (size_t i = 0; h[i]; i++)
			u->ha1[a][i] = (h[i] >= 'A' && h[i] <= 'F') ? (char)(h[i] - 'A' + 'a') : h[i];
		u->has_ha1[a] = true;
	}
	if (password) {
		if (!*password)
			return tandem_setting_fail(err, errlen, path, e, "user '%s': empty password", name);
		for (int a = 0; a < SIP_DIGEST_ALG__COUNT; a++) {
			if (sip_digest_ha1((enum sip_digest_alg)a, name, realm, password, u->ha1[a]) < 0)
				return tandem_setting_fail(err, errlen, path, e, "user '%s': hashing failed", name);
			u->has_ha1[a] = true;
		}
	}
	if (!u->has_ha1[SIP_DIGEST_MD5] && !u->has_ha1[SIP_DIGEST_SHA256])
		return tandem_setting_fail(err, errlen, path, e, "user '%s': needs password, ha1_md5 or ha1_sha256", name);
	u->name = strdup(name);
	u->context = context ? strdup(context) : NULL;
	if (!u->name || (context && !u->context)) {
		free(u->name);
		free(u->context);
		u->name = u->context = NULL;
		return -ENOMEM;
	}
	return 0;
}

int auth_users_load(const char *path, struct auth_users **out, char *err, size_t errlen)
{
	config_t cfg;
	struct auth_users *u = NULL;
	int rc = 0;

	/* @include inside users.conf is relative to its own folder */
	if (tandem_config_read(&cfg, path, err, errlen) < 0)
		return -EINVAL;
	const config_setting_t *g = config_lookup(&cfg, "users");
	const config_setting_t *list = g ? config_setting_get_member(g, "list") : NULL;
	const char *realm = NULL;
	if (!g || !config_setting_is_group(g)) {
		rc = tandem_setting_fail(err, errlen, path, g, "no 'users' group");
		goto out;
	}
	if (!config_setting_lookup_string(g, "realm", &realm) || !good_name(realm)) {
		rc = tandem_setting_fail(err, errlen, path, g, "users.realm missing or not a plain string");
		goto out;
	}
	if (list && !config_setting_is_list(list)) {
		rc = tandem_setting_fail(err, errlen, path, list, "users.list must be a list ( {...}, {...} )");
		goto out;
	}
	u = calloc(1, sizeof *u);
	if (!u || !(u->realm = strdup(realm))) {
		rc = -ENOMEM;
		goto out;
	}
	int n = list ? config_setting_length(list) : 0;
	if (n > 0 && !(u->v = calloc((size_t)n, sizeof *u->v))) {
		rc = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
		if ((rc = load_user(path, e, realm, &u->v[u->n], err, errlen)) < 0)
			goto out;
		u->n++;
		for (size_t j = 0; j + 1 < u->n; j++) {
			if (strcmp(u->v[j].name, u->v[u->n - 1].name) == 0) {
				rc = tandem_setting_fail(err, errlen, path, e, "user '%s' listed twice", u->v[j].name);
				goto out;
			}
		}
	}
	if (u->n > 1)
		qsort(u->v, u->n, sizeof *u->v, cmp_user);
out:
	config_destroy(&cfg);
	if (rc < 0) {
		if (rc == -ENOMEM)
			snprintf(err, errlen, "%s: out of memory", path);
		auth_users_free(u);
		return rc;
	}
	*out = u;
	return 0;
}
