/* tandem — the A side of a call: a new INVITE is routed through the
 * dialplan, and the caller is answered (tandem's own final responses, or a
 * B-leg's relayed in the caller's dialog). */

#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tandem/sip_uri.h>

#include "call_internal.h"
#include "net/transport_internal.h"

static void plan_start(struct call *c, const struct dialplan_input *in);

/* Record-Route of A's request goes back in dialog-creating responses
 * (§12.1.1); our own Contact makes tandem A's remote target. */
void a_dialog_headers(struct leg *a, struct sip_wbuf *w)
{
	const struct sip_msg *req = sip_tsx_request(a->st);
	for (const struct sip_hdr *h = sip_msg_hdr(req, SIP_HDR_RECORD_ROUTE); h;
	     h = sip_msg_hdr_next(req, h))
		sip_wbuf_hdr(w, "Record-Route", h->value);
	dialog_put_contact(a->call->core->t->stack, &a->d.flow, w);
}

/* A final answer of tandem's own to A's INVITE. */
void a_reply(struct call *c, int status, const char *reason, const char *headers)
{
	if (c->a_final || !c->a->st)
		return;
	c->a_final = true;
	struct sip_resp_extra extra = { .headers = headers };
	if (sip_tsx_respond(c->a->st, status, reason, headers ? &extra : NULL) < 0)
		tlog_debug("call %s: could not answer %d", call_cid(c), status);
	if (status >= 300)
		c->a->state = LEG_TERMINATED;
	facts_final(c, status, reason);
	tlog_info("call %s: answered %d %s", call_cid(c), status,
	          reason ? reason : sip_reason_phrase(status));
}

/* Relay leg b's response to the INVITE of UAS leg a with a's identifiers. */
int uas_relay(struct leg *a, struct leg *b, const struct sip_msg *resp)
{
	const struct sip_msg *req = sip_tsx_request(a->st);
	struct call_sdp sdp;
	call_media_hook(a->call, resp, b, a, call_resp_role(req), &sdp);
	struct sip_wbuf h;
	sip_wbuf_init(&h, 256);
	copy_headers(&h, resp, call_resp_hdrs, NULL);
	if (resp->status < 300)
		a_dialog_headers(a, &h);
	sip_wbuf_put(&h, "", 1);
	return call_respond_relayed(a->st, resp, a->d.local_tag, &h, &sdp);
}

int a_relay(struct call *c, struct leg *b, const struct sip_msg *resp)
{
	int rc = uas_relay(c->a, b, resp);
	if (resp->status >= 200)
		c->a_final = true;
	if (rc == 0 && resp->status >= 180 && resp->status < 200)
		facts_ringing(c);
	else if (rc == 0 && resp->status >= 200) {
		char reason[64];
		sip_str_copy(reason, sizeof reason, resp->reason);
		facts_final(c, resp->status, reason);
	}
	return rc;
}

static void plan_end(struct call *c)
{
	if (c->a_final)
		return;
	enum dialplan_outcome o = c->cur ? dialplan_outcome(c->cur) : DIALPLAN_OUTCOME_NONE;
	int st = dial_status(&c->dial);
	if (o >= DIALPLAN_OUTCOME_TIMEOUT)   /* a module's outcome nobody continued */
		a_reply(c, c->outcome_code, c->outcome_reason[0] ? c->outcome_reason : NULL,
		        c->outcome_headers);
	else if (o == DIALPLAN_OUTCOME_NONE)
		a_reply(c, 404, "No Route", NULL);
	else if (st == 408 && !c->dial.timed_out)
		a_reply(c, 408, NULL, NULL);   /* the callee never responded (Timer B), §16.7 */
	else if (o == DIALPLAN_OUTCOME_NOANSWER || st < 400)
		a_reply(c, 480, NULL, NULL);   /* a 3xx not followed: unavailable */
	else
		a_reply(c, st, c->dial.best.reason[0] ? c->dial.best.reason : NULL, NULL);
}

/* ---- the call's dial(): the dial engine's callbacks ---- */

static struct call *dial_call(struct dial *d)
{
	return d->call;
}

/* A 18x goes to the caller in its own dialog (early media, ringback). */
static void call_dial_progress(struct dial *d, struct leg *b, const struct sip_msg *resp)
{
	struct call *c = dial_call(d);
	if (c->answered || c->a_final)
		return;
	if (a_relay(c, b, resp) < 0)
		tlog_debug("call %s: could not relay %d", call_cid(c), resp->status);
}

