/* mod_queue — the pure part of a call queue: the line of waiting callers
 * (positions, estimated wait), the agents and their states, and the
 * strategies that pick who is offered the head of the line. No I/O, no
 * clock of its own (times are passed in, seconds as double), no SIP: the
 * module's glue turns its answers into 182s, dials and bridges; the unit
 * tests drive it directly (tests/unit/test_queue_line.c).
 *
 * Rules (Asterisk app_queue / FreeSWITCH mod_callcenter users expect them,
 * and complain where those break them):
 *   - callers are served first come, first served; a caller's position is
 *     1 + the callers ahead of it, and it only ever goes down;
 *   - an agent is free when logged in, not paused, registered, not in a
 *     call, not ringing and out of wrap-up; only free agents are offered;
 *   - an agent that does not answer is skipped for that caller's next
 *     offer (until every free agent was tried: then all may be tried
 *     again), and the caller stays first in line;
 *   - penalties: only the agents of the lowest penalty among the free ones
 *     are considered (app_queue's rule).
 */
#ifndef QUEUE_LINE_H
#define QUEUE_LINE_H

#include <stdbool.h>
#include <stddef.h>

#define QL_NAME_MAX 64

enum ql_strategy {
	QL_RINGALL = 0,    /* every free agent of the lowest penalty at once */
	QL_ROUNDROBIN,     /* the next free agent after the one offered last, in member order */
	QL_LEASTRECENT,    /* the free agent whose last call ended longest ago (never: first) */
	QL_FEWESTCALLS,    /* the free agent with the fewest answered calls */
	QL_LINEAR,         /* the first free agent in member order */
};
/* "ringall"... or -1. */
int ql_strategy_parse(const char *s);
const char *ql_strategy_name(enum ql_strategy s);

enum ql_agent_state {
	QL_AGENT_LOGGED_OUT = 0,
	QL_AGENT_FREE,
	QL_AGENT_PAUSED,
	QL_AGENT_UNREGISTERED,   /* logged in, no registered phone */
	QL_AGENT_IN_CALL,        /* in any tandem call, A or B party */
	QL_AGENT_RINGING,        /* offered a caller now */
	QL_AGENT_WRAPUP,
};
const char *ql_agent_state_name(enum ql_agent_state s);

struct ql_agent {
	char user[QL_NAME_MAX];
	unsigned penalty;
	bool logged_in, paused;
	/* set by the glue before each pick (ql_pick): */
	bool registered, in_call;
	/* kept by the line: */
	bool ringing;
	double wrapup_until;     /* free again at this time */
	double last_call_end;    /* 0: never */
	unsigned calls_taken;
};

struct ql_caller {
	unsigned long id;        /* the glue's (tandemd's call number) */
	double joined;
	unsigned last_told;      /* the position last announced (182), 0: none */
	bool offering;           /* an offer to agents is running */
	/* agents that did not answer this caller (indexes into agents[]), tried
	 * before the others come round again */
	unsigned char skipped[64];
};

struct ql_counters {
	unsigned answered, abandoned, timed_out;
	double total_wait;       /* of the answered, for the average */
};

struct ql_line {
	char name[QL_NAME_MAX];
	enum ql_strategy strategy;
	unsigned max_callers;    /* 0: no limit */
	double wrapup;           /* s after a call */
	struct ql_agent *agents; /* member order */
	size_t nagents;
	struct ql_caller *callers;   /* in line order; [0] is the head */
	size_t ncallers, cap;
	size_t rr_next;          /* roundrobin: where the next search starts */
	struct ql_counters c;
};

/* A line with no callers; agents copied (member order, logged out). 0,
 * -ENOMEM, -EINVAL (more than 64 agents, a duplicate or empty user; a
 * name too long, an unknown strategy, a negative wrap-up). */
int ql_init(struct ql_line *l, const char *name, enum ql_strategy s, unsigned max_callers,
            double wrapup, const struct ql_agent *agents, size_t nagents);
void ql_free(struct ql_line *l);
/* A reload: the new members and settings, keeping the state (logged in,
 * paused, counts, wrap-up) of the agents still members, and every caller
 * waiting (their skipped sets cleared). Agent indexes change: an offer
 * running across it is finished with the new indexes (by user). 0 or
 * -ENOMEM / -EINVAL (l unchanged). */
int ql_reconfigure(struct ql_line *l, enum ql_strategy s, unsigned max_callers, double wrapup,
                   const struct ql_agent *agents, size_t nagents);

struct ql_agent *ql_agent_find(struct ql_line *l, const char *user);
enum ql_agent_state ql_agent_state(const struct ql_line *l, const struct ql_agent *a, double now);

/* The caller joins at the end: its position (1...), or -ENOSPC when the
 * line is full, -EEXIST when id is in line already, -ENOMEM. */
int ql_join(struct ql_line *l, unsigned long id, double now);
/* Gone: the callers behind move up, the counters count it (a caller
 * connected to an agent leaves through ql_offer_done). 0, -ENOENT, or
 * -EINVAL (why is none of these). */
enum ql_gone { QL_ABANDONED = 0, QL_TIMED_OUT, QL_MOVED };   /* moved: reload, shutdown */
int ql_leave(struct ql_line *l, unsigned long id, enum ql_gone why);
/* 1-based position, or 0 when not in line. */
unsigned ql_position(const struct ql_line *l, unsigned long id);
struct ql_caller *ql_caller_find(struct ql_line *l, unsigned long id);
/* Estimated wait for position pos, seconds: the answered callers' average
 * wait times pos (0 before any was answered: unknown). */
double ql_estimate(const struct ql_line *l, unsigned pos);

/* Whom to offer the head of the line now: up to max agent indexes into
 * out (ringall: every free agent of the lowest penalty; others: one).
 * Returns how many (0: nobody free, or the head is being offered already,
 * or no caller). Marks the chosen agents ringing and the caller offering;
 * advances roundrobin. */
size_t ql_pick(struct ql_line *l, double now, size_t *out, size_t max);
/* The same for the first caller in line with no offer running (*caller
 * its id): while the head's offer rings, the next callers are offered the
 * other free agents, in line order (app_queue's autofill). */
size_t ql_pick_next(struct ql_line *l, double now, size_t *out, size_t max, unsigned long *caller);
/* The offer to the head ended: answered by agent index who (the caller
 * leaves the line, the agent's count, last call, wrap-up start when its
 * call ends: ql_call_ended), or not (who = -1: no agent answered; each
 * agent in rang[] is skipped for this caller's next pick). Every agent
 * offered stops ringing. */
void ql_offer_done(struct ql_line *l, unsigned long caller, long who, const size_t *rang,
                   size_t nrang, double now);
/* The agent's queue call ended: wrap-up starts. */
void ql_call_ended(struct ql_line *l, const char *user, double now);

#endif
