/* mod_registrar: REGISTER (RFC 3261 §10.3) against the location service,
 * authenticated by mod_auth, the resolver of "user" dial targets (a bare
 * extension rings every registered contact) and a lookup API.
 *
 *   registrar: {
 *     default_expires = 3600; min_expires = 60; max_expires = 7200;
 *     max_contacts = 10;
 *     authenticate = true;             # via mod_auth (401 challenges)
 *     state_dir = "/var/lib/tandem";   # default: the top-level state_dir
 *   };
 *
 * Bindings are written to <state_dir>/location.db after every change
 * (temporary file, fsync, rename), so a kill -9 loses nothing answered. */
#include "config.h"

#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tandem/auth.h>
#include <tandem/registrar.h>
#include <tandem/call.h>
#include <tandem/control.h>
#include <tandem/sip_uri.h>
#include <tandem/tandem.h>

#include "control.h"
#include "location.h"
#include "reg_metrics.h"

#define MAX_CONTACTS_PER_REQUEST 32
#define SWEEP_INTERVAL 1.0

struct reg_conf {
	struct location_cfg loc;
	bool authenticate;
	char *state_file;           /* NULL: memory only */
};

struct reg_state {
	struct reg_conf conf;
	struct location *loc;
	ev_timer sweep;
	struct tandem *t;
	unsigned long registered, refused;
};

#define CFG_ERR(where, ...) tandem_config_error("registrar", where, __VA_ARGS__)

static int read_uint(const config_setting_t *g, const char *name, unsigned def,
                     unsigned min, unsigned max, unsigned *out)
{
	return tandem_config_uint("registrar", g, name, def, min, max, out);
}

static int conf_read(const config_setting_t *cfg, struct reg_conf *c)
{
	*c = (struct reg_conf){ .authenticate = true };
	if (read_uint(cfg, "default_expires", 3600, 1, 86400 * 7, &c->loc.default_expires) < 0 ||
	    read_uint(cfg, "min_expires", 60, 1, 86400, &c->loc.min_expires) < 0 ||
	    read_uint(cfg, "max_expires", 7200, 1, 86400 * 7, &c->loc.max_expires) < 0 ||
	    read_uint(cfg, "max_contacts", 10, 1, 1000, &c->loc.max_contacts) < 0)
		return -EINVAL;
	if (c->loc.min_expires > c->loc.max_expires) {
		CFG_ERR(cfg, "min_expires is above max_expires");
		return -EINVAL;
	}
	if (c->loc.default_expires < c->loc.min_expires)
		c->loc.default_expires = c->loc.min_expires;
	const config_setting_t *a = cfg ? config_setting_get_member(cfg, "authenticate") : NULL;
	if (a) {
		if (config_setting_type(a) != CONFIG_TYPE_BOOL) {
			CFG_ERR(a, "'authenticate' must be true or false");
			return -EINVAL;
		}
		c->authenticate = config_setting_get_bool(a);
	}
	const config_setting_t *sd = cfg ? config_setting_get_member(cfg, "state_dir") : NULL;
	if (!sd && cfg && cfg->config)
		sd = config_lookup(cfg->config, "state_dir");
	if (sd) {
		const char *dir = config_setting_get_string(sd);
		if (!dir) {
			CFG_ERR(sd, "state_dir must be a string");
			return -EINVAL;
		}
		if (!(c->state_file = tandem_setting_path(sd, dir, "location.db")))
			return -ENOMEM;
	}
	return 0;
}

static int user_resolve(struct tandem *t, struct tandem_call *call, const char *user,
                        struct tandem_resolve *r, void *arg);
static const struct tandem_resolver user_resolver = { .scheme = "user", .resolve = user_resolve };

