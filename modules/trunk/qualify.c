/* mod_trunk — qualify: an OPTIONS (RFC 3261 §11) to the provider every
 * `qualify` seconds. Any response, whatever its status, proves the
 * provider there (a 404 or 405 answers as well as a 200); no response
 * (Timer F: 408) or a transport error (503 without a response) marks the
 * trunk down, and the dial engine skips it (the trunk: resolver answers
 * 503, so a hunt list moves on at once). The next target of the located
 * list is tried on the next round. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "trunk.h"

static void qualify_arm(struct trunk *tr, double after);

static void set_up(struct trunk *tr, bool up, const char *why)
{
	if (tr->q.up != up) {
		tr->q.since = trunk_wallclock();
		if (up)
			tlog_notice("trunk %s: up (qualify answered)", tr->c.name);
		else
			tlog_warn("trunk %s: down (%s)", tr->c.name, why);
	}
	tr->q.up = up;
	snprintf(tr->q.last_error, sizeof tr->q.last_error, "%s", up ? "" : why);
}

static void on_options(void *arg, struct tandem_uac *u, const struct sip_msg *resp, int status)
{
	struct trunk *tr = arg;
	(void)u;
	if (status < 200)
		return;
	tr->q.pending = NULL;
	if (resp) {
		tr->q.rtt = trunk_now(tr->m) - tr->q.sent;
		set_up(tr, true, NULL);
	} else {
		set_up(tr, false, status == 408 ? "no answer to OPTIONS" : "transport error");
		trunk_target_failed(tr);
	}
	qualify_arm(tr, tr->c.qualify);
}

static void qualify_send(struct trunk *tr)
{
	char dest[128], ruri[300], from[400];
	if (trunk_target(tr, NULL, dest, sizeof dest) < 0) {
		set_up(tr, false, tr->last_dns_error[0] ? tr->last_dns_error : "not located");
		qualify_arm(tr, tr->c.qualify);
		return;
	}
	snprintf(ruri, sizeof ruri, "sip:%s", tr->c.host);
	snprintf(from, sizeof from, "<sip:%s@%s>", tr->c.from_user ? tr->c.from_user : "tandem",
	         tr->c.from_domain);
	struct tandem_uac_req r = {
		.method = "OPTIONS",
		.ruri = ruri,
		.from = from,
		.dest = dest,
		.headers = "Accept: application/sdp\r\n",
		.tls_name = trunk_tls_name(tr),
		.tls_ca = tr->c.tls_ca,
	};
	tr->q.sent = trunk_now(tr->m);
	tr->q.pending = tandem_uac_send(tr->m->t, NULL, &r, on_options, tr);
	if (!tr->q.pending) {
		set_up(tr, false, "cannot send OPTIONS");
		qualify_arm(tr, tr->c.qualify);
	}
}

static void on_located(struct trunk *tr, int status, void *arg)
{
	(void)arg;
	tr->q.wait = NULL;
	if (status < 0) {
		set_up(tr, false, tr->last_dns_error[0] ? tr->last_dns_error : "not located");
		qualify_arm(tr, tr->c.qualify);
		return;
	}
	qualify_send(tr);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct trunk *tr = w->data;
	(void)loop; (void)revents;
	if (tr->q.pending)
		return;   /* the last one is still out (Timer F runs 32 s) */
	int rc = trunk_locate(tr, on_located, NULL, &tr->q.wait);
	if (rc == 0)
		qualify_send(tr);
	else if (rc != -EINPROGRESS)
		on_located(tr, rc, NULL);
}

static void qualify_arm(struct trunk *tr, double after)
{
	struct ev_loop *loop = tandem_loop(tr->m->t);
	ev_timer_stop(loop, &tr->q.timer);
	ev_timer_set(&tr->q.timer, after, 0.);
	ev_timer_start(loop, &tr->q.timer);
}

void trunk_qualify_start(struct trunk *tr)
{
	if (!tr->c.qualify || tr->q.running)
		return;
	ev_timer_init(&tr->q.timer, on_timer, 0., 0.);
	tr->q.timer.data = tr;
	tr->q.running = true;
	qualify_arm(tr, 0.);
}

void trunk_qualify_stop(struct trunk *tr)
{
	if (!tr->q.running)
		return;
	ev_timer_stop(tandem_loop(tr->m->t), &tr->q.timer);
	if (tr->q.pending)
		tandem_uac_cancel(tr->q.pending);
	tr->q.pending = NULL;
	trunk_locate_cancel(tr->q.wait);
	tr->q.wait = NULL;
	tr->q.running = false;
	tr->q.up = true;
}

bool trunk_usable(const struct trunk *tr)
{
	return !tr->c.qualify || tr->q.up;
}
