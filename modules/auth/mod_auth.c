/* mod_auth: Digest authentication for other modules and the dialplan
 * (RFC 3261 §22, RFC 7616, RFC 8760).
 *
 *   auth: {
 *     users_file = "users.conf";     # relative to this file's folder
 *     nonce_lifetime = 300;          # seconds
 *     algorithms = ( "SHA-256", "MD5" ); # offered, in this order (default)
 *     state_dir = "/var/lib/tandem"; # default: the top-level state_dir
 *     ban: { failures = 10; window = 60; time = 600;   # banned: requests dropped
 *            whitelist = ( "127.0.0.1/32" ); };
 *   };
 *
 * Nonces are signed, not stored: a secret kept in <state_dir>/auth.secret
 * keeps them valid across restarts. Unknown users and wrong passwords get
 * the same fresh challenge, so the answers do not tell which users exist. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <tandem/auth.h>
#include <tandem/sip_uri.h>
#include <tandem/tandem.h>
#include <tandem/transport.h>

#include "auth_metrics.h"
#include "ban.h"
#include "control.h"
#include "sample.h"
#include <tandem/digest.h>
#include "users.h"

/* Nonces whose nonce-count is tracked (RFC 7616 §3.3 replay check). When
 * the ring wraps, nonces issued before the evicted one are refused as
 * stale, so it must outlast a burst: 65536 (2.6 MB) lasts 16 s at 4000
 * REGISTER/s, where 4096 wrapped every second and refused fresh nonces. */
#define NC_TABLE_SIZE 65536
#define BAN_TABLE_SIZE 4096

struct auth_conf {
	struct auth_users *users;
	unsigned nonce_lifetime;
	struct auth_ban *ban;
	unsigned ban_failures, ban_time;
	char *secret_path;            /* NULL: a random secret per run */
	enum sip_digest_alg algs[SIP_DIGEST_ALG__COUNT]; /* offered, preferred first */
	size_t nalgs;
};

struct auth_state {
	struct auth_conf conf;
	uint8_t secret[SIP_DIGEST_SECRET_LEN];
	bool have_secret;
	struct sip_digest_nc_table *nc;
	/* HA1 checked for unknown users, so they cost the same work */
	char dummy_ha1[SIP_DIGEST_ALG__COUNT][SIP_DIGEST_HEX_MAX];
	char reject_hdrs[1024];       /* for answers through ev->reject_* */
	unsigned long ok, challenged, failed, dropped_banned;
};

static void conf_free(struct auth_conf *c)
{
	auth_users_free(c->users);
	auth_ban_free(c->ban);
	free(c->secret_path);
	*c = (struct auth_conf){ 0 };
}

/* A path from the config, relative to the file that set it. */
#define CFG_ERR(where, ...) tandem_config_error("auth", where, __VA_ARGS__)

static int read_uint(const config_setting_t *g, const char *name, unsigned def,
                     unsigned min, unsigned max, unsigned *out)
{
	return tandem_config_uint("auth", g, name, def, min, max, out);
}

