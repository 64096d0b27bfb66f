/* Unit tests: mod_rtprelay's player (modules/rtprelay/player.c) on a real
 * endpoint over 127.0.0.1 and a libev loop: the 20 ms pace, the play queue
 * and its play_done, loop music, flush, audio in with lost packets filled,
 * RFC 4733 digits, and a callback that frees the player. A peer socket
 * stands for the phone; loopback UDP is delivered by the time sendto
 * returns, so what the peer holds is what the player has sent. */
#include "config.h"

#include "unit.h"
#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../modules/rtprelay/g711.h"
#include "../../modules/rtprelay/media.h"
#include "../../modules/rtprelay/player.h"
#include "../../modules/rtprelay/ports.h"
#include "../../modules/rtprelay/wav.h"

#define PORT_MIN 44200
#define PORT_MAX 44239
#define MAX_FRAMES 512
#define MAX_AUDIO 512

static struct ev_loop *loop;
static struct rtpr_ports *ports;

/* ---- the peer: a UDP socket keeping every frame the player sent ---- */

static int peer_fd = -1;
static uint16_t peer_port;
static uint8_t frames[MAX_FRAMES][RTPR_FRAME_SAMPLES];
static uint16_t seqs[MAX_FRAMES];
static size_t nframes;

static void peer_drain(void)
{
	uint8_t b[2048];
	ssize_t r;
	while ((r = recv(peer_fd, b, sizeof b, MSG_DONTWAIT)) >= 0) {
		if (r != 12 + RTPR_FRAME_SAMPLES || (b[1] & 0x7F) != RTPR_PCMU || nframes == MAX_FRAMES)
			continue;
		seqs[nframes] = (uint16_t)(b[2] << 8 | b[3]);
		memcpy(frames[nframes++], b + 12, RTPR_FRAME_SAMPLES);
	}
}

static void peer_send(uint16_t to, const uint8_t *p, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(to),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	CU_ASSERT_EQUAL(sendto(peer_fd, p, len, 0, (struct sockaddr *)&a, sizeof a), (ssize_t)len);
}

/* A PCMU packet of 160 bytes b. */
static void send_audio(struct rtpr_media_ep *ep, uint16_t seq, uint8_t b)
{
	uint8_t p[12 + RTPR_FRAME_SAMPLES] = { 0x80, RTPR_PCMU, (uint8_t)(seq >> 8), (uint8_t)seq,
	                                       0, 0, 0, 0, 0, 0, 0, 7 };
	memset(p + 12, b, RTPR_FRAME_SAMPLES);
	peer_send(rtpr_media_port(ep), p, sizeof p);
}

/* A telephone-event packet (RFC 4733 §2.3, payload type 101). */
static void send_event(struct rtpr_media_ep *ep, uint16_t seq, uint32_t ts, unsigned event,
                       bool end, unsigned dur)
{
	uint8_t p[16] = { 0x80, 101, (uint8_t)(seq >> 8), (uint8_t)seq,
	                  (uint8_t)(ts >> 24), (uint8_t)(ts >> 16), (uint8_t)(ts >> 8), (uint8_t)ts,
	                  0, 0, 0, 7, (uint8_t)event, (uint8_t)((end ? 0x80 : 0) | 10),
	                  (uint8_t)(dur >> 8), (uint8_t)dur };
	peer_send(rtpr_media_port(ep), p, sizeof p);
}

/* Does frame i hold 160 times the encoding of v? */
static bool frame_is(size_t i, int16_t v)
{
	if (i >= nframes)
		return false;
	for (size_t j = 0; j < RTPR_FRAME_SAMPLES; j++)
		if (frames[i][j] != rtpr_ulaw_encode(v))
			return false;
	return true;
}

/* ---- what the player's callbacks saw ---- */

enum free_in { FREE_NEVER = 0, FREE_IN_DONE, FREE_IN_AUDIO, FREE_IN_DTMF };

