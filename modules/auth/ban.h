/* mod_auth — brute-force protection: N failed authentications from one
 * source address within a window ban it for a while; whitelisted networks
 * are never banned. Bounded memory; pure (the caller passes the time). */
#ifndef MOD_AUTH_BAN_H
#define MOD_AUTH_BAN_H

#include <stdbool.h>
#include <sys/socket.h>
#include <time.h>

struct auth_ban_cfg {
	unsigned failures;      /* 0: failures never ban (the control socket still can) */
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

/* ---- by hand (the control socket's "ban") ---- */
/* Ban sa for seconds from now, whatever its failures; a ban running is
 * replaced. 0; -EPERM whitelisted; -EBUSY its slot holds another
 * address's ban (the table is direct-mapped); -EINVAL. */
int auth_ban_add(struct auth_ban *b, const struct sockaddr *sa, unsigned seconds, time_t now);
/* Lift sa's ban and forget its failures. 0; -ENOENT it is not banned. */
int auth_ban_remove(struct auth_ban *b, const struct sockaddr *sa, time_t now);

/* One address the table knows: banned, or counting failures. */
struct auth_ban_entry {
	struct sockaddr_storage addr;   /* port 0; IPv4 as AF_INET */
	bool banned;
	bool by_hand;                   /* banned by auth_ban_add */
	time_t remaining;               /* s of the ban left, 0 when not banned */
	unsigned failures;              /* in the window now; banned: those that banned it */
};
/* fn for every banned address and every one with failures in the window
 * at now, in table order, until it returns non-zero (then that value); 0. */
int auth_ban_foreach(const struct auth_ban *b, time_t now,
                     int (*fn)(void *arg, const struct auth_ban_entry *e), void *arg);

#endif
