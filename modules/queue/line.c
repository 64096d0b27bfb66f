/* mod_queue — the line of waiting callers and the agents who take them
 * (line.h): positions, counters, agent states and the strategies. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "line.h"

/* The skipped set is one flag per agent index (line.h). */
#define QL_AGENTS_MAX (sizeof ((struct ql_caller *)0)->skipped)

static const char *const strategy_names[] = {
	[QL_RINGALL] = "ringall",
	[QL_ROUNDROBIN] = "roundrobin",
	[QL_LEASTRECENT] = "leastrecent",
	[QL_FEWESTCALLS] = "fewestcalls",
	[QL_LINEAR] = "linear",
};

#define NSTRATEGIES (sizeof strategy_names / sizeof strategy_names[0])

int ql_strategy_parse(const char *s)
{
	if (!s)
		return -1;
	for (size_t i = 0; i < NSTRATEGIES; i++)
		if (!strcmp(s, strategy_names[i]))
			return (int)i;
	return -1;
}

const char *ql_strategy_name(enum ql_strategy s)
{
	return (unsigned)s < NSTRATEGIES ? strategy_names[s] : "unknown";
}

static const char *const state_names[] = {
	[QL_AGENT_LOGGED_OUT] = "logged-out",
	[QL_AGENT_FREE] = "free",
	[QL_AGENT_PAUSED] = "paused",
	[QL_AGENT_UNREGISTERED] = "unregistered",
	[QL_AGENT_IN_CALL] = "in-call",
	[QL_AGENT_RINGING] = "ringing",
	[QL_AGENT_WRAPUP] = "wrapup",
};

const char *ql_agent_state_name(enum ql_agent_state s)
{
	return (unsigned)s < sizeof state_names / sizeof state_names[0] ? state_names[s] : "unknown";
}

/* The members as configured: at most 64 (the skipped set), each user named
 * once and terminated within its array. */
static int check_members(const struct ql_agent *agents, size_t nagents)
{
	if (nagents > QL_AGENTS_MAX || (nagents && !agents))
		return -EINVAL;
	for (size_t i = 0; i < nagents; i++) {
		const char *u = agents[i].user;
		if (!u[0] || !memchr(u, '\0', QL_NAME_MAX))
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(u, agents[j].user))
				return -EINVAL;
	}
	return 0;
}

static int check_settings(enum ql_strategy s, double wrapup)
{
	if ((unsigned)s >= NSTRATEGIES || !isfinite(wrapup) || wrapup < 0)
		return -EINVAL;
	return 0;
}

/* A fresh copy of the members: name and penalty, the rest logged out. */
static struct ql_agent *copy_members(const struct ql_agent *agents, size_t nagents)
{
	if (!nagents)
		return NULL;
	struct ql_agent *a = calloc(nagents, sizeof *a);
	if (!a)
		return NULL;
	for (size_t i = 0; i < nagents; i++) {
		memcpy(a[i].user, agents[i].user, QL_NAME_MAX);
		a[i].penalty = agents[i].penalty;
	}
	return a;
}

int ql_init(struct ql_line *l, const char *name, enum ql_strategy s, unsigned max_callers,
            double wrapup, const struct ql_agent *agents, size_t nagents)
{
	memset(l, 0, sizeof *l);
	if (!name || strlen(name) >= QL_NAME_MAX)
		return -EINVAL;
	int rc = check_settings(s, wrapup);
	if (rc || (rc = check_members(agents, nagents)))
		return rc;
	struct ql_agent *a = copy_members(agents, nagents);
	if (nagents && !a)
		return -ENOMEM;
	strcpy(l->name, name);
	l->strategy = s;
	l->max_callers = max_callers;
	l->wrapup = wrapup;
	l->agents = a;
	l->nagents = nagents;
	return 0;
}

void ql_free(struct ql_line *l)
{
	if (!l)
		return;
	free(l->agents);
	free(l->callers);
	memset(l, 0, sizeof *l);
}

