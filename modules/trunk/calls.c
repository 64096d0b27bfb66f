/* mod_trunk — per-call records (trunk_call.h) and the counts they hold:
 * calls per trunk (max_calls) and trunk calls per logged-in user. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trunk_call.h"

void trunk_hold(struct trunk *tr)
{
	tr->refs++;
}

void trunk_release(struct trunk *tr)
{
	if (tr->refs && --tr->refs == 0 && tr->removed)
		trunk_retire(tr);
}

struct trunk_call *trunk_call_get(struct trunk_mod *m, struct tandem_call *call, bool create)
{
	struct trunk_call *tc = call ? tandem_call_data(call, TMOD) : NULL;
	if (tc || !create || !call)
		return tc;
	if (!(tc = calloc(1, sizeof *tc)))
		return NULL;
	(void)m;
	if (tandem_call_set_data(call, TMOD, tc) < 0) {
		free(tc);
		return NULL;
	}
	return tc;
}

static void count(struct trunk *tr)
{
	trunk_hold(tr);
	tr->active++;
	tr->calls_total++;
}

static void uncount(struct trunk *tr)
{
	if (tr->active)
		tr->active--;
	trunk_release(tr);
}

void trunk_call_inbound(struct trunk_call *tc, struct trunk *tr)
{
	if (tc->in)
		return;
	trunk_hold(tr);
	tc->in = tr;
	if (!trunk_call_uses(tc, tr) && tc->nuses < TRUNK_MAX) {
		count(tr);
		tc->uses[tc->nuses++] = tr;
	}
}

bool trunk_call_uses(const struct trunk_call *tc, const struct trunk *tr)
{
	for (size_t i = 0; i < tc->nuses; i++)
		if (tc->uses[i] == tr)
			return true;
	return false;
}

static struct trunk_user *user_slot(struct trunk_mod *m, const char *user, bool add)
{
	struct trunk_user *free_slot = NULL;
	for (size_t i = 0; i < TRUNK_MAX_USERS; i++) {
		if (m->users[i].n && strcmp(m->users[i].name, user) == 0)
			return &m->users[i];
		if (!m->users[i].n && !free_slot)
			free_slot = &m->users[i];
	}
	if (add && free_slot)
		snprintf(free_slot->name, sizeof free_slot->name, "%s", user);
	return add ? free_slot : NULL;
}

unsigned trunk_user_calls(const struct trunk_mod *m, const char *user)
{
	struct trunk_user *u = user_slot((struct trunk_mod *)m, user, false);
	return u ? u->n : 0;
}

int trunk_call_take(struct trunk_mod *m, struct trunk_call *tc, struct trunk *tr, const char *user)
{
	if (!trunk_call_uses(tc, tr)) {
		if (tc->nuses >= TRUNK_MAX)
			return -ENOSPC;
		count(tr);
		tc->uses[tc->nuses++] = tr;
	}
	if (user && *user && !tc->user[0] && strlen(user) < sizeof tc->user) {
		struct trunk_user *u = user_slot(m, user, true);
		if (!u)
			return -ENOSPC;
		u->n++;
		snprintf(tc->user, sizeof tc->user, "%s", user);
	}
	return 0;
}

void trunk_call_drop(struct trunk_call *tc, struct trunk *tr)
{
	if (tr == tc->in)
		return;   /* it came in there: counted until it ends */
	for (size_t i = 0; i < tc->nuses; i++)
		if (tc->uses[i] == tr) {
			tc->uses[i] = tc->uses[--tc->nuses];
			uncount(tr);
			return;
		}
}

struct trunk_leg *trunk_call_leg(struct trunk_call *tc, unsigned idx)
{
	for (size_t i = 0; i < tc->nlegs; i++)
		if (tc->legs[i].idx == idx)
			return &tc->legs[i];
	return NULL;
}

void trunk_call_add_leg(struct trunk_call *tc, unsigned idx, struct trunk *tr, const char *number)
{
	if (trunk_call_leg(tc, idx))
		return;
	if (tc->nlegs == TRUNK_CALL_LEGS) {
		/* a long failover list: the oldest leg has ended long ago */
		trunk_release(tc->legs[0].tr);
		memmove(&tc->legs[0], &tc->legs[1], sizeof tc->legs[0] * (TRUNK_CALL_LEGS - 1));
		tc->nlegs--;
	}
	struct trunk_leg *l = &tc->legs[tc->nlegs++];
	memset(l, 0, sizeof *l);
	l->idx = idx;
	l->tr = tr;
	snprintf(l->number, sizeof l->number, "%s", number);
	trunk_hold(tr);
}

void trunk_call_free(struct trunk_mod *m, struct tandem_call *call, struct trunk_call *tc)
{
	tandem_call_set_data(call, TMOD, NULL);
	for (size_t i = 0; i < tc->nuses; i++)
		uncount(tc->uses[i]);
	for (size_t i = 0; i < tc->nlegs; i++)
		trunk_release(tc->legs[i].tr);
	if (tc->in)
		trunk_release(tc->in);
	if (tc->user[0]) {
		struct trunk_user *u = user_slot(m, tc->user, false);
		if (u && u->n)
			u->n--;
	}
	free(tc);
}
