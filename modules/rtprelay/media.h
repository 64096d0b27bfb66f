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
 * RTP (e.g. telephone-event: skipped). */
int rtpr_media_recv_frame(struct rtpr_media_ep *ep, int16_t *pcm, size_t max, size_t *n,
                          uint16_t *seq);

/* The next 20 ms frame of a WAV player; false once every sample was
 * returned. */
bool rtpr_wav_next_frame(struct rtpr_wav_player *p, int16_t out[RTPR_FRAME_SAMPLES]);

#endif