static int call_dial_accept(struct dial *d, struct leg *b, const struct sip_msg *resp)
{
	struct call *c = dial_call(d);
	/* A gave up (CANCEL, BYE) before this 2xx: dial_stop made b lost, so
	 * only a final of A's own from elsewhere (a module) is left */
	if (!call_a_waits(c))
		return 487;
	if (c->bridging && c->own.local)
		return 0;   /* A was answered locally: the re-INVITE flow (answered) */
	/* ANSWER runs before A hears of it, so a module can still refuse */
	struct tandem_event ev;
	if (call_run_hook(c, TANDEM_HOOK_ANSWER, resp, b, &ev) == TANDEM_REJECT) {
		int code = loader_reject_status(ev.reject_code);
		tlog_info("call %s: the answer of %s refused by mod_%s: %d to the caller", call_cid(c),
		          b->label, c->core->t->hook_decider ? c->core->t->hook_decider : "?", code);
		/* CANCEL to the others; the engine ACKs and BYEs b itself */
		b->dial = NULL;
		dial_stop(&c->dial);
		b->dial = d;
		c->dial.best.status = code;
		c->dial.best.reason[0] = '\0';
		facts_hangup(c, TANDEM_HANGUP_TANDEM, "answer rejected by a module");
		a_reply(c, code, ev.reject_reason, ev.reject_headers);
		if (c->bridging)
			bridge_dial_end(c, code, false);
		return code;
	}
	return 0;
}

static void call_dial_answered(struct dial *d, struct leg *b, const struct sip_msg *resp)
{
	struct call *c = dial_call(d);
	if (bridge_callee_answered(c, b, resp))
		return;   /* A was answered locally: the re-INVITE flow */
	if (call_resp_role(sip_tsx_request(c->a->st)) == TANDEM_SDP_OFFER && call_media_is_sdp(resp)) {
		/* late offer: A's ACK brings the answer (call_core_ack) */
		b->ack_wait = true;
		b->ack_wait_cseq = b->inv_cseq;
	} else {
		leg_ack(b, b->inv_cseq, SIP_STR_NULL, SIP_STR_NULL);
	}
	c->answered = true;
	c->winner = b;
	if (a_relay(c, b, resp) < 0) {
		tlog_warn("call %s: could not relay the answer to A", call_cid(c));
		c->a->state = LEG_TERMINATED;
		leg_bye(b);
		return;
	}
	c->a->state = LEG_CONFIRMED;
	if (c->cur)
		dialplan_set_outcome(c->cur, DIALPLAN_OUTCOME_ANSWERED);
	tlog_info("call %s: A -> B:%s answered (B Call-ID %s)", call_cid(c), b->label, b->d.call_id);
	if (c->bridging)
		bridge_relayed(c);
}

/* Nobody answered: the plan goes on with the outcome (on(busy)...). */
static void call_dial_settled(struct dial *d, enum tandem_dial_outcome o, int status,
                              const char *reason)
{
	struct call *c = dial_call(d);
	(void)reason;   /* plan_end reads them from the dial */
	if (c->bridging) {   /* a module's tandem_call_bridge: the module goes on */
		bridge_dial_end(c, call_a_waits(c) ? status : 487, call_a_waits(c) && d->timed_out);
		return;
	}
	if (c->a_final)
		return;
	if (c->cur)
		dialplan_set_outcome(c->cur, dialplan_outcome_of_dial(o));
	plan_run(c);
}

const struct dial_ops call_dial_ops = {
	.noanswer = "no answer",
	.progress = call_dial_progress,
	.accept = call_dial_accept,
	.answered = call_dial_answered,
	.settled = call_dial_settled,
};

/* The INVITE of A as B-legs carry it: caller identity, end-to-end
 * headers, set_header() lines, the offer, Max-Forwards less one. */
void call_a_invite(struct call *c, struct bleg_invite *inv, char *from, size_t n)
{
	const struct sip_msg *req = sip_tsx_request(c->a->st);
	const struct sip_hdr *fh = sip_msg_hdr(req, SIP_HDR_FROM);
	party_as_seen(fh ? fh->value : SIP_STR_NULL, req, from, n);
	const struct sip_hdr *ct = sip_msg_hdr(req, SIP_HDR_CONTENT_TYPE);
	/* §16.6 step 3 in spirit: a loop through tandem still ends in 483 */
	*inv = (struct bleg_invite){
		.from = from, .req = req, .headers = c->hdrs,
		.ctype = ct ? ct->value : SIP_STR_LIT("application/sdp"), .body = req->body,
		.max_forwards = req->max_forwards < 0 ? 70 : req->max_forwards - 1,
	};
}

