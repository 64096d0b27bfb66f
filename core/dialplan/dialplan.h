/* tandem — the dialplan engine: load, validate, match, step through actions.
 *
 * Pure: no I/O, no SIP. The call core picks a context, fills a
 * dialplan_input from the request, and drives a cursor: each dialplan_next()
 * yields one action with its arguments expanded; the core runs it and
 * reports how a dial ended with dialplan_set_outcome(), which the
 * "on(busy|noanswer|unavailable|fail): action" continuations test.
 * goto() and set() are run inside the cursor and never reach the core.
 *
 * A loaded dialplan is immutable and reference counted: a reload builds a
 * new one (a failed load leaves the old one alone), and every cursor holds a
 * reference, so calls in progress keep the rules they started with.
 * Single-threaded (the signalling loop): the count is not atomic.
 */
#ifndef TANDEM_DIALPLAN_H
#define TANDEM_DIALPLAN_H

#include <stddef.h>
#include <sys/socket.h>
#include <tandem/call.h>
#include <tandem/tandem.h>

struct dialplan;
struct dialplan_cursor;

/* At most this many goto() per cursor before dialplan_next gives -ELOOP. */
#define DIALPLAN_MAX_GOTO 16
/* ${1}..${9} */
#define DIALPLAN_MAX_CAPTURES 9

/* ---- loading ---- */

typedef const struct tandem_action *(*dialplan_find_action_fn)(void *arg, const char *name);

/* What the loader hands the dialplan: the module action lookup and the
 * server context passed to each module action's fixup. A module action's
 * fixup sees the arguments as written (split and unquoted, ${...} not yet
 * expanded); min_args/max_args are checked first, max_args < 0 = no limit.
 * Core action names (dial, reject, ...) shadow module actions. */
struct dialplan_env {
	struct tandem *t;                /* passed to fixup; may be NULL in tests */
	dialplan_find_action_fn find_action; /* NULL: no module actions */
	void *arg;                       /* for find_action */
	/* NULL-terminated names the core or modules set at run time with
	 * dialplan_set_var, so ${name} passes the load check; may be NULL. */
	const char *const *extra_vars;
	/* Does a module serve dial targets of this scheme (a resolver is
	 * registered)? A dial() of a literal "scheme:..." nobody serves is a
	 * load error at its file:line; "user" (bare targets), "trunk", "sip"
	 * and "sips" are always accepted. NULL: every scheme is accepted. */
	bool (*serves_scheme)(void *arg, const char *scheme);
};

/* Every load error, each "FILE:LINE: message" (libconfig's file and line of
 * the offending setting). Kept in full so --check-config lists them all. */
struct dialplan_errors {
	size_t count;
	char **msg;
};

/* Build a dialplan from the "dialplan" group of cfg. On success *out holds a
 * new object with one reference. On failure *out is untouched (the caller's
 * current dialplan stays in use) and -EINVAL comes back with errs filled
 * (errs may be NULL); -ENOMEM on allocation failure. */
int dialplan_load(const config_t *cfg, const struct dialplan_env *env,
                  struct dialplan **out, struct dialplan_errors *errs);
void dialplan_errors_free(struct dialplan_errors *errs);

struct dialplan *dialplan_ref(struct dialplan *dp);
/* Drop a reference; the last one frees the dialplan and every module
 * action's priv (free_priv). NULL is fine. */
void dialplan_unref(struct dialplan *dp);

bool dialplan_has_context(const struct dialplan *dp, const char *name);

/* ---- running ---- */

/* What a rule matches on. Strings are NUL-terminated, NULL means empty; the
 * cursor copies everything, so the request may go away after match. */
struct dialplan_input {
	const char *ruri_user;   /* ${exten}, the "match" subject */
	const char *from_user;   /* "from" subject */
	const char *from_domain;
	const char *method;      /* "INVITE"; methods are case-sensitive (RFC 3261 §7.1) */
	const struct sockaddr *source; /* packet source, "source" subject; may be NULL */
	const char *auth_user;   /* may be NULL; the core may set it later */
	const char *call_id;
};

/* Find the first rule of context ctx matching in and start a cursor on it.
 * 0 and *cur set; -ESRCH unknown context; -ENOENT no rule matched;
 * -ENOMEM. */
int dialplan_match(struct dialplan *dp, const char *ctx,
                   const struct dialplan_input *in, struct dialplan_cursor **cur);
void dialplan_cursor_free(struct dialplan_cursor *cur);

/* How the last dial (or dial-like module action) ended. */
enum dialplan_outcome {
	DIALPLAN_OUTCOME_NONE = 0,   /* no dial yet */
	DIALPLAN_OUTCOME_ANSWERED,   /* bridged: the plan is over, next gives END */
	DIALPLAN_OUTCOME_BUSY,       /* 486, 600 */
	DIALPLAN_OUTCOME_NOANSWER,   /* the dial timeout fired */
	DIALPLAN_OUTCOME_UNAVAILABLE,/* 480, 404, no contacts */
	DIALPLAN_OUTCOME_FAIL,       /* any other failure */
	/* a module action's own outcomes (tandem_route_set_outcome,
	 * tandem_call_resume_outcome): a queue that timed out, was full, had
	 * no agent */
	DIALPLAN_OUTCOME_TIMEOUT,
	DIALPLAN_OUTCOME_FULL,
	DIALPLAN_OUTCOME_EMPTY,
	/* outside a schedule's hours (examples/timeofday): the only outcome
	 * that gates the rest of its rule — from here on only on(...)
	 * actions run (a plan allowed "only within office hours" must not
	 * reach the dial() after it); a goto lifts the gate */
	DIALPLAN_OUTCOME_CLOSED,
};
/* The words of on(...) and ${dial_outcome}: "busy"... "" for NONE. */
const char *dialplan_outcome_word(enum dialplan_outcome o);
/* The outcome of a word, or -1. */
int dialplan_outcome_parse(const char *word);
void dialplan_set_outcome(struct dialplan_cursor *cur, enum dialplan_outcome o);
enum dialplan_outcome dialplan_outcome(const struct dialplan_cursor *cur);
/* Map a final response status of a dial to its outcome (2xx: ANSWERED):
 * tandem_dial_outcome_of (include/tandem/call.h), the dial engine's one
 * classification, seen as the dialplan's outcomes. */
