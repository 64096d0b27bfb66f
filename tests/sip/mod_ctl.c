/* mod_ctl — a module for the tests only: it owns calls through the A-leg
 * API of include/tandem/call.h and uses a verdict at every hook point.
 *
 * Dialplan actions:
 *   ctl_ivr(WAV, N, TARGET)  answer the caller here with the SDP of a
 *       mod_rtprelay media endpoint, stream WAV to it (in a loop), collect
 *       N digits (RFC 4733 on the endpoint, SIP INFO), log them, then
 *       bridge the caller to TARGET (the re-INVITE flow of RFC 3725 §4.1).
 *   ctl_queue(TARGET)        182 "Queued 3", "Queued 2", "Queued 1" 300 ms
 *       apart, then bridge the unanswered caller to TARGET.
 *   ctl_outcome(WORD, MS, CODE) the action's own outcome WORD (timeout,
 *       full, empty) for the on(...) after it, CODE when none takes it:
 *       at once (MS 0: tandem_route_set_outcome) or MS later after a
 *       SUSPEND (tandem_call_resume_outcome); with Retry-After: 30.
 * Hooks, chosen by the B-leg's target (ev->leg_target):
 *   BLEG_CREATE   "rejcreate": REJECT 404 (the target is skipped)
 *   BLEG_RESPONSE "tolocal" + 486: DONE, then the caller is answered here
 *                 ("tolocalbye": and hung up by the module 1.5 s later);
 *                 "auth" + 407: RETRY with a Proxy-Authorization line;
 *                 "rejresp" + 180: REJECT 403;
 *                 "xferrej" + a failure (a transfer's target): REJECT 403
 *   ANSWER        "rejans": REJECT 606
 *   CALL_END      two handlers: the first returns DONE, the second must
 *                 still run; it logs the call facts.
 */
#include "config.h"

#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/call.h>
#include <tandem/tandem.h>

#include <tandem/rtprelay.h>

#define MOD "ctl"

/* What the module keeps for a call it owns. */
struct ctl_call {
	struct tandem *t;
	struct tandem_call *call;
	ev_timer tick;             /* 20 ms media pacing; the queue's steps */
	ev_io rx;
	const struct mod_rtprelay_api *rtp;
	struct rtpr_media_ep *ep;
	struct rtpr_wav wav;
	bool have_wav;
	struct rtpr_wav_player player;
	unsigned sent, echoed;     /* audio frames sent to and received from A */
	char digits[32];
	unsigned want;
	char target[256];
	int queue_step;
	ev_timer later;            /* "tolocalbye": the module hangs up */
	bool hangup;
	char outcome[16];          /* ctl_outcome */
	int outcome_code;
};

static const char ctl_sdp_fmt[] =
	"v=0\r\no=ctl 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
	"m=audio %u RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n";
static const char static_sdp[] =
	"v=0\r\no=ctl 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	"m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n";

static void media_stop(struct ctl_call *k)
{
	ev_timer_stop(tandem_loop(k->t), &k->tick);
	if (k->ep) {
		ev_io_stop(tandem_loop(k->t), &k->rx);
		k->rtp->media_close(k->ep);
		k->ep = NULL;
	}
	if (k->have_wav) {
		k->rtp->wav_free(&k->wav);
		k->have_wav = false;
	}
}

static void ctl_free(struct ctl_call *k)
{
	if (!k)
		return;
	media_stop(k);
	ev_timer_stop(tandem_loop(k->t), &k->later);
	free(k);
}

static void bridge(struct ctl_call *k)
{
	const char *targets[] = { k->target };
	struct tandem_dial d = { .targets = targets, .ntargets = 1, .timeout = 5 };
	int rc = tandem_call_bridge(k->call, &d);
	if (rc < 0) {
		tlog_warn("ctl: call %s: bridge failed to start: %s", tandem_call_id(k->call), strerror(-rc));
		tandem_call_hangup(k->t, k->call, "ctl: bridge failed");
	}
}

static void on_dtmf(struct tandem_call *call, char digit, unsigned ms, void *arg)
{
	struct ctl_call *k = arg;
	size_t n = strlen(k->digits);
	tlog_info("ctl: call %s digit %c (%u ms)", tandem_call_id(call), digit, ms);
	if (n + 1 < sizeof k->digits)
		k->digits[n++] = digit;
	if (n != k->want)
		return;
	tlog_info("ctl: call %s digits %s, %u audio frames back from the caller of %u sent",
	          tandem_call_id(call), k->digits, k->echoed, k->sent);
	bridge(k);
}

static void on_bridge_done(struct tandem_call *call, enum tandem_dial_outcome o, int status, void *arg)
{
	struct ctl_call *k = arg;
	tlog_info("ctl: call %s bridge done: %s %d", tandem_call_id(call), tandem_dial_outcome_name(o),
	          status);
	if (o == TANDEM_DIAL_ANSWERED)
		media_stop(k);   /* the caller talks to the callee through the relay now */
}

