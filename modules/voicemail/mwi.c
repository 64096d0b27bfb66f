/* mod_voicemail — message waiting (RFC 3842). The core keeps the
 * subscription dialogs of the "message-summary" package (<tandem/event.h>);
 * here: who may subscribe to a box (mod_auth's digest, then the box's
 * owners), the body of each NOTIFY, and the unsolicited NOTIFYs a box with
 * mwi = "unsolicited" sends to its owners' registered contacts, for the
 * phones that never SUBSCRIBE. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/auth.h>
#include <tandem/event.h>
#include <tandem/registrar.h>
#include <tandem/uac.h>

#include "voicemail.h"

#define MWI_PACKAGE "message-summary"                   /* RFC 3842 §3.1 */
#define MWI_CTYPE "application/simple-message-summary"  /* RFC 3842 §3.5 */
#define MWI_BODY_MAX 512
#define MWI_ACCOUNT_MAX (VM_NAME_MAX + sizeof ((struct vm *)0)->realm + 8)
/* Contacts looked up per owner: more than a user ever registers. */
#define MWI_MAX_CONTACTS 16

/* One unsolicited NOTIFY to one contact for one box. While one is in
 * flight, a change meanwhile only sets again: the next goes out when it is
 * answered, with the counts of then, so a slow phone cannot get an older
 * state after a newer one (as the core does for subscriptions). */
struct mwi_out {
	struct vm_mwi *m;
	struct mwi_out *prev, *next;
	struct tandem_uac *u;          /* in flight; NULL between sends */
	bool again;
	unsigned round;                /* the vm_mwi_changed that last asked for it */
	char box[VM_NAME_MAX];
	char ruri[LOCATION_URI_MAX];
	char dest[LOCATION_URI_MAX];   /* "" : the Request-URI's host */
};

/* One accepted subscription, for the control socket's list of who
 * watches a box (the core keeps the dialog; this only points at it). */
struct mwi_sub {
	struct mwi_sub *prev, *next;
	struct tandem_subscription *sub;
};

struct vm_mwi {
	struct vm *vm;
	struct tandem_event_package pkg;   /* the core keeps a pointer to it */
	struct mwi_out *out;               /* unsolicited NOTIFYs in flight */
	unsigned round;                    /* counts vm_mwi_changed calls */
	struct mwi_sub *subs;              /* accepted, not ended yet */
};

/* "sip:<box>@<realm>": the Message-Account (RFC 3842 §5.2) and the From of
 * unsolicited NOTIFYs. With no realm the body goes without the account
 * and From gets a host that names nobody (RFC 6761 §6.4). */
static void account_uri(const struct vm *vm, const char *box, char *out, size_t size)
{
	snprintf(out, size, "sip:%s@%s", box, vm->realm[0] ? vm->realm : "invalid");
}

static int box_body(const struct vm *vm, const char *box, char *out, size_t size)
{
	char acct[MWI_ACCOUNT_MAX];
	unsigned nnew = 0, nold = 0;
	vm_counts(vm, box, &nnew, &nold);
	account_uri(vm, box, acct, sizeof acct);
	return vm_mwi_body(vm->realm[0] ? acct : NULL, nnew, nold, out, size);
}

/* ---- subscriptions ---- */

static enum tandem_verdict mwi_subscribe(void *arg, struct tandem_event *ev,
                                         struct tandem_subscription *sub)
{
	struct vm_mwi *m = arg;
	struct vm *vm = m->vm;
	const char *user = NULL;
	/* first the credentials: an unknown box must not be told apart from
	 * a known one before the subscriber proved who it is */
	if (vm->auth->check(ev->t, ev, false, &user) != TANDEM_CONTINUE)
		return TANDEM_DONE;    /* mod_auth answered: 401 challenge or 400 */
	const char *name = tandem_subscription_resource(sub);
	const struct vm_box *box = name ? vm_boxes_find(vm->boxes, name) : NULL;
	if (!box) {
		tlog_info("mod_voicemail: %s (%s) subscribes to no box %s: 404 (Call-ID %s)",
		          user ? user : "?", tandem_subscription_subscriber(sub),
		          name ? name : "(no user in the Request-URI)", tandem_subscription_call_id(sub));
		ev->reject_code = 404;
		ev->reject_reason = "No Such Mailbox";
		return TANDEM_REJECT;
	}
	if (!user || !vm_box_owned_by(box, user)) {
		tlog_info("mod_voicemail: %s may not watch box %s: 403 (Call-ID %s)",
		          user ? user : "?", box->name, tandem_subscription_call_id(sub));
		ev->reject_code = 403;
		return TANDEM_REJECT;
	}
	/* (the core logs the expiry it grants once it answered) */
	tlog_info("mod_voicemail: %s subscribes to box %s (Call-ID %s)", user, box->name,
	          tandem_subscription_call_id(sub));
	/* CONTINUE: the core accepts it, and calls ended when it goes */
	struct mwi_sub *ms = calloc(1, sizeof *ms);
	if (ms) {
		ms->sub = sub;
		ms->next = m->subs;
		if (ms->next)
			ms->next->prev = ms;
		m->subs = ms;
		tandem_subscription_set_data(sub, ms);
	} else {
		tlog_warn("mod_voicemail: out of memory: the subscription to box %s is not listed",
		          box->name);
	}
	return TANDEM_CONTINUE;
}

