/* mod_auth — brute-force protection: N failed authentications from one
 * source address within a window ban it for a while; whitelisted networks
 * are never banned. Bounded memory; pure (the caller passes the time). */
#ifndef MOD_AUTH_BAN_H
#define MOD_AUTH_BAN_H

#include <stdbool.h>
#include <sys/socket.h>
#include <time.h>

struct auth_ban_cfg {
	unsigned failures;      /* 0 disables banning */
	unsigned window;        /* seconds */
	unsigned ban_time;      /* seconds */
};

struct auth_ban;

struct auth_ban *auth_ban_new(const struct auth_ban_cfg *cfg, unsigned capacity);
void auth_ban_free(struct auth_ban *b);
/* "10.0.0.0/8", "192.0.2.7", "2001:db8::/32". 0 or -EINVAL / -ENOSPC. */
int auth_ban_whitelist_add(struct auth_ban *b, const char *cidr);
bool auth_ban_whitelisted(const struct auth_ban *b, const struct sockaddr *sa);
/* Banned at now? */
bool auth_ban_check(struct auth_ban *b, const struct sockaddr *sa, time_t now);
/* Count a failure; true when it started a ban. */
bool auth_ban_fail(struct auth_ban *b, const struct sockaddr *sa, time_t now);
/* A success forgets the address's failures. */
void auth_ban_success(struct auth_ban *b, const struct sockaddr *sa);
/* Take over the counts and bans of old (same capacity), so that a reload
 * does not lift bans; b keeps its own settings and whitelist. */
void auth_ban_adopt(struct auth_ban *b, const struct auth_ban *old);
/* For the metrics: addresses banned at now, and bans started ever. */
void auth_ban_census(const struct auth_ban *b, time_t now, unsigned *banned, unsigned long *bans);

#endif
