/* mod_voicemail — leaving a message: voicemail(box[, reason]).
 *
 * The caller is answered here, hears the box's busy or unavailable
 * greeting (its own recording, else the default prompt), "leave a message
 * after the tone" and the beep, and is recorded until it hangs up, presses
 * '#', stays silent for voicemail.silence seconds, or reaches
 * voicemail.max_message. A message shorter than voicemail.min_message is
 * dropped; one that is kept appears in the box's INBOX whole (spool.c),
 * MWI tells the box's watchers, the box's notify command runs. A full box
 * says so and hangs up. '#' during the greeting skips to the beep. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tandem/sip_uri.h>

#include "voicemail.h"

enum deposit_stage { DEP_GREETING = 0, DEP_BEEP, DEP_RECORDING, DEP_GOODBYE };

struct deposit {
	struct vm *vm;
	struct vm_session *s;
	enum deposit_stage stage;
	struct vm_recorder rec;
	struct vm_meta meta;
	char box[VM_NAME_MAX];
};

static void finish(struct deposit *d, const char *why)
{
	struct vm *vm = d->vm;
	unsigned ms;
	struct vm_recording *rec = vm_recorder_take(&d->rec, strcmp(why, "silence") == 0, &ms);
	if (!rec)
		return;
	const char *call_id = tandem_call_id(vm_session_call(d->s));
	if (ms < vm->min_message_ms) {
		vm_rec_abort(rec);
		tlog_info("mod_voicemail: call %s: message for box %s dropped: %u ms, under the %u ms "
		          "minimum (%s)", call_id, d->box, ms, vm->min_message_ms, why);
		return;
	}
	unsigned num;
	d->meta.duration_ms = ms;
	int rc = vm_rec_commit(rec, &d->meta, &num);
	if (rc < 0) {
		tlog_error("mod_voicemail: call %s: message for box %s lost: %s", call_id, d->box,
		           strerror(-rc));
		return;
	}
	tlog_notice("mod_voicemail: call %s: message %04u left in box %s by %s \"%s\": %u ms, %s, "
	            "ended by %s", call_id, num, d->box, d->meta.caller_id, d->meta.caller_name, ms,
	            vm_reason_name(d->meta.reason), why);
	vm_box_changed(vm, d->box);
	const struct vm_box *box = vm_boxes_find(vm->boxes, d->box);
	char wav[1024];
	if (box && box->notify_argv &&
	    vm_spool_msg_path(vm->spool, d->box, VM_INBOX, num, wav, sizeof wav) == 0)
		vm_notify_run(vm, box, num, wav, &d->meta);
}

/* Stop recording and say goodbye (the message is kept, if long enough). */
static void stop_recording(struct deposit *d, const char *why)
{
	finish(d, why);
	d->stage = DEP_GOODBYE;
	vm_session_flush(d->s);
	vm_session_play(d->s, vm_prompt(d->vm->prompts, VM_P_GOODBYE));
}

static void on_play_done(struct vm_session *s, void *arg)
{
	struct deposit *d = arg;
	switch (d->stage) {
	case DEP_GREETING:
		d->stage = DEP_BEEP;
		vm_session_play(s, vm_prompt(d->vm->prompts, VM_P_BEEP));
		break;
	case DEP_BEEP: {
		int rc = vm_recorder_start(&d->rec, d->vm, d->box);
		if (rc < 0) {
			tlog_error("mod_voicemail: call %s: cannot record for box %s: %s",
			           tandem_call_id(vm_session_call(s)), d->box, strerror(-rc));
			d->stage = DEP_GOODBYE;
			vm_session_play(s, vm_prompt(d->vm->prompts, VM_P_GOODBYE));
			break;
		}
		d->stage = DEP_RECORDING;
		break;
	}
	case DEP_RECORDING:
		break;
	case DEP_GOODBYE:
		vm_session_hangup(s, "message left");
		break;
	}
}

static void on_audio(struct vm_session *s, const int16_t *pcm, size_t n, void *arg)
{
	struct deposit *d = arg;
	(void)s;
	if (d->stage != DEP_RECORDING)
		return;   /* what the caller says over the greeting is not kept */
	switch (vm_recorder_feed(&d->rec, pcm, n)) {
	case VM_REC_GOING:
		break;
	case VM_REC_FULL:
		stop_recording(d, "maximum length");
		break;
	case VM_REC_SILENCE:
		stop_recording(d, "silence");
		break;
	case VM_REC_ERROR:
		tlog_error("mod_voicemail: call %s: writing the message for box %s failed",
		           tandem_call_id(vm_session_call(d->s)), d->box);
		stop_recording(d, "write error");
		break;
	}
}

