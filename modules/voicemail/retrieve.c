/* mod_voicemail — listening to a box: voicemail_main([box]).
 *
 * Login: an owner authenticated by digest (${auth_user}) calling for its
 * own box goes straight in; anyone else is asked the box number (when the
 * action names none) and the box's PIN, voicemail.login_tries times.
 * Then: "you have N new and M old messages", and each message, new first,
 * with its caller's number; keys (as Asterisk and FreeSWITCH users know
 * them):
 *   1 replay   2 next   7 delete   9 save   0 options   * back   # skip
 * A new message that was played moves to Old when the caller leaves it
 * (MWI then counts it old). Options: 1 record the busy greeting, 2 the
 * unavailable greeting, 3 the name, * back. A key pressed over a prompt
 * cuts it short. Nothing pressed for voicemail.idle seconds: goodbye. */
#include "config.h"

#include <errno.h>
#include <ev.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "voicemail.h"

#define DIGITS_MAX 32
#define ENTRY_TIMEOUT 8.     /* s after the last digit of a box number or PIN */

enum retrieve_stage {
	R_ASK_BOX = 0, R_ASK_PIN,
	R_INTRO,                  /* "you have ..." */
	R_MSG_HEADER,             /* "next message, from 1 0 0 2" */
	R_MSG_PLAY,
	R_MSG_MENU,
	R_END,                    /* "no more messages": * back, 0 options */
	R_OPTIONS,
	R_REC_PROMPT, R_RECORDING, R_RECORDED,
	R_GOODBYE,
};

struct entry {
	struct vm_msg m;
	bool heard;
};

struct retrieve {
	struct vm *vm;
	struct vm_session *s;
	enum retrieve_stage stage;
	char box[VM_NAME_MAX];
	bool box_fixed;            /* named by the action: only the PIN is asked */
	char user[VM_NAME_MAX];    /* who logged in, for the log */
	char digits[DIGITS_MAX];
	unsigned tries;
	struct entry *msgs;
	size_t n, cur;
	ev_timer idle;
	/* greeting recording */
	struct vm_recorder rec;
	const char *rec_which;
};

static const char *call_id(const struct retrieve *r)
{
	return tandem_call_id(vm_session_call(r->s));
}

static void say(struct retrieve *r, enum vm_prompt p)
{
	vm_session_play(r->s, vm_prompt(r->vm->prompts, p));
}

static void idle_restart(struct retrieve *r, double after)
{
	ev_timer_stop(tandem_loop(r->vm->t), &r->idle);
	ev_timer_set(&r->idle, after, 0.);
	ev_timer_start(tandem_loop(r->vm->t), &r->idle);
}

static void goodbye(struct retrieve *r)
{
	vm_session_flush(r->s);
	r->stage = R_GOODBYE;
	say(r, VM_P_GOODBYE);
}

/* ---- the messages ---- */

static int load_messages(struct retrieve *r)
{
	struct vm_msg *inbox = NULL, *old = NULL;
	int ni = vm_spool_list(r->vm->spool, r->box, VM_INBOX, &inbox);
	int no = ni < 0 ? 0 : vm_spool_list(r->vm->spool, r->box, VM_OLD, &old);
	if (ni < 0 || no < 0) {
		free(inbox);
		free(old);
		return ni < 0 ? ni : no;
	}
	free(r->msgs);
	r->msgs = calloc((size_t)(ni + no) + 1, sizeof *r->msgs);
	if (!r->msgs) {
		free(inbox);
		free(old);
		return -ENOMEM;
	}
	for (int i = 0; i < ni; i++)
		r->msgs[i].m = inbox[i];
	for (int i = 0; i < no; i++)
		r->msgs[ni + i].m = old[i];
	r->n = (size_t)(ni + no);
	r->cur = 0;
	free(inbox);
	free(old);
	return ni;
}

/* Leaving message cur: a new one that was played becomes old. */
static void leave_current(struct retrieve *r, bool say_saved)
{
	if (r->cur >= r->n)
		return;
	struct entry *e = &r->msgs[r->cur];
	if (e->m.folder == VM_INBOX && (e->heard || say_saved)) {
		unsigned num;
		int rc = vm_spool_save(r->vm->spool, r->box, e->m.num, &num);
		if (rc == 0) {
			tlog_info("mod_voicemail: call %s: box %s message %04u heard, now old %04u",
			          call_id(r), r->box, e->m.num, num);
			e->m.folder = VM_OLD;
			e->m.num = num;
			vm_box_changed(r->vm, r->box);
		} else {
			tlog_warn("mod_voicemail: call %s: box %s message %04u not moved to Old: %s",
			          call_id(r), r->box, e->m.num, strerror(-rc));
		}
	}
	if (say_saved)
		say(r, VM_P_SAVED);
}

