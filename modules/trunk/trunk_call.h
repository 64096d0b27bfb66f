/* mod_trunk — what the module keeps per call (calls.c): the trunk it came
 * in on, the trunks it is counted on, the logged-in user counted, and per
 * trunk B-leg the digest state of its 401/407 answers. */
#ifndef TRUNK_CALL_H
#define TRUNK_CALL_H

#include <tandem/digest.h>

#include "trunk.h"

#define TRUNK_CALL_LEGS 8

struct trunk_leg {
	unsigned idx;                    /* the B-leg's index (TANDEM_LEG_A never) */
	struct trunk *tr;                /* held */
	char number[80];                 /* what it dials (its Request-URI's user) */
	struct sip_digest_client dc;     /* the nonce answered and its count */
	bool nonce_answered;
	char retry[1200];                /* the credentials line of the RETRY */
};

struct trunk_call {
	struct trunk *in;                /* the trunk it came in on (held), NULL */
	struct trunk *uses[TRUNK_MAX];   /* counted in their active calls (held) */
	size_t nuses;
	char user[64];                   /* counted in this user's trunk calls, "" */
	struct trunk_leg legs[TRUNK_CALL_LEGS];
	size_t nlegs;
};

/* The call's record (created when create and none yet); NULL on ENOMEM
 * or when none. */
struct trunk_call *trunk_call_get(struct trunk_mod *m, struct tandem_call *call, bool create);
/* The call came in on tr: it counts in tr's calls. */
void trunk_call_inbound(struct trunk_call *tc, struct trunk *tr);
/* Is the call counted on tr? */
bool trunk_call_uses(const struct trunk_call *tc, const struct trunk *tr);
/* Count the call on tr (once) and for user (once per call; NULL or "":
 * nobody). 0 or -ENOSPC. */
int trunk_call_take(struct trunk_mod *m, struct trunk_call *tc, struct trunk *tr, const char *user);
/* The call no longer goes out through tr (its leg failed). */
void trunk_call_drop(struct trunk_call *tc, struct trunk *tr);
struct trunk_leg *trunk_call_leg(struct trunk_call *tc, unsigned idx);
void trunk_call_add_leg(struct trunk_call *tc, unsigned idx, struct trunk *tr, const char *number);
/* CALL_END: every count given back, the record freed. */
void trunk_call_free(struct trunk_mod *m, struct tandem_call *call, struct trunk_call *tc);

/* Trunks outlive a reload that removed them while calls refer to them. */
void trunk_hold(struct trunk *tr);
void trunk_release(struct trunk *tr);

/* The user's trunk calls now (per-user limit). */
unsigned trunk_user_calls(const struct trunk_mod *m, const char *user);

#endif
