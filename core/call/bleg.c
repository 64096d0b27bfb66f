/* tandem — the B side of a call: responses to a B-leg's INVITE (the
 * BLEG_RESPONSE hook, PRACK, then the dial engine that started the leg:
 * 18x, the winning 2xx, 3xx followed, failures; dial.c), CANCEL of the
 * losers, the ACK of a 2xx. */

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

int bleg_keep_invite(struct leg *b, const char *ruri, const struct dialog_req *r)
{
	bleg_sent_free(b);
	struct bleg_sent *s = &b->sent;
	s->ruri = strdup(ruri);
	s->headers = strdup(r->headers ? r->headers : "");
	s->max_forwards = r->max_forwards;
	if (r->body.len) {
		s->ctype = sip_str_dup(r->ctype);
		s->body = malloc(r->body.len);
		if (s->body)
			memcpy(s->body, r->body.p, r->body.len);
		s->body_len = r->body.len;
	}
	if (!s->ruri || !s->headers || (r->body.len && (!s->ctype || !s->body))) {
		bleg_sent_free(b);
		return -ENOMEM;
	}
	return 0;
}

void bleg_sent_free(struct leg *b)
{
	struct bleg_sent *s = &b->sent;
	free(s->ruri);
	free(s->headers);
	free(s->ctype);
	free(s->body);
	unsigned retries = s->retries;
	*s = (struct bleg_sent){ .retries = retries };
}

/* RETRY (a 401/407 answered by a module): RFC 3261 §8.1.3.5 and §22.2, the
 * request again in a new transaction, same Call-ID and From tag, CSeq one
 * more, To without a tag, with the module's lines (credentials) added. */
static int bleg_retry(struct leg *b, const char *extra)
{
	struct bleg_sent *s = &b->sent;
	if (!s->ruri || s->retries >= TANDEM_MAX_RETRIES)
		return -ELOOP;
	struct dialog *d = &b->d;
	char *target = strdup(s->ruri);
	if (!target)
		return -ENOMEM;
	free(d->remote_target);
	d->remote_target = target;
	free(d->remote_tag);
	d->remote_tag = NULL;
	for (unsigned i = 0; i < d->nroutes; i++)
		free(d->routes[i]);
	d->nroutes = 0;
	struct sip_wbuf h;
	sip_wbuf_init(&h, 256);
	sip_wbuf_puts(&h, s->headers);
	if (extra && *extra) {
		sip_wbuf_puts(&h, extra);
		size_t n = strlen(extra);
		if (n < 2 || strcmp(extra + n - 2, "\r\n") != 0)
			sip_wbuf_puts(&h, "\r\n");
	}
	sip_wbuf_put(&h, "", 1);
	struct dialog_req r = {
		.method = "INVITE",
		.max_forwards = s->max_forwards,
		.headers = h.p,
		.ctype = s->ctype ? sip_str_c(s->ctype) : SIP_STR_NULL,
		.body = { s->body, s->body_len },
		.contact = true,
	};
	char *buf;
	size_t len;
	int rc = h.err ? h.err : dialog_build_request(b->call->core->t->stack, d, &r, &b->dst, &buf, &len);
	sip_wbuf_free(&h);
	if (rc < 0)
		return rc;
	b->inv = leg_send(b, CR_INVITE, &b->dst, buf, len);
	if (!b->inv)
		return -ENOMEM;
	s->retries++;
	b->inv_cseq = d->local_cseq;
	b->state = LEG_EARLY;
	b->final = 0;
	b->rseq = 0;
	return 0;
}

/* Nothing more rings for this call: a module took it or rejected it. */
static void dial_halt(struct call *c)
{
	dial_stop(&c->dial);
}

static int reject_code(const struct tandem_event *ev)
{
	return loader_reject_status(ev->reject_code);
}

/* A 2xx nobody will talk to: ACK it, then BYE (§13.2.2.4, §15). */
static void bleg_refuse_2xx(struct leg *b, const struct sip_msg *resp, int status)
{
	dialog_update_uac(&b->d, resp, true);
	b->state = LEG_CONFIRMED;
	b->final = status;
	leg_ack(b, b->inv_cseq, SIP_STR_NULL, SIP_STR_NULL);
	leg_bye(b);
}

/* REJECT on a response of b: b ends, so does the dial, and the caller
 * gets the module's code (tandem.h, the verdict table). */
