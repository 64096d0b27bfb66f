/* mod_testresolve — a module for the tests only: it serves dial targets of
 * an invented scheme, test:NAME, through the core's resolver API
 * (include/tandem/call.h), the way a trunk module serves trunk:.
 *
 *   testresolve: {
 *     unknown = 410;                  # the status of a NAME not listed
 *     targets = (
 *       { name = "bob"; port = 5070; },                  # at once
 *       { name = "slow"; port = 5070; later_ms = 200; }, # answered from a timer
 *       { name = "gone"; later_ms = 300; status = 404; } # later, and a failure
 *     );
 *   };
 *
 * A NAME resolves to sip:NAME@127.0.0.1:PORT over UDP, with an
 * "X-Resolved-By: testresolve" header line. Each step is logged so the
 * tests can assert it ("pending", "answered later", "abandoned"). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/call.h>
#include <tandem/tandem.h>

#define MAX_NAMES 16

struct name {
	char name[64];
	int port;            /* 0: none (status must be set) */
	unsigned later_ms;   /* 0: answered at once */
	int status;          /* 0: resolves to the port */
};

/* One resolution answered later. */
struct later {
	ev_timer w;
	struct state *s;
	struct tandem_resolve *r;
	const struct name *n;
	struct later *next;
};

struct state {
	struct tandem *t;
	int unknown;
	struct name names[MAX_NAMES];
	unsigned nnames;
	struct later *pending;
};

static struct state state;

static int add_contact(struct tandem_resolve *r, const struct name *n)
{
	struct tandem_contact c = { .headers = "X-Resolved-By: testresolve\r\n" };
	snprintf(c.ruri, sizeof c.ruri, "sip:%s@127.0.0.1:%d", n->name, n->port);
	struct sockaddr_in *sin = (struct sockaddr_in *)&c.dst.addr;
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)n->port);
	inet_pton(AF_INET, "127.0.0.1", &sin->sin_addr);
	c.dst.addr_len = sizeof *sin;
	c.dst.proto = SIP_PROTO_UDP;
	return tandem_resolve_add(r, &c) < 0 ? 500 : 0;
}

static int answer(struct tandem_resolve *r, const struct name *n)
{
	return n->status ? n->status : add_contact(r, n);
}

static void unlink_later(struct later *l)
{
	for (struct later **p = &l->s->pending; *p; p = &(*p)->next)
		if (*p == l) {
			*p = l->next;
			return;
		}
}

static void on_later(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct later *l = (struct later *)w;
	(void)loop; (void)revents;
	unlink_later(l);
	struct tandem_resolve *r = l->r;
	int status = answer(r, l->n);
	tlog_info("testresolve: %s answered later: %d", l->n->name, status);
	free(l);
	tandem_resolve_done(r, status);
}

static int test_resolve(struct tandem *t, struct tandem_call *call, const char *rest,
                        struct tandem_resolve *r, void *arg)
{
	struct state *s = arg;
	(void)call;
	for (unsigned i = 0; i < s->nnames; i++) {
		const struct name *n = &s->names[i];
		if (strcmp(n->name, rest) != 0)
			continue;
		if (!n->later_ms)
			return answer(r, n);
		struct later *l = calloc(1, sizeof *l);
		if (!l)
			return 500;
		l->s = s;
		l->r = r;
		l->n = n;
		l->next = s->pending;
		s->pending = l;
		ev_timer_init(&l->w, on_later, n->later_ms / 1000., 0.);
		ev_timer_start(tandem_loop(t), &l->w);
		tlog_info("testresolve: %s pending for %u ms", rest, n->later_ms);
		return -EINPROGRESS;
	}
	tlog_info("testresolve: no %s: %d", rest, s->unknown);
	return s->unknown;
}

static void test_abandon(struct tandem_resolve *r, void *arg)
{
	struct state *s = arg;
	for (struct later *l = s->pending; l; l = l->next)
		if (l->r == r) {
			ev_timer_stop(tandem_loop(s->t), &l->w);
			unlink_later(l);
			tlog_info("testresolve: %s abandoned", l->n->name);
			free(l);
			return;
		}
	tlog_error("testresolve: abandon of a resolution never pending");
}

static const struct tandem_resolver resolver = {
	.scheme = "test", .resolve = test_resolve, .abandon = test_abandon, .arg = &state,
};

static int test_init(struct tandem *t, const config_setting_t *cfg)
{
	struct state *s = &state;
	memset(s, 0, sizeof *s);
	s->t = t;
	s->unknown = 404;
	int v;
	if (cfg && config_setting_lookup_int(cfg, "unknown", &v) == CONFIG_TRUE)
		s->unknown = v;
	const config_setting_t *list = cfg ? config_setting_get_member(cfg, "targets") : NULL;
	for (int i = 0; list && i < config_setting_length(list) && s->nnames < MAX_NAMES; i++) {
		const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
		struct name *n = &s->names[s->nnames];
		const char *str;
		if (!e || config_setting_lookup_string(e, "name", &str) != CONFIG_TRUE) {
			tlog_error("testresolve: targets entry %d has no name", i);
			return -EINVAL;
		}
		snprintf(n->name, sizeof n->name, "%s", str);
		if (config_setting_lookup_int(e, "port", &v) == CONFIG_TRUE)
			n->port = v;
		if (config_setting_lookup_int(e, "later_ms", &v) == CONFIG_TRUE && v > 0)
			n->later_ms = (unsigned)v;
		if (config_setting_lookup_int(e, "status", &v) == CONFIG_TRUE)
			n->status = v;
		if (!n->port && !n->status) {
			tlog_error("testresolve: %s needs a port or a status", n->name);
			return -EINVAL;
		}
		s->nnames++;
	}
	return tandem_register_resolver(t, &resolver);
}

static void test_stop(struct tandem *t)
{
	struct state *s = &state;
	while (s->pending) {
		struct later *l = s->pending;
		s->pending = l->next;
		ev_timer_stop(tandem_loop(t), &l->w);
		tlog_error("testresolve: %s still pending at stop (never abandoned)", l->n->name);
		free(l);
	}
}

const struct tandem_module tandem_module = {
	.abi = TANDEM_MODULE_ABI,
	.build_sig = TANDEM_BUILD_SIGNATURE,
	.name = "testresolve",
	.init = test_init,
	.stop = test_stop,
};
