/* tandem — mod_rtprelay's API, for modules that are a call's far end
 * (voicemail, queue music, IVR): a call's media counters, and media
 * endpoints on the relay's port range that send and receive G.711 (WAV
 * prompts), and players that pace them (a play queue, music on hold, audio
 * and digits back). Fetch it with rtprelay_load_api(); call it from the
 * signalling thread. Only the types the API passes are here; the relay
 * engine stays private to the module. */
#ifndef TANDEM_RTPRELAY_H
#define TANDEM_RTPRELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <tandem/tandem.h>

#include <tandem/export.h>
TANDEM_API_BEGIN

/* The two sides of a relayed stream: the caller's leg, and the B side
 * (every B-leg of a call shares it). */
enum rtpr_leg { RTPR_LEG_A = 0, RTPR_LEG_B = 1 };

struct rtpr_leg_stats {
	uint64_t rx_packets, rx_bytes;   /* RTP received from this leg's endpoint */
	uint64_t tx_packets, tx_bytes;   /* RTP sent to it */
	uint64_t rtcp_rx, rtcp_tx;
	uint64_t dropped_foreign;        /* from a third address after latching */
	uint64_t dropped_invalid;        /* not RTP/RTCP v2, truncated */
	uint64_t dropped_srtp;           /* SRTP auth/replay failures */
	uint64_t dropped_nodest;         /* the other leg has no remote yet */
	bool latched, rtcp_latched;
	struct sockaddr_storage remote;  /* current RTP destination, if any */
	int64_t idle_ms;                 /* since the last packet received, -1 never */
	/* The last RTCP SR/RR report block this endpoint sent (RFC 3550 §6.4.1):
	 * its view of the stream the relay sends it. */
	bool have_report;
	uint8_t fraction_lost;           /* 1/256 units */
	int32_t cumulative_lost;
	uint32_t jitter;                 /* RTP timestamp units */
};

#define RTPR_FRAME_SAMPLES 160    /* 20 ms at 8 kHz */

enum rtpr_codec {
	RTPR_PCMU = 0,            /* static payload types, RFC 3551 §6 */
	RTPR_PCMA = 8,
};

/* A media endpoint: one RTP port (RTCP port reserved, unused) that sends
 * and receives one G.711 stream. Pacing (one frame per 20 ms) is the
 * caller's: it owns the loop and the timer; the endpoint's fd is
 * non-blocking. Not thread-safe: one thread per endpoint. */
struct rtpr_media_ep;

/* A prompt: PCM16 mono 8 kHz (wav_load). */
struct rtpr_wav {
	int16_t *samples;         /* host order, malloc'd */
	size_t nsamples;
	unsigned rate;
};

/* Walks a WAV in 20 ms frames; the last one is padded with silence. */
struct rtpr_wav_player {
	const struct rtpr_wav *wav;
	size_t pos;
};

struct tandem;
struct tandem_call;

/* A player: an endpoint driven on the signalling loop, for a module that
 * is a call's far end (voicemail, queue music, an IVR). Every 20 ms it
 * sends one frame: the next of its queue of prompts, else the loop music,
 * else silence (so the phone's jitter buffer and a NAT binding stay
 * alive; -ENOTCONN before the remote is known is ignored; while
 * media_reanswer left the endpoint silent, on hold, the queue goes on
 * unheard). What the endpoint receives comes back through ops, at most
 * 64 packets per wakeup. Everything, callbacks included, runs on the
 * signalling loop; a callback may call any player_* function, player_free
 * too (the player is then freed once the callback returns; nothing more
 * is called). */
