/* tandem — the dialplan engine's own structures, shared by core/dialplan*.c. */
#ifndef TANDEM_DIALPLAN_INTERNAL_H
#define TANDEM_DIALPLAN_INTERNAL_H

#include <netinet/in.h>
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "dialplan.h"

/* on(...) outcome bits */
#define DP_ON_BUSY        (1u << DIALPLAN_OUTCOME_BUSY)
#define DP_ON_NOANSWER    (1u << DIALPLAN_OUTCOME_NOANSWER)
#define DP_ON_UNAVAILABLE (1u << DIALPLAN_OUTCOME_UNAVAILABLE)
#define DP_ON_FAIL        (1u << DIALPLAN_OUTCOME_FAIL)
#define DP_ON_TIMEOUT     (1u << DIALPLAN_OUTCOME_TIMEOUT)
#define DP_ON_FULL        (1u << DIALPLAN_OUTCOME_FULL)
#define DP_ON_EMPTY       (1u << DIALPLAN_OUTCOME_EMPTY)
#define DP_ON_CLOSED      (1u << DIALPLAN_OUTCOME_CLOSED)

#define DP_MAX_ARGS 32

/* One action as written, checked at load. Arguments stay templates
 * (${...} unexpanded) until the cursor reaches them. */
struct dp_action {
	enum dialplan_kind kind;
	char *name;
	unsigned on_mask;          /* 0: always runs */
	int argc;
	char **argv;               /* templates */
	const char *file;          /* interned in struct dialplan */
	int line;
	/* pre-parsed per kind */
	enum dialplan_dial_mode mode;
	size_t ntargets;
	char **targets;            /* dial: one template per target */
	unsigned timeout;
	int code;                  /* reject */
	size_t goto_ctx;           /* goto: index into dialplan.ctx */
	char *set_name;            /* set: name; value template is set_value */
	const char *set_value;     /* points into argv[0] */
	const struct tandem_action *mod;
	void *priv;
};

struct dp_rule {
	regex_t match;
	char *pattern;             /* match as written, for call facts */
	bool has_match, has_from;
	regex_t from;
	char **methods;            /* NULL: any */
	size_t nmethods;
	struct sip_net *src;       /* NULL: any */
	size_t nsrc;
	struct dp_action *act;
	size_t nact;
	const char *file;
	int line;
};

struct dp_context {
	char *name;
	struct dp_rule *rule;
	size_t nrule;
};

struct dialplan {
	unsigned refs;
	struct dp_context *ctx;
	size_t nctx;
	char **files;              /* interned file names: settings point here */
	size_t nfiles;
};

/* An error sink that formats "FILE:LINE: message". */
struct dp_errs {
	struct dialplan_errors *out; /* may be NULL: count only */
	size_t count;
	bool nomem;
};
void dp_err(struct dp_errs *e, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* dialplan_parse.c: action strings, patterns, addresses */
struct dp_parsed_action {
	unsigned on_mask;
	char *name;
	int argc;
	char *argv[DP_MAX_ARGS];
};
/* 0 or -EINVAL with a message in err; -ENOMEM. Fills p (free with
 * dp_parsed_action_clear, also after a failure). */
int dp_parse_action(const char *s, struct dp_parsed_action *p, char *err, size_t errlen);
void dp_parsed_action_clear(struct dp_parsed_action *p);
/* Compile a "match"/"from" value: POSIX ERE, or an Asterisk-style pattern
 * when it starts with '_'. 0 or -EINVAL with err. */
int dp_compile_pattern(const char *pat, regex_t *re, char *err, size_t errlen);
/* "10.0.0.0/8", "::1", "2001:db8::/32". 0 or -EINVAL. */

/* dialplan_vars.c: ${name} templates */
enum dp_builtin {
	DP_VAR_EXTEN = 0, DP_VAR_FROM_USER, DP_VAR_FROM_DOMAIN, DP_VAR_AUTH_USER,
	DP_VAR_METHOD, DP_VAR_SOURCE_IP, DP_VAR_CALL_ID, DP_VAR_DIAL_OUTCOME, DP_VAR__COUNT
};
int dp_builtin_lookup(const char *name, size_t len);
bool dp_var_name_ok(const char *name, size_t len);
/* Call fn for every ${name} in tmpl (name not NUL-terminated). Returns 0,
 * -EINVAL for a malformed reference (err says why), or fn's nonzero. */
typedef int (*dp_ref_fn)(void *arg, const char *name, size_t len);
int dp_tmpl_scan(const char *tmpl, dp_ref_fn fn, void *arg, char *err, size_t errlen);
bool dp_tmpl_has_refs(const char *tmpl);

struct dp_var {
	char *name;
	char *value;
};
/* The run-time values ${...} expand from. */
struct dp_scope {
	const char *builtin[DP_VAR__COUNT];
	const char *capture[DIALPLAN_MAX_CAPTURES + 1]; /* [1]..[9] */
	const struct dp_var *vars;
	size_t nvars;
};
const char *dp_scope_get(const struct dp_scope *s, const char *name, size_t len);
/* malloc'd expansion of a template already checked at load; NULL on ENOMEM. */
char *dp_expand(const char *tmpl, const struct dp_scope *s);

#endif
