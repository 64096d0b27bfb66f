/* tandem — call control for modules: what a module may do with a call it
 * owns (the A-leg answered or held by the module itself, voicemail, queue,
 * IVR), the dial engine, dial target resolvers, DTMF and call facts.
 * docs/MODULES.md walks through a module that uses all of it.
 *
 * Every function here runs on the signalling loop; none blocks. A call
 * pointer is valid until the CALL_END hook chain of that call ends. */
#ifndef TANDEM_CALL_API_H
#define TANDEM_CALL_API_H

#include <stdbool.h>
#include <stddef.h>
#include <tandem/transport.h>

#include <tandem/export.h>
TANDEM_API_BEGIN

struct tandem;
struct tandem_call;
struct sip_tsx;
struct sip_msg;

/* ---- the result of ringing someone ----
 * The one classification every user of the dial engine shares (calls,
 * transfers, modules' dials, the dialplan's on(busy|noanswer|unavailable|
 * fail) continuations): tandem_dial_outcome_of. */
enum tandem_dial_outcome {
	TANDEM_DIAL_ANSWERED = 0,
	TANDEM_DIAL_BUSY,         /* 486, 600 */
	TANDEM_DIAL_NOANSWER,     /* the dial timeout, or 408 (the callee never responded) */
	TANDEM_DIAL_UNAVAILABLE,  /* 404, 410, 480 (also: not registered), 503 (no route), 604 */
	TANDEM_DIAL_FAILED,       /* any other failure (3xx not followed, other 4xx/5xx/6xx) */
	TANDEM_DIAL_CANCELLED,    /* the caller gave up, or the module stopped it */
};
/* "answered", "busy", "noanswer", "unavailable", "fail", "cancelled": the
 * words of the dialplan's on(...). */
const char *tandem_dial_outcome_name(enum tandem_dial_outcome o);
/* The outcome of a dial that ended with final status (2xx: ANSWERED). The
 * dial timeout is NOANSWER whatever status was kept. */
enum tandem_dial_outcome tandem_dial_outcome_of(int status);

/* ---- dial target resolvers ----
 * A dial target is "scheme:rest" (trunk:NAME/NUMBER, test:NAME, sip:...,
 * sips:...) or a bare user ("1002"), which goes to the resolver of scheme
 * "user" (mod_registrar: every registered contact). sip:/sips: URIs are
 * the core's own. A resolver turns its target into the B-legs to start
 * (or, for a MESSAGE, the copies to send).
 *
 * Register resolvers in the module's init: the dialplan is built after it
 * and refuses, with its file:line, a dial() of a literal scheme no resolver
 * serves ("user" and "trunk" excepted: without their module such targets
 * fail at run time with 503). */
#define TANDEM_URI_MAX 512
struct tandem_contact {
	char ruri[TANDEM_URI_MAX];     /* Request-URI of the B-leg INVITE */
	char to[TANDEM_URI_MAX];       /* To name-addr; "" = <ruri> */
	char from[TANDEM_URI_MAX];     /* From name-addr; "" = the caller as seen */
	const char *headers;           /* extra header lines, may be NULL; copied */
	/* Where the INVITE goes. With flow set, every request of the dialog
	 * goes over this flow (a registered phone's connection or NAT
	 * binding, RFC 5626 §5.3), whatever its Contact says. */
	struct sip_dest dst;
	bool flow;
	/* A provider's leg (a trunk): failing over to the dial's next target
	 * is for the provider's trouble, not the callee's answer. After this
	 * leg's final 4xx or 6xx other than 401, 407 and 408 (486 Busy, 404,
	 * 603 Decline: the callee was reached and said no), and after any
	 * failure or dial timeout once this leg had a 18x (the callee's
	 * phone rang), no further target of the dial is tried. 408, 5xx, a
	 * transport error and a timeout before any 18x move on as for any
	 * target. */
	bool provider;
};
struct tandem_resolve;   /* one resolution, owned by the core */
struct tandem_resolver {
	const char *scheme;            /* "user", "trunk", "test", ...; lower case,
	                                * valid while the module is loaded */
	/* Resolve rest (the text after "scheme:"; for "user" the bare target)
	 * for call (NULL: a MESSAGE outside a call). Add each B-leg with
	 * tandem_resolve_add, then return 0 (done), a SIP status 300..699 (why
	 * nothing rings: 404, 480, 503...), or -EINPROGRESS when the answer
	 * comes later (DNS): tandem_resolve_done then finishes it, and the dial
	 * waits for it (its timeout runs meanwhile). Any other return is 500. */
	int (*resolve)(struct tandem *t, struct tandem_call *call, const char *rest,
	               struct tandem_resolve *r, void *arg);
	/* A resolution still pending when the dial ends (the caller CANCELled,
	 * the dial timed out, another target answered, the call ended): forget
	 * r. The core frees r when abandon returns; never finish it after. May
	 * be NULL only for resolvers that never return -EINPROGRESS. */
	void (*abandon)(struct tandem_resolve *r, void *arg);
	void *arg;
};
/* 0; -EINVAL (no scheme or resolve, a scheme that is not RFC 3986 §3.1
 * syntax, or sip/sips: the core's own), -EEXIST (another module serves the
 * scheme), -ENOSPC (too many resolvers). */
