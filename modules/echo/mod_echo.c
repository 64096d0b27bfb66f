/* mod_echo: the smallest real module. OPTIONS addressed to one of the
 * configured users (e.g. sip:echo@pbx) is answered 200 with the request's
 * body sent back and an X-Echo-Count header, proving the module path from
 * dlopen to the REQUEST hook to tandem_reply.
 *
 *   echo: { users = ( "echo" ); };
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/sip_uri.h>
#include <tandem/tandem.h>

#define MAX_USERS 16

struct echo_state {
	char *users[MAX_USERS];
	unsigned nusers;
	unsigned long answered;
};

static void free_users(struct echo_state *s)
{
	for (unsigned i = 0; i < s->nusers; i++)
		free(s->users[i]);
	s->nusers = 0;
}

static int read_users(struct echo_state *s, const config_setting_t *cfg)
{
	const config_setting_t *list = cfg ? config_setting_get_member(cfg, "users") : NULL;
	if (!list) {
		s->users[s->nusers++] = strdup("echo");
		return s->users[0] ? 0 : -ENOMEM;
	}
	int n = config_setting_length(list);
	if (!config_setting_is_array(list) && !config_setting_is_list(list)) {
		tlog_error("mod_echo: %s:%d: 'users' must be a list of strings",
		           config_setting_source_file(list), config_setting_source_line(list));
		return -EINVAL;
	}
	for (int i = 0; i < n && s->nusers < MAX_USERS; i++) {
		const char *u = config_setting_get_string_elem(list, i);
		if (!u || !*u) {
			tlog_error("mod_echo: %s:%d: users[%d] must be a non-empty string",
			           config_setting_source_file(list), config_setting_source_line(list), i);
			free_users(s);
			return -EINVAL;
		}
		if (!(s->users[s->nusers++] = strdup(u))) {
			free_users(s);
			return -ENOMEM;
		}
	}
	return 0;
}

static int echo_init(struct tandem *t, const config_setting_t *cfg)
{
	struct echo_state *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	int rc = read_users(s, cfg);
	if (rc < 0) {
		free(s);
		return rc;
	}
	tandem_set_module_data(t, "echo", s);
	return 0;
}

static int echo_reload(struct tandem *t, const config_setting_t *cfg)
{
	struct echo_state *s = tandem_module_data(t, "echo"), next = { 0 };
	int rc = read_users(&next, cfg);
	if (rc < 0)
		return rc;
	free_users(s);
	memcpy(s->users, next.users, sizeof s->users);
	s->nusers = next.nusers;
	return 0;
}

static void echo_stop(struct tandem *t)
{
	struct echo_state *s = tandem_module_data(t, "echo");
	if (!s)
		return;
	tlog_info("mod_echo: answered %lu OPTIONS", s->answered);
	free_users(s);
	free(s);
	tandem_set_module_data(t, "echo", NULL);
}

static enum tandem_verdict echo_request(struct tandem_event *ev)
{
	struct echo_state *s = tandem_module_data(ev->t, "echo");
	struct sip_uri uri;
	if (ev->msg->method != SIP_OPTIONS || sip_uri_parse(ev->msg->ruri, &uri) < 0)
		return TANDEM_CONTINUE;
	for (unsigned i = 0; i < s->nusers; i++) {
		if (!sip_str_eq(uri.user, sip_str_c(s->users[i])))
			continue;
		char hdrs[64], ctype[128];
		snprintf(hdrs, sizeof hdrs, "X-Echo-Count: %lu\r\n", ++s->answered);
		struct sip_resp_extra extra = { .headers = hdrs };
		const struct sip_hdr *ct = sip_msg_hdr(ev->msg, SIP_HDR_CONTENT_TYPE);
		if (ev->msg->body.len) {
			sip_str_copy(ctype, sizeof ctype,
			             ct ? ct->value : sip_str_c("application/octet-stream"));
			extra.content_type = ctype;
			extra.body = ev->msg->body;
		}
		tandem_reply(ev, 200, NULL, &extra);
		return TANDEM_DONE;
	}
	return TANDEM_CONTINUE;
}

static const struct tandem_hook echo_hooks[] = {
	{ TANDEM_HOOK_REQUEST, 50, echo_request },
	{ 0, 0, NULL }
};

const struct tandem_module tandem_module = {
	.abi = TANDEM_MODULE_ABI,
	.build_sig = TANDEM_BUILD_SIGNATURE,
	.name = "echo",
	.init = echo_init,
	.reload = echo_reload,
	.stop = echo_stop,
	.hooks = echo_hooks,
};
