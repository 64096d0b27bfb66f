/* tandem — event packages served by modules (RFC 6665, compatible with RFC
 * 3265 subscribers). A module registers a package (message-summary for
 * voicemail's MWI, dialog for BLF...) and supplies the NOTIFY bodies; the
 * core keeps every subscription dialog:
 *   - SUBSCRIBE out of a dialog: 489 Bad Event for a package nobody serves
 *     (RFC 6665 §4.2.1.1, with Allow-Events), 423 Interval Too Brief with
 *     Min-Expires below the package's minimum (§4.2.1.1), else the
 *     package's subscribe callback decides; accepted: 200 with Expires
 *     (clamped to the package's maximum) and the immediate NOTIFY with
 *     Subscription-State: active;expires=N (§4.2.1.2);
 *   - tandem_event_notify: a NOTIFY with a fresh body to every subscriber
 *     of a resource;
 *   - refresh (SUBSCRIBE in the dialog): new expiry, 200, a NOTIFY;
 *     unsubscribe (Expires: 0): 200 and a final NOTIFY "terminated";
 *     expiry by timer: a final NOTIFY terminated;reason=timeout;
 *   - a NOTIFY answered 481 or any failure, or timing out, removes the
 *     subscription (§4.2.2); an in-dialog SUBSCRIBE for a subscription we
 *     do not have gets 481;
 *   - Allow-Events with the packages served in answers to SUBSCRIBE and
 *     OPTIONS.
 * Everything runs on the loop thread. */
#ifndef TANDEM_EVENT_H
#define TANDEM_EVENT_H

#include <tandem/tandem.h>
#include <tandem/export.h>
TANDEM_API_BEGIN

struct tandem_subscription;  /* one subscription dialog, owned by the core */

struct tandem_event_package {
	const char *name;            /* the Event token, "message-summary" */
	const char *content_type;    /* of the NOTIFY bodies, "application/simple-message-summary" */
	/* seconds: used when the SUBSCRIBE has no Expires; below min gets
	 * 423; above max is lowered to max (RFC 6665 §4.2.1.1). 0 picks 3600,
	 * 60 and 86400. */
	unsigned default_expires, min_expires, max_expires;
	/* A new SUBSCRIBE for the package. ev->msg is the request, ev->tsx the
	 * server transaction (mod_auth's check may answer it 401/407), ev->t.
	 * Name what sub watches with tandem_subscription_set_resource (default:
	 * the Request-URI's user part) and keep data on it. Return
	 *   TANDEM_CONTINUE  accept: the core answers 200 and sends the first NOTIFY;
	 *   TANDEM_REJECT    the core answers ev->reject_code (and reason/headers);
	 *   TANDEM_DONE      the module answered ev->tsx itself (a challenge).
	 * With REJECT or DONE sub is dropped (ended is not called). SUSPEND is
	 * not supported here: the core answers 500. May be NULL:
	 * every SUBSCRIBE is accepted. */
	enum tandem_verdict (*subscribe)(void *arg, struct tandem_event *ev,
	                                 struct tandem_subscription *sub);
	/* The body of the next NOTIFY for sub (its resource's state now), into
	 * body. Return 0, or negative to send the NOTIFY without a body. Not
	 * called for a final NOTIFY after the subscriber unsubscribed. */
	int (*notify_body)(void *arg, struct tandem_subscription *sub, struct sip_wbuf *body);
	/* sub ends: expired, unsubscribed, a NOTIFY failed, terminated by the
	 * module, package removed, shutdown. reason is the Subscription-State
	 * reason ("timeout", "noresource"...) or "failed" / "shutdown". Free
	 * the module's data here; sub is gone when it returns. May be NULL. */
	void (*ended)(void *arg, struct tandem_subscription *sub, const char *reason);
	void *arg;                   /* passed to the callbacks */
};

/* Serve pkg (not copied: static storage of the module, valid until it is
 * removed or tandemd stops). Call from the module's init or start. 0;
 * -EEXIST a package of that name is served; -EINVAL; -ENOMEM. */
int tandem_event_package_add(struct tandem *t, const struct tandem_event_package *pkg);
/* Stop serving the package named name: its subscriptions get a final NOTIFY
 * terminated;reason=noresource and end (ended runs). For a module's stop.
 * 0 or -ENOENT. */
int tandem_event_package_remove(struct tandem *t, const char *name);

/* The state of resource changed: every active subscription of package
 * watching resource (NULL: all of the package's) gets a NOTIFY with a
 * fresh body (one NOTIFY in flight per subscription: a change meanwhile
 * sends one more when it is answered, with the newest state). Returns how
 * many subscriptions will be notified, or -ENOENT for an unknown package. */
int tandem_event_notify(struct tandem *t, const char *package, const char *resource);

/* What the subscription watches (NULL before it is set and the Request-URI
 * had no user). Copied. 0 or -ENOMEM. */
int tandem_subscription_set_resource(struct tandem_subscription *sub, const char *resource);
const char *tandem_subscription_resource(const struct tandem_subscription *sub);
void tandem_subscription_set_data(struct tandem_subscription *sub, void *data);
void *tandem_subscription_data(const struct tandem_subscription *sub);
/* The subscriber (its From name-addr, no tag), the package, the dialog's
 * Call-ID (for logs). */
const char *tandem_subscription_subscriber(const struct tandem_subscription *sub);
const char *tandem_subscription_package(const struct tandem_subscription *sub);
const char *tandem_subscription_call_id(const struct tandem_subscription *sub);
/* Seconds until it expires (0 once terminated). */
unsigned tandem_subscription_expires(const struct tandem_subscription *sub);
/* End it from the module (not from inside its own callbacks): a final
 * NOTIFY terminated;reason=reason (NULL: "noresource"; RFC 6665 §4.2.2
 * lists deactivated, probation, rejected, timeout, giveup, noresource,
 * invariant) and ended. 0 or -EALREADY. */
int tandem_subscription_terminate(struct tandem_subscription *sub, const char *reason);

/* Subscriptions alive now (tests). */
unsigned tandem_event_count(const struct tandem *t);

TANDEM_API_END

#endif