/* The dial() step s for the call. 0: ringing, call_dial_settled resumes
 * the plan; else the failure status (nothing rings). */
static int call_dial(struct call *c, const struct dialplan_step *s)
{
	const char *targets[DIAL_MAX_TARGETS];
	struct tandem_dial spec;
	struct bleg_invite inv;
	char from[600];
	dial_spec_from_step(s, &spec, targets, DIAL_MAX_TARGETS);
	call_a_invite(c, &inv, from, sizeof from);
	return dial_start(&c->dial, &spec, &inv);
}

/* DONE at ROUTE (the verdict table in tandem.h): the module took the call.
 * It answered A through tandem_call_answer/reject (A's state is kept), or
 * with a final of its own on the event's tsx (tandem cannot tell a 2xx from
 * the rest there: the leg ends, as it did before the A-leg API), or not
 * yet: then it owns the call and answers, rejects or bridges it later. */
static void route_done(struct call *c, const char *module)
{
	if (c->a_final)
		return;
	if (sip_tsx_answered(c->a->st)) {
		c->a_final = true;
		c->a->state = LEG_TERMINATED;
		return;
	}
	owner_take(c, module);
}

/* Step through the plan until something waits (a dial) or A is answered. */
void plan_run(struct call *c)
{
	struct dialplan_step s;
	while (!c->a_final && c->cur) {
		int rc = dialplan_next(c->cur, &s);
		if (rc == DIALPLAN_END) {
			plan_end(c);
			break;
		}
		if (rc < 0) {
			tlog_warn("call %s: dialplan: %s", call_cid(c), dialplan_cursor_error(c->cur));
			a_reply(c, 500, "Dialplan Error", NULL);
			break;
		}
		switch (s.kind) {
		case DIALPLAN_DIAL: {
			int st = call_dial(c, &s);
			if (st == 0)
				return;   /* ringing: call_dial_settled resumes the plan */
			dialplan_set_outcome(c->cur, dialplan_outcome_from_status(st));
			break;
		}
		case DIALPLAN_REJECT:
			a_reply(c, s.u.reject.code, s.u.reject.reason, NULL);
			break;
		case DIALPLAN_REDIRECT: {
			/* RFC 3261 §21.3.3: 302 with the new target in Contact */
			char hdr[600];
			snprintf(hdr, sizeof hdr, "Contact: <%s>\r\n", s.u.redirect.uri);
			a_reply(c, 302, NULL, hdr);
			break;
		}
		case DIALPLAN_SET_HEADER:
			if (s.u.header.value &&
			    hdrs_add(&c->hdrs, s.u.header.name, sip_str_c(s.u.header.value)) < 0) {
				/* a B-leg without the header the plan set is not the call asked for */
				tlog_warn("call %s: set_header(%s): out of memory", call_cid(c), s.u.header.name);
				a_reply(c, 500, NULL, NULL);
			}
			break;
		case DIALPLAN_REMOVE_HEADER:
			break;   /* only whitelisted headers cross anyway */
		case DIALPLAN_LOG:
			tlog_info("call %s: %s", call_cid(c), s.u.log.text ? s.u.log.text : "");
			break;
		case DIALPLAN_MODULE: {
			struct tandem_event ev = { .t = c->core->t, .point = TANDEM_HOOK_ROUTE,
			                           .msg = (struct sip_msg *)sip_tsx_request(c->a->st),
			                           .tsx = c->a->st, .call = (struct tandem_call *)c,
			                           .argc = s.argc, .argv = s.argv };
			enum tandem_verdict v = route_run_action(c->core->t, c->cur, &s, &ev);
			if (v == TANDEM_REJECT)
				a_reply(c, loader_reject_status(ev.reject_code), ev.reject_reason,
				        ev.reject_headers);
			else if (v == TANDEM_DONE) {
				route_done(c, s.name);
				return;   /* the plan is over: the module has the call */
			} else if (v == TANDEM_SUSPEND) {
				/* the module answers later: tandem_call_resume */
				tlog_info("call %s: %s suspended the plan", call_cid(c), s.name);
				c->suspended = true;
				return;
			}
			break;
		}
		default:
			break;
		}
	}
}

const char *call_context_for(const struct call_core *core, const struct sip_msg *req)
{
	const struct sip_listener *li = req->rx.listener;
	if (li) {
		uint16_t port = 0;
		if (li->addr.ss_family == AF_INET)
			port = ntohs(((const struct sockaddr_in *)&li->addr)->sin_port);
		else if (li->addr.ss_family == AF_INET6)
			port = ntohs(((const struct sockaddr_in6 *)&li->addr)->sin6_port);
		for (unsigned i = 0; i < core->set.nlctx; i++)
			if (core->set.lctx[i].proto == li->proto && core->set.lctx[i].port == port &&
			    core->set.lctx[i].context[0])
				return core->set.lctx[i].context;
	}
	return core->set.context;
}

