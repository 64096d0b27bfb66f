/* dns_locate — drives sip_locate (include/tandem/dns.h) on a libev loop
 * for tests/sip/test_dns_locate.sh: every URI given is located at once,
 * side by side, and when all are over each gets a block
 *
 *   == sip:provider.test
 *   UDP 127.0.0.1:5070 sip1.provider.test      (one line per target)
 *   ttl 300
 *   async 12 ms                                 (or "sync": answered in sip_locate)
 *
 * or "error ENOENT" (ETIMEDOUT, EIO, EINVAL...) before the "async" line.
 *   -s SERVERS   the c-ares server list ("127.0.0.1:5353")
 *   -t MS, -n N  timeout per try, tries
 *   -k MS        a timer ticking every MS ms meanwhile; "ticks N" at the
 *                end shows the loop never waited for DNS
 *   -c MS        cancel every lookup MS ms after it started (0: as soon as
 *                sip_locate returned), then run the loop -w MS more: a
 *                callback after that is reported ("BUG ...", exit 3)
 *   -f MS        free the resolver MS ms after the start, lookups pending
 *                (their callbacks must never come)
 * A callback from inside sip_locate, twice, or after a cancel is a bug:
 * exit 3. Exit 2 for usage or set-up errors, else 0. */
#include "config.h"

#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tandem/dns.h>
#include <tandem/sip_uri.h>
#include <tandem/transport.h>

#define MAX_LOOKUPS 32

struct lookup {
	const char *uri;
	struct sip_dns_query *q;
	bool pending, cancelled, sync, called;
	int status;
	struct sip_locate_result res;
	double started, took;
};

static struct ev_loop *loop;
static struct sip_dns *dns;
static struct lookup lookups[MAX_LOOKUPS];
static int nlookups, outstanding;
static bool in_locate;
static unsigned long ticks;
static int bug;
static double wait_after_cancel = 0.5;
static ev_timer wait_timer;

static const char *errname(int e)
{
	switch (-e) {
	case ENOENT: return "ENOENT";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EIO: return "EIO";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	default: return "E?";
	}
}

static void report_bug(const struct lookup *l, const char *what)
{
	printf("BUG %s: %s\n", l->uri, what);
	fflush(stdout);
	bug = 1;
}

static void one_over(void)
{
	if (--outstanding == 0)
		ev_break(loop, EVBREAK_ALL);
}

static void on_located(void *arg, int status, const struct sip_locate_result *r)
{
	struct lookup *l = arg;
	if (in_locate)
		report_bug(l, "callback from inside sip_locate");
	if (l->cancelled)
		report_bug(l, "callback after sip_locate_cancel");
	if (l->called)
		report_bug(l, "callback twice");
	if (!r || (status == 0 && (r->n < 1 || r->n > SIP_LOCATE_MAX)) || (status && status >= 0))
		report_bug(l, "result out of contract");
	l->called = true;
	l->q = NULL;
	l->took = ev_time() - l->started;
	l->status = status;
	if (r)
		l->res = *r;
	if (l->pending && !l->cancelled) {
		l->pending = false;
		one_over();
	}
}

static void on_tick(struct ev_loop *lp, ev_timer *w, int revents)
{
	(void)lp;
	(void)w;
	(void)revents;
	ticks++;
}

static void on_wait_over(struct ev_loop *lp, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(lp, EVBREAK_ALL);
}

static void on_cancel(struct ev_loop *lp, ev_timer *w, int revents)
{
	(void)lp;
	(void)revents;
	struct lookup *l = w->data;
	if (!l->pending)
		return;   /* already answered: nothing to cancel */
	sip_locate_cancel(l->q);
	l->q = NULL;   /* gone for us: a leak of it is LeakSanitizer's to see */
	l->cancelled = true;
	l->pending = false;
	if (--outstanding == 0) {
		/* let c-ares finish what was in flight: no callback may follow */
		ev_timer_init(&wait_timer, on_wait_over, wait_after_cancel, 0.);
		ev_timer_start(loop, &wait_timer);
	}
}

static void on_free(struct ev_loop *lp, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	sip_dns_free(dns);
	dns = NULL;
	for (int i = 0; i < nlookups; i++)
		if (lookups[i].pending) {
			lookups[i].q = NULL;
			lookups[i].pending = false;
			lookups[i].cancelled = true;   /* a callback now is a bug */
		}
	printf("freed with lookups pending\n");
	ev_timer_init(&wait_timer, on_wait_over, wait_after_cancel, 0.);
	ev_timer_start(lp, &wait_timer);
}

