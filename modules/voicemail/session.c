/* mod_voicemail — a call answered here: the caller's A-leg answered with a
 * mod_rtprelay media endpoint, prompts and messages played to it one
 * 20 ms frame per tick (silence when nothing is queued, so the phone's
 * jitter buffer and a NAT binding stay alive), audio and digits from it
 * handed to deposit.c or retrieve.c. */
#include "config.h"

#include <errno.h>
#include <ev.h>
#include <stdlib.h>
#include <string.h>

#include "voicemail.h"

#define PLAY_QUEUE 48      /* prompts queued at once: "you have 1234 new messages..." */
#define GAP_FILL_MAX 50    /* lost packets filled with silence, at most 1 s */

struct play_item {
	const struct rtpr_wav *w;  /* a prompt (not ours), or &own */
	struct rtpr_wav own;       /* a message or greeting loaded for this play */
	bool owned;
};

struct vm_session {
	struct vm *vm;
	struct tandem_call *call;
	const struct vm_session_ops *ops;
	void *arg;
	struct rtpr_media_ep *ep;
	ev_io rx;
	ev_timer tick;             /* 20 ms pacing */
	ev_timer hangup;           /* vm_session_hangup, out of the call's callbacks */
	char hangup_why[64];
	struct play_item q[PLAY_QUEUE];
	unsigned qhead, qlen;
	struct rtpr_wav_player player;   /* on q[qhead] */
	bool playing;              /* a play_done is owed when the queue drains */
	bool have_seq;
	uint16_t last_seq;
	bool ending;
	char sdp[1024];            /* our last SDP, for an offerless re-INVITE */
	size_t sdp_len;
};

static void item_free(struct vm_session *s, struct play_item *it)
{
	if (it->owned)
		s->vm->rtp->wav_free(&it->own);
	*it = (struct play_item){ 0 };
}

void vm_session_flush(struct vm_session *s)
{
	while (s->qlen) {
		item_free(s, &s->q[s->qhead]);
		s->qhead = (s->qhead + 1) % PLAY_QUEUE;
		s->qlen--;
	}
	s->player = (struct rtpr_wav_player){ 0 };
	s->playing = false;
}

static void enqueue(struct vm_session *s, const struct play_item *it)
{
	if (s->qlen == PLAY_QUEUE) {
		tlog_warn("mod_voicemail: call %s: play queue full, prompt dropped",
		          tandem_call_id(s->call));
		struct play_item drop = *it;
		item_free(s, &drop);
		return;
	}
	unsigned at = (s->qhead + s->qlen++) % PLAY_QUEUE;
	s->q[at] = *it;
	if (it->owned)
		s->q[at].w = &s->q[at].own;   /* its own copy, not the caller's */
	if (s->qlen == 1)
		s->player = (struct rtpr_wav_player){ .wav = s->q[at].w };
	s->playing = true;
}

void vm_session_play(struct vm_session *s, const struct rtpr_wav *w)
{
	if (!w)
		return;
	struct play_item it = { .w = w };
	enqueue(s, &it);
}

void vm_session_play_file(struct vm_session *s, const char *path)
{
	struct play_item it = { .owned = true };
	int rc = s->vm->rtp->wav_load(path, &it.own);
	if (rc < 0) {
		tlog_warn("mod_voicemail: call %s: cannot play %s: %s", tandem_call_id(s->call), path,
		          strerror(-rc));
		/* the caller still gets its play_done: the menu goes on */
		s->playing = true;
		return;
	}
	enqueue(s, &it);
}

bool vm_session_playing(const struct vm_session *s)
{
	return s->qlen > 0;
}

struct tandem_call *vm_session_call(const struct vm_session *s)
{
	return s->call;
}

/* The next frame of the queue, or false once it is empty. */
static bool next_frame(struct vm_session *s, int16_t frame[RTPR_FRAME_SAMPLES])
{
	while (s->qlen) {
		if (s->vm->rtp->wav_next_frame(&s->player, frame))
			return true;
		item_free(s, &s->q[s->qhead]);
		s->qhead = (s->qhead + 1) % PLAY_QUEUE;
		s->qlen--;
		s->player = (struct rtpr_wav_player){ .wav = s->qlen ? s->q[s->qhead].w : NULL };
	}
	return false;
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct vm_session *s = w->data;
	(void)loop; (void)revents;
	int16_t frame[RTPR_FRAME_SAMPLES];
	if (!next_frame(s, frame)) {
		memset(frame, 0, sizeof frame);
		if (s->playing) {
			s->playing = false;
			if (s->ops->play_done)
				s->ops->play_done(s, s->arg);   /* may queue the next prompt */
			if (next_frame(s, frame) == false)
				memset(frame, 0, sizeof frame);
		}
	}
	/* -ENOTCONN until the peer's first packet when its offer had no address */
	s->vm->rtp->media_send_frame(s->ep, frame);
}

/* Audio of packet seq: fill what was lost since the last one with
 * silence, so a recording keeps the caller's timing. */