/* Queue "first/next message, from 1 0 0 2" (after what is playing). */
static void queue_header(struct retrieve *r)
{
	const struct entry *e = &r->msgs[r->cur];
	r->stage = R_MSG_HEADER;
	say(r, r->cur == 0 ? VM_P_FIRST : VM_P_NEXT);
	if (e->m.meta.caller_id[0]) {
		const struct rtpr_wav *w[32];
		size_t k = vm_say_digits(r->vm->prompts, e->m.meta.caller_id, w, 32);
		if (k) {
			say(r, VM_P_FROM);
			for (size_t i = 0; i < k; i++)
				vm_session_play(r->s, w[i]);
		}
	}
}

static void play_message(struct retrieve *r)
{
	struct entry *e = &r->msgs[r->cur];
	char path[1024];
	r->stage = R_MSG_PLAY;
	e->heard = true;
	if (vm_spool_msg_path(r->vm->spool, r->box, e->m.folder, e->m.num, path, sizeof path) == 0)
		vm_session_play_file(r->s, path);
}

static void at_end(struct retrieve *r)
{
	vm_session_flush(r->s);
	r->stage = R_END;
	say(r, VM_P_NO_MORE);
}

static void go_to(struct retrieve *r, size_t idx)
{
	r->cur = idx;
	vm_session_flush(r->s);
	if (r->cur >= r->n)
		at_end(r);
	else
		queue_header(r);
}

/* After "deleted" / "saved": the message now at cur, or the end. */
static void then_current(struct retrieve *r)
{
	if (r->cur >= r->n) {
		r->stage = R_END;
		say(r, VM_P_NO_MORE);
	} else {
		queue_header(r);
	}
}

static void delete_current(struct retrieve *r)
{
	if (r->cur >= r->n)
		return;
	struct entry *e = &r->msgs[r->cur];
	int rc = vm_spool_delete(r->vm->spool, r->box, e->m.folder, e->m.num);
	if (rc < 0) {
		tlog_warn("mod_voicemail: call %s: box %s message %04u not deleted: %s", call_id(r),
		          r->box, e->m.num, strerror(-rc));
		return;
	}
	tlog_info("mod_voicemail: call %s: box %s message %04u (%s) deleted", call_id(r), r->box,
	          e->m.num, e->m.folder == VM_INBOX ? "new" : "old");
	memmove(e, e + 1, (r->n - r->cur - 1) * sizeof *e);
	r->n--;
	vm_box_changed(r->vm, r->box);
	vm_session_flush(r->s);
	say(r, VM_P_DELETED);
	then_current(r);   /* the next message took its place */
}

/* "two new messages", "one old message". */
static void say_count(struct retrieve *r, unsigned n, enum vm_prompt kind)
{
	const struct rtpr_wav *w[16];
	size_t k = vm_say_number(r->vm->prompts, n, w, 16);
	for (size_t i = 0; i < k; i++)
		vm_session_play(r->s, w[i]);
	say(r, kind);
	say(r, n == 1 ? VM_P_MESSAGE : VM_P_MESSAGES);
}

/* "You have 2 new messages and 1 old message" / "You have no messages". */
static void intro(struct retrieve *r, unsigned nnew, unsigned nold)
{
	r->stage = R_INTRO;
	say(r, VM_P_YOU_HAVE);
	if (!nnew && !nold) {
		say(r, VM_P_NO);
		say(r, VM_P_MESSAGES);
		return;
	}
	if (nnew)
		say_count(r, nnew, VM_P_NEW);
	if (nnew && nold)
		say(r, VM_P_AND);
	if (nold)
		say_count(r, nold, VM_P_OLD);
}

static void open_box(struct retrieve *r)
{
	int nnew = load_messages(r);
	if (nnew < 0) {
		tlog_error("mod_voicemail: call %s: box %s cannot be read: %s", call_id(r), r->box,
		           strerror(-nnew));
		goodbye(r);
		return;
	}
	tlog_notice("mod_voicemail: call %s: box %s opened by %s (%d new, %zu old)", call_id(r),
	            r->box, r->user[0] ? r->user : "PIN", nnew, r->n - (size_t)nnew);
	vm_session_flush(r->s);
	intro(r, (unsigned)nnew, (unsigned)(r->n - (size_t)nnew));
}

/* ---- login ---- */

static void ask(struct retrieve *r)
{
	r->digits[0] = '\0';
	r->stage = r->box_fixed || r->box[0] ? R_ASK_PIN : R_ASK_BOX;
	say(r, r->stage == R_ASK_BOX ? VM_P_ENTER_BOX : VM_P_ENTER_PIN);
}

static bool pin_matches(const struct vm_box *box, const char *pin)
{
	size_t n = strlen(pin);
	/* no PIN set: the box opens by digest identity only */
	return box && box->pin && strlen(box->pin) == n && CRYPTO_memcmp(box->pin, pin, n) == 0;
}

