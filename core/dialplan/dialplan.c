/* tandem — dialplan loading: libconfig rules to an immutable, checked object.
 *
 * Three passes: context names first (so goto can point forward), then every
 * rule and action (parsed, checked, module fixups run), then the ${...}
 * references (known once every set(var=...) of every context was seen).
 * Every error is collected with the file:line libconfig recorded for the
 * setting, so --check-config lists them all at once.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "call/dial_rules.h"
#include "dialplan_internal.h"

#define ERRLEN 256

/* ---- errors ---- */

void dp_err(struct dp_errs *e, const char *file, int line, const char *fmt, ...)
{
	char msg[ERRLEN], *full;
	char **grown;
	va_list ap;

	e->count++;
	if (!e->out)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (asprintf(&full, "%s:%d: %s", file ? file : "(config)", line, msg) < 0) {
		e->nomem = true;
		return;
	}
	grown = realloc(e->out->msg, (e->out->count + 1) * sizeof(*grown));
	if (!grown) {
		free(full);
		e->nomem = true;
		return;
	}
	grown[e->out->count++] = full;
	e->out->msg = grown;
}

void dialplan_errors_free(struct dialplan_errors *errs)
{
	if (!errs)
		return;
	for (size_t i = 0; i < errs->count; i++)
		free(errs->msg[i]);
	free(errs->msg);
	errs->msg = NULL;
	errs->count = 0;
}

/* ---- lifetime ---- */

static void free_action(struct dp_action *a)
{
	if (a->mod && a->mod->free_priv && a->priv)
		a->mod->free_priv(a->priv);
	free(a->name);
	for (int i = 0; i < a->argc; i++)
		free(a->argv[i]);
	free(a->argv);
	for (size_t i = 0; i < a->ntargets; i++)
		free(a->targets[i]);
	free(a->targets);
	free(a->set_name);
}

static void free_rule(struct dp_rule *r)
{
	if (r->has_match)
		regfree(&r->match);
	free(r->pattern);
	if (r->has_from)
		regfree(&r->from);
	for (size_t i = 0; i < r->nmethods; i++)
		free(r->methods[i]);
	free(r->methods);
	free(r->src);
	for (size_t i = 0; i < r->nact; i++)
		free_action(&r->act[i]);
	free(r->act);
}

static void dialplan_free(struct dialplan *dp)
{
	for (size_t i = 0; i < dp->nctx; i++) {
		for (size_t j = 0; j < dp->ctx[i].nrule; j++)
			free_rule(&dp->ctx[i].rule[j]);
		free(dp->ctx[i].rule);
		free(dp->ctx[i].name);
	}
	free(dp->ctx);
	for (size_t i = 0; i < dp->nfiles; i++)
		free(dp->files[i]);
	free(dp->files);
	free(dp);
}

struct dialplan *dialplan_ref(struct dialplan *dp)
{
	if (dp)
		dp->refs++;
	return dp;
}

void dialplan_unref(struct dialplan *dp)
{
	if (dp && --dp->refs == 0)
		dialplan_free(dp);
}

bool dialplan_has_context(const struct dialplan *dp, const char *name)
{
	for (size_t i = 0; i < dp->nctx; i++)
		if (!strcmp(dp->ctx[i].name, name))
			return true;
	return false;
}

/* ---- load state ---- */

struct load {
	struct dialplan *dp;
	const struct dialplan_env *env;
	struct dp_errs e;
	char **set_names;          /* every set(name=...) seen: known variables */
	size_t nset;
};

/* The config's file name outlives config_t only if we keep a copy. */
static const char *intern_file(struct load *L, const config_setting_t *s)
{
	const char *f = config_setting_source_file(s);
	char **grown, *copy;

	if (!f)
		return "(config)";
	for (size_t i = 0; i < L->dp->nfiles; i++)
		if (!strcmp(L->dp->files[i], f))
			return L->dp->files[i];
	copy = strdup(f);
	grown = copy ? realloc(L->dp->files, (L->dp->nfiles + 1) * sizeof(*grown)) : NULL;
	if (!grown) {
		free(copy);
		L->e.nomem = true;
		return "(config)";
	}
	L->dp->files = grown;
	grown[L->dp->nfiles++] = copy;
	return copy;
}