int tandem_register_resolver(struct tandem *t, const struct tandem_resolver *r);
/* One more B-leg for r (c is copied). 0, -ENOMEM, -EINVAL (r finished). */
int tandem_resolve_add(struct tandem_resolve *r, const struct tandem_contact *c);
/* The domain the caller addressed (its Request-URI host, "localhost" when
 * unknown): what a resolver of local users puts in To. */
const char *tandem_resolve_domain(const struct tandem_resolve *r);
/* Finish a resolution that returned -EINPROGRESS: status 0 when contacts
 * were added, else the failure status (300..699). r is gone afterwards.
 * Call it from the module's own event (its timer, its socket), not from
 * inside a hook or another core call: the dial goes on inside it, and the
 * call may end there. */
void tandem_resolve_done(struct tandem_resolve *r, int status);

/* ---- owning a call ----
 * A module owns a call once it took it: a dialplan action or ROUTE hook
 * that returned TANDEM_DONE without answering A, a BLEG_RESPONSE hook that
 * returned TANDEM_DONE on a final failure (the B-leg failed; the dial
 * stops, the plan does not go on, the caller is the module's), or a call
 * of tandem_call_own. The owner is told what happens on the caller's leg
 * through these callbacks (each may be NULL); tandem_call_own sets them
 * (call it from the hook or action that takes the call, or before). */
struct tandem_call_owner {
	/* An in-dialog request on the A-leg while no B-leg is bridged to it
	 * (re-INVITE, UPDATE, INFO other than DTMF, MESSAGE, OPTIONS...).
	 * Answer st with tandem_call_respond, now or later (sip_tsx_ref it to
	 * answer after returning). BYE and CANCEL are the core's: the call
	 * ends and CALL_END follows. Without this callback the core answers:
	 * re-INVITE/UPDATE 200 with the owner's last SDP (488 when it sent
	 * none), INFO and OPTIONS 200, anything else 405. */
	void (*request)(struct tandem_call *call, struct sip_tsx *st, const struct sip_msg *req,
	                void *arg);
	/* One digit pressed by the caller, from RFC 4733 telephone-events on a
	 * media endpoint of the call (the media module calls tandem_call_dtmf)
	 * or from SIP INFO on A (application/dtmf-relay, application/dtmf: the
	 * core answers 200, or 400 with the reason for a body without a
	 * digit), each press once. digit: 0-9, *, #, A-D. */
	void (*dtmf)(struct tandem_call *call, char digit, unsigned duration_ms, void *arg);
	/* A tandem_call_bridge dial ended: ANSWERED (the caller now talks to
	 * the new B-leg; the module no longer owns the call, but still gets
	 * CALL_END) or why not (the module still owns the caller, and may
	 * bridge again, answer, reject or hang up). */
	void (*bridge_done)(struct tandem_call *call, enum tandem_dial_outcome o, int status,
	                    void *arg);
	void *arg;
};
/* 0; -EINVAL (no call, no name, the call ended); -EBUSY when the call is
 * bridged to a B-leg the core dialled. module_name is what call facts
 * report as the owner. */
