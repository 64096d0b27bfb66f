/* tandem — the core's control commands: status, calls, modules, hangup,
 * reload, loglevel, help (docs/CONTROL.md describes each result). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "call/call.h"
#include "control_internal.h"

static int no_args(const json_t *args, char *err, size_t errlen)
{
	if (tandem_control_nargs(args) == 0)
		return 0;
	snprintf(err, errlen, "no arguments expected");
	return -EINVAL;
}

static const char *proto_name(enum sip_proto p)
{
	return p == SIP_PROTO_UDP ? "udp" : p == SIP_PROTO_TCP ? "tcp" : "tls";
}

static int cmd_status(struct tandem *t, const json_t *args, json_t **result, char *err, size_t errlen,
                      void *arg)
{
	(void)arg;
	if (no_args(args, err, errlen) < 0)
		return -EINVAL;
	json_t *listeners = json_array();
	for (unsigned i = 0; listeners && i < t->conf->nlisteners; i++) {
		const struct sip_listener_cfg *l = &t->conf->listeners[i];
		char buf[96];
		snprintf(buf, sizeof buf, "%s:%s%s%s:%u", proto_name(l->proto), strchr(l->address, ':') ? "[" : "",
		         l->address, strchr(l->address, ':') ? "]" : "", l->port);
		json_array_append_new(listeners, json_string(buf));
	}
	const char *sock = control_server_path(t);
	*result = json_pack("{s:s, s:I, s:I, s:f, s:s?, s:I, s:I, s:o, s:I, s:s, s:s?}",
	                    "version", PACKAGE_VERSION,
	                    "pid", (json_int_t)getpid(),
	                    "uptime", (json_int_t)(ev_time() - t->started),
	                    "started", t->started,
	                    "config", t->conf->path,
	                    "calls_active", (json_int_t)call_core_count(t),
	                    "calls_total", (json_int_t)call_core_total(t),
	                    "listeners", listeners ? listeners : json_array(),
	                    "modules", (json_int_t)t->nmods,
	                    "log_level", tandem_log_level_name(tandem_log_get_level()),
	                    "control_socket", sock);
	return *result ? 0 : -ENOMEM;
}

struct calls_walk {
	struct tandem *t;
	json_t *list;
};

static int walk_call(struct tandem_call *call, void *arg)
{
	struct calls_walk *w = arg;
	json_t *o = tandem_control_call_json(w->t, call);
	return o ? json_array_append_new(w->list, o) : -ENOMEM;
}

static int cmd_calls(struct tandem *t, const json_t *args, json_t **result, char *err, size_t errlen,
                     void *arg)
{
	(void)arg;
	if (no_args(args, err, errlen) < 0)
		return -EINVAL;
	struct calls_walk w = { .t = t, .list = json_array() };
	if (!w.list)
		return -ENOMEM;
	if (tandem_call_foreach(t, walk_call, &w) != 0) {
		json_decref(w.list);
		return -ENOMEM;
	}
	*result = w.list;
	return 0;
}

static const char *hook_name(enum tandem_hook_point p)
{
	static const char *const names[TANDEM_HOOK__COUNT] = {
		[TANDEM_HOOK_REQUEST] = "request", [TANDEM_HOOK_ROUTE] = "route",
		[TANDEM_HOOK_BLEG_CREATE] = "bleg_create", [TANDEM_HOOK_MEDIA] = "media",
		[TANDEM_HOOK_BLEG_RESPONSE] = "bleg_response", [TANDEM_HOOK_ANSWER] = "answer",
		[TANDEM_HOOK_INDIALOG] = "indialog", [TANDEM_HOOK_CALL_END] = "call_end",
		[TANDEM_HOOK_RECEIVE] = "receive",
	};
	return (unsigned)p < TANDEM_HOOK__COUNT && names[p] ? names[p] : "?";
}

/* One module: what it serves the core (hooks, dialplan actions) and the
 * control socket (commands). */
