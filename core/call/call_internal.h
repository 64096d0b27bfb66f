/* tandem — the call core's private structures, shared by call.c (calls and
 * legs) and message.c (MESSAGE outside a dialog). */
#ifndef TANDEM_CALL_INTERNAL_H
#define TANDEM_CALL_INTERNAL_H

#include <tandem/call.h>

#include "call.h"
#include "dial.h"
#include "dialog.h"
#include "dialplan/dialplan.h"

#define LEG_BUCKETS 4096

struct call;
struct leg;
struct creq;
struct xfer;

enum leg_state { LEG_EARLY = 0, LEG_CONFIRMED, LEG_TERMINATED };

struct leg {
	int refs;
	struct call *call;
	bool is_a;
	enum leg_state state;
	struct dialog d;
	struct sip_tsx *st;        /* A: the INVITE server transaction (referenced) */
	struct creq *inv;          /* B: the INVITE while it has no final */
	uint32_t inv_cseq;         /* B: CSeq of the INVITE (its ACK uses it) */
	char *ack;                 /* B: the ACK for the 2xx, re-sent on retransmissions */
	size_t ack_len;
	struct sip_dest ack_dst;
	struct sip_dest dst;       /* B: where the INVITE went */
	unsigned pending;          /* creqs in flight on this leg */
	bool lost;                 /* B: another leg won, or the dial was abandoned */
	bool bye_sent;
	bool reinv_out, reinv_in;  /* a re-INVITE in progress, §14.2 glare */
	int final;                 /* B: the final status of the INVITE */
	uint32_t rseq;             /* B: last RSeq PRACKed (RFC 3262 §4) */
	unsigned idx;              /* TANDEM_LEG_A, or B-legs 1, 2, ... (MEDIA events) */
	/* The 2xx of an offerless INVITE carried the offer: its ACK waits for
	 * the answer in the other leg's ACK (RFC 3264 §4, late offer). */
	bool ack_wait;
	uint32_t ack_wait_cseq;
	char *label;               /* for logs: the target */
	bool provider;             /* B: a trunk's leg (tandem_contact.provider) */
	bool heard;                /* B: any response to its INVITE came */
	struct sip_dest *alt;      /* B: servers to try next (tandem_contact.alt), malloc'd */
	unsigned nalt, next_alt;
	bool rang;                 /* B: a provisional other than 100 came */
	/* After a transfer or a Replaces (transfer.c) the two legs that
	 * talk are no longer A and the winner: peer names the other one
	 * (referenced, possibly of another call), detached a leg that was
	 * transferred away and talks to nobody. */
	struct leg *peer;
	bool detached;
	struct dial *dial;         /* B: the dial that started it, its INVITE's answers go
	                            * there (NULL: an orphan, a late 2xx is ACKed and BYEd) */
	/* B: what its INVITE carried, so a BLEG_RESPONSE RETRY can send it
	 * again (bleg_keep_invite) */
	struct bleg_sent {
		char *ruri, *headers, *ctype, *body;
		size_t body_len;
		int max_forwards;
		unsigned retries;
	} sent;
	struct leg *next;          /* the call's B-legs */
	struct leg *hnext;         /* dialog table chain */
	bool in_table;
};

