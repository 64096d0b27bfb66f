/* mod_voicemail — voicemail boxes: messages left on busy / no answer,
 * message-waiting (RFC 3842), retrieval by phone.
 *
 *   voicemail: {
 *     users_file = "users.conf";    # the boxes (see boxes.c); relative to this file
 *     spool_dir = "../var/voicemail"; # default: <state_dir>/voicemail
 *     sounds_dir = "../var/sounds"; # the prompt set of tools/make-prompts
 *     max_message = 180;            # s of recording at most
 *     min_message = 1;              # s; shorter messages are dropped
 *     silence = 5;                  # s of silence end a recording (0: never)
 *     silence_level = 160;          # mean |sample| below this is silence
 *     max_messages = 100;           # per box, unless the box says otherwise
 *     login_tries = 3;              # PIN attempts per call
 *     idle = 30;                    # s without a key end a retrieval
 *     takeover = false;             # a busy callee's caller straight to its box (takeover.c)
 *   };
 *
 * Dialplan actions: voicemail(box[, busy|unavailable]) (deposit.c) and
 * voicemail_main([box]) (retrieve.c). On reload the boxes and limits
 * change; the spool and sounds folders need a restart. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/auth.h>
#include <tandem/registrar.h>

#include "voicemail.h"

#define CFG_ERR(where, ...) tandem_config_error(VM_MOD, where, __VA_ARGS__)

struct vm_conf {
	char *users_file, *spool, *sounds;
	unsigned max_message_s, min_message_s, silence_s, silence_level, max_messages;
	unsigned login_tries, idle_s;
	bool takeover;
};

static void conf_free(struct vm_conf *c)
{
	free(c->users_file);
	free(c->spool);
	free(c->sounds);
	*c = (struct vm_conf){ 0 };
}

static int read_uint(const config_setting_t *g, const char *name, unsigned def, unsigned min,
                     unsigned max, unsigned *out)
{
	return tandem_config_uint(VM_MOD, g, name, def, min, max, out);
}

/* A path setting, resolved against its file; def (relative to the
 * top-level setting def_where) when absent. */
static int read_path(const config_setting_t *cfg, const char *name, const config_setting_t *def_where,
                     const char *def, const char *def_leaf, char **out)
{
	const config_setting_t *s = config_setting_get_member(cfg, name);
	*out = NULL;
	if (s) {
		const char *v = config_setting_get_string(s);
		if (!v || !*v) {
			CFG_ERR(s, "'%s' must be a path", name);
			return -EINVAL;
		}
		*out = tandem_setting_path(s, v, NULL);
	} else if (def && def_where) {
		*out = tandem_setting_path(def_where, def, def_leaf);
	} else {
		CFG_ERR(cfg, "voicemail.%s missing", name);
		return -EINVAL;
	}
	return *out ? 0 : -ENOMEM;
}

static int conf_read(const config_setting_t *cfg, struct vm_conf *c)
{
	*c = (struct vm_conf){ 0 };
	if (!cfg) {
		tlog_error("mod_voicemail: needs a 'voicemail' group with users_file and sounds_dir");
		return -EINVAL;
	}
	const config_setting_t *sd = config_lookup(cfg->config, "state_dir");
	const char *state_dir = sd ? config_setting_get_string(sd) : NULL;
	if (read_path(cfg, "users_file", NULL, NULL, NULL, &c->users_file) < 0 ||
	    read_path(cfg, "spool_dir", sd, state_dir, "voicemail", &c->spool) < 0 ||
	    read_path(cfg, "sounds_dir", NULL, NULL, NULL, &c->sounds) < 0 ||
	    read_uint(cfg, "max_message", 180, 1, 3600, &c->max_message_s) < 0 ||
	    read_uint(cfg, "min_message", 1, 0, 60, &c->min_message_s) < 0 ||
	    read_uint(cfg, "silence", 5, 0, 600, &c->silence_s) < 0 ||
	    read_uint(cfg, "silence_level", 160, 1, 32767, &c->silence_level) < 0 ||
	    read_uint(cfg, "max_messages", 100, 1, 9999, &c->max_messages) < 0 ||
	    read_uint(cfg, "login_tries", 3, 1, 10, &c->login_tries) < 0 ||
	    read_uint(cfg, "idle", 30, 5, 3600, &c->idle_s) < 0) {
		conf_free(c);
		return -EINVAL;
	}
	const config_setting_t *t = config_setting_get_member(cfg, "takeover");
	if (t && config_setting_type(t) != CONFIG_TYPE_BOOL) {
		CFG_ERR(t, "'takeover' must be true or false");
		conf_free(c);
		return -EINVAL;
	}
	c->takeover = t && config_setting_get_bool(t);
	if (!c->spool) {
		CFG_ERR(cfg, "voicemail.spool_dir missing (and no top-level state_dir)");
		conf_free(c);
		return -EINVAL;
	}
	return 0;
}

static void conf_apply(struct vm *vm, struct vm_conf *c)
{
	vm->max_message_s = c->max_message_s;
	vm->min_message_ms = c->min_message_s * 1000;
	vm->silence_s = c->silence_s;
	vm->silence_level = c->silence_level;
	vm->max_messages = c->max_messages;
	vm->max_login_tries = c->login_tries;
	vm->idle_s = c->idle_s;
	vm->takeover = c->takeover;
}