static void entered(struct retrieve *r)
{
	ev_timer_stop(tandem_loop(r->vm->t), &r->idle);
	vm_session_flush(r->s);
	if (r->stage == R_ASK_BOX) {
		/* a box that does not exist is asked its PIN too: nothing tells
		 * a guesser which numbers are boxes */
		snprintf(r->box, sizeof r->box, "%s", r->digits);
		r->digits[0] = '\0';
		r->stage = R_ASK_PIN;
		say(r, VM_P_ENTER_PIN);
		return;
	}
	const struct vm_box *box = vm_boxes_find(r->vm->boxes, r->box);
	if (pin_matches(box, r->digits)) {
		OPENSSL_cleanse(r->digits, sizeof r->digits);
		open_box(r);
		return;
	}
	OPENSSL_cleanse(r->digits, sizeof r->digits);
	tlog_warn("mod_voicemail: call %s: login to box %s failed (try %u)", call_id(r), r->box,
	          r->tries + 1);
	say(r, VM_P_INCORRECT);
	if (++r->tries >= r->vm->max_login_tries) {
		goodbye(r);
		return;
	}
	if (!r->box_fixed)
		r->box[0] = '\0';
	ask(r);
}

/* ---- greetings (options) ---- */

static void options(struct retrieve *r)
{
	vm_session_flush(r->s);
	r->stage = R_OPTIONS;
	say(r, VM_P_OPTIONS);
}

static void record_greeting(struct retrieve *r, const char *which)
{
	vm_session_flush(r->s);
	r->rec_which = which;
	r->stage = R_REC_PROMPT;
	say(r, VM_P_RECORD);
	say(r, VM_P_BEEP);
}

static void greeting_done(struct retrieve *r, const char *why)
{
	unsigned ms;
	struct vm_recording *rec = vm_recorder_take(&r->rec, strcmp(why, "silence") == 0, &ms);
	if (!rec)
		return;
	if (ms < r->vm->min_message_ms) {
		vm_rec_abort(rec);
		options(r);
		return;
	}
	int rc = vm_rec_commit_greeting(rec, r->rec_which);
	if (rc < 0) {
		tlog_error("mod_voicemail: call %s: box %s greeting %s not kept: %s", call_id(r), r->box,
		           r->rec_which, strerror(-rc));
		options(r);
		return;
	}
	tlog_notice("mod_voicemail: call %s: box %s recorded its %s greeting (%u ms)", call_id(r),
	            r->box, r->rec_which, ms);
	vm_session_flush(r->s);
	r->stage = R_RECORDED;
	say(r, VM_P_RECORDED);
}

/* ---- the session's callbacks ---- */

static void on_play_done(struct vm_session *s, void *arg)
{
	struct retrieve *r = arg;
	switch (r->stage) {
	case R_ASK_BOX:
	case R_ASK_PIN:
		idle_restart(r, ENTRY_TIMEOUT);
		return;
	case R_INTRO:
		go_to(r, 0);
		return;
	case R_MSG_HEADER:
		play_message(r);
		return;
	case R_MSG_PLAY:
		r->stage = R_MSG_MENU;
		say(r, VM_P_MENU);
		return;
	case R_REC_PROMPT: {
		int rc = vm_recorder_start(&r->rec, r->vm, r->box);
		if (rc < 0) {
			tlog_error("mod_voicemail: call %s: cannot record for box %s: %s", call_id(r),
			           r->box, strerror(-rc));
			options(r);
			return;
		}
		r->stage = R_RECORDING;
		return;
	}
	case R_RECORDED:
		options(r);
		return;
	case R_GOODBYE:
		vm_session_hangup(s, "retrieval over");
		return;
	case R_MSG_MENU:
	case R_END:
	case R_OPTIONS:
	case R_RECORDING:
		break;
	}
	idle_restart(r, (double)r->vm->idle_s);
}

static void on_idle(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct retrieve *r = w->data;
	(void)loop; (void)revents;
	if (r->stage == R_ASK_BOX || r->stage == R_ASK_PIN) {
		entered(r);   /* what was typed, without the '#' */
		return;
	}
	if (r->stage != R_GOODBYE && r->stage != R_RECORDING)
		goodbye(r);
}

static void on_audio(struct vm_session *s, const int16_t *pcm, size_t n, void *arg)
{
	struct retrieve *r = arg;
	(void)s;
	if (r->stage != R_RECORDING)
		return;
	enum vm_rec_event e = vm_recorder_feed(&r->rec, pcm, n);
	if (e == VM_REC_FULL || e == VM_REC_ERROR)
		greeting_done(r, "maximum length");
	else if (e == VM_REC_SILENCE)
		greeting_done(r, "silence");
}

