/* tandem — dialplan variables: ${name} references in action arguments. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialplan_internal.h"

static const char *const builtin_names[DP_VAR__COUNT] = {
	[DP_VAR_EXTEN] = "exten",
	[DP_VAR_FROM_USER] = "from_user",
	[DP_VAR_FROM_DOMAIN] = "from_domain",
	[DP_VAR_AUTH_USER] = "auth_user",
	[DP_VAR_METHOD] = "method",
	[DP_VAR_SOURCE_IP] = "source_ip",
	[DP_VAR_CALL_ID] = "call_id",
	/* how the last dial ended, in the words of on(...): what an action in
	 * an on(busy|noanswer) continuation reads to know why it runs */
	[DP_VAR_DIAL_OUTCOME] = "dial_outcome",
};

int dp_builtin_lookup(const char *name, size_t len)
{
	for (int i = 0; i < DP_VAR__COUNT; i++)
		if (strlen(builtin_names[i]) == len && !memcmp(builtin_names[i], name, len))
			return i;
	return -1;
}

/* A capture "1".."9" or an identifier [A-Za-z_][A-Za-z0-9_]*. */
bool dp_var_name_ok(const char *name, size_t len)
{
	if (len == 1 && name[0] >= '1' && name[0] <= '9')
		return true;
	if (len == 0 || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!(isalnum((unsigned char)name[i]) || name[i] == '_'))
			return false;
	return true;
}

int dp_tmpl_scan(const char *tmpl, dp_ref_fn fn, void *arg, char *err, size_t errlen)
{
	const char *p = tmpl;

	while ((p = strstr(p, "${")) != NULL) {
		const char *name = p + 2, *close = strchr(name, '}');
		size_t len;
		int rc;

		if (!close) {
			snprintf(err, errlen, "unterminated '${' in '%s'", tmpl);
			return -EINVAL;
		}
		len = (size_t)(close - name);
		if (!dp_var_name_ok(name, len)) {
			snprintf(err, errlen, "bad variable name '${%.*s}'", (int)len, name);
			return -EINVAL;
		}
		if (fn && (rc = fn(arg, name, len)) != 0)
			return rc;
		p = close + 1;
	}
	return 0;
}

bool dp_tmpl_has_refs(const char *tmpl)
{
	return strstr(tmpl, "${") != NULL;
}

const char *dp_scope_get(const struct dp_scope *s, const char *name, size_t len)
{
	int b;

	if (len == 1 && name[0] >= '1' && name[0] <= '9')
		return s->capture[name[0] - '0'];
	b = dp_builtin_lookup(name, len);
	if (b >= 0)
		return s->builtin[b];
	for (size_t i = 0; i < s->nvars; i++)
		if (strlen(s->vars[i].name) == len && !memcmp(s->vars[i].name, name, len))
			return s->vars[i].value;
	return NULL;
}

struct sizer {
	const struct dp_scope *s;
	size_t n;
};

static int add_len(void *arg, const char *name, size_t len)
{
	struct sizer *z = arg;
	const char *v = dp_scope_get(z->s, name, len);

	z->n += v ? strlen(v) : 0;
	return 0;
}

char *dp_expand(const char *tmpl, const struct dp_scope *s)
{
	struct sizer z = { s, strlen(tmpl) };
	char dummy[1], *out, *w;
	const char *p = tmpl, *ref;

	/* checked at load: the scan cannot fail here */
	if (dp_tmpl_scan(tmpl, add_len, &z, dummy, sizeof(dummy)))
		return NULL;
	out = malloc(z.n + 1);
	if (!out)
		return NULL;
	w = out;
	while ((ref = strstr(p, "${")) != NULL) {
		const char *name = ref + 2, *close = strchr(name, '}');
		const char *v = dp_scope_get(s, name, (size_t)(close - name));

		memcpy(w, p, (size_t)(ref - p));
		w += ref - p;
		if (v)
			w = stpcpy(w, v);
		p = close + 1;
	}
	strcpy(w, p);
	return out;
}