int ql_reconfigure(struct ql_line *l, enum ql_strategy s, unsigned max_callers, double wrapup,
                   const struct ql_agent *agents, size_t nagents)
{
	int rc = check_settings(s, wrapup);
	if (rc || (rc = check_members(agents, nagents)))
		return rc;
	struct ql_agent *a = copy_members(agents, nagents);
	if (nagents && !a)
		return -ENOMEM;
	/* Members still members keep what they are doing; the new penalty is
	 * the configuration's. */
	for (size_t i = 0; i < nagents; i++) {
		const struct ql_agent *old = ql_agent_find(l, a[i].user);
		if (!old)
			continue;
		a[i].logged_in = old->logged_in;
		a[i].paused = old->paused;
		a[i].registered = old->registered;
		a[i].in_call = old->in_call;
		a[i].ringing = old->ringing;
		a[i].wrapup_until = old->wrapup_until;
		a[i].last_call_end = old->last_call_end;
		a[i].calls_taken = old->calls_taken;
	}
	free(l->agents);
	l->agents = a;
	l->nagents = nagents;
	l->strategy = s;
	l->max_callers = max_callers;
	l->wrapup = wrapup;
	/* The skipped sets hold indexes of the old member list: every agent
	 * may be tried again. */
	for (size_t i = 0; i < l->ncallers; i++)
		memset(l->callers[i].skipped, 0, sizeof l->callers[i].skipped);
	if (l->rr_next >= nagents)
		l->rr_next = 0;
	return 0;
}

struct ql_agent *ql_agent_find(struct ql_line *l, const char *user)
{
	if (!user)
		return NULL;
	for (size_t i = 0; i < l->nagents; i++)
		if (!strcmp(l->agents[i].user, user))
			return &l->agents[i];
	return NULL;
}

enum ql_agent_state ql_agent_state(const struct ql_line *l, const struct ql_agent *a, double now)
{
	(void)l;
	if (!a->logged_in)
		return QL_AGENT_LOGGED_OUT;
	if (a->paused)
		return QL_AGENT_PAUSED;
	if (!a->registered)
		return QL_AGENT_UNREGISTERED;
	if (a->in_call)
		return QL_AGENT_IN_CALL;
	if (a->ringing)
		return QL_AGENT_RINGING;
	if (now < a->wrapup_until)
		return QL_AGENT_WRAPUP;
	return QL_AGENT_FREE;
}

static long caller_index(const struct ql_line *l, unsigned long id)
{
	for (size_t i = 0; i < l->ncallers; i++)
		if (l->callers[i].id == id)
			return (long)i;
	return -1;
}

int ql_join(struct ql_line *l, unsigned long id, double now)
{
	if (caller_index(l, id) >= 0)
		return -EEXIST;
	if ((l->max_callers && l->ncallers >= l->max_callers) || l->ncallers >= INT_MAX)
		return -ENOSPC;
	if (l->ncallers == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct ql_caller *c = realloc(l->callers, cap * sizeof *c);
		if (!c)
			return -ENOMEM;
		l->callers = c;
		l->cap = cap;
	}
	struct ql_caller *c = &l->callers[l->ncallers++];
	memset(c, 0, sizeof *c);
	c->id = id;
	c->joined = now;
	return (int)l->ncallers;
}

/* Out of line at index i: the ones behind move up one place each. */
static void remove_at(struct ql_line *l, size_t i)
{
	memmove(&l->callers[i], &l->callers[i + 1], (l->ncallers - i - 1) * sizeof *l->callers);
	l->ncallers--;
}

int ql_leave(struct ql_line *l, unsigned long id, enum ql_gone why)
{
	if (why != QL_ABANDONED && why != QL_TIMED_OUT && why != QL_MOVED)
		return -EINVAL;
	long i = caller_index(l, id);
	if (i < 0)
		return -ENOENT;
	if (why == QL_ABANDONED)
		l->c.abandoned++;
	else if (why == QL_TIMED_OUT)
		l->c.timed_out++;
	remove_at(l, (size_t)i);
	return 0;
}

unsigned ql_position(const struct ql_line *l, unsigned long id)
{
	long i = caller_index(l, id);
	return i < 0 ? 0 : (unsigned)i + 1;
}

struct ql_caller *ql_caller_find(struct ql_line *l, unsigned long id)
{
	long i = caller_index(l, id);
	return i < 0 ? NULL : &l->callers[i];
}

double ql_estimate(const struct ql_line *l, unsigned pos)
{
	if (!l->c.answered)
		return 0;
	return l->c.total_wait / l->c.answered * pos;
}

/* Never (0) comes before any time. */
static double ended_key(const struct ql_agent *a)
{
	return a->last_call_end == 0 ? -INFINITY : a->last_call_end;
}