struct seen {
	struct rtpr_player *p;
	int done;
	size_t done_at;            /* frames the peer held at the first play_done */
	const struct rtpr_wav *requeue;   /* played from play_done, once */
	struct { int16_t first; bool uniform; size_t n; } audio[MAX_AUDIO];
	int naudio;
	char digits[16];
	unsigned ms[16];
	int ndigits;
	enum free_in free_in;
};
static struct seen seen;

static void on_done(void *arg)
{
	struct seen *s = arg;
	peer_drain();
	if (!s->done++)
		s->done_at = nframes;
	if (s->requeue) {
		CU_ASSERT_EQUAL(rtpr_player_play(s->p, s->requeue), 0);
		s->requeue = NULL;
	}
	if (s->free_in == FREE_IN_DONE) {
		rtpr_player_free(s->p);
		s->p = NULL;
	}
}

static void on_audio(void *arg, const int16_t *pcm, size_t n)
{
	struct seen *s = arg;
	if (s->naudio < MAX_AUDIO) {
		bool uniform = true;
		for (size_t i = 1; i < n; i++)
			uniform = uniform && pcm[i] == pcm[0];
		s->audio[s->naudio].first = pcm[0];
		s->audio[s->naudio].uniform = uniform;
		s->audio[s->naudio].n = n;
	}
	s->naudio++;
	if (s->free_in == FREE_IN_AUDIO) {
		rtpr_player_free(s->p);
		s->p = NULL;
	}
}

static void on_dtmf(void *arg, char digit, unsigned ms)
{
	struct seen *s = arg;
	if (s->ndigits < 16) {
		s->digits[s->ndigits] = digit;
		s->ms[s->ndigits] = ms;
	}
	s->ndigits++;
	if (s->free_in == FREE_IN_DTMF) {
		rtpr_player_free(s->p);
		s->p = NULL;
	}
}

static const struct rtpr_player_ops ops = { .play_done = on_done, .audio = on_audio,
                                            .dtmf = on_dtmf };

/* ---- running the loop ---- */

static void on_nap(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l; (void)w; (void)revents;   /* only wakes EVRUN_ONCE (no player left) */
}

/* Run the loop for ms, or until *counter reaches want (counter NULL: for
 * ms). Whether it got there. */
static bool run_until(const void *counter, bool is_size, long want, int ms)
{
	ev_timer nap;
	ev_timer_init(&nap, on_nap, 0.005, 0.005);
	ev_timer_start(loop, &nap);
	ev_now_update(loop);
	double end = ev_now(loop) + ms / 1000.;
	bool got = false;
	while (!got && ev_now(loop) < end) {
		ev_run(loop, EVRUN_ONCE);
		peer_drain();
		if (counter)
			got = is_size ? (long)*(const size_t *)counter >= want
			              : *(const int *)counter >= want;
	}
	ev_timer_stop(loop, &nap);
	return got;
}
#define run_ms(ms) run_until(NULL, false, 0, (ms))
#define run_frames(n, ms) run_until(&nframes, true, (long)(n), (ms))
#define run_count(c, n, ms) run_until(&(c), false, (n), (ms))

/* A player on a new endpoint, aimed at the peer (aim false: no remote). */
static struct rtpr_player *player(bool aim)
{
	struct rtpr_media_ep *ep;
	CU_ASSERT_EQUAL_FATAL(rtpr_media_open(&ep, ports, RTPR_PCMU), 0);
	if (aim)
		CU_ASSERT_EQUAL(rtpr_media_set_remote(ep, "127.0.0.1", peer_port), 0);
	memset(&seen, 0, sizeof seen);
	nframes = 0;
	peer_drain();
	nframes = 0;
	CU_ASSERT_EQUAL_FATAL(rtpr_player_new(loop, ep, &ops, &seen, &seen.p), 0);
	CU_ASSERT_PTR_EQUAL(rtpr_player_endpoint(seen.p), ep);
	return seen.p;
}

static void done(void)
{
	rtpr_player_free(seen.p);
	seen.p = NULL;
	CU_ASSERT_EQUAL(rtpr_ports_in_use(ports), 0);   /* the endpoint closed with it */
}