static void sub_unlink(struct vm_mwi *m, struct mwi_sub *ms)
{
	if (ms->prev)
		ms->prev->next = ms->next;
	else
		m->subs = ms->next;
	if (ms->next)
		ms->next->prev = ms->prev;
	free(ms);
}

static void mwi_ended(void *arg, struct tandem_subscription *sub, const char *reason)
{
	(void)reason;
	struct mwi_sub *ms = tandem_subscription_data(sub);
	if (ms)
		sub_unlink(arg, ms);
	tandem_subscription_set_data(sub, NULL);
}

int vm_mwi_subscriptions(const struct vm *vm, const char *box,
                         int (*fn)(void *arg, const struct tandem_subscription *sub), void *arg)
{
	for (const struct mwi_sub *ms = vm && vm->mwi ? vm->mwi->subs : NULL; ms; ms = ms->next) {
		const char *r = tandem_subscription_resource(ms->sub);
		if (box && (!r || strcmp(r, box) != 0))
			continue;
		int rc = fn(arg, ms->sub);
		if (rc)
			return rc;
	}
	return 0;
}

static int mwi_notify_body(void *arg, struct tandem_subscription *sub, struct sip_wbuf *body)
{
	struct vm_mwi *m = arg;
	const char *name = tandem_subscription_resource(sub);
	char buf[MWI_BODY_MAX];
	if (!name)
		return -EINVAL;
	/* a box dropped by a reload since: 0/0 (vm_counts) until it expires */
	int n = box_body(m->vm, name, buf, sizeof buf);
	if (n < 0)
		return n;
	sip_wbuf_put(body, buf, (size_t)n);
	return body->err;
}

/* ---- unsolicited NOTIFY ---- */

static void out_free(struct mwi_out *o)
{
	if (o->prev)
		o->prev->next = o->next;
	else
		o->m->out = o->next;
	if (o->next)
		o->next->prev = o->prev;
	free(o);
}

static void on_out_response(void *arg, struct tandem_uac *u, const struct sip_msg *resp,
                            int status);

static int out_send(struct mwi_out *o)
{
	struct vm *vm = o->m->vm;
	char body[MWI_BODY_MAX], acct[MWI_ACCOUNT_MAX], from[MWI_ACCOUNT_MAX + 2];
	int n = box_body(vm, o->box, body, sizeof body);
	if (n < 0)
		return n;
	account_uri(vm, o->box, acct, sizeof acct);
	snprintf(from, sizeof from, "<%s>", acct);
	/* RFC 6665 §8.2.3: a NOTIFY carries Subscription-State. There is no
	 * subscription here (RFC 3842 leaves unsolicited NOTIFY out); "active"
	 * is what the phones that take them expect. To: the contact (NULL). */
	struct tandem_uac_req r = {
		.method = "NOTIFY",
		.ruri = o->ruri,
		.from = from,
		.dest = o->dest[0] ? o->dest : NULL,
		.headers = "Event: " MWI_PACKAGE "\r\nSubscription-State: active\r\n",
		.ctype = MWI_CTYPE,
		.body = body,
		.body_len = (size_t)n,
	};
	o->u = tandem_uac_send(vm->t, NULL, &r, on_out_response, o);
	return o->u ? 0 : errno ? -errno : -EIO;
}

static void on_out_response(void *arg, struct tandem_uac *u, const struct sip_msg *resp,
                            int status)
{
	struct mwi_out *o = arg;
	(void)u;
	if (status < 200)
		return;
	o->u = NULL;     /* freed by the core when this returns */
	if (status >= 300)
		tlog_warn("mod_voicemail: unsolicited NOTIFY for box %s to %s failed: %d %.*s",
		          o->box, o->ruri, status, resp ? (int)resp->reason.len : 0,
		          resp ? resp->reason.p : status == 408 ? "(no answer)" : "(transport error)");
	else
		tlog_debug("mod_voicemail: unsolicited NOTIFY for box %s to %s: %d", o->box, o->ruri,
		           status);
	if (o->again) {
		o->again = false;
		int rc = out_send(o);
		if (rc == 0)
			return;
		tlog_warn("mod_voicemail: cannot send NOTIFY for box %s to %s: %s", o->box, o->ruri,
		          strerror(-rc));
	}
	out_free(o);
}

