/* mod_trunk — the trunk: group.
 *
 *   trunk: {
 *     max_calls_per_user = 2;           # outbound trunk calls per logged-in user, 0: no limit
 *     trunks = (
 *       { name = "a";                   # dial(trunk:a/NUMBER)
 *         host = "sip.provider-a.example";  # name (NAPTR/SRV/A), address, or host:port
 *         transport = "udp";            # udp, tcp, tls; absent: as DNS says (RFC 3263)
 *         tls_verify = true;            # TLS: check the provider's certificate (RFC 5922)
 *         tls_ca = "provider-ca.pem";   # TLS: trust only this CA for it (default: the system CAs)
 *         username = "office"; password = "secret";
 *         auth_user = "office";         # digest user if not username
 *         realm = "";                   # answer only this realm's challenges
 *         from_user = "office"; from_domain = "sip.provider-a.example";
 *         outbound_proxy = "sip:proxy.provider-a.example";
 *         register = true; expires = 600; contact_user = "office";
 *         retry_min = 5; retry_max = 300;   # s, registration backoff bounds
 *         qualify = 30;                 # s between OPTIONS, 0: never
 *         media = "relay";              # relay, direct
 *         codecs = [ "PCMA", "PCMU" ];  # offered to the provider; absent: all
 *         caller_id = "+493012345"; caller_name = "Office";  # absent: the caller's
 *         pai = true; privacy = false;  # P-Asserted-Identity, Privacy: id
 *         context = "from-a";           # inbound calls land here; absent: none taken
 *         networks = [ "192.0.2.0/24" ];# inbound sources besides its located addresses
 *         did = "ruri";                 # the number dialled: "ruri" or "to"
 *         max_calls = 10; }             # concurrent calls, 0: no limit
 *     );
 *   };
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <tandem/sip_uri.h>

#include "trunk.h"

#define CFG_ERR(where, ...) tandem_config_error(TMOD, where, __VA_ARGS__)

void trunk_conf_clear(struct trunk_conf *c)
{
	char **strs[] = { &c->host, &c->tls_ca, &c->username, &c->password, &c->auth_user, &c->realm,
	                  &c->from_user, &c->from_domain, &c->outbound_proxy, &c->contact_user,
	                  &c->cid_number, &c->cid_name, &c->context };
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		free(*strs[i]);
		*strs[i] = NULL;
	}
	for (size_t i = 0; i < c->ncodecs; i++)
		free(c->codecs[i]);
	c->ncodecs = 0;
}

void trunk_confs_free(struct trunk_conf *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++)
		trunk_conf_clear(&c[i]);
	free(c);
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

bool trunk_conf_same_account(const struct trunk_conf *a, const struct trunk_conf *b)
{
	return str_eq(a->host, b->host) && a->port == b->port && a->proto_given == b->proto_given &&
	       a->proto == b->proto && str_eq(a->username, b->username) &&
	       str_eq(a->password, b->password) && str_eq(a->auth_user, b->auth_user) &&
	       str_eq(a->realm, b->realm) && str_eq(a->outbound_proxy, b->outbound_proxy) &&
	       str_eq(a->contact_user, b->contact_user) && a->reg == b->reg &&
	       a->expires == b->expires;
}

/* An optional string member into *out (strdup'd); -EINVAL when not a string. */
static int opt_str(const config_setting_t *g, const char *name, char **out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	*out = NULL;
	if (!s)
		return 0;
	const char *v = config_setting_get_string(s);
	if (!v) {
		CFG_ERR(s, "trunk: '%s' must be a string", name);
		return -EINVAL;
	}
	if (!(*out = strdup(v)))
		return -ENOMEM;
	return 0;
}

static int opt_bool(const config_setting_t *g, const char *name, bool def, bool *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	*out = def;
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		CFG_ERR(s, "trunk: '%s' must be true or false", name);
		return -EINVAL;
	}
	*out = config_setting_get_bool(s);
	return 0;
}

