/* mod_metrics: the Prometheus endpoint (docs/METRICS.md). GET /metrics
 * answers every collector's families (include/tandem/metrics.h) in the
 * text exposition format, on an HTTP port of its own on the signalling
 * loop (http.c).
 *
 *   metrics: {
 *     listen = "127.0.0.1:9060";   // "[::1]:9060"; loopback unless...
 *     allow_remote = false;        // ...true: any address, say "0.0.0.0:9060"
 *     max_connections = 8;         // at once; more get 503
 *     timeout = 10;                // s for a whole request and answer
 *     max_request = 8192;          // bytes of request head; more get 431
 *   };
 *
 * A reload may move the listener: the new address is bound first, and if
 * it cannot be the reload is refused (file:line) with the old one still
 * serving. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/metrics.h>
#include <tandem/tandem.h>

#include "http.h"

#define MOD "metrics"
#define DEFAULT_LISTEN "127.0.0.1:9060"
#define METRICS_PATH "/metrics"

struct metrics_conf {
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char listen[80];                   /* as written, for logs */
	const config_setting_t *where;     /* the listen setting, else the group, or NULL */
	struct http_limits lim;
};

/* Answers by status, for tandem_metrics_http_responses_total. */
static const int codes[] = { 200, 400, 404, 405, 408, 414, 431, 500, 503, 505 };
#define NCODES (sizeof codes / sizeof codes[0])

struct metrics_mod {
	struct tandem *t;
	struct metrics_conf conf;
	struct http_server *srv;
	unsigned long answers[NCODES];
};

/* "a.b.c.d:port" or "[v6]:port", numeric. 0 or -EINVAL. */
static int parse_listen(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon;
	memset(ss, 0, sizeof *ss);
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || close[1] != ':' || (size_t)(close - text - 1) >= sizeof host)
			return -EINVAL;
		memcpy(host, text + 1, (size_t)(close - text - 1));
		host[close - text - 1] = '\0';
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (!colon || (size_t)(colon - text) >= sizeof host || strchr(text, ':') != colon)
			return -EINVAL;
		memcpy(host, text, (size_t)(colon - text));
		host[colon - text] = '\0';
	}
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || port == 0 || port > 65535)
		return -EINVAL;
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (text[0] != '[' && inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof *a4;
	} else if (text[0] == '[' && inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof *a6;
	} else {
		return -EINVAL;
	}
	return 0;
}

/* 127.0.0.0/8, ::1, and 127/8 mapped into IPv6 */
static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
}

static int read_bool(const config_setting_t *cfg, const char *name, bool *out)
{
	const config_setting_t *s = cfg ? config_setting_get_member(cfg, name) : NULL;
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		tandem_config_error(MOD, s, "'%s' must be true or false", name);
		return -EINVAL;
	}
	*out = config_setting_get_bool(s);
	return 0;
}

static int conf_read(const config_setting_t *cfg, struct metrics_conf *c)
{
	memset(c, 0, sizeof *c);
	const char *listen = DEFAULT_LISTEN;
	const config_setting_t *ls = cfg ? config_setting_get_member(cfg, "listen") : NULL;
	c->where = ls ? ls : cfg;
	if (ls && !(listen = config_setting_get_string(ls))) {
		tandem_config_error(MOD, c->where, "'listen' must be a string, \"ADDRESS:PORT\"");
		return -EINVAL;
	}
	if (strlen(listen) >= sizeof c->listen || parse_listen(listen, &c->addr, &c->addr_len) < 0) {
		tandem_config_error(MOD, c->where,
		                    "listen = \"%s\": expected \"a.b.c.d:PORT\" or \"[v6]:PORT\"", listen);
		return -EINVAL;
	}
	snprintf(c->listen, sizeof c->listen, "%s", listen);
	bool remote = false;
	unsigned conns, timeout, max_req;
	if (read_bool(cfg, "allow_remote", &remote) < 0 ||
	    tandem_config_uint(MOD, cfg, "max_connections", 8, 1, 1024, &conns) < 0 ||
	    tandem_config_uint(MOD, cfg, "timeout", 10, 1, 3600, &timeout) < 0 ||
	    tandem_config_uint(MOD, cfg, "max_request", 8192, 256, 1 << 20, &max_req) < 0)
		return -EINVAL;
	/* the metrics tell a lot about the office: never on the network by
	 * default or by a slip of the address */
	if (!remote && !is_loopback(&c->addr)) {
		tandem_config_error(MOD, c->where, "listen = \"%s\" is not a loopback address: "
		                    "set allow_remote = true to serve the metrics there", listen);
		return -EINVAL;
	}
	c->lim = (struct http_limits){ .max_connections = conns, .timeout = timeout,
	                               .max_request = max_req };
	return 0;
}

