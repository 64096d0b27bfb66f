/* tandem — requests inside a call's dialogs: BYE from either side, ACK,
 * CANCEL, and every other in-dialog request (re-INVITE, UPDATE, INFO, ...)
 * re-issued on the other leg with that leg's identifiers (RFC 3261 §12.2,
 * §14, §15). */

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

void leg_bye(struct leg *l)
{
	if (l->bye_sent || l->state != LEG_CONFIRMED)
		return;
	l->bye_sent = true;
	if (l->ack_wait)   /* §13.2.2.4: the 2xx is ACKed before the BYE */
		leg_ack(l, l->ack_wait_cseq, (struct sip_str){ 0 }, (struct sip_str){ 0 });
	struct sip_dest dst;
	char *buf;
	size_t len;
	struct dialog_req r = { .method = "BYE" };
	struct call_core *core = l->call->core;
	if (dialog_dest(&l->d, &dst) < 0 ||
	    dialog_build_request(core->t->stack, &l->d, &r, &dst, &buf, &len) < 0 ||
	    !leg_send(l, CR_BYE, &dst, buf, len)) {
		l->state = LEG_TERMINATED;
		return;
	}
}

void relay_response(struct creq *cr, const struct sip_msg *resp, int status)
{
	struct leg *from = cr->from, *to = cr->leg;
	const struct sip_msg *req = sip_tsx_request(cr->st);
	bool invite = req->method == SIP_INVITE;
	if (status < 200)
		return;   /* the server transaction sent its own 100 */
	if (invite) {
		from->reinv_in = false;
		to->reinv_out = false;
	}
	if (!resp) {
		sip_tsx_respond(cr->st, status, NULL, NULL);
		return;
	}
	if (status < 300 && (invite || req->method == SIP_UPDATE))
		dialog_refresh_target(&to->d, resp);
	struct call *c = from->call;
	if (invite && status < 300) {
		if (c && !call_media_is_sdp(req) && call_media_is_sdp(resp)) {
			/* offerless re-INVITE: from's ACK brings the answer */
			to->ack_wait = true;
			to->ack_wait_cseq = cr->cseq;
		} else {
			leg_ack(to, cr->cseq, (struct sip_str){ 0 }, (struct sip_str){ 0 });
		}
	}
	struct call_sdp sdp = { .body = resp->body };
	if (c && (invite || req->method == SIP_UPDATE))
		call_media_hook(c, resp, to, from, call_resp_role(req), &sdp);

	struct sip_wbuf h;
	sip_wbuf_init(&h, 256);
	copy_headers(&h, resp, call_resp_hdrs, call_other_hdrs);
	if (status < 300 && (invite || req->method == SIP_UPDATE) && c)
		dialog_put_contact(c->core->t->stack, from->d.has_flow ? &from->d.flow : &from->dst, &h);
	sip_wbuf_put(&h, "", 1);
	if (call_respond_relayed(cr->st, resp, from->d.local_tag, &h, &sdp) == -ENOMEM)
		sip_tsx_respond(cr->st, 500, NULL, NULL);
}

/* Re-issue an in-dialog request on the other leg with that leg's
 * identifiers; its response comes back through relay_response. */