static int reg_init(struct tandem *t, const config_setting_t *cfg)
{
	struct reg_state *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	int rc = conf_read(cfg, &s->conf);
	if (rc < 0) {
		free(s->conf.state_file);
		free(s);
		return rc;
	}
	if (s->conf.authenticate && !auth_load_api(t, "registrar")) {
		free(s->conf.state_file);
		free(s);
		return -ENOENT;
	}
	if (!s->conf.state_file)
		tlog_warn("mod_registrar: no state_dir: registrations are kept in memory only");
	s->t = t;
	rc = tandem_register_resolver(t, &user_resolver);
	if (rc < 0) {
		tlog_error("mod_registrar: cannot serve 'user' dial targets (%s)", strerror(-rc));
		free(s->conf.state_file);
		free(s);
		return rc;
	}
	tandem_set_module_data(t, "registrar", s);
	return 0;
}

static void sweep_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct reg_state *s = w->data;
	int perr = 0;
	unsigned n = location_expire(s->loc, time(NULL), &perr);
	if (n)
		tlog_info("registrar: %u binding(s) expired, %u left", n, location_count(s->loc));
	if (perr < 0)
		tlog_error("registrar: cannot write %s: %s", s->conf.state_file, strerror(-perr));
}

static int reg_start(struct tandem *t)
{
	struct reg_state *s = tandem_module_data(t, "registrar");
	unsigned skipped = 0;
	int rc = location_open(&s->conf.loc, s->conf.state_file, time(NULL), &s->loc, &skipped);
	if (rc < 0) {
		tlog_error("mod_registrar: cannot read %s: %s", s->conf.state_file, strerror(-rc));
		return rc;
	}
	if (skipped)
		tlog_warn("mod_registrar: %s: %u damaged line(s) skipped", s->conf.state_file, skipped);
	tlog_info("mod_registrar: %u binding(s) restored", location_count(s->loc));
	ev_timer_init(&s->sweep, sweep_cb, SWEEP_INTERVAL, SWEEP_INTERVAL);
	s->sweep.data = s;
	ev_timer_start(tandem_loop(t), &s->sweep);
	if ((rc = reg_control_add(t, s->loc)) < 0)
		tlog_error("mod_registrar: no \"registrations\" control command: %s", strerror(-rc));
	reg_metrics_add(t, &s->loc, &s->registered, &s->refused);
	return 0;
}

static int reg_reload(struct tandem *t, const config_setting_t *cfg)
{
	struct reg_state *s = tandem_module_data(t, "registrar");
	struct reg_conf next;
	int rc = conf_read(cfg, &next);
	if (rc == 0 && ((next.state_file == NULL) != (s->conf.state_file == NULL) ||
	                (next.state_file && strcmp(next.state_file, s->conf.state_file) != 0))) {
		tlog_error("mod_registrar: state_dir cannot change on reload (restart instead)");
		rc = -EINVAL;
	}
	if (rc == 0 && next.authenticate && !auth_load_api(t, "registrar"))
		rc = -ENOENT;
	if (rc < 0) {
		free(next.state_file);
		return rc;
	}
	free(s->conf.state_file);
	s->conf = next;
	if (s->loc)
		location_set_cfg(s->loc, &s->conf.loc);
	return 0;
}

static void reg_stop(struct tandem *t)
{
	struct reg_state *s = tandem_module_data(t, "registrar");
	if (!s)
		return;
	reg_metrics_remove(t);
	ev_timer_stop(tandem_loop(t), &s->sweep);
	tandem_control_command_remove_all(t, "registrar");
	tlog_info("mod_registrar: %lu REGISTER accepted, %lu refused, %u binding(s) kept",
	          s->registered, s->refused, location_count(s->loc));
	location_close(s->loc);
	free(s->conf.state_file);
	free(s);
	tandem_set_module_data(t, "registrar", NULL);
}

/* ---- REGISTER ---- */

