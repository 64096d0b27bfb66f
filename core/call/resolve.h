/* tandem — dial target resolution (include/tandem/call.h "dial target
 * resolvers"): the registry of the resolvers modules register, the core's
 * own sip:/sips: targets, and one resolution's life, synchronous or not.
 * The dial engine (dial.c) and MESSAGE forking (message.c) use it. */
#ifndef TANDEM_RESOLVE_H
#define TANDEM_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>

#include <tandem/call.h>

struct tandem;

typedef void (*resolve_done_fn)(struct tandem_resolve *r, int status, void *arg);

struct tandem_resolve {
	struct tandem *t;
	const struct tandem_resolver *res;   /* NULL: a sip:/sips: URI, the core's */
	char *target;                        /* as dialled, for logs and labels */
	char *call_id;                       /* the caller's, for logs ("-": a MESSAGE) */
	char domain[256];                    /* tandem_resolve_domain */
	struct tandem_contact *c;            /* what the resolver added */
	size_t n, cap;
	bool in_resolve;                     /* inside res->resolve */
	bool finished;                       /* done (or returned) */
	int status;                          /* done's status while in_resolve */
	resolve_done_fn done;                /* the core's continuation, async only */
	void *arg;
	struct tandem_resolve *next;         /* the dial's pending list */
};

/* The resolver registered for scheme, or NULL. */
const struct tandem_resolver *resolver_find(const struct tandem *t, const char *scheme);
/* Is a target of this scheme served: sip/sips (the core) or a resolver. */
bool resolver_serves(const struct tandem *t, const char *scheme);

/* Resolve target (as written in dial(): "1002", "sip:...", "test:bob")
 * for call (NULL: a MESSAGE), domain being the host the caller addressed.
 *   0            *out is finished, its contacts in (*out)->c[0..n): use
 *                them, then resolve_free;
 *   300..699     nothing to ring (*out NULL), a log line says why;
 *   -EINPROGRESS *out is pending: done(*out, status, arg) comes later
 *                (status 0 with contacts, else a failure), and must
 *                resolve_free it; or resolve_abandon it first.
 * A target of a scheme nobody serves is 503: the target is valid, this
 * server just has no module to reach it (RFC 3261 §21.5.4: an upstream
 * server may try another), and it ranks below every callee's own answer
 * in the failure a dial keeps (dial_rules.h). */
int resolve_start(struct tandem *t, struct tandem_call *call, const char *target,
                  const char *domain, resolve_done_fn done, void *arg,
                  struct tandem_resolve **out);
void resolve_free(struct tandem_resolve *r);
/* A pending resolution nobody waits for any more: the resolver's abandon,
 * then free. */
void resolve_abandon(struct tandem_resolve *r);

#endif
