/* tandem — the B2BUA call core (docs/ARCHITECTURE.md "The call"): what server.c and
 * main.c call. A call owns an A-leg (tandem is UAS) and B-legs (tandem is
 * UAC), each a full dialog of its own; requests and responses on one leg
 * are re-issued on the other with that leg's identifiers. */
#ifndef TANDEM_CALL_H
#define TANDEM_CALL_H

#include "tandem_internal.h"

struct call_core;

/* After the modules are loaded (dialplan actions come from them). Builds
 * the dialplan of c; errors go to errs as "FILE:LINE: message". */
int call_core_init(struct tandem *t, const struct tandem_config *c, struct config_errors *errs);
void call_core_free(struct tandem *t);

/* Reload in two steps so a module's veto can still keep everything old:
 * prepare builds the new dialplan (errors to errs, nothing changes), commit
 * swaps it in (calls in progress keep theirs), abort drops it. */
int call_core_prepare_reload(struct tandem *t, const struct tandem_config *next,
                             struct config_errors *errs);
void call_core_commit_reload(struct tandem *t);
void call_core_abort_reload(struct tandem *t);

/* An out-of-dialog request no REQUEST hook took (INVITE, MESSAGE, ...).
 * true: the call core took it and answers st. */
bool call_core_route(struct tandem *t, struct sip_tsx *st, struct sip_msg *req);
/* A request with a To tag. false: no dialog matches (server.c answers 481). */
bool call_core_indialog(struct tandem *t, struct sip_tsx *st, struct sip_msg *req);
/* An ACK for a 2xx (no transaction: it belongs to the dialog, §13.2.2.4). */
void call_core_ack(struct tandem *t, struct sip_msg *ack);
/* A CANCEL matched this INVITE server transaction (§9.2). true: handled. */
bool call_core_cancel(struct tandem *t, struct sip_tsx *invite_st);
/* A server transaction failed after it was answered (transaction.h
 * on_server_error): a 2xx to A's INVITE never ACKed ends the call. */
void call_core_server_error(struct tandem *t, struct sip_tsx *st, int err);
/* 2xx retransmissions for B-leg INVITEs whose ICT has ended. */
void call_core_stray_response(struct tandem *t, struct sip_msg *resp);
/* Calls alive now (tests assert 0 after a run). */
unsigned call_core_count(const struct tandem *t);
/* Calls since start-up (the control socket's status). */
unsigned long call_core_total(const struct tandem *t);

#endif
