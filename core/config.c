/* tandem.conf: read with libconfig, checked as a whole. Every problem is
 * reported as "FILE:LINE: message" and the caller keeps its old config. */
#include "config.h"

#include <grp.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "tandem_internal.h"

void config_errors_add(struct config_errors *e, const config_setting_t *where,
                       const char *fmt, ...)
{
	char msg[512], line[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	tandem_setting_fail(line, sizeof line, NULL, where, "%s", msg);
	char **grown = realloc(e->lines, (e->count + 1) * sizeof *grown);
	if (!grown)
		return;
	e->lines = grown;
	e->lines[e->count] = strdup(line);
	if (e->lines[e->count])
		e->count++;
}

void config_errors_print(const struct config_errors *e)
{
	for (unsigned i = 0; i < e->count; i++)
		tlog_error("config: %s", e->lines[i]);
}

void config_errors_clear(struct config_errors *e)
{
	for (unsigned i = 0; i < e->count; i++)
		free(e->lines[i]);
	free(e->lines);
	e->lines = NULL;
	e->count = 0;
}

char *tandem_config_path(const struct tandem_config *c, const char *p)
{
	if (!p)
		return NULL;
	if (p[0] == '/' || !c->dir)
		return strdup(p);
	size_t n = strlen(c->dir) + strlen(p) + 2;
	char *out = malloc(n);
	if (out)
		snprintf(out, n, "%s/%s", c->dir, p);
	return out;
}

const config_setting_t *tandem_config_module_group(const struct tandem_config *c,
                                                   const char *name)
{
	config_setting_t *s = config_lookup(&c->cfg, name);
	return s && config_setting_is_group(s) ? s : NULL;
}

/* A number in milliseconds or seconds: ints and floats are both accepted. */
static int read_number(struct config_errors *errs, const config_setting_t *grp,
                       const char *name, double min, double max, double *out)
{
	config_setting_t *s = config_setting_get_member(grp, name);
	if (!s)
		return 0;
	int type = config_setting_type(s);
	double v;
	if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64)
		v = (double)config_setting_get_int64(s);
	else if (type == CONFIG_TYPE_FLOAT)
		v = config_setting_get_float(s);
	else {
		config_errors_add(errs, s, "'%s' must be a number", name);
		return -EINVAL;
	}
	if (v < min || v > max) {
		config_errors_add(errs, s, "'%s' = %g is out of range [%g, %g]", name, v, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static const char *read_string(struct config_errors *errs, const config_setting_t *grp,
                               const char *name)
{
	config_setting_t *s = config_setting_get_member(grp, name);
	if (!s)
		return NULL;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		config_errors_add(errs, s, "'%s' must be a string", name);
		return NULL;
	}
	return config_setting_get_string(s);
}

static int parse_proto(const char *s, enum sip_proto *out)
{
	static const char *const names[] = { "udp", "tcp", "tls" };
	for (int i = 0; i < SIP_PROTO__COUNT; i++) {
		if (strcasecmp(s, names[i]) == 0) {
			*out = (enum sip_proto)i;
			return 0;
		}
	}
	return -EINVAL;
}

static void read_listeners(struct tandem_config *c, struct config_errors *errs)
{
	config_setting_t *list = config_lookup(&c->cfg, "listen");
	if (!list) {
		config_errors_add(errs, config_root_setting(&c->cfg),
		                  "no 'listen' list: tandem needs at least one listener");
		return;
	}
	if (!config_setting_is_list(list)) {
		config_errors_add(errs, list, "'listen' must be a list of groups ( { ... }, ... )");
		return;
	}
	unsigned n = (unsigned)config_setting_length(list);
	if (n == 0 || n > TANDEM_MAX_LISTENERS) {
		config_errors_add(errs, list, "'listen' needs 1 to %d listeners", TANDEM_MAX_LISTENERS);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		config_setting_t *g = config_setting_get_elem(list, i);
		struct sip_listener_cfg *l = &c->listeners[c->nlisteners];
		if (!config_setting_is_group(g)) {
			config_errors_add(errs, g, "a listener must be a group { transport = ...; }");
			continue;
		}
		const char *proto = read_string(errs, g, "transport");
		if (!proto || parse_proto(proto, &l->proto) < 0) {
			config_errors_add(errs, g, "listener needs transport = \"udp\", \"tcp\" or \"tls\"");
			continue;
		}
		l->address = read_string(errs, g, "address");
		if (!l->address)
			l->address = "127.0.0.1";
		double port = l->proto == SIP_PROTO_TLS ? 5061 : 5060;
		if (read_number(errs, g, "port", 1, 65535, &port) < 0)
			continue;
		l->port = (uint16_t)port;
		if (l->proto == SIP_PROTO_TLS) {
			const char *cert = read_string(errs, g, "cert");
			const char *key = read_string(errs, g, "key");
			const char *ca = read_string(errs, g, "ca");
			if (!cert || !key) {
				config_errors_add(errs, g, "a tls listener needs cert and key (PEM files)");
				continue;
			}
			char **paths = &c->listener_paths[c->nlisteners * 3];
			paths[0] = tandem_config_path(c, cert);
			paths[1] = tandem_config_path(c, key);
			paths[2] = tandem_config_path(c, ca);
			l->tls_cert = paths[0];
			l->tls_key = paths[1];
			l->tls_ca = paths[2];
			int verify;
			if (config_setting_lookup_bool(g, "verify_peer", &verify) == CONFIG_TRUE)
				l->tls_verify_peer = verify;
		}
		c->nlisteners++;
	}
}

static void read_modules(struct tandem_config *c, struct config_errors *errs)
{
	config_setting_t *list = config_lookup(&c->cfg, "modules");
	if (!list)
		return;
	if (!config_setting_is_aggregate(list) || config_setting_is_group(list)) {
		config_errors_add(errs, list, "'modules' must be a list of names ( \"echo\", ... )");
		return;
	}
	unsigned n = (unsigned)config_setting_length(list);
	for (unsigned i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(list, i);
		const char *name = config_setting_get_string(e);
		if (!name || !*name || strpbrk(name, "/. ")) {
			config_errors_add(errs, e, "a module name must be a plain word like \"registrar\"");
			continue;
		}
		if (c->nmodules == TANDEM_MAX_MODULES) {
			config_errors_add(errs, e, "more than %d modules", TANDEM_MAX_MODULES);
			return;
		}
		for (unsigned j = 0; j < c->nmodules; j++) {
			if (strcmp(c->modules[j], name) == 0)
				config_errors_add(errs, e, "module \"%s\" listed twice", name);
		}
		c->modules[c->nmodules++] = name;
	}
}

static void read_sip(struct tandem_config *c, struct config_errors *errs)
{
	struct sip_transport_cfg *tc = &c->transport;
	tc->max_msg_size = 65535;
	tc->tcp_idle_timeout = 600;
	tc->max_connections = 4096;
	tc->max_conn_per_ip = 64;
	tc->max_send_queue = 1 << 20;
	c->timers = (struct sip_timer_cfg){ .t1 = 0.5, .t2 = 4.0, .t4 = 5.0 };

	config_setting_t *g = config_lookup(&c->cfg, "sip");
	if (!g)
		return;
	if (!config_setting_is_group(g)) {
		config_errors_add(errs, g, "'sip' must be a group { ... }");
		return;
	}
	/* RFC 3261 §17.1.1.1: T1 500 ms, T2 4 s, T4 5 s by default; in ms here. */
	double t1 = c->timers.t1 * 1000, t2 = c->timers.t2 * 1000, t4 = c->timers.t4 * 1000;
	double size = (double)tc->max_msg_size, idle = tc->tcp_idle_timeout;
	double conns = tc->max_connections, per_ip = tc->max_conn_per_ip;
	read_number(errs, g, "t1_ms", 10, 60000, &t1);
	read_number(errs, g, "t2_ms", 10, 600000, &t2);
	read_number(errs, g, "t4_ms", 10, 600000, &t4);
	read_number(errs, g, "max_message_size", 1024, 1 << 20, &size);
	read_number(errs, g, "tcp_idle_timeout", 1, 86400, &idle);
	read_number(errs, g, "max_connections", 1, 1000000, &conns);
	read_number(errs, g, "max_connections_per_ip", 1, 1000000, &per_ip);
	if (t2 < t1)
		config_errors_add(errs, g, "t2_ms must not be smaller than t1_ms");
	c->timers = (struct sip_timer_cfg){ .t1 = t1 / 1000, .t2 = t2 / 1000, .t4 = t4 / 1000 };
	tc->max_msg_size = (size_t)size;
	tc->tcp_idle_timeout = idle;
	tc->max_connections = (unsigned)conns;
	tc->max_conn_per_ip = (unsigned)per_ip;
	const char *name = read_string(errs, g, "server_name");
	if (name)
		c->server_name = name;
}

/* Whether name is in the NULL-terminated list known. */
static bool name_known(const char *name, const char *const *known)
{
	for (unsigned k = 0; known[k]; k++)
		if (strcmp(name, known[k]) == 0)
			return true;
	return false;
}

/* An error for every member of group g (named group) not in known; list
 * is the known names as the message shows them. */
static void check_members(struct config_errors *errs, const config_setting_t *g, const char *group,
                          const char *const *known, const char *list)
{
	unsigned n = (unsigned)config_setting_length(g);
	for (unsigned i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(g, i);
		if (!name_known(config_setting_name(s), known))
			config_errors_add(errs, s, "unknown setting '%s.%s' (%s)", group,
			                  config_setting_name(s), list);
	}
}

/* dns: { servers = "127.0.0.1:5353"; timeout = 2000; tries = 2; }: the
 * resolver of RFC 3263 lookups (core/net/dns.c). Without it, the system's
 * servers (/etc/resolv.conf), 2 s per try, 2 tries. */
static void read_dns(struct tandem_config *c, struct config_errors *errs)
{
	static const char *const known[] = { "servers", "timeout", "tries", NULL };
	c->dns = (struct sip_dns_cfg){ .servers = NULL, .timeout_ms = 2000, .tries = 2 };
	config_setting_t *g = config_lookup(&c->cfg, "dns");
	if (!g)
		return;
	if (!config_setting_is_group(g)) {
		config_errors_add(errs, g, "'dns' must be a group { servers = \"...\"; ... }");
		return;
	}
	check_members(errs, g, "dns", known, "servers, timeout, tries");
	double timeout = c->dns.timeout_ms, tries = c->dns.tries;
	read_number(errs, g, "timeout", 10, 60000, &timeout);
	read_number(errs, g, "tries", 1, 10, &tries);
	c->dns.timeout_ms = (unsigned)timeout;
	c->dns.tries = (unsigned)tries;
	const char *servers = read_string(errs, g, "servers");
	if (servers && servers[0]) {
		char why[384];
		if (dns_servers_check(servers, why, sizeof why) < 0)
			config_errors_add(errs, config_setting_get_member(g, "servers"), "%s", why);
		else
			c->dns.servers = servers;
	}
}

/* control: { socket = "tandemd.ctl"; mode = "0660"; group = "tandem";
 * enabled = true; max_connections = 32; idle_timeout = 60; }: the control socket tandemctl talks to (core/control/,
 * docs/CONTROL.md). Without a socket setting it is <state_dir>/tandemd.ctl;
 * without a state_dir either, there is none unless enabled asks for it. */
static void read_control(struct tandem_config *c, struct config_errors *errs)
{
	static const char *const known[] = { "enabled", "socket", "mode", "group", "max_connections",
		"idle_timeout", NULL };
	struct control_cfg *cc = &c->control;
	*cc = (struct control_cfg){ .enabled = true, .mode = 0660, .gid = -1, .max_clients = 32,
	                            .idle_timeout = 60 };
	config_setting_t *g = config_lookup(&c->cfg, "control");
	if (g && !config_setting_is_group(g)) {
		config_errors_add(errs, g, "'control' must be a group { socket = \"...\"; ... }");
		return;
	}
	const char *sock = NULL;
	config_setting_t *en = NULL;
	if (g) {
		check_members(errs, g, "control", known,
		              "enabled, socket, mode, group, max_connections, idle_timeout");
		double clients = cc->max_clients;
		read_number(errs, g, "max_connections", 1, 1024, &clients);
		read_number(errs, g, "idle_timeout", 0.1, 86400, &cc->idle_timeout);
		cc->max_clients = (unsigned)clients;
		if ((en = config_setting_get_member(g, "enabled"))) {
			if (config_setting_type(en) != CONFIG_TYPE_BOOL)
				config_errors_add(errs, en, "'enabled' must be true or false");
			else
				cc->enabled = config_setting_get_bool(en);
		}
		sock = read_string(errs, g, "socket");
		const char *mode = read_string(errs, g, "mode");
		if (mode) {
			char *end;
			long m = strtol(mode, &end, 8);
			if (!*mode || *end || m < 0 || m > 0777)
				config_errors_add(errs, config_setting_get_member(g, "mode"),
				                  "'mode' must be octal permission bits like \"0660\"");
			else
				cc->mode = (unsigned)m;
		}
		cc->group = read_string(errs, g, "group");
		if (cc->group) {
			struct group *gr = getgrnam(cc->group);
			if (!gr)
				config_errors_add(errs, config_setting_get_member(g, "group"),
				                  "unknown group '%s'", cc->group);
			else
				cc->gid = (long)gr->gr_gid;
		}
	}
	if (!cc->enabled)
		return;
	if (sock && *sock)
		cc->socket = tandem_config_path(c, sock);
	else if (c->state_dir) {
		char *dir = tandem_config_path(c, c->state_dir);
		size_t n = dir ? strlen(dir) + sizeof "/tandemd.ctl" : 0;
		if (dir && (cc->socket = malloc(n)))
			snprintf(cc->socket, n, "%s/tandemd.ctl", dir);
		free(dir);
	} else if (en) {
		config_errors_add(errs, en, "the control socket needs 'socket' or a top-level 'state_dir'");
		return;
	} else {
		cc->enabled = false;   /* nowhere to put it by default */
		return;
	}
	if (!cc->socket) {
		config_errors_add(errs, g, "out of memory");
		return;
	}
	if (strlen(cc->socket) >= sizeof ((struct sockaddr_un *)0)->sun_path)
		config_errors_add(errs, g ? g : config_lookup(&c->cfg, "state_dir"),
		                  "the control socket path %s is longer than %zu bytes", cc->socket,
		                  sizeof ((struct sockaddr_un *)0)->sun_path - 1);
}

/* Top-level names tandem knows; a module's own group is known by its name. */
static void check_unknown_settings(struct tandem_config *c, struct config_errors *errs)
{
	static const char *const known[] = { "log_level", "module_dir", "state_dir", "modules",
		"listen", "sip", "dialplan", "users", "calls", "dns", "control", NULL };
	config_setting_t *root = config_root_setting(&c->cfg);
	unsigned n = (unsigned)config_setting_length(root);
	for (unsigned i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(root, i);
		const char *name = config_setting_name(s);
		bool ok = name_known(name, known);
		for (unsigned k = 0; k < c->nmodules && !ok; k++)
			ok = strcmp(name, c->modules[k]) == 0;
		if (!ok)
			config_errors_add(errs, s, "unknown setting '%s' (a typo, or a module not in 'modules'?)", name);
	}
}

int tandem_config_load(const char *path, struct tandem_config **out, struct config_errors *errs)
{
	struct tandem_config *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	config_init(&c->cfg);
	c->path = strdup(path);
	char *tmp = strdup(path);
	c->dir = tmp ? strdup(dirname(tmp)) : NULL;
	free(tmp);
	if (!c->path || !c->dir) {
		tandem_config_free(c);
		return -ENOMEM;
	}
	config_set_include_dir(&c->cfg, c->dir);
	if (config_read_file(&c->cfg, path) != CONFIG_TRUE) {
		char line[768];
		const char *file = config_error_file(&c->cfg);
		if (config_error_type(&c->cfg) == CONFIG_ERR_FILE_IO && !file)
			snprintf(line, sizeof line, "%s: cannot read: %s", path, config_error_text(&c->cfg));
		else
			snprintf(line, sizeof line, "%s:%d: %s", file ? file : path,
			         config_error_line(&c->cfg), config_error_text(&c->cfg));
		char **grown = realloc(errs->lines, (errs->count + 1) * sizeof *grown);
		if (grown) {
			errs->lines = grown;
			if ((grown[errs->count] = strdup(line)))
				errs->count++;
		}
		tandem_config_free(c);
		return -EINVAL;
	}

	unsigned before = errs->count;
	config_setting_t *root = config_root_setting(&c->cfg);
	c->log_level = TLOG_INFO;
	const char *lvl = read_string(errs, root, "log_level");
	if (lvl && tandem_log_level_parse(lvl, &c->log_level) < 0)
		config_errors_add(errs, config_lookup(&c->cfg, "log_level"),
		                  "log_level \"%s\" is not one of error, warn, notice, info, debug", lvl);
	c->module_dir = read_string(errs, root, "module_dir");
	c->state_dir = read_string(errs, root, "state_dir");
	c->server_name = "tandem/" PACKAGE_VERSION;
	read_modules(c, errs);
	read_listeners(c, errs);
	read_sip(c, errs);
	read_dns(c, errs);
	read_control(c, errs);
	check_unknown_settings(c, errs);

	if (errs->count != before) {
		tandem_config_free(c);
		return -EINVAL;
	}
	*out = c;
	return 0;
}

void tandem_config_free(struct tandem_config *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < TANDEM_MAX_LISTENERS * 3; i++)
		free(c->listener_paths[i]);
	free(c->control.socket);
	config_destroy(&c->cfg);
	free(c->path);
	free(c->dir);
	free(c);
}