#define ERR(L, file, line, ...) dp_err(&(L)->e, file, line, __VA_ARGS__)

static int context_index(const struct dialplan *dp, const char *name)
{
	for (size_t i = 0; i < dp->nctx; i++)
		if (dp->ctx[i].name && !strcmp(dp->ctx[i].name, name))
			return (int)i;
	return -1;
}

/* ---- core actions ---- */

static const struct {
	const char *name;
	enum dialplan_kind kind;
	int min, max;
} core_actions[] = {
	{ "dial", DIALPLAN_DIAL, 1, 2 },
	{ "reject", DIALPLAN_REJECT, 1, 2 },
	{ "redirect", DIALPLAN_REDIRECT, 1, 1 },
	{ "set_header", DIALPLAN_SET_HEADER, 2, 2 },
	{ "remove_header", DIALPLAN_REMOVE_HEADER, 1, 1 },
	{ "log", DIALPLAN_LOG, 1, 1 },
	{ "goto", DIALPLAN_GOTO, 1, 1 },
	{ "set", DIALPLAN_SET, 1, 1 },
};

/* Headers the B2BUA owns on each leg (RFC 3261 §8.1.1, §16): a dialplan
 * touching them would break the dialogs, so refuse at load. */
static bool header_protected(const char *n)
{
	static const char *const own[] = {
		"Via", "v", "From", "f", "To", "t", "Call-ID", "i", "CSeq",
		"Contact", "m", "Content-Length", "l", "Content-Type", "c",
		"Max-Forwards", "Route", "Record-Route",
	};

	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (!strcasecmp(own[i], n))
			return true;
	return false;
}