/* n samples of v */
static struct rtpr_wav wav_const(size_t n, int16_t v)
{
	struct rtpr_wav w = { .samples = malloc(n * sizeof(int16_t)), .nsamples = n, .rate = 8000 };
	CU_ASSERT_PTR_NOT_NULL_FATAL(w.samples);
	for (size_t i = 0; i < n; i++)
		w.samples[i] = v;
	return w;
}

/* ---- the tests ---- */

static void test_pacing(void)
{
	player(true);
	run_ms(1000);
	/* one frame per 20 ms: 50 a second (bounds for a loaded machine;
	 * 40 ms or 10 ms pacing is out) */
	CU_ASSERT(nframes >= 35 && nframes <= 65);
	size_t bad = 0;
	for (size_t i = 0; i < nframes; i++)
		if (!frame_is(i, 0) || (i && seqs[i] != (uint16_t)(seqs[i - 1] + 1)))
			bad++;
	CU_ASSERT_EQUAL(bad, 0);   /* silence, one RTP packet after another */
	CU_ASSERT_EQUAL(seen.done, 0);   /* nothing was queued: no play_done */
	done();
}

static void test_queue_in_order(void)
{
	struct rtpr_wav a = wav_const(3 * RTPR_FRAME_SAMPLES, 1000);
	struct rtpr_wav b = wav_const(2 * RTPR_FRAME_SAMPLES, -2000);
	struct rtpr_player *p = player(true);
	CU_ASSERT(!rtpr_player_playing(p));
	CU_ASSERT_EQUAL(rtpr_player_play(p, &a), 0);
	CU_ASSERT_EQUAL(rtpr_player_play(p, &b), 0);
	CU_ASSERT_EQUAL(rtpr_player_play(p, NULL), -EINVAL);
	CU_ASSERT(rtpr_player_playing(p));
	CU_ASSERT(run_count(seen.done, 1, 2000));
	CU_ASSERT_EQUAL(seen.done_at, 5);   /* once, right after the last frame */
	CU_ASSERT(frame_is(0, 1000) && frame_is(1, 1000) && frame_is(2, 1000));
	CU_ASSERT(frame_is(3, -2000) && frame_is(4, -2000));
	CU_ASSERT(!rtpr_player_playing(p));
	CU_ASSERT(run_frames(16, 2000));
	CU_ASSERT_EQUAL(seen.done, 1);
	for (size_t i = 5; i < nframes; i++)
		CU_ASSERT(frame_is(i, 0));

	/* play_done queues the next: it follows without a frame of silence */
	nframes = 0;
	seen.done = 0;
	seen.requeue = &b;
	CU_ASSERT_EQUAL(rtpr_player_play(p, &a), 0);
	CU_ASSERT(run_count(seen.done, 2, 2000));
	CU_ASSERT(frame_is(2, 1000) && frame_is(3, -2000) && frame_is(4, -2000));
	CU_ASSERT_EQUAL(seen.done_at, 3);
	done();
	rtpr_wav_free(&a);
	rtpr_wav_free(&b);
}

/* A WAV file of n samples of v (rtpr_wav_load reads it back). */
static void write_wav(const char *path, size_t n, int16_t v)
{
	uint8_t h[44] = "RIFF....WAVEfmt ";
	uint32_t data = (uint32_t)(n * 2), riff = 36 + data;
	const uint8_t fmt[] = { 16, 0, 0, 0, 1, 0, 1, 0, 0x40, 0x1f, 0, 0, 0x80, 0x3e, 0, 0, 2, 0, 16, 0 };
	memcpy(h + 4, (uint8_t[]){ (uint8_t)riff, (uint8_t)(riff >> 8), (uint8_t)(riff >> 16), 0 }, 4);
	memcpy(h + 16, fmt, sizeof fmt);
	memcpy(h + 36, "data", 4);
	memcpy(h + 40, (uint8_t[]){ (uint8_t)data, (uint8_t)(data >> 8), (uint8_t)(data >> 16), 0 }, 4);
	FILE *f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fwrite(h, 1, sizeof h, f);
	for (size_t i = 0; i < n; i++)
		fwrite((uint8_t[]){ (uint8_t)v, (uint8_t)((uint16_t)v >> 8) }, 1, 2, f);
	CU_ASSERT_EQUAL(fclose(f), 0);
}