/* host, or host:port, or [v6]:port; a SIP URI is taken too (its host,
 * port and transport). */
static int read_host(const config_setting_t *g, struct trunk_conf *c)
{
	const config_setting_t *s = config_setting_get_member(g, "host");
	const char *v = s ? config_setting_get_string(s) : NULL;
	if (!v || !*v) {
		CFG_ERR(s ? s : g, "trunk %s: 'host' (the provider's name or address) is missing",
		        c->name);
		return -EINVAL;
	}
	char uri[300];
	if (strncasecmp(v, "sip:", 4) == 0 || strncasecmp(v, "sips:", 5) == 0)
		snprintf(uri, sizeof uri, "%s", v);
	else
		snprintf(uri, sizeof uri, "sip:%s", v);
	struct sip_uri u;
	if (strlen(v) > 255 || sip_uri_parse(sip_str_c(uri), &u) < 0 || u.host.len == 0 ||
	    u.user.len) {
		CFG_ERR(s, "trunk %s: host \"%s\" is not a host name, an address or host:port",
		        c->name, v);
		return -EINVAL;
	}
	if (!(c->host = sip_str_dup(u.host)))
		return -ENOMEM;
	c->port = u.port;
	struct sip_str tp = SIP_STR_NULL;
	if (sip_param_get(u.params, "transport", &tp) == 1) {
		c->proto_given = true;
		if (sip_str_caseeq_c(tp, "udp"))
			c->proto = SIP_PROTO_UDP;
		else if (sip_str_caseeq_c(tp, "tcp"))
			c->proto = SIP_PROTO_TCP;
		else if (sip_str_caseeq_c(tp, "tls"))
			c->proto = SIP_PROTO_TLS;
		else {
			CFG_ERR(s, "trunk %s: transport must be udp, tcp or tls", c->name);
			return -EINVAL;
		}
	}
	if (u.scheme == SIP_URI_SIPS) {
		c->proto_given = true;
		c->proto = SIP_PROTO_TLS;
	}
	return 0;
}

static int read_transport(const config_setting_t *g, struct trunk_conf *c)
{
	const config_setting_t *s = config_setting_get_member(g, "transport");
	if (!s)
		return 0;
	const char *v = config_setting_get_string(s);
	static const char *const names[] = { "udp", "tcp", "tls" };
	for (int i = 0; v && i < 3; i++)
		if (strcasecmp(v, names[i]) == 0) {
			c->proto_given = true;
			c->proto = (enum sip_proto)i;
			return 0;
		}
	CFG_ERR(s, "trunk %s: transport must be \"udp\", \"tcp\" or \"tls\"", c->name);
	return -EINVAL;
}

static int read_list(const config_setting_t *g, const char *name, const char *what,
                     int (*each)(struct trunk_conf *c, const config_setting_t *e), struct trunk_conf *c)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	if (!s)
		return 0;
	if (!config_setting_is_aggregate(s)) {
		CFG_ERR(s, "trunk %s: '%s' must be a list of %s", c->name, name, what);
		return -EINVAL;
	}
	for (int i = 0; i < config_setting_length(s); i++) {
		int rc = each(c, config_setting_get_elem(s, (unsigned)i));
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int add_codec(struct trunk_conf *c, const config_setting_t *e)
{
	const char *v = config_setting_get_string(e);
	if (!v || !*v || strlen(v) > 31) {
		CFG_ERR(e, "trunk %s: a codec is an encoding name such as \"PCMA\"", c->name);
		return -EINVAL;
	}
	if (c->ncodecs >= TRUNK_MAX_CODECS) {
		CFG_ERR(e, "trunk %s: at most %d codecs", c->name, TRUNK_MAX_CODECS);
		return -EINVAL;
	}
	if (!(c->codecs[c->ncodecs] = strdup(v)))
		return -ENOMEM;
	c->ncodecs++;
	return 0;
}

static int add_net(struct trunk_conf *c, const config_setting_t *e)
{
	const char *v = config_setting_get_string(e);
	if (c->nnets >= TRUNK_MAX_NETS) {
		CFG_ERR(e, "trunk %s: at most %d networks", c->name, TRUNK_MAX_NETS);
		return -EINVAL;
	}
	if (!v || sip_net_parse(v, &c->nets[c->nnets]) < 0) {
		CFG_ERR(e, "trunk %s: \"%s\" is not an address or network (192.0.2.0/24)", c->name,
		        v ? v : "?");
		return -EINVAL;
	}
	c->nnets++;
	return 0;
}

static int read_choice(const config_setting_t *g, const char *name, const char *a,
                       const char *b, int def, struct trunk_conf *c)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	if (!s)
		return def;
	const char *v = config_setting_get_string(s);
	if (v && strcmp(v, a) == 0)
		return 0;
	if (v && strcmp(v, b) == 0)
		return 1;
	CFG_ERR(s, "trunk %s: %s must be \"%s\" or \"%s\"", c->name, name, a, b);
	return -EINVAL;
}

