/* tandem — mod_queue's pure core (modules/queue/line.c): positions in
 * line, agent states, the strategies over sequences of calls, no-answer
 * skipping, penalties, the wait estimate and a reload. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "unit.h"

#include "../../modules/queue/line.h"

static struct ql_agent member(const char *user, unsigned penalty)
{
	struct ql_agent a = { .penalty = penalty };
	snprintf(a.user, sizeof a.user, "%s", user);
	return a;
}

/* A line over agents a, b, c (penalty 0), every one free. */
static void line3(struct ql_line *l, enum ql_strategy s, double wrapup)
{
	const struct ql_agent m[] = { member("a", 0), member("b", 0), member("c", 0) };
	CU_ASSERT_EQUAL_FATAL(ql_init(l, "sales", s, 0, wrapup, m, 3), 0);
	for (size_t i = 0; i < l->nagents; i++)
		l->agents[i].logged_in = l->agents[i].registered = true;
}

/* One caller through the line: joins at now, exactly one agent is offered
 * and answers, its call ends at end. The agent's letter. */
static char serve(struct ql_line *l, unsigned long id, double now, double end)
{
	size_t out[64];
	int pos = (int)l->ncallers + 1;
	CU_ASSERT_EQUAL(ql_join(l, id, now), pos);
	CU_ASSERT_EQUAL_FATAL(ql_pick(l, now, out, 64), 1);
	CU_ASSERT_TRUE(l->agents[out[0]].ringing);
	ql_offer_done(l, id, (long)out[0], out, 1, now);
	CU_ASSERT_FALSE(l->agents[out[0]].ringing);
	CU_ASSERT_EQUAL(ql_position(l, id), 0);
	ql_call_ended(l, l->agents[out[0]].user, end);
	return l->agents[out[0]].user[0];
}

/* n callers served one after the other, each call ending before the next
 * caller comes: who took them, in order. */
static void serve_n(struct ql_line *l, unsigned n, unsigned long first_id, double t0, char *who)
{
	for (unsigned k = 0; k < n; k++) {
		double now = t0 + 10 * k;
		who[k] = serve(l, first_id + k, now, now + 5);
	}
	who[n] = '\0';
}

/* ---- the line ---- */

static void test_positions(void)
{
	struct ql_line l;
	CU_ASSERT_EQUAL_FATAL(ql_init(&l, "sales", QL_LINEAR, 0, 0, NULL, 0), 0);
	CU_ASSERT_EQUAL(ql_join(&l, 101, 1), 1);
	CU_ASSERT_EQUAL(ql_join(&l, 102, 2), 2);
	CU_ASSERT_EQUAL(ql_join(&l, 103, 3), 3);
	CU_ASSERT_EQUAL(ql_join(&l, 102, 4), -EEXIST);
	CU_ASSERT_EQUAL(ql_position(&l, 101), 1);
	CU_ASSERT_EQUAL(ql_position(&l, 102), 2);
	CU_ASSERT_EQUAL(ql_position(&l, 103), 3);
	CU_ASSERT_EQUAL(ql_position(&l, 999), 0);
	CU_ASSERT_PTR_NULL(ql_caller_find(&l, 999));
	CU_ASSERT_DOUBLE_EQUAL(ql_caller_find(&l, 103)->joined, 3, 1e-9);

	/* the middle one hangs up: the last moves up, the first stays */
	CU_ASSERT_EQUAL(ql_leave(&l, 102, QL_ABANDONED), 0);
	CU_ASSERT_EQUAL(ql_position(&l, 101), 1);
	CU_ASSERT_EQUAL(ql_position(&l, 102), 0);
	CU_ASSERT_EQUAL(ql_position(&l, 103), 2);
	CU_ASSERT_EQUAL(ql_leave(&l, 102, QL_ABANDONED), -ENOENT);
	CU_ASSERT_EQUAL(ql_leave(&l, 101, QL_TIMED_OUT), 0);
	CU_ASSERT_EQUAL(ql_position(&l, 103), 1);
	CU_ASSERT_EQUAL(ql_leave(&l, 103, (enum ql_gone)7), -EINVAL);
	CU_ASSERT_EQUAL(ql_position(&l, 103), 1);
	CU_ASSERT_EQUAL(ql_leave(&l, 103, QL_MOVED), 0);
	CU_ASSERT_EQUAL(l.ncallers, 0);
	CU_ASSERT_EQUAL(l.c.abandoned, 1);
	CU_ASSERT_EQUAL(l.c.timed_out, 1);
	CU_ASSERT_EQUAL(l.c.answered, 0);
	/* a new caller after the line emptied is first again */
	CU_ASSERT_EQUAL(ql_join(&l, 104, 5), 1);
	ql_free(&l);
}

static unsigned rnd_state = 2463534242u;

static unsigned rnd(unsigned n)
{
	/* xorshift32: the same sequence on every run */
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state % n;
}

/* Random joins, leaves (every reason) and answers at the head, checked
 * against a plain array: positions are the order of joining, and nobody's
 * position ever grows. */
