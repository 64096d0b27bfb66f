/* tandem — the module-facing API: the server context, the module ABI, hooks
 * and logging. A module includes this header only (plus the sip_*.h it uses). */
#ifndef TANDEM_TANDEM_H
#define TANDEM_TANDEM_H

#include <libconfig.h>
#include <tandem/sip_msg.h>
#include <tandem/sip_writer.h>
#include <tandem/transaction.h>

#include <tandem/export.h>
TANDEM_API_BEGIN

/* Bump on any change of struct tandem_module, tandem_hook or tandem_event. */
#define TANDEM_MODULE_ABI 3
/* Refuses modules built with a different struct layout of the core API. */
#define TANDEM_BUILD_SIGNATURE \
	((unsigned)(sizeof(struct sip_msg) * 131u + sizeof(struct sip_rx_info) * 7u + SIP_HDR__COUNT))

struct tandem;            /* the one server context, opaque to modules */
struct tandem_call;       /* a B2BUA call, opaque (call core) */

/* ---- logging: one line per event ---- */
enum tandem_log_level { TLOG_ERROR = 0, TLOG_WARN, TLOG_NOTICE, TLOG_INFO, TLOG_DEBUG };
void tandem_log(enum tandem_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool tandem_log_enabled(enum tandem_log_level lvl);
#define tlog_error(...)  tandem_log(TLOG_ERROR, __VA_ARGS__)
#define tlog_warn(...)   tandem_log(TLOG_WARN, __VA_ARGS__)
#define tlog_notice(...) tandem_log(TLOG_NOTICE, __VA_ARGS__)
#define tlog_info(...)   tandem_log(TLOG_INFO, __VA_ARGS__)
#define tlog_debug(...)  do { if (tandem_log_enabled(TLOG_DEBUG)) tandem_log(TLOG_DEBUG, __VA_ARGS__); } while (0)

/* ---- hooks ---- */
/* What a verdict means at each point. The core (core/loader.c
 * loader_run_hooks, then the code of each point) reads it; a handler does
 * not need to know what the others do. A verdict other than CONTINUE ends
 * the chain (later handlers do not run), except at CALL_END. A verdict a
 * point does not take is logged and read as the "(as X)" says.
 *
 * point          CONTINUE        DONE                    SUSPEND              REJECT                  RETRY
 * RECEIVE        let it in       drop silently           drop silently        drop silently           (as CONTINUE)
 * REQUEST        next / the core the module answered     the module answers   the core answers        (as CONTINUE)
 *                                ev->tsx (or holds it)   later (holds ev->tsx) reject_code
 * ROUTE          next / the plan the module owns the     plan held until      the caller gets         (as CONTINUE)
 *                goes on         call: it answered A, or tandem_call_resume   reject_code
 *                                will (tandem_call_*)
 * BLEG_CREATE    next; the       stop the chain; the     (as CONTINUE)        this target is skipped: (as CONTINUE)
 *                INVITE goes     INVITE goes out                              it failed with
 *                                                                             reject_code, the dial
 *                                                                             goes on with the others
 * MEDIA          next; the body  stop the chain; the     (as DONE)            (as DONE: nobody to     (as CONTINUE)
 *                as set is sent  body as set is sent                          reject to at an ACK/2xx)
 * BLEG_RESPONSE  next; the core  final failure (>= 300): (as CONTINUE)        any response: the       final failure: that
 *                handles it      the B-leg failed, the                        caller gets reject_code B-leg's INVITE again
 *                                dial stops, the plan                         (not once answered),    (same Call-ID, From
 *                                does not go on: the                          every B-leg ends (a 2xx tag, CSeq + 1) with
 *                                module owns the caller;                      is ACKed then BYEd)     ev->retry_headers;
 *                                1xx/2xx: (as CONTINUE)                                               1xx/2xx: (as CONTINUE)
 * ANSWER         next; the 2xx   stop the chain; the 2xx (as CONTINUE)        the callee is ACKed and (as CONTINUE)
 *  (a B-leg won, goes to the     goes to the caller                           BYEd, the caller gets
 *   before A     caller                                                       reject_code
 *   hears of it)
 * INDIALOG       next / the core the module answered     the module answers   the core answers        (as CONTINUE)
 *                relays it or    ev->tsx                 later (holds ev->tsx) reject_code
 *                the owner gets it
 * CALL_END       informational: every handler runs, whatever the earlier ones returned (each module
 *                frees its call data here); the verdict is ignored.
 *
 * ev->leg and ev->leg_target name the B-leg at BLEG_CREATE, BLEG_RESPONSE
 * and ANSWER. RETRY is honoured at most TANDEM_MAX_RETRIES times per B-leg
 * (then as CONTINUE), so two modules cannot loop on a 401. */
#define TANDEM_MAX_RETRIES 3

/* In the order a call meets them (docs/ARCHITECTURE.md "The module ABI"), except
 * RECEIVE, which runs before all of them but was added later (values are
 * only ever appended). */
enum tandem_hook_point {
	TANDEM_HOOK_REQUEST = 0,  /* out-of-dialog request: sanity, auth, registrar */
	TANDEM_HOOK_ROUTE,        /* the dialplan */
	TANDEM_HOOK_BLEG_CREATE,  /* before a B-leg INVITE goes out */
	TANDEM_HOOK_MEDIA,        /* SDP offer/answer crossing the call (see below) */
	TANDEM_HOOK_BLEG_RESPONSE,/* provisional/final from a B-leg */
	TANDEM_HOOK_ANSWER,
	TANDEM_HOOK_INDIALOG,     /* re-INVITE, REFER, INFO... */
	TANDEM_HOOK_CALL_END,
	/* Every received request, parsed but before any check, transaction or
	 * answer (ev->tsx is NULL): a source filter. CONTINUE lets it through;
	 * any other verdict discards it silently, retransmissions included,
	 * since each is filtered again. Keep it cheap: floods pass here. */
	TANDEM_HOOK_RECEIVE,
	TANDEM_HOOK__COUNT
};

enum tandem_verdict {
	TANDEM_CONTINUE = 0,      /* next handler */
	TANDEM_DONE,              /* handled: stop the chain (the table above) */
	TANDEM_SUSPEND,           /* async: the module resumes later */
	TANDEM_REJECT,            /* the core answers with ev->reject_code */
	TANDEM_RETRY              /* BLEG_RESPONSE: send the B-leg INVITE again with
	                           * ev->retry_headers (a 401/407 answered) */
};

/* Legs of a call as MEDIA events name them: the caller's leg is 0, B-legs
 * are numbered 1, 2, ... in the order they are created (ring groups and
 * sequential dials each add one). A leg that takes another's place in the
 * media session (a transfer target, an INVITE with Replaces) gets the
 * index of the party it replaces; otherwise an index is never reused. */
#define TANDEM_LEG_A 0u

enum tandem_sdp_role {
	TANDEM_SDP_OFFER = 0,
	TANDEM_SDP_ANSWER,
};

struct tandem_event {
	struct tandem *t;
	enum tandem_hook_point point;
	struct sip_msg *msg;      /* the request or response at this point */
	struct sip_tsx *tsx;      /* REQUEST: the server transaction to answer */
	struct tandem_call *call; /* NULL before a call exists */
	/* BLEG_CREATE, BLEG_RESPONSE, ANSWER: the B-leg (its index, as MEDIA
	 * events name legs) and its target label (the dial target as written:
	 * "sip:bob@host", "1002"). TANDEM_LEG_A and NULL at other points. */
	unsigned leg;
	const char *leg_target;
	const char *retry_headers;/* with TANDEM_RETRY: lines added to the INVITE */
	int reject_code;          /* with TANDEM_REJECT */
	const char *reject_reason;/* NULL = default phrase */
	const char *reject_headers; /* extra header lines for the rejection */
	/* A dialplan action's arguments, ${...} expanded (ROUTE point only). */
	int argc;
	const char *const *argv;
	/* MEDIA point only: an application/sdp body on its way from one leg of
	 * the call to another. msg is the request or response that carried it
	 * (an INVITE to each B-leg, an 18x/2xx, a re-INVITE, UPDATE or its 2xx,
	 * or the ACK with the answer to an offer made in a 2xx). */
	unsigned from_leg, to_leg;     /* TANDEM_LEG_A or a B-leg's index */
	enum tandem_sdp_role sdp_role; /* offer or answer (RFC 3264) */
	/* What will be sent: msg's body, or what a handler set with
	 * tandem_event_set_body (later handlers see the new one). */
	struct sip_str body;
};

typedef enum tandem_verdict (*tandem_hook_fn)(struct tandem_event *ev);

struct tandem_hook {
	enum tandem_hook_point point;
	int priority;             /* lower runs first */
	tandem_hook_fn fn;
};

/* ---- dialplan actions (run by the dialplan; args fixed up at load) ---- */
struct tandem_action {
	const char *name;
	int min_args, max_args;
	/* Check and pre-compile args at config load; return 0 or negative with
	 * a message in err (the loader adds file:line). *priv is passed to run. */
	int (*fixup)(struct tandem *t, int argc, const char *const *argv,
	             void **priv, char *err, size_t errlen);
	enum tandem_verdict (*run)(struct tandem_event *ev, void *priv);
	void (*free_priv)(void *priv);
};

/* ---- the module ---- */
struct tandem_module {
	unsigned abi;             /* TANDEM_MODULE_ABI */
	unsigned build_sig;       /* TANDEM_BUILD_SIGNATURE */
	const char *name;
	const char *const *deps;  /* NULL-terminated; loaded first */
	/* Parse cfg (the group named after the module, may be NULL) and
	 * allocate; no I/O. Return 0 or negative; log why. cfg and its strings
	 * stay valid until the next successful reload hands a new one. Once init
	 * succeeded, stop is called at shutdown even if start never ran. */
	int  (*init)(struct tandem *t, const config_setting_t *cfg);
	int  (*start)(struct tandem *t);     /* every module is inited: open sockets/timers */
	/* Check and apply a new config. A failing reload vetoes the whole
	 * reload: the old config stays, and modules that already applied the
	 * new one are called again with the old one to roll back. */
	int  (*reload)(struct tandem *t, const config_setting_t *cfg);
	void (*stop)(struct tandem *t);      /* reverse load order */
	const struct tandem_action *actions; /* { NULL } terminated, may be NULL */
	const struct tandem_hook *hooks;     /* { .fn = NULL } terminated, may be NULL */
	const void *api;                     /* fetched by others with tandem_module_api */
};

#define TANDEM_MODULE_SYMBOL "tandem_module"

/* ---- what modules may call ---- */
struct ev_loop *tandem_loop(struct tandem *t);
struct sip_stack *tandem_stack(struct tandem *t);
const void *tandem_module_api(struct tandem *t, const char *module_name);
/* Per-module private pointer (set in init, read in hooks). */
void tandem_set_module_data(struct tandem *t, const char *module_name, void *data);
void *tandem_module_data(struct tandem *t, const char *module_name);
/* Answer the request of a REQUEST-point event. */
int tandem_reply(struct tandem_event *ev, int status, const char *reason,
                 const struct sip_resp_extra *extra);
/* Inside a dialplan action (ROUTE point): the request's sender proved to be
 * user. ${auth_user} becomes user; a context other than the current one
 * (NULL or "": none) moves the dialplan there as goto() would, dropping
 * the rest of the current rule. 0; -EINVAL not inside a dialplan action;
 * -ESRCH no such context; -ENOENT no rule there matches the number; -ELOOP
 * too many gotos; -ENOMEM. */
int tandem_route_set_auth_user(struct tandem_event *ev, const char *user, const char *context);
/* Inside a dialplan action: the value of call variable name (${name}), or
 * NULL when unset or not inside a dialplan action. */
const char *tandem_route_var(struct tandem_event *ev, const char *name);
/* A ROUTE hook (before the dialplan runs) that knows where the call
 * belongs — a trunk recognising its provider's INVITE: the plan starts in
 * context, and with exten (NULL: the Request-URI user) as ${exten} and
 * the number rules match (a DID taken from To). 0; -EINVAL not at the
 * ROUTE point before the plan, a name too long; -ESRCH no such context. */
int tandem_route_set_context(struct tandem_event *ev, const char *context, const char *exten);

/* ---- reading the module's config group ---- */
/* Log "mod_MODULE: FILE:LINE: message" for the setting where. */
void tandem_config_error(const char *module, const config_setting_t *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The integer member name of group (which may be NULL) into *out, def when
 * absent; 0, or -EINVAL (logged) when not an integer in [min, max]. */
int tandem_config_uint(const char *module, const config_setting_t *group, const char *name,
                       unsigned def, unsigned min, unsigned max, unsigned *out);

/* Read a config file of the module's own (a users file...) into cfg, with
 * @include relative to its folder. 0; or -EINVAL with "FILE:LINE: why" (or
 * "FILE: cannot read: why") in err, and cfg already destroyed. On success
 * the caller destroys cfg. */
int tandem_config_read(config_t *cfg, const char *path, char *err, size_t errlen);
/* "FILE:LINE: message" for the setting where into err ("PATH: message"
 * when where is NULL or has no line, just the message when path is NULL
 * too); returns -EINVAL, for "return tandem_setting_fail(...)". */
int tandem_setting_fail(char *err, size_t errlen, const char *path, const config_setting_t *where,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A path of the config: absolute as given, else relative to the folder of
 * the file where the setting is (an @include'd file's own folder), with
 * leaf appended ("/leaf") when not NULL. malloc'd; NULL on ENOMEM. */
char *tandem_setting_path(const config_setting_t *where, const char *path, const char *leaf);

/* ---- calls (what a module may do with ev->call) ---- */
/* MEDIA point: send buf[0..len) instead of the body (the core copies it
 * and writes the Content-Length). 0, -EINVAL at another point, -ENOMEM. */
int tandem_event_set_body(struct tandem_event *ev, const char *buf, size_t len);
/* The caller's Call-ID, for logs. */
const char *tandem_call_id(const struct tandem_call *call);
/* One pointer per module and call (NULL until set). The core never frees
 * it: the module does in its CALL_END hook, which every call meets once. */
int tandem_call_set_data(struct tandem_call *call, const char *module_name, void *data);
void *tandem_call_data(const struct tandem_call *call, const char *module_name);
/* End the call: BYE on both legs once answered, else a final response
 * (480) to the caller and CANCEL to the ringing B-legs. reason goes to the
 * log. Call it from a timer or watcher of the module, not from a hook of
 * the same call (the call may be gone when it returns). 0 or -EALREADY. */
int tandem_call_hangup(struct tandem *t, struct tandem_call *call, const char *reason);
/* A dialplan action or ROUTE hook that returned TANDEM_SUSPEND goes on
 * later, from a timer or watcher of its own: TANDEM_CONTINUE runs the rest
 * of the plan, TANDEM_REJECT answers the caller code (reason NULL: the
 * default phrase), TANDEM_DONE means the module took the call, as DONE at
 * ROUTE does (it answered A with tandem_call_answer/reject, or will: it
 * owns the call, include/tandem/call.h). The caller may give up meanwhile (CANCEL): the call
 * then meets CALL_END and the module must forget it. The call may end
 * before this returns. 0, or -EINVAL when the call is not suspended. */
int tandem_call_resume(struct tandem_call *call, enum tandem_verdict v, int code,
                       const char *reason);
/* A dialplan action's own outcome, for the on(...) continuations after it
 * in the rule: "timeout", "full", "empty" (a queue's), "closed" (outside
 * a schedule's hours), or a dial's ("busy", "noanswer", "unavailable",
 * "fail"); ${dial_outcome} says it too. The actions without on(...) after
 * it still run, except after "closed": the rest of that rule then runs
 * only its on(...) actions (a goto() leaves the rule, and the gate with
 * it). When no on(...) after it takes the outcome, the caller gets code
 * (300..699; reason NULL: the default phrase; headers: extra lines such
 * as "Retry-After: 30\r\n").
 * tandem_route_set_outcome: inside the action (ROUTE point), which then
 * returns TANDEM_CONTINUE. tandem_call_resume_outcome: for an action
 * that returned TANDEM_SUSPEND, from the module's own timer or watcher:
 * the plan goes on (the call may end before it returns). 0; -EINVAL (not
 * inside an action / not suspended, an unknown word, a bad code);
 * -ENOMEM. */
int tandem_route_set_outcome(struct tandem_event *ev, const char *outcome, int code,
                             const char *reason, const char *headers);
int tandem_call_resume_outcome(struct tandem_call *call, const char *outcome, int code,
                               const char *reason, const char *headers);

TANDEM_API_END
#endif
