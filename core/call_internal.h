/* tandem — the call core's private structures, shared by call.c (calls and
 * legs) and call_message.c (MESSAGE outside a dialog). */
#ifndef TANDEM_CALL_INTERNAL_H
#define TANDEM_CALL_INTERNAL_H

#include "call.h"
#include "dialog.h"
#include "dialplan.h"

#define LEG_BUCKETS 4096
#define CALL_MAX_TARGETS 16

struct call;
struct leg;
struct creq;

/* A client transaction the call core started and waits on. Every one is
 * listed in the core so shutdown can detach and free them all. */
enum creq_kind { CR_INVITE, CR_BYE, CR_RELAY, CR_PRACK, CR_MESSAGE };
struct creq {
	struct call_core *core;
	struct creq *prev, *next;
	enum creq_kind kind;
	struct sip_tsx *ct;        /* referenced */
	struct leg *leg;           /* the leg it went out on (referenced), NULL for MESSAGE */
	struct leg *from;          /* CR_RELAY: where the request came from (referenced) */
	struct sip_tsx *st;        /* CR_RELAY, CR_MESSAGE: to answer (referenced) */
	uint32_t cseq;
};

struct call_core {
	struct tandem *t;
	struct dialplan *dp, *next_dp;
	struct call *calls;
	unsigned ncalls;
	unsigned long total;
	struct creq *creqs;
	struct leg *tab[LEG_BUCKETS];
	/* the "calls" config group and per-listener contexts (copied: a
	 * reload frees the config they came from) */
	struct call_settings {
		unsigned dial_timeout;     /* seconds */
		size_t message_max_body;   /* bytes, RFC 3428 §7 over UDP */
		char context[64];
		struct { enum sip_proto proto; uint16_t port; char context[64]; } lctx[TANDEM_MAX_LISTENERS];
		unsigned nlctx;
	} set, next_set;
};

/* call.c, for call_message.c */
struct creq *creq_new(struct call_core *core, enum creq_kind kind);
void creq_free(struct creq *cr);
void creq_start(struct creq *cr, struct sip_tsx *ct);
void creq_on_response(void *arg, struct sip_tsx *ct, const struct sip_msg *resp, int status);
const char *call_context_for(const struct call_core *core, const struct sip_msg *req);
int call_fill_input(const struct sip_msg *req, struct dialplan_input *in, char *ruri_user,
                    size_t n1, char *from_user, size_t n2, char *from_domain, size_t n3,
                    char *method, size_t n4, char *call_id, size_t n5);
/* Resolve a registered user to its best contact (URI + flow). 0, or the SIP
 * status to answer (404 no registrar, 480 not registered). */
struct location_contact;
int call_lookup_user(struct call_core *core, const char *user, struct location_contact *out,
                     int max, int *n);
void copy_headers(struct sip_wbuf *w, const struct sip_msg *m, const enum sip_hdr_id *ids,
                  const char *const *names);

/* call_media.c: SDP through the MEDIA hook (tandem_event.body) */
struct call_sdp {
	struct sip_str body;       /* what to send */
	char *owned;               /* a handler's replacement, freed by call_sdp_free */
};
/* A body that is SDP (Content-Type application/sdp, or none given). */
bool call_media_is_sdp(const struct sip_msg *m);
/* Run the MEDIA hooks on m's body crossing from leg index from to to; out
 * is m's body when m carries no SDP or nobody replaced it. */
void call_media_run(struct tandem *t, struct tandem_call *call, const struct sip_msg *m,
                    unsigned from, unsigned to, enum tandem_sdp_role role, struct call_sdp *out);
void call_sdp_free(struct call_sdp *s);

/* call_message.c */
bool message_route(struct call_core *core, struct sip_tsx *st, struct sip_msg *req);
void message_on_response(struct creq *cr, const struct sip_msg *resp, int status);

#endif