int call_fill_input(const struct sip_msg *req, struct dialplan_input *in, char *ruri_user,
                    size_t n1, char *from_user, size_t n2, char *from_domain, size_t n3,
                    char *method, size_t n4, char *call_id, size_t n5)
{
	struct sip_uri u;
	memset(in, 0, sizeof *in);
	ruri_user[0] = from_user[0] = from_domain[0] = '\0';
	if (sip_uri_parse(req->ruri, &u) < 0)
		return -EINVAL;
	if (u.user.len && sip_unescape(u.user, ruri_user, n1) < 0)
		return -EINVAL;
	if (sip_uri_parse(req->from_uri, &u) == 0) {
		if (u.user.len && sip_unescape(u.user, from_user, n2) < 0)
			from_user[0] = '\0';
		sip_str_copy(from_domain, n3, u.host);
	}
	sip_str_copy(method, n4, req->method_str);
	sip_str_copy(call_id, n5, req->call_id);
	in->ruri_user = ruri_user;
	in->from_user = from_user;
	in->from_domain = from_domain;
	in->method = method;
	in->source = (const struct sockaddr *)&req->rx.src;
	in->call_id = call_id;
	return 0;
}

static bool invite_route(struct call_core *core, struct sip_tsx *st, struct sip_msg *req)
{
	struct tandem *t = core->t;
	if (sip_msg_hdr(req, SIP_HDR_REPLACES)) {
		/* RFC 3891: it takes a party's place in a call tandem already has */
		replaces_invite(core, st, req);
		return true;
	}
	struct call *c = call_new(core);
	if (!c) {
		sip_tsx_respond(st, 500, NULL, NULL);
		return true;
	}
	struct leg *a = leg_new(c, true);
	if (!a) {
		call_destroy(c);
		sip_tsx_respond(st, 500, NULL, NULL);
		return true;
	}
	c->a = a;
	a->st = st;
	sip_tsx_ref(st);
	int rc = dialog_init_uas(&a->d, req, sip_tsx_to_tag(st));
	if (rc < 0) {
		a->state = LEG_TERMINATED;
		c->a_final = true;
		sip_tsx_respond(st, rc == -EINVAL ? 400 : 500, rc == -EINVAL ? "Missing Contact" : NULL, NULL);
		call_destroy(c);
		return true;
	}
	call_tab_add(core, a);

	char ruri_user[256], from_user[256], from_domain[256], method[32], call_id[256];
	struct dialplan_input in;
	if (call_fill_input(req, &in, ruri_user, sizeof ruri_user, from_user, sizeof from_user,
	                    from_domain, sizeof from_domain, method, sizeof method,
	                    call_id, sizeof call_id) < 0) {
		a_reply(c, 400, "Bad Request-URI", NULL);
		call_check(c);
		return true;
	}
	snprintf(c->rec.called, sizeof c->rec.called, "%.127s", ruri_user);
	const char *ctx = call_context_for(core, req);
	snprintf(c->context, sizeof c->context, "%s", ctx);
	tlog_info("call %s: INVITE %s -> %s (context %s)", call_cid(c), from_user, ruri_user, ctx);

	struct tandem_event ev = { .t = t, .point = TANDEM_HOOK_ROUTE, .msg = req, .tsx = st,
	                           .call = (struct tandem_call *)c };
	switch (t->nhooks[TANDEM_HOOK_ROUTE] ? loader_run_hooks(t, &ev) : TANDEM_CONTINUE) {
	case TANDEM_REJECT:
		a_reply(c, loader_reject_status(ev.reject_code), ev.reject_reason, ev.reject_headers);
		call_check(c);
		return true;
	case TANDEM_DONE:
		route_done(c, t->hook_decider);
		call_check(c);
		return true;
	case TANDEM_SUSPEND:
		c->suspended = true;   /* tandem_call_resume goes on */
		return true;
	case TANDEM_RETRY:     /* BLEG_RESPONSE only: the loader made it CONTINUE */
	case TANDEM_CONTINUE:
		break;
	}
	if (c->route_exten[0] || strcmp(c->context, ctx) != 0) {
		/* a hook knew better (tandem_route_set_context: a trunk's call) */
		if (c->route_exten[0]) {
			in.ruri_user = c->route_exten;
			snprintf(c->rec.called, sizeof c->rec.called, "%.127s", c->route_exten);
		}
		tlog_info("call %s: routed as %s in context %s", call_cid(c), in.ruri_user, c->context);
	}
	plan_start(c, &in);
	call_check(c);
	return true;
}