static int conf_read(const config_setting_t *cfg, struct auth_conf *c)
{
	const char *users_file = NULL, *state_dir = NULL;
	char err[512];
	int rc;

	*c = (struct auth_conf){ 0 };
	if (!cfg) {
		tlog_error("mod_auth: needs an 'auth' group with users_file");
		return -EINVAL;
	}
	if (!config_setting_lookup_string(cfg, "users_file", &users_file)) {
		CFG_ERR(cfg, "auth.users_file missing");
		return -EINVAL;
	}
	char *path = tandem_setting_path(config_setting_get_member(cfg, "users_file"), users_file, NULL);
	if (!path)
		return -ENOMEM;
	rc = auth_users_load(path, &c->users, err, sizeof err);
	free(path);
	if (rc < 0) {
		tlog_error("mod_auth: %s", err);
		return rc;
	}
	const char *realm = NULL;
	if (config_setting_lookup_string(cfg, "realm", &realm) && strcmp(realm, c->users->realm) != 0) {
		/* HA1 values are bound to one realm: two would silently fail. */
		CFG_ERR(cfg, "auth.realm \"%s\" differs from the users file's realm \"%s\"",
		        realm, c->users->realm);
		goto fail;
	}
	for (size_t i = 0; i < c->users->n; i++)
		if (!c->users->v[i].has_ha1[SIP_DIGEST_SHA256])
			tlog_warn("mod_auth: user %s has no SHA-256 HA1: clients choosing SHA-256 cannot log in",
			          c->users->v[i].name);
	if ((rc = read_uint(cfg, "nonce_lifetime", 300, 10, 86400, &c->nonce_lifetime)) < 0)
		goto fail;
	/* Legacy UAs that only read the first challenge and know only MD5
	 * need algorithms = ( "MD5" ). */
	const config_setting_t *al = config_setting_get_member(cfg, "algorithms");
	if (!al) {
		c->algs[0] = SIP_DIGEST_SHA256;
		c->algs[1] = SIP_DIGEST_MD5;
		c->nalgs = 2;
	} else {
		int n = config_setting_length(al);
		if ((!config_setting_is_list(al) && !config_setting_is_array(al)) || n < 1 ||
		    n > SIP_DIGEST_ALG__COUNT) {
			CFG_ERR(al, "algorithms must list \"SHA-256\" and/or \"MD5\"");
			goto fail;
		}
		for (int i = 0; i < n; i++) {
			const char *a = config_setting_get_string_elem(al, i);
			enum sip_digest_alg alg = a && strcasecmp(a, "SHA-256") == 0 ? SIP_DIGEST_SHA256 : SIP_DIGEST_MD5;
			bool dup = false;
			for (size_t j = 0; j < c->nalgs; j++)
				dup |= c->algs[j] == alg;
			if (!a || dup || (strcasecmp(a, "SHA-256") != 0 && strcasecmp(a, "MD5") != 0)) {
				CFG_ERR(al, "algorithms[%d]: \"SHA-256\" or \"MD5\", each once", i);
				goto fail;
			}
			c->algs[c->nalgs++] = alg;
		}
	}

	/* the secret's home: auth.state_dir, else the top-level state_dir */
	const config_setting_t *sd = config_setting_get_member(cfg, "state_dir");
	if (sd && !(state_dir = config_setting_get_string(sd))) {
		CFG_ERR(sd, "auth.state_dir must be a string");
		goto fail;
	}
	if (!sd && cfg->config) {
		sd = config_lookup(cfg->config, "state_dir");
		state_dir = sd ? config_setting_get_string(sd) : NULL;
	}
	if (state_dir) {
		char *dir = tandem_setting_path(sd, state_dir, NULL);
		size_t n = dir ? strlen(dir) + sizeof "/auth.secret" : 0;
		if (!dir || !(c->secret_path = malloc(n))) {
			free(dir);
			conf_free(c);
			return -ENOMEM;
		}
		snprintf(c->secret_path, n, "%s/auth.secret", dir);
		free(dir);
	}

	const config_setting_t *bg = config_setting_get_member(cfg, "ban");
	struct auth_ban_cfg bc;
	if (read_uint(bg, "failures", 10, 0, 1000000, &bc.failures) < 0 ||
	    read_uint(bg, "window", 60, 1, 86400 * 7, &bc.window) < 0 ||
	    read_uint(bg, "time", 600, 1, 86400 * 365, &bc.ban_time) < 0)
		goto fail;
	c->ban_failures = bc.failures;
	c->ban_time = bc.ban_time;
	if (!(c->ban = auth_ban_new(&bc, BAN_TABLE_SIZE))) {
		conf_free(c);
		return -ENOMEM;
	}
	const config_setting_t *wl = bg ? config_setting_get_member(bg, "whitelist") : NULL;
	if (wl && !config_setting_is_list(wl) && !config_setting_is_array(wl)) {
		CFG_ERR(wl, "ban.whitelist must be a list of \"address/prefix\" strings");
		goto fail;
	}
	for (int i = 0; wl && i < config_setting_length(wl); i++) {
		const char *cidr = config_setting_get_string_elem(wl, i);
		if (!cidr || auth_ban_whitelist_add(c->ban, cidr) < 0) {
			CFG_ERR(wl, "ban.whitelist[%d]: not an address/prefix", i);
			goto fail;
		}
	}
	return 0;
fail:
	conf_free(c);
	return -EINVAL;
}

