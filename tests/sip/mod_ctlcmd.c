/* mod_ctlcmd — a module for the tests only: it serves control commands
 * and adds members to every call's object, as a real module would
 * (include/tandem/control.h), so the tests see the contract end to end:
 *   peers        a listing with nested members (a table in tandemctl)
 *   fail WHY     a failure with a detail beside its error
 * and "ctlcmd": {"mark": "seen", "number": N} in each call of "calls".
 * It also asks for the core's "status", which must be refused (-EEXIST). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <tandem/call.h>
#include <tandem/control.h>
#include <tandem/tandem.h>

static int peers_run(struct tandem *t, const json_t *args, json_t **result, char *err, size_t errlen,
                     void *arg)
{
	(void)t;
	(void)arg;
	if (tandem_control_nargs(args)) {
		snprintf(err, errlen, "no arguments expected");
		return -EINVAL;
	}
	*result = json_pack("[{s:s, s:s, s:{s:i, s:i}}, {s:s, s:s, s:{s:i, s:i}}]",
	                    "name", "alpha", "state", "up", "stats", "rx", 10, "tx", 20,
	                    "name", "beta-long-name", "state", "down", "stats", "rx", 0, "tx", 3);
	return *result ? 0 : -ENOMEM;
}

static int fail_run(struct tandem *t, const json_t *args, json_t **result, char *err, size_t errlen,
                    void *arg)
{
	(void)t;
	(void)arg;
	const char *why = tandem_control_arg(args, 0);
	if (!why || tandem_control_nargs(args) != 1) {
		snprintf(err, errlen, "say why");
		return -EINVAL;
	}
	snprintf(err, errlen, "failed as asked: %s", why);
	*result = json_pack("{s:s}", "why", why);
	return -EIO;
}

static void call_info(struct tandem *t, struct tandem_call *call, json_t *obj, void *arg)
{
	(void)t;
	(void)arg;
	struct tandem_call_facts f;
	if (tandem_call_facts(call, &f) == 0)
		json_object_set_new(obj, "ctlcmd", json_pack("{s:s, s:I}", "mark", "seen", "number",
		                                             (json_int_t)f.id));
}

static const struct tandem_control_command commands[] = {
	{ .name = "peers", .usage = "", .help = "test peers with nested counters", .run = peers_run },
	{ .name = "fail", .usage = "WHY", .help = "fail on purpose", .run = fail_run },
};

static int ctlcmd_init(struct tandem *t, const config_setting_t *cfg)
{
	(void)cfg;
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		int rc = tandem_control_command_add(t, "ctlcmd", &commands[i]);
		if (rc < 0) {
			tlog_error("ctlcmd: cannot add %s: %s", commands[i].name, strerror(-rc));
			return rc;
		}
	}
	static const struct tandem_control_command taken = { .name = "status", .usage = "",
		.help = "not ours", .run = peers_run };
	int rc = tandem_control_command_add(t, "ctlcmd", &taken);
	tlog_info("ctlcmd: adding status: %s", rc == -EEXIST ? "refused, taken" : "NOT refused");
	return tandem_control_call_info_add(t, "ctlcmd", call_info, NULL);
}

static void ctlcmd_stop(struct tandem *t)
{
	tandem_control_command_remove_all(t, "ctlcmd");
	tandem_control_call_info_remove(t, "ctlcmd");
}

const struct tandem_module tandem_module = {
	.abi = TANDEM_MODULE_ABI,
	.build_sig = TANDEM_BUILD_SIGNATURE,
	.name = "ctlcmd",
	.init = ctlcmd_init,
	.stop = ctlcmd_stop,
};
