/* tandem — running a dialplan: rule matching and the action cursor. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call/dial_rules.h"
#include "dialplan_internal.h"

struct dialplan_cursor {
	struct dialplan *dp;       /* a reference: reloads do not touch our rules */
	size_t ctx;
	const struct dp_rule *rule;
	size_t next;               /* index of the next action in rule */
	int state;                 /* DIALPLAN_STEP while running, else END or -errno */
	enum dialplan_outcome outcome;
	bool gated;                /* CLOSED in this rule: only on(...) actions run */
	int gotos;
	struct sockaddr_storage src;
	bool has_src;
	char *builtin[DP_VAR__COUNT];
	char *capture[DIALPLAN_MAX_CAPTURES + 1];
	struct dp_var *vars;
	size_t nvars;
	char *err;                 /* why the plan failed; allocated only then
	                            * (a cursor lives as long as its call) */
	/* the current step's strings, freed on the next step */
	int sargc;
	char *sargv[DP_MAX_ARGS + 1];
	size_t ntargets;
	char **tstr;
	struct dialplan_target *targets;
};

static void fail(struct dialplan_cursor *c, int rc, const struct dp_action *a, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail(struct dialplan_cursor *c, int rc, const struct dp_action *a, const char *fmt, ...)
{
	va_list ap;
	int n = 0;
	char buf[256];

	if (a)
		n = snprintf(buf, sizeof(buf), "%s:%d: ", a->file, a->line);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	free(c->err);
	c->err = strdup(buf);
	c->state = rc;
}

static const char *const outcome_words[] = {
	[DIALPLAN_OUTCOME_NONE] = "", [DIALPLAN_OUTCOME_ANSWERED] = "answered",
	[DIALPLAN_OUTCOME_BUSY] = "busy", [DIALPLAN_OUTCOME_NOANSWER] = "noanswer",
	[DIALPLAN_OUTCOME_UNAVAILABLE] = "unavailable", [DIALPLAN_OUTCOME_FAIL] = "fail",
	[DIALPLAN_OUTCOME_TIMEOUT] = "timeout", [DIALPLAN_OUTCOME_FULL] = "full",
	[DIALPLAN_OUTCOME_EMPTY] = "empty", [DIALPLAN_OUTCOME_CLOSED] = "closed",
};

const char *dialplan_outcome_word(enum dialplan_outcome o)
{
	return (unsigned)o < sizeof outcome_words / sizeof outcome_words[0] ? outcome_words[o] : "";
}

int dialplan_outcome_parse(const char *word)
{
	for (size_t i = 1; word && i < sizeof outcome_words / sizeof outcome_words[0]; i++)
		if (strcmp(outcome_words[i], word) == 0)
			return (int)i;
	return -1;
}

static void scope_of(const struct dialplan_cursor *c, struct dp_scope *s)
{
	for (int i = 0; i < DP_VAR__COUNT; i++)
		s->builtin[i] = c->builtin[i];
	s->builtin[DP_VAR_DIAL_OUTCOME] = dialplan_outcome_word(c->outcome);
	for (int i = 0; i <= DIALPLAN_MAX_CAPTURES; i++)
		s->capture[i] = c->capture[i];
	s->vars = c->vars;
	s->nvars = c->nvars;
}

static bool rule_matches(const struct dp_rule *r, const struct dialplan_cursor *c,
                         regmatch_t *pm, size_t npm)
{
	const char *exten = c->builtin[DP_VAR_EXTEN] ? c->builtin[DP_VAR_EXTEN] : "";
	const char *from = c->builtin[DP_VAR_FROM_USER] ? c->builtin[DP_VAR_FROM_USER] : "";
	const char *method = c->builtin[DP_VAR_METHOD];

	for (size_t i = 0; i < npm; i++)
		pm[i].rm_so = pm[i].rm_eo = -1;
	if (r->methods) {
		size_t i;

		if (!method)
			return false;
		for (i = 0; i < r->nmethods; i++)
			if (!strcmp(r->methods[i], method))
				break;
		if (i == r->nmethods)
			return false;
	}
	if (r->src) {
		size_t i;

		if (!c->has_src)
			return false;
		for (i = 0; i < r->nsrc; i++)
			if (sip_net_match(&r->src[i], (const struct sockaddr *)&c->src))
				break;
		if (i == r->nsrc)
			return false;
	}
	if (r->has_from && regexec(&r->from, from, 0, NULL, 0) != 0)
		return false;
	if (r->has_match && regexec(&r->match, exten, npm, pm, 0) != 0)
		return false;
	return true;
}

/* First match wins: scan ctx, set rule and captures. 0 or -ENOENT. */
static int match_in(struct dialplan_cursor *c, size_t ctx)
{
	const struct dp_context *cx = &c->dp->ctx[ctx];
	regmatch_t pm[DIALPLAN_MAX_CAPTURES + 1];

	for (size_t i = 0; i < cx->nrule; i++) {
		const char *exten = c->builtin[DP_VAR_EXTEN] ? c->builtin[DP_VAR_EXTEN] : "";
		char *cap[DIALPLAN_MAX_CAPTURES + 1] = { NULL };

		if (!rule_matches(&cx->rule[i], c, pm, DIALPLAN_MAX_CAPTURES + 1))
			continue;
		for (int k = 1; k <= DIALPLAN_MAX_CAPTURES; k++) {
			if (pm[k].rm_so < 0)
				continue;
			cap[k] = strndup(exten + pm[k].rm_so, (size_t)(pm[k].rm_eo - pm[k].rm_so));
			if (!cap[k]) {
				for (int j = 1; j < k; j++)
					free(cap[j]);
				return -ENOMEM;
			}
		}
		for (int k = 1; k <= DIALPLAN_MAX_CAPTURES; k++) {
			free(c->capture[k]);
			c->capture[k] = cap[k];
		}
		c->ctx = ctx;
		c->rule = &cx->rule[i];
		c->next = 0;
		c->gated = false;
		return 0;
	}
	return -ENOENT;
}

static int dup_opt(char **dst, const char *s)
{
	if (!s)
		return 0;
	*dst = strdup(s);
	return *dst ? 0 : -ENOMEM;
}

int dialplan_match(struct dialplan *dp, const char *ctx,
                   const struct dialplan_input *in, struct dialplan_cursor **out)
{
	struct dialplan_cursor *c;
	size_t i;
	int rc = 0;

	for (i = 0; i < dp->nctx; i++)
		if (!strcmp(dp->ctx[i].name, ctx))
			break;
	if (i == dp->nctx)
		return -ESRCH;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->dp = dialplan_ref(dp);
	c->state = DIALPLAN_STEP;
	rc |= dup_opt(&c->builtin[DP_VAR_EXTEN], in->ruri_user);
	rc |= dup_opt(&c->builtin[DP_VAR_FROM_USER], in->from_user);
	rc |= dup_opt(&c->builtin[DP_VAR_FROM_DOMAIN], in->from_domain);
	rc |= dup_opt(&c->builtin[DP_VAR_AUTH_USER], in->auth_user);
	rc |= dup_opt(&c->builtin[DP_VAR_METHOD], in->method);
	rc |= dup_opt(&c->builtin[DP_VAR_CALL_ID], in->call_id);
	if (in->source && (in->source->sa_family == AF_INET || in->source->sa_family == AF_INET6)) {
		char ip[INET6_ADDRSTRLEN];
		const void *a;

		if (in->source->sa_family == AF_INET) {
			memcpy(&c->src, in->source, sizeof(struct sockaddr_in));
			a = &((const struct sockaddr_in *)(const void *)in->source)->sin_addr;
		} else {
			memcpy(&c->src, in->source, sizeof(struct sockaddr_in6));
			a = &((const struct sockaddr_in6 *)(const void *)in->source)->sin6_addr;
		}
		c->has_src = true;
		if (inet_ntop(in->source->sa_family, a, ip, sizeof(ip)))
			rc |= dup_opt(&c->builtin[DP_VAR_SOURCE_IP], ip);
	}
	if (!rc)
		rc = match_in(c, i);
	if (rc) {
		dialplan_cursor_free(c);
		return rc == -ENOENT ? -ENOENT : -ENOMEM;
	}
	*out = c;
	return 0;
}

static void clear_step(struct dialplan_cursor *c)
{
	for (int i = 0; i < c->sargc; i++)
		free(c->sargv[i]);
	c->sargc = 0;
	for (size_t i = 0; i < 2 * c->ntargets; i++)
		free(c->tstr[i]);
	free(c->tstr);
	free(c->targets);
	c->tstr = NULL;
	c->targets = NULL;
	c->ntargets = 0;
}

void dialplan_cursor_free(struct dialplan_cursor *c)
{
	if (!c)
		return;
	clear_step(c);
	for (int i = 0; i < DP_VAR__COUNT; i++)
		free(c->builtin[i]);
	for (int i = 0; i <= DIALPLAN_MAX_CAPTURES; i++)
		free(c->capture[i]);
	for (size_t i = 0; i < c->nvars; i++) {
		free(c->vars[i].name);
		free(c->vars[i].value);
	}
	free(c->vars);
	free(c->err);
	dialplan_unref(c->dp);
	free(c);
}

void dialplan_set_outcome(struct dialplan_cursor *c, enum dialplan_outcome o)
{
	c->outcome = o;
	if (o == DIALPLAN_OUTCOME_CLOSED)
		c->gated = true;
}

enum dialplan_outcome dialplan_outcome(const struct dialplan_cursor *c)
{
	return c->outcome;
}

enum dialplan_outcome dialplan_outcome_of_dial(enum tandem_dial_outcome o)
{
	switch (o) {
	case TANDEM_DIAL_ANSWERED: return DIALPLAN_OUTCOME_ANSWERED;
	case TANDEM_DIAL_BUSY: return DIALPLAN_OUTCOME_BUSY;
	case TANDEM_DIAL_NOANSWER: return DIALPLAN_OUTCOME_NOANSWER;
	case TANDEM_DIAL_UNAVAILABLE: return DIALPLAN_OUTCOME_UNAVAILABLE;
	case TANDEM_DIAL_FAILED:
	case TANDEM_DIAL_CANCELLED:
		break;
	}
	return DIALPLAN_OUTCOME_FAIL;
}

/* The dial engine's one classification (core/call/dial_rules.c). */
enum dialplan_outcome dialplan_outcome_from_status(int status)
{
	return dialplan_outcome_of_dial(tandem_dial_outcome_of(status));
}

const char *dialplan_cursor_error(const struct dialplan_cursor *c)
{
	if (c->err)
		return c->err;
	return c->state < 0 ? "out of memory" : "";
}

const char *dialplan_cursor_context(const struct dialplan_cursor *c)
{
	return c->dp->ctx[c->ctx].name;
}

const char *dialplan_cursor_rule(const struct dialplan_cursor *c)
{
	return c->rule ? c->rule->pattern : NULL;
}

static int set_var(struct dialplan_cursor *c, const char *name, size_t len, char *value)
{
	int b = dp_builtin_lookup(name, len);
	struct dp_var *grown;

	if (b >= 0) {
		free(c->builtin[b]);
		c->builtin[b] = value;
		return 0;
	}
	for (size_t i = 0; i < c->nvars; i++) {
		if (strlen(c->vars[i].name) == len && !memcmp(c->vars[i].name, name, len)) {
			free(c->vars[i].value);
			c->vars[i].value = value;
			return 0;
		}
	}
	grown = realloc(c->vars, (c->nvars + 1) * sizeof(*grown));
	if (!grown) {
		free(value);
		return -ENOMEM;
	}
	c->vars = grown;
	grown[c->nvars].name = strndup(name, len);
	if (!grown[c->nvars].name) {
		free(value);
		return -ENOMEM;
	}
	grown[c->nvars++].value = value;
	return 0;
}

int dialplan_set_var(struct dialplan_cursor *c, const char *name, const char *value)
{
	size_t len = strlen(name);
	char *v;

	/* captures belong to the match */
	if (!dp_var_name_ok(name, len) || (len == 1 && name[0] >= '1' && name[0] <= '9') ||
	    dp_builtin_lookup(name, len) == DP_VAR_DIAL_OUTCOME)   /* the dial's, read-only */
		return -EINVAL;
	v = strdup(value ? value : "");
	if (!v)
		return -ENOMEM;
	return set_var(c, name, len, v);
}

const char *dialplan_get_var(const struct dialplan_cursor *c, const char *name)
{
	struct dp_scope s;

	scope_of(c, &s);
	return dp_scope_get(&s, name, strlen(name));
}

/* A variable comes from the caller (the R-URI user...): never let it put a
 * line break into a header, a URI or a log line. */
static bool clean(const char *s)
{
	return !strpbrk(s, "\r\n");
}

static int make_targets(struct dialplan_cursor *c, const struct dp_action *a,
                        const struct dp_scope *s, struct dialplan_step *st)
{
	/* per target: the expanded text as written, and a copy cut up */
	c->tstr = calloc(2 * a->ntargets, sizeof(*c->tstr));
	c->targets = calloc(a->ntargets, sizeof(*c->targets));
	if (!c->tstr || !c->targets)
		return -ENOMEM;
	for (size_t i = 0; i < a->ntargets; i++) {
		struct dialplan_target *t = &c->targets[i];
		char *v = dp_expand(a->targets[i], s);
		char *text = v ? strdup(v) : NULL;
		char scheme[32];
		int off;

		if (!v || !text) {
			free(v);
			free(text);
			return -ENOMEM;
		}
		c->tstr[2 * c->ntargets] = v;
		c->tstr[2 * c->ntargets + 1] = text;
		c->ntargets++;
		t->text = text;
		off = dial_target_scheme(v, scheme, sizeof scheme);
		if (!strncmp(v, "trunk:", 6)) {
			char *slash = strchr(v + 6, '/');

			t->kind = DIALPLAN_TARGET_TRUNK;
			t->trunk = v + 6;
			t->value = slash ? slash + 1 : "";
			if (slash)
				*slash = '\0';
		} else if (!strncmp(v, "sip:", 4) || !strncmp(v, "sips:", 5)) {
			t->kind = DIALPLAN_TARGET_URI;
			t->value = v;
		} else if (off > 0) {
			/* a module's scheme: the core checks at the dial who serves it */
			t->kind = DIALPLAN_TARGET_SCHEME;
			t->value = v + off;
		} else {
			t->kind = DIALPLAN_TARGET_USER;
			t->value = v;
		}
		if (!*t->value || (t->trunk && !*t->trunk) || strpbrk(v, " \t\r\n")) {
			fail(c, -EINVAL, a, "dial: target '%s' expands to '%s'", a->targets[i], v);
			return -EINVAL;
		}
	}
	st->u.dial.mode = a->mode;
	st->u.dial.timeout = a->timeout;
	st->u.dial.ntargets = c->ntargets;
	st->u.dial.targets = c->targets;
	return 0;
}

/* Expand a and fill st. 0, or negative with c->state set. */
static int make_step(struct dialplan_cursor *c, const struct dp_action *a, struct dialplan_step *st)
{
	struct dp_scope s;
	int rc;

	scope_of(c, &s);
	memset(st, 0, sizeof(*st));
	st->kind = a->kind;
	st->name = a->name;
	st->file = a->file;
	st->line = a->line;
	for (int i = 0; i < a->argc; i++) {
		c->sargv[i] = dp_expand(a->argv[i], &s);
		if (!c->sargv[i]) {
			fail(c, -ENOMEM, a, "out of memory");
			return -ENOMEM;
		}
		c->sargc++;
		if (!clean(c->sargv[i])) {
			fail(c, -EINVAL, a, "%s: argument %d expands to a line break", a->name, i + 1);
			return -EINVAL;
		}
	}
	c->sargv[c->sargc] = NULL;
	st->argc = c->sargc;
	st->argv = (const char *const *)c->sargv;
	switch (a->kind) {
	case DIALPLAN_DIAL:
		rc = make_targets(c, a, &s, st);
		if (rc == -ENOMEM)
			fail(c, rc, a, "out of memory");
		/* a new dial: the last one's outcome no longer applies */
		c->outcome = DIALPLAN_OUTCOME_NONE;
		return rc;
	case DIALPLAN_REJECT:
		st->u.reject.code = a->code;
		st->u.reject.reason = a->argc > 1 && *c->sargv[1] ? c->sargv[1] : NULL;
		return 0;
	case DIALPLAN_REDIRECT:
		if (strncmp(c->sargv[0], "sip:", 4) && strncmp(c->sargv[0], "sips:", 5) &&
		    strncmp(c->sargv[0], "tel:", 4)) {
			fail(c, -EINVAL, a, "redirect: '%s' is not a sip:, sips: or tel: URI", c->sargv[0]);
			return -EINVAL;
		}
		st->u.redirect.uri = c->sargv[0];
		return 0;
	case DIALPLAN_SET_HEADER:
		st->u.header.name = c->sargv[0];
		st->u.header.value = c->sargv[1];
		return 0;
	case DIALPLAN_REMOVE_HEADER:
		st->u.header.name = c->sargv[0];
		return 0;
	case DIALPLAN_LOG:
		st->u.log.text = c->sargv[0];
		return 0;
	case DIALPLAN_MODULE:
		st->u.module.action = a->mod;
		st->u.module.priv = a->priv;
		return 0;
	default:
		fail(c, -EINVAL, a, "%s: not a step", a->name);
		return -EINVAL;
	}
}

/* goto and set run here; everything else goes to the call core. */
static int run_internal(struct dialplan_cursor *c, const struct dp_action *a)
{
	struct dp_scope s;
	char *v;
	int rc;

	if (a->kind == DIALPLAN_SET) {
		scope_of(c, &s);
		v = dp_expand(a->set_value, &s);
		if (!v || set_var(c, a->set_name, strlen(a->set_name), v)) {
			fail(c, -ENOMEM, a, "out of memory");
			return -ENOMEM;
		}
		return 0;
	}
	if (++c->gotos > DIALPLAN_MAX_GOTO) {
		fail(c, -ELOOP, a, "goto: more than %d gotos, a loop?", DIALPLAN_MAX_GOTO);
		return -ELOOP;
	}
	rc = match_in(c, a->goto_ctx);
	if (rc == -ENOENT)
		fail(c, rc, a, "goto(%s): no rule matches", c->dp->ctx[a->goto_ctx].name);
	else if (rc)
		fail(c, rc, a, "out of memory");
	return rc;
}

int dialplan_goto(struct dialplan_cursor *c, const char *ctx)
{
	size_t i;
	int rc;

	if (c->state != DIALPLAN_STEP)
		return -EINVAL;
	for (i = 0; i < c->dp->nctx; i++)
		if (!strcmp(c->dp->ctx[i].name, ctx))
			break;
	if (i == c->dp->nctx)
		return -ESRCH;
	if (++c->gotos > DIALPLAN_MAX_GOTO) {
		fail(c, -ELOOP, NULL, "goto(%s): more than %d gotos, a loop?", ctx, DIALPLAN_MAX_GOTO);
		return -ELOOP;
	}
	rc = match_in(c, i);
	if (rc == -ENOENT)
		fail(c, rc, NULL, "goto(%s): no rule matches", ctx);
	else if (rc)
		fail(c, rc, NULL, "out of memory");
	return rc;
}

int dialplan_next(struct dialplan_cursor *c, struct dialplan_step *st)
{
	clear_step(c);
	if (c->state != DIALPLAN_STEP)
		return c->state;
	/* bridged: the dialplan has done its job */
	if (c->outcome == DIALPLAN_OUTCOME_ANSWERED) {
		c->state = DIALPLAN_END;
		return DIALPLAN_END;
	}
	while (c->next < c->rule->nact) {
		const struct dp_action *a = &c->rule->act[c->next++];

		if (a->on_mask ? !(a->on_mask & (1u << c->outcome)) : c->gated)
			continue;
		if (a->kind == DIALPLAN_GOTO || a->kind == DIALPLAN_SET) {
			if (run_internal(c, a))
				return c->state;
			continue;
		}
		if (make_step(c, a, st)) {
			clear_step(c);
			return c->state;
		}
		return DIALPLAN_STEP;
	}
	c->state = DIALPLAN_END;
	return DIALPLAN_END;
}
