/* tandem — the control socket: commands an administrator (tandemctl) or a
 * tool (a web panel) sends to a running tandemd, and what modules add to it.
 *
 * The protocol is JSON over a Unix stream socket, one object per line each
 * way (docs/CONTROL.md): {"command":"calls","args":[...]} in, {"ok":true,
 * "result":...} or {"ok":false,"kind":"usage"|"notfound"|"failed",
 * "error":"..."} out. The core serves status, calls, modules, hangup,
 * reload, loglevel and help; modules add their own (registrations, queues,
 * trunks, voicemail, ban) with tandem_control_command_add. JSON values are
 * jansson's (Debian libjansson-dev); a module that uses this header links
 * jansson (pkg-config jansson). Everything runs on the signalling loop. */
#ifndef TANDEM_CONTROL_H
#define TANDEM_CONTROL_H

#include <stddef.h>
#include <jansson.h>

#include <tandem/export.h>
TANDEM_API_BEGIN

struct tandem;
struct tandem_call;

/* What a command's run returns besides 0, and the "kind" of the error the
 * client gets (tandemctl's exit status: docs/CONTROL.md):
 *   -EINVAL  "usage"     bad arguments (err says what is wrong)
 *   -ENOENT  "notfound"  the thing named does not exist (no such call)
 *   other    "failed"    it exists but the action failed (a reload refused) */
struct tandem_control_command {
	const char *name;      /* one word, lower case: "registrations" */
	const char *usage;     /* the arguments, "list|add ADDR [SECONDS]|remove ADDR"; "" for none */
	const char *help;      /* one line */
	/* args: a JSON array of strings, the words after the name (never NULL).
	 * On success set *result to a new reference (an object, or an array of
	 * objects for a listing: tandemctl prints arrays of objects as tables,
	 * columns in the members' order) and return 0. On failure return one
	 * of the codes above with a message in err (no trailing newline); an
	 * object left in *result then adds its members beside "error" in the
	 * response (reload's "errors"), anything else in it is dropped. */
	int (*run)(struct tandem *t, const json_t *args, json_t **result, char *err, size_t errlen,
	           void *arg);
	void *arg;
};
/* Serve c (copied; its strings must outlive the module: static storage).
 * Call from init or start. 0; -EEXIST the name is taken (by the core or
 * another module); -EINVAL; -ENOSPC. */
int tandem_control_command_add(struct tandem *t, const char *module, const struct tandem_control_command *c);
/* Remove every command module added (its stop). */
void tandem_control_command_remove_all(struct tandem *t, const char *module);

/* Members a module adds to each call's object in "calls" (and to the
 * object "hangup" and the CDR read): mod_rtprelay's codec and media
 * counters as "media": {...}. fn adds to obj with json_object_set_new. */
typedef void (*tandem_control_call_info_fn)(struct tandem *t, struct tandem_call *call, json_t *obj,
                                            void *arg);
int tandem_control_call_info_add(struct tandem *t, const char *module, tandem_control_call_info_fn fn,
                                 void *arg);
void tandem_control_call_info_remove(struct tandem *t, const char *module);
/* The object "calls" shows for call: its facts and every module's members.
 * A new reference, NULL on ENOMEM. */
json_t *tandem_control_call_json(struct tandem *t, struct tandem_call *call);

/* Small helpers for run functions. */
/* The i-th argument as a string, NULL when absent or not a string. */
const char *tandem_control_arg(const json_t *args, size_t i);
size_t tandem_control_nargs(const json_t *args);

TANDEM_API_END
#endif