static json_t *module_json(const struct tandem *t, const struct loaded_module *m)
{
	json_t *hooks = json_array(), *actions = json_array(), *cmds = json_array();
	for (const struct tandem_hook *h = m->mod->hooks; h && h->fn; h++)
		json_array_append_new(hooks, json_string(hook_name(h->point)));
	for (const struct tandem_action *a = m->mod->actions; a && a->name; a++)
		json_array_append_new(actions, json_string(a->name));
	for (unsigned i = 0; t->control && i < t->control->ncmds; i++)
		if (strcmp(t->control->cmds[i].module, m->mod->name) == 0)
			json_array_append_new(cmds, json_string(t->control->cmds[i].cmd.name));
	return json_pack("{s:s, s:b, s:o*, s:o*, s:o*}", "name", m->mod->name, "started", m->started,
	                 "hooks", hooks, "actions", actions, "commands", cmds);
}

static int cmd_modules(struct tandem *t, const json_t *args, json_t **result, char *err, size_t errlen,
                       void *arg)
{
	(void)arg;
	if (no_args(args, err, errlen) < 0)
		return -EINVAL;
	json_t *list = json_array();
	for (unsigned i = 0; list && i < t->nmods; i++) {
		json_t *o = module_json(t, &t->mods[i]);
		if (!o || json_array_append_new(list, o) < 0) {
			json_decref(list);
			return -ENOMEM;
		}
	}
	*result = list;
	return list ? 0 : -ENOMEM;
}

struct find_call {
	const char *key;
	unsigned long id;          /* 0: key is no call number */
	struct tandem_call *found;
};

static int match_call(struct tandem_call *call, void *arg)
{
	struct find_call *f = arg;
	struct tandem_call_facts facts;
	if (tandem_call_facts(call, &facts) < 0)
		return 0;
	if ((f->id && facts.id == f->id) || (facts.a_call_id && strcmp(facts.a_call_id, f->key) == 0) ||
	    (facts.b_call_id && strcmp(facts.b_call_id, f->key) == 0)) {
		f->found = call;
		return 1;
	}
	return 0;
}

/* hangup CALL: tandemd's call number (the "id" of calls) or a Call-ID of
 * either leg. */
static int cmd_hangup(struct tandem *t, const json_t *args, json_t **result, char *err, size_t errlen,
                      void *arg)
{
	(void)arg;
	const char *key = tandem_control_arg(args, 0);
	if (!key || !*key || tandem_control_nargs(args) != 1) {
		snprintf(err, errlen, "which call? (its id or Call-ID, as \"calls\" shows)");
		return -EINVAL;
	}
	struct find_call f = { .key = key };
	char *end;
	unsigned long id = strtoul(key, &end, 10);
	if (*key >= '0' && *key <= '9' && !*end)
		f.id = id;
	tandem_call_foreach(t, match_call, &f);
	if (!f.found) {
		snprintf(err, errlen, "no call %s", key);
		return -ENOENT;
	}
	/* the call's last picture: it may be gone once hangup returns */
	json_t *o = tandem_control_call_json(t, f.found);
	int rc = tandem_call_hangup(t, f.found, "hung up from the control socket");
	if (rc < 0) {
		json_decref(o);
		snprintf(err, errlen, "call %s is already ending", key);
		return -EALREADY;
	}
	*result = o ? o : json_object();
	return 0;
}

static int cmd_reload(struct tandem *t, const json_t *args, json_t **result, char *err, size_t errlen,
                      void *arg)
{
	(void)arg;
	if (no_args(args, err, errlen) < 0)
		return -EINVAL;
	tlog_notice("control: reloading %s", t->conf->path);
	struct config_errors errs = { 0 };
	if (tandem_reload(t, &errs) == 0) {
		config_errors_clear(&errs);
		*result = json_pack("{s:b, s:s}", "reloaded", 1, "config", t->conf->path);
		return *result ? 0 : -ENOMEM;
	}
	/* every reason, one per line, in the message and as a list */
	json_t *lines = json_array();
	size_t n = (size_t)snprintf(err, errlen, "reload refused, the running configuration stays:");
	for (unsigned i = 0; i < errs.count; i++) {
		json_array_append_new(lines, json_string(errs.lines[i]));
		if (n < errlen)
			n += (size_t)snprintf(err + n, errlen - n, "\n%s", errs.lines[i]);
	}
	config_errors_clear(&errs);
	*result = lines ? json_pack("{s:o}", "errors", lines) : NULL;
	return -ECANCELED;
}