static int auth_init(struct tandem *t, const config_setting_t *cfg)
{
	struct auth_state *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	int rc = conf_read(cfg, &s->conf);
	if (rc == 0)
		auth_sample_warn(s->conf.users);
	if (rc == 0 && !(s->nc = sip_digest_nc_new(NC_TABLE_SIZE)))
		rc = -ENOMEM;
	if (rc < 0) {
		conf_free(&s->conf);
		sip_digest_nc_free(s->nc);
		free(s);
		return rc;
	}
	uint8_t junk[16];
	char pw[33];
	RAND_bytes(junk, sizeof junk);
	for (int i = 0; i < 16; i++)
		snprintf(pw + 2 * i, 3, "%02x", junk[i]);
	for (int a = 0; a < SIP_DIGEST_ALG__COUNT; a++)
		sip_digest_ha1((enum sip_digest_alg)a, "nobody", "nowhere", pw, s->dummy_ha1[a]);
	tandem_set_module_data(t, "auth", s);
	return 0;
}

static int auth_start(struct tandem *t)
{
	struct auth_state *s = tandem_module_data(t, "auth");
	if (s->conf.secret_path) {
		int rc = sip_digest_secret_load(s->conf.secret_path, s->secret);
		if (rc < 0) {
			tlog_error("mod_auth: nonce secret %s: %s", s->conf.secret_path, strerror(-rc));
			return rc;
		}
	} else {
		tlog_warn("mod_auth: no state_dir: nonces will not survive a restart");
		if (RAND_bytes(s->secret, sizeof s->secret) != 1)
			return -EIO;
	}
	s->have_secret = true;
	auth_metrics_add(t, &(struct auth_metrics_src){ .ban = &s->conf.ban, .ok = &s->ok,
	                 .challenged = &s->challenged, .failed = &s->failed,
	                 .dropped_banned = &s->dropped_banned });
	tlog_info("mod_auth: realm %s, %zu users", s->conf.users->realm, s->conf.users->n);
	int rc = auth_control_add(t, &s->conf.ban, &s->conf.ban_time);
	if (rc < 0)
		tlog_error("mod_auth: no \"ban\" control command: %s", strerror(-rc));
	return 0;
}

static int auth_reload(struct tandem *t, const config_setting_t *cfg)
{
	struct auth_state *s = tandem_module_data(t, "auth");
	struct auth_conf next;
	int rc = conf_read(cfg, &next);
	if (rc < 0)
		return rc;
	auth_sample_warn(next.users);
	bool same_secret = (!next.secret_path && !s->conf.secret_path) ||
		(next.secret_path && s->conf.secret_path && strcmp(next.secret_path, s->conf.secret_path) == 0);
	if (!same_secret && next.secret_path) {
		uint8_t sec[SIP_DIGEST_SECRET_LEN];
		if ((rc = sip_digest_secret_load(next.secret_path, sec)) < 0) {
			tlog_error("mod_auth: nonce secret %s: %s", next.secret_path, strerror(-rc));
			conf_free(&next);
			return rc;
		}
		memcpy(s->secret, sec, sizeof sec);
		OPENSSL_cleanse(sec, sizeof sec);
	}
	auth_ban_adopt(next.ban, s->conf.ban);   /* a reload lifts no ban */
	conf_free(&s->conf);
	s->conf = next;
	tlog_info("mod_auth: reloaded, realm %s, %zu users", s->conf.users->realm, s->conf.users->n);
	return 0;
}