/* Match A's INVITE in the call's context and run the plan. */
static void plan_start(struct call *c, const struct dialplan_input *in)
{
	int rc = dialplan_match(c->core->dp, c->context, in, &c->cur);
	if (rc < 0) {
		a_reply(c, rc == -ENOMEM ? 500 : 404, rc == -ENOMEM ? NULL : "No Route", NULL);
		return;
	}
	plan_run(c);
}

/* The outcome of a module's action, and what the caller gets when no
 * on(...) takes it. */
static int set_module_outcome(struct call *c, const char *outcome, int code, const char *reason,
                              const char *headers)
{
	int o = dialplan_outcome_parse(outcome);
	size_t hl = headers ? strlen(headers) : 0;
	/* header lines end in CRLF, or they would run into the next one */
	if (!c->cur || o < DIALPLAN_OUTCOME_BUSY || code < 300 || code > 699 ||
	    (hl && (hl < 2 || strcmp(headers + hl - 2, "\r\n") != 0)))
		return -EINVAL;
	char *h = headers ? strdup(headers) : NULL;
	if (headers && !h)
		return -ENOMEM;
	free(c->outcome_headers);
	c->outcome_headers = h;
	c->outcome_code = code;
	snprintf(c->outcome_reason, sizeof c->outcome_reason, "%s", reason ? reason : "");
	dialplan_set_outcome(c->cur, (enum dialplan_outcome)o);
	return 0;
}

int tandem_route_set_outcome(struct tandem_event *ev, const char *outcome, int code,
                             const char *reason, const char *headers)
{
	if (!ev || ev->point != TANDEM_HOOK_ROUTE || !ev->call)
		return -EINVAL;
	return set_module_outcome((struct call *)ev->call, outcome, code, reason, headers);
}

int tandem_call_resume_outcome(struct tandem_call *call, const char *outcome, int code,
                               const char *reason, const char *headers)
{
	struct call *c = (struct call *)call;
	if (!c || !c->suspended || !c->cur)
		return -EINVAL;
	int rc = set_module_outcome(c, outcome, code, reason, headers);
	if (rc < 0)
		return rc;
	return tandem_call_resume(call, TANDEM_CONTINUE, 0, NULL);
}

int tandem_call_resume(struct tandem_call *call, enum tandem_verdict v, int code, const char *reason)
{
	struct call *c = (struct call *)call;
	if (!c || !c->suspended)
		return -EINVAL;
	c->suspended = false;
	tlog_info("call %s: resumed (%s)", call_cid(c), v == TANDEM_CONTINUE ? "continue" :
	          v == TANDEM_REJECT ? "reject" : v == TANDEM_DONE ? "done" : "suspend");
	switch (v) {
	case TANDEM_SUSPEND:
		c->suspended = true;
		return 0;
	case TANDEM_REJECT:
		a_reply(c, loader_reject_status(code), reason, NULL);
		break;
	case TANDEM_DONE:
		/* the module answered A (tandem_call_answer/reject), or did it
		 * itself on the event's tsx, or owns the call from now on */
		route_done(c, c->own.name[0] ? c->own.name : NULL);
		break;
	case TANDEM_RETRY:     /* BLEG_RESPONSE only: the loader made it CONTINUE */
	case TANDEM_CONTINUE:
		if (c->cur) {
			plan_run(c);
		} else {
			/* suspended by a ROUTE hook: the dialplan has not run yet */
			const struct sip_msg *req = sip_tsx_request(c->a->st);
			char ruri_user[256], from_user[256], from_domain[256], method[32], call_id[256];
			struct dialplan_input in;
			if (call_fill_input(req, &in, ruri_user, sizeof ruri_user, from_user, sizeof from_user,
			                    from_domain, sizeof from_domain, method, sizeof method,
			                    call_id, sizeof call_id) < 0)
				a_reply(c, 400, "Bad Request-URI", NULL);
			else
				plan_start(c, &in);
		}
		break;
	}
	call_check(c);
	return 0;
}

bool call_core_route(struct tandem *t, struct sip_tsx *st, struct sip_msg *req)
{
	struct call_core *core = call_core_of(t);
	if (!core || !core->dp)
		return false;
	if (req->method == SIP_INVITE)
		return invite_route(core, st, req);
	if (req->method == SIP_MESSAGE)
		return message_route(core, st, req);
	return false;
}
