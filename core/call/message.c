/* tandem — MESSAGE outside a dialog (RFC 3428): routed by the dialplan like
 * a call, re-issued with identifiers of tandem's own (fresh Call-ID, From
 * tag, Via) to every contact of a registered user, the first 2xx (or else
 * the best failure) relayed back. The body is never touched. */
#include "config.h"

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

/* A resolution of a MESSAGE target that wants to answer later: the page
 * mode loop below does not wait (RFC 3428 §4: a MESSAGE is answered at
 * once by each hop), so the target fails now. */
static void message_resolved_late(struct tandem_resolve *r, int status, void *arg)
{
	(void)r; (void)status; (void)arg;   /* never called: abandoned at once */
}

/* One target, resolved like a dial's (a URI, every contact of a
 * registered user, a module's scheme). 0 when at least one copy went
 * out, else a status. */
static int message_send(struct call_core *core, struct msg_fork *f, const struct sip_msg *req,
                        const struct dialplan_target *tg)
{
	char host[256];
	request_host(req, host, sizeof host);
	struct tandem_resolve *r;
	int rc = resolve_start(core->t, NULL, tg->text, host, message_resolved_late, NULL, &r);
	if (rc == -EINPROGRESS) {
		tlog_info("MESSAGE to %s: its resolver answers later; a MESSAGE does not wait", tg->text);
		resolve_abandon(r);
		return 480;
	}
	if (rc)
		return rc;
	int sent = 0, last = 480;
	for (size_t i = 0; i < r->n; i++) {
		const struct tandem_contact *ct = &r->c[i];
		char to[TANDEM_URI_MAX + 2];
		if (ct->to[0])
			snprintf(to, sizeof to, "%s", ct->to);
		else
			snprintf(to, sizeof to, "<%s>", ct->ruri);
		rc = message_send_one(core, f, req, ct->ruri, to, &ct->dst);
		if (rc == 0)
			sent++;
		else
			last = rc;
	}
	resolve_free(r);
	return sent ? 0 : last;
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
	struct msg_fork *f = fork_new(st);
	if (!f) {
		reply(st, 500, NULL);
		goto out;
	}
	struct dialplan_step s;
	int status = 404;
	const char *reason = "No Route";
	while ((rc = dialplan_next(cur, &s)) == DIALPLAN_STEP) {
		if (s.kind == DIALPLAN_DIAL) {
			/* a page-mode message goes to the first target that takes it */
			for (size_t i = 0; i < s.u.dial.ntargets; i++) {
				status = message_send(core, f, req, &s.u.dial.targets[i]);
				if (status == 0 || status == 513)
					break;
			}
			if (status == 0)
				goto out;
			reason = NULL;
			dialplan_set_outcome(cur, dialplan_outcome_from_status(status));
		} else if (s.kind == DIALPLAN_REJECT) {
			reply(st, s.u.reject.code, s.u.reject.reason);
			goto out;
		} else if (s.kind == DIALPLAN_LOG) {
			tlog_info("MESSAGE %s: %s", call_id, s.u.log.text ? s.u.log.text : "");
		} else if (s.kind == DIALPLAN_MODULE) {
			struct tandem_event ev = { .t = core->t, .point = TANDEM_HOOK_ROUTE, .msg = req,
			                           .tsx = st };
			enum tandem_verdict v = route_run_action(core->t, cur, &s, &ev);
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
		reply(st, status, reason);
out:
	message_fork_unref(f);
	dialplan_cursor_free(cur);
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