static void on_dtmf(struct vm_session *s, char digit, void *arg)
{
	struct deposit *d = arg;
	if (digit != '#')
		return;
	if (d->stage == DEP_GREETING) {
		vm_session_flush(s);     /* straight to the beep */
		d->stage = DEP_BEEP;
		vm_session_play(s, vm_prompt(d->vm->prompts, VM_P_BEEP));
	} else if (d->stage == DEP_RECORDING) {
		stop_recording(d, "#");
	}
}

static void on_ended(struct vm_session *s, void *arg)
{
	struct deposit *d = arg;
	(void)s;
	/* hanging up is how most callers end their message */
	finish(d, "hangup");
	free(d);
}

static const struct vm_session_ops deposit_ops = {
	.play_done = on_play_done,
	.audio = on_audio,
	.dtmf = on_dtmf,
	.ended = on_ended,
};

/* Caller ID and name from the INVITE's From (RFC 3261 §20.20). */
static void caller_of(const struct sip_msg *m, struct vm_meta *meta)
{
	const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_FROM);
	struct sip_nameaddr na;
	if (!h || sip_nameaddr_parse(h->value, &na) < 0)
		return;
	if (sip_unescape(na.uri.user, meta->caller_id, sizeof meta->caller_id) < 0)
		sip_str_copy(meta->caller_id, sizeof meta->caller_id, na.uri.user);
	/* the display name without its backslash escapes (RFC 3261 §25.1) */
	size_t o = 0;
	for (size_t i = 0; i < na.display.len && o + 1 < sizeof meta->caller_name; i++) {
		char c = na.display.p[i];
		if (c == '\\' && i + 1 < na.display.len)
			c = na.display.p[++i];
		meta->caller_name[o++] = c;
	}
	meta->caller_name[o] = '\0';
}

int vm_deposit_start(struct vm *vm, struct tandem_call *call, const struct sip_msg *invite,
                     const char *name, enum vm_reason reason)
{
	const struct vm_box *box = vm_boxes_find(vm->boxes, name);
	if (!box) {
		tlog_warn("mod_voicemail: call %s: no voicemail box '%s'", tandem_call_id(call), name);
		return 404;
	}
	struct deposit *d = calloc(1, sizeof *d);
	if (!d)
		return 500;
	d->vm = vm;
	snprintf(d->box, sizeof d->box, "%s", box->name);
	d->meta.reason = reason;
	snprintf(d->meta.box, sizeof d->meta.box, "%s", box->name);
	sip_str_copy(d->meta.call_id, sizeof d->meta.call_id, invite->call_id);
	d->meta.time = time(NULL);
	caller_of(invite, &d->meta);

	int code = vm_session_start(vm, call, invite, &deposit_ops, d, &d->s);
	if (code) {
		free(d);
		return code;
	}
	unsigned nnew, nold;
	vm_counts(vm, box->name, &nnew, &nold);
	if (nnew + nold >= box->max_messages) {
		tlog_notice("mod_voicemail: call %s: box %s is full (%u messages)", tandem_call_id(call),
		            box->name, nnew + nold);
		d->stage = DEP_GOODBYE;
		vm_session_play(d->s, vm_prompt(vm->prompts, VM_P_FULL));
		return 0;
	}
	/* the box's own greeting (which says what to do), else the default
	 * one and "leave a message after the tone" */
	char path[1024];
	const char *which = reason == VM_REASON_BUSY ? "busy" : "unavail";
	bool own = vm_spool_greeting_path(vm->spool, box->name, which, path, sizeof path) == 0 &&
	           access(path, R_OK) == 0;
	if (own) {
		vm_session_play_file(d->s, path);
	} else {
		vm_session_play(d->s, vm_prompt(vm->prompts, reason == VM_REASON_BUSY ?
		                                              VM_P_BUSY : VM_P_UNAVAIL));
		vm_session_play(d->s, vm_prompt(vm->prompts, VM_P_LEAVE));
	}
	tlog_info("mod_voicemail: call %s: to box %s (%s%s)", tandem_call_id(call), box->name,
	          vm_reason_name(reason), own ? ", the box's own greeting" : "");
	return 0;
}

enum tandem_verdict vm_deposit_run(struct tandem_event *ev, void *priv)
{
	(void)priv;
	struct vm *vm = tandem_module_data(ev->t, VM_MOD);
	const char *why = ev->argc > 1 ? ev->argv[1] : tandem_route_var(ev, "dial_outcome");
	enum vm_reason reason = why && strcmp(why, "busy") == 0 ? VM_REASON_BUSY :
	                        VM_REASON_UNAVAILABLE;
	int code = vm ? vm_deposit_start(vm, ev->call, ev->msg, ev->argv[0], reason) : 500;
	if (code) {
		ev->reject_code = code;
		ev->reject_reason = code == 404 ? "No Such Mailbox" : NULL;
		return TANDEM_REJECT;
	}
	return TANDEM_DONE;
}