static int cmd_loglevel(struct tandem *t, const json_t *args, json_t **result, char *err, size_t errlen,
                        void *arg)
{
	(void)t;
	(void)arg;
	enum tandem_log_level was = tandem_log_get_level(), lvl;
	const char *name = tandem_control_arg(args, 0);
	if (tandem_control_nargs(args) > 1 || (tandem_control_nargs(args) == 1 && !name)) {
		snprintf(err, errlen, "one level at most");
		return -EINVAL;
	}
	if (!name) {
		*result = json_pack("{s:s}", "level", tandem_log_level_name(was));
		return *result ? 0 : -ENOMEM;
	}
	if (tandem_log_level_parse(name, &lvl) < 0) {
		snprintf(err, errlen, "unknown level '%.32s' (error, warn, notice, info, debug)", name);
		return -EINVAL;
	}
	tandem_log_set_level(lvl);
	tlog_notice("control: log level %s (was %s)", tandem_log_level_name(lvl), tandem_log_level_name(was));
	*result = json_pack("{s:s, s:s}", "level", tandem_log_level_name(lvl), "previous",
	                    tandem_log_level_name(was));
	return *result ? 0 : -ENOMEM;
}

static json_t *help_json(const struct control_entry *e)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "command", e->cmd.name, "usage",
	                 e->cmd.usage ? e->cmd.usage : "", "help", e->cmd.help ? e->cmd.help : "",
	                 "module", e->module);
}

static int cmd_help(struct tandem *t, const json_t *args, json_t **result, char *err, size_t errlen,
                    void *arg)
{
	(void)arg;
	const char *name = tandem_control_arg(args, 0);
	if (tandem_control_nargs(args) > 1 || (tandem_control_nargs(args) == 1 && !name)) {
		snprintf(err, errlen, "one command at most");
		return -EINVAL;
	}
	const struct control_core *cc = t->control;
	if (name) {
		const struct control_entry *e = control_find(cc, name);
		if (!e) {
			snprintf(err, errlen, "no command '%.64s'", name);
			return -ENOENT;
		}
		*result = help_json(e);
		return *result ? 0 : -ENOMEM;
	}
	json_t *list = json_array();
	for (unsigned i = 0; list && i < cc->ncmds; i++)
		json_array_append_new(list, help_json(&cc->cmds[i]));
	*result = list;
	return list ? 0 : -ENOMEM;
}

static const struct tandem_control_command core_commands[] = {
	{ .name = "status", .usage = "", .help = "version, uptime, calls, listeners", .run = cmd_status },
	{ .name = "calls", .usage = "", .help = "the calls in progress", .run = cmd_calls },
	{ .name = "modules", .usage = "", .help = "the loaded modules and what each serves",
	  .run = cmd_modules },
	{ .name = "hangup", .usage = "CALL", .help = "end a call (its id or Call-ID): BYE on both legs",
	  .run = cmd_hangup },
	{ .name = "reload", .usage = "", .help = "read the configuration again (refused on any error)",
	  .run = cmd_reload },
	{ .name = "loglevel", .usage = "[LEVEL]",
	  .help = "show or set the log level (error, warn, notice, info, debug)", .run = cmd_loglevel },
	{ .name = "help", .usage = "[COMMAND]", .help = "the commands, their arguments and what they do",
	  .run = cmd_help },
};

int control_core_commands(struct tandem *t)
{
	for (size_t i = 0; i < sizeof core_commands / sizeof core_commands[0]; i++) {
		int rc = tandem_control_command_add(t, NULL, &core_commands[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}