static void on_rx(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_call *k = w->data;
	(void)loop; (void)revents;
	for (;;) {
		int16_t pcm[RTPR_FRAME_SAMPLES * 2];
		size_t n;
		int rc = k->rtp->media_recv_frame(k->ep, pcm, sizeof pcm / sizeof pcm[0], &n, NULL);
		if (rc == -EAGAIN || (rc < 0 && rc != -ENOMSG))
			return;
		if (rc == 0) {
			k->echoed++;
			continue;
		}
		char digit;
		unsigned ms;
		/* the digit may end the endpoint (a bridge): nothing of it after */
		while (k->ep && k->rtp->media_dtmf(k->ep, &digit, &ms) == 1)
			tandem_call_dtmf(k->call, digit, ms);
		if (!k->ep)
			return;
	}
}

static void on_media_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl_call *k = w->data;
	(void)loop; (void)revents;
	int16_t frame[RTPR_FRAME_SAMPLES];
	if (!k->rtp->wav_next_frame(&k->player, frame)) {
		k->player.pos = 0;   /* the prompt again, until the caller dials */
		k->rtp->wav_next_frame(&k->player, frame);
	}
	if (k->rtp->media_send_frame(k->ep, frame) == 0)
		k->sent++;
}

/* "c=IN IP4 a" and "m=audio p" of the caller's offer. */
static int sdp_remote(const struct sip_msg *m, char *addr, size_t n, unsigned *port)
{
	char body[2048];
	size_t len = m->body.len < sizeof body - 1 ? m->body.len : sizeof body - 1;
	memcpy(body, m->body.p, len);
	body[len] = '\0';
	const char *c = strstr(body, "c=IN IP4 "), *a = strstr(body, "m=audio ");
	if (!c || !a || sscanf(a, "m=audio %u", port) != 1)
		return -EINVAL;
	c += 9;
	size_t k = strcspn(c, "\r\n ");
	if (k == 0 || k >= n)
		return -EINVAL;
	memcpy(addr, c, k);
	addr[k] = '\0';
	return 0;
}

static struct ctl_call *ctl_new(struct tandem_event *ev, const char *target)
{
	struct ctl_call *k = calloc(1, sizeof *k);
	if (!k)
		return NULL;
	k->t = ev->t;
	k->call = ev->call;
	snprintf(k->target, sizeof k->target, "%s", target ? target : "");
	ev_timer_init(&k->tick, on_media_tick, 0., 0.);
	k->tick.data = k;
	ev_timer_init(&k->later, NULL, 0., 0.);
	k->later.data = k;
	struct tandem_call_owner owner = { .dtmf = on_dtmf, .bridge_done = on_bridge_done, .arg = k };
	if (tandem_call_own(ev->call, MOD, &owner) < 0 || tandem_call_set_data(ev->call, MOD, k) < 0) {
		free(k);
		return NULL;
	}
	return k;
}

static enum tandem_verdict ivr_run(struct tandem_event *ev, void *priv)
{
	(void)priv;
	const struct mod_rtprelay_api *rtp = tandem_module_api(ev->t, "rtprelay");
	char addr[64];
	unsigned port;
	if (!rtp || ev->argc != 3 || sdp_remote(ev->msg, addr, sizeof addr, &port) < 0) {
		ev->reject_code = 488;
		return TANDEM_REJECT;
	}
	struct ctl_call *k = ctl_new(ev, ev->argv[2]);
	if (!k) {
		ev->reject_code = 500;
		return TANDEM_REJECT;
	}
	k->rtp = rtp;
	k->want = (unsigned)atoi(ev->argv[1]);
	if (rtp->wav_load(ev->argv[0], &k->wav) < 0 || (k->have_wav = true,
	    rtp->media_open(ev->t, RTPR_PCMU, &k->ep) < 0) ||
	    rtp->media_set_remote(k->ep, addr, (uint16_t)port) < 0) {
		tlog_warn("ctl: call %s: no media (%s)", tandem_call_id(ev->call), ev->argv[0]);
		ev->reject_code = 500;
		return TANDEM_REJECT;   /* CALL_END frees k */
	}
	rtp->media_set_dtmf_pt(k->ep, 101);
	k->player.wav = &k->wav;
	char sdp[512];
	const char *me = rtp->media_address(ev->t);
	int n = snprintf(sdp, sizeof sdp, ctl_sdp_fmt, me, me, rtp->media_port(k->ep));
	struct tandem_body body = { .p = sdp, .len = (size_t)n };
	if (tandem_call_answer(ev->call, NULL, &body) < 0) {
		ev->reject_code = 500;
		return TANDEM_REJECT;
	}
	ev_io_init(&k->rx, on_rx, rtp->media_fd(k->ep), EV_READ);
	k->rx.data = k;
	ev_io_start(tandem_loop(ev->t), &k->rx);
	ev_timer_set(&k->tick, 0.02, 0.02);
	ev_timer_start(tandem_loop(ev->t), &k->tick);
	tlog_info("ctl: call %s answered here, media on port %u", tandem_call_id(ev->call),
	          rtp->media_port(k->ep));
	return TANDEM_DONE;
}