static void test_play_file(void)
{
	char path[] = "/tmp/test_player_XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	write_wav(path, RTPR_FRAME_SAMPLES + 40, 3000);
	struct rtpr_player *p = player(true);
	/* loaded into the queue, freed by it (valgrind tells) */
	CU_ASSERT_EQUAL(rtpr_player_play_file(p, path), 0);
	CU_ASSERT(run_count(seen.done, 1, 2000));
	CU_ASSERT_EQUAL(seen.done_at, 2);
	CU_ASSERT(frame_is(0, 3000));
	/* the last frame padded with silence */
	CU_ASSERT(nframes >= 2 && frames[1][39] == rtpr_ulaw_encode(3000) &&
	          frames[1][40] == rtpr_ulaw_encode(0) && frames[1][159] == rtpr_ulaw_encode(0));

	/* a file that cannot be read: nothing plays, play_done all the same */
	nframes = 0;
	seen.done = 0;
	CU_ASSERT_EQUAL(rtpr_player_play_file(p, "/nonexistent/msg0001.wav"), -ENOENT);
	CU_ASSERT(!rtpr_player_playing(p));
	CU_ASSERT(run_count(seen.done, 1, 2000));
	CU_ASSERT(run_frames(5, 2000));
	CU_ASSERT_EQUAL(seen.done, 1);
	for (size_t i = 0; i < nframes; i++)
		CU_ASSERT(frame_is(i, 0));

	/* a full queue drops the rest, told so; flushing frees the files */
	struct rtpr_wav a = wav_const(RTPR_FRAME_SAMPLES, 1);
	unsigned ok = 0;
	for (int i = 0; i < RTPR_PLAY_QUEUE; i++)
		ok += (i % 2 ? rtpr_player_play(p, &a) : rtpr_player_play_file(p, path)) == 0;
	CU_ASSERT_EQUAL(ok, RTPR_PLAY_QUEUE);
	CU_ASSERT_EQUAL(rtpr_player_play(p, &a), -ENOSPC);
	CU_ASSERT_EQUAL(rtpr_player_play_file(p, path), -ENOSPC);
	rtpr_player_flush(p);
	CU_ASSERT_EQUAL(rtpr_player_play_file(p, path), 0);   /* and some left queued at free */
	done();
	rtpr_wav_free(&a);
	unlink(path);
}