static void auth_stop(struct tandem *t)
{
	struct auth_state *s = tandem_module_data(t, "auth");
	if (!s)
		return;
	auth_control_remove(t);
	auth_metrics_remove(t);
	tlog_info("mod_auth: %lu accepted, %lu challenged, %lu failed, %lu dropped (banned)",
	          s->ok, s->challenged, s->failed, s->dropped_banned);
	conf_free(&s->conf);
	sip_digest_nc_free(s->nc);
	OPENSSL_cleanse(s, sizeof *s);
	free(s);
	tandem_set_module_data(t, "auth", NULL);
}

/* ---- checking a request ---- */

/* Printable copy for logs (user names come from the network). */
static const char *printable(const char *in, char *out, size_t n)
{
	size_t i = 0;
	for (; in[i] && i + 1 < n; i++)
		out[i] = (in[i] >= 0x20 && in[i] < 0x7f) ? in[i] : '?';
	out[i] = '\0';
	return out;
}

static int answer(struct auth_state *s, struct tandem_event *ev, int status,
                  const char *reason, const char *hdrs)
{
	if (ev->tsx) {
		struct sip_resp_extra extra = { .headers = hdrs };
		if (tandem_reply(ev, status, reason, &extra) < 0)
			tlog_warn("mod_auth: could not send %d", status);
		return TANDEM_DONE;
	}
	/* no transaction at hand (a dialplan action): let the core answer */
	ev->reject_code = status;
	ev->reject_reason = reason;
	ev->reject_headers = NULL;
	if (!s)
		return TANDEM_REJECT;
	snprintf(s->reject_hdrs, sizeof s->reject_hdrs, "%s", hdrs ? hdrs : "");
	ev->reject_headers = s->reject_hdrs;
	return TANDEM_REJECT;
}

static int challenge(struct auth_state *s, struct tandem_event *ev, bool proxy, bool stale)
{
	char nonce[SIP_DIGEST_NONCE_LEN + 1], hdrs[1024];
	if (sip_digest_nonce_make(s->secret, s->conf.users->realm, time(NULL), nonce) < 0 ||
	    sip_digest_challenge_headers(hdrs, sizeof hdrs, proxy, s->conf.users->realm, nonce, stale,
	                             s->conf.algs, s->conf.nalgs) < 0)
		return answer(s, ev, 500, NULL, NULL);
	s->challenged++;
	return answer(s, ev, proxy ? 407 : 401, NULL, hdrs);
}

static void log_failure(const struct tandem_event *ev, const char *user, const char *why)
{
	char src[64], u[64];
	sip_addr_str((const struct sockaddr *)&ev->msg->rx.src, src, sizeof src);
	tlog_notice("auth: %.*s from %s as '%s' refused: %s (Call-ID %.*s)",
	            (int)ev->msg->method_str.len, ev->msg->method_str.p, src,
	            printable(user, u, sizeof u), why,
	            (int)ev->msg->call_id.len, ev->msg->call_id.p);
}

/* A failed attempt: count it towards a ban, answer like any challenge. */
static int failure(struct auth_state *s, struct tandem_event *ev, bool proxy,
                   const char *user, const char *why)
{
	const struct sockaddr *sa = (const struct sockaddr *)&ev->msg->rx.src;
	s->failed++;
	log_failure(ev, user, why);
	if (auth_ban_fail(s->conf.ban, sa, time(NULL))) {
		/* the address without the port: the ban is on the host */
		char host[INET6_ADDRSTRLEN] = "?";
		const void *a = sa->sa_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
		                                          : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
		inet_ntop(sa->sa_family, a, host, sizeof host);
		tlog_warn("auth: banning %s for %u s after %u failed authentications; "
		          "its requests are dropped until then", host, s->conf.ban_time, s->conf.ban_failures);
	}
	return challenge(s, ev, proxy, false);
}

