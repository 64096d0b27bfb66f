/* tandem — MESSAGE outside a dialog (RFC 3428): routed by the dialplan like
 * a call, re-issued with identifiers of tandem's own (fresh Call-ID, From
 * tag, Via) to every contact a target resolves to (resolve.h: a URI, a
 * registered user, a module's scheme, answered at once or later), the
 * first 2xx (or else the best failure) relayed back. The body is never
 * touched. */
#include "config.h"

#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call_internal.h"

static const enum sip_hdr_id msg_hdrs[] = {
	SIP_HDR_CONTENT_DISPOSITION, SIP_HDR_CONTENT_ENCODING, SIP_HDR_CONTENT_LANGUAGE,
	SIP_HDR_SUBJECT, SIP_HDR_PRIORITY, SIP_HDR_DATE, SIP_HDR_EXPIRES, SIP_HDR_IN_REPLY_TO,
	SIP_HDR_REPLY_TO, 0
};

static void reply(struct sip_tsx *st, int status, const char *reason)
{
	if (sip_tsx_respond(st, status, reason, NULL) < 0)
		tlog_debug("MESSAGE: could not answer %d", status);
}

/* The copies of one MESSAGE sent to a user's contacts (RFC 3428 §6: a
 * proxy may fork it): the sender gets the first 2xx, or once every copy
 * has failed the best failure. */
struct msg_fork {
	struct sip_tsx *st;       /* the sender's, referenced */
	unsigned refs;            /* message_route + one per copy in flight */
	unsigned pending;         /* copies without a final answer */
	bool answered;
	int best;                 /* the failure to give when none succeeds */
	char reason[128];
};

static struct msg_fork *fork_new(struct sip_tsx *st)
{
	struct msg_fork *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->st = st;
	sip_tsx_ref(st);
	f->refs = 1;
	return f;
}

void message_fork_unref(struct msg_fork *f)
{
	if (!f || --f->refs > 0)
		return;
	sip_tsx_unref(f->st);
	free(f);
}

/* Keep the most telling failure, as a dial does (dial_rules.h). */
static void fork_failed(struct msg_fork *f, int status, const char *reason)
{
	if (dial_failure_better(f->best, status)) {
		f->best = status;
		snprintf(f->reason, sizeof f->reason, "%s", reason ? reason : "");
	}
}

/* One copy to ruri at dst. 0 or a status. */
static int message_send_one(struct call_core *core, struct msg_fork *f, const struct sip_msg *req,
                            const char *ruri, const char *to, const struct sip_dest *dst)
{
	/* RFC 3428 §7: over UDP (either side) a request larger than the path
	 * MTU would be fragmented; refuse big bodies with 513 */
	if ((dst->proto == SIP_PROTO_UDP || req->rx.proto == SIP_PROTO_UDP) &&
	    req->body.len > core->set.message_max_body)
		return 513;

	const struct sip_hdr *from = sip_msg_hdr(req, SIP_HDR_FROM);
	char *party = from ? nameaddr_without_tag(from->value) : NULL;
	struct dialog d;
	int rc = party ? dialog_init_uac(&d, party, to, ruri) : -ENOMEM;
	free(party);
	if (rc < 0)
		return 500;
	struct sip_wbuf h;
	sip_wbuf_init(&h, 256);
	copy_headers(&h, req, msg_hdrs, NULL);
	sip_wbuf_put(&h, "", 1);
	const struct sip_hdr *ct = sip_msg_hdr(req, SIP_HDR_CONTENT_TYPE);
	struct dialog_req r = {
		.method = "MESSAGE",
		.max_forwards = req->max_forwards < 0 ? 70 : req->max_forwards > 1 ? req->max_forwards - 1 : -1,
		.headers = h.err ? NULL : h.p,
		.ctype = ct ? ct->value : SIP_STR_LIT("text/plain"),
		.body = req->body,
	};
	char *buf;
	size_t len;
	rc = dialog_build_request(core->t->stack, &d, &r, dst, &buf, &len);
	sip_wbuf_free(&h);
	tlog_info("MESSAGE %.*s -> %s (Call-ID %s)", (int)req->call_id.len, req->call_id.p, ruri,
	          d.call_id);
	dialog_clear(&d);
	if (rc < 0)
		return 500;
	struct creq *cr = creq_new(core, CR_MESSAGE);
	if (!cr) {
		free(buf);
		return 500;
	}
	struct sip_tsx *ctx = sip_tsx_client_new(core->t->stack, dst, buf, len, creq_on_response, cr);
	if (!ctx) {
		creq_free(cr);
		return 500;
	}
	creq_start(cr, ctx);
	cr->fork = f;
	f->refs++;
	f->pending++;
	return 0;
}