/* ---- counts ---- */

static long box_index(const struct vm *vm, const char *name)
{
	const struct vm_box *b = vm->boxes ? vm_boxes_find(vm->boxes, name) : NULL;
	return b ? b - vm->boxes->v : -1;
}

void vm_counts(const struct vm *vm, const char *box, unsigned *nnew, unsigned *nold)
{
	long i = box_index(vm, box);
	*nnew = i < 0 ? 0 : vm->nnew[i];
	*nold = i < 0 ? 0 : vm->nold[i];
}

static int count_folder(const struct vm *vm, const char *box, enum vm_folder f)
{
	struct vm_msg *list = NULL;
	int n = vm_spool_list(vm->spool, box, f, &list);
	free(list);
	return n;
}

void vm_box_changed(struct vm *vm, const char *box)
{
	long i = box_index(vm, box);
	if (i < 0)
		return;
	int nnew = count_folder(vm, box, VM_INBOX), nold = count_folder(vm, box, VM_OLD);
	if (nnew < 0 || nold < 0) {
		tlog_error("mod_voicemail: box %s cannot be counted: %s", box,
		           strerror(-(nnew < 0 ? nnew : nold)));
		return;
	}
	vm->nnew[i] = (unsigned)nnew;
	vm->nold[i] = (unsigned)nold;
	vm_mwi_changed(vm, box);
}

/* Make every box's folders, clear what a crash left, and count: the
 * counts come from the disk, never from memory kept across runs. */
static int prepare_boxes(struct vm *vm, struct vm_boxes *boxes, unsigned **nnew, unsigned **nold)
{
	*nnew = calloc(boxes->n + 1, sizeof **nnew);
	*nold = calloc(boxes->n + 1, sizeof **nold);
	if (!*nnew || !*nold) {
		free(*nnew);
		free(*nold);
		return -ENOMEM;
	}
	for (size_t i = 0; i < boxes->n; i++) {
		int rc = vm_spool_prepare(vm->spool, boxes->v[i].name, &(*nnew)[i], &(*nold)[i]);
		if (rc < 0) {
			tlog_error("mod_voicemail: box %s: cannot prepare its folder under %s: %s",
			           boxes->v[i].name, vm->spool, strerror(-rc));
			free(*nnew);
			free(*nold);
			return rc;
		}
	}
	return 0;
}

/* ---- the module ---- */

static int load_boxes(const struct vm_conf *c, struct vm_boxes **out)
{
	char err[512];
	int rc = vm_boxes_load(c->users_file, c->max_messages, out, err, sizeof err);
	if (rc < 0)
		tlog_error("mod_voicemail: %s", err);
	return rc;
}

static int vm_init(struct tandem *t, const config_setting_t *cfg)
{
	struct vm_conf c;
	int rc = conf_read(cfg, &c);
	if (rc < 0)
		return rc;
	struct vm *vm = calloc(1, sizeof *vm);
	if (!vm) {
		conf_free(&c);
		return -ENOMEM;
	}
	vm->t = t;
	vm->rtp = rtprelay_load_api(t, VM_MOD);
	vm->auth = auth_load_api(t, VM_MOD);
	/* without the registrar there is no one to NOTIFY unasked */
	vm->registrar = tandem_module_api(t, "registrar");
	if (!vm->rtp || !vm->auth) {
		conf_free(&c);
		free(vm);
		return -ENOENT;
	}
	char err[512];
	if ((rc = load_boxes(&c, &vm->boxes)) < 0 ||
	    (rc = vm_prompts_load(vm->rtp, c.sounds, &vm->prompts, err, sizeof err)) < 0) {
		if (vm->boxes && rc < 0)
			tlog_error("mod_voicemail: %s", err);
		vm_boxes_free(vm->boxes);
		conf_free(&c);
		free(vm);
		return rc;
	}
	snprintf(vm->realm, sizeof vm->realm, "%s", vm->boxes->realm ? vm->boxes->realm : "localhost");
	conf_apply(vm, &c);
	vm->spool = c.spool;
	vm->sounds = c.sounds;
	vm->users_file = c.users_file;
	tandem_set_module_data(t, VM_MOD, vm);
	return 0;
}

static int vm_start(struct tandem *t)
{
	struct vm *vm = tandem_module_data(t, VM_MOD);
	int rc = prepare_boxes(vm, vm->boxes, &vm->nnew, &vm->nold);
	if (rc < 0)
		return rc;
	if ((rc = vm_mwi_start(vm)) < 0) {
		tlog_error("mod_voicemail: cannot serve message-summary: %s", strerror(-rc));
		return rc;
	}
	unsigned total = 0;
	for (size_t i = 0; i < vm->boxes->n; i++)
		total += vm->nnew[i];
	tlog_info("mod_voicemail: %zu boxes under %s, %u new messages", vm->boxes->n, vm->spool, total);
	if ((rc = vm_control_add(t)) < 0)
		tlog_error("mod_voicemail: no \"voicemail\" control command: %s", strerror(-rc));
	return 0;
}

