/* mod_voicemail — "voicemail [BOX]" on the control socket (docs/CONTROL.md,
 * "Module commands"): without BOX one row per box (owners, new and old
 * counts, who watches it); with BOX the box with its messages, new first
 * then old, each oldest first, and its subscribers. Read-only: the counts
 * are the module's (kept with the spool), the messages read from the
 * spool. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tandem/control.h>
#include <tandem/event.h>

#include "voicemail.h"

static int count_sub(void *arg, const struct tandem_subscription *sub)
{
	(void)sub;
	(*(unsigned *)arg)++;
	return 0;
}

static json_t *owners_json(const struct vm_box *b)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < b->nowners; i++)
		if (json_array_append_new(a, json_string(b->owners[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *box_json(const struct vm *vm, const struct vm_box *b)
{
	unsigned nnew, nold, nsubs = 0;
	vm_counts(vm, b->name, &nnew, &nold);
	vm_mwi_subscriptions(vm, b->name, count_sub, &nsubs);
	json_t *o = json_object(), *owners = owners_json(b);
	if (!o || !owners) {
		json_decref(o);
		json_decref(owners);
		return NULL;
	}
	/* the members' order is the table's column order */
	json_object_set_new(o, "box", json_string(b->name));
	json_object_set_new(o, "owners", owners);
	json_object_set_new(o, "new", json_integer(nnew));
	json_object_set_new(o, "old", json_integer(nold));
	json_object_set_new(o, "max_messages", json_integer(b->max_messages));
	json_object_set_new(o, "subscribers", json_integer(nsubs));
	json_object_set_new(o, "mwi", json_string(b->mwi_unsolicited ? "subscribe+unsolicited"
	                                                             : "subscribe"));
	return o;
}

static json_t *msg_json(const struct vm_msg *m)
{
	char date[32] = "";
	struct tm tm;
	time_t when = m->meta.time;
	if (when <= 0 || !gmtime_r(&when, &tm) ||
	    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		date[0] = '\0';
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_integer(m->num));
	json_object_set_new(o, "status", json_string(m->folder == VM_INBOX ? "new" : "old"));
	json_object_set_new(o, "date", date[0] ? json_string(date) : json_null());
	json_object_set_new(o, "caller", m->meta.caller_id[0] ? json_string(m->meta.caller_id)
	                                                      : json_null());
	json_object_set_new(o, "caller_name", m->meta.caller_name[0] ? json_string(m->meta.caller_name)
	                                                             : json_null());
	json_object_set_new(o, "duration", json_real((m->meta.duration_ms / 100) / 10.0));
	json_object_set_new(o, "reason", json_string(vm_reason_name(m->meta.reason)));
	return o;
}

static int add_folder(const struct vm *vm, const char *box, enum vm_folder f, json_t *arr)
{
	struct vm_msg *list = NULL;
	int n = vm_spool_list(vm->spool, box, f, &list);
	for (int i = 0; i < n; i++) {
		json_t *o = msg_json(&list[i]);
		if (!o || json_array_append_new(arr, o) < 0) {
			n = -ENOMEM;
			break;
		}
	}
	free(list);
	return n < 0 ? n : 0;
}

static int sub_row(void *arg, const struct tandem_subscription *sub)
{
	json_t *o = json_object();
	if (!o)
		return -ENOMEM;
	json_object_set_new(o, "subscriber", json_string(tandem_subscription_subscriber(sub)));
	json_object_set_new(o, "expires", json_integer(tandem_subscription_expires(sub)));
	json_object_set_new(o, "call_id", json_string(tandem_subscription_call_id(sub)));
	return json_array_append_new(arg, o) < 0 ? -ENOMEM : 0;
}

static int box_detail(const struct vm *vm, const struct vm_box *b, json_t **result, char *err,
                      size_t errlen)
{
	json_t *o = box_json(vm, b), *msgs = json_array(), *subs = json_array();
	int rc = o && msgs && subs ? 0 : -ENOMEM;
	if (rc == 0 && (rc = add_folder(vm, b->name, VM_INBOX, msgs)) == 0)
		rc = add_folder(vm, b->name, VM_OLD, msgs);
	if (rc == 0)
		rc = vm_mwi_subscriptions(vm, b->name, sub_row, subs);
	if (rc == 0 && (json_object_set(o, "messages", msgs) < 0 ||
	                json_object_set(o, "subscriptions", subs) < 0))
		rc = -ENOMEM;
	json_decref(msgs);
	json_decref(subs);
	if (rc == 0) {
		*result = o;
		return 0;
	}
	json_decref(o);
	snprintf(err, errlen, "box %s: %s", b->name, strerror(-rc));
	/* the box exists: a spool that cannot be read is a failure, not "notfound" */
	return rc == -ENOMEM ? rc : -EIO;
}

static int voicemail_run(struct tandem *t, const json_t *args, json_t **result, char *err,
                         size_t errlen, void *arg)
{
	(void)arg;
	const struct vm *vm = tandem_module_data(t, VM_MOD);
	size_t nargs = tandem_control_nargs(args);
	const char *name = tandem_control_arg(args, 0);
	if (nargs > 1 || (nargs == 1 && (!name || !*name))) {
		snprintf(err, errlen, "usage: voicemail [BOX]");
		return -EINVAL;
	}
	if (!vm || !vm->boxes) {
		snprintf(err, errlen, "voicemail is not running");
		return -EIO;
	}
	if (name) {
		const struct vm_box *b = vm_boxes_find(vm->boxes, name);
		if (!b) {
			snprintf(err, errlen, "no voicemail box %s", name);
			return -ENOENT;
		}
		return box_detail(vm, b, result, err, errlen);
	}
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < vm->boxes->n; i++) {
		json_t *o = box_json(vm, &vm->boxes->v[i]);
		if (!o || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	if (!arr) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*result = arr;
	return 0;
}

static const struct tandem_control_command voicemail = {
	.name = "voicemail",
	.usage = "[BOX]",
	.help = "the voicemail boxes and their counts; with BOX its messages and watchers",
	.run = voicemail_run,
};

int vm_control_add(struct tandem *t)
{
	return tandem_control_command_add(t, VM_MOD, &voicemail);
}

void vm_control_remove(struct tandem *t)
{
	tandem_control_command_remove_all(t, VM_MOD);
}