static void test_positions_random(void)
{
	enum { OPS = 3000, MAXIDS = OPS + 1 };
	static unsigned long model[MAXIDS];
	static unsigned last[MAXIDS];
	size_t n = 0;
	unsigned long next_id = 1;
	unsigned bad_order = 0, grew = 0, moved = 0;
	struct ql_line l;

	line3(&l, QL_LINEAR, 0);
	memset(last, 0, sizeof last);
	for (unsigned op = 0; op < OPS; op++) {
		double now = op;
		unsigned r = rnd(10);
		if (n == 0 || r < 5) {
			int pos = ql_join(&l, next_id, now);
			CU_ASSERT_EQUAL(pos, (int)n + 1);
			model[n++] = next_id++;
		} else if (r < 8) {
			size_t i = rnd((unsigned)n);
			enum ql_gone why = (enum ql_gone)rnd(3);
			moved += why == QL_MOVED;
			CU_ASSERT_EQUAL(ql_leave(&l, model[i], why), 0);
			last[model[i]] = 0;
			memmove(&model[i], &model[i + 1], (n - i - 1) * sizeof *model);
			n--;
		} else {
			/* the head is answered */
			size_t out[64];
			CU_ASSERT_EQUAL_FATAL(ql_pick(&l, now, out, 64), 1);
			ql_offer_done(&l, model[0], (long)out[0], out, 1, now);
			last[model[0]] = 0;
			memmove(&model[0], &model[1], (n - 1) * sizeof *model);
			n--;
		}
		CU_ASSERT_EQUAL_FATAL(l.ncallers, n);
		for (size_t i = 0; i < n; i++) {
			unsigned pos = ql_position(&l, model[i]);
			bad_order += pos != i + 1;
			grew += last[model[i]] && pos > last[model[i]];
			last[model[i]] = pos;
		}
	}
	CU_ASSERT_EQUAL(bad_order, 0);
	CU_ASSERT_EQUAL(grew, 0);
	/* every caller counted once: still waiting, or gone one way */
	CU_ASSERT_EQUAL(l.c.answered + l.c.abandoned + l.c.timed_out + moved + n, next_id - 1);
	CU_ASSERT_TRUE(l.c.answered > 0 && l.c.abandoned > 0 && l.c.timed_out > 0 && moved > 0);
	ql_free(&l);
}

static void test_full(void)
{
	struct ql_line l;
	CU_ASSERT_EQUAL_FATAL(ql_init(&l, "sales", QL_LINEAR, 2, 0, NULL, 0), 0);
	CU_ASSERT_EQUAL(ql_join(&l, 1, 0), 1);
	CU_ASSERT_EQUAL(ql_join(&l, 2, 0), 2);
	CU_ASSERT_EQUAL(ql_join(&l, 3, 0), -ENOSPC);
	CU_ASSERT_EQUAL(ql_position(&l, 3), 0);
	CU_ASSERT_EQUAL(ql_leave(&l, 1, QL_ABANDONED), 0);
	CU_ASSERT_EQUAL(ql_join(&l, 3, 0), 2);
	ql_free(&l);

	/* no limit: the line grows */
	CU_ASSERT_EQUAL_FATAL(ql_init(&l, "sales", QL_LINEAR, 0, 0, NULL, 0), 0);
	for (unsigned long id = 1; id <= 1000; id++)
		CU_ASSERT_EQUAL(ql_join(&l, id, 0), (int)id);
	CU_ASSERT_EQUAL(ql_position(&l, 1000), 1000);
	ql_free(&l);
}

/* ---- strategies: 12 calls over three free agents ---- */

static void test_roundrobin(void)
{
	struct ql_line l;
	char who[32];
	line3(&l, QL_ROUNDROBIN, 0);
	serve_n(&l, 12, 1, 100, who);
	CU_ASSERT_STRING_EQUAL(who, "abcabcabcabc");

	/* b busy: the turn passes over it; back, it has its turn after c */
	l.agents[1].in_call = true;
	serve_n(&l, 4, 100, 1000, who);
	CU_ASSERT_STRING_EQUAL(who, "acac");
	l.agents[1].in_call = false;
	serve_n(&l, 4, 200, 2000, who);
	CU_ASSERT_STRING_EQUAL(who, "abca");
	ql_free(&l);
}

static void test_linear(void)
{
	struct ql_line l;
	char who[32];
	line3(&l, QL_LINEAR, 0);
	serve_n(&l, 12, 1, 100, who);
	CU_ASSERT_STRING_EQUAL(who, "aaaaaaaaaaaa");
	l.agents[0].in_call = true;
	serve_n(&l, 2, 100, 1000, who);
	CU_ASSERT_STRING_EQUAL(who, "bb");
	l.agents[1].in_call = true;
	serve_n(&l, 2, 200, 2000, who);
	CU_ASSERT_STRING_EQUAL(who, "cc");
	CU_ASSERT_EQUAL(l.agents[0].calls_taken, 12);
	ql_free(&l);
}

