/* mod_voicemail — voicemail.takeover = true: when the last ringing B-leg
 * of a call answers busy (486 Busy Here, 600 Busy Everywhere) and its
 * target is a box (a bare user: "1002"), the caller goes straight to that
 * box with the busy greeting, taken at the BLEG_RESPONSE hook: the dial
 * stops there and the dialplan's on(busy) does not run. For dials with no
 * continuation of their own (a module's bridge, a hunt list through
 * several phones). Phones of the same user still ringing keep the call
 * going: only the last B-leg's busy counts (RFC 3261 §16.7: one busy fork
 * is no final answer). A caller already answered (a transfer target that
 * is busy) is left to the transfer. */
#include "config.h"

#include <ev.h>
#include <string.h>

#include "voicemail.h"

enum tandem_verdict vm_takeover_bleg_create(struct tandem_event *ev)
{
	struct vm *vm = tandem_module_data(ev->t, VM_MOD);
	struct vm_call *vc = vm && vm->takeover ? vm_call_get(vm, ev->call, true) : NULL;
	if (vc)
		vc->bleg_open++;
	return TANDEM_CONTINUE;
}

static void on_takeover(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct vm_call *vc = w->data;
	(void)loop; (void)revents;
	const struct sip_msg *invite = tandem_call_invite(vc->call);
	int code = invite ? vm_deposit_start(vc->vm, vc->call, invite, vc->takeover_box,
	                                     VM_REASON_BUSY) : 500;
	if (code)   /* the caller is ours: it gets an answer either way */
		tandem_call_reject(vc->call, code, code == 404 ? "No Such Mailbox" : NULL, NULL);
}

enum tandem_verdict vm_takeover_bleg_response(struct tandem_event *ev)
{
	struct vm *vm = tandem_module_data(ev->t, VM_MOD);
	int status = ev->msg ? ev->msg->status : 0;
	struct vm_call *vc = vm && vm->takeover && status >= 200 ? vm_call_get(vm, ev->call, false) : NULL;
	if (!vc)
		return TANDEM_CONTINUE;
	if (vc->bleg_open)
		vc->bleg_open--;
	if ((status != 486 && status != 600) || vc->bleg_open || vc->session ||
	    ev_is_active(&vc->takeover))
		return TANDEM_CONTINUE;
	const struct vm_box *box = ev->leg_target ? vm_boxes_find(vm->boxes, ev->leg_target) : NULL;
	struct tandem_call_facts f;
	if (!box || tandem_call_facts(ev->call, &f) < 0 || f.answer > 0 ||
	    !tandem_call_invite(ev->call))
		return TANDEM_CONTINUE;
	snprintf(vc->takeover_box, sizeof vc->takeover_box, "%s", box->name);
	/* answered from the loop, not inside the B-leg's response */
	ev_timer_init(&vc->takeover, on_takeover, 0., 0.);
	vc->takeover.data = vc;
	ev_timer_start(tandem_loop(ev->t), &vc->takeover);
	tlog_info("mod_voicemail: call %s: %d from %s: taken to box %s", tandem_call_id(ev->call),
	          status, ev->leg_target, box->name);
	return TANDEM_DONE;
}

void vm_takeover_end(struct vm_call *vc)
{
	ev_timer_stop(tandem_loop(vc->vm->t), &vc->takeover);
}