/* q-value (RFC 3261 §20.10): "0", "1", "0.5", "1.000" -> x 1000 */
static int parse_q(struct sip_str v, int *out)
{
	if (v.len == 0 || v.len > 5 || (v.p[0] != '0' && v.p[0] != '1'))
		return -EINVAL;
	int q = (v.p[0] - '0') * 1000, scale = 100;
	if (v.len > 1) {
		if (v.p[1] != '.')
			return -EINVAL;
		for (size_t i = 2; i < v.len; i++, scale /= 10) {
			if (v.p[i] < '0' || v.p[i] > '9')
				return -EINVAL;
			q += (v.p[i] - '0') * scale;
		}
	}
	if (q > 1000)
		return -EINVAL;
	*out = q;
	return 0;
}

struct reg_parse {
	struct location_contact_in c[MAX_CONTACTS_PER_REQUEST];
	unsigned n;
	bool wildcard;
	unsigned wildcards;
};

static int parse_contacts(const struct sip_msg *m, struct reg_parse *p, const char **why)
{
	for (const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_CONTACT); h; h = sip_msg_hdr_next(m, h)) {
		struct sip_str rest = h->value, item;
		while (sip_list_next(&rest, &item)) {
			struct sip_nameaddr na;
			if (sip_nameaddr_parse(item, &na) < 0) {
				*why = "Malformed Contact";
				return -EINVAL;
			}
			if (na.wildcard) {
				p->wildcard = true;
				p->wildcards++;
				continue;
			}
			if (p->n >= MAX_CONTACTS_PER_REQUEST) {
				*why = "Too Many Contacts";
				return -EINVAL;
			}
			struct location_contact_in *c = &p->c[p->n++];
			*c = (struct location_contact_in){ .uri = na.uri_str, .expires = -1, .q = -1 };
			struct sip_str v;
			if (sip_param_get(na.params, "expires", &v)) {
				unsigned long e;
				if (sip_str_to_uint(v, 0xffffffffUL, &e) < 0) {
					*why = "Malformed Contact expires";
					return -EINVAL;
				}
				c->expires = (long)e;
			}
			if (sip_param_get(na.params, "q", &v) && parse_q(v, &c->q) < 0) {
				*why = "Malformed Contact q";
				return -EINVAL;
			}
			if (sip_param_get(na.params, "+sip.instance", &v))
				c->instance = v;
			if (sip_param_get(na.params, "reg-id", &v)) {
				unsigned long r;
				if (sip_str_to_uint(v, 0xffffffffUL, &r) < 0 || r == 0) {
					*why = "Malformed Contact reg-id";
					return -EINVAL;
				}
				c->reg_id = (unsigned)r;
			}
		}
	}
	if (p->wildcard && (p->wildcards > 1 || p->n > 0)) {
		*why = "Contact * must be alone";   /* §10.3 step 6 */
		return -EINVAL;
	}
	return 0;
}

static void reply_ok(struct tandem_event *ev, struct reg_state *s, const char *aor)
{
	const struct location_aor *a = location_find(s->loc, aor);
	struct sip_wbuf w;
	time_t now = time(NULL);
	sip_wbuf_init(&w, 256);
	/* RFC 3261 §10.3 step 8: every current binding with its expiry */
	for (unsigned i = 0; a && i < a->n; i++) {
		const struct location_binding *b = &a->b[i];
		long left = (long)(b->expires_at - now);
		sip_wbuf_printf(&w, "Contact: <%s>;expires=%ld", b->contact, left > 0 ? left : 0);
		if (b->q != 1000)
			sip_wbuf_printf(&w, ";q=%u.%03u", b->q / 1000, b->q % 1000);
		if (b->instance)
			sip_wbuf_printf(&w, ";+sip.instance=%s", b->instance);
		if (b->reg_id)
			sip_wbuf_printf(&w, ";reg-id=%u", b->reg_id);
		sip_wbuf_puts(&w, "\r\n");
	}
	sip_wbuf_put(&w, "", 1);
	struct sip_resp_extra extra = { .headers = w.err ? NULL : w.p };
	tandem_reply(ev, w.err ? 500 : 200, NULL, &extra);
	sip_wbuf_free(&w);
}

