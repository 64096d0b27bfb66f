/* tandem — core-private entry points of the module UAC (uac.c) and the
 * event-package server (subscription.c), for server.c and main.c. */
#ifndef TANDEM_EVENTS_H
#define TANDEM_EVENTS_H

#include "tandem_internal.h"

/* uac.c: drop every module request still in flight (shutdown, after the
 * modules' stop: no callback runs any more). */
void uac_core_free(struct tandem *t);

/* subscription.c */
/* An out-of-dialog SUBSCRIBE no REQUEST hook took: always answered (489,
 * 423, 400, the package's verdict, or 200 and the first NOTIFY). */
void event_core_subscribe(struct tandem *t, struct sip_tsx *st, struct sip_msg *req);
/* A request with a To tag: true when it belongs to a subscription dialog
 * (and was answered). */
bool event_core_indialog(struct tandem *t, struct sip_tsx *st, struct sip_msg *req);
/* "Allow-Events: a, b\r\n" for the packages served, or "" when none, into
 * out (always NUL-terminated). */
void event_core_allow_events(const struct tandem *t, char *out, size_t n);
/* How many event packages are served. */
unsigned event_core_npackages(const struct tandem *t);
/* Shutdown, before the modules stop: every subscription ends (ended runs
 * with "shutdown", no NOTIFY is sent) and the packages are forgotten. */
void event_core_free(struct tandem *t);

#endif
