/* mod_rtprelay — in-dialog requests of a call whose far end is an
 * endpoint (mod_rtprelay_api.far_end_request). */
#ifndef RTPRELAY_FAREND_H
#define RTPRELAY_FAREND_H

#include <stddef.h>

#include <tandem/rtprelay.h>

void rtpr_far_end_request(const char *my_addr, struct tandem_call *call, struct sip_tsx *st,
                          const struct sip_msg *req, struct rtpr_media_ep *ep, char *sdp,
                          size_t size, size_t *len);

#endif