static enum tandem_verdict refuse(struct tandem_event *ev, struct reg_state *s, int status,
                                  const char *reason, const char *hdrs)
{
	char src[64];
	struct sip_resp_extra extra = { .headers = hdrs };
	s->refused++;
	tlog_info("registrar: REGISTER for %.*s from %s refused: %d %s (Call-ID %.*s)",
	          (int)ev->msg->to_uri.len, ev->msg->to_uri.p,
	          sip_addr_str((const struct sockaddr *)&ev->msg->rx.src, src, sizeof src),
	          status, reason ? reason : sip_reason_phrase(status),
	          (int)ev->msg->call_id.len, ev->msg->call_id.p);
	tandem_reply(ev, status, reason, &extra);
	return TANDEM_DONE;
}

static enum tandem_verdict reg_request(struct tandem_event *ev)
{
	struct reg_state *s = tandem_module_data(ev->t, "registrar");
	const struct sip_msg *m = ev->msg;
	if (m->method != SIP_REGISTER || !s || !s->loc)
		return TANDEM_CONTINUE;

	/* RFC 3261 §10.3 step 5: the AOR comes from the To header */
	struct sip_uri to;
	char aor[128];
	if (sip_uri_parse(m->to_uri, &to) < 0 || (to.scheme != SIP_URI_SIP && to.scheme != SIP_URI_SIPS))
		return refuse(ev, s, 404, "Not Found", NULL);
	if (to.user.len == 0 || sip_unescape(to.user, aor, sizeof aor) <= 0)
		return refuse(ev, s, 404, "Not Found", NULL);

	if (s->conf.authenticate) {
		const struct auth_api *auth = auth_load_api(ev->t, "registrar");
		const char *user = NULL;
		if (!auth)
			return refuse(ev, s, 500, "No Authentication Service", NULL);
		int v = auth->check(ev->t, ev, false, &user);
		if (v != TANDEM_CONTINUE)
			return (enum tandem_verdict)v;
		/* §10.3 step 3: the authenticated user may change this AOR only */
		if (!user || strcmp(user, aor) != 0)
			return refuse(ev, s, 403, "Forbidden", NULL);
	}

	struct reg_parse *p = calloc(1, sizeof *p);
	const char *why = NULL;
	if (!p)
		return refuse(ev, s, 500, NULL, NULL);
	enum tandem_verdict verdict;
	if (parse_contacts(m, p, &why) < 0) {
		verdict = refuse(ev, s, 400, why, NULL);
		goto out;
	}
	long expires_hdr = -1;
	const struct sip_hdr *eh = sip_msg_hdr(m, SIP_HDR_EXPIRES);
	if (eh) {
		unsigned long e;
		if (sip_str_to_uint(sip_str_trim(eh->value), 0xffffffffUL, &e) < 0) {
			verdict = refuse(ev, s, 400, "Malformed Expires", NULL);
			goto out;
		}
		expires_hdr = (long)e;
	}
	const struct sip_hdr *ua = sip_msg_hdr(m, SIP_HDR_USER_AGENT);
	struct location_request r = {
		.aor = aor, .call_id = m->call_id, .cseq = m->cseq,
		.user_agent = ua ? sip_str_trim(ua->value) : (struct sip_str){ 0 },
		.wildcard = p->wildcard, .expires_hdr = expires_hdr,
		.contacts = p->c, .ncontacts = p->n,
		.proto = m->rx.proto, .src = (const struct sockaddr *)&m->rx.src,
		.src_len = m->rx.src_len, .conn_id = m->rx.conn_id,
	};
	int perr = 0;
	int rc = location_register(s->loc, &r, time(NULL), &perr);
	if (perr < 0)
		tlog_error("registrar: cannot write %s: %s", s->conf.state_file, strerror(-perr));
	char hdr[64];
	switch (rc) {
	case 0:
		s->registered++;
		tlog_info("registrar: %s has %u binding(s) (Call-ID %.*s)", aor,
		          location_find(s->loc, aor) ? location_find(s->loc, aor)->n : 0,
		          (int)m->call_id.len, m->call_id.p);
		reply_ok(ev, s, aor);
		verdict = TANDEM_DONE;
		break;
	case -ERANGE:
		/* §10.3 step 6 / §21.4.17: say what the minimum is */
		snprintf(hdr, sizeof hdr, "Min-Expires: %u\r\n", s->conf.loc.min_expires);
		verdict = refuse(ev, s, 423, NULL, hdr);
		break;
	case -EALREADY:
		verdict = refuse(ev, s, 400, "Out of Order CSeq", NULL);   /* §10.3 step 7 */
		break;
	case -EMLINK:
		verdict = refuse(ev, s, 403, "Too Many Contacts", NULL);
		break;
	case -EINVAL:
		verdict = refuse(ev, s, 400, p->wildcard ? "Contact * needs Expires: 0" : "Bad Contact", NULL);
		break;
	default:
		verdict = refuse(ev, s, 500, NULL, NULL);
		break;
	}
out:
	free(p);
	return verdict;
}