static int read_trunk(const config_setting_t *g, struct trunk_conf *c)
{
	const char *name = NULL;
	int rc;
	if (config_setting_type(g) != CONFIG_TYPE_GROUP ||
	    config_setting_lookup_string(g, "name", &name) != CONFIG_TRUE || !*name) {
		CFG_ERR(g, "trunk: every trunk is a group with a name");
		return -EINVAL;
	}
	if (strlen(name) >= sizeof c->name || strpbrk(name, "/:;@ \t")) {
		CFG_ERR(g, "trunk: name \"%s\": at most %zu characters, none of / : ; @ or blanks",
		        name, sizeof c->name - 1);
		return -EINVAL;
	}
	snprintf(c->name, sizeof c->name, "%s", name);
	if ((rc = read_host(g, c)) < 0 || (rc = read_transport(g, c)) < 0 ||
	    (rc = opt_str(g, "tls_ca", &c->tls_ca)) < 0 ||
	    (rc = opt_str(g, "username", &c->username)) < 0 ||
	    (rc = opt_str(g, "password", &c->password)) < 0 ||
	    (rc = opt_str(g, "auth_user", &c->auth_user)) < 0 ||
	    (rc = opt_str(g, "realm", &c->realm)) < 0 ||
	    (rc = opt_str(g, "from_user", &c->from_user)) < 0 ||
	    (rc = opt_str(g, "from_domain", &c->from_domain)) < 0 ||
	    (rc = opt_str(g, "outbound_proxy", &c->outbound_proxy)) < 0 ||
	    (rc = opt_str(g, "contact_user", &c->contact_user)) < 0 ||
	    (rc = opt_str(g, "caller_id", &c->cid_number)) < 0 ||
	    (rc = opt_str(g, "caller_name", &c->cid_name)) < 0 ||
	    (rc = opt_str(g, "context", &c->context)) < 0 ||
	    (rc = opt_bool(g, "tls_verify", true, &c->tls_verify)) < 0 ||
	    (rc = opt_bool(g, "register", false, &c->reg)) < 0 ||
	    (rc = opt_bool(g, "pai", false, &c->pai)) < 0 ||
	    (rc = opt_bool(g, "privacy", false, &c->privacy)) < 0 ||
	    (rc = tandem_config_uint(TMOD, g, "expires", 600, 60, 86400, &c->expires)) < 0 ||
	    (rc = tandem_config_uint(TMOD, g, "retry_min", 5, 1, 3600, &c->retry_min)) < 0 ||
	    (rc = tandem_config_uint(TMOD, g, "retry_max", 300, 1, 86400, &c->retry_max)) < 0 ||
	    (rc = tandem_config_uint(TMOD, g, "qualify", 0, 0, 3600, &c->qualify)) < 0 ||
	    (rc = tandem_config_uint(TMOD, g, "max_calls", 0, 0, 100000, &c->max_calls)) < 0 ||
	    (rc = read_list(g, "codecs", "encoding names", add_codec, c)) < 0 ||
	    (rc = read_list(g, "networks", "networks", add_net, c)) < 0)
		return rc;
	int media = read_choice(g, "media", "relay", "direct", 0, c);
	int did = read_choice(g, "did", "ruri", "to", 0, c);
	if (media < 0 || did < 0)
		return -EINVAL;
	c->relay_media = media == 0;
	c->did_from = did ? TRUNK_DID_TO : TRUNK_DID_RURI;
	if (c->retry_max < c->retry_min) {
		CFG_ERR(g, "trunk %s: retry_max must not be below retry_min", c->name);
		return -EINVAL;
	}
	if (c->reg && (!c->username || !*c->username)) {
		CFG_ERR(g, "trunk %s: register = true needs a username", c->name);
		return -EINVAL;
	}
	if (c->password && !c->username) {
		CFG_ERR(g, "trunk %s: a password needs a username", c->name);
		return -EINVAL;
	}
	if (c->tls_ca) {
		const config_setting_t *s = config_setting_get_member(g, "tls_ca");
		char *path = tandem_setting_path(s, c->tls_ca, NULL);
		if (!path)
			return -ENOMEM;
		free(c->tls_ca);
		c->tls_ca = path;
		if (access(path, R_OK) < 0) {
			CFG_ERR(s, "trunk %s: tls_ca %s: %s", c->name, path, strerror(errno));
			return -EINVAL;
		}
	}
	if (c->outbound_proxy) {
		struct sip_uri u;
		if (sip_uri_parse(sip_str_c(c->outbound_proxy), &u) < 0 || !u.host.len) {
			CFG_ERR(config_setting_get_member(g, "outbound_proxy"),
			        "trunk %s: outbound_proxy must be a SIP URI (sip:proxy.example.com)", c->name);
			return -EINVAL;
		}
	}
	/* the defaults named in the comment above */
	if (c->username && !c->auth_user && !(c->auth_user = strdup(c->username)))
		return -ENOMEM;
	if (c->username && !c->from_user && !(c->from_user = strdup(c->username)))
		return -ENOMEM;
	if (c->username && !c->contact_user && !(c->contact_user = strdup(c->username)))
		return -ENOMEM;
	if (!c->from_domain && !(c->from_domain = strdup(c->host)))
		return -ENOMEM;
	return 0;
}

