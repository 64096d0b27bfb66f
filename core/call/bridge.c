/* tandem — a module bridges the caller of a call it owns to someone
 * (include/tandem/call.h tandem_call_bridge): the call's dial engine rings
 * the targets; the callee that answers is bridged to A.
 *
 * A not answered yet (a queue's 182s): the callee's 2xx goes to A as any
 * dial's does. A answered by the module (an IVR, voicemail): the callee is
 * INVITEd without an offer (RFC 3264 §5), its offer goes to A in a
 * re-INVITE, and A's answer back to the callee in its ACK (RFC 3725 §4.1),
 * the flow transfer.c runs for transfers, reused through transfer_reoffer. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call_internal.h"

bool call_a_waits(const struct call *c)
{
	if (!c->a_final)
		return true;
	return c->own.local && c->a->state == LEG_CONFIRMED && !c->a->bye_sent;
}

static void bridge_tell(struct call *c, enum tandem_dial_outcome o, int status)
{
	c->bridging = false;
	tlog_info("call %s: bridge %s (%d)", call_cid(c), tandem_dial_outcome_name(o), status);
	if (o == TANDEM_DIAL_ANSWERED)
		c->own.on = false;   /* the caller talks to the callee: the core's call now */
	if (c->own.cb.bridge_done)
		c->own.cb.bridge_done((struct tandem_call *)c, o, status, c->own.cb.arg);
}

void bridge_dial_end(struct call *c, int status, bool timed_out)
{
	if (!c->bridging)
		return;
	bridge_tell(c, timed_out ? TANDEM_DIAL_NOANSWER :
	            !call_a_waits(c) ? TANDEM_DIAL_CANCELLED : tandem_dial_outcome_of(status), status);
}

void bridge_relayed(struct call *c)
{
	bridge_tell(c, TANDEM_DIAL_ANSWERED, 200);
}

static void reoffer_done(struct call *c, int status)
{
	if (status >= 200 && status < 300) {
		bridge_tell(c, TANDEM_DIAL_ANSWERED, status);
		return;
	}
	c->answered = false;   /* the module still has its caller: it may bridge again */
	bridge_tell(c, call_a_waits(c) ? TANDEM_DIAL_FAILED : TANDEM_DIAL_CANCELLED, status);
}

bool bridge_callee_answered(struct call *c, struct leg *b, const struct sip_msg *resp)
{
	if (!c->bridging || !c->own.local || b->lost || c->answered)
		return false;
	/* the first callee wins; the others are CANCELed */
	c->answered = true;   /* the engine gave up the others already */
	tlog_info("call %s: bridge: %s answered, its offer goes to A", call_cid(c), b->label);
	int rc = transfer_reoffer(c, b, resp, reoffer_done);
	if (rc < 0) {
		leg_ack(b, b->inv_cseq, SIP_STR_NULL, SIP_STR_NULL);
		leg_bye(b);
		b->lost = true;
		reoffer_done(c, rc == -EBUSY ? 491 : 500);
	}
	return true;
}

/* The INVITE callees of a bridge get: A's identity and headers, no offer
 * when A was answered here (its offer goes to A, RFC 3725 §4.1). */
static void bridge_invite(struct call *c, struct bleg_invite *inv, char *from, size_t n)
{
	call_a_invite(c, inv, from, n);
	if (c->own.local) {
		inv->req = NULL;
		inv->body = SIP_STR_NULL;
	}
}

int tandem_call_bridge(struct tandem_call *call, const struct tandem_dial *d)
{
	struct call *c = (struct call *)call;
	if (!c || !d || !d->ntargets || !d->targets || c->ended)
		return -EINVAL;
	if (c->dial.running || c->bridging || c->answered || c->xfer)
		return -EBUSY;
	if (!call_a_waits(c))
		return -EALREADY;
	struct bleg_invite inv;
	char from[600];
	bridge_invite(c, &inv, from, sizeof from);
	c->bridging = true;
	tlog_info("call %s: %s bridges A (%s) to %s%s", call_cid(c),
	          c->own.name[0] ? c->own.name : "a module",
	          c->own.local ? "answered here" : "unanswered", d->targets[0], d->ntargets > 1 ? ", ..." : "");
	int rc = dial_start(&c->dial, d, &inv);
	if (rc != 0)
		c->bridging = false;
	return rc;
}

int tandem_call_bridge_stop(struct tandem_call *call)
{
	struct call *c = (struct call *)call;
	if (!c || !c->bridging)
		return -EINVAL;
	if (!c->dial.running)
		return -EALREADY;   /* answered: the re-offer to A is under way */
	dial_stop(&c->dial);
	bridge_tell(c, TANDEM_DIAL_CANCELLED, 487);
	return 0;
}
