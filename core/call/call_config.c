/* tandem — the call core's set-up, reload and shutdown: the "calls" config
 * group, the dialplan and its contexts. */

#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tandem/sip_uri.h>

#include "call_internal.h"

static const struct tandem_action *find_action(void *arg, const char *name)
{
	return loader_find_action(arg, name);
}

static bool serves_scheme(void *arg, const char *scheme)
{
	return resolver_serves(arg, scheme);
}

static void read_settings(const struct tandem_config *c, struct call_settings *s,
                          struct config_errors *errs)
{
	memset(s, 0, sizeof *s);
	s->dial_timeout = 30;
	s->message_max_body = 1300;
	snprintf(s->context, sizeof s->context, "internal");
	const config_setting_t *g = config_lookup(&c->cfg, "calls");
	if (g && config_setting_is_group(g)) {
		int v;
		const char *str;
		if (config_setting_lookup_int(g, "dial_timeout", &v) == CONFIG_TRUE) {
			if (v < 1 || v > 3600)
				config_errors_add(errs, config_setting_get_member(g, "dial_timeout"),
				                  "'dial_timeout' = %d is out of range [1, 3600]", v);
			else
				s->dial_timeout = (unsigned)v;
		}
		if (config_setting_lookup_int(g, "message_max_body", &v) == CONFIG_TRUE) {
			if (v < 0 || v > 65535)
				config_errors_add(errs, config_setting_get_member(g, "message_max_body"),
				                  "'message_max_body' = %d is out of range [0, 65535]", v);
			else
				s->message_max_body = (size_t)v;
		}
		if (config_setting_lookup_string(g, "context", &str) == CONFIG_TRUE)
			snprintf(s->context, sizeof s->context, "%s", str);
	}
	const config_setting_t *list = config_lookup(&c->cfg, "listen");
	for (unsigned i = 0; list && i < c->nlisteners; i++) {
		const config_setting_t *l = config_setting_get_elem(list, i);
		const char *str;
		s->lctx[i].proto = c->listeners[i].proto;
		s->lctx[i].port = c->listeners[i].port;
		if (l && config_setting_lookup_string(l, "context", &str) == CONFIG_TRUE)
			snprintf(s->lctx[i].context, sizeof s->lctx[i].context, "%s", str);
		s->nlctx = i + 1;
	}
}

static int load_plan(struct tandem *t, const struct tandem_config *c, struct dialplan **out,
                     struct config_errors *errs)
{
	*out = NULL;
	if (!config_lookup(&c->cfg, "dialplan"))
		return 0;   /* no dialplan: calls fall through to server.c's answers */
	static const char *const extra[] = { NULL };
	struct dialplan_env env = { .t = t, .find_action = find_action, .arg = t, .extra_vars = extra,
	                            .serves_scheme = serves_scheme };
	struct dialplan_errors de;
	int rc = dialplan_load(&c->cfg, &env, out, &de);
	if (rc < 0) {
		for (size_t i = 0; i < de.count; i++) {
			char **grown = realloc(errs->lines, (errs->count + 1) * sizeof *grown);
			if (!grown)
				break;
			errs->lines = grown;
			if ((grown[errs->count] = strdup(de.msg[i])))
				errs->count++;
		}
		if (rc == -ENOMEM && !de.count)
			config_errors_add(errs, NULL, "dialplan: out of memory");
		dialplan_errors_free(&de);
	}
	return rc;
}

/* A context the config names must be in the dialplan: a typo would
 * otherwise answer every call of that listener 404 at run time. */
static void check_contexts(const struct tandem_config *c, const struct dialplan *dp,
                           struct config_errors *errs)
{
	const char *s;
	config_setting_t *g = config_lookup(&c->cfg, "calls");
	if (!dp)
		return;
	if (g && config_setting_lookup_string(g, "context", &s) == CONFIG_TRUE &&
	    !dialplan_has_context(dp, s))
		config_errors_add(errs, config_setting_get_member(g, "context"),
		                  "calls: context '%s' is not in the dialplan", s);
	config_setting_t *list = config_lookup(&c->cfg, "listen");
	for (int i = 0; list && i < config_setting_length(list); i++) {
		config_setting_t *l = config_setting_get_elem(list, (unsigned)i);
		if (l && config_setting_lookup_string(l, "context", &s) == CONFIG_TRUE &&
		    !dialplan_has_context(dp, s))
			config_errors_add(errs, config_setting_get_member(l, "context"),
			                  "listener: context '%s' is not in the dialplan", s);
	}
}

int call_core_init(struct tandem *t, const struct tandem_config *c, struct config_errors *errs)
{
	struct call_core *core = calloc(1, sizeof *core);
	if (!core)
		return -ENOMEM;
	core->t = t;
	unsigned before = errs->count;
	read_settings(c, &core->set, errs);
	int rc = load_plan(t, c, &core->dp, errs);
	if (rc == 0)
		check_contexts(c, core->dp, errs);
	if (rc < 0 || errs->count != before) {
		dialplan_unref(core->dp);
		free(core);
		return rc < 0 ? rc : -EINVAL;
	}
	t->calls = core;
	return 0;
}

void call_core_free(struct tandem *t)
{
	struct call_core *core = call_core_of(t);
	if (!core)
		return;
	tlog_notice("calls alive: %u (%lu calls handled)", core->ncalls, core->total);
	/* the stack still runs: stop every callback into us first */
	for (struct creq *cr = core->creqs; cr; cr = cr->next)
		sip_tsx_detach(cr->ct);
	while (core->calls)
		call_destroy(core->calls);
	message_routes_free(core);
	while (core->creqs)
		creq_free(core->creqs);
	dialplan_unref(core->dp);
	dialplan_unref(core->next_dp);
	free(core);
	t->calls = NULL;
}

int call_core_prepare_reload(struct tandem *t, const struct tandem_config *next,
                             struct config_errors *errs)
{
	struct call_core *core = call_core_of(t);
	if (!core)
		return -EINVAL;
	dialplan_unref(core->next_dp);
	core->next_dp = NULL;
	unsigned before = errs->count;
	read_settings(next, &core->next_set, errs);
	int rc = load_plan(t, next, &core->next_dp, errs);
	if (rc == 0)
		check_contexts(next, core->next_dp, errs);
	if (rc < 0 || errs->count != before) {
		dialplan_unref(core->next_dp);
		core->next_dp = NULL;
		return rc < 0 ? rc : -EINVAL;
	}
	return 0;
}

void call_core_commit_reload(struct tandem *t)
{
	struct call_core *core = call_core_of(t);
	if (!core)
		return;
	/* calls in progress keep theirs: each cursor holds a reference */
	dialplan_unref(core->dp);
	core->dp = core->next_dp;
	core->next_dp = NULL;
	core->set = core->next_set;
}

void call_core_abort_reload(struct tandem *t)
{
	struct call_core *core = call_core_of(t);
	if (!core)
		return;
	dialplan_unref(core->next_dp);
	core->next_dp = NULL;
}