/* Of the candidates, the one a single-agent strategy offers. */
static size_t choose_one(struct ql_line *l, const bool *cand)
{
	size_t best = l->nagents;

	switch (l->strategy) {
	case QL_ROUNDROBIN: {
		size_t start = l->rr_next < l->nagents ? l->rr_next : 0;
		for (size_t k = 0; k < l->nagents; k++) {
			size_t i = (start + k) % l->nagents;
			if (cand[i]) {
				best = i;
				break;
			}
		}
		l->rr_next = best + 1;
		break;
	}
	case QL_LEASTRECENT:
		/* Strictly earlier wins, so ties go to member order. */
		for (size_t i = 0; i < l->nagents; i++)
			if (cand[i] && (best == l->nagents ||
			                ended_key(&l->agents[i]) < ended_key(&l->agents[best])))
				best = i;
		break;
	case QL_FEWESTCALLS:
		for (size_t i = 0; i < l->nagents; i++)
			if (cand[i] && (best == l->nagents ||
			                l->agents[i].calls_taken < l->agents[best].calls_taken))
				best = i;
		break;
	case QL_LINEAR:
	case QL_RINGALL:
	default:
		for (size_t i = 0; i < l->nagents && best == l->nagents; i++)
			if (cand[i])
				best = i;
		break;
	}
	return best;
}

/* The pick for the caller at line index ci (not offering). */
static size_t pick_for(struct ql_line *l, size_t ci, double now, size_t *out, size_t max)
{
	struct ql_caller *head = &l->callers[ci];

	/* The free agents of the lowest penalty (app_queue's rule). */
	bool cand[QL_AGENTS_MAX] = { false };
	bool any = false;
	unsigned minp = 0;
	for (size_t i = 0; i < l->nagents; i++) {
		if (ql_agent_state(l, &l->agents[i], now) != QL_AGENT_FREE)
			continue;
		if (!any || l->agents[i].penalty < minp)
			minp = l->agents[i].penalty;
		any = true;
	}
	if (!any)
		return 0;
	size_t nfresh = 0;
	for (size_t i = 0; i < l->nagents; i++) {
		cand[i] = l->agents[i].penalty == minp &&
		          ql_agent_state(l, &l->agents[i], now) == QL_AGENT_FREE;
		if (cand[i] && !head->skipped[i])
			nfresh++;
	}
	/* Those that did not answer this caller wait until each candidate
	 * was tried; then they all come round again. */
	if (nfresh == 0)
		memset(head->skipped, 0, sizeof head->skipped);
	else
		for (size_t i = 0; i < l->nagents; i++)
			if (head->skipped[i])
				cand[i] = false;

	size_t n = 0;
	if (l->strategy == QL_RINGALL) {
		for (size_t i = 0; i < l->nagents && n < max; i++)
			if (cand[i])
				out[n++] = i;
	} else {
		out[n++] = choose_one(l, cand);
	}
	for (size_t k = 0; k < n; k++)
		l->agents[out[k]].ringing = true;
	head->offering = true;
	return n;
}

size_t ql_pick(struct ql_line *l, double now, size_t *out, size_t max)
{
	if (!l->ncallers || !out || !max || l->callers[0].offering)
		return 0;
	return pick_for(l, 0, now, out, max);
}

size_t ql_pick_next(struct ql_line *l, double now, size_t *out, size_t max, unsigned long *caller)
{
	if (!out || !max)
		return 0;
	for (size_t i = 0; i < l->ncallers; i++) {
		if (l->callers[i].offering)
			continue;
		size_t n = pick_for(l, i, now, out, max);
		if (n && caller)
			*caller = l->callers[i].id;
		return n;   /* nobody free for this one: nobody for those behind it */
	}
	return 0;
}

void ql_offer_done(struct ql_line *l, unsigned long caller, long who, const size_t *rang,
                   size_t nrang, double now)
{
	for (size_t k = 0; rang && k < nrang; k++)
		if (rang[k] < l->nagents)
			l->agents[rang[k]].ringing = false;
	/* A caller gone meanwhile (ql_leave): only the ringing ends. An
	 * index that is no agent's counts as no answer. */
	long i = caller_index(l, caller);
	if (i < 0)
		return;
	struct ql_caller *c = &l->callers[i];
	c->offering = false;
	if (who >= 0 && (size_t)who < l->nagents) {
		l->agents[who].calls_taken++;
		l->c.answered++;
		l->c.total_wait += now - c->joined;
		remove_at(l, (size_t)i);
		return;
	}
	for (size_t k = 0; rang && k < nrang; k++)
		if (rang[k] < l->nagents)
			c->skipped[rang[k]] = 1;
}

void ql_call_ended(struct ql_line *l, const char *user, double now)
{
	struct ql_agent *a = ql_agent_find(l, user);
	if (!a)
		return;
	a->last_call_end = now;
	a->wrapup_until = now + l->wrapup;
}