static void on_queue_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl_call *k = w->data;
	(void)loop; (void)revents;
	if (k->queue_step == 0) {
		ev_timer_stop(tandem_loop(k->t), &k->tick);
		bridge(k);
		return;
	}
	char reason[32];
	snprintf(reason, sizeof reason, "Queued %d", k->queue_step--);
	int rc = tandem_call_progress(k->call, 182, reason, NULL, NULL);
	if (rc < 0)
		tlog_warn("ctl: call %s: 182 not sent: %s", tandem_call_id(k->call), strerror(-rc));
}

static enum tandem_verdict queue_run(struct tandem_event *ev, void *priv)
{
	(void)priv;
	struct ctl_call *k = ctl_new(ev, ev->argv[0]);
	if (!k) {
		ev->reject_code = 500;
		return TANDEM_REJECT;
	}
	k->queue_step = 3;
	ev_init(&k->tick, on_queue_tick);
	ev_timer_set(&k->tick, 0., 0.3);
	ev_timer_start(tandem_loop(ev->t), &k->tick);
	return TANDEM_DONE;
}

static void on_outcome(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl_call *k = w->data;
	(void)loop; (void)revents;
	int rc = tandem_call_resume_outcome(k->call, k->outcome, k->outcome_code, NULL,
	                                    "Retry-After: 30\r\n");   /* k may be gone now */
	tlog_info("ctl: outcome resumed: %d", rc);
}

static enum tandem_verdict outcome_run(struct tandem_event *ev, void *priv)
{
	(void)priv;
	unsigned ms = (unsigned)atoi(ev->argv[1]);
	int code = atoi(ev->argv[2]);
	if (ms == 0) {
		int rc = tandem_route_set_outcome(ev, ev->argv[0], code, NULL, "Retry-After: 30\r\n");
		tlog_info("ctl: call %s: outcome %s now: %d", tandem_call_id(ev->call), ev->argv[0], rc);
		if (rc < 0) {
			ev->reject_code = 500;
			return TANDEM_REJECT;
		}
		return TANDEM_CONTINUE;
	}
	struct ctl_call *k = calloc(1, sizeof *k);
	if (!k || tandem_call_set_data(ev->call, MOD, k) < 0) {
		free(k);
		ev->reject_code = 500;
		return TANDEM_REJECT;
	}
	k->t = ev->t;
	k->call = ev->call;
	snprintf(k->outcome, sizeof k->outcome, "%s", ev->argv[0]);
	k->outcome_code = code;
	ev_timer_init(&k->tick, NULL, 0., 0.);
	ev_timer_init(&k->later, on_outcome, ms / 1000., 0.);
	k->later.data = k;
	ev_timer_start(tandem_loop(ev->t), &k->later);
	return TANDEM_SUSPEND;
}

/* ---- hooks ---- */

static bool target_is(const struct tandem_event *ev, const char *what)
{
	return ev->leg_target && strstr(ev->leg_target, what);
}

static enum tandem_verdict on_bleg_create(struct tandem_event *ev)
{
	if (!target_is(ev, "rejcreate"))
		return TANDEM_CONTINUE;
	tlog_info("ctl: call %s: no B-leg %u to %s", tandem_call_id(ev->call), ev->leg, ev->leg_target);
	ev->reject_code = 404;
	return TANDEM_REJECT;
}

static void on_hangup(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl_call *k = w->data;
	(void)loop; (void)revents;
	int rc = tandem_call_hangup(k->t, k->call, "ctl: goodbye");   /* k may be gone now */
	tlog_info("ctl: hung up: %d", rc);
}

static void on_local_answer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl_call *k = w->data;
	(void)loop; (void)revents;
	struct tandem_body body = { .p = static_sdp, .len = sizeof static_sdp - 1 };
	int rc = tandem_call_answer(k->call, NULL, &body);
	tlog_info("ctl: call %s: answered here after the busy callee: %d", tandem_call_id(k->call), rc);
	if (rc == 0 && k->hangup) {
		ev_init(&k->later, on_hangup);
		ev_timer_set(&k->later, 1.5, 0.);
		ev_timer_start(tandem_loop(k->t), &k->later);
	}
}

