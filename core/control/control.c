/* tandem — the control socket's command table (include/tandem/control.h):
 * the core's commands and those modules add, the members modules add to a
 * call's object, and the dispatch of one request to one response. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_internal.h"

/* Commands at most: the core's and every module's. */
#define CONTROL_MAX_COMMANDS 128

int control_core_init(struct tandem *t)
{
	struct control_core *cc = calloc(1, sizeof *cc);
	if (!cc)
		return -ENOMEM;
	cc->t = t;
	t->control = cc;
	int rc = control_core_commands(t);
	if (rc < 0) {
		control_core_free(t);
		return rc;
	}
	return 0;
}

void control_core_free(struct tandem *t)
{
	struct control_core *cc = t->control;
	if (!cc)
		return;
	control_server_free(t);
	for (unsigned i = 0; i < cc->ncmds; i++)
		free(cc->cmds[i].module);
	for (unsigned i = 0; i < cc->ninfos; i++)
		free(cc->infos[i].module);
	free(cc->cmds);
	free(cc->infos);
	free(cc);
	t->control = NULL;
}

int control_core_open(struct tandem *t, const struct tandem_config *c)
{
	if (!t->control)
		return -EINVAL;
	return control_server_open(t, &c->control);
}

/* "registrations", "ban": one lower-case word. */
static bool command_name_ok(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

const struct control_entry *control_find(const struct control_core *cc, const char *name)
{
	for (unsigned i = 0; cc && i < cc->ncmds; i++)
		if (strcmp(cc->cmds[i].cmd.name, name) == 0)
			return &cc->cmds[i];
	return NULL;
}

int tandem_control_command_add(struct tandem *t, const char *module, const struct tandem_control_command *c)
{
	struct control_core *cc = t ? t->control : NULL;
	if (!cc || !c || !command_name_ok(c->name) || !c->run)
		return -EINVAL;
	if (control_find(cc, c->name))
		return -EEXIST;
	if (cc->ncmds == CONTROL_MAX_COMMANDS)
		return -ENOSPC;
	struct control_entry *grown = realloc(cc->cmds, (cc->ncmds + 1) * sizeof *grown);
	if (!grown)
		return -ENOMEM;
	cc->cmds = grown;
	char *owner = strdup(module && *module ? module : "core");
	if (!owner)
		return -ENOMEM;
	cc->cmds[cc->ncmds++] = (struct control_entry){ .module = owner, .cmd = *c };
	return 0;
}

void tandem_control_command_remove_all(struct tandem *t, const char *module)
{
	struct control_core *cc = t ? t->control : NULL;
	if (!cc || !module)
		return;
	unsigned kept = 0;
	for (unsigned i = 0; i < cc->ncmds; i++) {
		if (strcmp(cc->cmds[i].module, module) == 0)
			free(cc->cmds[i].module);
		else
			cc->cmds[kept++] = cc->cmds[i];
	}
	cc->ncmds = kept;
}

int tandem_control_call_info_add(struct tandem *t, const char *module, tandem_control_call_info_fn fn,
                                 void *arg)
{
	struct control_core *cc = t ? t->control : NULL;
	if (!cc || !module || !*module || !fn)
		return -EINVAL;
	for (unsigned i = 0; i < cc->ninfos; i++)
		if (strcmp(cc->infos[i].module, module) == 0)
			return -EEXIST;
	struct control_info *grown = realloc(cc->infos, (cc->ninfos + 1) * sizeof *grown);
	if (!grown)
		return -ENOMEM;
	cc->infos = grown;
	char *owner = strdup(module);
	if (!owner)
		return -ENOMEM;
	cc->infos[cc->ninfos++] = (struct control_info){ .module = owner, .fn = fn, .arg = arg };
	return 0;
}

void tandem_control_call_info_remove(struct tandem *t, const char *module)
{
	struct control_core *cc = t ? t->control : NULL;
	if (!cc || !module)
		return;
	unsigned kept = 0;
	for (unsigned i = 0; i < cc->ninfos; i++) {
		if (strcmp(cc->infos[i].module, module) == 0)
			free(cc->infos[i].module);
		else
			cc->infos[kept++] = cc->infos[i];
	}
	cc->ninfos = kept;
}

/* "ringing" once a B-leg rang, "answered" once A got a 2xx; "trying"
 * before (the dialplan runs, a resolver or a callee still silent). */
static const char *call_state(const struct tandem_call_facts *f)
{
	if (f->end)
		return "ended";
	if (f->answer)
		return "answered";
	if (f->ringing)
		return "ringing";
	return "trying";
}

static json_t *str_or_null(const char *s)
{
	json_t *v = s ? json_string(s) : NULL;
	return v ? v : json_null();
}

json_t *tandem_control_call_json(struct tandem *t, struct tandem_call *call)
{
	struct tandem_call_facts f;
	if (!t || tandem_call_facts(call, &f) < 0)
		return NULL;
	double now = ev_now(t->loop);
	double until = f.end ? f.end : now;
	json_t *o = json_object();
	if (!o)
		return NULL;
	/* members in the order a table shows them; json_string refuses bytes
	 * that are not UTF-8 (a From from the wire): those are null */
	json_object_set_new(o, "id", json_integer((json_int_t)f.id));
	json_object_set_new(o, "state", json_string(call_state(&f)));
	json_object_set_new(o, "caller", str_or_null(f.caller));
	json_object_set_new(o, "called", str_or_null(f.called));
	json_object_set_new(o, "callee", str_or_null(f.callee));
	json_object_set_new(o, "duration", json_integer(f.start ? (json_int_t)(until - f.start) : 0));
	json_object_set_new(o, "billsec", json_integer(f.answer ? (json_int_t)(until - f.answer) : 0));
	json_object_set_new(o, "context", str_or_null(f.context));
	json_object_set_new(o, "rule", str_or_null(f.rule));
	json_object_set_new(o, "owner", str_or_null(f.owner));
	json_object_set_new(o, "call_id", str_or_null(f.a_call_id));
	json_object_set_new(o, "b_call_id", str_or_null(f.b_call_id));
	json_object_set_new(o, "start", json_real(f.start));
	json_object_set_new(o, "answer", f.answer ? json_real(f.answer) : json_null());
	for (unsigned i = 0; t->control && i < t->control->ninfos; i++) {
		const struct control_info *in = &t->control->infos[i];
		in->fn(t, call, o, in->arg);
	}
	return o;
}

const char *tandem_control_arg(const json_t *args, size_t i)
{
	return json_is_array(args) ? json_string_value(json_array_get(args, i)) : NULL;
}

size_t tandem_control_nargs(const json_t *args)
{
	return json_is_array(args) ? json_array_size(args) : 0;
}

json_t *control_error(const char *kind, const char *msg)
{
	return json_pack("{s:b, s:s, s:s}", "ok", 0, "kind", kind, "error", msg);
}

static const char *kind_of(int rc)
{
	return rc == -EINVAL ? "usage" : rc == -ENOENT ? "notfound" : "failed";
}

/* The request's members: command (a word), args (strings), id (any
 * value, echoed so a client can match answers to pipelined requests). */
static json_t *run_request(struct tandem *t, json_t *req)
{
	char msg[160];
	if (!json_is_object(req))
		return control_error("usage", "a request is a JSON object {\"command\": ..., \"args\": [...]}");
	const char *name = json_string_value(json_object_get(req, "command"));
	if (!name)
		return control_error("usage", "the request has no \"command\" string");
	json_t *args = json_object_get(req, "args");
	if (args && !json_is_array(args))
		return control_error("usage", "\"args\" must be an array of strings");
	for (size_t i = 0; args && i < json_array_size(args); i++)
		if (!json_is_string(json_array_get(args, i)))
			return control_error("usage", "\"args\" must be an array of strings");
	const struct control_entry *e = control_find(t->control, name);
	if (!e) {
		snprintf(msg, sizeof msg, "unknown command '%.64s'", name);
		return control_error("usage", msg);
	}
	json_t *empty = args ? NULL : json_array();
	json_t *result = NULL;
	char err[4096] = "";
	/* the entry may go while it runs (a reload that stops a module): the
	 * command's own copy serves it */
	struct tandem_control_command cmd = e->cmd;
	int rc = cmd.run(t, args ? args : empty, &result, err, sizeof err, cmd.arg);
	json_decref(empty);
	if (rc == 0) {
		json_t *resp = json_pack("{s:b, s:o}", "ok", 1, "result", result ? result : json_null());
		return resp;
	}
	if (!err[0])
		snprintf(err, sizeof err, "%s failed (%s)", name, strerror(rc < 0 ? -rc : rc));
	if (rc == -EINVAL) {
		const char *u = cmd.usage ? cmd.usage : "";
		size_t n = strlen(err);
		snprintf(err + n, sizeof err - n, " (usage: %s%s%s)", name, *u ? " " : "", u);
	}
	json_t *resp = control_error(kind_of(rc), err);
	/* a failed command's details (reload's "errors") go beside the error */
	if (resp && json_is_object(result)) {
		const char *k;
		json_t *v;
		json_object_foreach(result, k, v) {
			if (!json_object_get(resp, k))
				json_object_set(resp, k, v);
		}
	}
	json_decref(result);
	return resp;
}

json_t *control_dispatch(struct tandem *t, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req) {
		char msg[256];
		snprintf(msg, sizeof msg, "malformed request: %s (column %d)", jerr.text, jerr.column);
		return control_error("usage", msg);
	}
	json_t *resp = run_request(t, req);
	json_t *id = json_is_object(req) ? json_object_get(req, "id") : NULL;
	if (resp && id)
		json_object_set(resp, "id", id);
	json_decref(req);
	return resp;
}