static int auth_check(struct tandem *t, struct tandem_event *ev, bool proxy, const char **auth_user)
{
	struct auth_state *s = tandem_module_data(t, "auth");
	const struct sip_msg *m = ev->msg;
	const struct sockaddr *sa = (const struct sockaddr *)&m->rx.src;
	time_t now = time(NULL);

	if (auth_user)
		*auth_user = NULL;
	if (!s || !s->have_secret || !m)
		return answer(s, ev, 500, NULL, NULL);
	/* Banned sources never get here: auth_receive drops their requests. */

	/* RFC 3261 §22.4: the credentials for our realm, among possibly several */
	struct sip_digest_cred *c = malloc(sizeof *c);
	if (!c)
		return answer(s, ev, 500, NULL, NULL);
	const struct sip_hdr *h = sip_msg_hdr(m, proxy ? SIP_HDR_PROXY_AUTHORIZATION : SIP_HDR_AUTHORIZATION);
	int rc = -ENOENT;
	for (; h; h = sip_msg_hdr_next(m, h)) {
		rc = sip_digest_parse_credentials(h->value, c);
		if (rc == -EPROTONOSUPPORT)
			continue;         /* another scheme or algorithm: not for us */
		if (rc < 0 || strcmp(c->realm, s->conf.users->realm) == 0)
			break;
		rc = -ENOENT;
	}
	int verdict;
	if (rc == -ENOENT || rc == -EPROTONOSUPPORT) {
		verdict = challenge(s, ev, proxy, false);
		goto out;
	}
	if (rc < 0) {
		log_failure(ev, "", "malformed credentials");
		verdict = answer(s, ev, 400, "Malformed Credentials", NULL);
		goto out;
	}
	/* RFC 7616 §3.4.6 / RFC 3261 §22.4: the digest-uri must be the
	 * Request-URI, or the response could be replayed to another target. */
	if (strlen(c->uri) != m->ruri.len || memcmp(c->uri, m->ruri.p, m->ruri.len) != 0) {
		verdict = failure(s, ev, proxy, c->username, "digest uri is not the Request-URI");
		goto out;
	}
	bool offered = false;
	for (size_t i = 0; i < s->conf.nalgs; i++)
		offered |= s->conf.algs[i] == c->alg;
	if (!offered) {
		verdict = challenge(s, ev, proxy, false);
		goto out;
	}
	time_t issued = 0;
	int nrc = sip_digest_nonce_check(s->secret, s->conf.users->realm, c->nonce, now,
	                             s->conf.nonce_lifetime, &issued);
	const struct auth_user *u = auth_users_find(s->conf.users, c->username);
	const char *ha1 = u && u->has_ha1[c->alg] ? u->ha1[c->alg] : s->dummy_ha1[c->alg];
	char method[32];
	sip_str_copy(method, sizeof method, m->method_str);
	int vrc = sip_digest_verify(c, ha1, method);
	if (!u || !u->has_ha1[c->alg] || vrc != 0) {
		verdict = failure(s, ev, proxy, c->username, u ? "wrong password" : "unknown user");
		goto out;
	}
	if (nrc < 0) {
		/* RFC 7616 §3.3 stale: the password was right, the nonce is not
		 * (expired, or signed with an old secret): retry without asking. */
		verdict = challenge(s, ev, proxy, true);
		goto out;
	}
	int ncrc = sip_digest_nc_check(s->nc, c->nonce, issued, c->has_qop ? c->nc : 1);
	if (ncrc < 0) {
		char src[64], un[64];
		tlog_notice("auth: %s nonce-count %08x from %s for '%s' (Call-ID %.*s)",
		            ncrc == -EALREADY ? "replayed" : "unverifiable", c->nc,
		            sip_addr_str(sa, src, sizeof src), printable(c->username, un, sizeof un),
		            (int)m->call_id.len, m->call_id.p);
		verdict = challenge(s, ev, proxy, true);
		goto out;
	}
	auth_ban_success(s->conf.ban, sa);
	s->ok++;
	if (auth_user)
		*auth_user = u->name;
	verdict = TANDEM_CONTINUE;
out:
	free(c);
	return verdict;
}

