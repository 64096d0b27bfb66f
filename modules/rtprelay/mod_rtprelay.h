/* mod_rtprelay — what other modules (voicemail, queue) fetch with
 * tandem_module_api(t, "rtprelay"): media endpoints on the relay's port
 * range, WAV prompts, G.711. Call from the signalling thread. */
#ifndef MOD_RTPRELAY_H
#define MOD_RTPRELAY_H

#include "media.h"
#include "relay.h"

struct tandem;
struct tandem_call;

struct mod_rtprelay_api {
	/* A call's media counters: stream = m-line index, leg A or B (all
	 * B-legs share B). 0, or -ENOENT when that stream is not relayed.
	 * Valid until the call's CALL_END hook chain ends. */
	int (*call_stats)(struct tandem *t, struct tandem_call *call, unsigned stream,
	                  enum rtpr_leg leg, struct rtpr_leg_stats *out);
	int (*media_open)(struct tandem *t, enum rtpr_codec codec, struct rtpr_media_ep **out);
	void (*media_close)(struct rtpr_media_ep *ep);
	uint16_t (*media_port)(const struct rtpr_media_ep *ep);
	int (*media_fd)(const struct rtpr_media_ep *ep);
	int (*media_set_remote)(struct rtpr_media_ep *ep, const char *addr, uint16_t port);
	int (*media_send_frame)(struct rtpr_media_ep *ep, const int16_t pcm[RTPR_FRAME_SAMPLES]);
	int (*media_recv_frame)(struct rtpr_media_ep *ep, int16_t *pcm, size_t max, size_t *n,
	                        uint16_t *seq);
	int (*wav_load)(const char *path, struct rtpr_wav *w);
	void (*wav_free)(struct rtpr_wav *w);
	bool (*wav_next_frame)(struct rtpr_wav_player *p, int16_t out[RTPR_FRAME_SAMPLES]);
	/* The address SDP should carry for endpoints (the bind address). */
	const char *(*media_address)(struct tandem *t);
	/* RFC 4733 DTMF on an endpoint (media.h): media_recv_frame decodes
	 * telephone-events (payload type media_set_dtmf_pt, 101 by default)
	 * and returns -ENOMSG for them; media_dtmf then hands out each press
	 * once (1, or 0 when none waits). The module that reads the endpoint
	 * passes the digit on with tandem_call_dtmf (include/tandem/call.h),
	 * which tells the call's owner. */
	void (*media_set_dtmf_pt)(struct rtpr_media_ep *ep, unsigned pt);
	int (*media_dtmf)(struct rtpr_media_ep *ep, char *digit, unsigned *ms);
};

#endif
