/* tandem — running a module's dialplan action, and what such an action may
 * do to the dialplan that runs it (include/tandem/tandem.h "inside a
 * dialplan action"): the cursor is reachable only while the action runs. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "call_internal.h"
#include "tandem_internal.h"

enum tandem_verdict route_run_action(struct tandem *t, struct dialplan_cursor *cur,
                                     const struct dialplan_step *s, struct tandem_event *ev)
{
	struct dialplan_cursor *outer = t->route_cursor;
	t->route_cursor = cur;
	enum tandem_verdict v = s->u.module.action->run(ev, s->u.module.priv);
	t->route_cursor = outer;
	return v;
}

int tandem_route_set_auth_user(struct tandem_event *ev, const char *user, const char *context)
{
	struct dialplan_cursor *cur = ev && ev->point == TANDEM_HOOK_ROUTE ? ev->t->route_cursor : NULL;
	if (!cur || !user)
		return -EINVAL;
	int rc = dialplan_set_var(cur, "auth_user", user);
	if (rc < 0)
		return rc;
	/* already there: going again would run this rule, and this action, anew */
	if (!context || !context[0] || strcmp(context, dialplan_cursor_context(cur)) == 0)
		return 0;
	return dialplan_goto(cur, context);
}

const char *tandem_route_var(struct tandem_event *ev, const char *name)
{
	struct dialplan_cursor *cur = ev && ev->point == TANDEM_HOOK_ROUTE ? ev->t->route_cursor : NULL;
	return cur && name ? dialplan_get_var(cur, name) : NULL;
}

int tandem_route_set_context(struct tandem_event *ev, const char *context, const char *exten)
{
	struct call *c = ev && ev->point == TANDEM_HOOK_ROUTE ? (struct call *)ev->call : NULL;
	/* a hook before the plan: once a rule runs, goto() is the way */
	if (!c || c->cur || ev->t->route_cursor || !context || !context[0] ||
	    strlen(context) >= sizeof c->context || (exten && strlen(exten) >= sizeof c->route_exten))
		return -EINVAL;
	if (!dialplan_has_context(c->core->dp, context))
		return -ESRCH;
	snprintf(c->context, sizeof c->context, "%s", context);
	if (exten)
		snprintf(c->route_exten, sizeof c->route_exten, "%s", exten);
	return 0;
}