/* RFC 3261 §25.1 token */
static bool is_token(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-.!%*_+`'~", *s))
			return false;
	return true;
}

static bool parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool uri_scheme_ok(const char *s)
{
	return !strncmp(s, "sip:", 4) || !strncmp(s, "sips:", 5) || !strncmp(s, "tel:", 4);
}

/* dial's first argument: "a&b&c" (parallel) or "a|b|c" (hunt), split here,
 * before expansion, so a variable's value can never add targets. */
static int fix_dial_targets(struct load *L, struct dp_action *a, const char *file, int line)
{
	const char *s = a->argv[0];
	char sep = 0;
	size_t n = 1;
	int depth = 0;

	for (const char *p = s; *p; p++) {
		if (p[0] == '$' && p[1] == '{')
			depth++;
		else if (*p == '}' && depth)
			depth--;
		else if (!depth && (*p == '&' || *p == '|')) {
			if (sep && sep != *p) {
				ERR(L, file, line, "dial: cannot mix '&' (parallel) and '|' (hunt) in '%s'", s);
				return -EINVAL;
			}
			sep = *p;
			n++;
		}
	}
	a->mode = !sep ? DIALPLAN_DIAL_SINGLE : sep == '&' ? DIALPLAN_DIAL_PARALLEL : DIALPLAN_DIAL_HUNT;
	a->targets = calloc(n, sizeof(*a->targets));
	if (!a->targets) {
		L->e.nomem = true;
		return -ENOMEM;
	}
	for (const char *b = s; a->ntargets < n; ) {
		const char *e = b;
		char *t;

		depth = 0;
		for (; *e; e++) {
			if (e[0] == '$' && e[1] == '{')
				depth++;
			else if (*e == '}' && depth)
				depth--;
			else if (!depth && *e == sep)
				break;
		}
		while (b < e && isspace((unsigned char)*b))
			b++;
		t = strndup(b, (size_t)(e - b));
		if (!t) {
			L->e.nomem = true;
			return -ENOMEM;
		}
		for (size_t k = strlen(t); k && isspace((unsigned char)t[k - 1]); k--)
			t[k - 1] = '\0';
		a->targets[a->ntargets++] = t;
		b = *e ? e + 1 : e;
		if (!*t) {
			ERR(L, file, line, "dial: empty target in '%s'", s);
			return -EINVAL;
		}
		if (!strncmp(t, "trunk:", 6)) {
			const char *slash = strchr(t + 6, '/');

			if (!slash || slash == t + 6) {
				ERR(L, file, line, "dial: '%s' is not trunk:name/number", t);
				return -EINVAL;
			}
		} else if ((!strncmp(t, "sip:", 4) && !t[4]) || (!strncmp(t, "sips:", 5) && !t[5])) {
			ERR(L, file, line, "dial: empty URI '%s'", t);
			return -EINVAL;
		} else if (L->env && L->env->serves_scheme) {
			/* test:bob: a module must serve "test:", else a typo would
			 * only show as a 503 at the first call. A scheme written
			 * with ${...} is checked when it is dialled. */
			char scheme[32];
			int off = dial_target_scheme(t, scheme, sizeof scheme);

			if (off < 0) {
				ERR(L, file, line, "dial: '%s' has an overlong scheme", t);
				return -EINVAL;
			}
			if (off > 0 && strcmp(scheme, "trunk") && strcmp(scheme, "user") &&
			    !dial_scheme_is_uri(scheme) && !L->env->serves_scheme(L->env->arg, scheme)) {
				ERR(L, file, line, "dial: no module serves '%s:' targets in '%s' (load the "
				    "module that registers a resolver for '%s')", scheme, t, scheme);
				return -EINVAL;
			}
			if (off > 0 && !t[off]) {
				ERR(L, file, line, "dial: nothing after '%s:' in '%s'", scheme, t);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int fix_core(struct load *L, struct dp_action *a, const char *file, int line)
{
	unsigned long v;

	switch (a->kind) {
	case DIALPLAN_DIAL:
		if (fix_dial_targets(L, a, file, line))
			return -EINVAL;
		if (a->argc > 1) {
			if (!parse_uint(a->argv[1], 1, 3600, &v)) {
				ERR(L, file, line, "dial: timeout '%s' is not a number of seconds 1..3600", a->argv[1]);
				return -EINVAL;
			}
			a->timeout = (unsigned)v;
		}
		return 0;
	case DIALPLAN_REJECT:
		if (!parse_uint(a->argv[0], 400, 699, &v)) {
			ERR(L, file, line, "reject: code '%s' is not a final error status 400..699", a->argv[0]);
			return -EINVAL;
		}
		a->code = (int)v;
		return 0;
	case DIALPLAN_REDIRECT:
		if (strncmp(a->argv[0], "${", 2) && !uri_scheme_ok(a->argv[0])) {
			ERR(L, file, line, "redirect: '%s' is not a sip:, sips: or tel: URI", a->argv[0]);
			return -EINVAL;
		}
		return 0;
	case DIALPLAN_SET_HEADER:
	case DIALPLAN_REMOVE_HEADER:
		if (!is_token(a->argv[0])) {
			ERR(L, file, line, "%s: '%s' is not a header name", a->name, a->argv[0]);
			return -EINVAL;
		}
		if (header_protected(a->argv[0])) {
			ERR(L, file, line, "%s: %s is managed by the B2BUA", a->name, a->argv[0]);
			return -EINVAL;
		}
		return 0;
	case DIALPLAN_GOTO: {
		int i = context_index(L->dp, a->argv[0]);

		if (i < 0) {
			ERR(L, file, line, "goto: no context '%s'", a->argv[0]);
			return -EINVAL;
		}
		a->goto_ctx = (size_t)i;
		return 0;
	}
	case DIALPLAN_SET: {
		const char *eq = strchr(a->argv[0], '=');
		size_t n = eq ? (size_t)(eq - a->argv[0]) : 0;
		char **grown;

		while (n && isspace((unsigned char)a->argv[0][n - 1]))
			n--;
		if (!eq || !dp_var_name_ok(a->argv[0], n) || isdigit((unsigned char)a->argv[0][0])) {
			ERR(L, file, line, "set: expected set(name=value), got '%s'", a->argv[0]);
			return -EINVAL;
		}
		if (dp_builtin_lookup(a->argv[0], n) >= 0) {
			ERR(L, file, line, "set: '%.*s' is a built-in variable", (int)n, a->argv[0]);
			return -EINVAL;
		}
		a->set_name = strndup(a->argv[0], n);
		grown = a->set_name ? realloc(L->set_names, (L->nset + 1) * sizeof(*grown)) : NULL;
		if (!grown) {
			L->e.nomem = true;
			return -ENOMEM;
		}
		L->set_names = grown;
		grown[L->nset++] = a->set_name;
		for (eq++; isspace((unsigned char)*eq); eq++)
			;
		a->set_value = eq;
		return 0;
	}
	default:
		return 0;
	}
}

static int fix_module(struct load *L, struct dp_action *a, const char *file, int line)
{
	const struct tandem_action *m = NULL;
	char err[ERRLEN] = "";
	int rc;

	if (L->env && L->env->find_action)
		m = L->env->find_action(L->env->arg, a->name);
	if (!m) {
		ERR(L, file, line, "unknown action '%s'", a->name);
		return -EINVAL;
	}
	if (a->argc < m->min_args || (m->max_args >= 0 && a->argc > m->max_args)) {
		if (m->min_args == m->max_args)
			ERR(L, file, line, "%s: takes %d argument(s), got %d", a->name, m->min_args, a->argc);
		else
			ERR(L, file, line, "%s: takes %d..%d arguments, got %d", a->name,
			    m->min_args, m->max_args, a->argc);
		return -EINVAL;
	}
	if (m->fixup) {
		void *priv = NULL;

		rc = m->fixup(L->env ? L->env->t : NULL, a->argc, (const char *const *)a->argv,
		              &priv, err, sizeof(err));
		if (rc) {
			ERR(L, file, line, "%s: %s", a->name, err[0] ? err : "bad arguments");
			return -EINVAL;
		}
		a->priv = priv;
	}
	a->mod = m;
	return 0;
}

static void load_action(struct load *L, struct dp_action *a, const config_setting_t *s,
                        const char *file, int line)
{
	struct dp_parsed_action p;
	char err[ERRLEN] = "";
	const char *str = config_setting_get_string(s);
	size_t i;
	int rc;

	a->file = file;
	a->line = line;
	a->kind = DIALPLAN_MODULE;
	if (!str) {
		ERR(L, file, line, "an action must be a string");
		return;
	}
	rc = dp_parse_action(str, &p, err, sizeof(err));
	if (rc) {
		if (rc == -ENOMEM)
			L->e.nomem = true;
		else
			ERR(L, file, line, "%s in '%s'", err, str);
		dp_parsed_action_clear(&p);
		return;
	}
	/* take the strings over */
	a->on_mask = p.on_mask;
	a->name = p.name;
	a->argv = calloc((size_t)p.argc + 1, sizeof(*a->argv));
	if (!a->argv) {
		L->e.nomem = true;
		dp_parsed_action_clear(&p);
		a->name = NULL;
		return;
	}
	memcpy(a->argv, p.argv, (size_t)p.argc * sizeof(*a->argv));
	a->argc = p.argc;
	for (i = 0; i < sizeof(core_actions) / sizeof(core_actions[0]); i++)
		if (!strcmp(core_actions[i].name, a->name))
			break;
	if (i == sizeof(core_actions) / sizeof(core_actions[0])) {
		fix_module(L, a, file, line);
		return;
	}
	a->kind = core_actions[i].kind;
	if (a->argc < core_actions[i].min || a->argc > core_actions[i].max) {
		if (core_actions[i].min == core_actions[i].max)
			ERR(L, file, line, "%s: takes %d argument(s), got %d", a->name,
			    core_actions[i].min, a->argc);
		else
			ERR(L, file, line, "%s: takes %d..%d arguments, got %d", a->name,
			    core_actions[i].min, core_actions[i].max, a->argc);
		return;
	}
	fix_core(L, a, file, line);
}

/* ---- rules ---- */

static void load_methods(struct load *L, struct dp_rule *r, const config_setting_t *s,
                         const char *file, int line)
{
	const char *v = config_setting_get_string(s);
	const char *p;
	size_t count = 1;

	if (!v || !*v) {
		ERR(L, file, line, "method must be a string like \"INVITE|MESSAGE\"");
		return;
	}
	for (p = v; (p = strchr(p, '|')) != NULL; p++)
		count++;
	r->methods = calloc(count, sizeof(*r->methods));
	if (!r->methods) {
		L->e.nomem = true;
		return;
	}
	for (p = v; ; ) {
		const char *e = strchr(p, '|');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *m;

		while (n && isspace((unsigned char)*p)) {
			p++;
			n--;
		}
		while (n && isspace((unsigned char)p[n - 1]))
			n--;
		m = strndup(p, n);
		if (!m) {
			L->e.nomem = true;
			return;
		}
		r->methods[r->nmethods++] = m;
		if (!is_token(m)) {
			ERR(L, file, line, "method: '%s' is not a method name", m);
			return;
		}
		if (!e)
			break;
		p = e + 1;
	}
}

static void load_source(struct load *L, struct dp_rule *r, const config_setting_t *s,
                        const char *file, int line)
{
	int n = config_setting_is_aggregate(s) ? config_setting_length(s) : 1;

	if (config_setting_is_group(s) || n == 0) {
		ERR(L, file, line, "source must be a CIDR string or a list of them");
		return;
	}
	r->src = calloc((size_t)n, sizeof(*r->src));
	if (!r->src) {
		L->e.nomem = true;
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_is_aggregate(s) ? config_setting_get_elem(s, (unsigned)i) : s;
		const char *v = config_setting_get_string(e);

		if (!v || sip_net_parse(v, &r->src[r->nsrc])) {
			ERR(L, file, (int)config_setting_source_line(e),
			    "source: '%s' is not an IPv4/IPv6 address or CIDR", v ? v : "(not a string)");
			continue;
		}
		r->nsrc++;
	}
}

static void load_pattern(struct load *L, regex_t *re, bool *has, const config_setting_t *s,
                         const char *key, const char *file, int line)
{
	const char *v = config_setting_get_string(s);
	char err[ERRLEN];
	int rc;

	if (!v) {
		ERR(L, file, line, "%s must be a string", key);
		return;
	}
	rc = dp_compile_pattern(v, re, err, sizeof(err));
	if (rc == -ENOMEM)
		L->e.nomem = true;
	else if (rc)
		ERR(L, file, line, "%s: %s", key, err);
	else
		*has = true;
}

static void load_rule(struct load *L, struct dp_rule *r, const config_setting_t *s)
{
	const char *file = intern_file(L, s);
	int line = (int)config_setting_source_line(s);
	const config_setting_t *actions = NULL;

	r->file = file;
	r->line = line;
	if (!config_setting_is_group(s)) {
		ERR(L, file, line, "a rule must be a group: { match = \"...\"; do = ( ... ); }");
		return;
	}
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *m = config_setting_get_elem(s, (unsigned)i);
		const char *key = config_setting_name(m);
		int mline = (int)config_setting_source_line(m);

		if (!strcmp(key, "match")) {
			load_pattern(L, &r->match, &r->has_match, m, key, file, mline);
			if (r->has_match && !r->pattern && config_setting_get_string(m))
				r->pattern = strdup(config_setting_get_string(m));
		}
		else if (!strcmp(key, "from"))
			load_pattern(L, &r->from, &r->has_from, m, key, file, mline);
		else if (!strcmp(key, "method"))
			load_methods(L, r, m, file, mline);
		else if (!strcmp(key, "source"))
			load_source(L, r, m, file, mline);
		else if (!strcmp(key, "do"))
			actions = m;
		else
			ERR(L, file, mline, "unknown rule key '%s' (match, from, method, source, do)", key);
	}
	if (!actions || !(config_setting_is_list(actions) || config_setting_is_array(actions)) ||
	    config_setting_length(actions) == 0) {
		ERR(L, file, actions ? (int)config_setting_source_line(actions) : line,
		    "a rule needs do = ( \"action\", ... )");
		return;
	}
	r->act = calloc((size_t)config_setting_length(actions), sizeof(*r->act));
	if (!r->act) {
		L->e.nomem = true;
		return;
	}
	for (int i = 0; i < config_setting_length(actions); i++) {
		const config_setting_t *a = config_setting_get_elem(actions, (unsigned)i);
		int aline = (int)config_setting_source_line(a);

		load_action(L, &r->act[r->nact++], a, file, aline ? aline : line);
	}
}

/* ---- variables, once every set() is known ---- */

struct refcheck {
	struct load *L;
	const struct dp_rule *r;
	const struct dp_action *a;
};

static int check_ref(void *arg, const char *name, size_t len)
{
	struct refcheck *c = arg;
	struct load *L = c->L;

	if (len == 1 && isdigit((unsigned char)name[0])) {
		size_t groups = c->r->has_match ? c->r->match.re_nsub : 0;

		if ((size_t)(name[0] - '0') > groups)
			ERR(L, c->a->file, c->a->line, "%s: ${%c} but the match pattern has %zu capture group(s)",
			    c->a->name, name[0], groups);
		return 0;
	}
	if (dp_builtin_lookup(name, len) >= 0)
		return 0;
	for (size_t i = 0; i < L->nset; i++)
		if (strlen(L->set_names[i]) == len && !memcmp(L->set_names[i], name, len))
			return 0;
	if (L->env && L->env->extra_vars)
		for (const char *const *x = L->env->extra_vars; *x; x++)
			if (strlen(*x) == len && !memcmp(*x, name, len))
				return 0;
	ERR(L, c->a->file, c->a->line, "%s: unknown variable ${%.*s} (not built-in, never set)",
	    c->a->name, (int)len, name);
	return 0;
}

static void check_vars(struct load *L)
{
	for (size_t i = 0; i < L->dp->nctx; i++) {
		const struct dp_context *ctx = &L->dp->ctx[i];

		for (size_t j = 0; j < ctx->nrule; j++) {
			const struct dp_rule *r = &ctx->rule[j];

			for (size_t k = 0; k < r->nact; k++) {
				struct refcheck c = { L, r, &r->act[k] };
				char err[ERRLEN];

				for (int n = 0; n < r->act[k].argc; n++)
					if (dp_tmpl_scan(r->act[k].argv[n], check_ref, &c, err, sizeof(err)))
						ERR(L, c.a->file, c.a->line, "%s: %s", c.a->name, err);
			}
		}
	}
}

int dialplan_load(const config_t *cfg, const struct dialplan_env *env,
                  struct dialplan **out, struct dialplan_errors *errs)
{
	struct load L = { .env = env, .e = { .out = errs } };
	const config_setting_t *root;
	int n, rc = 0;

	if (errs)
		memset(errs, 0, sizeof(*errs));
	L.dp = calloc(1, sizeof(*L.dp));
	if (!L.dp)
		return -ENOMEM;
	L.dp->refs = 1;
	root = config_lookup(cfg, "dialplan");
	if (!root || !config_setting_is_group(root)) {
		ERR(&L, root ? intern_file(&L, root) : NULL, root ? (int)config_setting_source_line(root) : 0,
		    "dialplan must be a group of contexts: dialplan: { name: ( rules ); }");
		goto out;
	}
	n = config_setting_length(root);
	L.dp->ctx = calloc((size_t)n + 1, sizeof(*L.dp->ctx));
	if (!L.dp->ctx) {
		L.e.nomem = true;
		goto out;
	}
	/* pass 1: names, so goto may point to a context defined later */
	for (int i = 0; i < n; i++) {
		const config_setting_t *c = config_setting_get_elem(root, (unsigned)i);

		L.dp->ctx[i].name = strdup(config_setting_name(c));
		L.dp->nctx++;
		if (!L.dp->ctx[i].name) {
			L.e.nomem = true;
			goto out;
		}
	}
	/* pass 2: rules and actions */
	for (int i = 0; i < n; i++) {
		const config_setting_t *c = config_setting_get_elem(root, (unsigned)i);
		struct dp_context *ctx = &L.dp->ctx[i];
		int nr = config_setting_length(c);

		if (!config_setting_is_list(c) && !config_setting_is_array(c)) {
			ERR(&L, intern_file(&L, c), (int)config_setting_source_line(c),
			    "context '%s' must be a list of rules: %s: ( { ... }, ... );", ctx->name, ctx->name);
			continue;
		}
		ctx->rule = calloc((size_t)nr + 1, sizeof(*ctx->rule));
		if (!ctx->rule) {
			L.e.nomem = true;
			goto out;
		}
		for (int j = 0; j < nr; j++)
			load_rule(&L, &ctx->rule[ctx->nrule++], config_setting_get_elem(c, (unsigned)j));
	}
	/* pass 3: ${...} references */
	check_vars(&L);
out:
	free(L.set_names);
	if (L.e.nomem)
		rc = -ENOMEM;
	else if (L.e.count)
		rc = -EINVAL;
	if (rc) {
		dialplan_unref(L.dp);
		return rc;
	}
	*out = L.dp;
	return 0;
}
