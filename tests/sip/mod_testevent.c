/* mod_testevent — a module for the tests only, standing for MWI (voicemail)
 * and trunks: it serves an event package and sends requests as a UAC.
 *
 * The package (default "x-test", text/plain) reports a counter per
 * resource ("resource: 1000\r\ncount: 3\r\n"). The dialplan action
 * testevent_bump(resource) counts one more, answers the request that ran it
 * (200) and has the core NOTIFY the subscribers. SUBSCRIBEs for resource
 * "forbidden" are rejected (403) and those for "private" answered by the
 * module itself with a 401, as a module calling mod_auth's check would.
 *
 * Each entry of "uac" is sent delay_ms after start, count times in one
 * dialog-less context (same Call-ID, growing CSeq), with the credentials
 * given; each final status is logged.
 *
 *   testevent: {
 *     package = "x-test"; min_expires = 1; max_expires = 300; default_expires = 60;
 *     uac = ( { method = "MESSAGE"; ruri = "sip:svc@127.0.0.1:5080"; user = "alice";
 *               password = "secret"; realm = "test.local"; count = 2; delay_ms = 200; } );
 *   };
 */
#include "config.h"

#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/event.h>
#include <tandem/tandem.h>
#include <tandem/uac.h>

#define MOD "testevent"
#define MAX_RES 32
#define MAX_JOBS 8

struct job {
	struct tandem *t;
	ev_timer w;
	const char *method, *ruri, *dest, *route, *body;
	struct tandem_uac_cred cred;
	bool has_cred;
	unsigned count, sent, delay_ms;
	struct tandem_uac_ctx *ctx;
	struct tandem_uac *u;          /* the request in flight */
	unsigned idx;
};

struct state {
	struct tandem *t;
	struct tandem_event_package pkg;
	char name[64];
	struct { char name[64]; unsigned count; } res[MAX_RES];
	unsigned nres;
	struct job jobs[MAX_JOBS];
	unsigned njobs;
	unsigned subs;                 /* alive, from subscribe to ended */
};

static struct state *st_of(struct tandem *t)
{
	return tandem_module_data(t, MOD);
}

static unsigned *counter(struct state *s, const char *name, bool create)
{
	for (unsigned i = 0; i < s->nres; i++)
		if (strcmp(s->res[i].name, name) == 0)
			return &s->res[i].count;
	if (!create || s->nres == MAX_RES)
		return NULL;
	snprintf(s->res[s->nres].name, sizeof s->res[s->nres].name, "%s", name);
	s->res[s->nres].count = 0;
	return &s->res[s->nres++].count;
}

/* ---- the event package ---- */

static enum tandem_verdict on_subscribe(void *arg, struct tandem_event *ev,
                                        struct tandem_subscription *sub)
{
	struct state *s = arg;
	const char *res = tandem_subscription_resource(sub);
	if (!res) {
		ev->reject_code = 404;
		ev->reject_reason = "No Such Resource";
		return TANDEM_REJECT;
	}
	if (strcmp(res, "forbidden") == 0) {
		ev->reject_code = 403;
		return TANDEM_REJECT;
	}
	if (strcmp(res, "private") == 0) {
		/* the module answers itself, as mod_auth's check does */
		struct sip_resp_extra x = {
			.headers = "WWW-Authenticate: Digest realm=\"test\", nonce=\"abc\", qop=\"auth\"\r\n",
		};
		tandem_reply(ev, 401, NULL, &x);
		tlog_info(MOD ": challenged a SUBSCRIBE to %s", res);
		return TANDEM_DONE;
	}
	s->subs++;
	tandem_subscription_set_data(sub, s);
	tlog_info(MOD ": %s subscribes to %s (Call-ID %s)", tandem_subscription_subscriber(sub), res,
	          tandem_subscription_call_id(sub));
	return TANDEM_CONTINUE;
}

