/* mod_auth — "ban list | ban add ADDR [SECONDS] | ban remove ADDR" on the
 * control socket (docs/CONTROL.md, "Module commands"): the table of
 * ban.c, read and changed by hand. A ban added here drops the address's
 * requests at the RECEIVE hook like one that failures started. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tandem/control.h>
#include <tandem/tandem.h>

#include "ban.h"
#include "control.h"

#define MOD "auth"
#define MAX_SECONDS (86400u * 365)   /* ban.time's own bound */

/* The module's state, fixed for its life (a reload replaces what the
 * pointers point at, not the pointers). One mod_auth per tandemd. */
static struct {
	struct auth_ban *const *ban;
	const unsigned *ban_time;
} ref;

/* ADDR: an IPv4 or IPv6 literal, no port (the ban is on the host). */
static int parse_addr(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	memset(ss, 0, sizeof *ss);
	if (s && inet_pton(AF_INET, s, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		return 0;
	}
	if (s && inet_pton(AF_INET6, s, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static void addr_text(const struct sockaddr_storage *ss, char *out, size_t n)
{
	const void *a = ss->ss_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr
	                                          : (const void *)&((const struct sockaddr_in *)ss)->sin_addr;
	if (!inet_ntop(ss->ss_family, a, out, (socklen_t)n))
		snprintf(out, n, "?");
}

static int list_one(void *arg, const struct auth_ban_entry *e)
{
	json_t *arr = arg;
	char host[INET6_ADDRSTRLEN];
	addr_text(&e->addr, host, sizeof host);
	json_t *o = json_object();
	if (!o)
		return -ENOMEM;
	json_object_set_new(o, "address", json_string(host));
	json_object_set_new(o, "state", json_string(e->banned ? "banned" : "counting"));
	json_object_set_new(o, "remaining", json_integer((json_int_t)e->remaining));
	json_object_set_new(o, "failures", json_integer(e->failures));
	json_object_set_new(o, "by", e->banned ? json_string(e->by_hand ? "control" : "failures")
	                                       : json_null());
	return json_array_append_new(arr, o) < 0 ? -ENOMEM : 0;
}

static int ban_list(json_t **result, char *err, size_t errlen)
{
	json_t *arr = json_array();
	if (!arr || auth_ban_foreach(*ref.ban, time(NULL), list_one, arr) < 0) {
		json_decref(arr);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*result = arr;
	return 0;
}

static json_t *addr_result(const char *host, bool banned, unsigned seconds)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "address", json_string(host));
	json_object_set_new(o, "banned", json_boolean(banned));
	if (banned)
		json_object_set_new(o, "remaining", json_integer(seconds));
	return o;
}

static int ban_add(const json_t *args, json_t **result, char *err, size_t errlen)
{
	const char *a = tandem_control_arg(args, 1), *secs = tandem_control_arg(args, 2);
	struct sockaddr_storage ss;
	unsigned seconds = *ref.ban_time;
	if (tandem_control_nargs(args) > 3 || parse_addr(a, &ss) < 0) {
		snprintf(err, errlen, "usage: ban add ADDR [SECONDS] (ADDR an IPv4 or IPv6 address)");
		return -EINVAL;
	}
	if (secs) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(secs, &end, 10);
		if (errno || end == secs || *end || secs[0] == '-' || v < 1 || v > MAX_SECONDS) {
			snprintf(err, errlen, "usage: ban add ADDR [SECONDS]: SECONDS from 1 to %u", MAX_SECONDS);
			return -EINVAL;
		}
		seconds = (unsigned)v;
	}
	char host[INET6_ADDRSTRLEN];
	addr_text(&ss, host, sizeof host);
	int rc = auth_ban_add(*ref.ban, (const struct sockaddr *)&ss, seconds, time(NULL));
	if (rc == -EPERM) {
		snprintf(err, errlen, "%s is in ban.whitelist: never banned", host);
		return -EPERM;
	}
	if (rc == -EBUSY) {
		snprintf(err, errlen, "cannot ban %s now: its place in the ban table holds another ban", host);
		return -EBUSY;
	}
	if (rc < 0) {
		snprintf(err, errlen, "cannot ban %s: %s", host, strerror(-rc));
		return rc;
	}
	tlog_warn("auth: banning %s for %u s (control socket); its requests are dropped until then",
	          host, seconds);
	if (!(*result = addr_result(host, true, seconds))) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int ban_remove(const json_t *args, json_t **result, char *err, size_t errlen)
{
	const char *a = tandem_control_arg(args, 1);
	struct sockaddr_storage ss;
	if (tandem_control_nargs(args) != 2 || parse_addr(a, &ss) < 0) {
		snprintf(err, errlen, "usage: ban remove ADDR (ADDR an IPv4 or IPv6 address)");
		return -EINVAL;
	}
	char host[INET6_ADDRSTRLEN];
	addr_text(&ss, host, sizeof host);
	if (auth_ban_remove(*ref.ban, (const struct sockaddr *)&ss, time(NULL)) < 0) {
		snprintf(err, errlen, "%s is not banned", host);
		return -ENOENT;
	}
	tlog_notice("auth: ban of %s lifted (control socket), its failures forgotten", host);
	if (!(*result = addr_result(host, false, 0))) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int ban_run(struct tandem *t, const json_t *args, json_t **result, char *err, size_t errlen,
                   void *arg)
{
	(void)t; (void)arg;
	const char *sub = tandem_control_arg(args, 0);
	size_t n = tandem_control_nargs(args);
	if (n == 0 || (sub && strcmp(sub, "list") == 0 && n == 1))
		return ban_list(result, err, errlen);
	if (sub && strcmp(sub, "add") == 0)
		return ban_add(args, result, err, errlen);
	if (sub && strcmp(sub, "remove") == 0)
		return ban_remove(args, result, err, errlen);
	snprintf(err, errlen, "usage: ban list | ban add ADDR [SECONDS] | ban remove ADDR");
	return -EINVAL;
}

static const struct tandem_control_command ban = {
	.name = "ban",
	.usage = "list | add ADDR [SECONDS] | remove ADDR",
	.help = "addresses banned after failed logins; ban one by hand, or lift a ban",
	.run = ban_run,
};

int auth_control_add(struct tandem *t, struct auth_ban *const *banp, const unsigned *ban_time)
{
	ref.ban = banp;
	ref.ban_time = ban_time;
	return tandem_control_command_add(t, MOD, &ban);
}

void auth_control_remove(struct tandem *t)
{
	tandem_control_command_remove_all(t, MOD);
	ref.ban = NULL;
	ref.ban_time = NULL;
}
