/* mod_rtprelay — the media of one call: SDP offers and answers crossing
 * the call (the core's MEDIA hook) become relay sessions, one per m-line,
 * and are rewritten so each leg sends to the relay; SRTP keys per side.
 *
 * A call has two sides: A (the caller's leg) and B (every B-leg: forks of
 * a ring group share the B side of the sessions, the one that answers
 * last is where media goes). Loop thread only. */
#ifndef RTPRELAY_CALLMEDIA_H
#define RTPRELAY_CALLMEDIA_H

#include <stdbool.h>

#include <tandem/tandem.h>

#include "relay.h"
#include "sdp.h"

/* What the call offers the B side (A follows what it offered itself). */
enum rp_srtp_pref {
	RP_SRTP_FOLLOW = 0,       /* the offerer's profile: SRTP if it offered SRTP */
	RP_SRTP_ON,               /* RTP/SAVP with our a=crypto */
	RP_SRTP_OFF,              /* plain RTP/AVP */
};

struct rp_ctx {                   /* what every call shares (mod_rtprelay.c) */
	struct rtpr_relay *relay;
	struct rtpr_ports *ports;
	const char *addr;         /* relay address written into SDP */
	enum rp_srtp_pref pref;   /* default for calls the dialplan says nothing about */
	struct rp_call *calls;    /* every live call's media (the timeout scan) */
};

struct rp_call;

/* The call's media state, created on first use (create) and stored in the
 * call's rtprelay slot. NULL without create, or on ENOMEM. */
struct rp_call *rp_call_get(struct rp_ctx *ctx, struct tandem_call *call, bool create);
/* A MEDIA event: set up the sessions and replace the body. */
void rp_call_sdp(struct rp_ctx *ctx, struct rp_call *rc, struct tandem_event *ev);
/* The dialplan's rtprelay(...) choice for this call. */
void rp_call_set_pref(struct rp_call *rc, enum rp_srtp_pref pref);
void rp_call_set_off(struct rp_call *rc, bool off);
bool rp_call_is_off(const struct rp_call *rc);
/* The call was answered: the media timeout counts from now. */
void rp_call_answered(struct rp_call *rc);
/* Answered, relayed, and every session's media timed out (not on hold). */
bool rp_call_idle(const struct rp_call *rc);
/* Counters of stream i's leg (false when the stream has no session). */
bool rp_call_stats(const struct rp_call *rc, unsigned stream, enum rtpr_leg leg,
                   struct rtpr_leg_stats *out);
/* What the control socket shows of stream i (false: it has no session). */
struct rp_stream_info {
	const char *codec;        /* the answer's first format ("PCMU/8000"), "" before it */
	const char *srtp[2];      /* per side (enum rtpr_leg): the SRTP suite, NULL plain RTP */
	bool hold;
};
bool rp_call_stream_info(const struct rp_call *rc, unsigned stream, struct rp_stream_info *out);
/* Log the counters, release every port, forget the call. */
void rp_call_end(struct rp_ctx *ctx, struct rp_call *rc);

/* "media" in each call's object on the control socket (control.c):
 * served from start to stop. 0 or tandem_control_call_info_add's error. */
int rp_control_add(struct tandem *t, struct rp_ctx *ctx);
void rp_control_remove(struct tandem *t);

/* Walk ctx->calls. */
struct rp_call *rp_call_next(const struct rp_call *rc);
struct tandem_call *rp_call_owner(const struct rp_call *rc);

#endif