static int start(struct lookup *l)
{
	struct sip_uri u;
	if (sip_uri_parse(sip_str_c(l->uri), &u) < 0 || u.scheme > SIP_URI_SIPS) {
		fprintf(stderr, "dns_locate: not a sip/sips URI: %s\n", l->uri);
		return -1;
	}
	struct sip_locate_req req = { .host = u.host, .port = u.port, .sips = u.scheme == SIP_URI_SIPS };
	struct sip_str tr;
	if (sip_param_get(u.params, "transport", &tr) == 1) {
		req.proto_given = true;
		if (sip_str_caseeq_c(tr, "udp"))
			req.proto = SIP_PROTO_UDP;
		else if (sip_str_caseeq_c(tr, "tcp"))
			req.proto = SIP_PROTO_TCP;
		else if (sip_str_caseeq_c(tr, "tls"))
			req.proto = SIP_PROTO_TLS;
		else
			req.proto_given = false;
	}
	l->started = ev_time();
	in_locate = true;
	int rc = sip_locate(dns, &req, &l->res, on_located, l, &l->q);
	in_locate = false;
	if (rc == -EINPROGRESS) {
		l->pending = true;
		outstanding++;
	} else {
		l->sync = true;
		l->status = rc;
		l->took = ev_time() - l->started;
	}
	return 0;
}

static void print_block(const struct lookup *l)
{
	printf("== %s\n", l->uri);
	if (l->cancelled) {
		printf("cancelled\n");
		return;
	}
	if (l->status < 0) {
		printf("error %s\n", errname(l->status));
	} else {
		for (size_t i = 0; i < l->res.n; i++) {
			const struct sip_target *t = &l->res.t[i];
			char a[64];
			sip_addr_str((const struct sockaddr *)&t->addr, a, sizeof a);
			printf("%s %s %s\n", sip_proto_name(t->proto), a, t->host);
		}
		printf("ttl %u\n", l->res.ttl);
	}
	if (l->sync)
		printf("sync\n");
	else
		printf("async %.0f ms\n", l->took * 1000);
}

int main(int argc, char **argv)
{
	struct sip_dns_cfg cfg = { 0 };
	double tick = 0, cancel_after = -1, free_after = -1;
	int c;
	while ((c = getopt(argc, argv, "s:t:n:k:c:f:w:")) != -1) {
		switch (c) {
		case 's': cfg.servers = optarg; break;
		case 't': cfg.timeout_ms = (unsigned)atoi(optarg); break;
		case 'n': cfg.tries = (unsigned)atoi(optarg); break;
		case 'k': tick = atof(optarg) / 1000; break;
		case 'c': cancel_after = atof(optarg) / 1000; break;
		case 'f': free_after = atof(optarg) / 1000; break;
		case 'w': wait_after_cancel = atof(optarg) / 1000; break;
		default:
			fprintf(stderr, "usage: dns_locate [-s SERVERS] [-t MS] [-n TRIES] [-k TICK_MS] "
			        "[-c CANCEL_MS] [-w WAIT_MS] [-f FREE_MS] URI...\n");
			return 2;
		}
	}
	if (optind >= argc || argc - optind > MAX_LOOKUPS) {
		fprintf(stderr, "dns_locate: 1 to %d URIs\n", MAX_LOOKUPS);
		return 2;
	}
	loop = ev_default_loop(0);
	char err[256];
	dns = sip_dns_new(loop, &cfg, err, sizeof err);
	if (!dns) {
		fprintf(stderr, "dns_locate: %s\n", err);
		return 2;
	}
	ev_timer tick_timer, cancel_timers[MAX_LOOKUPS], free_timer;
	if (tick > 0) {
		ev_timer_init(&tick_timer, on_tick, tick, tick);
		ev_timer_start(loop, &tick_timer);
	}
	double t0 = ev_time();
	for (int i = optind; i < argc; i++) {
		struct lookup *l = &lookups[nlookups++];
		l->uri = argv[i];
		if (start(l) < 0)
			return 2;
		if (l->pending && cancel_after == 0) {
			/* at once, before the loop ever runs */
			sip_locate_cancel(l->q);
			l->q = NULL;
			l->cancelled = true;
			l->pending = false;
			outstanding--;
		} else if (l->pending && cancel_after > 0) {
			ev_timer_init(&cancel_timers[i - optind], on_cancel, cancel_after, 0.);
			cancel_timers[i - optind].data = l;
			ev_timer_start(loop, &cancel_timers[i - optind]);
		}
	}
	if (free_after >= 0 && outstanding) {
		ev_timer_init(&free_timer, on_free, free_after, 0.);
		ev_timer_start(loop, &free_timer);
	}
	if (cancel_after == 0 && outstanding == 0) {
		ev_timer_init(&wait_timer, on_wait_over, wait_after_cancel, 0.);
		ev_timer_start(loop, &wait_timer);
		ev_run(loop, 0);
	} else if (outstanding) {
		ev_run(loop, 0);
	}
	double total = ev_time() - t0;
	if (tick > 0)
		ev_timer_stop(loop, &tick_timer);
	for (int i = 0; i < nlookups; i++)
		print_block(&lookups[i]);
	if (tick > 0)
		printf("ticks %lu in %.0f ms\n", ticks, total * 1000);
	sip_dns_free(dns);
	ev_loop_destroy(loop);
	return bug ? 3 : 0;
}
