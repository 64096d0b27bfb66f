/* mod_auth — failure counting and bans per source address. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ban.h"

#define MAX_WHITELIST 64

struct net {
	uint8_t addr[16];       /* IPv4 as ::ffff:a.b.c.d */
	unsigned prefix;        /* over the 128 bits */
};

struct slot {
	uint8_t addr[16];
	bool used;
	unsigned fails;
	time_t window_start;
	time_t banned_until;
	unsigned ban_fails;     /* the failures that started the ban */
	bool by_hand;           /* the ban came from auth_ban_add */
};

struct auth_ban {
	struct auth_ban_cfg cfg;
	struct slot *slots;     /* direct-mapped: a collision replaces an idle slot */
	unsigned cap;
	struct net white[MAX_WHITELIST];
	unsigned nwhite;
	unsigned long bans;     /* started, ever (kept across reloads) */
};

static bool to_key(const struct sockaddr *sa, uint8_t key[16])
{
	memset(key, 0, 16);
	if (!sa)
		return false;
	if (sa->sa_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return true;
	}
	return false;
}

struct auth_ban *auth_ban_new(const struct auth_ban_cfg *cfg, unsigned capacity)
{
	struct auth_ban *b = calloc(1, sizeof *b);
	if (!b || capacity == 0 || !(b->slots = calloc(capacity, sizeof *b->slots))) {
		free(b);
		return NULL;
	}
	b->cfg = *cfg;
	b->cap = capacity;
	return b;
}

void auth_ban_free(struct auth_ban *b)
{
	if (!b)
		return;
	free(b->slots);
	free(b);
}

int auth_ban_whitelist_add(struct auth_ban *b, const char *cidr)
{
	char host[64];
	struct net n = { .prefix = 128 };
	const char *slash = strchr(cidr, '/');
	size_t hl = slash ? (size_t)(slash - cidr) : strlen(cidr);
	if (hl == 0 || hl >= sizeof host)
		return -EINVAL;
	memcpy(host, cidr, hl);
	host[hl] = '\0';
	bool v4 = false;
	struct in_addr a4;
	if (inet_pton(AF_INET, host, &a4) == 1) {
		v4 = true;
		n.addr[10] = n.addr[11] = 0xff;
		memcpy(n.addr + 12, &a4, 4);
	} else if (inet_pton(AF_INET6, host, n.addr) != 1) {
		return -EINVAL;
	}
	if (slash) {
		char *end;
		unsigned long p = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || p > (v4 ? 32u : 128u))
			return -EINVAL;
		n.prefix = (unsigned)p + (v4 ? 96 : 0);
	}
	if (b->nwhite >= MAX_WHITELIST)
		return -ENOSPC;
	b->white[b->nwhite++] = n;
	return 0;
}

