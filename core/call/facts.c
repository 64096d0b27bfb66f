/* tandem — call facts (include/tandem/call.h): what a call record (CDR) or
 * the control socket says about a call, recorded in struct call as it
 * happens (invite.c, bleg.c, indialog.c, owner.c) and read here. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call_internal.h"
#include "metrics_internal.h"

double call_now(const struct call *c)
{
	return ev_now(c->core->t->loop);
}

/* Post-dial delay (RFC 6076 §4.2, Session Request Delay): from the
 * caller's INVITE to the first response that tells it something, an 18x
 * or a final; counted once per call. A caller that gave up before
 * either measured its own patience, not the set-up: left out. */
static void setup_done(struct call *c)
{
	if (c->rec.ringing || c->rec.status >= 200 || c->cancelled)
		return;
	metrics_call_setup(c->core->t, call_now(c) - c->rec.start);
}

void facts_ringing(struct call *c)
{
	setup_done(c);
	if (!c->rec.ringing)
		c->rec.ringing = call_now(c);
}

void facts_hangup(struct call *c, enum tandem_hangup_side side, const char *cause)
{
	if (c->rec.side)
		return;   /* the first to end the call is the one recorded */
	c->rec.side = side;
	snprintf(c->rec.cause, sizeof c->rec.cause, "%s", cause ? cause : "");
}

void facts_final(struct call *c, int status, const char *reason)
{
	if (c->rec.status >= 200)
		return;
	setup_done(c);
	c->rec.status = status;
	if (status < 300) {
		c->rec.answer = call_now(c);
		return;
	}
	/* a callee's failure passed on (the dial's most telling one), or
	 * tandem's own answer (dialplan reject, a module, no route) */
	char cause[64];
	snprintf(cause, sizeof cause, "%d %s", status, reason && *reason ? reason : sip_reason_phrase(status));
	facts_hangup(c, dial_status(&c->dial) == status && !c->dial.timed_out ? TANDEM_HANGUP_CALLEE :
	                c->cancelled ? TANDEM_HANGUP_CALLER : TANDEM_HANGUP_TANDEM, cause);
}

void facts_free(struct call *c)
{
	free(c->rec.callee);
	free(c->rec.b_call_id);
	free(c->rec.caller);
}

const char *tandem_disposition_name(enum tandem_call_disposition d)
{
	switch (d) {
	case TANDEM_DISP_ANSWERED: return "ANSWERED";
	case TANDEM_DISP_BUSY: return "BUSY";
	case TANDEM_DISP_NOANSWER: return "NO ANSWER";
	case TANDEM_DISP_FAILED: return "FAILED";
	case TANDEM_DISP_CANCELLED: return "CANCELLED";
	case TANDEM_DISP_NONE: break;
	}
	return "NONE";
}

static enum tandem_call_disposition disposition(const struct call *c)
{
	if (c->rec.answer)
		return TANDEM_DISP_ANSWERED;
	if (c->cancelled || c->rec.status == 487)
		return TANDEM_DISP_CANCELLED;
	if (c->rec.status < 300)
		return TANDEM_DISP_NONE;
	switch (c->rec.status) {
	case 486: case 600:
		return TANDEM_DISP_BUSY;
	case 408: case 480:
		return TANDEM_DISP_NOANSWER;
	default:
		return TANDEM_DISP_FAILED;
	}
}

void facts_ended(struct call *c)
{
	metrics_call_ended(c->core->t, disposition(c));
}

int tandem_call_facts(const struct tandem_call *call, struct tandem_call_facts *out)
{
	struct call *c = (struct call *)call;
	if (!c || !out)
		return -EINVAL;
	/* the B party: the winner of the dial, or whoever A talks to now (a
	 * bridge or a transfer), last seen if it is gone */
	struct leg *b = c->a ? leg_partner(c->a) : NULL;
	if (b && !b->is_a) {
		if (b->label && (!c->rec.callee || strcmp(c->rec.callee, b->label))) {
			free(c->rec.callee);
			c->rec.callee = strdup(b->label);
		}
		if (b->d.call_id && (!c->rec.b_call_id || strcmp(c->rec.b_call_id, b->d.call_id))) {
			free(c->rec.b_call_id);
			c->rec.b_call_id = strdup(b->d.call_id);
		}
	}
	if (!c->rec.caller && c->a && c->a->d.remote_party)
		c->rec.caller = strdup(c->a->d.remote_party);
	*out = (struct tandem_call_facts){
		.id = c->id,
		.a_call_id = call_cid(c),
		.b_call_id = c->rec.b_call_id,
		.caller = c->rec.caller ? c->rec.caller : "",
		.called = c->rec.called,
		.callee = c->rec.callee,
		.context = c->cur ? dialplan_cursor_context(c->cur) : c->context,
		.rule = c->cur ? dialplan_cursor_rule(c->cur) : NULL,
		.start = c->rec.start,
		.ringing = c->rec.ringing,
		.answer = c->rec.answer,
		.end = c->rec.end,
		.disposition = disposition(c),
		.status = c->rec.status,
		.hangup_side = c->rec.side,
		.hangup_cause = c->rec.cause[0] ? c->rec.cause : NULL,
		.owner = c->own.on || c->own.name[0] ? c->own.name : NULL,
	};
	return 0;
}

int tandem_call_foreach(struct tandem *t, int (*fn)(struct tandem_call *call, void *arg), void *arg)
{
	struct call_core *core = call_core_of(t);
	if (!core || !fn)
		return -EINVAL;
	for (struct call *c = core->calls, *next; c; c = next) {
		next = c->next;
		int rc = fn((struct tandem_call *)c, arg);
		if (rc)
			return rc;
	}
	return 0;
}
