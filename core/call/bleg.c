/* tandem — the B side of a call: responses to a B-leg's INVITE (18x
 * relayed, PRACK, the 2xx ACKed and bridged, 3xx followed, failures handed to
 * the dial engine), CANCEL of the losers. */

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

void bleg_abandon(struct leg *b)
{
	b->lost = true;
	if (b->inv)
		sip_tsx_cancel(b->inv->ct);   /* §9.1; deferred until a provisional */
	else if (b->state == LEG_CONFIRMED)
		leg_bye(b);
}

/* §13.2.2.4: the UAC core ACKs a 2xx itself, end to end, no transaction.
 * body: the answer when the 2xx had the offer (RFC 3264 §4). */
void leg_ack(struct leg *b, uint32_t cseq, struct sip_str ctype, struct sip_str body)
{
	struct sip_dest dst;
	char *buf;
	size_t len;
	b->ack_wait = false;
	struct dialog_req r = { .method = "ACK", .cseq = cseq, .ctype = ctype, .body = body };
	if (dialog_dest(&b->d, &dst) < 0 ||
	    dialog_build_request(b->call->core->t->stack, &b->d, &r, &dst, &buf, &len) < 0) {
		tlog_warn("call %s: cannot ACK the 2xx of B-leg %s", call_cid(b->call), b->label);
		return;
	}
	int rc = sip_stack_send_stateless(b->call->core->t->stack, &dst, buf, len);
	if (rc < 0)   /* no transaction to fail: say so (a BYE may follow) */
		tlog_warn("call %s: ACK to B-leg %s not sent: %s", call_cid(b->call), b->label,
		          strerror(-rc));
	if (cseq == b->inv_cseq) {
		free(b->ack);
		b->ack = buf;
		b->ack_len = len;
		b->ack_dst = dst;
	} else {
		free(buf);
	}
}

/* RFC 3262 §4: PRACK a reliable provisional on the B side ourselves; A
 * gets it unreliably (Require/RSeq are not relayed). */
void bleg_prack(struct leg *b, const struct sip_msg *resp)
{
	const struct sip_hdr *rs = sip_msg_hdr(resp, SIP_HDR_RSEQ);
	bool reliable = false;
	for (const struct sip_hdr *h = sip_msg_hdr(resp, SIP_HDR_REQUIRE); h; h = sip_msg_hdr_next(resp, h))
		reliable = reliable || sip_list_has_token(h->value, "100rel");
	unsigned long rseq;
	if (!reliable || !rs || sip_str_to_uint(sip_str_trim(rs->value), 4294967295ul, &rseq) < 0)
		return;
	if (b->rseq && rseq <= b->rseq)
		return;   /* a retransmission: its PRACK is on its way */
	b->rseq = (uint32_t)rseq;
	char hdr[80];
	snprintf(hdr, sizeof hdr, "RAck: %lu %u INVITE\r\n", rseq, (unsigned)b->inv_cseq);
	struct sip_dest dst;
	char *buf;
	size_t len;
	struct dialog_req r = { .method = "PRACK", .headers = hdr };
	if (dialog_dest(&b->d, &dst) < 0 ||
	    dialog_build_request(b->call->core->t->stack, &b->d, &r, &dst, &buf, &len) < 0)
		return;
	leg_send(b, CR_PRACK, &dst, buf, len);
}

void bleg_response(struct leg *b, const struct sip_msg *resp, int status)
{
	struct call *c = b->call;
	if (b->xfer) {
		transfer_bleg_response(b, resp, status);
		return;
	}
	if (resp && status > 100)
		call_run_hook(c, TANDEM_HOOK_BLEG_RESPONSE, resp);
	if (status < 200) {
		if (!resp || status == 100)
			return;   /* 100 is hop by hop: A had its own */
		if (!sip_str_empty(resp->to_tag)) {
			dialog_update_uac(&b->d, resp, b->d.remote_tag == NULL);
			bleg_prack(b, resp);
		}
		if (b->lost || c->answered || c->a_final)
			return;
		if (a_relay(c, b, resp) < 0)
			tlog_debug("call %s: could not relay %d", call_cid(c), status);
		return;
	}
	if (status < 300) {
		dialog_update_uac(&b->d, resp, true);
		b->state = LEG_CONFIRMED;
		b->final = status;
		bool won = !(b->lost || c->answered || c->a_final);
		if (won && call_resp_role(sip_tsx_request(c->a->st)) == TANDEM_SDP_OFFER &&
		    call_media_is_sdp(resp)) {
			/* late offer: A's ACK brings the answer (call_core_ack) */
			b->ack_wait = true;
			b->ack_wait_cseq = b->inv_cseq;
		} else {
			leg_ack(b, b->inv_cseq, (struct sip_str){ 0 }, (struct sip_str){ 0 });
		}
		if (!won) {
			/* a late 2xx after CANCEL or after another leg won */
			tlog_info("call %s: late %d from %s: ACK and BYE", call_cid(c), status, b->label);
			leg_bye(b);
			return;
		}
		c->answered = true;
		c->winner = b;
		c->dialing = false;
		dial_timer_stop(c);
		dial_abandon_all(c, b);
		if (a_relay(c, b, resp) < 0) {
			tlog_warn("call %s: could not relay the answer to A", call_cid(c));
			c->a->state = LEG_TERMINATED;
			leg_bye(b);
			return;
		}
		c->a->state = LEG_CONFIRMED;
		if (c->cur)
			dialplan_set_outcome(c->cur, DIALPLAN_OUTCOME_ANSWERED);
		call_run_hook(c, TANDEM_HOOK_ANSWER, resp);
		tlog_info("call %s: A -> B:%s answered (B Call-ID %s)", call_cid(c), b->label, b->d.call_id);
		return;
	}
	b->final = status;
	b->state = LEG_TERMINATED;
	if (b->lost)
		return;
	if (status < 400 && resp && bleg_redirect(c, b, resp) == 0)
		return;
	/* keep the most telling failure: a 6xx ends the search (§16.7 step 6) */
	if (c->last_status < 600 && (status >= 600 || c->last_status == 0 ||
	                             c->last_status == 408 || c->last_status >= 500)) {
		c->last_status = status;
		if (resp)
			sip_str_copy(c->last_reason, sizeof c->last_reason, resp->reason);
		else
			c->last_reason[0] = '\0';
	}
	tlog_info("call %s: B-leg %s failed: %d", call_cid(c), b->label, status);
	if (status >= 600)
		dial_abandon_all(c, NULL);
	dial_settle(c);
}