/* ---- API ---- */

static int reg_lookup(struct tandem *t, const char *aor_user, struct location_contact *out, int max)
{
	struct reg_state *s = tandem_module_data(t, "registrar");
	if (!s || !s->loc || !aor_user)
		return 0;
	return location_lookup(s->loc, aor_user, time(NULL), out, max);
}

static const struct registrar_api api = { .lookup = reg_lookup };

/* A bare target ("1002"): every live contact of the user rings, each over
 * the flow its REGISTER came on (RFC 5626 §5.3: a phone behind NAT or on
 * TCP/TLS is only reachable there), To naming the user at the domain the
 * caller called (the contact stays hidden, topology hiding). Not
 * registered: 480 (RFC 3261 §21.4.18). */
static int user_resolve(struct tandem *t, struct tandem_call *call, const char *user,
                        struct tandem_resolve *r, void *arg)
{
	(void)call; (void)arg;
	int n = reg_lookup(t, user, NULL, 0);
	if (n <= 0)
		return 480;
	struct location_contact *lc = calloc((size_t)n, sizeof *lc);
	if (!lc)
		return 500;
	int now = reg_lookup(t, user, lc, n);   /* one may have expired meanwhile */
	if (now < n)
		n = now;
	for (int i = 0; i < n; i++) {
		struct tandem_contact c = { .flow = true };
		snprintf(c.ruri, sizeof c.ruri, "%s", lc[i].uri);
		snprintf(c.to, sizeof c.to, "<sip:%s@%s>", user, tandem_resolve_domain(r));
		c.dst.proto = lc[i].proto;
		memcpy(&c.dst.addr, &lc[i].src, sizeof c.dst.addr);
		c.dst.addr_len = lc[i].src_len;
		c.dst.conn_id = lc[i].conn_id;
		if (tandem_resolve_add(r, &c) < 0) {
			free(lc);
			return 500;
		}
	}
	free(lc);
	return n > 0 ? 0 : 480;
}

static const char *const deps[] = { "auth", NULL };

static const struct tandem_hook hooks[] = {
	/* after the core's and any sanity module's checks (lower runs first) */
	{ TANDEM_HOOK_REQUEST, 30, reg_request },
	{ 0, 0, NULL }
};

const struct tandem_module tandem_module = {
	.abi = TANDEM_MODULE_ABI,
	.build_sig = TANDEM_BUILD_SIGNATURE,
	.name = "registrar",
	.deps = deps,
	.init = reg_init,
	.start = reg_start,
	.reload = reg_reload,
	.stop = reg_stop,
	.hooks = hooks,
	.api = &api,
};
