/* mod_queue — call queues that tell callers their place with 182 Queued.
 *   line.c        the pure core: callers in line, agents, strategies
 *   mod_queue.c   config, the module glue, the sweep that offers callers
 *   caller.c      one waiting caller: 182s, music and announcements, offers
 *   agents.c      agents: feature codes (login, logout, pause), who is free
 *   state.c       the state for the control tool (include/tandem/queue.h)
 *   control.c     "queues [QUEUE]" on the control socket (include/tandem/control.h)
 *   metrics.c     the queues' metrics (docs/METRICS.md)
 * Everything runs on the signalling loop. */
#ifndef QUEUE_H
#define QUEUE_H

#include <stdbool.h>
#include <ev.h>

#include <tandem/call.h>
#include <tandem/metrics.h>
#include <tandem/queue.h>
#include <tandem/rtprelay.h>
#include <tandem/tandem.h>

#include "line.h"

#define QMOD "queue"

enum q_wait_mode { Q_WAIT_EARLY = 0, Q_WAIT_ANSWERED };
#define Q_WAIT_BUCKETS 9

struct qcaller;

/* One configured queue and its line. */
struct qqueue {
	struct ql_line line;
	enum q_wait_mode mode;
	unsigned ring_timeout;     /* s an agent rings */
	unsigned max_wait;         /* s in line, 0: no limit */
	unsigned announce;         /* s between "you are caller number N", 0: never */
	int full_code;             /* the caller's answer when full and no on(full) */
	bool autofill;             /* offer the callers behind the head too */
	struct rtpr_wav music;     /* looped while waiting */
	bool have_music;
	struct qcaller *callers;   /* waiting (any order; the line has the order) */
	/* the answered callers' waits, for the metrics (metrics.c) */
	struct tandem_histogram wait;
	unsigned long wait_counts[Q_WAIT_BUCKETS + 1];
};

struct qmod {
	struct tandem *t;
	const struct mod_rtprelay_api *rtp;
	const struct registrar_api *registrar;
	struct qqueue **queues;    /* each allocated alone: callers point at theirs */
	size_t nqueues;
	char *sounds;
	struct rtpr_wav caller_number;      /* "You are caller number" */
	struct rtpr_wav digits[21];         /* 0..20 */
	struct rtpr_wav tens[10];           /* [3..9]: thirty... ninety (twenty is digits[20]) */
	struct rtpr_wav agent_prompt[4];    /* logged in, logged out, paused, unpaused */
	ev_timer sweep;                     /* offers, wrap-up ends, 182 updates */
	unsigned long next_id;
	/* members whose phones ring for any call (agents.c) */
	struct q_ringing {
		char user[QL_NAME_MAX];
		unsigned n;                 /* B-legs to it without a final response */
		double since;               /* the last change (a lost final expires) */
	} ringing[128];
	size_t nringing;
};

struct qqueue *q_find(struct qmod *m, const char *name);
/* Offer the head of every line to a free agent, tell callers whose place
 * changed (from a timer or an event of the module, not inside a hook of
 * the caller's call). */
void q_sweep(struct qmod *m);
double q_now(const struct qmod *m);
/* The sweep from the loop at once (not from inside the current event). */
void q_sweep_soon(struct qmod *m);

/* ---- caller.c ---- */
enum tandem_verdict q_caller_join(struct qmod *m, struct qqueue *q, struct tandem_event *ev);
/* Answer an agent's feature code with prompt, then hang up. */
enum tandem_verdict q_feature_confirm(struct qmod *m, struct tandem_event *ev,
                                      const struct rtpr_wav *prompt);
/* The caller's call ended (CALL_END): it leaves its line. */
void q_caller_end(struct qmod *m, struct tandem_call *call);
/* Offer q's head to free agents, send 182s and announcements due. */
void q_caller_tick(struct qmod *m, struct qqueue *q);
/* q->music changed (a reload): the waiting callers loop the new one. */
void q_callers_music(struct qmod *m, struct qqueue *q);
/* A queue dropped by a reload: its callers leave with outcome timeout. */
void q_callers_drop(struct qmod *m, struct qqueue *q);

/* The Call-ID of the caller id of q's line ("?" when unknown). */
const char *q_caller_call_id(struct qqueue *q, unsigned long id);
/* The call of the caller id of q's line, NULL when unknown. */
struct tandem_call *q_caller_call(struct qqueue *q, unsigned long id);

/* ---- state.c ---- */
extern const struct queue_api q_api;

/* ---- control.c ---- */
int q_control_add(struct tandem *t);      /* 0 or tandem_control_command_add's error */
void q_control_remove(struct tandem *t);
/* ---- metrics.c ---- */
/* From start until stop: the queues' gauges and counters at each scrape. */
void q_metrics_add(struct qmod *m);
void q_metrics_remove(struct qmod *m);
/* A caller of q was connected to an agent after waiting secs. */
void q_metrics_waited(struct qqueue *q, double secs);

/* ---- agents.c ---- */
/* queue_login([queue]), queue_logout([queue]), queue_pause([queue]):
 * ${auth_user} as the agent, every queue it is a member of (or the one
 * named); the caller hears a confirmation and tandem hangs up. */
enum tandem_verdict q_agent_login(struct tandem_event *ev, void *priv);
enum tandem_verdict q_agent_logout(struct tandem_event *ev, void *priv);
enum tandem_verdict q_agent_pause(struct tandem_event *ev, void *priv);
/* Refresh registered / in_call of every agent of q (registrar lookup,
 * the calls tandemd has). */
void q_agents_refresh(struct qmod *m, struct qqueue *q);
/* BLEG_CREATE / BLEG_RESPONSE: a member's phone starts / stops ringing. */
enum tandem_verdict q_agent_bleg_create(struct tandem_event *ev);
enum tandem_verdict q_agent_bleg_response(struct tandem_event *ev);

#endif
