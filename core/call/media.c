/* tandem — SDP across the B2BUA. Every application/sdp body that crosses a
 * call passes the MEDIA hook chain on its way (docs/ARCHITECTURE.md "The module ABI"),
 * told which leg it comes from and goes to and whether it is an offer or an
 * answer (RFC 3264); a handler may replace it (mod_rtprelay points each leg
 * at the relay). The core owns a replaced body until the message carrying
 * it is built, so its Content-Length is the new body's. */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "call_internal.h"

/* The event plus what the core owns for it; tandem_event_set_body finds
 * this from the event it is handed. */
struct media_event {
	struct tandem_event ev;
	char *owned;
};

bool call_media_is_sdp(const struct sip_msg *m)
{
	if (!m || !m->body.len)
		return false;
	const struct sip_hdr *ct = sip_msg_hdr(m, SIP_HDR_CONTENT_TYPE);
	if (!ct)
		return true;   /* RFC 3261 §20.15 requires it; SDP is what INVITEs carry */
	struct sip_str v = sip_str_trim(ct->value);
	static const char sdp[] = "application/sdp";
	if (v.len < sizeof sdp - 1 || strncasecmp(v.p, sdp, sizeof sdp - 1) != 0)
		return false;
	/* "application/sdp" alone or followed by parameters */
	return v.len == sizeof sdp - 1 || v.p[sizeof sdp - 1] == ';' ||
	       v.p[sizeof sdp - 1] == ' ' || v.p[sizeof sdp - 1] == '\t';
}

void call_media_run(struct tandem *t, struct tandem_call *call, const struct sip_msg *m,
                    unsigned from, unsigned to, enum tandem_sdp_role role, struct call_sdp *out)
{
	out->body = m ? m->body : (struct sip_str){ 0 };
	out->owned = NULL;
	if (!t->nhooks[TANDEM_HOOK_MEDIA] || !call_media_is_sdp(m))
		return;
	struct media_event me = {
		.ev = { .t = t, .point = TANDEM_HOOK_MEDIA, .msg = (struct sip_msg *)m, .call = call,
		        .from_leg = from, .to_leg = to, .sdp_role = role, .body = m->body },
	};
	loader_run_hooks(t, &me.ev);
	/* every verdict sends what the handlers left: there is nobody to
	 * reject to at most of these points (an ACK, a 2xx) */
	out->body = me.ev.body;
	out->owned = me.owned;
}

void call_sdp_free(struct call_sdp *s)
{
	free(s->owned);
	s->owned = NULL;
}

int tandem_event_set_body(struct tandem_event *ev, const char *buf, size_t len)
{
	if (!ev || ev->point != TANDEM_HOOK_MEDIA || (!buf && len))
		return -EINVAL;
	struct media_event *me = (struct media_event *)((char *)ev - offsetof(struct media_event, ev));
	char *copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, buf, len);
	copy[len] = '\0';
	free(me->owned);
	me->owned = copy;
	ev->body = (struct sip_str){ copy, len };
	return 0;
}
