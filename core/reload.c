/* tandem — reloading the configuration (SIGHUP, the control socket's
 * "reload"): all of it or nothing. */
#include "config.h"

#include <string.h>

#include "call/call.h"
#include "tandem_internal.h"

static bool same_listeners(const struct tandem_config *a, const struct tandem_config *b)
{
	if (a->nlisteners != b->nlisteners)
		return false;
	for (unsigned i = 0; i < a->nlisteners; i++) {
		const struct sip_listener_cfg *x = &a->listeners[i], *y = &b->listeners[i];
		if (x->proto != y->proto || x->port != y->port || strcmp(x->address, y->address) != 0)
			return false;
	}
	return true;
}

static bool same_dns(const struct tandem_config *a, const struct tandem_config *b)
{
	const char *x = a->dns.servers ? a->dns.servers : "", *y = b->dns.servers ? b->dns.servers : "";
	return strcmp(x, y) == 0 && a->dns.timeout_ms == b->dns.timeout_ms &&
	       a->dns.tries == b->dns.tries;
}

static bool same_modules(const struct tandem_config *a, const struct tandem_config *b)
{
	if (a->nmodules != b->nmodules)
		return false;
	for (unsigned i = 0; i < a->nmodules; i++)
		if (strcmp(a->modules[i], b->modules[i]) != 0)
			return false;
	return true;
}

/* The caller's errors, or a list of our own that is cleared on return. */
static void hand_errors(struct config_errors *mine, struct config_errors *theirs)
{
	config_errors_print(mine);
	if (theirs)
		*theirs = *mine;
	else
		config_errors_clear(mine);
	*mine = (struct config_errors){ 0 };
}

int tandem_reload(struct tandem *t, struct config_errors *errs_out)
{
	struct tandem_config *next = NULL;
	struct config_errors errs = { 0 };
	if (tandem_config_load(t->conf->path, &next, &errs) < 0) {
		hand_errors(&errs, errs_out);
		tlog_error("reload failed: the old configuration stays in force");
		return -EINVAL;
	}
	if (!same_modules(t->conf, next) || !same_listeners(t->conf, next))
		tlog_warn("reload: changes to 'modules' or 'listen' take effect at the next restart");
	if (!same_dns(t->conf, next))
		tlog_warn("reload: changes to 'dns' take effect at the next restart");
	if (call_core_prepare_reload(t, next, &errs) < 0) {
		hand_errors(&errs, errs_out);
		tandem_config_free(next);
		tlog_error("reload failed: the old configuration stays in force");
		return -EINVAL;
	}
	/* a module says why it refuses in its log lines: the caller gets them */
	tandem_log_capture(&errs);
	int rc = loader_reload_all(t, next);
	tandem_log_capture(NULL);
	if (rc < 0) {
		call_core_abort_reload(t);
		tandem_config_free(next);
		if (errs.count == 0)
			config_errors_add(&errs, NULL, "a module refused the new configuration");
		if (errs_out)
			*errs_out = errs;
		else
			config_errors_clear(&errs);
		tlog_error("reload failed: the old configuration stays in force");
		return -EINVAL;
	}
	config_errors_clear(&errs);
	call_core_commit_reload(t);
	tandem_server_apply(t, next);
	tandem_config_free(t->conf);
	t->conf = next;
	/* a moved, closed or re-permitted control socket; on failure the old
	 * one stays (logged) */
	if (t->control && control_core_open(t, next) < 0)
		tlog_error("reload: the control socket stays as it was");
	tlog_notice("reload done");
	return 0;
}