static void test_leastrecent(void)
{
	struct ql_line l;
	char who[32];

	/* calls ended at different times before: c longest ago, then a, b;
	 * then each one served becomes the most recent */
	line3(&l, QL_LEASTRECENT, 0);
	ql_call_ended(&l, "c", 5);
	ql_call_ended(&l, "a", 7);
	ql_call_ended(&l, "b", 9);
	serve_n(&l, 12, 1, 100, who);
	CU_ASSERT_STRING_EQUAL(who, "cabcabcabcab");
	ql_free(&l);

	/* overlapping calls of different lengths (a 25 s, b 5 s, c 15 s), a
	 * caller every 10 s: whoever is free and ended longest ago, never
	 * before any, ties in member order */
	line3(&l, QL_LEASTRECENT, 0);
	const double dur[3] = { 25, 5, 15 };
	double ends[3] = { 0 };
	for (unsigned k = 0; k < 12; k++) {
		double now = 10 * (k + 1);
		size_t out[64];
		for (size_t i = 0; i < 3; i++)
			if (l.agents[i].in_call && ends[i] <= now) {
				ql_call_ended(&l, l.agents[i].user, ends[i]);
				l.agents[i].in_call = false;
			}
		CU_ASSERT_EQUAL(ql_join(&l, k + 1, now), 1);
		CU_ASSERT_EQUAL_FATAL(ql_pick(&l, now, out, 64), 1);
		ql_offer_done(&l, k + 1, (long)out[0], out, 1, now);
		l.agents[out[0]].in_call = true;
		ends[out[0]] = now + dur[out[0]];
		who[k] = l.agents[out[0]].user[0];
	}
	who[12] = '\0';
	CU_ASSERT_STRING_EQUAL(who, "abcbabcbabcb");
	ql_free(&l);
}

static void test_fewestcalls(void)
{
	struct ql_line l;
	char who[32];
	line3(&l, QL_FEWESTCALLS, 0);
	/* a alone takes 4 calls; then b and c catch up and all take turns */
	l.agents[1].logged_in = l.agents[2].logged_in = false;
	serve_n(&l, 4, 1, 100, who);
	CU_ASSERT_STRING_EQUAL(who, "aaaa");
	l.agents[1].logged_in = l.agents[2].logged_in = true;
	serve_n(&l, 12, 100, 1000, who);
	CU_ASSERT_STRING_EQUAL(who, "bcbcbcbcabca");
	CU_ASSERT_EQUAL(l.agents[0].calls_taken, 6);
	CU_ASSERT_EQUAL(l.agents[1].calls_taken, 5);
	CU_ASSERT_EQUAL(l.agents[2].calls_taken, 5);
	ql_free(&l);
}