static void notify_contact(struct vm_mwi *m, const char *box, const struct location_contact *c)
{
	for (struct mwi_out *o = m->out; o; o = o->next)
		if (strcmp(o->box, box) == 0 && strcmp(o->ruri, c->uri) == 0) {
			/* one in flight: the newest state follows it, unless this
			 * very change sent it (a device registered by two owners) */
			if (o->round != m->round)
				o->again = true;
			o->round = m->round;
			return;
		}
	struct mwi_out *o = calloc(1, sizeof *o);
	if (!o) {
		tlog_error("mod_voicemail: out of memory for a NOTIFY to %s", c->uri);
		return;
	}
	o->m = m;
	o->round = m->round;
	snprintf(o->box, sizeof o->box, "%s", box);
	snprintf(o->ruri, sizeof o->ruri, "%s", c->uri);
	/* to the flow it registered over, so it crosses the phone's NAT */
	if (vm_mwi_flow_uri(c, o->dest, sizeof o->dest) < 0)
		o->dest[0] = '\0';
	int rc = out_send(o);
	if (rc < 0) {
		tlog_warn("mod_voicemail: cannot send NOTIFY for box %s to %s: %s", box, c->uri,
		          strerror(-rc));
		free(o);
		return;
	}
	o->next = m->out;
	if (o->next)
		o->next->prev = o;
	m->out = o;
}

static void notify_owners(struct vm *vm, const struct vm_box *box)
{
	struct location_contact *cs = calloc(MWI_MAX_CONTACTS, sizeof *cs);
	if (!cs) {
		tlog_error("mod_voicemail: out of memory notifying the owners of box %s", box->name);
		return;
	}
	vm->mwi->round++;
	for (size_t i = 0; i < box->nowners; i++) {
		int n = vm->registrar->lookup(vm->t, box->owners[i], cs, MWI_MAX_CONTACTS);
		if (n > MWI_MAX_CONTACTS) {
			tlog_info("mod_voicemail: %s has %d contacts: NOTIFY for box %s goes to the best %d",
			          box->owners[i], n, box->name, MWI_MAX_CONTACTS);
			n = MWI_MAX_CONTACTS;
		}
		for (int k = 0; k < n; k++)
			notify_contact(vm->mwi, box->name, &cs[k]);
	}
	free(cs);
}

void vm_mwi_changed(struct vm *vm, const char *box)
{
	if (!vm || !vm->mwi || !box)
		return;
	int n = tandem_event_notify(vm->t, MWI_PACKAGE, box);
	tlog_debug("mod_voicemail: box %s changed: %d subscription(s) notified", box, n);
	const struct vm_box *b = vm_boxes_find(vm->boxes, box);
	if (b && b->mwi_unsolicited && vm->registrar)
		notify_owners(vm, b);
}

/* ---- lifecycle ---- */

int vm_mwi_start(struct vm *vm)
{
	if (!vm || vm->mwi)
		return -EINVAL;
	if (!vm->auth) {
		tlog_error("mod_voicemail: MWI needs mod_auth to tell who subscribes");
		return -EINVAL;
	}
	struct vm_mwi *m = calloc(1, sizeof *m);
	if (!m)
		return -ENOMEM;
	m->vm = vm;
	/* RFC 3842 §3.4: an hour by default; the package bounds of the core */
	m->pkg = (struct tandem_event_package){
		.name = MWI_PACKAGE,
		.content_type = MWI_CTYPE,
		.default_expires = 3600,
		.min_expires = 60,
		.max_expires = 86400,
		.subscribe = mwi_subscribe,
		.notify_body = mwi_notify_body,
		.ended = mwi_ended,
		.arg = m,
	};
	int rc = tandem_event_package_add(vm->t, &m->pkg);
	if (rc < 0) {
		tlog_error("mod_voicemail: cannot serve the %s event package: %s", MWI_PACKAGE,
		           strerror(-rc));
		free(m);
		return rc;
	}
	if (!vm->realm[0])
		tlog_warn("mod_voicemail: no realm: MWI bodies carry no Message-Account");
	vm->mwi = m;
	return 0;
}

void vm_mwi_stop(struct vm *vm)
{
	if (!vm || !vm->mwi)
		return;
	struct vm_mwi *m = vm->mwi;
	unsigned n = 0;
	while (m->out) {
		/* the transactions run on; we only stop listening */
		tandem_uac_cancel(m->out->u);
		out_free(m->out);
		n++;
	}
	if (n)
		tlog_info("mod_voicemail: %u unsolicited NOTIFY(s) still in flight at stop", n);
	/* the subscriptions get terminated;reason=noresource (or the core
	 * already ended them at shutdown: then -ENOENT, harmless) */
	tandem_event_package_remove(vm->t, MWI_PACKAGE);
	while (m->subs)      /* none: ended ran for each; a dialog the core dropped unsaid */
		sub_unlink(m, m->subs);
	free(m);
	vm->mwi = NULL;
}
