/* mod_rtprelay — the relay engine: sessions of two legs (A, B) forwarding
 * RTP and RTCP between them on dedicated media threads (epoll, recvmmsg/
 * sendmmsg batches), with symmetric latching (NAT), per-leg SRTP and
 * counters, and media-timeout detection.
 *
 * Threading: every rtpr_session_* call is made from the control thread
 * (the signalling loop); packets are handled on the session's media
 * thread. They share the session state under its mutex only. */
#ifndef RTPRELAY_RELAY_H
#define RTPRELAY_RELAY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <tandem/rtprelay.h> /* enum rtpr_leg, struct rtpr_leg_stats */

#include "ports.h"
#include "srtp.h"

struct rtpr_relay;
struct rtpr_session;

/* Runs on a media thread, without locks held. It must not destroy the
 * session (that would wait for the thread it runs on): hand the event to
 * the control loop (ev_async) and destroy from there. */
typedef void (*rtpr_timeout_fn)(struct rtpr_session *s, void *user, void *arg);

struct rtpr_relay_config {
	unsigned threads;         /* media threads; 0 = 1 */
	unsigned timeout_ms;      /* no RTP/RTCP on either leg this long; 0 = never */
	rtpr_timeout_fn on_timeout;
	void *arg;                /* third argument of on_timeout */
};

int rtpr_relay_create(struct rtpr_relay **out, struct rtpr_ports *ports,
                      const struct rtpr_relay_config *cfg);
/* Stops the threads; sessions still open are destroyed. */
void rtpr_relay_destroy(struct rtpr_relay *r);

/* Two port pairs from the pool; the session is live at once (latching
 * works before any remote is set). user is given to on_timeout. */
int rtpr_session_create(struct rtpr_relay *r, void *user, struct rtpr_session **out);
/* Waits until the media thread has let go, then frees; ports released. */
void rtpr_session_destroy(struct rtpr_session *s);

/* Local RTP port of a leg (the address the leg's endpoint must send to);
 * RTCP is that + 1. */
uint16_t rtpr_session_port(const struct rtpr_session *s, enum rtpr_leg leg);

/* Where to send to this leg until it latches (from its SDP). rtcp_port 0 =
 * rtp_port + 1. Resets latching (a re-INVITE may move the endpoint).
 * Returns 0 or -EINVAL for a bad address. */
int rtpr_session_set_remote(struct rtpr_session *s, enum rtpr_leg leg,
                            const char *addr, uint16_t rtp_port, uint16_t rtcp_port);

/* SRTP of a leg: rx is the key in the endpoint's a=crypto (to unprotect
 * what it sends), tx the key we offered it (to protect what we send).
 * NULL means plain RTP that way. Returns 0 or negative (keys unchanged). */
int rtpr_session_set_crypto(struct rtpr_session *s, enum rtpr_leg leg,
                            const struct rtpr_srtp_key *rx, const struct rtpr_srtp_key *tx);

/* On hold no media timeout fires (the phone may be silent). */
void rtpr_session_set_hold(struct rtpr_session *s, bool hold);
int rtpr_session_stats(struct rtpr_session *s, enum rtpr_leg leg, struct rtpr_leg_stats *out);
/* Set once the media timeout fired; cleared by new media or hold. */
bool rtpr_session_timed_out(struct rtpr_session *s);
void *rtpr_session_user(const struct rtpr_session *s);

/* The relay's counters for the metrics: every session ever (those ended
 * and those live), and what the live ones' endpoints report (RFC 3550
 * §6.4.1 report blocks: the view of the stream the relay sends them).
 * From the control thread; takes each live session's lock briefly. */
struct rtpr_relay_totals {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;  /* RTP, both legs */
	uint64_t rtcp_rx, rtcp_tx;
	uint64_t dropped_foreign, dropped_invalid, dropped_srtp, dropped_nodest;
	uint64_t lost;                  /* the reports' cumulative lost (below 0 as 0) */
	unsigned sessions;              /* live */
	unsigned reporting;             /* live legs with a report */
	uint32_t jitter_max;            /* of the live legs' reports, RTP timestamp units */
	uint8_t fraction_lost_max;      /* of the live legs' reports, 1/256 */
};
void rtpr_relay_totals(struct rtpr_relay *r, struct rtpr_relay_totals *out);

#endif
