/* mod_voicemail — a call answered here: the caller's A-leg answered with a
 * mod_rtprelay media endpoint driven by a mod_rtprelay player (prompts
 * and messages paced at 20 ms, silence when nothing is queued; audio with
 * lost packets filled; RFC 4733 digits), what comes back handed to
 * deposit.c or retrieve.c. Here: owning the call, answering it and its
 * re-INVITEs, hanging up. */
#include "config.h"

#include <errno.h>
#include <ev.h>
#include <stdlib.h>
#include <string.h>

#include "voicemail.h"

struct vm_session {
	struct vm *vm;
	struct tandem_call *call;
	const struct vm_session_ops *ops;
	void *arg;
	struct rtpr_player *player;     /* mod_rtprelay's: endpoint, pacing, queue */
	ev_timer hangup;           /* vm_session_hangup, out of the call's callbacks */
	char hangup_why[64];
	bool ending;
	char sdp[1024];            /* our last SDP, for an offerless re-INVITE */
	size_t sdp_len;
};

void vm_session_flush(struct vm_session *s)
{
	s->vm->rtp->player_flush(s->player);
}

void vm_session_play(struct vm_session *s, const struct rtpr_wav *w)
{
	if (w && s->vm->rtp->player_play(s->player, w) == -ENOSPC)
		tlog_warn("mod_voicemail: call %s: play queue full, prompt dropped",
		          tandem_call_id(s->call));
}

void vm_session_play_file(struct vm_session *s, const char *path)
{
	/* on failure the caller still gets its play_done: the menu goes on */
	int rc = s->vm->rtp->player_play_file(s->player, path);
	if (rc == -ENOSPC)
		tlog_warn("mod_voicemail: call %s: play queue full, %s dropped",
		          tandem_call_id(s->call), path);
	else if (rc < 0)
		tlog_warn("mod_voicemail: call %s: cannot play %s: %s", tandem_call_id(s->call), path,
		          strerror(-rc));
}

bool vm_session_playing(const struct vm_session *s)
{
	return s->vm->rtp->player_playing(s->player);
}

struct tandem_call *vm_session_call(const struct vm_session *s)
{
	return s->call;
}

/* ---- the player's callbacks ---- */

static void on_play_done(void *arg)
{
	struct vm_session *s = arg;
	if (s->ops->play_done)
		s->ops->play_done(s, s->arg);   /* may queue the next prompt */
}

static void on_audio(void *arg, const int16_t *pcm, size_t n)
{
	struct vm_session *s = arg;
	if (s->ops->audio)
		s->ops->audio(s, pcm, n, s->arg);
}

/* An RFC 4733 press: through the core, so it reaches on_dtmf as a SIP
 * INFO digit does. */
static void on_media_dtmf(void *arg, char digit, unsigned ms)
{
	struct vm_session *s = arg;
	tandem_call_dtmf(s->call, digit, ms);
}

static const struct rtpr_player_ops player_ops = {
	.play_done = on_play_done,
	.audio = on_audio,
	.dtmf = on_media_dtmf,
};

/* ---- the call ---- */

static void on_dtmf(struct tandem_call *call, char digit, unsigned ms, void *arg)
{
	struct vm_session *s = arg;
	(void)call; (void)ms;
	if (!s->ending && s->ops->dtmf)
		s->ops->dtmf(s, digit, s->arg);
}

/* An in-dialog request of the caller while we are its far end. A
 * re-INVITE or UPDATE with SDP (hold, resume, a new address) is answered
 * in the same session (RFC 3264 §8); without SDP our last SDP is the
 * offer again (RFC 3261 §14.1). The rest as the core would. */
static void on_request(struct tandem_call *call, struct sip_tsx *st, const struct sip_msg *req,
                       void *arg)
{
	struct vm_session *s = arg;
	const struct mod_rtprelay_api *rtp = s->vm->rtp;
	rtp->far_end_request(s->vm->t, call, st, req, rtp->player_endpoint(s->player), s->sdp,
	                     sizeof s->sdp, &s->sdp_len);
}

static void on_hangup(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct vm_session *s = w->data;
	(void)loop; (void)revents;
	/* CALL_END runs inside: s is gone when it returns */
	tandem_call_hangup(s->vm->t, s->call, s->hangup_why);
}

void vm_session_hangup(struct vm_session *s, const char *why)
{
	if (s->ending)
		return;
	s->ending = true;
	snprintf(s->hangup_why, sizeof s->hangup_why, "voicemail: %s", why);
	ev_timer_set(&s->hangup, 0., 0.);
	ev_timer_start(tandem_loop(s->vm->t), &s->hangup);
}

static void session_free(struct vm_session *s)
{
	ev_timer_stop(tandem_loop(s->vm->t), &s->hangup);
	s->vm->rtp->player_free(s->player);   /* the endpoint with it */
	free(s);
}

/* The CALL_END of a call with a session (mod_voicemail.c's hook). */
void vm_session_end(struct tandem_call *call)
{
	struct vm_call *vc = vm_call_get(NULL, call, false);
	struct vm_session *s = vc ? vc->session : NULL;
	if (!s)
		return;
	vc->session = NULL;
	s->ending = true;
	if (s->ops->ended)
		s->ops->ended(s, s->arg);
	session_free(s);
}

int vm_session_start(struct vm *vm, struct tandem_call *call, const struct sip_msg *invite,
                     const struct vm_session_ops *ops, void *arg, struct vm_session **out)
{
	*out = NULL;
	struct vm_session *s = calloc(1, sizeof *s);
	if (!s)
		return 500;
	s->vm = vm;
	s->call = call;
	s->ops = ops;
	s->arg = arg;
	ev_timer_init(&s->hangup, on_hangup, 0., 0.);
	s->hangup.data = s;

	/* RFC 3264 §6: answer the caller's offer; an INVITE without one gets
	 * our offer in the 200 (RFC 3261 §13.2.1) and the endpoint learns the
	 * caller's address from its first packets */
	char *sdp = s->sdp;
	const struct sip_str *offer = &invite->body;
	struct rtpr_media_ep *ep;
	int n = offer->len ? vm->rtp->media_answer(vm->t, offer->p, offer->len, &ep, sdp,
	                                           sizeof s->sdp)
	                   : vm->rtp->media_offer(vm->t, &ep, sdp, sizeof s->sdp);
	if (n < 0) {
		tlog_warn("mod_voicemail: call %s: no media: %s", tandem_call_id(call), strerror(-n));
		free(s);
		return n == -EPROTONOSUPPORT || n == -EINVAL ? 488 : 500;
	}
	s->sdp_len = (size_t)n;
	/* the player takes ep (closes it on failure) and paces from now on:
	 * nothing runs before the answer below, this being one loop callback */
	int rc = vm->rtp->player_new(vm->t, ep, &player_ops, s, &s->player);
	if (rc < 0) {
		tlog_warn("mod_voicemail: call %s: no media: %s", tandem_call_id(call), strerror(-rc));
		free(s);
		return 500;
	}
	struct tandem_call_owner owner = { .request = on_request, .dtmf = on_dtmf, .arg = s };
	struct vm_call *vc = vm_call_get(vm, call, true);
	struct tandem_body body = { .p = sdp, .len = (size_t)n };
	if (!vc || vc->session || tandem_call_own(call, VM_MOD, &owner) < 0 ||
	    tandem_call_answer(call, NULL, &body) < 0) {
		vm->rtp->player_free(s->player);
		free(s);
		return 500;
	}
	vc->session = s;
	*out = s;
	return 0;
}