struct call {
	struct call_core *core;
	struct call *prev, *next;
	unsigned long id;
	struct leg *a;
	struct leg *bs;
	struct leg *winner;
	struct dialplan_cursor *cur;
	struct dial dial;          /* the dialplan's dial() (dial.h) */
	bool answered;             /* a B-leg won */
	bool a_final;              /* A got its final response */
	bool cancelled;            /* A sent CANCEL */
	bool ended;                /* CALL_END ran */
	char *hdrs;                /* set_header() lines for B-leg INVITEs */
	unsigned nlegs;            /* B-legs created so far: the next one's idx */
	void *mod_data[TANDEM_MAX_MODULES]; /* tandem_call_set_data, by module */
	char context[64];          /* the dialplan context the call was routed in */
	char route_exten[128];     /* a ROUTE hook's number for the plan (a trunk's DID), "" */
	bool suspended;            /* a module's SUSPEND holds the plan: tandem_call_resume */
	/* what the caller gets when a module's outcome (tandem_route_set_outcome)
	 * finds no on(...) continuation */
	int outcome_code;
	char outcome_reason[64];
	char *outcome_headers;
	struct xfer *xfer;         /* a transfer in progress (transfer.c) */
	ev_timer reap;             /* call_check soon, outside whatever runs now */
	/* A module owns the call (owner.c, include/tandem/call.h) */
	struct call_owner {
		bool on;
		char name[32];
		struct tandem_call_owner cb;
		bool local;            /* A answered by the module: no B-leg behind it */
		char *sdp;             /* the module's last SDP to A, for default answers */
		size_t sdp_len;
	} own;
	bool bridging;             /* a tandem_call_bridge dial runs (bridge.c) */
	/* What tandem_call_facts reports, recorded as it happens (facts.c) */
	struct call_rec {
		double start, ringing, answer, end;
		int status;            /* A's final */
		enum tandem_hangup_side side;
		char cause[64];
		char called[128];      /* the Request-URI user, cut at 127 */
		char *callee, *b_call_id;
		char *caller;
	} rec;
};


/* A client transaction the call core started and waits on. Every one is
 * listed in the core so shutdown can detach and free them all. */
enum creq_kind { CR_INVITE, CR_BYE, CR_RELAY, CR_PRACK, CR_MESSAGE, CR_XFER };
struct creq {
	struct call_core *core;
	struct creq *prev, *next;
	enum creq_kind kind;
	struct sip_tsx *ct;        /* referenced */
	struct leg *leg;           /* the leg it went out on (referenced), NULL for MESSAGE */
	struct leg *from;          /* CR_RELAY: where the request came from (referenced) */
	struct sip_tsx *st;        /* CR_RELAY: to answer (referenced) */
	struct msg_fork *fork;     /* CR_MESSAGE: the copies of one MESSAGE (referenced) */
	uint32_t cseq;
	struct xfer *xfer;         /* CR_XFER: the transfer it belongs to */
	int xfer_what;             /* CR_XFER: which of its requests (transfer.c) */
};

struct call_core {
	struct tandem *t;
	struct dialplan *dp, *next_dp;
	struct call *calls;
	unsigned ncalls;
	unsigned long total;
	struct creq *creqs;
	struct msg_route *mroutes; /* MESSAGEs waiting on a resolver (message.c) */
	struct leg *tab[LEG_BUCKETS];
	/* the "calls" config group and per-listener contexts (copied: a
	 * reload frees the config they came from) */
	struct call_settings {
		unsigned dial_timeout;     /* seconds */
		size_t message_max_body;   /* bytes, RFC 3428 §7 over UDP */
		char context[64];
		struct { enum sip_proto proto; uint16_t port; char context[64]; } lctx[TANDEM_MAX_LISTENERS];
		unsigned nlctx;
	} set, next_set;
};

/* call.c, for message.c */
struct creq *creq_new(struct call_core *core, enum creq_kind kind);
void creq_free(struct creq *cr);
void creq_start(struct creq *cr, struct sip_tsx *ct);
void creq_on_response(void *arg, struct sip_tsx *ct, const struct sip_msg *resp, int status);
const char *call_context_for(const struct call_core *core, const struct sip_msg *req);
int call_fill_input(const struct sip_msg *req, struct dialplan_input *in, char *ruri_user,
                    size_t n1, char *from_user, size_t n2, char *from_domain, size_t n3,
                    char *method, size_t n4, char *call_id, size_t n5);
void copy_headers(struct sip_wbuf *w, const struct sip_msg *m, const enum sip_hdr_id *ids,
                  const char *const *names);

/* media.c: SDP through the MEDIA hook (tandem_event.body) */
struct call_sdp {
	struct sip_str body;       /* what to send */
	char *owned;               /* a handler's replacement, freed by call_sdp_free */
};
/* A body that is SDP (Content-Type application/sdp, or none given). */
bool call_media_is_sdp(const struct sip_msg *m);
/* Run the MEDIA hooks on m's body crossing from leg index from to to; out
 * is m's body when m carries no SDP or nobody replaced it. */