/* One MESSAGE on its way through the dialplan. Held only while a
 * resolver answers later (a trunk's DNS); listed in the core so shutdown
 * finds it. */
struct msg_route {
	struct call_core *core;
	struct msg_route *prev, *next;
	struct sip_tsx *st;            /* the sender's, referenced */
	struct dialplan_cursor *cur;
	struct msg_fork *f;
	struct dialplan_step s;        /* the dial step being tried */
	size_t ti;                     /* its next target */
	bool in_dial;
	int status;                    /* what the sender gets if nothing takes it */
	const char *reason;
	struct tandem_resolve *pending;
	ev_timer timer;                /* bounds the wait for pending */
};

static const struct sip_msg *route_req(const struct msg_route *m)
{
	return sip_tsx_request(m->st);
}

static void route_end(struct msg_route *m)
{
	struct call_core *core = m->core;
	ev_timer_stop(core->t->loop, &m->timer);
	if (m->pending)
		resolve_abandon(m->pending);
	if (m->prev)
		m->prev->next = m->next;
	else if (core->mroutes == m)
		core->mroutes = m->next;
	if (m->next)
		m->next->prev = m->prev;
	message_fork_unref(m->f);
	dialplan_cursor_free(m->cur);
	sip_tsx_unref(m->st);
	free(m);
}

/* Copies of the MESSAGE to every contact a resolution found. */
static int send_contacts(struct msg_route *m, const struct tandem_resolve *r)
{
	int sent = 0, last = 480;
	for (size_t i = 0; i < r->n; i++) {
		const struct tandem_contact *ct = &r->c[i];
		char to[TANDEM_URI_MAX + 2];
		if (ct->to[0])
			snprintf(to, sizeof to, "%s", ct->to);
		else
			snprintf(to, sizeof to, "<%s>", ct->ruri);
		int rc = message_send_one(m->core, m->f, route_req(m), ct->ruri, to, &ct->dst);
		if (rc == 0)
			sent++;
		else
			last = rc;
	}
	return sent ? 0 : last;
}

static void route_run(struct msg_route *m);

/* The target that was pending has its answer (status as a target's). */
static void route_target_done(struct msg_route *m, int status)
{
	m->status = status;
	if (status == 0 || status == 513)
		m->ti = m->s.u.dial.ntargets;   /* taken, or too big for anyone */
	route_run(m);
}

static void on_msg_resolved(struct tandem_resolve *r, int status, void *arg)
{
	struct msg_route *m = arg;
	m->pending = NULL;
	ev_timer_stop(m->core->t->loop, &m->timer);
	if (status == 0)
		status = send_contacts(m, r);
	resolve_free(r);
	route_target_done(m, status);
}

/* RFC 3428 §6 makes a MESSAGE a non-INVITE request: its sender gives up
 * after 64*T1 (RFC 3261 §17.1.2.2), so a resolver is not waited on for
 * longer than calls.dial_timeout. */
static void on_msg_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct msg_route *m = w->data;
	(void)loop; (void)revents;
	tlog_info("MESSAGE %.*s: no resolution within %u s", (int)route_req(m)->call_id.len,
	          route_req(m)->call_id.p, m->core->set.dial_timeout);
	resolve_abandon(m->pending);
	m->pending = NULL;
	route_target_done(m, 480);
}

/* One target, resolved like a dial's (a URI, every contact of a
 * registered user, a module's scheme). 0 when at least one copy went
 * out, -EINPROGRESS while a resolver answers later, else a status. */
static int message_send(struct msg_route *m, const struct dialplan_target *tg)
{
	char host[256];
	request_host(route_req(m), host, sizeof host);
	struct tandem_resolve *r;
	int rc = resolve_start(m->core->t, NULL, tg->text, host, on_msg_resolved, m, &r);
	if (rc == -EINPROGRESS) {
		m->pending = r;
		ev_timer_set(&m->timer, m->core->set.dial_timeout, 0.);
		ev_timer_start(m->core->t->loop, &m->timer);
		return rc;
	}
	if (rc)
		return rc;
	rc = send_contacts(m, r);
	resolve_free(r);
	return rc;
}

/* The rest of the dial step: a page-mode message goes to the first
 * target that takes it. false: waiting on a resolver. */
static bool route_dial(struct msg_route *m)
{
	while (m->ti < m->s.u.dial.ntargets) {
		int st = message_send(m, &m->s.u.dial.targets[m->ti++]);
		if (st == -EINPROGRESS)
			return false;
		m->status = st;
		if (st == 0 || st == 513)
			break;
	}
	m->in_dial = false;
	return true;
}