static int vm_reload(struct tandem *t, const config_setting_t *cfg)
{
	struct vm *vm = tandem_module_data(t, VM_MOD);
	struct vm_conf c;
	int rc = conf_read(cfg, &c);
	if (rc < 0)
		return rc;
	if (strcmp(c.spool, vm->spool) != 0 || strcmp(c.sounds, vm->sounds) != 0) {
		CFG_ERR(cfg, "spool_dir and sounds_dir cannot change on reload (restart instead)");
		conf_free(&c);
		return -EINVAL;
	}
	struct vm_boxes *boxes;
	unsigned *nnew, *nold;
	if ((rc = load_boxes(&c, &boxes)) < 0) {
		conf_free(&c);
		return rc;
	}
	if ((rc = prepare_boxes(vm, boxes, &nnew, &nold)) < 0) {
		vm_boxes_free(boxes);
		conf_free(&c);
		return rc;
	}
	/* calls in progress keep their box by name, never a pointer into
	 * the old set */
	vm_boxes_free(vm->boxes);
	free(vm->nnew);
	free(vm->nold);
	vm->boxes = boxes;
	vm->nnew = nnew;
	vm->nold = nold;
	snprintf(vm->realm, sizeof vm->realm, "%s", boxes->realm ? boxes->realm : "localhost");
	free(vm->users_file);
	vm->users_file = c.users_file;
	c.users_file = NULL;
	conf_apply(vm, &c);
	conf_free(&c);
	tlog_info("mod_voicemail: reloaded, %zu boxes", vm->boxes->n);
	return 0;
}

static void vm_stop(struct tandem *t)
{
	struct vm *vm = tandem_module_data(t, VM_MOD);
	if (!vm)
		return;
	vm_control_remove(t);
	vm_mwi_stop(vm);
	vm_notify_stop(vm);
	vm_prompts_free(vm->prompts);
	vm_boxes_free(vm->boxes);
	free(vm->nnew);
	free(vm->nold);
	free(vm->spool);
	free(vm->sounds);
	free(vm->users_file);
	free(vm);
	tandem_set_module_data(t, VM_MOD, NULL);
}

struct vm_call *vm_call_get(struct vm *vm, struct tandem_call *call, bool create)
{
	struct vm_call *vc = tandem_call_data(call, VM_MOD);
	if (vc || !create)
		return vc;
	if (!(vc = calloc(1, sizeof *vc)))
		return NULL;
	vc->call = call;
	vc->vm = vm;
	ev_init(&vc->takeover, NULL);
	if (tandem_call_set_data(call, VM_MOD, vc) < 0) {
		free(vc);
		return NULL;
	}
	return vc;
}

static enum tandem_verdict on_call_end(struct tandem_event *ev)
{
	struct vm_call *vc = vm_call_get(NULL, ev->call, false);
	if (!vc)
		return TANDEM_CONTINUE;
	vm_session_end(ev->call);
	vm_takeover_end(vc);
	tandem_call_set_data(ev->call, VM_MOD, NULL);
	free(vc);
	return TANDEM_CONTINUE;
}

/* voicemail(box[, busy|unavailable]): a reason written out must be one of
 * the two greetings (a ${variable} is read at run time). */
static int deposit_fixup(struct tandem *t, int argc, const char *const *argv, void **priv,
                         char *err, size_t errlen)
{
	(void)t;
	*priv = NULL;
	if (!argv[0][0]) {
		snprintf(err, errlen, "voicemail(): no box");
		return -EINVAL;
	}
	if (argc > 1 && !strstr(argv[1], "${") && strcmp(argv[1], "busy") != 0 &&
	    strcmp(argv[1], "unavailable") != 0) {
		snprintf(err, errlen, "voicemail(%s, %s): the greeting is busy or unavailable", argv[0],
		         argv[1]);
		return -EINVAL;
	}
	return 0;
}

static const struct tandem_action actions[] = {
	{ "voicemail", 1, 2, deposit_fixup, vm_deposit_run, NULL },
	{ "voicemail_main", 0, 1, NULL, vm_retrieve_run, NULL },
	{ NULL, 0, 0, NULL, NULL, NULL }
};

static const struct tandem_hook hooks[] = {
	/* after the other modules: a B-leg they refuse is no B-leg to count */
	{ TANDEM_HOOK_BLEG_CREATE, 100, vm_takeover_bleg_create },
	{ TANDEM_HOOK_BLEG_RESPONSE, 100, vm_takeover_bleg_response },
	{ TANDEM_HOOK_CALL_END, 0, on_call_end },
	{ 0, 0, NULL }
};

static const char *const deps[] = { "rtprelay", "auth", NULL };

const struct tandem_module tandem_module = {
	.abi = TANDEM_MODULE_ABI,
	.build_sig = TANDEM_BUILD_SIGNATURE,
	.name = VM_MOD,
	.deps = deps,
	.init = vm_init,
	.start = vm_start,
	.reload = vm_reload,
	.stop = vm_stop,
	.actions = actions,
	.hooks = hooks,
};