void call_media_run(struct tandem *t, struct tandem_call *call, const struct sip_msg *m,
                    unsigned from, unsigned to, enum tandem_sdp_role role, struct call_sdp *out);
void call_sdp_free(struct call_sdp *s);
/* Answer st with resp relayed from the other leg: its status, reason and
 * Content-Type, the header lines in h (NUL-terminated), sdp's body, our
 * To tag. Frees h and sdp. The respond's result, or -ENOMEM when the
 * response could not be built. */
int call_respond_relayed(struct sip_tsx *st, const struct sip_msg *resp, const char *tag,
                         struct sip_wbuf *h, struct call_sdp *sdp);

/* call.c, for transfer.c */
struct leg *leg_new(struct call *c, bool is_a);
void leg_ref(struct leg *l);
void leg_unref(struct leg *l);
/* The leg l talks to: its peer after a transfer, else A <-> the winner. */
struct leg *leg_partner(const struct leg *l);
struct creq *leg_send(struct leg *l, enum creq_kind kind, const struct sip_dest *dst,
                      char *buf, size_t len);
/* Build a request of leg l's dialog and send it in a client transaction. */
struct creq *leg_request(struct leg *l, enum creq_kind kind, const struct dialog_req *r);
/* ACK a 2xx (RFC 3261 §13.2.2.4); body: the answer when the 2xx had the offer. */
void leg_ack(struct leg *b, uint32_t cseq, struct sip_str ctype, struct sip_str body);
void leg_bye(struct leg *l);
void bleg_abandon(struct leg *b);
void bleg_prack(struct leg *b, const struct sip_msg *resp);
/* Record-Route and our Contact for a dialog-creating response to A (§12.1.1). */
void a_dialog_headers(struct leg *a, struct sip_wbuf *w);
/* Answer UAS leg a's INVITE with leg b's response, in a's identifiers. */
int uas_relay(struct leg *a, struct leg *b, const struct sip_msg *resp);
void call_tab_add(struct call_core *core, struct leg *l);
struct leg *call_tab_find(struct call_core *core, struct sip_str call_id, struct sip_str tag);
/* Run the hooks of point p for call c (b: the B-leg of a BLEG_* or ANSWER
 * event, else NULL); the verdict as the point reads it, *out (may be NULL)
 * the event as the handlers left it (reject_code, retry_headers...). */
enum tandem_verdict call_run_hook(struct call *c, enum tandem_hook_point p, const struct sip_msg *m,
                                  const struct leg *b, struct tandem_event *out);
/* SDP of m crossing from one leg to another passes the MEDIA hook; *sdp is
 * the body to send (call_sdp_free once the message is built). */
void call_media_hook(struct call *c, const struct sip_msg *m, const struct leg *from,
                     const struct leg *to, enum tandem_sdp_role role, struct call_sdp *sdp);
void call_check(struct call *c);
const char *call_cid(const struct call *c);
void request_host(const struct sip_msg *req, char *host, size_t n);
/* A party as the other side sees it: display name and user of nameaddr,
 * the host replaced by the domain req was sent to (topology hiding). */
void party_as_seen(struct sip_str nameaddr, const struct sip_msg *req, char *out, size_t n);
/* Append "name: value\r\n" to the header lines *hdrs (NULL: none yet).
 * 0, or -ENOMEM with *hdrs unchanged: the caller must not go on as if the
 * header were there. */
int hdrs_add(char **hdrs, const char *name, struct sip_str value);
/* A dialplan dial step as the dial engine takes it (targets as written). */
void dial_spec_from_step(const struct dialplan_step *s, struct tandem_dial *spec,
                         const char **targets, size_t max);
extern const enum sip_hdr_id call_req_hdrs[];

/* transfer.c */
/* REFER inside a call (RFC 3515): tandem itself calls the target. */
void transfer_refer(struct leg *referrer, struct sip_tsx *st, const struct sip_msg *req);
/* A response to one of the transfer's own requests (CR_XFER). */
void transfer_on_response(struct creq *cr, const struct sip_msg *resp, int status);
/* Leg l got a BYE. true: the transfer keeps l's partner up (the referrer
 * hung up while its transferee is being transferred). */