static enum tandem_verdict on_bleg_response(struct tandem_event *ev)
{
	int status = ev->msg ? ev->msg->status : 0;
	if (target_is(ev, "tolocal") && status == 486) {
		struct ctl_call *k = ctl_new(ev, NULL);
		if (!k)
			return TANDEM_CONTINUE;
		k->hangup = target_is(ev, "tolocalbye");
		ev_init(&k->tick, on_local_answer);
		ev_timer_set(&k->tick, 0., 0.);
		ev_timer_start(tandem_loop(ev->t), &k->tick);
		tlog_info("ctl: call %s: 486 from B-leg %u: taken over", tandem_call_id(ev->call), ev->leg);
		return TANDEM_DONE;
	}
	if (target_is(ev, "auth") && status == 407) {
		ev->retry_headers = "Proxy-Authorization: Digest username=\"trunk\", realm=\"test\", "
		                    "nonce=\"n0\", uri=\"sip:auth@127.0.0.1\", response=\"00\"\r\n";
		tlog_info("ctl: call %s: 407 from %s: again with credentials", tandem_call_id(ev->call),
		          ev->leg_target);
		return TANDEM_RETRY;
	}
	if (target_is(ev, "xferrej") && status >= 300) {
		/* a transfer's target: its failure becomes the module's */
		tlog_info("ctl: call %s: %d from transfer target %s: 403", tandem_call_id(ev->call), status,
		          ev->leg_target);
		ev->reject_code = 403;
		return TANDEM_REJECT;
	}
	if (target_is(ev, "rejresp") && status == 180) {
		ev->reject_code = 403;
		ev->reject_reason = "Hook Says No";
		return TANDEM_REJECT;
	}
	return TANDEM_CONTINUE;
}

static enum tandem_verdict on_answer(struct tandem_event *ev)
{
	if (!target_is(ev, "rejans"))
		return TANDEM_CONTINUE;
	ev->reject_code = 606;
	ev->reject_reason = "Not Wanted";
	return TANDEM_REJECT;
}

static enum tandem_verdict on_call_end_first(struct tandem_event *ev)
{
	(void)ev;
	return TANDEM_DONE;   /* CALL_END is informational: the next handler runs anyway */
}

static const char *side_name(enum tandem_hangup_side s)
{
	return s == TANDEM_HANGUP_CALLER ? "caller" : s == TANDEM_HANGUP_CALLEE ? "callee" :
	       s == TANDEM_HANGUP_TANDEM ? "tandem" : "none";
}

static enum tandem_verdict on_call_end(struct tandem_event *ev)
{
	struct tandem_call_facts f;
	if (tandem_call_facts(ev->call, &f) == 0)
		tlog_info("ctl: facts call=%s called=%s disposition=%s status=%d side=%s cause=%s "
		          "context=%s rule=%s owner=%s callee=%s ringing=%s answered=%s ended=%s",
		          f.a_call_id, f.called, tandem_disposition_name(f.disposition), f.status,
		          side_name(f.hangup_side), f.hangup_cause ? f.hangup_cause : "-",
		          f.context ? f.context : "-", f.rule ? f.rule : "-", f.owner ? f.owner : "-",
		          f.callee ? f.callee : "-", f.ringing > 0 ? "yes" : "no",
		          f.answer >= f.start && f.answer > 0 ? "yes" : "no",
		          f.end >= f.start && f.start > 0 ? "yes" : "no");
	struct ctl_call *k = tandem_call_data(ev->call, MOD);
	if (k) {
		tandem_call_set_data(ev->call, MOD, NULL);
		ctl_free(k);
	}
	return TANDEM_CONTINUE;
}

static const struct tandem_action actions[] = {
	{ "ctl_ivr", 3, 3, NULL, ivr_run, NULL },
	{ "ctl_queue", 1, 1, NULL, queue_run, NULL },
	{ "ctl_outcome", 3, 3, NULL, outcome_run, NULL },
	{ NULL, 0, 0, NULL, NULL, NULL }
};

static const struct tandem_hook hooks[] = {
	{ TANDEM_HOOK_BLEG_CREATE, 0, on_bleg_create },
	{ TANDEM_HOOK_BLEG_RESPONSE, 0, on_bleg_response },
	{ TANDEM_HOOK_ANSWER, 0, on_answer },
	{ TANDEM_HOOK_CALL_END, 0, on_call_end_first },
	{ TANDEM_HOOK_CALL_END, 10, on_call_end },
	{ 0, 0, NULL }
};

static const char *const deps[] = { NULL };

const struct tandem_module tandem_module = {
	.abi = TANDEM_MODULE_ABI,
	.build_sig = TANDEM_BUILD_SIGNATURE,
	.name = MOD,
	.deps = deps,
	.actions = actions,
	.hooks = hooks,
};
