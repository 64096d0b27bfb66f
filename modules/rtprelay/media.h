/* mod_rtprelay — a small media API for other modules (voicemail, queue):
 * an RTP endpoint that sends G.711 frames (e.g. from a WAV prompt) and
 * receives and decodes G.711. Pacing (one frame per 20 ms) is the
 * caller's: it owns the loop and the timer; the endpoint's fd is
 * non-blocking. Not thread-safe: one thread per endpoint. */
#ifndef RTPRELAY_MEDIA_H
#define RTPRELAY_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tandem/rtprelay.h> /* codecs, frames, endpoints, WAV player */

#include "g711.h"
#include "ports.h"
#include "wav.h"

/* An endpoint on a port pair from ports (RTCP port reserved, unused). */
int rtpr_media_open(struct rtpr_media_ep **out, struct rtpr_ports *ports, enum rtpr_codec codec);
void rtpr_media_close(struct rtpr_media_ep *ep);
uint16_t rtpr_media_port(const struct rtpr_media_ep *ep);
int rtpr_media_fd(const struct rtpr_media_ep *ep);
int rtpr_media_set_remote(struct rtpr_media_ep *ep, const char *addr, uint16_t port);
/* Encode and send one 20 ms frame. 0, -ENOTCONN (no remote), -errno. */
int rtpr_media_send_frame(struct rtpr_media_ep *ep, const int16_t pcm[RTPR_FRAME_SAMPLES]);
/* Receive one packet and decode it into pcm (up to max samples; *n set).
 * -EAGAIN when nothing is queued, -ENOMSG for a packet that is not G.711
 * RTP. A telephone-event (RFC 4733, payload type rtpr_media_set_dtmf_pt)
 * is -ENOMSG too, but decoded first: the presses it completes are queued
 * for rtpr_media_dtmf. PCMU and PCMA are decoded whatever the endpoint
 * sends. Symmetric (RFC 4961): a G.711 or telephone-event packet from
 * another address than the remote moves the remote there. */
int rtpr_media_recv_frame(struct rtpr_media_ep *ep, int16_t *pcm, size_t max, size_t *n,
                          uint16_t *seq);
/* Be the far end of a caller's SDP offer (mod_rtprelay_api.media_answer):
 * an endpoint on ports for the stream rtpr_sdp_choose picks, its remote
 * the offer's address (unset when on hold or a name), and the answer in
 * answer[0..size) carrying my_addr. Returns the answer's length,
 * -EPROTONOSUPPORT (no usable stream, or more m-lines than
 * RTPR_SDP_MAX_MEDIA), -EINVAL (malformed), -ENOSPC, or the port
 * allocator's error; *out is NULL on error. */
int rtpr_media_answer(struct rtpr_ports *ports, const char *my_addr, const char *offer,
                      size_t len, struct rtpr_media_ep **out, char *answer, size_t size);
/* A new offer for an endpoint's session (mod_rtprelay_api.media_reanswer). */
int rtpr_media_reanswer(struct rtpr_media_ep *ep, const char *my_addr, const char *offer,
                        size_t len, char *answer, size_t size);
/* Open an endpoint and write an offer for it (mod_rtprelay_api.media_offer).
 * It sends PCMU until the peer sends PCMA; its remote is latched. */
int rtpr_media_offer(struct rtpr_ports *ports, const char *my_addr, struct rtpr_media_ep **out,
                     char *offer, size_t size);
/* The payload type of telephone-event the endpoint's SDP announced
 * (a=rtpmap:PT telephone-event/8000); 101 until set. */
void rtpr_media_set_dtmf_pt(struct rtpr_media_ep *ep, unsigned pt);
/* The oldest press not yet taken: 1 and *digit (0-9 * # A-D), *ms set; 0
 * when none is queued. At most RTPR_DTMF_QUEUE wait; older ones are
 * dropped (the reader did not call this for a long time). */
#define RTPR_DTMF_QUEUE 16
int rtpr_media_dtmf(struct rtpr_media_ep *ep, char *digit, unsigned *ms);

/* ---- RFC 4733 telephone-events, decoded ----
 * One press is the packets that share one RTP timestamp (§2.5.1.1): the
 * first, updates with a growing duration, and the end packet (E bit),
 * sent three times (§2.5.1.4). A press is reported once, at its end; a
 * press whose end packets were all lost is reported when the next one
 * starts. A sender that keeps the timestamp for the next press is
 * recognised by a packet without E bit after the end. */
struct rtpr_dtmf_press {
	char digit;
	unsigned duration_ms;
};
/* Timestamp and sequence number both far behind an ended press: the
 * sender restarted its stream (a new call leg, a replayed capture), so a
 * new press, not a late packet (RFC 3550 §8.2 leaves such jumps to us). */
#define RTPR_DTMF_RESTART 100
struct rtpr_dtmf {
	bool active, ended;
	uint32_t ts;
	uint16_t end_seq;
	char digit;
	unsigned dur;              /* timestamp units (8 kHz) */
};
/* Feed the payload of one telephone-event packet (its RTP sequence number
 * and timestamp). The presses it completes go to out (a press whose end
 * was lost, then one that starts and ends in this packet): their number,
 * or -EINVAL for a payload shorter than the 4 bytes of §2.3. Events other
 * than 0-15 (DTMF, §3.2) are ignored. */
int rtpr_dtmf_feed(struct rtpr_dtmf *d, uint16_t seq, uint32_t ts, const uint8_t *pl, size_t len,
                   struct rtpr_dtmf_press out[2]);

/* The next 20 ms frame of a WAV player; false once every sample was
 * returned. */
bool rtpr_wav_next_frame(struct rtpr_wav_player *p, int16_t out[RTPR_FRAME_SAMPLES]);

#endif