int trunk_conf_read(const config_setting_t *cfg, struct trunk_conf **out, size_t *n,
                    unsigned *max_calls_per_user)
{
	*out = NULL;
	*n = 0;
	if (tandem_config_uint(TMOD, cfg, "max_calls_per_user", 0, 0, 100000, max_calls_per_user) < 0)
		return -EINVAL;
	const config_setting_t *list = cfg ? config_setting_get_member(cfg, "trunks") : NULL;
	if (!list)
		return 0;
	if (!config_setting_is_list(list)) {
		CFG_ERR(list, "trunk: trunks must be a list: trunks = ( { name = ...; }, ... )");
		return -EINVAL;
	}
	unsigned count = (unsigned)config_setting_length(list);
	if (count > TRUNK_MAX) {
		CFG_ERR(list, "trunk: at most %d trunks", TRUNK_MAX);
		return -EINVAL;
	}
	struct trunk_conf *c = calloc(count ? count : 1, sizeof *c);
	if (!c)
		return -ENOMEM;
	for (unsigned i = 0; i < count; i++) {
		const config_setting_t *g = config_setting_get_elem(list, i);
		int rc = read_trunk(g, &c[i]);
		for (unsigned j = 0; rc == 0 && j < i; j++)
			if (strcmp(c[j].name, c[i].name) == 0) {
				CFG_ERR(g, "trunk: a second trunk named \"%s\"", c[i].name);
				rc = -EINVAL;
			}
		if (rc < 0) {
			trunk_confs_free(c, i + 1);
			return rc;
		}
	}
	*out = c;
	*n = count;
	return 0;
}
