/* mod_rtprelay — in-dialog requests of a caller whose far end is a
 * module's endpoint (voicemail, a queue's music): the answers an SDP
 * user agent gives, in one place for every such module. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <tandem/call.h>
#include <tandem/sip_msg.h>

#include "farend.h"
#include "media.h"

void rtpr_far_end_request(const char *my_addr, struct tandem_call *call, struct sip_tsx *st,
                          const struct sip_msg *req, struct rtpr_media_ep *ep, char *sdp,
                          size_t size, size_t *len)
{
	if (req->method != SIP_INVITE && req->method != SIP_UPDATE) {
		bool ok = req->method == SIP_OPTIONS || req->method == SIP_INFO;
		tandem_call_respond(call, st, ok ? 200 : 405, NULL,
		                    ok ? NULL : "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE\r\n",
		                    NULL);
		return;
	}
	if (req->body.len) {
		char answer[2048];
		int n = ep ? rtpr_media_reanswer(ep, my_addr, req->body.p, req->body.len, answer,
		                                 size < sizeof answer ? size : sizeof answer)
		           : -ENOTCONN;
		if (n < 0) {
			tlog_info("rtprelay: call %s: %.*s offer refused: %s", tandem_call_id(call),
			          (int)req->method_str.len, req->method_str.p, strerror(-n));
			tandem_call_respond(call, st, 488, NULL, NULL, NULL);   /* RFC 3261 §14.2 */
			return;
		}
		memcpy(sdp, answer, (size_t)n);
		*len = (size_t)n;
	}
	struct tandem_body body = { .p = sdp, .len = *len };
	tandem_call_respond(call, st, 200, NULL, NULL, &body);
}