int tandem_call_own(struct tandem_call *call, const char *module_name,
                    const struct tandem_call_owner *owner);

/* A dialplan variable of the call (${auth_user}, ${exten}, set()'s), as
 * the plan has it now: what a resolver checks (who may dial a trunk).
 * NULL when unset or when no plan runs for the call. */
const char *tandem_call_var(const struct tandem_call *call, const char *name);

/* The caller's INVITE as received (its offer, From, Request-URI): what a
 * module that takes the call over from a hook (BLEG_RESPONSE) answers.
 * NULL once the caller's leg is gone (after a transfer). Valid until the
 * next call into the core. */
const struct sip_msg *tandem_call_invite(const struct tandem_call *call);

/* ---- A-leg control (the owning module) ----
 * These work on the caller's INVITE server transaction and dialog
 * (tandem's To tag). Any B-leg still ringing for the caller is CANCELled
 * when the module answers or rejects it. */
struct tandem_body {
	const char *ctype;             /* NULL: application/sdp */
	const char *p;
	size_t len;
};
/* A provisional response to the caller: 180, 181, 182 or 183, any number
 * of times, with reason phrase (NULL: the default), extra header lines
 * ("Name: value\r\n"...) and a body (183 with SDP: early media). Each
 * carries tandem's Contact and A's Record-Route, as a provisional that
 * creates the early dialog must (RFC 3261 §12.1.1). Sent unreliably (no
 * 100rel). 0; -EALREADY once A has a final response; -EINVAL for a status
 * outside 101..199. */
int tandem_call_progress(struct tandem_call *call, int status, const char *reason,
                         const char *headers, const struct tandem_body *body);
/* Answer the caller locally: 200 with the module's SDP (tandem is the far
 * end, media from a media endpoint), the answer to A's offer or, for an
 * offerless INVITE, the offer (A's ACK then brings the answer, which the
 * module does not see). The A-leg is then a confirmed dialog the module
 * owns: the 2xx goes again until A's ACK; without an ACK in 64*T1 the call
 * ends with BYE (RFC 3261 §13.3.1.4); its in-dialog requests reach
 * owner->request; tandem_call_hangup sends A a BYE. 0; -EALREADY A has
 * its final; -EINVAL no body. */
int tandem_call_answer(struct tandem_call *call, const char *headers,
                       const struct tandem_body *body);
/* A final failure to the caller of an unanswered call (code 300..699); the
 * call then ends (CALL_END) once A's ACK came. 0, -EINVAL, -EALREADY. */
int tandem_call_reject(struct tandem_call *call, int code, const char *reason,
                       const char *headers);
/* Answer an in-dialog request on A that reached owner->request (status
 * 100..699); a 2xx to re-INVITE/UPDATE carries tandem's Contact, and its
 * SDP becomes the one the core answers with later. 0 or -EINVAL. */
int tandem_call_respond(struct tandem_call *call, struct sip_tsx *st, int status,
                        const char *reason, const char *headers, const struct tandem_body *body);

/* ---- ringing someone: the dial engine ----
 * The one engine behind dial() in the dialplan, transfers and modules. */
enum tandem_dial_mode { TANDEM_DIAL_PARALLEL = 0, TANDEM_DIAL_HUNT };
struct tandem_dial {
	const char *const *targets;    /* as in dial(): "1002", "sip:...", "trunk:a/123" */
	size_t ntargets;
	enum tandem_dial_mode mode;
	unsigned timeout;              /* seconds per target (hunt) or for all; 0: calls.dial_timeout */
	const char *headers;           /* extra lines for every B-leg INVITE, may be NULL */
};
/* Ring the targets for the caller of an owned call and, when one answers,
 * bridge it: an unanswered caller gets the callee's 2xx relayed; a caller
 * answered locally is re-INVITEd (RFC 3725 §4.1 flow: the callee is offered
 * nothing, its offer goes to the caller, the caller's answer to the callee
 * in its ACK) so media moves to the callee; the module should stop its own
 * media then. BLEG_* and ANSWER hooks run for these B-legs as for any.
 * owner->bridge_done says how it ended. 0; -EINVAL (no target, a bad
 * trunk: target); -EBUSY a dial or transfer of this call is running, or A
 * talks to someone; -EALREADY A is gone; -ENOENT no target could ring. */