static void relay_request(struct leg *from, struct leg *to, struct sip_tsx *st,
                          const struct sip_msg *req)
{
	struct call *c = from->call;
	bool invite = req->method == SIP_INVITE;
	if (invite) {
		/* RFC 3261 §14.2: a re-INVITE while another is pending on either
		 * side gets 491 (ours outgoing) or 500 (theirs still open) */
		if (from->reinv_in) {
			sip_tsx_respond(st, 500, NULL, &(struct sip_resp_extra){ .headers = "Retry-After: 1\r\n" });
			return;
		}
		if (from->reinv_out || to->reinv_out || to->reinv_in) {
			sip_tsx_respond(st, 491, NULL, NULL);
			return;
		}
	}
	if (invite || req->method == SIP_UPDATE)
		dialog_refresh_target(&from->d, req);   /* §12.2.2 target refresh */
	struct call_sdp sdp = { .body = req->body };
	if (invite || req->method == SIP_UPDATE)
		call_media_hook(c, req, from, to, TANDEM_SDP_OFFER, &sdp);
	struct sip_wbuf h;
	sip_wbuf_init(&h, 256);
	copy_headers(&h, req, call_req_hdrs, call_other_hdrs);
	sip_wbuf_put(&h, "", 1);
	const struct sip_hdr *ctype = sip_msg_hdr(req, SIP_HDR_CONTENT_TYPE);
	char method[32];
	sip_str_copy(method, sizeof method, req->method_str);
	struct dialog_req r = {
		.method = method,
		.max_forwards = req->max_forwards > 1 ? req->max_forwards - 1 : 70,
		.headers = h.err ? NULL : h.p,
		.ctype = ctype ? ctype->value : SIP_STR_LIT("application/octet-stream"),
		.body = sdp.body,
		.contact = invite || req->method == SIP_UPDATE || req->method == SIP_REFER ||
		           req->method == SIP_SUBSCRIBE || req->method == SIP_NOTIFY,
	};
	struct sip_dest dst;
	char *buf;
	size_t len;
	int rc = dialog_dest(&to->d, &dst);
	if (rc == 0)
		rc = dialog_build_request(c->core->t->stack, &to->d, &r, &dst, &buf, &len);
	sip_wbuf_free(&h);
	call_sdp_free(&sdp);
	struct creq *cr = rc < 0 ? NULL : leg_send(to, CR_RELAY, &dst, buf, len);
	if (!cr) {
		sip_tsx_respond(st, 500, NULL, NULL);
		return;
	}
	cr->cseq = to->d.local_cseq;
	cr->from = from;
	leg_ref(from);
	cr->st = st;
	sip_tsx_ref(st);
	if (invite) {
		from->reinv_in = true;
		to->reinv_out = true;
	}
}

bool call_core_indialog(struct tandem *t, struct sip_tsx *st, struct sip_msg *req)
{
	struct call_core *core = call_core_of(t);
	struct leg *l = call_tab_find(core, req->call_id, req->to_tag);
	if (!l || !l->call || (l->d.remote_tag && !sip_str_eq(req->from_tag, sip_str_c(l->d.remote_tag))))
		return false;
	struct call *c = l->call;
	/* RFC 3261 §12.2.2: CSeq must grow */
	if (req->cseq <= l->d.remote_cseq && l->d.remote_cseq && req->method != SIP_ACK) {
		sip_tsx_respond(st, 500, "CSeq Out of Order", NULL);
		return true;
	}
	l->d.remote_cseq = req->cseq;
	if (l->state == LEG_TERMINATED) {
		sip_tsx_respond(st, 481, NULL, NULL);
		return true;
	}
	if (t->nhooks[TANDEM_HOOK_INDIALOG]) {
		struct tandem_event ev = { .t = t, .point = TANDEM_HOOK_INDIALOG, .msg = req,
		                           .tsx = st, .call = (struct tandem_call *)c };
		switch (loader_run_hooks(t, &ev)) {
		case TANDEM_REJECT:
			sip_tsx_respond(st, loader_reject_status(ev.reject_code), ev.reject_reason,
			                ev.reject_headers ? &(struct sip_resp_extra){ .headers = ev.reject_headers } : NULL);
			return true;
		case TANDEM_DONE:
		case TANDEM_SUSPEND:
			return true;
		case TANDEM_RETRY:     /* BLEG_RESPONSE only: the loader made it CONTINUE */
		case TANDEM_CONTINUE:
			break;
		}
	}
	struct leg *p = leg_partner(l);
	if (req->method == SIP_BYE) {
		/* §15.1.2: answer, then end the other leg with its own identifiers */
		sip_tsx_respond(st, 200, NULL, NULL);
		tlog_info("call %s: BYE from %s", call_cid(c), l->is_a ? "A" : "B");
		facts_hangup(c, l->is_a ? TANDEM_HANGUP_CALLER : TANDEM_HANGUP_CALLEE, "BYE");
		l->state = LEG_TERMINATED;
		if (l->is_a && !c->a_final) {
			/* BYE before the answer: end it like a CANCEL */
			a_reply(c, 487, NULL, NULL);
			c->a_final = true;
			dial_stop(&c->dial);
		} else if (p && !transfer_on_bye(l)) {
			leg_bye(p);
		} else if (!p && l->is_a) {
			/* nobody talked to A (a module answered it): a bridge still
			 * ringing or re-offering for it ends too */
			transfer_on_bye(l);
			dial_stop(&c->dial);
		}
		call_check(c);
		return true;
	}
	if (req->method == SIP_REFER) {
		transfer_refer(l, st, req);
		return true;
	}
	if (req->method == SIP_PRACK) {
		/* we never send reliable provisionals to A (RFC 3262 §3) */
		sip_tsx_respond(st, 481, NULL, NULL);
		return true;
	}
	/* A's requests on a call a module answered reach the module */
	if (l->is_a && owner_request(c, l, st, req))
		return true;
	if (!p || p->state == LEG_TERMINATED || !p->d.remote_tag) {
		sip_tsx_respond(st, req->method == SIP_INVITE ? 491 : 500, NULL, NULL);
		return true;
	}
	relay_request(l, p, st, req);
	return true;
}

