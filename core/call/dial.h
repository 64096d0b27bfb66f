/* tandem — the dial engine: the one thing in the core that rings someone.
 * Calls (a dial() of the dialplan), transfers (the Refer-To target) and
 * modules (tandem_call_bridge: a queue offering a caller to an agent,
 * voicemail's redirect) all embed a struct dial and drive it through the
 * functions below; what differs between them is only what they do with
 * a provisional, with the answer and with the end, told through
 * struct dial_ops.
 *
 * What the engine does, once for all of them:
 *  - targets ("1002", "sip:...", "trunk:a/1", "test:bob") are resolved by
 *    scheme (resolve.h), synchronously or not, into B-legs;
 *  - TANDEM_DIAL_PARALLEL rings every target at once, TANDEM_DIAL_HUNT one
 *    after the other; the timeout runs per group (each hunt step, or the
 *    whole parallel dial) and covers pending resolutions too;
 *  - a 2xx wins: the other B-legs are CANCELled (RFC 3261 §9.1), pending
 *    resolutions abandoned, a late 2xx is ACKed and BYEd (§13.2.2.4);
 *  - a 3xx is followed within the dial (call forward), at most
 *    DIAL_MAX_REDIRECTS times;
 *  - failures keep the most telling one (§16.7 step 6, dial_rules.h); a
 *    6xx ends the dial: nothing else is rung (§16.7 step 5);
 *  - the end is classified once (tandem_dial_outcome_of): busy, noanswer,
 *    unavailable, fail.
 * Everything runs on the signalling loop. */
#ifndef TANDEM_DIAL_H
#define TANDEM_DIAL_H

#include <ev.h>
#include <stdbool.h>

#include <tandem/call.h>
#include <tandem/str.h>

#include "dial_rules.h"
#include "resolve.h"

#define DIAL_MAX_TARGETS 16
#define DIAL_MAX_REDIRECTS 5

struct call;
struct leg;
struct sip_msg;
struct dial;

/* What a B-leg's INVITE carries besides the dialog. */
struct bleg_invite {
	const char *from;           /* our From name-addr (no tag) */
	const struct sip_msg *req;  /* end-to-end headers and the offer's MEDIA hook, may be
	                             * NULL; must outlive the dial (A's INVITE does) */
	const char *headers;        /* extra lines, may be NULL (copied by dial_start) */
	struct sip_str ctype, body; /* no body: an offerless INVITE (RFC 3264 §5 late offer);
	                             * must outlive the dial */
	int max_forwards;           /* 0: send Max-Forwards 0 */
};

/* What the user of a dial does at each turn; d is the struct it embeds
 * (container_of style, or d->call). Only settled is required. */
struct dial_ops {
	/* Logged when the timeout fires: "call X: <noanswer> within N s". */
	const char *noanswer;
	/* A provisional (101..199) of B-leg b while the dial is still open
	 * (a transfer keeps it; a call relays it to its caller). */
	void (*progress)(struct dial *d, struct leg *b, const struct sip_msg *resp);
	/* b's 2xx arrived first. Return 0 to take it, or a failure status
	 * (the 2xx cannot be used, e.g. no offer in it): the engine then ACKs
	 * and BYEs b, keeps the status as a failure and the dial goes on. */
	int (*accept)(struct dial *d, struct leg *b, const struct sip_msg *resp);
	/* b won: every other leg and resolution of the dial is already given
	 * up, the timer stopped. b's 2xx is not ACKed yet: answered ACKs it
	 * (now, or later with the answer to an offer in it, RFC 3264 §4). */
	void (*answered)(struct dial *d, struct leg *b, const struct sip_msg *resp);
	/* Nothing answered: outcome o, status the most telling failure (480
	 * when none was kept), reason its phrase or NULL. Not called for a
	 * dial stopped with dial_stop, nor when dial_start fails. */
	void (*settled)(struct dial *d, enum tandem_dial_outcome o, int status, const char *reason);
};

/* Embedded in every call, so what only a running dial needs is allocated
 * by dial_start (an idle dial costs about 150 bytes). */
struct dial {
	struct call *call;
	const struct dial_ops *ops;
	char **targets;             /* ntargets of them */
	size_t ntargets, next;
	enum tandem_dial_mode mode;
	unsigned timeout;           /* seconds, per group */
	ev_timer timer;
	bool running;               /* started, not yet answered nor settled nor stopped */
	bool answered;
	bool timed_out;
	unsigned redirects;
	struct dial_failure best;
	struct bleg_invite inv;     /* from and headers point into the dial */
	char *from;
	char *headers;              /* inv.headers + the dial's own lines */
	char *domain;               /* the host the caller addressed (tandem_resolve_domain) */
	struct tandem_resolve *pending;
	struct leg *winner;         /* once answered */
};

/* Once, when the owner is created (the dial is idle). */
void dial_init(struct dial *d, struct call *c, const struct dial_ops *ops);
/* Ring spec's targets for d->call with B-leg INVITEs as inv says (its
 * from, end-to-end headers and offer; spec->headers are added to inv's
 * headers). spec->timeout 0: calls.dial_timeout; more than
 * DIAL_MAX_TARGETS targets: the rest are ignored (logged).
 * 0: something rings (or is being resolved); ops then tell the rest.
 * Else the status of the most telling failure (>= 300; 500 out of memory,
 * 480 no target): nothing rings, no callback follows. -EBUSY: d runs. */
int dial_start(struct dial *d, const struct tandem_dial *spec, const struct bleg_invite *inv);
/* Give the dial up without an outcome (the caller CANCELled or hung up, a
 * module stopped it): ringing legs are CANCELled, pending resolutions
 * abandoned; no callback. */
void dial_stop(struct dial *d);
/* The owner goes away: dial_stop, and the legs it started no longer
 * report to it (a late 2xx is ACKed and BYEd, a failure dropped). */
void dial_clear(struct dial *d);
/* The most telling failure of the last dial that ended (0: none kept),
 * for a caller's final answer; its phrase is d->best.reason. */
static inline int dial_status(const struct dial *d) { return d->best.status; }

/* bleg.c hands every response of a dial's B-leg INVITE to the engine (b->dial
 * set; a leg without one is an orphan: late 2xx ACKed and BYEd). */
void dial_bleg_progress(struct leg *b, const struct sip_msg *resp);
void dial_bleg_answered(struct leg *b, const struct sip_msg *resp);
void dial_bleg_failed(struct leg *b, const struct sip_msg *resp, int status);

#endif
