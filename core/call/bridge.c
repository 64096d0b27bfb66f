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

const char *tandem_dial_outcome_name(enum tandem_dial_outcome o)
{
	switch (o) {
	case TANDEM_DIAL_ANSWERED: return "answered";
	case TANDEM_DIAL_BUSY: return "busy";
	case TANDEM_DIAL_NOANSWER: return "noanswer";
	case TANDEM_DIAL_UNAVAILABLE: return "unavailable";
	case TANDEM_DIAL_FAILED: return "failed";
	case TANDEM_DIAL_CANCELLED: return "cancelled";
	}
	return "?";
}

enum tandem_dial_outcome tandem_dial_outcome_of(int status)
{
	if (status >= 200 && status < 300)
		return TANDEM_DIAL_ANSWERED;
	switch (dialplan_outcome_from_status(status)) {
	case DIALPLAN_OUTCOME_BUSY: return TANDEM_DIAL_BUSY;
	case DIALPLAN_OUTCOME_NOANSWER: return TANDEM_DIAL_NOANSWER;
	case DIALPLAN_OUTCOME_UNAVAILABLE: return TANDEM_DIAL_UNAVAILABLE;
	default: break;
	}
	if (status == 487)
		return TANDEM_DIAL_CANCELLED;
	if (status == 408)
		return TANDEM_DIAL_NOANSWER;
	return status >= 500 && status < 600 ? TANDEM_DIAL_UNAVAILABLE : TANDEM_DIAL_FAILED;
}

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
	c->answered = true;
	c->dialing = false;
	dial_timer_stop(c);
	dial_abandon_all(c, b);
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

/* "sip:...", "sips:...", "trunk:NAME/NUMBER" or a user, as dial() reads them. */
static int parse_target(const char *s, struct dialplan_target *t, char **trunk)
{
	*trunk = NULL;
	if (!s || !*s)
		return -EINVAL;
	if (!strncmp(s, "sip:", 4) || !strncmp(s, "sips:", 5)) {
		*t = (struct dialplan_target){ .kind = DIALPLAN_TARGET_URI, .value = s };
		return 0;
	}
	if (!strncmp(s, "trunk:", 6)) {
		const char *slash = strchr(s + 6, '/');
		if (!slash || slash == s + 6 || !slash[1])
			return -EINVAL;
		*trunk = strndup(s + 6, (size_t)(slash - s - 6));
		if (!*trunk)
			return -ENOMEM;
		*t = (struct dialplan_target){ .kind = DIALPLAN_TARGET_TRUNK, .value = slash + 1,
		                               .trunk = *trunk };
		return 0;
	}
	*t = (struct dialplan_target){ .kind = DIALPLAN_TARGET_USER, .value = s };
	return 0;
}

/* The module's extra lines join the call's set_header() lines. */
static int add_lines(struct call *c, const char *lines)
{
	if (!lines || !*lines)
		return 0;
	size_t old = c->hdrs ? strlen(c->hdrs) : 0, n = strlen(lines);
	bool crlf = n >= 2 && !strcmp(lines + n - 2, "\r\n");
	char *p = realloc(c->hdrs, old + n + 3);
	if (!p)
		return -ENOMEM;
	memcpy(p + old, lines, n);
	strcpy(p + old + n, crlf ? "" : "\r\n");
	c->hdrs = p;
	return 0;
}

int tandem_call_bridge(struct tandem_call *call, const struct tandem_dial *d)
{
	struct call *c = (struct call *)call;
	if (!c || !d || !d->ntargets || !d->targets || c->ended)
		return -EINVAL;
	if (c->dialing || c->bridging || c->answered || c->xfer)
		return -EBUSY;
	if (!call_a_waits(c))
		return -EALREADY;
	size_t n = d->ntargets < CALL_MAX_TARGETS ? d->ntargets : CALL_MAX_TARGETS;
	struct dialplan_target tg[CALL_MAX_TARGETS];
	char *trunks[CALL_MAX_TARGETS] = { 0 };
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = parse_target(d->targets[i], &tg[i], &trunks[i]);
	if (rc == 0)
		rc = add_lines(c, d->headers);
	if (rc == 0) {
		/* the one call into the dial engine: a dial() step of our own */
		struct dialplan_step s = { .kind = DIALPLAN_DIAL, .name = "bridge" };
		s.u.dial.mode = n == 1 ? DIALPLAN_DIAL_SINGLE : d->mode == TANDEM_DIAL_HUNT ?
		                DIALPLAN_DIAL_HUNT : DIALPLAN_DIAL_PARALLEL;
		s.u.dial.timeout = d->timeout;
		s.u.dial.ntargets = n;
		s.u.dial.targets = tg;
		c->bridging = true;
		tlog_info("call %s: %s bridges A (%s) to %s%s", call_cid(c),
		          c->own.name[0] ? c->own.name : "a module",
		          c->own.local ? "answered here" : "unanswered", d->targets[0], n > 1 ? ", ..." : "");
		rc = dial_begin(c, &s);
		if (rc < 0)
			c->bridging = false;
	}
	for (size_t i = 0; i < n; i++)
		free(trunks[i]);
	return rc;
}

int tandem_call_bridge_stop(struct tandem_call *call)
{
	struct call *c = (struct call *)call;
	if (!c || !c->bridging)
		return -EINVAL;
	if (!c->dialing)
		return -EALREADY;   /* answered: the re-offer to A is under way */
	dial_timer_stop(c);
	c->dialing = false;
	c->next_target = c->ntargets;
	dial_abandon_all(c, NULL);
	bridge_tell(c, TANDEM_DIAL_CANCELLED, 487);
	return 0;
}
