/* mod_rtprelay — a player: one media endpoint paced at 20 ms by an
 * ev_timer on the signalling loop, a queue of prompts, loop music when the
 * queue is empty (else silence), and what the endpoint receives (audio
 * with lost packets filled, RFC 4733 digits) handed back through ops. */
#include "config.h"

#include <errno.h>
#include <ev.h>
#include <stdlib.h>
#include <string.h>

#include "media.h"
#include "player.h"
#include "wav.h"

#define RX_BUDGET 64       /* packets per wakeup: the loop has other work */
#define RX_MAX (RTPR_FRAME_SAMPLES * 2)   /* a 40 ms packet at most */

struct play_item {
	const struct rtpr_wav *w;  /* the caller's prompt, or &own */
	struct rtpr_wav own;       /* a file loaded for this play, freed with the slot */
	bool owned;
};

struct rtpr_player {
	struct ev_loop *loop;
	struct rtpr_media_ep *ep;
	struct rtpr_player_ops ops;
	void *arg;
	ev_io rx;
	ev_timer tick;
	struct play_item q[RTPR_PLAY_QUEUE];
	unsigned qhead, qlen;
	struct rtpr_wav_player cur;     /* on q[qhead] */
	bool owed;                 /* a play_done is owed when the queue drains */
	const struct rtpr_wav *music;   /* player_loop's, NULL: silence */
	size_t music_pos;
	bool have_seq;
	uint16_t last_seq;
	/* player_free inside a callback: freed when the outermost returns */
	unsigned depth;
	bool freed;
};

/* Around every callback: false when it freed the player (the caller
 * returns at once, touching nothing). */
static void cb_enter(struct rtpr_player *p)
{
	p->depth++;
}

static bool cb_leave(struct rtpr_player *p)
{
	p->depth--;
	if (!p->freed)
		return true;
	if (!p->depth)
		free(p);
	return false;
}

static void item_free(struct play_item *it)
{
	if (it->owned)
		rtpr_wav_free(&it->own);
	*it = (struct play_item){ 0 };
}

static void pop(struct rtpr_player *p)
{
	item_free(&p->q[p->qhead]);
	p->qhead = (p->qhead + 1) % RTPR_PLAY_QUEUE;
	p->qlen--;
	p->cur = (struct rtpr_wav_player){ .wav = p->qlen ? p->q[p->qhead].w : NULL };
}

void rtpr_player_flush(struct rtpr_player *p)
{
	while (p->qlen)
		pop(p);
	p->owed = false;
}

/* The slot the next prompt goes to, or NULL when the queue is full. */
static struct play_item *tail(struct rtpr_player *p)
{
	if (p->qlen == RTPR_PLAY_QUEUE)
		return NULL;
	return &p->q[(p->qhead + p->qlen) % RTPR_PLAY_QUEUE];
}

static void push(struct rtpr_player *p)
{
	if (++p->qlen == 1)
		p->cur = (struct rtpr_wav_player){ .wav = p->q[p->qhead].w };
	p->owed = true;
}

int rtpr_player_play(struct rtpr_player *p, const struct rtpr_wav *w)
{
	if (!w)
		return -EINVAL;
	struct play_item *it = tail(p);
	if (!it)
		return -ENOSPC;   /* the queue is not empty: play_done is owed */
	*it = (struct play_item){ .w = w };
	push(p);
	return 0;
}

int rtpr_player_play_file(struct rtpr_player *p, const char *path)
{
	struct play_item *it = tail(p);
	if (!it)
		return -ENOSPC;
	/* loaded into the slot itself: the queue owns it, the player plays it there */
	int rc = rtpr_wav_load(path, &it->own);
	if (rc < 0) {
		*it = (struct play_item){ 0 };
		p->owed = true;   /* the caller still gets its play_done: a menu goes on */
		return rc;
	}
	it->w = &it->own;
	it->owned = true;
	push(p);
	return 0;
}

void rtpr_player_loop(struct rtpr_player *p, const struct rtpr_wav *w)
{
	p->music = w;
	p->music_pos = 0;
}

bool rtpr_player_playing(const struct rtpr_player *p)
{
	return p->qlen > 0;
}

struct rtpr_media_ep *rtpr_player_endpoint(const struct rtpr_player *p)
{
	return p->ep;
}

/* The next frame of the queue, or false once it is empty. */
static bool queue_frame(struct rtpr_player *p, int16_t frame[RTPR_FRAME_SAMPLES])
{
	while (p->qlen) {
		if (rtpr_wav_next_frame(&p->cur, frame))
			return true;
		pop(p);
	}
	return false;
}

/* The loop music, wrapping inside the frame so it repeats without a
 * gap; silence without it. */