static int on_body(void *arg, struct tandem_subscription *sub, struct sip_wbuf *body)
{
	struct state *s = arg;
	const char *res = tandem_subscription_resource(sub);
	unsigned *n = counter(s, res, true);
	sip_wbuf_printf(body, "resource: %s\r\ncount: %u\r\n", res, n ? *n : 0);
	return body->err;
}

static void on_ended(void *arg, struct tandem_subscription *sub, const char *reason)
{
	struct state *s = arg;
	if (tandem_subscription_data(sub) == s)
		s->subs--;
	tlog_info(MOD ": subscription to %s ended: %s (%u left)", tandem_subscription_resource(sub),
	          reason, s->subs);
}

/* testevent_bump(resource): resource is a name, or "${var}" read when the
 * action runs (the core hands module actions their arguments at fixup
 * only). */
static enum tandem_verdict bump_run(struct tandem_event *ev, void *priv)
{
	const char *arg = priv;
	char var[64];
	size_t len = strlen(arg);
	if (len > 3 && len < sizeof var + 3 && strncmp(arg, "${", 2) == 0 && arg[len - 1] == '}') {
		snprintf(var, sizeof var, "%.*s", (int)(len - 3), arg + 2);
		arg = tandem_route_var(ev, var);
	}
	struct state *s = st_of(ev->t);
	unsigned *n = arg && *arg ? counter(s, arg, true) : NULL;
	if (!n) {
		ev->reject_code = 500;
		return TANDEM_REJECT;
	}
	(*n)++;
	/* the trigger's answer first, then the NOTIFYs: the peer sees them in
	 * that order */
	if (ev->tsx)
		tandem_reply(ev, 200, "Bumped", NULL);
	int k = tandem_event_notify(ev->t, s->name, arg);
	tlog_info(MOD ": %s is now %u, %d subscription(s) notified", arg, *n, k);
	return TANDEM_DONE;
}

/* ---- the UAC ---- */

static void job_next(struct job *j);

static void on_uac(void *arg, struct tandem_uac *u, const struct sip_msg *resp, int status)
{
	struct job *j = arg;
	if (status < 200)
		return;
	tlog_info(MOD ": uac %u %s %s -> %d %.*s (Call-ID %s, CSeq %u)", j->idx, j->method, j->ruri,
	          status, resp ? (int)resp->reason.len : 0, resp ? resp->reason.p : "",
	          tandem_uac_call_id(u), (unsigned)tandem_uac_cseq(u));
	j->u = NULL;     /* freed when this returns */
	if (j->sent < j->count)
		job_next(j);
}

static void job_next(struct job *j)
{
	struct tandem_uac_req r = {
		.method = j->method,
		.ruri = j->ruri,
		.from = "\"Test Event\" <sip:testevent@127.0.0.1>",
		.dest = j->dest,
		.route = j->route,
		.ctype = "text/plain",
		.body = j->body,
		.body_len = j->body ? strlen(j->body) : 0,
		.cred = j->has_cred ? &j->cred : NULL,
		.has_expires = strcmp(j->method, "REGISTER") == 0,
		.expires = 60,
	};
	j->sent++;
	j->u = tandem_uac_send(j->t, j->ctx, &r, on_uac, j);
	if (!j->u)
		tlog_error(MOD ": uac %u: could not send %s: %s", j->idx, j->method, strerror(errno));
}

static void on_job_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	job_next(w->data);
}

/* ---- config and lifecycle ---- */

static const char *member(const config_setting_t *g, const char *name)
{
	const char *v = NULL;
	return config_setting_lookup_string(g, name, &v) == CONFIG_TRUE ? v : NULL;
}