static void test_loop_music(void)
{
	/* a ramp that does not divide a frame: the repeat must be seamless */
	struct rtpr_wav m = wav_const(250, 0);
	for (size_t i = 0; i < m.nsamples; i++)
		m.samples[i] = (int16_t)(i * 100 - 12000);
	struct rtpr_wav a = wav_const(3 * RTPR_FRAME_SAMPLES, 1000);
	struct rtpr_player *p = player(true);
	rtpr_player_loop(p, &m);
	CU_ASSERT(run_frames(6, 2000));
	size_t before = nframes, bad = 0;
	for (size_t i = 0; i < before; i++)
		for (size_t j = 0; j < RTPR_FRAME_SAMPLES; j++)
			bad += frames[i][j] != rtpr_ulaw_encode(m.samples[(i * RTPR_FRAME_SAMPLES + j) % 250]);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(!rtpr_player_playing(p));
	CU_ASSERT_EQUAL(seen.done, 0);   /* music is no prompt */

	/* an announcement interrupts it; the music resumes where it stopped */
	CU_ASSERT_EQUAL(rtpr_player_play(p, &a), 0);
	CU_ASSERT(run_count(seen.done, 1, 2000));
	CU_ASSERT(run_frames(before + 6, 2000));
	CU_ASSERT_EQUAL(seen.done_at, before + 3);
	CU_ASSERT(frame_is(before, 1000) && frame_is(before + 1, 1000) && frame_is(before + 2, 1000));
	bad = 0;
	for (size_t i = before + 3; i < before + 6; i++)
		for (size_t j = 0; j < RTPR_FRAME_SAMPLES; j++)
			bad += frames[i][j] !=
			       rtpr_ulaw_encode(m.samples[((i - 3) * RTPR_FRAME_SAMPLES + j) % 250]);
	CU_ASSERT_EQUAL(bad, 0);

	/* a flush leaves the music on; NULL stops it */
	CU_ASSERT_EQUAL(rtpr_player_play(p, &a), 0);
	rtpr_player_flush(p);
	nframes = 0;
	CU_ASSERT(run_frames(2, 2000));
	CU_ASSERT(!frame_is(0, 1000) && !frame_is(0, 0));
	rtpr_player_loop(p, NULL);
	nframes = 0;
	CU_ASSERT(run_frames(3, 2000));
	CU_ASSERT(frame_is(0, 0) && frame_is(1, 0) && frame_is(2, 0));
	/* an empty WAV as music is silence, not a hang */
	struct rtpr_wav empty = { .samples = NULL, .nsamples = 0, .rate = 8000 };
	rtpr_player_loop(p, &empty);
	nframes = 0;
	CU_ASSERT(run_frames(2, 2000));
	CU_ASSERT(frame_is(0, 0) && frame_is(1, 0));
	done();
	rtpr_wav_free(&m);
	rtpr_wav_free(&a);
}

static void test_flush(void)
{
	struct rtpr_wav l = wav_const(100 * RTPR_FRAME_SAMPLES, 500);
	struct rtpr_player *p = player(true);
	CU_ASSERT_EQUAL(rtpr_player_play(p, &l), 0);
	CU_ASSERT(run_frames(5, 2000));
	rtpr_player_flush(p);
	CU_ASSERT(!rtpr_player_playing(p));
	size_t at = nframes;
	run_ms(300);
	CU_ASSERT(nframes > at + 5);
	for (size_t i = 0; i < at; i++)
		CU_ASSERT(frame_is(i, 500));
	for (size_t i = at; i < nframes; i++)
		CU_ASSERT(frame_is(i, 0));
	CU_ASSERT_EQUAL(seen.done, 0);   /* a flushed prompt owes no play_done */
	done();
	rtpr_wav_free(&l);
}