#define RTPR_PLAY_QUEUE 48        /* "you have 1234 new messages..." */
#define RTPR_GAP_FILL_MAX 50      /* lost packets filled with silence: 1 s */
struct rtpr_player;
struct rtpr_player_ops {
	/* The queue ran empty after a prompt was queued (once per drain;
	 * never for a flushed prompt; never from inside player_play*). It
	 * may queue the next prompt: that one's first frame goes out in
	 * the same tick. */
	void (*play_done)(void *arg);
	/* Audio from the peer, one call per packet (160 samples for 20 ms
	 * G.711, at most 320). Lost packets, told by the RTP sequence number,
	 * are filled with that many frames of silence, up to
	 * RTPR_GAP_FILL_MAX, so a recording keeps the caller's timing;
	 * duplicates and late packets are dropped; a bigger jump is a new
	 * stream (another SSRC, a restarted phone), taken as it comes. */
	void (*audio)(void *arg, const int16_t *pcm, size_t n);
	/* An RFC 4733 press (media_dtmf), once, after the packet ending it.
	 * A module that owns a call passes it to tandem_call_dtmf so that
	 * SIP INFO and RFC 4733 digits reach its owner callback alike. */
	void (*dtmf)(void *arg, char digit, unsigned ms);
};

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
	/* Be the far end of a caller's offer (RFC 3264 §6): parse the SDP
	 * offer[0..len), open an endpoint for its first RTP/AVP audio stream
	 * with G.711 (PCMU or PCMA, in the offerer's order of preference),
	 * aimed at the offer's address and port, with the offer's
	 * telephone-event payload type, and write the answer (our address and
	 * port, the chosen codec, telephone-event when offered, every other
	 * m-line rejected with port 0, the direction mirrored) into
	 * answer[0..size), NUL-terminated. Returns the answer's length;
	 * -EPROTONOSUPPORT (no plain RTP audio stream with G.711: answer 488),
	 * -EINVAL (malformed SDP), -ENOSPC, or media_open's error. */
	int (*media_answer)(struct tandem *t, const char *offer, size_t len,
	                    struct rtpr_media_ep **ep, char *answer, size_t size);
	/* For an INVITE without SDP: open an endpoint and write an offer
	 * (PCMU, PCMA, telephone-event 101). The remote is learnt from the
	 * first RTP the peer sends (below). Returns the offer's length or
	 * negative as media_answer. */
	int (*media_offer)(struct tandem *t, struct rtpr_media_ep **ep, char *offer, size_t size);
	/* A new offer in the endpoint's session (a re-INVITE or UPDATE: hold,
	 * resume, a new address or codec; RFC 3264 §8): the answer keeps the
	 * endpoint's port and session, its o= version one higher; the remote,
	 * codec and telephone-event type follow the offer, and while the
	 * answer is recvonly or inactive (the peer holds) the endpoint sends
	 * nothing. Returns the answer's length or negative as media_answer
	 * (the endpoint unchanged). */
	int (*media_reanswer)(struct tandem *t, struct rtpr_media_ep *ep, const char *offer,
	                      size_t len, char *answer, size_t size);
	/* Endpoints are symmetric (RFC 4961): RTP received from an address
	 * other than the remote moves the remote there, so a phone behind NAT
	 * hears what it is sent; media_recv_frame decodes PCMU and PCMA
	 * whatever codec the endpoint sends. */

	/* A player (struct rtpr_player, above) on an endpoint. It takes ep
	 * whatever the outcome: on error (-EINVAL: ep NULL, -ENOMEM) ep is
	 * closed and *out NULL. ops is copied; ops NULL, or any of its
	 * callbacks NULL, is nothing to call. Pacing starts at once on
	 * tandem_loop(t). 0 or -errno. */
	int (*player_new)(struct tandem *t, struct rtpr_media_ep *ep,
	                  const struct rtpr_player_ops *ops, void *arg, struct rtpr_player **out);
	/* Stop, drop the queue (no play_done), close the endpoint. Allowed
	 * inside the player's own callbacks (nothing more is called, and p
	 * must not be used again); NULL is a no-op. */
	void (*player_free)(struct rtpr_player *p);
	/* Queue a prompt the caller keeps alive until it has played, the
	 * queue was flushed or the player freed. 0, -EINVAL (w NULL: nothing changes), -ENOSPC
	 * (RTPR_PLAY_QUEUE prompts wait already: w dropped). A play_done is
	 * owed after any call but the -EINVAL one. */
	int (*player_play)(struct rtpr_player *p, const struct rtpr_wav *w);
	/* Load path (wav_load) and queue it; the player frees it once played
	 * or flushed. 0, -ENOSPC, or wav_load's error: then nothing plays but
	 * play_done is still owed (a menu goes on past a missing message). */
	int (*player_play_file)(struct rtpr_player *p, const char *path);
	/* Music on hold: w (the caller's, alive until replaced or
	 * player_free; one w may serve many players) repeats seamlessly
	 * whenever the queue is empty, instead of silence; a prompt
	 * interrupts it and it resumes where it stopped. Each call starts w
	 * at its beginning; NULL: silence again. */
	void (*player_loop)(struct rtpr_player *p, const struct rtpr_wav *w);
	/* Drop every queued prompt now (barge-in): no play_done for them;
	 * the loop, if any, goes on. */
	void (*player_flush)(struct rtpr_player *p);
	/* A prompt is queued or playing. */
	bool (*player_playing)(const struct rtpr_player *p);
	/* The player's endpoint: for media_port, media_reanswer,
	 * media_set_dtmf_pt (not media_recv_frame or media_dtmf: the
	 * player reads it), until player_free. */
	struct rtpr_media_ep *(*player_endpoint)(const struct rtpr_player *p);
	/* A module that answered a call with an endpoint (it is the call's
	 * far end) hands owner->request here (include/tandem/call.h): a
	 * re-INVITE or UPDATE with SDP is answered in the endpoint's session
	 * (media_reanswer: hold, resume, a new address; 488 when it cannot);
	 * one without SDP gets sdp again (RFC 3261 §14.1); OPTIONS and INFO
	 * 200; the rest 405 with Allow. sdp[0..*len) is the last SDP sent to
	 * the caller, size bytes: a new answer replaces it. */
	void (*far_end_request)(struct tandem *t, struct tandem_call *call, struct sip_tsx *st,
	                        const struct sip_msg *req, struct rtpr_media_ep *ep, char *sdp,
	                        size_t size, size_t *len);
	/* Relay the call's media (on) or leave it end to end (off), as the
	 * dialplan's rtprelay(on|off) does: a trunk with media = "direct".
	 * Before the dial whose offers it concerns. 0, -ENOMEM. */
	int (*call_relay)(struct tandem *t, struct tandem_call *call, bool on);
};

/* mod_rtprelay's API, or NULL (logged: which module to load first) when
 * mod_rtprelay is not loaded. user names the caller in that log line
 * ("voicemail" logs "mod_voicemail: ..."). Call it from init or later: a
 * module that lists "rtprelay" in its deps never gets NULL. The pointer
 * stays valid while tandemd runs. */
static inline const struct mod_rtprelay_api *rtprelay_load_api(struct tandem *t, const char *user)
{
	const struct mod_rtprelay_api *api =
		(const struct mod_rtprelay_api *)tandem_module_api(t, "rtprelay");
	if (!api)
		tlog_error("mod_%s: no media endpoints: load module \"rtprelay\" first "
		           "(list it in modules, or in the deps of mod_%s)", user, user);
	return api;
}

TANDEM_API_END
#endif
