/* tandem — what modules may do with a call (include/tandem/tandem.h). */

#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tandem/sip_uri.h>

#include "call_internal.h"

const char *tandem_call_id(const struct tandem_call *call)
{
	return call ? call_cid((const struct call *)call) : "?";
}

const struct sip_msg *tandem_call_invite(const struct tandem_call *call)
{
	const struct call *c = (const struct call *)call;
	return c && c->a && c->a->st ? sip_tsx_request(c->a->st) : NULL;
}

const char *tandem_call_var(const struct tandem_call *call, const char *name)
{
	const struct call *c = (const struct call *)call;
	return c && c->cur && name ? dialplan_get_var(c->cur, name) : NULL;
}

int tandem_call_set_data(struct tandem_call *call, const char *module_name, void *data)
{
	struct call *c = (struct call *)call;
	int i = c ? loader_module_index(c->core->t, module_name) : -EINVAL;
	if (i < 0)
		return i;
	c->mod_data[i] = data;
	return 0;
}

void *tandem_call_data(const struct tandem_call *call, const char *module_name)
{
	const struct call *c = (const struct call *)call;
	int i = c ? loader_module_index(c->core->t, module_name) : -EINVAL;
	return i < 0 ? NULL : c->mod_data[i];
}

int tandem_call_hangup(struct tandem *t, struct tandem_call *call, const char *reason)
{
	struct call *c = (struct call *)call;
	(void)t;
	if (!c || c->ended)
		return -EALREADY;
	/* after a transfer A may be gone while two other legs talk */
	bool up = !c->a_final || c->a->state != LEG_TERMINATED;
	for (struct leg *b = c->bs; b && !up; b = b->next)
		up = b->state == LEG_CONFIRMED && !b->bye_sent;
	if (!up)
		return -EALREADY;
	tlog_notice("call %s: hung up by a module: %s", call_cid(c), reason ? reason : "(no reason)");
	facts_hangup(c, TANDEM_HANGUP_TANDEM, reason ? reason : "hangup");
	if (!c->a_final) {
		/* not answered: A gets a final response, ringing B-legs CANCEL */
		dial_stop(&c->dial);
		a_reply(c, 480, NULL, NULL);
	} else {
		/* every leg still up, and whoever it talks to (after an attended
		 * transfer possibly a leg of another call); a transfer's target
		 * still ringing is CANCELed */
		for (struct leg *l = c->a; l; l = l == c->a ? c->bs : l->next) {
			struct leg *p = leg_partner(l);
			if (l->inv && !l->lost)
				bleg_abandon(l);
			leg_bye(l);
			if (p)
				leg_bye(p);
		}
	}
	call_check(c);
	return 0;
}
