/* mod_queue — one waiting caller.
 *
 * queue(name) takes the caller into the line and owns its call: a 182
 * "Queued N" with a Queue-Position header at once and each time its place
 * changes, music on hold and "you are caller number N" every
 * queue.announce seconds, either as early media (183 with our SDP, never
 * answered: the caller pays nothing) or answered (200), as the queue says.
 * The sweep offers the head of the line to free agents through the dial
 * engine (tandem_call_bridge): the agent who answers is bridged to the
 * caller (media moves from our endpoint to the agent), everyone behind
 * moves up. No agent answering: the caller stays first and the next
 * agents are tried. A caller that waits max_wait goes on to the dialplan's
 * on(timeout); a full line is on(full), a queue with no agent logged in
 * on(empty).
 *
 * Queue-Position: <position>;wait=<estimated seconds> (0: not known yet)
 * rides on every 182, so a phone can show it, not only say it. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"

struct qcaller {
	struct qmod *m;
	struct qqueue *q;
	struct tandem_call *call;
	unsigned long id;
	struct rtpr_player *player;     /* NULL without media (an offerless INVITE, early mode) */
	bool answered;                  /* answered here: no more 182s (RFC 3261 §13.2.2.4) */
	bool in_line, connected, leaving;
	size_t rang[64], nrang;         /* the agents of the running offer */
	double next_announce;
	char agent[QL_NAME_MAX];        /* connected to */
	struct qcaller *next;
	bool feature;                   /* an agent's feature code: a prompt, then BYE */
	ev_timer hangup;
	char sdp[1024];                 /* our last SDP to the caller (its re-INVITEs) */
	size_t sdp_len;
};

static const char *cid(const struct qcaller *c)
{
	return tandem_call_id(c->call);
}