static void render(void *arg, struct sip_wbuf *out)
{
	struct metrics_mod *m = arg;
	if (tandem_metrics_render(m->t, out) < 0)
		out->err = -ENOMEM;
}

static void count(void *arg, int status)
{
	struct metrics_mod *m = arg;
	for (size_t i = 0; i < NCODES; i++)
		if (codes[i] == status)
			m->answers[i]++;
}

static void collect(struct tandem *t, struct tandem_metrics *mm, void *arg)
{
	(void)t;
	struct metrics_mod *m = arg;
	tandem_metrics_family(mm, "tandem_metrics_http_responses_total", TANDEM_METRIC_COUNTER,
	                      "Answers of the metrics endpoint, by HTTP status (this scrape not yet counted).");
	for (size_t i = 0; i < NCODES; i++) {
		char code[8];
		snprintf(code, sizeof code, "%d", codes[i]);
		tandem_metrics_sample(mm, NULL, (double)m->answers[i], "code", code, NULL);
	}
}

static int metrics_init(struct tandem *t, const config_setting_t *cfg)
{
	struct metrics_mod *m = calloc(1, sizeof *m);
	if (!m)
		return -ENOMEM;
	if (conf_read(cfg, &m->conf) < 0) {
		free(m);
		return -EINVAL;
	}
	m->t = t;
	tandem_set_module_data(t, MOD, m);
	return 0;
}

static int metrics_start(struct tandem *t)
{
	struct metrics_mod *m = tandem_module_data(t, MOD);
	int rc = http_server_open(tandem_loop(t), (const struct sockaddr *)&m->conf.addr,
	                          m->conf.addr_len, METRICS_PATH, &m->conf.lim, render, count, m,
	                          &m->srv);
	if (rc < 0) {
		tandem_config_error(MOD, m->conf.where, "cannot listen on %s: %s", m->conf.listen,
		                    strerror(-rc));
		return rc;
	}
	rc = tandem_metrics_collector_add(t, MOD, collect, m);
	if (rc < 0)
		tlog_warn("mod_metrics: its own counters are not served (%s)", strerror(-rc));
	tlog_notice("mod_metrics: serving http://%s%s", m->conf.listen, METRICS_PATH);
	return 0;
}

static bool same_addr(const struct metrics_conf *a, const struct metrics_conf *b)
{
	return a->addr_len == b->addr_len && memcmp(&a->addr, &b->addr, a->addr_len) == 0;
}

static int metrics_reload(struct tandem *t, const config_setting_t *cfg)
{
	struct metrics_mod *m = tandem_module_data(t, MOD);
	struct metrics_conf next;
	if (conf_read(cfg, &next) < 0)
		return -EINVAL;
	if (m->srv && !same_addr(&m->conf, &next)) {
		int rc = http_server_rebind(m->srv, (const struct sockaddr *)&next.addr, next.addr_len);
		if (rc < 0) {
			tandem_config_error(MOD, next.where, "cannot listen on %s: %s (still on %s)",
			                    next.listen, strerror(-rc), m->conf.listen);
			return -EINVAL;
		}
		tlog_notice("mod_metrics: moved from %s to http://%s%s", m->conf.listen, next.listen,
		            METRICS_PATH);
	}
	if (m->srv)
		http_server_set_limits(m->srv, &next.lim);
	m->conf = next;
	return 0;
}

static void metrics_stop(struct tandem *t)
{
	struct metrics_mod *m = tandem_module_data(t, MOD);
	if (!m)
		return;
	tandem_metrics_collector_remove(t, MOD);
	http_server_close(m->srv);
	free(m);
	tandem_set_module_data(t, MOD, NULL);
}

const struct tandem_module tandem_module = {
	.abi = TANDEM_MODULE_ABI,
	.build_sig = TANDEM_BUILD_SIGNATURE,
	.name = MOD,
	.init = metrics_init,
	.start = metrics_start,
	.reload = metrics_reload,
	.stop = metrics_stop,
};
