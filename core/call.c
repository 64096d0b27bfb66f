/* The call core, not written yet: every request falls through to server.c's
 * default answers. Replaced by the B2BUA implementation. */
#include "config.h"

#include "call.h"

int call_core_init(struct tandem *t, const struct tandem_config *c, struct config_errors *errs)
{
	(void)t; (void)c; (void)errs;
	return 0;
}

void call_core_free(struct tandem *t) { (void)t; }

int call_core_prepare_reload(struct tandem *t, const struct tandem_config *next,
                             struct config_errors *errs)
{
	(void)t; (void)next; (void)errs;
	return 0;
}

void call_core_commit_reload(struct tandem *t) { (void)t; }
void call_core_abort_reload(struct tandem *t) { (void)t; }

bool call_core_route(struct tandem *t, struct sip_tsx *st, struct sip_msg *req)
{
	(void)t; (void)st; (void)req;
	return false;
}

bool call_core_indialog(struct tandem *t, struct sip_tsx *st, struct sip_msg *req)
{
	(void)t; (void)st; (void)req;
	return false;
}

void call_core_ack(struct tandem *t, struct sip_msg *ack) { (void)t; (void)ack; }

bool call_core_cancel(struct tandem *t, struct sip_tsx *invite_st)
{
	(void)t; (void)invite_st;
	return false;
}

void call_core_stray_response(struct tandem *t, struct sip_msg *resp) { (void)t; (void)resp; }
unsigned call_core_count(const struct tandem *t) { (void)t; return 0; }