static void test_ringall(void)
{
	struct ql_line l;
	size_t out[64];
	line3(&l, QL_RINGALL, 0);
	for (unsigned k = 0; k < 12; k++) {
		double now = 100 + 10 * k;
		unsigned long id = k + 1;
		CU_ASSERT_EQUAL(ql_join(&l, id, now), 1);
		CU_ASSERT_EQUAL_FATAL(ql_pick(&l, now, out, 64), 3);
		CU_ASSERT_EQUAL(out[0], 0);
		CU_ASSERT_EQUAL(out[1], 1);
		CU_ASSERT_EQUAL(out[2], 2);
		for (size_t i = 0; i < 3; i++)
			CU_ASSERT_TRUE(l.agents[i].ringing);
		CU_ASSERT_TRUE(l.callers[0].offering);
		/* the first to answer takes it: the others stop ringing */
		ql_offer_done(&l, id, (long)(k % 3), out, 3, now + 2);
		for (size_t i = 0; i < 3; i++)
			CU_ASSERT_FALSE(l.agents[i].ringing);
		CU_ASSERT_EQUAL(l.ncallers, 0);
		ql_call_ended(&l, l.agents[k % 3].user, now + 5);
	}
	for (size_t i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(l.agents[i].calls_taken, 4);

	/* no more than max */
	CU_ASSERT_EQUAL(ql_join(&l, 50, 500), 1);
	CU_ASSERT_EQUAL_FATAL(ql_pick(&l, 500, out, 2), 2);
	CU_ASSERT_EQUAL(out[0], 0);
	CU_ASSERT_EQUAL(out[1], 1);
	CU_ASSERT_FALSE(l.agents[2].ringing);
	ql_free(&l);
}

/* ---- who may be offered ---- */

static void test_unavailable(void)
{
	static const struct {
		const char *what;
		enum ql_agent_state state;
	} cases[] = {
		{ "wrapup", QL_AGENT_WRAPUP },
		{ "paused", QL_AGENT_PAUSED },
		{ "logged out", QL_AGENT_LOGGED_OUT },
		{ "unregistered", QL_AGENT_UNREGISTERED },
		{ "in call", QL_AGENT_IN_CALL },
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct ql_line l;
		size_t out[64];
		line3(&l, QL_LINEAR, 30);
		/* a and then b made unavailable the same way */
		for (size_t i = 0; i < 2; i++) {
			struct ql_agent *a = &l.agents[i];
			switch (cases[k].state) {
			case QL_AGENT_WRAPUP: ql_call_ended(&l, a->user, 100); break;
			case QL_AGENT_PAUSED: a->paused = true; break;
			case QL_AGENT_LOGGED_OUT: a->logged_in = false; break;
			case QL_AGENT_UNREGISTERED: a->registered = false; break;
			default: a->in_call = true; break;
			}
			CU_ASSERT_EQUAL(ql_agent_state(&l, a, 110), cases[k].state);
			if (ql_agent_state(&l, a, 110) != cases[k].state)
				fprintf(stderr, "%s: state %s\n", cases[k].what,
				        ql_agent_state_name(ql_agent_state(&l, a, 110)));
		}
		CU_ASSERT_EQUAL(ql_agent_state(&l, &l.agents[2], 110), QL_AGENT_FREE);
		CU_ASSERT_EQUAL(ql_join(&l, 1, 110), 1);
		CU_ASSERT_EQUAL_FATAL(ql_pick(&l, 110, out, 64), 1);
		CU_ASSERT_EQUAL(out[0], 2);
		ql_offer_done(&l, 1, 2, out, 1, 110);
		/* c busy too: nobody, and the caller is not being offered */
		l.agents[2].in_call = true;
		CU_ASSERT_EQUAL(ql_join(&l, 2, 111), 1);
		CU_ASSERT_EQUAL(ql_pick(&l, 111, out, 64), 0);
		CU_ASSERT_FALSE(l.callers[0].offering);
		if (cases[k].state == QL_AGENT_WRAPUP) {
			/* wrap-up over at 100 + 30 */
			CU_ASSERT_EQUAL(ql_pick(&l, 129.9, out, 64), 0);
			CU_ASSERT_EQUAL(ql_agent_state(&l, &l.agents[0], 130), QL_AGENT_FREE);
			CU_ASSERT_EQUAL_FATAL(ql_pick(&l, 130, out, 64), 1);
			CU_ASSERT_EQUAL(out[0], 0);
		}
		ql_free(&l);
	}
}

static void test_ringing_and_offering(void)
{
	struct ql_line l;
	size_t out[64];
	line3(&l, QL_LINEAR, 0);
	CU_ASSERT_EQUAL(ql_pick(&l, 1, out, 64), 0);   /* nobody waiting */
	CU_ASSERT_EQUAL(ql_join(&l, 1, 1), 1);
	CU_ASSERT_EQUAL(ql_join(&l, 2, 1), 2);
	CU_ASSERT_EQUAL(ql_pick(&l, 1, out, 0), 0);    /* no room */
	CU_ASSERT_FALSE(l.callers[0].offering);
	CU_ASSERT_EQUAL_FATAL(ql_pick(&l, 2, out, 64), 1);
	CU_ASSERT_EQUAL(out[0], 0);
	CU_ASSERT_EQUAL(ql_agent_state(&l, &l.agents[0], 2), QL_AGENT_RINGING);
	/* the head is being offered: the one behind waits its turn */
	CU_ASSERT_EQUAL(ql_pick(&l, 3, out, 64), 0);
	CU_ASSERT_FALSE(l.agents[1].ringing);
	/* the caller hangs up while a rings: the ringing still ends */
	CU_ASSERT_EQUAL(ql_leave(&l, 1, QL_ABANDONED), 0);
	size_t rang = 0;
	ql_offer_done(&l, 1, -1, &rang, 1, 4);
	CU_ASSERT_FALSE(l.agents[0].ringing);
	CU_ASSERT_EQUAL(l.c.answered, 0);
	CU_ASSERT_EQUAL(l.agents[0].calls_taken, 0);
	CU_ASSERT_EQUAL_FATAL(ql_pick(&l, 5, out, 64), 1);
	CU_ASSERT_EQUAL(out[0], 0);
	ql_free(&l);
}

static void test_no_answer(void)
{
	struct ql_line l;
	size_t out[64];
	line3(&l, QL_LINEAR, 0);
	CU_ASSERT_EQUAL(ql_join(&l, 1, 0), 1);
	CU_ASSERT_EQUAL(ql_join(&l, 2, 0), 2);

	/* a, b, c each tried once for caller 1, who stays first; then all
	 * come round again */
	const char *expect = "abcab";
	for (size_t k = 0; expect[k]; k++) {
		double now = 10 + 20 * k;
		CU_ASSERT_EQUAL_FATAL(ql_pick(&l, now, out, 64), 1);
		CU_ASSERT_EQUAL(l.agents[out[0]].user[0], expect[k]);
		ql_offer_done(&l, 1, -1, out, 1, now + 15);
		CU_ASSERT_FALSE(l.agents[out[0]].ringing);
		CU_ASSERT_FALSE(l.callers[0].offering);
		CU_ASSERT_EQUAL(l.callers[0].skipped[out[0]], 1);
		CU_ASSERT_EQUAL(ql_position(&l, 1), 1);
		CU_ASSERT_EQUAL(ql_position(&l, 2), 2);
	}
	/* the set was cleared when it came round: only a, b in it now */
	CU_ASSERT_EQUAL(l.callers[0].skipped[0], 1);
	CU_ASSERT_EQUAL(l.callers[0].skipped[1], 1);
	CU_ASSERT_EQUAL(l.callers[0].skipped[2], 0);

	/* the only free one did not answer: tried again rather than nobody */
	l.agents[2].in_call = true;
	CU_ASSERT_EQUAL_FATAL(ql_pick(&l, 200, out, 64), 1);
	CU_ASSERT_EQUAL(out[0], 0);
	ql_offer_done(&l, 1, -1, out, 1, 215);
	l.agents[2].in_call = false;

	/* skipped for that caller only: b answers 1, then 2 is offered a */
	CU_ASSERT_EQUAL_FATAL(ql_pick(&l, 220, out, 64), 1);
	CU_ASSERT_EQUAL(out[0], 1);
	ql_offer_done(&l, 1, 1, out, 1, 225);
	CU_ASSERT_EQUAL(ql_position(&l, 1), 0);
	CU_ASSERT_EQUAL(ql_position(&l, 2), 1);
	CU_ASSERT_EQUAL_FATAL(ql_pick(&l, 230, out, 64), 1);
	CU_ASSERT_EQUAL(out[0], 0);
	CU_ASSERT_EQUAL(l.c.answered, 1);
	ql_free(&l);

	/* ringall: nobody answered, so all ring again */
	line3(&l, QL_RINGALL, 0);
	CU_ASSERT_EQUAL(ql_join(&l, 1, 0), 1);
	CU_ASSERT_EQUAL_FATAL(ql_pick(&l, 1, out, 64), 3);
	ql_offer_done(&l, 1, -1, out, 3, 20);
	for (size_t i = 0; i < 3; i++) {
		CU_ASSERT_FALSE(l.agents[i].ringing);
		CU_ASSERT_EQUAL(l.callers[0].skipped[i], 1);
	}
	CU_ASSERT_EQUAL(ql_pick(&l, 21, out, 64), 3);
	/* with b busy, a and c did not answer: b rings alone when free */
	ql_offer_done(&l, 1, -1, out, 3, 40);
	l.agents[1].in_call = true;
	CU_ASSERT_EQUAL(ql_pick(&l, 41, out, 64), 2);
	ql_offer_done(&l, 1, -1, out, 2, 60);
	l.agents[1].in_call = false;
	CU_ASSERT_EQUAL_FATAL(ql_pick(&l, 61, out, 64), 1);
	CU_ASSERT_EQUAL(out[0], 1);
	ql_free(&l);
}

static void test_penalty(void)
{
	struct ql_line l;
	size_t out[64];
	const struct ql_agent m[] = { member("a", 1), member("b", 0), member("c", 0) };
	CU_ASSERT_EQUAL_FATAL(ql_init(&l, "sales", QL_LINEAR, 0, 0, m, 3), 0);
	for (size_t i = 0; i < 3; i++)
		l.agents[i].logged_in = l.agents[i].registered = true;

	/* b before a although a comes first; then c; a only when both busy */
	const char *expect = "bca";
	for (unsigned k = 0; expect[k]; k++) {
		CU_ASSERT_EQUAL(ql_join(&l, k + 1, k), 1);
		CU_ASSERT_EQUAL_FATAL(ql_pick(&l, k, out, 64), 1);
		CU_ASSERT_EQUAL(l.agents[out[0]].user[0], expect[k]);
		ql_offer_done(&l, k + 1, (long)out[0], out, 1, k);
		l.agents[out[0]].in_call = true;
	}
	for (size_t i = 0; i < 3; i++)
		l.agents[i].in_call = false;

	/* ringall rings the lowest penalty only */
	l.strategy = QL_RINGALL;
	CU_ASSERT_EQUAL(ql_join(&l, 10, 10), 1);
	CU_ASSERT_EQUAL_FATAL(ql_pick(&l, 10, out, 64), 2);
	CU_ASSERT_EQUAL(out[0], 1);
	CU_ASSERT_EQUAL(out[1], 2);
	CU_ASSERT_FALSE(l.agents[0].ringing);
	/* b and c did not answer; they are free, so a is still not tried */
	ql_offer_done(&l, 10, -1, out, 2, 30);
	CU_ASSERT_EQUAL_FATAL(ql_pick(&l, 31, out, 64), 2);
	CU_ASSERT_EQUAL(out[0], 1);
	CU_ASSERT_EQUAL(out[1], 2);
	ql_offer_done(&l, 10, -1, out, 2, 50);
	/* b paused, c in wrap-up: a is the lowest free now */
	l.agents[1].paused = true;
	l.wrapup = 60;
	ql_call_ended(&l, "c", 40);
	CU_ASSERT_EQUAL_FATAL(ql_pick(&l, 51, out, 64), 1);
	CU_ASSERT_EQUAL(out[0], 0);
	ql_free(&l);
}

/* ---- the estimate, a reload, init, names ---- */

static void test_estimate(void)
{
	struct ql_line l;
	size_t out[64];
	line3(&l, QL_LINEAR, 0);
	CU_ASSERT_DOUBLE_EQUAL(ql_estimate(&l, 3), 0, 1e-9);
	CU_ASSERT_EQUAL(ql_join(&l, 1, 0), 1);
	CU_ASSERT_EQUAL(ql_join(&l, 2, 10), 2);
	CU_ASSERT_EQUAL(ql_join(&l, 3, 20), 3);
	/* abandoned callers do not count */
	CU_ASSERT_EQUAL(ql_leave(&l, 3, QL_ABANDONED), 0);
	CU_ASSERT_DOUBLE_EQUAL(ql_estimate(&l, 1), 0, 1e-9);
	/* 1 waited 30 s, 2 waited 40 s */
	CU_ASSERT_EQUAL_FATAL(ql_pick(&l, 25, out, 64), 1);
	ql_offer_done(&l, 1, (long)out[0], out, 1, 30);
	CU_ASSERT_EQUAL_FATAL(ql_pick(&l, 45, out, 64), 1);
	ql_offer_done(&l, 2, (long)out[0], out, 1, 50);
	CU_ASSERT_EQUAL(l.c.answered, 2);
	CU_ASSERT_DOUBLE_EQUAL(l.c.total_wait, 70, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(ql_estimate(&l, 1), 35, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(ql_estimate(&l, 3), 105, 1e-9);
	ql_free(&l);
}

static void test_reconfigure(void)
{
	struct ql_line l;
	size_t out[64];
	line3(&l, QL_LINEAR, 10);
	l.agents[0].paused = true;
	/* b took a call that ended at 50: wrap-up until 60 */
	CU_ASSERT_EQUAL(ql_join(&l, 1, 0), 1);
	l.agents[2].in_call = true;
	CU_ASSERT_EQUAL_FATAL(ql_pick(&l, 1, out, 64), 1);
	CU_ASSERT_EQUAL(out[0], 1);
	ql_offer_done(&l, 1, 1, out, 1, 2);
	ql_call_ended(&l, "b", 50);
	l.agents[2].in_call = false;
	/* callers 2 and 3; c did not answer 2 */
	CU_ASSERT_EQUAL(ql_join(&l, 2, 52), 1);
	CU_ASSERT_EQUAL(ql_join(&l, 3, 53), 2);
	CU_ASSERT_EQUAL_FATAL(ql_pick(&l, 54, out, 64), 1);
	CU_ASSERT_EQUAL(out[0], 2);
	ql_offer_done(&l, 2, -1, out, 1, 55);
	CU_ASSERT_EQUAL(l.callers[0].skipped[2], 1);

	/* a leaves the members, d comes, c moves first with a penalty */
	const struct ql_agent m[] = { member("c", 2), member("b", 0), member("d", 0) };
	CU_ASSERT_EQUAL_FATAL(ql_reconfigure(&l, QL_ROUNDROBIN, 5, 20, m, 3), 0);
	CU_ASSERT_EQUAL(l.nagents, 3);
	CU_ASSERT_EQUAL(l.strategy, QL_ROUNDROBIN);
	CU_ASSERT_EQUAL(l.max_callers, 5);
	CU_ASSERT_DOUBLE_EQUAL(l.wrapup, 20, 1e-9);
	CU_ASSERT_PTR_NULL(ql_agent_find(&l, "a"));
	struct ql_agent *b = ql_agent_find(&l, "b"), *c = ql_agent_find(&l, "c"),
	                *d = ql_agent_find(&l, "d");
	CU_ASSERT_PTR_EQUAL_FATAL(c, &l.agents[0]);
	CU_ASSERT_PTR_EQUAL_FATAL(b, &l.agents[1]);
	CU_ASSERT_PTR_EQUAL_FATAL(d, &l.agents[2]);
	CU_ASSERT_TRUE(b->logged_in);
	CU_ASSERT_FALSE(b->paused);
	CU_ASSERT_EQUAL(b->calls_taken, 1);
	CU_ASSERT_DOUBLE_EQUAL(b->last_call_end, 50, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(b->wrapup_until, 60, 1e-9);
	CU_ASSERT_EQUAL(b->penalty, 0);
	CU_ASSERT_TRUE(c->logged_in);
	CU_ASSERT_EQUAL(c->penalty, 2);
	CU_ASSERT_FALSE(d->logged_in);
	CU_ASSERT_FALSE(d->paused);
	CU_ASSERT_EQUAL(d->calls_taken, 0);
	CU_ASSERT_EQUAL(ql_agent_state(&l, d, 100), QL_AGENT_LOGGED_OUT);
	/* the callers are where they were; the old indexes are forgotten */
	CU_ASSERT_EQUAL(l.ncallers, 2);
	CU_ASSERT_EQUAL(ql_position(&l, 2), 1);
	CU_ASSERT_EQUAL(ql_position(&l, 3), 2);
	CU_ASSERT_DOUBLE_EQUAL(ql_caller_find(&l, 3)->joined, 53, 1e-9);
	for (size_t i = 0; i < 64; i++)
		CU_ASSERT_EQUAL(l.callers[0].skipped[i], 0);

	/* paused kept through a reload, ringing too */
	const struct ql_agent m2[] = { member("a", 0), member("b", 0) };
	l.agents[1].paused = true;
	l.agents[1].ringing = true;
	CU_ASSERT_EQUAL_FATAL(ql_reconfigure(&l, QL_ROUNDROBIN, 5, 20, m2, 2), 0);
	CU_ASSERT_TRUE(l.agents[1].paused);
	CU_ASSERT_TRUE(l.agents[1].ringing);
	CU_ASSERT_FALSE(l.agents[0].logged_in);   /* a comes back as new */
	l.agents[1].ringing = l.agents[1].paused = false;

	/* the new penalties count: c (now 2) waits while b and d are free */
	CU_ASSERT_EQUAL_FATAL(ql_reconfigure(&l, QL_ROUNDROBIN, 5, 0, m, 3), 0);
	for (size_t i = 0; i < 3; i++)
		l.agents[i].logged_in = l.agents[i].registered = true;
	CU_ASSERT_EQUAL(l.rr_next, 0);
	CU_ASSERT_EQUAL_FATAL(ql_pick(&l, 100, out, 64), 1);
	CU_ASSERT_EQUAL(out[0], 1);
	CU_ASSERT_EQUAL(l.rr_next, 2);
	ql_offer_done(&l, 2, -1, out, 1, 101);
	CU_ASSERT_EQUAL_FATAL(ql_pick(&l, 102, out, 64), 1);
	CU_ASSERT_EQUAL(out[0], 2);
	ql_free(&l);
}

static void test_reconfigure_rr_and_errors(void)
{
	struct ql_line l;
	size_t out[64];
	line3(&l, QL_ROUNDROBIN, 0);
	/* c was offered last: the next search would start past the end */
	l.agents[0].in_call = l.agents[1].in_call = true;
	CU_ASSERT_EQUAL(ql_join(&l, 1, 0), 1);
	CU_ASSERT_EQUAL_FATAL(ql_pick(&l, 0, out, 64), 1);
	CU_ASSERT_EQUAL(out[0], 2);
	CU_ASSERT_EQUAL(l.rr_next, 3);
	ql_offer_done(&l, 1, -1, out, 1, 1);

	/* a bad list changes nothing */
	struct ql_agent *before = l.agents;
	const struct ql_agent dup[] = { member("a", 0), member("a", 1) };
	CU_ASSERT_EQUAL(ql_reconfigure(&l, QL_LINEAR, 0, 0, dup, 2), -EINVAL);
	struct ql_agent many[65];
	for (size_t i = 0; i < 65; i++) {
		char u[16];
		snprintf(u, sizeof u, "agent%zu", i);
		many[i] = member(u, 0);
	}
	CU_ASSERT_EQUAL(ql_reconfigure(&l, QL_LINEAR, 0, 0, many, 65), -EINVAL);
	CU_ASSERT_EQUAL(ql_reconfigure(&l, (enum ql_strategy)42, 0, 0, many, 2), -EINVAL);
	CU_ASSERT_PTR_EQUAL(l.agents, before);
	CU_ASSERT_EQUAL(l.nagents, 3);
	CU_ASSERT_EQUAL(l.strategy, QL_ROUNDROBIN);
	CU_ASSERT_EQUAL(l.rr_next, 3);
	CU_ASSERT_EQUAL(l.callers[0].skipped[2], 1);

	/* two members now: roundrobin starts over at the first */
	const struct ql_agent m[] = { member("a", 0), member("b", 0) };
	CU_ASSERT_EQUAL_FATAL(ql_reconfigure(&l, QL_ROUNDROBIN, 1, 0, m, 2), 0);
	CU_ASSERT_EQUAL(l.rr_next, 0);
	/* a lower limit does not drop who waits: it refuses new callers */
	CU_ASSERT_EQUAL(ql_join(&l, 2, 2), -ENOSPC);
	CU_ASSERT_EQUAL(ql_position(&l, 1), 1);
	ql_free(&l);
}

static void test_init(void)
{
	struct ql_line l;
	struct ql_agent many[65];
	for (size_t i = 0; i < 65; i++) {
		char u[16];
		snprintf(u, sizeof u, "agent%zu", i);
		many[i] = member(u, i % 3);
		many[i].logged_in = many[i].registered = true;
		many[i].calls_taken = 9;
	}
	CU_ASSERT_EQUAL(ql_init(&l, "big", QL_LINEAR, 0, 0, many, 65), -EINVAL);
	ql_free(&l);   /* harmless after a failure */
	CU_ASSERT_EQUAL_FATAL(ql_init(&l, "big", QL_LINEAR, 0, 0, many, 64), 0);
	CU_ASSERT_STRING_EQUAL(l.name, "big");
	CU_ASSERT_EQUAL(l.nagents, 64);
	/* copied logged out, whatever the list held */
	CU_ASSERT_FALSE(l.agents[63].logged_in);
	CU_ASSERT_EQUAL(l.agents[63].calls_taken, 0);
	CU_ASSERT_EQUAL(l.agents[5].penalty, 2);
	CU_ASSERT_STRING_EQUAL(l.agents[63].user, "agent63");
	CU_ASSERT_PTR_EQUAL(ql_agent_find(&l, "agent7"), &l.agents[7]);
	CU_ASSERT_PTR_NULL(ql_agent_find(&l, "agent64"));
	CU_ASSERT_PTR_NULL(ql_agent_find(&l, NULL));
	ql_call_ended(&l, "nobody", 5);   /* ignored */
	ql_free(&l);

	many[3] = member("agent1", 0);
	CU_ASSERT_EQUAL(ql_init(&l, "dup", QL_LINEAR, 0, 0, many, 4), -EINVAL);
	many[3] = member("", 0);
	CU_ASSERT_EQUAL(ql_init(&l, "empty", QL_LINEAR, 0, 0, many, 4), -EINVAL);
	memset(many[3].user, 'x', sizeof many[3].user);   /* no terminator */
	CU_ASSERT_EQUAL(ql_init(&l, "unterminated", QL_LINEAR, 0, 0, many, 4), -EINVAL);
	char longname[QL_NAME_MAX + 1];
	memset(longname, 'q', QL_NAME_MAX);
	longname[QL_NAME_MAX] = '\0';
	CU_ASSERT_EQUAL(ql_init(&l, longname, QL_LINEAR, 0, 0, many, 3), -EINVAL);
	CU_ASSERT_EQUAL(ql_init(&l, NULL, QL_LINEAR, 0, 0, many, 3), -EINVAL);
	CU_ASSERT_EQUAL(ql_init(&l, "s", (enum ql_strategy)5, 0, 0, many, 3), -EINVAL);
	CU_ASSERT_EQUAL(ql_init(&l, "s", QL_LINEAR, 0, -1, many, 3), -EINVAL);
	CU_ASSERT_EQUAL(ql_init(&l, "s", QL_LINEAR, 0, 0, NULL, 3), -EINVAL);

	/* no members: callers wait, nobody is offered */
	size_t out[4];
	CU_ASSERT_EQUAL_FATAL(ql_init(&l, "empty", QL_RINGALL, 0, 0, NULL, 0), 0);
	CU_ASSERT_EQUAL(ql_join(&l, 1, 0), 1);
	CU_ASSERT_EQUAL(ql_pick(&l, 0, out, 4), 0);
	ql_free(&l);
}

static void test_names(void)
{
	for (int s = QL_RINGALL; s <= QL_LINEAR; s++) {
		const char *name = ql_strategy_name((enum ql_strategy)s);
		CU_ASSERT_EQUAL(ql_strategy_parse(name), s);
	}
	CU_ASSERT_EQUAL(ql_strategy_parse("ringall"), QL_RINGALL);
	CU_ASSERT_EQUAL(ql_strategy_parse("roundrobin"), QL_ROUNDROBIN);
	CU_ASSERT_EQUAL(ql_strategy_parse("leastrecent"), QL_LEASTRECENT);
	CU_ASSERT_EQUAL(ql_strategy_parse("fewestcalls"), QL_FEWESTCALLS);
	CU_ASSERT_EQUAL(ql_strategy_parse("linear"), QL_LINEAR);
	CU_ASSERT_EQUAL(ql_strategy_parse("random"), -1);
	CU_ASSERT_EQUAL(ql_strategy_parse(""), -1);
	CU_ASSERT_EQUAL(ql_strategy_parse("ringall "), -1);
	CU_ASSERT_EQUAL(ql_strategy_parse(NULL), -1);
	CU_ASSERT_STRING_EQUAL(ql_strategy_name((enum ql_strategy)9), "unknown");

	/* every state has its own name */
	for (int s = QL_AGENT_LOGGED_OUT; s <= QL_AGENT_WRAPUP; s++) {
		const char *a = ql_agent_state_name((enum ql_agent_state)s);
		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		CU_ASSERT_STRING_NOT_EQUAL(a, "unknown");
		for (int t = QL_AGENT_LOGGED_OUT; t < s; t++)
			CU_ASSERT_STRING_NOT_EQUAL(a, ql_agent_state_name((enum ql_agent_state)t));
	}
	CU_ASSERT_STRING_EQUAL(ql_agent_state_name(QL_AGENT_FREE), "free");
	CU_ASSERT_STRING_EQUAL(ql_agent_state_name((enum ql_agent_state)99), "unknown");
}

/* While the head's offer rings, the callers behind it are offered the
 * other free agents, in line order; nobody is offered twice. */
static void test_pick_next(void)
{
	struct ql_line l;
	line3(&l, QL_LINEAR, 0);
	size_t out[64];
	unsigned long who = 0;
	for (unsigned long id = 1; id <= 4; id++)
		CU_ASSERT_EQUAL(ql_join(&l, id, 10), (int)id);
	for (unsigned long id = 1; id <= 3; id++) {
		CU_ASSERT_EQUAL_FATAL(ql_pick_next(&l, 10, out, 64, &who), 1);
		CU_ASSERT_EQUAL(who, id);
		CU_ASSERT_EQUAL(l.agents[out[0]].user[0], (char)('a' + id - 1));
	}
	/* three agents ringing: the fourth caller waits */
	CU_ASSERT_EQUAL(ql_pick_next(&l, 10, out, 64, &who), 0);
	CU_ASSERT_EQUAL(ql_pick(&l, 10, out, 64), 0);   /* the head is offered already */
	/* caller 2's agent (b) answers; caller 4 is still fourth... now third */
	size_t b = 1;
	ql_offer_done(&l, 2, 1, &b, 1, 11);
	l.agents[1].in_call = true;   /* b talks to caller 2 (the glue says so) */
	CU_ASSERT_EQUAL(ql_position(&l, 4), 3);
	CU_ASSERT_EQUAL(ql_position(&l, 1), 1);
	/* caller 1's agent (a) does not answer: a is skipped for it, but the
	 * first caller with no offer is 4, and a is free for it */
	size_t a = 0;
	ql_offer_done(&l, 1, -1, &a, 1, 12);
	CU_ASSERT_EQUAL_FATAL(ql_pick_next(&l, 12, out, 64, &who), 1);
	CU_ASSERT_EQUAL(who, 1);   /* 1 has no offer running: first in line again */
	CU_ASSERT_EQUAL(l.agents[out[0]].user[0], 'a');   /* the only free one: its skip clears */
	ql_free(&l);
}

static CU_TestInfo line_tests[] = {
	{ "positions 1, 2, 3 and moving up", test_positions },
	{ "positions over random joins and leaves", test_positions_random },
	{ "a full line", test_full },
	{ NULL, NULL },
};

static CU_TestInfo strategy_tests[] = {
	{ "roundrobin", test_roundrobin },
	{ "linear", test_linear },
	{ "leastrecent", test_leastrecent },
	{ "fewestcalls", test_fewestcalls },
	{ "ringall", test_ringall },
	{ NULL, NULL },
};

static CU_TestInfo offer_tests[] = {
	{ "the next callers while the head's offer rings", test_pick_next },
	{ "unavailable agents are passed over", test_unavailable },
	{ "ringing and an offer running", test_ringing_and_offering },
	{ "no answer: skipped, caller stays first", test_no_answer },
	{ "penalties", test_penalty },
	{ NULL, NULL },
};

static CU_TestInfo config_tests[] = {
	{ "estimated wait", test_estimate },
	{ "reconfigure keeps state and callers", test_reconfigure },
	{ "reconfigure: roundrobin place, errors", test_reconfigure_rr_and_errors },
	{ "init errors and copies", test_init },
	{ "strategy and state names", test_names },
	{ NULL, NULL },
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "line", .pTests = line_tests },
	{ .pName = "strategies", .pTests = strategy_tests },
	{ .pName = "offers", .pTests = offer_tests },
	{ .pName = "config", .pTests = config_tests },
	CU_SUITE_INFO_NULL,
};