static bool in_net(const struct net *n, const uint8_t key[16])
{
	unsigned full = n->prefix / 8, rest = n->prefix % 8;
	if (memcmp(n->addr, key, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (n->addr[full] & mask) == (key[full] & mask);
}

bool auth_ban_whitelisted(const struct auth_ban *b, const struct sockaddr *sa)
{
	uint8_t key[16];
	if (!b || !to_key(sa, key))
		return false;
	for (unsigned i = 0; i < b->nwhite; i++)
		if (in_net(&b->white[i], key))
			return true;
	return false;
}

static unsigned slot_of(const struct auth_ban *b, const uint8_t key[16])
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % b->cap;
}

bool auth_ban_check(struct auth_ban *b, const struct sockaddr *sa, time_t now)
{
	uint8_t key[16];
	/* with failures = 0 only a ban by hand can be there */
	if (!b || !to_key(sa, key))
		return false;
	struct slot *s = &b->slots[slot_of(b, key)];
	/* the whitelist only on a hit: a reload may have added the network */
	return s->used && s->banned_until > now && memcmp(s->addr, key, 16) == 0 &&
	       !auth_ban_whitelisted(b, sa);
}

bool auth_ban_fail(struct auth_ban *b, const struct sockaddr *sa, time_t now)
{
	uint8_t key[16];
	if (!b || b->cfg.failures == 0 || !to_key(sa, key) || auth_ban_whitelisted(b, sa))
		return false;
	struct slot *s = &b->slots[slot_of(b, key)];
	if (!s->used || memcmp(s->addr, key, 16) != 0) {
		/* A colliding address under an active ban keeps its slot. */
		if (s->used && s->banned_until > now)
			return false;
		*s = (struct slot){ .used = true, .window_start = now };
		memcpy(s->addr, key, 16);
	}
	if (s->banned_until > now)
		return false;
	if (now - s->window_start >= (time_t)b->cfg.window) {
		s->window_start = now;
		s->fails = 0;
	}
	if (++s->fails < b->cfg.failures)
		return false;
	s->banned_until = now + (time_t)b->cfg.ban_time;
	s->ban_fails = s->fails;
	s->by_hand = false;
	s->fails = 0;
	b->bans++;
	return true;
}

int auth_ban_add(struct auth_ban *b, const struct sockaddr *sa, unsigned seconds, time_t now)
{
	uint8_t key[16];
	if (!b || seconds == 0 || !to_key(sa, key))
		return -EINVAL;
	if (auth_ban_whitelisted(b, sa))
		return -EPERM;
	struct slot *s = &b->slots[slot_of(b, key)];
	bool mine = s->used && memcmp(s->addr, key, 16) == 0;
	if (s->used && !mine && s->banned_until > now)
		return -EBUSY;
	if (!mine) {
		*s = (struct slot){ .used = true, .window_start = now };
		memcpy(s->addr, key, 16);
	}
	s->banned_until = now + (time_t)seconds;
	s->ban_fails = s->fails;
	s->by_hand = true;
	s->fails = 0;
	return 0;
}

int auth_ban_remove(struct auth_ban *b, const struct sockaddr *sa, time_t now)
{
	uint8_t key[16];
	if (!b || !to_key(sa, key))
		return -ENOENT;
	struct slot *s = &b->slots[slot_of(b, key)];
	if (!s->used || memcmp(s->addr, key, 16) != 0 || s->banned_until <= now)
		return -ENOENT;
	*s = (struct slot){ 0 };
	return 0;
}

static void key_addr(const uint8_t key[16], struct sockaddr_storage *ss)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	memset(ss, 0, sizeof *ss);
	if (memcmp(key, v4mapped, sizeof v4mapped) == 0) {
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
		a4->sin_family = AF_INET;
		memcpy(&a4->sin_addr, key + 12, 4);
	} else {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
		a6->sin6_family = AF_INET6;
		memcpy(&a6->sin6_addr, key, 16);
	}
}

int auth_ban_foreach(const struct auth_ban *b, time_t now,
                     int (*fn)(void *arg, const struct auth_ban_entry *e), void *arg)
{
	for (unsigned i = 0; b && i < b->cap; i++) {
		const struct slot *s = &b->slots[i];
		if (!s->used)
			continue;
		struct auth_ban_entry e;
		key_addr(s->addr, &e.addr);
		/* as auth_ban_check: a reload may have whitelisted it since */
		bool banned = s->banned_until > now &&
		              !auth_ban_whitelisted(b, (const struct sockaddr *)&e.addr);
		bool counting = !banned && s->fails > 0 && now - s->window_start < (time_t)b->cfg.window;
		if (!banned && !counting)
			continue;
		e.banned = banned;
		e.by_hand = banned && s->by_hand;
		e.remaining = banned ? s->banned_until - now : 0;
		e.failures = banned ? s->ban_fails : s->fails;
		int rc = fn(arg, &e);
		if (rc)
			return rc;
	}
	return 0;
}

void auth_ban_success(struct auth_ban *b, const struct sockaddr *sa)
{
	uint8_t key[16];
	if (!b || !to_key(sa, key))
		return;
	struct slot *s = &b->slots[slot_of(b, key)];
	if (s->used && memcmp(s->addr, key, 16) == 0)
		s->fails = 0;
}

void auth_ban_adopt(struct auth_ban *b, const struct auth_ban *old)
{
	if (!b || !old || b->cap != old->cap)
		return;
	memcpy(b->slots, old->slots, (size_t)b->cap * sizeof *b->slots);
	b->bans = old->bans;
}

void auth_ban_census(const struct auth_ban *b, time_t now, unsigned *banned, unsigned long *bans)
{
	*banned = 0;
	*bans = b ? b->bans : 0;
	for (unsigned i = 0; b && i < b->cap; i++)
		*banned += b->slots[i].used && b->slots[i].banned_until > now;
}