static void bleg_rejected(struct leg *b, const struct sip_msg *resp, int status,
                          const struct tandem_event *ev)
{
	struct call *c = b->call;
	int code = reject_code(ev);
	tlog_info("call %s: %d from B-leg %s: mod_%s rejects the call with %d", call_cid(c), status,
	          b->label, c->core->t->hook_decider ? c->core->t->hook_decider : "?", code);
	if (status < 200) {
		if (!sip_str_empty(resp->to_tag))
			dialog_update_uac(&b->d, resp, b->d.remote_tag == NULL);
	} else if (status < 300) {
		bleg_refuse_2xx(b, resp, status);
	} else {
		b->final = status;
		b->state = LEG_TERMINATED;
	}
	dial_halt(c);   /* CANCELs b too when it still rings */
	b->lost = true;
	c->dial.best.status = code;
	c->dial.best.reason[0] = '\0';
	char cause[64];
	snprintf(cause, sizeof cause, "%d rejected by a module", code);
	facts_hangup(c, TANDEM_HANGUP_TANDEM, cause);
	a_reply(c, code, ev->reject_reason, ev->reject_headers);
	if (c->bridging)
		bridge_dial_end(c, code, false);
}

/* RFC 3263 §4.3: no response at all from this server (Timer B, 408) or a
 * transport error (503): the next located server, a new transaction. */
static bool bleg_next_server(struct leg *b, int status)
{
	if (b->heard || (status != 408 && status != 503) || b->next_alt >= b->nalt ||
	    b->lost || !b->dial)
		return false;
	struct sip_dest next = b->alt[b->next_alt++];
	char a[64];
	tlog_info("call %s: B-leg %s: %s, the INVITE again to the next server %s", call_cid(b->call),
	          b->label, status == 408 ? "no response" : "transport error",
	          sip_addr_str((const struct sockaddr *)&next.addr, a, sizeof a));
	b->dst = next;
	dialog_set_first_hop(&b->d, &next, false);
	return bleg_retry(b, NULL) == 0;
}

void bleg_response(struct leg *b, const struct sip_msg *resp, int status)
{
	struct call *c = b->call;
	struct tandem_event ev;
	enum tandem_verdict v = TANDEM_CONTINUE;
	if (resp)
		b->heard = true;
	else if (bleg_next_server(b, status))
		return;
	/* what the callee sent (not 100, hop by hop; not tandem's own 408/503
	 * for a silent or unreachable callee); verdicts count while b is in
	 * the running dial */
	if (resp && status > 100) {
		v = call_run_hook(c, TANDEM_HOOK_BLEG_RESPONSE, resp, b, &ev);
		if (b->lost)
			v = TANDEM_CONTINUE;
	}
	if (v == TANDEM_RETRY && status >= 300) {
		int rc = bleg_retry(b, ev.retry_headers);
		if (rc == 0) {
			tlog_info("call %s: %d from B-leg %s: INVITE again for mod_%s (CSeq %u)", call_cid(c),
			          status, b->label, c->core->t->hook_decider ? c->core->t->hook_decider : "?",
			          (unsigned)b->inv_cseq);
			return;
		}
		tlog_warn("call %s: %d from B-leg %s: not sent again (%s)", call_cid(c), status, b->label,
		          rc == -ELOOP ? "retried too often" : strerror(-rc));
	}
	if (b->dial && b->dial != &c->dial) {
		/* a transfer owns its caller: DONE and a REJECT of a provisional
		 * read as CONTINUE; a REJECT of a final fails the target with
		 * the module's code */
		if (v == TANDEM_REJECT && status >= 200) {
			if (status < 300)
				bleg_refuse_2xx(b, resp, status);
			b->final = reject_code(&ev);
			b->state = LEG_TERMINATED;
			dial_bleg_failed(b, NULL, b->final);
			return;
		}
		v = TANDEM_CONTINUE;
	}
	if (v == TANDEM_REJECT && !c->answered) {
		bleg_rejected(b, resp, status, &ev);
		return;
	}
	if (v == TANDEM_DONE && status >= 300 && !c->answered) {
		/* the module takes the caller over (voicemail on a 486) */
		b->final = status;
		b->state = LEG_TERMINATED;
		b->lost = true;
		c->dial.best.status = status;
		sip_str_copy(c->dial.best.reason, sizeof c->dial.best.reason, resp->reason);
		dial_stop(&c->dial);
		owner_take(c, c->core->t->hook_decider);
		tlog_info("call %s: %d from B-leg %s: mod_%s takes the call", call_cid(c), status,
		          b->label, c->own.name);
		if (c->bridging)
			bridge_dial_end(c, status, false);
		return;
	}
	if (status < 200) {
		if (!resp || status == 100)
			return;   /* 100 is hop by hop: A had its own */
		if (!sip_str_empty(resp->to_tag)) {
			dialog_update_uac(&b->d, resp, b->d.remote_tag == NULL);
			bleg_prack(b, resp);
		}
		dial_bleg_progress(b, resp);
		return;
	}
	b->final = status;
	if (status < 300) {
		dialog_update_uac(&b->d, resp, true);
		b->state = LEG_CONFIRMED;
		dial_bleg_answered(b, resp);
		return;
	}
	b->state = LEG_TERMINATED;
	dial_bleg_failed(b, resp, status);
}