static void test_audio_gaps(void)
{
	struct rtpr_player *p = player(true);
	struct rtpr_media_ep *ep = rtpr_player_endpoint(p);
	static const struct { uint16_t seq; uint8_t b; } in[] = {
		{ 10, 0x10 }, { 11, 0x11 },
		{ 14, 0x14 },      /* 12, 13 lost: two frames of silence */
		{ 14, 0x99 },      /* a duplicate: dropped */
		{ 13, 0x98 },      /* late: its place was filled */
		{ 64, 0x40 },      /* 50 ahead: 49 filled */
		{ 115, 0x41 },     /* 51 ahead: a new stream, nothing filled */
		{ 65, 0x42 },      /* 50 behind: a new stream again */
		{ 66, 0x43 },
	};
	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
		send_audio(ep, in[i].seq, in[i].b);
	const int want = 2 + 2 + 1 + 49 + 1 + 1 + 1 + 1;
	CU_ASSERT(run_count(seen.naudio, want, 2000));
	run_ms(60);
	CU_ASSERT_EQUAL_FATAL(seen.naudio, want);
	static const int16_t silent = 0;
	const int16_t expect[] = {
		rtpr_ulaw_decode(0x10), rtpr_ulaw_decode(0x11), silent, silent, rtpr_ulaw_decode(0x14),
	};
	for (int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(seen.audio[i].first, expect[i]);
	int bad = 0;
	for (int i = 5; i < 5 + 49; i++)
		bad += seen.audio[i].first != 0;
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(seen.audio[54].first, rtpr_ulaw_decode(0x40));
	CU_ASSERT_EQUAL(seen.audio[55].first, rtpr_ulaw_decode(0x41));
	CU_ASSERT_EQUAL(seen.audio[56].first, rtpr_ulaw_decode(0x42));
	CU_ASSERT_EQUAL(seen.audio[57].first, rtpr_ulaw_decode(0x43));
	bad = 0;
	for (int i = 0; i < want; i++)
		bad += seen.audio[i].n != RTPR_FRAME_SAMPLES || !seen.audio[i].uniform;
	CU_ASSERT_EQUAL(bad, 0);
	done();
}

/* More packets than one wakeup takes: all come, in order. */
static void test_audio_burst(void)
{
	struct rtpr_player *p = player(true);
	for (uint16_t i = 0; i < 150; i++)
		send_audio(rtpr_player_endpoint(p), (uint16_t)(1000 + i), (uint8_t)(i % 2 ? 0x20 : 0x30));
	CU_ASSERT(run_count(seen.naudio, 150, 2000));
	run_ms(40);
	CU_ASSERT_EQUAL(seen.naudio, 150);
	int bad = 0;
	for (int i = 0; i < 150 && i < MAX_AUDIO; i++)
		bad += seen.audio[i].first != rtpr_ulaw_decode(i % 2 ? 0x20 : 0x30);
	CU_ASSERT_EQUAL(bad, 0);
	done();
}

static void test_digit(void)
{
	struct rtpr_player *p = player(true);
	struct rtpr_media_ep *ep = rtpr_player_endpoint(p);
	/* '7' for 100 ms: start, update, three ends (RFC 4733 §2.5.1.4) */
	send_event(ep, 1, 8000, 7, false, 160);
	send_event(ep, 2, 8000, 7, false, 480);
	send_event(ep, 3, 8000, 7, true, 800);
	send_event(ep, 4, 8000, 7, true, 800);
	send_event(ep, 5, 8000, 7, true, 800);
	send_event(ep, 6, 9600, 11, true, 400);   /* '#' in one packet */
	CU_ASSERT(run_count(seen.ndigits, 2, 2000));
	run_ms(60);
	CU_ASSERT_EQUAL_FATAL(seen.ndigits, 2);
	CU_ASSERT_EQUAL(seen.digits[0], '7');
	CU_ASSERT_EQUAL(seen.ms[0], 100);
	CU_ASSERT_EQUAL(seen.digits[1], '#');
	CU_ASSERT_EQUAL(seen.ms[1], 50);
	CU_ASSERT_EQUAL(seen.naudio, 0);   /* events are no audio */
	done();
}

/* An endpoint without a remote (an offer without address): the pace
 * goes on (-ENOTCONN); the peer's first packet gives it the remote. */
static void test_remote_learnt(void)
{
	struct rtpr_player *p = player(false);
	run_ms(100);
	CU_ASSERT_EQUAL(nframes, 0);
	send_audio(rtpr_player_endpoint(p), 1, 0x50);
	CU_ASSERT(run_frames(3, 2000));
	CU_ASSERT(frame_is(0, 0));
	CU_ASSERT_EQUAL(seen.naudio, 1);
	done();
}

/* player_free inside each callback: nothing more is called, nothing
 * leaks or is touched after (valgrind tells). */
static void test_free_in_callback(void)
{
	struct rtpr_wav a = wav_const(RTPR_FRAME_SAMPLES, 1000);
	struct rtpr_player *p = player(true);
	seen.free_in = FREE_IN_DONE;
	CU_ASSERT_EQUAL(rtpr_player_play(p, &a), 0);
	CU_ASSERT_EQUAL(rtpr_player_play_file(p, "/nonexistent.wav"), -ENOENT);
	CU_ASSERT(run_count(seen.done, 1, 2000));
	CU_ASSERT_PTR_NULL(seen.p);
	run_ms(60);
	CU_ASSERT_EQUAL(seen.done, 1);
	CU_ASSERT_EQUAL(rtpr_ports_in_use(ports), 0);

	/* in the gap filling: one call, then nothing */
	p = player(true);
	seen.free_in = FREE_IN_AUDIO;
	send_audio(rtpr_player_endpoint(p), 1, 0x10);
	send_audio(rtpr_player_endpoint(p), 5, 0x10);
	CU_ASSERT(run_count(seen.naudio, 1, 2000));
	run_ms(60);
	CU_ASSERT_EQUAL(seen.naudio, 1);
	CU_ASSERT_EQUAL(rtpr_ports_in_use(ports), 0);

	/* on a digit, with more digits and audio queued behind it */
	p = player(true);
	seen.free_in = FREE_IN_DTMF;
	struct rtpr_media_ep *ep = rtpr_player_endpoint(p);
	send_event(ep, 1, 100, 1, true, 400);
	send_event(ep, 2, 900, 2, true, 400);
	send_audio(ep, 3, 0x10);
	CU_ASSERT(run_count(seen.ndigits, 1, 2000));
	run_ms(60);
	CU_ASSERT_EQUAL(seen.ndigits, 1);
	CU_ASSERT_EQUAL(seen.naudio, 0);
	CU_ASSERT_EQUAL(rtpr_ports_in_use(ports), 0);
	rtpr_wav_free(&a);
}

static void test_new_errors(void)
{
	struct rtpr_player *p = (void *)1;
	CU_ASSERT_EQUAL(rtpr_player_new(loop, NULL, &ops, NULL, &p), -EINVAL);
	CU_ASSERT_PTR_NULL(p);
	/* without ops: music only, nothing to call */
	struct rtpr_media_ep *ep;
	CU_ASSERT_EQUAL_FATAL(rtpr_media_open(&ep, ports, RTPR_PCMU), 0);
	CU_ASSERT_EQUAL_FATAL(rtpr_player_new(loop, ep, NULL, NULL, &p), 0);
	struct rtpr_wav a = wav_const(RTPR_FRAME_SAMPLES, 1000);
	CU_ASSERT_EQUAL(rtpr_player_play(p, &a), 0);
	send_audio(ep, 1, 0x10);
	send_event(ep, 2, 100, 1, true, 400);
	run_ms(100);
	rtpr_player_free(p);
	rtpr_player_free(NULL);
	CU_ASSERT_EQUAL(rtpr_ports_in_use(ports), 0);
	rtpr_wav_free(&a);
}

static int suite_init(void)
{
	loop = ev_default_loop(0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	peer_fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (!loop || peer_fd < 0 || bind(peer_fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getsockname(peer_fd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	peer_port = ntohs(a.sin_port);
	return rtpr_ports_create(&ports, "127.0.0.1", PORT_MIN, PORT_MAX) < 0 ? -1 : 0;
}

static int suite_cleanup(void)
{
	rtpr_ports_destroy(ports);
	close(peer_fd);
	ev_loop_destroy(loop);
	return 0;
}

static CU_TestInfo player_tests[] = {
	{ "one frame per 20 ms, silence when idle", test_pacing },
	{ "prompts in order, then play_done once", test_queue_in_order },
	{ "a file owned by the queue; a missing one; a full queue", test_play_file },
	{ "loop music when idle, resumed after a prompt", test_loop_music },
	{ "flush: silence now, no play_done", test_flush },
	{ "audio in: lost packets filled, jumps are new streams", test_audio_gaps },
	{ "audio in: a burst beyond one wakeup's budget", test_audio_burst },
	{ "RFC 4733 digits", test_digit },
	{ "no remote until the peer's first packet", test_remote_learnt },
	{ "player_free inside a callback", test_free_in_callback },
	{ "player_new errors, no ops", test_new_errors },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "player", .pInitFunc = suite_init, .pCleanupFunc = suite_cleanup,
	  .pTests = player_tests },
	CU_SUITE_INFO_NULL,
};