enum dialplan_outcome dialplan_outcome_from_status(int status);
enum dialplan_outcome dialplan_outcome_of_dial(enum tandem_dial_outcome o);

enum dialplan_kind {
	DIALPLAN_DIAL = 0,
	DIALPLAN_REJECT,
	DIALPLAN_REDIRECT,
	DIALPLAN_SET_HEADER,
	DIALPLAN_REMOVE_HEADER,
	DIALPLAN_LOG,
	DIALPLAN_MODULE,     /* u.module.action->run(ev, u.module.priv) */
	/* run inside the cursor, never returned by dialplan_next: */
	DIALPLAN_GOTO,
	DIALPLAN_SET,
};

enum dialplan_dial_mode {
	DIALPLAN_DIAL_SINGLE = 0,
	DIALPLAN_DIAL_PARALLEL,  /* a&b&c: ring all, first 2xx wins */
	DIALPLAN_DIAL_HUNT,      /* a|b|c: one after the other */
};

enum dialplan_target_kind {
	DIALPLAN_TARGET_USER = 0, /* a local user: "1001" */
	DIALPLAN_TARGET_URI,      /* "sip:..." or "sips:..." */
	DIALPLAN_TARGET_TRUNK,    /* "trunk:name/number" */
	DIALPLAN_TARGET_SCHEME,   /* "scheme:rest" of a module's resolver ("test:bob") */
};

struct dialplan_target {
	enum dialplan_target_kind kind;
	const char *value;  /* the user, the URI, the trunk's number, or SCHEME's rest */
	const char *trunk;  /* TRUNK only: the trunk name */
	const char *text;   /* the whole target as expanded: what the dial engine rings */
};

/* One action to run. Every pointer stays valid until the next
 * dialplan_next() or dialplan_cursor_free() on the same cursor. */
struct dialplan_step {
	enum dialplan_kind kind;
	const char *name;          /* the action name as written */
	int argc;
	const char *const *argv;   /* arguments with ${...} expanded */
	const char *file;          /* where the action was written, for logs */
	int line;
	union {
		struct {
			enum dialplan_dial_mode mode;
			unsigned timeout;  /* seconds; 0: not given, the core's default */
			size_t ntargets;
			const struct dialplan_target *targets;
		} dial;
		struct { int code; const char *reason; /* NULL: default */ } reject;
		struct { const char *uri; } redirect;
		struct { const char *name; const char *value; /* NULL for remove */ } header;
		struct { const char *text; } log;
		struct { const struct tandem_action *action; void *priv; } module;
	} u;
};

enum {
	DIALPLAN_END = 0,   /* no more actions */
	DIALPLAN_STEP = 1,  /* *step filled */
};
/* Advance to the next action to run. DIALPLAN_STEP, DIALPLAN_END, or:
 * -ELOOP more than DIALPLAN_MAX_GOTO gotos; -ENOENT a goto found no matching
 * rule; -EINVAL an expanded argument is unusable (empty dial target...);
 * -ENOMEM. Once an error or END came back the cursor stays there.
 * dialplan_cursor_error() says why. */
int dialplan_next(struct dialplan_cursor *cur, struct dialplan_step *step);
const char *dialplan_cursor_error(const struct dialplan_cursor *cur);

/* Call variables. Built-ins (exten, from_user, auth_user...) read as the
 * input; the core may overwrite them (auth_user once authenticated). The
 * config's set() may not. dial_outcome is the last dial's outcome in the
 * words of on(...) ("" before a dial): read-only. 0, -EINVAL bad name,
 * -ENOMEM. */
int dialplan_set_var(struct dialplan_cursor *cur, const char *name, const char *value);
/* NULL when never set (expands to ""). */
const char *dialplan_get_var(const struct dialplan_cursor *cur, const char *name);
/* goto(ctx) from outside the rules (an action that learnt where the call
 * belongs): the next dialplan_next() runs the first rule of ctx that
 * matches. 0; -ESRCH no such context (the cursor is unchanged); -ENOENT no
 * rule matches, -ELOOP too many gotos (the cursor then fails with that). */
int dialplan_goto(struct dialplan_cursor *cur, const char *ctx);
/* Where the cursor is: current context and rule's file:line (for logs). */
const char *dialplan_cursor_context(const struct dialplan_cursor *cur);
/* The match pattern of the rule the cursor runs, as written; NULL for a
 * rule without match (or none yet). Valid as long as the cursor. */
const char *dialplan_cursor_rule(const struct dialplan_cursor *cur);

#endif