static void idle_frame(struct rtpr_player *p, int16_t frame[RTPR_FRAME_SAMPLES])
{
	const struct rtpr_wav *w = p->music;
	if (!w || !w->samples || !w->nsamples) {
		memset(frame, 0, RTPR_FRAME_SAMPLES * sizeof *frame);
		return;
	}
	for (size_t i = 0; i < RTPR_FRAME_SAMPLES;) {
		if (p->music_pos >= w->nsamples)
			p->music_pos = 0;
		size_t k = w->nsamples - p->music_pos;
		if (k > RTPR_FRAME_SAMPLES - i)
			k = RTPR_FRAME_SAMPLES - i;
		memcpy(frame + i, w->samples + p->music_pos, k * sizeof *frame);
		i += k;
		p->music_pos += k;
	}
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct rtpr_player *p = w->data;
	(void)loop; (void)revents;
	int16_t frame[RTPR_FRAME_SAMPLES];
	if (!queue_frame(p, frame)) {
		if (p->owed) {
			p->owed = false;
			if (p->ops.play_done) {
				cb_enter(p);
				p->ops.play_done(p->arg);   /* may queue the next prompt */
				if (!cb_leave(p))
					return;
			}
		}
		if (!queue_frame(p, frame))
			idle_frame(p, frame);
	}
	/* -ENOTCONN until the peer's first packet when its offer had no
	 * address; a send error is the peer's problem, the pace goes on */
	rtpr_media_send_frame(p->ep, frame);
}

static bool audio_cb(struct rtpr_player *p, const int16_t *pcm, size_t n)
{
	cb_enter(p);
	p->ops.audio(p->arg, pcm, n);
	return cb_leave(p);
}

/* Audio of packet seq, after silence for what was lost since the last
 * one. False when a callback freed the player. */
static bool audio_in(struct rtpr_player *p, const int16_t *pcm, size_t n, uint16_t seq)
{
	if (p->have_seq) {
		int16_t d = (int16_t)(seq - p->last_seq);
		if (d <= 0 && d > -RTPR_GAP_FILL_MAX)
			return true;   /* a duplicate or a late packet: its place was filled */
		static const int16_t silence[RX_MAX];
		/* a jump beyond that is a new stream (another SSRC, the phone
		 * restarted it): taken as it comes, nothing filled */
		for (int i = 1; i < d && d <= RTPR_GAP_FILL_MAX && p->ops.audio; i++)
			if (!audio_cb(p, silence, n))
				return false;
	}
	p->have_seq = true;
	p->last_seq = seq;
	return !p->ops.audio || audio_cb(p, pcm, n);
}

static void on_rx(struct ev_loop *loop, ev_io *w, int revents)
{
	struct rtpr_player *p = w->data;
	(void)loop; (void)revents;
	for (int budget = RX_BUDGET; budget-- > 0;) {
		int16_t pcm[RX_MAX];
		size_t n;
		uint16_t seq;
		int rc = rtpr_media_recv_frame(p->ep, pcm, RX_MAX, &n, &seq);
		if (rc == -EAGAIN)
			return;
		if (rc == 0 && n > 0 && !audio_in(p, pcm, n, seq))
			return;
		char digit;
		unsigned ms;
		while (rtpr_media_dtmf(p->ep, &digit, &ms) == 1) {
			if (!p->ops.dtmf)
				continue;
			cb_enter(p);
			p->ops.dtmf(p->arg, digit, ms);
			if (!cb_leave(p))
				return;
		}
		if (rc < 0 && rc != -ENOMSG)
			return;
	}
}

int rtpr_player_new(struct ev_loop *loop, struct rtpr_media_ep *ep,
                    const struct rtpr_player_ops *ops, void *arg, struct rtpr_player **out)
{
	*out = NULL;
	struct rtpr_player *p = loop && ep ? calloc(1, sizeof *p) : NULL;
	if (!p) {
		rtpr_media_close(ep);   /* ours whatever happens */
		return loop && ep ? -ENOMEM : -EINVAL;
	}
	p->loop = loop;
	p->ep = ep;
	if (ops)
		p->ops = *ops;
	p->arg = arg;
	ev_io_init(&p->rx, on_rx, rtpr_media_fd(ep), EV_READ);
	p->rx.data = p;
	ev_timer_init(&p->tick, on_tick, 0.02, 0.02);
	p->tick.data = p;
	ev_io_start(loop, &p->rx);
	ev_timer_start(loop, &p->tick);
	*out = p;
	return 0;
}

void rtpr_player_free(struct rtpr_player *p)
{
	if (!p || p->freed)
		return;
	ev_io_stop(p->loop, &p->rx);
	ev_timer_stop(p->loop, &p->tick);
	rtpr_player_flush(p);
	p->music = NULL;
	rtpr_media_close(p->ep);
	p->ep = NULL;
	if (p->depth)
		p->freed = true;   /* inside a callback: cb_leave frees it */
	else
		free(p);
}
