/* mod_trunk — SIP trunks to providers (config.c has the trunk: group).
 *
 * dial(trunk:NAME/NUMBER) calls NUMBER through trunk NAME; a hunt list
 * dial(trunk:a/${1}|trunk:b/${1}) fails over from a to b on the
 * provider's trouble (408, 5xx, no answer from it, a trunk down), never
 * on the callee's answer (486, 603...: tandem_contact.provider). A
 * provider's INVITE lands in its trunk's context with the number dialled
 * (DID). Registration and qualify keep every trunk's state, which the
 * control tool shows (include/tandem/trunk.h). A reload keeps trunks by
 * name: an unchanged account stays registered. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tandem/rtprelay.h>

#include "trunk.h"

double trunk_wallclock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double trunk_now(const struct trunk_mod *m)
{
	return ev_now(tandem_loop(m->t));
}

struct trunk *trunk_find(struct trunk_mod *m, const char *name)
{
	for (size_t i = 0; m && i < m->ntrunks; i++)
		if (strcmp(m->trunks[i]->c.name, name) == 0)
			return m->trunks[i];
	return NULL;
}

/* Locate, then register and qualify (each waits for the location). */
static void trunk_run(struct trunk *tr)
{
	trunk_locate_early(tr);
	trunk_reg_start(tr);
	trunk_qualify_start(tr);
}

static void trunk_halt(struct trunk *tr, bool unregister)
{
	trunk_reg_stop(tr, unregister);
	trunk_qualify_stop(tr);
	trunk_locate_stop(tr);
}

static void trunk_free(struct trunk *tr)
{
	trunk_halt(tr, false);
	trunk_conf_clear(&tr->c);
	free(tr);
}

void trunk_retire(struct trunk *tr)
{
	trunk_free(tr);
}

static struct trunk *trunk_new(struct trunk_mod *m, struct trunk_conf *c)
{
	struct trunk *tr = calloc(1, sizeof *tr);
	if (!tr)
		return NULL;
	tr->m = m;
	tr->c = *c;                      /* takes the strings */
	memset(c, 0, sizeof *c);
	tr->q.up = true;
	return tr;
}

static void mod_free(struct trunk_mod *m)
{
	for (size_t i = 0; i < m->ntrunks; i++)
		trunk_free(m->trunks[i]);
	free(m);
}

static int trunk_init(struct tandem *t, const config_setting_t *cfg)
{
	struct trunk_mod *m = calloc(1, sizeof *m);
	if (!m)
		return -ENOMEM;
	m->t = t;
	struct trunk_conf *c;
	size_t n;
	int rc = trunk_conf_read(cfg, &c, &n, &m->max_calls_per_user);
	if (rc < 0) {
		free(m);
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		if (!(m->trunks[i] = trunk_new(m, &c[i]))) {
			trunk_confs_free(c, n);
			mod_free(m);
			return -ENOMEM;
		}
		m->ntrunks++;
	}
	trunk_confs_free(c, n);
	if ((rc = trunk_outbound_init(m)) < 0) {
		mod_free(m);
		return rc;
	}
	tandem_set_module_data(t, TMOD, m);
	tlog_info("mod_trunk: %zu trunks", m->ntrunks);
	return 0;
}

static int trunk_start(struct tandem *t)
{
	struct trunk_mod *m = tandem_module_data(t, TMOD);
	/* optional: without the relay a trunk's media goes end to end anyway */
	m->rtp = tandem_module_api(t, "rtprelay");
	for (size_t i = 0; i < m->ntrunks; i++)
		trunk_run(m->trunks[i]);
	int rc = trunk_control_add(t);
	if (rc < 0)
		tlog_error("mod_trunk: no \"trunks\" control command: %s", strerror(-rc));
	trunk_metrics_add(m);
	return 0;
}

/* A trunk of the new config takes the place of the old one of its name:
 * the live state (registration, location, calls) stays when the account
 * is the same, else it starts over. */
static int trunk_reload(struct tandem *t, const config_setting_t *cfg)
{
	struct trunk_mod *m = tandem_module_data(t, TMOD);
	struct trunk_conf *c;
	size_t n;
	unsigned per_user;
	int rc = trunk_conf_read(cfg, &c, &n, &per_user);
	if (rc < 0)
		return rc;
	struct trunk *next[TRUNK_MAX] = { NULL };
	for (size_t i = 0; i < n; i++) {
		struct trunk *old = trunk_find(m, c[i].name);
		if (old && trunk_conf_same_account(&old->c, &c[i])) {
			trunk_conf_clear(&old->c);
			old->c = c[i];
			memset(&c[i], 0, sizeof c[i]);
			next[i] = old;
			/* qualify's period may have changed */
			trunk_qualify_stop(old);
			trunk_qualify_start(old);
			continue;
		}
		if (!(next[i] = trunk_new(m, &c[i]))) {
			for (size_t j = 0; j < i; j++)
				if (next[j] && !trunk_find(m, next[j]->c.name))
					trunk_free(next[j]);
			trunk_confs_free(c, n);
			return -ENOMEM;
		}
	}
	trunk_confs_free(c, n);
	/* the old trunks not kept: unregister and go (calls through them go
	 * on: their legs are the core's) */
	for (size_t i = 0; i < m->ntrunks; i++) {
		bool kept = false;
		for (size_t j = 0; j < n; j++)
			kept |= next[j] == m->trunks[i];
		if (!kept) {
			struct trunk *tr = m->trunks[i];
			trunk_halt(tr, true);
			tr->removed = true;
			if (!tr->refs)
				trunk_free(tr);
		}
	}
	size_t old_n = m->ntrunks;
	for (size_t i = 0; i < n; i++) {
		bool fresh = true;
		for (size_t j = 0; j < old_n; j++)
			fresh &= m->trunks[j] != next[i];
		m->trunks[i] = next[i];
		if (fresh)
			trunk_run(next[i]);
	}
	m->ntrunks = n;
	m->max_calls_per_user = per_user;
	tlog_info("mod_trunk: reloaded, %zu trunks", n);
	return 0;
}

static void trunk_stop(struct tandem *t)
{
	struct trunk_mod *m = tandem_module_data(t, TMOD);
	if (!m)
		return;
	trunk_control_remove(t);
	trunk_metrics_remove(m);
	m->stopping = true;
	/* RFC 3261 §10.2.2: tandem's bindings at the providers go */
	for (size_t i = 0; i < m->ntrunks; i++)
		trunk_halt(m->trunks[i], true);
	mod_free(m);
	tandem_set_module_data(t, TMOD, NULL);
}

static const struct tandem_hook hooks[] = {
	/* a provider's INVITE knows its context before the plan */
	{ TANDEM_HOOK_ROUTE, 10, trunk_on_route },
	{ TANDEM_HOOK_BLEG_CREATE, 10, trunk_on_bleg_create },
	/* before voicemail's takeover: a 407 is the trunk's to answer */
	{ TANDEM_HOOK_BLEG_RESPONSE, 10, trunk_on_bleg_response },
	/* after the relay rewrote the offer's addresses */
	{ TANDEM_HOOK_MEDIA, 60, trunk_on_media },
	{ TANDEM_HOOK_CALL_END, 10, trunk_on_call_end },
	{ 0, 0, NULL }
};

const struct tandem_module tandem_module = {
	.abi = TANDEM_MODULE_ABI,
	.build_sig = TANDEM_BUILD_SIGNATURE,
	.name = TMOD,
	.init = trunk_init,
	.start = trunk_start,
	.reload = trunk_reload,
	.stop = trunk_stop,
	.hooks = hooks,
	.api = &trunk_api,
};