/* Step through the plan until a copy went out, the sender is answered, or
 * a resolver makes it wait; route_end once done. */
static void route_run(struct msg_route *m)
{
	struct sip_tsx *st = m->st;
	int rc = DIALPLAN_STEP;
	for (;;) {
		if (m->in_dial && !route_dial(m))
			return;   /* on_msg_resolved goes on */
		if (m->s.kind == DIALPLAN_DIAL) {
			m->s.kind = DIALPLAN_LOG;   /* this dial is done with */
			if (m->status == 0)
				goto out;   /* the fork answers the sender */
			m->reason = NULL;
			dialplan_set_outcome(m->cur, dialplan_outcome_from_status(m->status));
		}
		if ((rc = dialplan_next(m->cur, &m->s)) != DIALPLAN_STEP)
			break;
		struct dialplan_step *s = &m->s;
		if (s->kind == DIALPLAN_DIAL) {
			m->in_dial = true;
			m->ti = 0;
		} else if (s->kind == DIALPLAN_REJECT) {
			reply(st, s->u.reject.code, s->u.reject.reason);
			goto out;
		} else if (s->kind == DIALPLAN_LOG) {
			tlog_info("MESSAGE %.*s: %s", (int)route_req(m)->call_id.len, route_req(m)->call_id.p,
			          s->u.log.text ? s->u.log.text : "");
		} else if (s->kind == DIALPLAN_MODULE) {
			struct tandem_event ev = { .t = m->core->t, .point = TANDEM_HOOK_ROUTE,
			                           .msg = (struct sip_msg *)route_req(m), .tsx = st };
			enum tandem_verdict v = route_run_action(m->core->t, m->cur, s, &ev);
			if (v == TANDEM_REJECT) {
				reply(st, loader_reject_status(ev.reject_code), ev.reject_reason);
				goto out;
			}
			if (v != TANDEM_CONTINUE && sip_tsx_answered(st))
				goto out;
		}
	}
	if (rc < 0)
		reply(st, 500, "Dialplan Error");
	else
		reply(st, m->status, m->reason);
out:
	route_end(m);
}

void message_routes_free(struct call_core *core)
{
	while (core->mroutes)
		route_end(core->mroutes);
}

bool message_route(struct call_core *core, struct sip_tsx *st, struct sip_msg *req)
{
	char ruri_user[256], from_user[256], from_domain[256], method[32], call_id[256];
	struct dialplan_input in;
	struct dialplan_cursor *cur;
	if (call_fill_input(req, &in, ruri_user, sizeof ruri_user, from_user, sizeof from_user,
	                    from_domain, sizeof from_domain, method, sizeof method,
	                    call_id, sizeof call_id) < 0) {
		reply(st, 400, "Bad Request-URI");
		return true;
	}
	int rc = dialplan_match(core->dp, call_context_for(core, req), &in, &cur);
	if (rc < 0) {
		reply(st, rc == -ENOMEM ? 500 : 404, rc == -ENOMEM ? NULL : "No Route");
		return true;
	}
	struct msg_route *m = calloc(1, sizeof *m);
	struct msg_fork *f = m ? fork_new(st) : NULL;
	if (!f) {
		free(m);
		dialplan_cursor_free(cur);
		reply(st, 500, NULL);
		return true;
	}
	m->core = core;
	m->st = st;
	sip_tsx_ref(st);
	m->cur = cur;
	m->f = f;
	m->status = 404;
	m->reason = "No Route";
	m->s.kind = DIALPLAN_LOG;
	ev_timer_init(&m->timer, on_msg_timeout, 1., 0.);
	m->timer.data = m;
	m->next = core->mroutes;
	if (m->next)
		m->next->prev = m;
	core->mroutes = m;
	route_run(m);
	return true;
}

void message_on_response(struct creq *cr, const struct sip_msg *resp, int status)
{
	struct msg_fork *f = cr->fork;
	if (status < 200 || !f)
		return;
	char reason[128] = "";
	if (resp)
		sip_str_copy(reason, sizeof reason, resp->reason);
	f->pending--;
	if (f->answered)
		return;
	if (status < 300) {
		f->answered = true;
		reply(f->st, status, reason[0] ? reason : NULL);
		return;
	}
	fork_failed(f, status, reason);
	if (f->pending == 0) {
		f->answered = true;
		reply(f->st, f->best, f->reason[0] ? f->reason : NULL);
	}
}
