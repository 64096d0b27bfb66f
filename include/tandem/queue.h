/* tandem — mod_queue's API: the state of the call queues, for the control
 * tool (tandemctl queues) and other modules. Fetch it with
 * queue_load_api(); call it from the signalling thread. What the
 * callbacks get is valid during the call only. */
#ifndef TANDEM_QUEUE_H
#define TANDEM_QUEUE_H

#include <stddef.h>

#include <tandem/tandem.h>

#include <tandem/export.h>
TANDEM_API_BEGIN

struct queue_info {
	const char *name;
	const char *strategy;          /* "ringall", "roundrobin"... */
	size_t callers;                /* waiting now */
	size_t agents;                 /* members */
	size_t agents_free;            /* members who could take a caller now */
	unsigned answered, abandoned, timed_out;
	double average_wait;           /* s, of the answered; 0 before any */
};

struct queue_caller_info {
	const char *call_id;
	unsigned position;             /* 1 = next */
	double waited;                 /* s */
	double estimated_wait;         /* s, 0: not known yet */
	int offered;                   /* an offer to agents is ringing */
	const char *caller;            /* its From as received (no tag), "" when unknown */
};

struct queue_agent_info {
	const char *user;
	const char *state;             /* "logged-out", "free", "paused", "unregistered",
	                                * "in-call", "ringing", "wrapup" */
	unsigned penalty;
	unsigned calls_taken;
	double since_last_call;        /* s since its last queue call ended, -1: none yet */
};

struct queue_api {
	/* fn for every queue, in config order, until it returns non-zero (then
	 * that value). 0. */
	int (*queues)(struct tandem *t, int (*fn)(void *arg, const struct queue_info *q), void *arg);
	/* fn for every waiting caller of queue, in line order. 0, -ENOENT. */
	int (*callers)(struct tandem *t, const char *queue,
	               int (*fn)(void *arg, const struct queue_caller_info *c), void *arg);
	/* fn for every member of queue, in member order. 0, -ENOENT. */
	int (*agents)(struct tandem *t, const char *queue,
	              int (*fn)(void *arg, const struct queue_agent_info *a), void *arg);
};

/* mod_queue's API, or NULL (logged) when mod_queue is not loaded. */
static inline const struct queue_api *queue_load_api(struct tandem *t, const char *user)
{
	const struct queue_api *api = (const struct queue_api *)tandem_module_api(t, "queue");
	if (!api)
		tlog_error("mod_%s: no queue state: load module \"queue\" first "
		           "(list it in modules, or in the deps of mod_%s)", user, user);
	return api;
}

TANDEM_API_END
#endif