bool transfer_on_bye(struct leg *l);
/* An out-of-dialog INVITE with Replaces (RFC 3891). */
void replaces_invite(struct call_core *core, struct sip_tsx *st, struct sip_msg *req);
void transfer_free(struct call *c);
/* bridge.c: callee b answered a bridge with the offer in its 2xx resp while
 * A was answered locally: offer it to A in a re-INVITE, A's answer goes to
 * b in its ACK (RFC 3725 §4.1, as transfers do), then A and b talk. done
 * is told 200 once bridged, else the failure (b is then ACKed and BYEd).
 * 0, or -EBUSY (a transfer runs), -ENOMEM. */
int transfer_reoffer(struct call *c, struct leg *b, const struct sip_msg *resp,
                     void (*done)(struct call *c, int status));

/* message.c */
bool message_route(struct call_core *core, struct sip_tsx *st, struct sip_msg *req);
void message_on_response(struct creq *cr, const struct sip_msg *resp, int status);
void message_fork_unref(struct msg_fork *f);
/* Shutdown: MESSAGEs still waiting on a resolver are given up. */
void message_routes_free(struct call_core *core);

/* ---- declared for the other files of the call core ---- */
/* call.c */
struct call_core *call_core_of(const struct tandem *t);
extern const enum sip_hdr_id call_resp_hdrs[];
extern const char *const call_other_hdrs[];
enum tandem_sdp_role call_resp_role(const struct sip_msg *req);
void call_destroy(struct call *c);
struct call *call_new(struct call_core *core);
/* invite.c */
void a_reply(struct call *c, int status, const char *reason, const char *headers);
int a_relay(struct call *c, struct leg *b, const struct sip_msg *resp);
void plan_run(struct call *c);
/* The INVITE of A as B-legs carry it: caller identity (from, n bytes),
 * end-to-end headers, set_header() lines, the offer, Max-Forwards less one. */
void call_a_invite(struct call *c, struct bleg_invite *inv, char *from, size_t n);
/* invite.c: the dial engine's callbacks for the call's own dial() */
extern const struct dial_ops call_dial_ops;
/* bleg.c */
void bleg_response(struct leg *b, const struct sip_msg *resp, int status);
/* Keep what B-leg b's INVITE carries (RETRY sends it again). 0 or -ENOMEM. */
int bleg_keep_invite(struct leg *b, const char *ruri, const struct dialog_req *r);
void bleg_sent_free(struct leg *b);

/* owner.c: the A-leg of a call a module owns */
/* The call is the module's (a verdict took it); name: the module, kept
 * unless tandem_call_own named one already. */
void owner_take(struct call *c, const char *name);
/* An in-dialog request on A while nothing is bridged to it. true: handled. */
bool owner_request(struct call *c, struct leg *a, struct sip_tsx *st, const struct sip_msg *req);
/* call_check from the loop, soon: for API functions a module may call
 * from anywhere, hooks of the same call included. */
void call_reap_soon(struct call *c);
void call_reap_init(struct call *c);
void owner_free(struct call *c);

/* bridge.c */
/* Can a dial for A still ring: A unanswered, or answered locally and up. */
bool call_a_waits(const struct call *c);
/* A bridge dial ended without an answer (dial_settle): tell the owner. */
void bridge_dial_end(struct call *c, int status, bool timed_out);
/* A B-leg of a bridge answered (bleg.c); true when the bridge took it
 * (A answered locally: the RFC 3725 §4.1 re-INVITE). */
bool bridge_callee_answered(struct call *c, struct leg *b, const struct sip_msg *resp);
/* The callee's 2xx reached an unanswered A: bridged. */
void bridge_relayed(struct call *c);

/* facts.c */
double call_now(const struct call *c);
/* A got its final response status; side and cause when it ended the call. */
void facts_final(struct call *c, int status, const char *reason);
void facts_ringing(struct call *c);
void facts_hangup(struct call *c, enum tandem_hangup_side side, const char *cause);
/* The call ends, its facts final: counted for the metrics (before CALL_END). */
void facts_ended(struct call *c);
void facts_free(struct call *c);
/* indialog.c */
void relay_response(struct creq *cr, const struct sip_msg *resp, int status);

#endif