static const char *auth_user_context(struct tandem *t, const char *user)
{
	struct auth_state *s = tandem_module_data(t, "auth");
	const struct auth_user *u = s ? auth_users_find(s->conf.users, user) : NULL;
	return u ? u->context : NULL;
}

/* RECEIVE hook: a banned source's requests are dropped before any
 * transaction exists, silently (an answer would tell a scanner it is seen,
 * and costs work a flood should not get). */
static enum tandem_verdict auth_receive(struct tandem_event *ev)
{
	struct auth_state *s = tandem_module_data(ev->t, "auth");
	if (!s || !auth_ban_check(s->conf.ban, (const struct sockaddr *)&ev->msg->rx.src, time(NULL)))
		return TANDEM_CONTINUE;
	s->dropped_banned++;
	return TANDEM_DONE;
}

static const struct tandem_hook hooks[] = {
	{ TANDEM_HOOK_RECEIVE, 0, auth_receive },
	{ 0, 0, NULL }
};

static const struct auth_api api = {
	.check = auth_check,
	.user_context = auth_user_context,
};

/* ---- dialplan action: auth [("www")] ---- */

static int action_fixup(struct tandem *t, int argc, const char *const *argv, void **priv,
                        char *err, size_t errlen)
{
	static bool www = true, proxy = false;
	(void)t;
	if (argc == 0 || strcmp(argv[0], "proxy") == 0) {
		*priv = &proxy;
		return 0;
	}
	if (strcmp(argv[0], "www") == 0) {
		*priv = &www;
		return 0;
	}
	snprintf(err, errlen, "auth: argument must be \"proxy\" (407, default) or \"www\" (401)");
	return -EINVAL;
}

static enum tandem_verdict action_run(struct tandem_event *ev, void *priv)
{
	/* the proxy role (407) unless fixed up with "www" */
	bool proxy = !*(const bool *)priv;
	/* Authenticated earlier in this dialplan run (then a goto, often to
	 * the user's context, reached another auth): checking the same
	 * credentials again would take their nonce-count for a replay. Only
	 * the core sets ${auth_user}; the config's set() cannot. */
	const char *done = tandem_route_var(ev, "auth_user");
	if (done && done[0])
		return TANDEM_CONTINUE;
	const char *user = NULL;
	int v = auth_check(ev->t, ev, proxy, &user);
	if (v != TANDEM_CONTINUE)
		return (enum tandem_verdict)v;
	/* ${auth_user}, and the dialplan goes on in the user's own context */
	const char *ctx = auth_user_context(ev->t, user);
	int rc = tandem_route_set_auth_user(ev, user, ctx);
	switch (rc) {
	case 0:
		if (ctx)
			tlog_debug("auth: %s authenticated, context %s", user, ctx);
		return TANDEM_CONTINUE;
	case -ENOENT:
		return (enum tandem_verdict)answer(NULL, ev, 404, "No Route", NULL);
	case -ESRCH:
		tlog_error("auth: user %s: no dialplan context '%s'", user, ctx);
		return (enum tandem_verdict)answer(NULL, ev, 500, "Dialplan Error", NULL);
	default:
		tlog_error("auth: user %s: %s", user, strerror(-rc));
		return (enum tandem_verdict)answer(NULL, ev, 500, NULL, NULL);
	}
}

static const struct tandem_action actions[] = {
	{ "auth", 0, 1, action_fixup, action_run, NULL },
	{ NULL, 0, 0, NULL, NULL, NULL }
};

const struct tandem_module tandem_module = {
	.abi = TANDEM_MODULE_ABI,
	.build_sig = TANDEM_BUILD_SIGNATURE,
	.name = "auth",
	.init = auth_init,
	.start = auth_start,
	.reload = auth_reload,
	.stop = auth_stop,
	.actions = actions,
	.hooks = hooks,
	.api = &api,
};
