/* mod_rtprelay — SDP written by a media endpoint that is the call's far
 * end: the answer to a caller's offer (RFC 3264 §6) and an offer of its own
 * (§5). Pure: no I/O, no allocation, no globals. */
#ifndef RTPRELAY_ANSWER_H
#define RTPRELAY_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include <tandem/rtprelay.h> /* enum rtpr_codec */

#include "sdp.h"

/* The telephone-event payload type an endpoint offers and expects until
 * told otherwise (a common choice; any dynamic type would do). */
#define RTPR_TE_PT_DEFAULT 101

/* The stream an endpoint takes from an offer. */
struct rtpr_sdp_choice {
	unsigned stream;          /* index of its m-line */
	enum rtpr_codec codec;    /* PCMU or PCMA, the offerer's first */
	int te_pt;                /* telephone-event payload type, -1 when not offered */
	enum rtpr_sdp_dir dir;    /* our direction, the offer's mirrored */
	/* Where to send: the m-line's connection address, "" when it is
	 * 0.0.0.0, :: or not a numeric address (latching learns it). */
	char remote[RTPR_SDP_ADDR_LEN];
	uint16_t remote_port;
};

/* The first audio m-line with proto exactly RTP/AVP, a port, and PCMU (0)
 * or PCMA (8) among its formats. 0, or -EPROTONOSUPPORT when there is
 * none (answer 488). */
int rtpr_sdp_choose(const struct rtpr_sdp *offer, struct rtpr_sdp_choice *out);

/* Write the answer to offer into out[0..size), CRLF line ends,
 * NUL-terminated: o= with sess_id and version (RFC 4566 §5.2; one
 * higher for every changed SDP of a session, RFC 3264 §8), c= my_addr (IPv4
 * or IPv6 literal), the m-lines of the offer in its order, the chosen one
 * on my_port with its codec and telephone-event (a=fmtp 0-15), every other
 * one with port 0. choice (may be NULL) gets what rtpr_sdp_choose chose.
 * Returns the answer's length, -EPROTONOSUPPORT, -EINVAL (bad my_addr or
 * my_port), -ENOSPC. */
int rtpr_sdp_answer(const struct rtpr_sdp *offer, const char *my_addr, uint16_t my_port,
                    uint64_t sess_id, uint64_t version, struct rtpr_sdp_choice *choice,
                    char *out, size_t size);

/* Write an offer of one audio stream on my_port: PCMU, PCMA and
 * telephone-event RTPR_TE_PT_DEFAULT, sendrecv. Returns its length,
 * -EINVAL, -ENOSPC. */
int rtpr_sdp_offer(const char *my_addr, uint16_t my_port, uint64_t sess_id, uint64_t version,
                   char *out, size_t size);

#endif
