/* tandem — reloading the configuration (SIGHUP, the control socket's
 * "reload"): all of it or nothing. */
#include "config.h"

#include <string.h>

#include "call/call.h"
#include "net/transport_internal.h"
#include "tandem_internal.h"

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

/* A refusal: the reasons go to the caller (errs_out, which clears them),
 * else they are dropped. The config's own errors are logged here; those
 * captured from log lines (captured) were logged when they happened. */
static int refuse(struct tandem_config *next, struct config_errors *errs,
                  struct config_errors *errs_out, const char *fallback, bool captured)
{
	tandem_config_free(next);
	if (!captured)
		config_errors_print(errs);
	if (errs->count == 0 && fallback)
		config_errors_add(errs, NULL, "%s", fallback);
	if (errs_out)
		*errs_out = *errs;
	else
		config_errors_clear(errs);
	*errs = (struct config_errors){ 0 };
	tlog_error("reload failed: the old configuration stays in force");
	return -EINVAL;
}

/* A resolver for a changed dns group (NULL and *rc 0: unchanged). */
static struct sip_dns *dns_for(struct tandem *t, const struct tandem_config *next,
                               struct config_errors *errs, int *rc)
{
	char err[256];
	*rc = 0;
	if (same_dns(t->conf, next))
		return NULL;
	struct sip_dns *d = sip_dns_new(t->loop, &next->dns, err, sizeof err);
	if (!d) {
		config_errors_add(errs, NULL, "dns: %s", err);
		*rc = -EIO;
	}
	return d;
}

int tandem_reload(struct tandem *t, struct config_errors *errs_out)
{
	struct tandem_config *next = NULL;
	struct config_errors errs = { 0 };
	if (tandem_config_load(t->conf->path, &next, &errs) < 0)
		return refuse(NULL, &errs, errs_out, NULL, false);
	if (!same_modules(t->conf, next))
		tlog_warn("reload: changes to 'modules' take effect at the next restart "
		          "(the modules loaded now take their new settings)");
	if (call_core_prepare_reload(t, next, &errs) < 0)
		return refuse(next, &errs, errs_out, NULL, false);
	/* New listeners bound and TLS files read before anything changes: a
	 * port that is taken refuses the whole reload. The transport says why
	 * in its log lines: the caller gets them. */
	struct sip_listen_plan *plan = NULL;
	tandem_log_capture(&errs);
	int rc = sip_transport_listen_prepare(t->tp, next->listeners, next->nlisteners, &plan);
	tandem_log_capture(NULL);
	if (rc < 0) {
		call_core_abort_reload(t);
		return refuse(next, &errs, errs_out, "a listener of the new configuration cannot be opened",
		              true);
	}
	struct sip_dns *dns = dns_for(t, next, &errs, &rc);
	if (rc < 0) {
		sip_transport_listen_abort(t->tp, plan);
		call_core_abort_reload(t);
		return refuse(next, &errs, errs_out, NULL, false);
	}
	/* Modules reload with the new resolver in place (a trunk the reload
	 * adds looks its provider up there) and the running listeners (the
	 * new ones take over right after). A module says why it refuses in
	 * its log lines: the caller gets them. */
	struct sip_dns *old_dns = t->dns;
	if (dns)
		t->dns = dns;
	tandem_log_capture(&errs);
	rc = loader_reload_all(t, next);
	tandem_log_capture(NULL);
	if (rc < 0) {
		if (dns) {
			/* lookups the modules started meanwhile finish there */
			t->dns = old_dns;
			dns_retire(dns, old_dns);
		}
		sip_transport_listen_abort(t->tp, plan);
		call_core_abort_reload(t);
		return refuse(next, &errs, errs_out, "a module refused the new configuration", true);
	}
	config_errors_clear(&errs);
	call_core_commit_reload(t);
	sip_transport_listen_commit(t->tp, plan);
	if (dns) {
		/* lookups in flight finish on the old one, new ones use this */
		dns_retire(old_dns, dns);
		tlog_info("reload: the dns group changed: a new resolver takes the next lookups");
	}
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