static void message_key(struct retrieve *r, char digit)
{
	switch (digit) {
	case '1':
		go_to(r, r->cur);
		break;
	case '2':
		leave_current(r, false);
		go_to(r, r->cur + 1);
		break;
	case '7':
		delete_current(r);
		break;
	case '9':
		vm_session_flush(r->s);
		leave_current(r, true);
		r->cur++;
		then_current(r);
		break;
	case '0':
		leave_current(r, false);
		options(r);
		break;
	case '*':
		leave_current(r, false);
		go_to(r, r->cur > 0 ? r->cur - 1 : 0);
		break;
	case '#':
		if (r->stage == R_MSG_MENU) {   /* skip the menu too: the next message */
			leave_current(r, false);
			go_to(r, r->cur + 1);
		} else {                        /* skip the rest of the message */
			vm_session_flush(r->s);
			r->msgs[r->cur].heard = true;
			r->stage = R_MSG_MENU;
			say(r, VM_P_MENU);
		}
		break;
	default:
		break;
	}
}

static void on_dtmf(struct vm_session *s, char digit, void *arg)
{
	struct retrieve *r = arg;
	(void)s;
	ev_timer_stop(tandem_loop(r->vm->t), &r->idle);
	switch (r->stage) {
	case R_ASK_BOX:
	case R_ASK_PIN: {
		vm_session_flush(r->s);   /* barge-in */
		if (digit == '#') {
			entered(r);
			return;
		}
		size_t n = strlen(r->digits);
		if (n + 1 < sizeof r->digits && digit >= '0' && digit <= '9') {
			r->digits[n] = digit;
			r->digits[n + 1] = '\0';
		}
		idle_restart(r, ENTRY_TIMEOUT);
		return;
	}
	case R_INTRO:
		if (digit == '0')
			options(r);
		else
			go_to(r, 0);      /* a key skips the introduction */
		return;
	case R_MSG_HEADER:
	case R_MSG_PLAY:
	case R_MSG_MENU:
		message_key(r, digit);
		return;
	case R_END:
		if (digit == '*' || digit == '1')
			go_to(r, r->n ? r->n - 1 : 0);
		else if (digit == '0')
			options(r);
		else
			idle_restart(r, (double)r->vm->idle_s);
		return;
	case R_OPTIONS:
	case R_RECORDED:
		if (digit == '1')
			record_greeting(r, "busy");
		else if (digit == '2')
			record_greeting(r, "unavail");
		else if (digit == '3')
			record_greeting(r, "name");
		else if (digit == '*')
			go_to(r, r->cur);
		else
			idle_restart(r, (double)r->vm->idle_s);
		return;
	case R_REC_PROMPT:
		if (digit == '*')
			options(r);
		return;
	case R_RECORDING:
		if (digit == '#')
			greeting_done(r, "#");
		return;
	case R_GOODBYE:
		return;
	}
}

static void on_ended(struct vm_session *s, void *arg)
{
	struct retrieve *r = arg;
	(void)s;
	ev_timer_stop(tandem_loop(r->vm->t), &r->idle);
	/* a caller who hangs up after listening has heard it */
	if (r->stage == R_MSG_PLAY || r->stage == R_MSG_MENU)
		leave_current(r, false);
	vm_recorder_abort(&r->rec);   /* a greeting needs its '#' */
	OPENSSL_cleanse(r->digits, sizeof r->digits);
	free(r->msgs);
	free(r);
}

static const struct vm_session_ops retrieve_ops = {
	.play_done = on_play_done,
	.audio = on_audio,
	.dtmf = on_dtmf,
	.ended = on_ended,
};

enum tandem_verdict vm_retrieve_run(struct tandem_event *ev, void *priv)
{
	(void)priv;
	struct vm *vm = tandem_module_data(ev->t, VM_MOD);
	struct retrieve *r = vm ? calloc(1, sizeof *r) : NULL;
	if (!r) {
		ev->reject_code = 500;
		return TANDEM_REJECT;
	}
	r->vm = vm;
	ev_timer_init(&r->idle, on_idle, 0., 0.);
	r->idle.data = r;
	const char *named = ev->argc > 0 ? ev->argv[0] : "";
	const char *user = tandem_route_var(ev, "auth_user");
	if (named[0]) {
		snprintf(r->box, sizeof r->box, "%s", named);
		r->box_fixed = true;
	}
	int code = vm_session_start(vm, ev->call, ev->msg, &retrieve_ops, r, &r->s);
	if (code) {
		free(r);
		ev->reject_code = code;
		return TANDEM_REJECT;
	}
	const struct vm_box *box = named[0] ? vm_boxes_find(vm->boxes, named) : NULL;
	if (box && user && user[0] && vm_box_owned_by(box, user)) {
		snprintf(r->user, sizeof r->user, "%s", user);
		open_box(r);
	} else {
		ask(r);
	}
	return TANDEM_DONE;
}
