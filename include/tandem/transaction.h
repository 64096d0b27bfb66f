/* tandem — RFC 3261 §17 transactions: INVITE client (ICT), non-INVITE client
 * (NICT), INVITE server (IST), non-INVITE server (NIST), timers A..K on the
 * libev loop. The layer above (the "TU", core/server.c and the call core)
 * registers callbacks; it never sees retransmissions. */
#ifndef TANDEM_TRANSACTION_H
#define TANDEM_TRANSACTION_H

#include <tandem/sip_msg.h>
#include <tandem/sip_writer.h>
#include <tandem/transport.h>

#include <tandem/export.h>
TANDEM_API_BEGIN

struct ev_loop;
struct sip_stack;
struct sip_tsx;

struct sip_timer_cfg {
	double t1, t2, t4;          /* seconds; defaults 0.5, 4, 5 (§17.1.1.1) */
};

struct sip_tu_ops {
	/* A new request (not a retransmission). st is the server transaction,
	 * NULL for an ACK (ACK for 2xx belongs to the dialog, §17.1.1.3). The
	 * stack owns req until the callback returns; keep data by copying or by
	 * holding st (sip_tsx_request stays valid while st is referenced).
	 * A request the callback neither answered nor took a reference to
	 * (sip_tsx_ref) can never be answered: the stack sends 500 for it. */
	void (*on_request)(void *arg, struct sip_tsx *st, struct sip_msg *req);
	/* A CANCEL matched its INVITE server transaction (§9.2). The stack has
	 * already answered the CANCEL with 200; the TU should end the INVITE
	 * with 487 (sip_tsx_respond) and cancel whatever it started. */
	void (*on_cancel)(void *arg, struct sip_tsx *invite_st, struct sip_msg *cancel);
	/* A response that matches no client transaction: 2xx retransmissions of
	 * an INVITE whose ICT has terminated reach the TU this way (§17.1.1.2). */
	void (*on_stray_response)(void *arg, struct sip_msg *resp);
	/* Optional (may be NULL). A server transaction failed after the TU
	 * answered: err is -ETIMEDOUT when a 2xx to INVITE got no ACK within
	 * 64*T1 (the TU should send BYE, §13.3.1.4) or Timer H fired, or the
	 * negative errno of a transport error sending a response (§17.2.4). */
	void (*on_server_error)(void *arg, struct sip_tsx *st, int err);
};

struct sip_stack *sip_stack_new(struct ev_loop *loop, struct sip_transport *tp,
                                const struct sip_timer_cfg *timers,
                                const struct sip_tu_ops *tu, void *tu_arg);
void sip_stack_free(struct sip_stack *s);
void sip_stack_set_timers(struct sip_stack *s, const struct sip_timer_cfg *timers);
struct sip_transport *sip_stack_transport(struct sip_stack *s);
struct ev_loop *sip_stack_loop(struct sip_stack *s);

/* Feed a received message (the transport's rx callback calls this).
 * Takes ownership of msg. */
void sip_stack_receive(struct sip_stack *s, struct sip_msg *msg);

/* Send a request with no transaction (ACK for 2xx, §13.2.2.4). */
int sip_stack_send_stateless(struct sip_stack *s, const struct sip_dest *dst,
                             const char *buf, size_t len);

/* ---- server transactions ---- */
/* Answer. 1xx may be sent several times; the first final response moves
 * the transaction to Completed (or Terminated for 2xx to INVITE, §17.2.1).
 * to_tag defaults to the transaction's own tag (sip_tsx_to_tag). */
int sip_tsx_respond(struct sip_tsx *st, int status, const char *reason,
                    const struct sip_resp_extra *extra);
/* Send a response the TU built itself (B2BUA relaying). Takes buf. */
int sip_tsx_respond_buf(struct sip_tsx *st, int status, char *buf, size_t len);
const struct sip_msg *sip_tsx_request(const struct sip_tsx *t);
const char *sip_tsx_to_tag(const struct sip_tsx *st);
bool sip_tsx_answered(const struct sip_tsx *st); /* a final response was sent */

/* ---- client transactions ---- */
/* resp is NULL on Timer B/F expiry (status 408) or a transport error
 * (status 503), per §8.1.3.1 / §17.1.1.2 / §17.1.2.2. Called for each
 * provisional and for the final response; after a final the transaction
 * no longer calls back. */
typedef void (*sip_ct_fn)(void *arg, struct sip_tsx *ct, const struct sip_msg *resp,
                          int status);

/* Send a request built by the TU (its top Via must carry a fresh branch:
 * see sip_stack_make_via). Takes buf (free()d by the stack). For INVITE the
 * ACK for a non-2xx final is generated here, hop by hop (§17.1.1.3). */
struct sip_tsx *sip_tsx_client_new(struct sip_stack *s, const struct sip_dest *dst,
                                   char *buf, size_t len, sip_ct_fn fn, void *arg);
/* Build "Via: SIP/2.0/UDP host:port;branch=z9hG4bK...;rport\r\n" for dst. */
int sip_stack_make_via(struct sip_stack *s, const struct sip_dest *dst,
                       struct sip_wbuf *w, char *branch_out, size_t n);
/* Stop calling fn (the TU is going away); the transaction itself runs on
 * so retransmissions and ACKs still happen. */
void sip_tsx_detach(struct sip_tsx *ct);
/* Cancel an INVITE client transaction (RFC 3261 §9.1): a CANCEL copying the
 * INVITE's Request-URI, Call-ID, From, To, CSeq number, top Via and Route is
 * sent in its own non-INVITE transaction once a provisional response has
 * arrived (deferred until then). Without a final response 64*T1 after the
 * CANCEL, the INVITE transaction ends with status 408. 0, -EINVAL (not an
 * INVITE client transaction), -EALREADY (final received or already cancelled). */
int sip_tsx_cancel(struct sip_tsx *ict);

void sip_tsx_ref(struct sip_tsx *t);
void sip_tsx_unref(struct sip_tsx *t);

struct sip_stack_stats {
	unsigned long server_tsx, client_tsx;  /* currently alive */
	unsigned long retrans_absorbed, timeouts;
	unsigned long server_tsx_total, client_tsx_total;  /* ever created */
	/* sent again: a request by Timer A/E or an ACK for a retransmitted
	 * final; a response by Timer G, for a 2xx, or for a retransmitted
	 * request */
	unsigned long retrans_req_sent, retrans_resp_sent;
};
void sip_stack_get_stats(const struct sip_stack *s, struct sip_stack_stats *st);

TANDEM_API_END
#endif