void call_core_ack(struct tandem *t, struct sip_msg *ack)
{
	/* §13.3.1.4: the stack stopped retransmitting our 2xx; the B side was
	 * ACKed when its 2xx came. Late and repeated ACKs end here too. */
	struct leg *l = call_tab_find(call_core_of(t), ack->call_id, ack->to_tag);
	if (!l || !l->call)
		return;
	tlog_debug("call %s: ACK from %s", call_cid(l->call), l->is_a ? "A" : "B");
	struct leg *p = leg_partner(l);
	if (!p || !p->ack_wait)
		return;
	/* RFC 3264 §4: the ACK has the answer to the offer p's 2xx made */
	struct call_sdp sdp;
	call_media_hook(l->call, ack, l, p, TANDEM_SDP_ANSWER, &sdp);
	const struct sip_hdr *ct = sip_msg_hdr(ack, SIP_HDR_CONTENT_TYPE);
	leg_ack(p, p->ack_wait_cseq, ct ? ct->value : SIP_STR_LIT("application/sdp"), sdp.body);
	call_sdp_free(&sdp);
}

bool call_core_cancel(struct tandem *t, struct sip_tsx *invite_st)
{
	const struct sip_msg *req = sip_tsx_request(invite_st);
	if (!req)
		return false;
	struct leg *a = call_tab_find(call_core_of(t), req->call_id, sip_str_c(sip_tsx_to_tag(invite_st)));
	if (!a || !a->is_a || a->st != invite_st || !a->call)
		return false;
	struct call *c = a->call;
	tlog_info("call %s: CANCEL from A", call_cid(c));
	c->cancelled = true;
	facts_hangup(c, TANDEM_HANGUP_CALLER, "CANCEL");
	a_reply(c, 487, NULL, NULL);   /* §9.2 */
	dial_stop(&c->dial);
	call_check(c);
	return true;
}

void call_core_server_error(struct tandem *t, struct sip_tsx *st, int err)
{
	const struct sip_msg *req = sip_tsx_request(st);
	if (!req || req->method != SIP_INVITE || err != -ETIMEDOUT)
		return;
	struct leg *a = call_tab_find(call_core_of(t), req->call_id, sip_str_c(sip_tsx_to_tag(st)));
	if (!a || !a->is_a || a->st != st || !a->call)
		return;
	struct call *c = a->call;
	/* RFC 3261 §13.3.1.4: no ACK for our 2xx within 64*T1: end the session */
	tlog_warn("call %s: the 2xx to A was never ACKed: ending the call", call_cid(c));
	facts_hangup(c, TANDEM_HANGUP_TANDEM, "no ACK");
	struct leg *p = leg_partner(a);
	leg_bye(a);
	if (p)
		leg_bye(p);
	call_check(c);
}

void call_core_stray_response(struct tandem *t, struct sip_msg *resp)
{
	/* §13.2.2.4: a retransmitted 2xx gets the same ACK again */
	if (resp->status < 200 || resp->status >= 300 || resp->cseq_method != SIP_INVITE)
		return;
	struct leg *l = call_tab_find(call_core_of(t), resp->call_id, resp->from_tag);
	if (l && l->ack && resp->cseq == l->inv_cseq)
		sip_stack_send_stateless(t->stack, &l->ack_dst, l->ack, l->ack_len);
}