int tandem_call_bridge(struct tandem_call *call, const struct tandem_dial *d);
/* Stop the bridge dial: ringing B-legs are CANCELled; bridge_done gets
 * TANDEM_DIAL_CANCELLED. */
int tandem_call_bridge_stop(struct tandem_call *call);

/* ---- DTMF ----
 * A media module that decoded a digit of the call's caller (RFC 4733 on a
 * media endpoint) hands it to the core, which tells the owner. 0; -EINVAL
 * not a digit (0-9, *, #, A-D; a-d are taken as A-D); -ENOENT nobody owns
 * the call or the owner has no dtmf callback. */
int tandem_call_dtmf(struct tandem_call *call, char digit, unsigned duration_ms);

/* ---- call facts (records, the control socket) ---- */
enum tandem_call_disposition {
	TANDEM_DISP_NONE = 0,          /* still in progress */
	TANDEM_DISP_ANSWERED,
	TANDEM_DISP_BUSY,
	TANDEM_DISP_NOANSWER,
	TANDEM_DISP_FAILED,
	TANDEM_DISP_CANCELLED,
};
const char *tandem_disposition_name(enum tandem_call_disposition d);  /* "ANSWERED", "NO ANSWER"... */
enum tandem_hangup_side { TANDEM_HANGUP_NONE = 0, TANDEM_HANGUP_CALLER, TANDEM_HANGUP_CALLEE,
                          TANDEM_HANGUP_TANDEM };
struct tandem_call_facts {
	unsigned long id;              /* tandemd's own call number */
	const char *a_call_id;         /* the caller's Call-ID */
	const char *b_call_id;         /* the answered B-leg's, or NULL */
	const char *caller;            /* the A party: From name-addr as received */
	const char *called;            /* the number dialled (Request-URI user) */
	const char *callee;            /* the B party that answered (target), or NULL */
	const char *context, *rule;    /* dialplan context and rule (pattern), rule may be NULL */
	double start, ringing, answer, end;  /* wall-clock seconds; 0 = not (yet) */
	enum tandem_call_disposition disposition;
	int status;                    /* the caller's final status (200, 486...) */
	enum tandem_hangup_side hangup_side;
	const char *hangup_cause;      /* "BYE", "CANCEL", "media timeout", a module's reason... */
	const char *owner;             /* the module owning the call, or NULL */
};
/* Valid until the next call into the core. At CALL_END everything is
 * final (end set). caller is A's From as received (no tag), called the
 * Request-URI user, context the dialplan context the call ended in (after
 * any goto), rule the match pattern of the rule that ran. Disposition:
 * ANSWERED once A got a 2xx (a local answer too); CANCELLED (A's CANCEL,
 * a BYE before the answer, 487); BUSY (486, 600); NO ANSWER (408, 480,
 * the dial timeout); FAILED (any other final). hangup_side: who ended it
 * (a BYE, a CANCEL, a callee's failure passed to A is CALLEE, tandem's own
 * rejection or tandem_call_hangup TANDEM); hangup_cause "BYE", "CANCEL",
 * "486 Busy Here", the module's reason. 0 or -EINVAL. */
int tandem_call_facts(const struct tandem_call *call, struct tandem_call_facts *out);
/* Every live call, for the control socket: fn for each until it returns non-zero. */
int tandem_call_foreach(struct tandem *t, int (*fn)(struct tandem_call *call, void *arg), void *arg);

TANDEM_API_END
#endif