static int tev_init(struct tandem *t, const config_setting_t *cfg)
{
	struct state *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->t = t;
	const char *name = cfg ? member(cfg, "package") : NULL;
	snprintf(s->name, sizeof s->name, "%s", name ? name : "x-test");
	unsigned def, min, max;
	if (tandem_config_uint(MOD, cfg, "default_expires", 60, 1, 86400, &def) < 0 ||
	    tandem_config_uint(MOD, cfg, "min_expires", 1, 1, 86400, &min) < 0 ||
	    tandem_config_uint(MOD, cfg, "max_expires", 300, 1, 86400, &max) < 0) {
		free(s);
		return -EINVAL;
	}
	s->pkg = (struct tandem_event_package){
		.name = s->name, .content_type = "text/plain",
		.default_expires = def, .min_expires = min, .max_expires = max,
		.subscribe = on_subscribe, .notify_body = on_body, .ended = on_ended, .arg = s,
	};
	const config_setting_t *list = cfg ? config_setting_get_member(cfg, "uac") : NULL;
	for (int i = 0; list && i < config_setting_length(list) && s->njobs < MAX_JOBS; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct job *j = &s->jobs[s->njobs];
		j->t = t;
		j->idx = s->njobs;
		j->method = member(g, "method");
		j->ruri = member(g, "ruri");
		j->dest = member(g, "dest");
		j->route = member(g, "route");
		j->body = member(g, "body");
		j->cred.user = member(g, "user");
		j->cred.password = member(g, "password");
		j->cred.realm = member(g, "realm");
		j->has_cred = j->cred.user && j->cred.password;
		if (!j->method || !j->ruri ||
		    tandem_config_uint(MOD, g, "count", 1, 1, 100, &j->count) < 0 ||
		    tandem_config_uint(MOD, g, "delay_ms", 200, 0, 60000, &j->delay_ms) < 0) {
			tandem_config_error(MOD, g, "uac entry needs method and ruri");
			free(s);
			return -EINVAL;
		}
		s->njobs++;
	}
	int rc = tandem_event_package_add(t, &s->pkg);
	if (rc < 0) {
		tlog_error(MOD ": cannot serve %s: %s", s->name, strerror(-rc));
		free(s);
		return rc;
	}
	tandem_set_module_data(t, MOD, s);
	return 0;
}

static int tev_start(struct tandem *t)
{
	struct state *s = st_of(t);
	for (unsigned i = 0; i < s->njobs; i++) {
		struct job *j = &s->jobs[i];
		if (!(j->ctx = tandem_uac_ctx_new(t)))
			return -ENOMEM;
		ev_timer_init(&j->w, on_job_timer, j->delay_ms / 1000., 0.);
		j->w.data = j;
		ev_timer_start(tandem_loop(t), &j->w);
	}
	return 0;
}

static void tev_stop(struct tandem *t)
{
	struct state *s = st_of(t);
	if (!s)
		return;
	for (unsigned i = 0; i < s->njobs; i++) {
		struct job *j = &s->jobs[i];
		if (j->u)
			tlog_info(MOD ": uac %u still in flight at stop: cancelled", j->idx);
		tandem_uac_cancel(j->u);
		tandem_uac_ctx_free(j->ctx);
		if (tandem_loop(t))
			ev_timer_stop(tandem_loop(t), &j->w);
	}
	/* the core ended the subscriptions before our stop; removing the
	 * package it already forgot is harmless */
	tandem_event_package_remove(t, s->name);
	tlog_info(MOD ": stopped, %u subscription(s) left", s->subs);
	tandem_set_module_data(t, MOD, NULL);
	free(s);
}

static int bump_fixup(struct tandem *t, int argc, const char *const *argv, void **priv,
                      char *err, size_t errlen)
{
	(void)t; (void)argc;
	if (!(*priv = strdup(argv[0]))) {
		snprintf(err, errlen, "testevent_bump: out of memory");
		return -ENOMEM;
	}
	return 0;
}

static const struct tandem_action actions[] = {
	{ .name = "testevent_bump", .min_args = 1, .max_args = 1, .fixup = bump_fixup, .run = bump_run,
	  .free_priv = free },
	{ .name = NULL },
};

const struct tandem_module tandem_module = {
	.abi = TANDEM_MODULE_ABI,
	.build_sig = TANDEM_BUILD_SIGNATURE,
	.name = MOD,
	.init = tev_init,
	.start = tev_start,
	.stop = tev_stop,
	.actions = actions,
};