static void audio_in(struct vm_session *s, const int16_t *pcm, size_t n, uint16_t seq)
{
	if (s->have_seq) {
		int16_t d = (int16_t)(seq - s->last_seq);
		if (d <= 0 && d > -GAP_FILL_MAX)
			return;   /* a duplicate or a late packet: its place was filled */
		static const int16_t silence[RTPR_FRAME_SAMPLES * 2];
		size_t fill = n <= RTPR_FRAME_SAMPLES * 2 ? n : RTPR_FRAME_SAMPLES * 2;
		/* a jump beyond that is a new stream (another SSRC, the phone
		 * restarted it): taken as it comes, nothing filled */
		for (int i = 1; i < d && d <= GAP_FILL_MAX && s->ops->audio; i++)
			s->ops->audio(s, silence, fill, s->arg);
	}
	s->have_seq = true;
	s->last_seq = seq;
	if (s->ops->audio)
		s->ops->audio(s, pcm, n, s->arg);
}

static void on_rx(struct ev_loop *loop, ev_io *w, int revents)
{
	struct vm_session *s = w->data;
	(void)loop; (void)revents;
	for (int budget = 64; budget-- > 0;) {
		int16_t pcm[RTPR_FRAME_SAMPLES * 2];
		size_t n;
		uint16_t seq;
		int rc = s->vm->rtp->media_recv_frame(s->ep, pcm, sizeof pcm / sizeof pcm[0], &n, &seq);
		if (rc == -EAGAIN)
			return;
		if (rc == 0 && n > 0)
			audio_in(s, pcm, n, seq);
		char digit;
		unsigned ms;
		while (s->vm->rtp->media_dtmf(s->ep, &digit, &ms) == 1)
			tandem_call_dtmf(s->call, digit, ms);   /* to on_dtmf, through the core */
		if (rc < 0 && rc != -ENOMSG)
			return;
	}
}

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
	if (req->method != SIP_INVITE && req->method != SIP_UPDATE) {
		bool ok = req->method == SIP_OPTIONS || req->method == SIP_INFO;
		tandem_call_respond(call, st, ok ? 200 : 405, NULL,
		                    ok ? NULL : "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE\r\n",
		                    NULL);
		return;
	}
	char sdp[sizeof s->sdp];
	int n = req->body.len ? s->vm->rtp->media_reanswer(s->vm->t, s->ep, req->body.p, req->body.len,
	                                                   sdp, sizeof sdp)
	                      : (int)s->sdp_len;
	if (n < 0) {
		tlog_info("mod_voicemail: call %s: %.*s offer refused: %s", tandem_call_id(call),
		          (int)req->method_str.len, req->method_str.p, strerror(-n));
		tandem_call_respond(call, st, 488, NULL, NULL, NULL);   /* RFC 3261 §14.2 */
		return;
	}
	if (req->body.len) {
		memcpy(s->sdp, sdp, (size_t)n);
		s->sdp_len = (size_t)n;
	}
	struct tandem_body body = { .p = s->sdp, .len = s->sdp_len };
	tandem_call_respond(call, st, 200, NULL, NULL, &body);
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
	struct ev_loop *loop = tandem_loop(s->vm->t);
	ev_timer_stop(loop, &s->tick);
	ev_timer_stop(loop, &s->hangup);
	if (s->ep) {
		ev_io_stop(loop, &s->rx);
		s->vm->rtp->media_close(s->ep);
	}
	vm_session_flush(s);
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
	ev_timer_init(&s->tick, on_tick, 0.02, 0.02);
	s->tick.data = s;
	ev_timer_init(&s->hangup, on_hangup, 0., 0.);
	s->hangup.data = s;

	/* RFC 3264 §6: answer the caller's offer; an INVITE without one gets
	 * our offer in the 200 (RFC 3261 §13.2.1) and the endpoint learns the
	 * caller's address from its first packets */
	char *sdp = s->sdp;
	const struct sip_str *offer = &invite->body;
	int n = offer->len ? vm->rtp->media_answer(vm->t, offer->p, offer->len, &s->ep, sdp,
	                                           sizeof s->sdp)
	                   : vm->rtp->media_offer(vm->t, &s->ep, sdp, sizeof s->sdp);
	if (n < 0) {
		tlog_warn("mod_voicemail: call %s: no media: %s", tandem_call_id(call), strerror(-n));
		free(s);
		return n == -EPROTONOSUPPORT || n == -EINVAL ? 488 : 500;
	}
	s->sdp_len = (size_t)n;
	struct tandem_call_owner owner = { .request = on_request, .dtmf = on_dtmf, .arg = s };
	struct vm_call *vc = vm_call_get(vm, call, true);
	struct tandem_body body = { .p = sdp, .len = (size_t)n };
	if (!vc || vc->session || tandem_call_own(call, VM_MOD, &owner) < 0 ||
	    tandem_call_answer(call, NULL, &body) < 0) {
		vm->rtp->media_close(s->ep);
		free(s);
		return 500;
	}
	vc->session = s;
	ev_io_init(&s->rx, on_rx, vm->rtp->media_fd(s->ep), EV_READ);
	s->rx.data = s;
	ev_io_start(tandem_loop(vm->t), &s->rx);
	ev_timer_start(tandem_loop(vm->t), &s->tick);
	*out = s;
	return 0;
}