static void unlink_caller(struct qcaller *c)
{
	for (struct qcaller **pp = &c->q->callers; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	c->next = NULL;
}

static void stop_media(struct qcaller *c)
{
	if (c->player) {
		c->m->rtp->player_free(c->player);
		c->player = NULL;
	}
}

/* "Queued N" with position and estimated wait, while not answered. */
static void tell_position(struct qcaller *c, unsigned pos)
{
	struct ql_caller *lc = ql_caller_find(&c->q->line, c->id);
	if (!lc || c->answered || lc->last_told == pos)
		return;
	char reason[32], hdr[96];
	snprintf(reason, sizeof reason, "Queued %u", pos);
	snprintf(hdr, sizeof hdr, "Queue-Position: %u;wait=%.0f\r\n", pos,
	         ql_estimate(&c->q->line, pos));
	if (tandem_call_progress(c->call, 182, reason, hdr, NULL) == 0) {
		lc->last_told = pos;
		tlog_info("mod_queue: call %s: queue %s position %u", cid(c), c->q->line.name, pos);
	}
}

/* Queue the prompts of "you are caller number N"; their length, s. */
static double announce(struct qcaller *c, unsigned pos)
{
	struct qmod *m = c->m;
	const struct rtpr_wav *w[8];
	size_t n = 0;
	w[n++] = &m->caller_number;
	/* 1..20 as one word, then tens and ones ("thirty four"); beyond
	 * 99 digit by digit */
	if (pos <= 20) {
		w[n++] = &m->digits[pos];
	} else if (pos < 100) {
		w[n++] = pos / 10 == 2 ? &m->digits[20] : &m->tens[pos / 10];
		if (pos % 10)
			w[n++] = &m->digits[pos % 10];
	} else {
		char s[16];
		snprintf(s, sizeof s, "%u", pos);
		for (const char *p = s; *p && n < 8; p++)
			w[n++] = &m->digits[*p - '0'];
	}
	size_t samples = 0;
	for (size_t i = 0; i < n; i++) {
		if (c->player)
			m->rtp->player_play(c->player, w[i]);
		samples += w[i]->nsamples;
	}
	return samples / 8000.;
}

/* The caller's re-INVITE (hold, resume, a new address) while it waits
 * with our media; an answered caller's is the agent's once bridged. */
static void on_request(struct tandem_call *call, struct sip_tsx *st, const struct sip_msg *req,
                       void *arg)
{
	struct qcaller *c = arg;
	struct qmod *m = c->m;
	m->rtp->far_end_request(m->t, call, st, req,
	                        c->player ? m->rtp->player_endpoint(c->player) : NULL, c->sdp,
	                        sizeof c->sdp, &c->sdp_len);
}

/* The line's answer to an offer, and what follows for the caller. */
static void on_bridge_done(struct tandem_call *call, enum tandem_dial_outcome o, int status,
                           void *arg)
{
	struct qcaller *c = arg;
	struct qqueue *q = c->q;
	double now = q_now(c->m);
	(void)status;
	if (c->leaving)
		return;   /* stopped because the caller leaves */
	q_sweep_soon(c->m);   /* the next offer, and the 182s of those who moved up */
	if (o != TANDEM_DIAL_ANSWERED) {
		ql_offer_done(&q->line, c->id, -1, c->rang, c->nrang, now);
		tlog_info("mod_queue: call %s: queue %s: no agent answered (%s), still first",
		          cid(c), q->line.name, tandem_dial_outcome_name(o));
		c->nrang = 0;
		return;
	}
	struct tandem_call_facts f;
	long who = -1;
	if (tandem_call_facts(call, &f) == 0 && f.callee) {
		struct ql_agent *a = ql_agent_find(&q->line, f.callee);
		if (a) {
			who = a - q->line.agents;
			snprintf(c->agent, sizeof c->agent, "%s", a->user);
		}
	}
	double waited = now - ql_caller_find(&q->line, c->id)->joined;
	q_metrics_waited(q, waited);
	ql_offer_done(&q->line, c->id, who, c->rang, c->nrang, now);
	c->nrang = 0;
	c->in_line = false;
	c->connected = true;
	stop_media(c);   /* the caller talks to the agent through the relay now */
	tlog_notice("mod_queue: call %s: queue %s: connected to agent %s after %.0f s", cid(c),
	            q->line.name, c->agent[0] ? c->agent : "?", waited);
	/* the plan is over: the caller is with its agent */
	tandem_call_resume(call, TANDEM_DONE, 0, NULL);
}

/* Leave the line for the dialplan's on(timeout). From the sweep. */
static void time_out(struct qcaller *c)
{
	struct qqueue *q = c->q;
	tlog_notice("mod_queue: call %s: queue %s: waited %u s, the maximum", cid(c), q->line.name,
	            q->max_wait);
	c->leaving = true;
	ql_leave(&q->line, c->id, QL_TIMED_OUT);
	c->in_line = false;
	if (c->nrang)
		tandem_call_bridge_stop(c->call);
	stop_media(c);
	unlink_caller(c);
	/* the call goes on without us: no callback may reach c again */
	struct tandem_call_owner none = { 0 };
	tandem_call_own(c->call, QMOD, &none);
	tandem_call_set_data(c->call, QMOD, NULL);
	struct tandem_call *call = c->call;
	free(c);
	tandem_call_resume_outcome(call, "timeout", 480, "Queue Timeout", NULL);
}

static struct qcaller *caller_by_id(struct qqueue *q, unsigned long id)
{
	for (struct qcaller *c = q->callers; c; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

/* Offer the callers in line to the free agents: the head of the line;
 * with autofill, while its offer rings, the next ones too (app_queue's
 * autofill: more callers served at once, but a caller behind may be
 * connected before a head whose agent does not answer). */
static void offer(struct qmod *m, struct qqueue *q, double now)
{
	if (!q->line.ncallers)
		return;
	q_agents_refresh(m, q);
	size_t idx[64];
	unsigned long id = q->line.callers[0].id;
	size_t n;
	while ((n = q->autofill ? ql_pick_next(&q->line, now, idx, 64, &id)
	                        : ql_pick(&q->line, now, idx, 64)) > 0) {
		struct qcaller *c = caller_by_id(q, id);
		if (!c) {   /* cannot be: every caller in line is ours */
			ql_offer_done(&q->line, id, -1, idx, n, now);
			break;
		}
		const char *targets[64];
		for (size_t i = 0; i < n; i++) {
			targets[i] = q->line.agents[idx[i]].user;
			c->rang[i] = idx[i];
		}
		c->nrang = n;
		struct tandem_dial d = { .targets = targets, .ntargets = n,
		                         .mode = TANDEM_DIAL_PARALLEL, .timeout = q->ring_timeout };
		tlog_info("mod_queue: call %s: queue %s: offered to %s%s", cid(c), q->line.name,
		          targets[0], n > 1 ? " and others" : "");
		int rc = tandem_call_bridge(c->call, &d);
		if (rc < 0) {
			tlog_warn("mod_queue: call %s: the offer did not start: %s", cid(c), strerror(-rc));
			ql_offer_done(&q->line, c->id, -1, c->rang, n, now);
			c->nrang = 0;
			break;   /* the next sweep tries again */
		}
		if (!q->autofill)
			break;
	}
}

void q_caller_tick(struct qmod *m, struct qqueue *q)
{
	double now = q_now(m);
	offer(m, q, now);
	for (struct qcaller *c = q->callers, *next; c; c = next) {
		next = c->next;
		if (!c->in_line)
			continue;
		unsigned pos = ql_position(&q->line, c->id);
		struct ql_caller *lc = ql_caller_find(&q->line, c->id);
		if (q->max_wait && lc && now - lc->joined >= q->max_wait) {
			time_out(c);
			continue;
		}
		tell_position(c, pos);
		if (q->announce && c->player && now >= c->next_announce)   /* the gap counts from its end */
			c->next_announce = now + announce(c, pos) + q->announce;
	}
}

static const struct rtpr_player_ops player_ops = { 0 };

static void on_feature_hangup(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct qcaller *c = w->data;
	(void)loop; (void)revents;
	tandem_call_hangup(c->m->t, c->call, "queue: feature code done");   /* frees c */
}

static void on_feature_played(void *arg)
{
	struct qcaller *c = arg;
	/* out of the player's callback: the hangup frees the player */
	ev_timer_start(tandem_loop(c->m->t), &c->hangup);
}

static const struct rtpr_player_ops feature_ops = { .play_done = on_feature_played };

/* Media for the wait: our endpoint answers the caller's offer, in a 183
 * (early) or the 200 (answered). */
static int start_media(struct qcaller *c, const struct sip_msg *invite)
{
	struct qmod *m = c->m;
	struct rtpr_media_ep *ep = NULL;
	char *sdp = c->sdp;
	int n;
	if (invite->body.len)
		n = m->rtp->media_answer(m->t, invite->body.p, invite->body.len, &ep, sdp, sizeof c->sdp);
	else if (c->q->mode == Q_WAIT_ANSWERED)
		n = m->rtp->media_offer(m->t, &ep, sdp, sizeof c->sdp);
	else
		return 0;   /* early media needs the caller's offer: 182s only */
	if (n < 0)
		return n;
	c->sdp_len = (size_t)n;
	struct tandem_body body = { .p = sdp, .len = (size_t)n };
	int rc = c->q->mode == Q_WAIT_EARLY ? tandem_call_progress(c->call, 183, NULL, NULL, &body)
	                                    : tandem_call_answer(c->call, NULL, &body);
	if (rc < 0) {
		m->rtp->media_close(ep);
		return rc;
	}
	if ((rc = m->rtp->player_new(m->t, ep, &player_ops, c, &c->player)) < 0)
		return rc;   /* it closed ep */
	c->answered = c->q->mode == Q_WAIT_ANSWERED;
	if (c->q->have_music)
		m->rtp->player_loop(c->player, &c->q->music);
	return 0;
}

enum tandem_verdict q_feature_confirm(struct qmod *m, struct tandem_event *ev,
                                      const struct rtpr_wav *prompt)
{
	struct qcaller *c = calloc(1, sizeof *c);
	struct rtpr_media_ep *ep = NULL;
	char sdp[1024];
	const struct sip_str *offer = &ev->msg->body;
	int n = !c ? -ENOMEM : offer->len ? m->rtp->media_answer(m->t, offer->p, offer->len, &ep, sdp,
	                                                         sizeof sdp)
	                                  : m->rtp->media_offer(m->t, &ep, sdp, sizeof sdp);
	struct tandem_call_owner owner = { .arg = c };
	struct tandem_body body = { .p = sdp, .len = n > 0 ? (size_t)n : 0 };
	if (n < 0 || tandem_call_own(ev->call, QMOD, &owner) < 0 ||
	    tandem_call_set_data(ev->call, QMOD, c) < 0 ||
	    tandem_call_answer(ev->call, NULL, &body) < 0) {
		if (ep)
			m->rtp->media_close(ep);
		if (c)
			tandem_call_set_data(ev->call, QMOD, NULL);
		free(c);
		ev->reject_code = n == -EPROTONOSUPPORT ? 488 : 500;
		return TANDEM_REJECT;
	}
	c->m = m;
	c->call = ev->call;
	c->feature = true;
	ev_timer_init(&c->hangup, on_feature_hangup, 0., 0.);
	c->hangup.data = c;
	if (m->rtp->player_new(m->t, ep, &feature_ops, c, &c->player) < 0) {
		ev_timer_start(tandem_loop(m->t), &c->hangup);   /* answered, nothing to say: BYE */
		return TANDEM_DONE;
	}
	m->rtp->player_play(c->player, prompt);
	return TANDEM_DONE;
}

enum tandem_verdict q_caller_join(struct qmod *m, struct qqueue *q, struct tandem_event *ev)
{
	double now = q_now(m);
	bool anyone = false;
	for (size_t i = 0; i < q->line.nagents; i++)
		anyone |= q->line.agents[i].logged_in;
	if (!anyone) {
		tlog_notice("mod_queue: call %s: queue %s has no agent logged in",
		            tandem_call_id(ev->call), q->line.name);
		if (tandem_route_set_outcome(ev, "empty", 480, "No Agents", NULL) < 0) {
			ev->reject_code = 480;
			return TANDEM_REJECT;
		}
		return TANDEM_CONTINUE;
	}
	struct qcaller *c = calloc(1, sizeof *c);
	if (!c) {
		ev->reject_code = 500;
		return TANDEM_REJECT;
	}
	c->m = m;
	c->q = q;
	c->call = ev->call;
	c->id = ++m->next_id;
	int pos = ql_join(&q->line, c->id, now);
	if (pos == -ENOSPC) {
		free(c);
		tlog_notice("mod_queue: call %s: queue %s is full (%zu callers)", tandem_call_id(ev->call),
		            q->line.name, q->line.ncallers);
		if (tandem_route_set_outcome(ev, "full", q->full_code, NULL, "Retry-After: 30\r\n") < 0) {
			ev->reject_code = q->full_code;
			return TANDEM_REJECT;
		}
		return TANDEM_CONTINUE;
	}
	struct tandem_call_owner owner = { .request = on_request, .bridge_done = on_bridge_done,
	                                   .arg = c };
	if (pos < 0 || tandem_call_own(ev->call, QMOD, &owner) < 0 ||
	    tandem_call_set_data(ev->call, QMOD, c) < 0) {
		if (pos > 0)
			ql_leave(&q->line, c->id, QL_MOVED);
		free(c);
		ev->reject_code = 500;
		return TANDEM_REJECT;
	}
	c->in_line = true;
	c->next = q->callers;
	q->callers = c;
	tlog_notice("mod_queue: call %s: joins queue %s at position %d", cid(c), q->line.name, pos);
	tell_position(c, (unsigned)pos);
	int rc = start_media(c, ev->msg);
	if (rc < 0)
		tlog_warn("mod_queue: call %s: waits without music: %s", cid(c), strerror(-rc));
	c->next_announce = now + q->announce;
	q_sweep_soon(m);   /* an agent may be free now */
	return TANDEM_SUSPEND;
}

void q_caller_end(struct qmod *m, struct tandem_call *call)
{
	struct qcaller *c = tandem_call_data(call, QMOD);
	(void)m;
	if (!c)
		return;
	tandem_call_set_data(call, QMOD, NULL);
	if (c->feature)
		ev_timer_stop(tandem_loop(c->m->t), &c->hangup);
	if (!c->q) {   /* a feature code, or its queue went away in a reload */
		stop_media(c);
		free(c);
		return;
	}
	if (c->in_line) {
		ql_leave(&c->q->line, c->id, QL_ABANDONED);
		tlog_notice("mod_queue: call %s: left queue %s (hung up)", cid(c), c->q->line.name);
	}
	if (c->nrang && !c->connected)
		ql_offer_done(&c->q->line, c->id, -1, c->rang, c->nrang, q_now(c->m));
	if (c->connected && c->agent[0])
		ql_call_ended(&c->q->line, c->agent, q_now(c->m));
	stop_media(c);
	unlink_caller(c);
	free(c);
}

void q_callers_drop(struct qmod *m, struct qqueue *q)
{
	(void)m;
	while (q->callers) {
		struct qcaller *c = q->callers;
		if (c->in_line)
			time_out(c);
		else {
			unlink_caller(c);
			c->q = NULL;
		}
	}
}

void q_callers_music(struct qmod *m, struct qqueue *q)
{
	for (struct qcaller *c = q->callers; c; c = c->next)
		if (c->player && c->in_line)
			m->rtp->player_loop(c->player, q->have_music ? &q->music : NULL);
}

const char *q_caller_call_id(struct qqueue *q, unsigned long id)
{
	struct qcaller *c = caller_by_id(q, id);
	return c ? cid(c) : "?";
}

struct tandem_call *q_caller_call(struct qqueue *q, unsigned long id)
{
	struct qcaller *c = caller_by_id(q, id);
	return c ? c->call : NULL;
}
