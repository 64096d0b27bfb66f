/* mod_trunk — SIP trunks: the office's lines to providers, and bridging
 * one provider to another (docs/TRUNKS.md).
 *   mod_trunk.c   the module glue: init, start, reload, stop, hooks
 *   config.c      the trunk: group read into struct trunk_conf
 *   locate.c      where a trunk's provider is (RFC 3263, include/tandem/dns.h)
 *   register.c    outbound registration: digest, refresh, backoff forever
 *   qualify.c     OPTIONS every N s: a trunk up or down
 *   outbound.c    dial(trunk:NAME/NUMBER): the B-leg to the provider,
 *                 caller ID, its 401/407 answered, call limits, toll fraud
 *   inbound.c     a provider's INVITE recognised, routed to its context
 *   calls.c       what the module keeps per call: trunks used, limits
 *   codecs.c      the codecs a trunk allows, applied to SDP offers (pure)
 *   state.c       the trunks' state for the control tool (include/tandem/trunk.h)
 *   control.c     "trunks [NAME]" on the control socket (include/tandem/control.h)
 *   metrics.c     the trunks' metrics (docs/METRICS.md)
 * Everything runs on the signalling loop. */
#ifndef TRUNK_H
#define TRUNK_H

#include <stdbool.h>
#include <stdint.h>
#include <ev.h>

#include <tandem/call.h>
#include <tandem/dns.h>
#include <tandem/rtprelay.h>
#include <tandem/tandem.h>
#include <tandem/transport.h>
#include <tandem/trunk.h>
#include <tandem/uac.h>

#define TMOD "trunk"
#define TRUNK_NAME_MAX 32
#define TRUNK_MAX 32
#define TRUNK_MAX_NETS 16
#define TRUNK_MAX_CODECS 8

enum trunk_did_from { TRUNK_DID_RURI = 0, TRUNK_DID_TO };

/* One trunk as configured. Strings are owned (freed by trunk_conf_clear). */
struct trunk_conf {
	char name[TRUNK_NAME_MAX];
	/* The provider: a name (located by RFC 3263), an address, with port
	 * (0: none given: SRV or the default) and transport (given or not). */
	char *host;
	uint16_t port;
	bool proto_given;
	enum sip_proto proto;
	bool tls_verify;          /* TLS: the provider's certificate is checked */
	char *tls_ca;             /* TLS: the only CA file trusted for it, NULL: the system's */
	char *username, *password;
	char *auth_user;          /* digest user, default username */
	char *realm;              /* answer only this realm's challenges; NULL any */
	char *from_user;          /* default username */
	char *from_domain;        /* default host */
	char *outbound_proxy;     /* a SIP URI every request goes through, NULL none */
	/* registration */
	bool reg;
	unsigned expires;         /* s asked for (default 600) */
	char *contact_user;       /* the user part of the registered Contact, default username */
	unsigned retry_min, retry_max;  /* s: backoff bounds (default 5, 300) */
	/* qualify: OPTIONS every qualify s (0: never); down after no answer */
	unsigned qualify;
	/* media */
	bool relay_media;         /* default true */
	char *codecs[TRUNK_MAX_CODECS];  /* encoding names allowed ("PCMU"), none: all */
	size_t ncodecs;
	/* caller ID on outbound calls */
	char *cid_number;         /* NULL: the caller's own user */
	char *cid_name;           /* NULL: the caller's own display name */
	bool pai;                 /* send P-Asserted-Identity (RFC 3325) */
	bool privacy;             /* Privacy: id (RFC 3323/3325) */
	/* inbound */
	char *context;            /* the dialplan context of its calls, NULL: no inbound */
	struct sip_net nets[TRUNK_MAX_NETS];
	size_t nnets;
	enum trunk_did_from did_from;
	/* limits */
	unsigned max_calls;       /* concurrent calls through it, 0: no limit */
};

enum trunk_reg_state { TRUNK_REG_OFF = 0, TRUNK_REG_REGISTERING, TRUNK_REG_REGISTERED,
                       TRUNK_REG_RETRYING, TRUNK_REG_UNREGISTERING };

/* register.c's state of one trunk */
struct trunk_reg {
	enum trunk_reg_state state;
	bool running;                    /* started, not stopped */
	bool bound;                      /* a binding of ours may be at the provider */
	struct tandem_uac_ctx *ctx;      /* one Call-ID, growing CSeq (RFC 3261 §10.2.4) */
	struct tandem_uac *pending;
	struct trunk_wait *wait;         /* for the location */
	ev_timer timer;                  /* refresh or retry */
	unsigned attempt;                /* failures in a row (backoff) */
	unsigned granted;                /* s the provider granted */
	unsigned min_expires;            /* a 423's Min-Expires, 0 none */
	double since;                    /* wall clock: registered since / retrying since */
	double next;                     /* wall clock of the next attempt */
	char last_error[96];             /* "408 Request Timeout", "DNS: ...", "" */
};

/* qualify.c's state of one trunk */
struct trunk_wait;
struct trunk_qualify {
	bool running;
	bool up;                         /* true until an OPTIONS went unanswered */
	ev_timer timer;
	struct tandem_uac *pending;
	struct trunk_wait *wait;         /* for the location */
	double sent;                     /* monotonic, of the OPTIONS out */
	double rtt;                      /* s, of the last answered OPTIONS */
	double since;                    /* wall clock of the last change */
	char last_error[96];
};

struct trunk_mod;

/* One trunk: its config and what runs for it. Allocated alone (timers and
 * requests in flight point at it); kept across reloads by name. */
struct trunk {
	struct trunk_mod *m;
	struct trunk_conf c;
	/* locate.c: where its provider is */
	struct sip_locate_result loc;
	bool located;
	double loc_expires;              /* monotonic: locate again after */
	size_t cur;                      /* the target in use (failover moves on) */
	struct sip_dns_query *locq;
	struct trunk_wait *waiters;
	char last_dns_error[96];
	char tls_host[256];              /* the host located (proxy or provider) */
	struct trunk_reg reg;
	struct trunk_qualify q;
	unsigned active;                 /* calls through it now */
	unsigned long calls_total, calls_refused;
	unsigned refs;                   /* calls' records pointing here (calls.c) */
	bool removed;                    /* gone from the config: freed when refs drops to 0 */
};

#define TRUNK_MAX_USERS 256
struct trunk_user {
	char name[64];
	unsigned n;                      /* trunk calls now; 0: a free slot */
};
struct trunk_pending;

struct trunk_mod {
	struct tandem *t;
	struct trunk *trunks[TRUNK_MAX];
	size_t ntrunks;
	unsigned max_calls_per_user;     /* outbound calls per authenticated user, 0: no limit */
	const struct mod_rtprelay_api *rtp;   /* NULL: no media relay loaded */
	struct tandem_resolver resolver;
	struct trunk_pending *pending;   /* trunk: targets waiting for DNS (outbound.c) */
	struct trunk_user users[TRUNK_MAX_USERS];
	bool stopping;
};

/* Free a trunk now (no call refers to it) or once the last one ends. */
void trunk_retire(struct trunk *tr);

struct trunk *trunk_find(struct trunk_mod *m, const char *name);
double trunk_wallclock(void);
double trunk_now(const struct trunk_mod *m);     /* the loop's monotonic time */

/* ---- config.c ---- */
/* Read the module's group: trunks = ( {...}, ... ), max_calls_per_user.
 * 0, or -EINVAL with the error logged with file:line (nothing allocated). */
int trunk_conf_read(const config_setting_t *cfg, struct trunk_conf **out, size_t *n,
                    unsigned *max_calls_per_user);
void trunk_conf_clear(struct trunk_conf *c);
void trunk_confs_free(struct trunk_conf *c, size_t n);
/* Do two configs name the same provider and account (a reload need not
 * register again)? */
bool trunk_conf_same_account(const struct trunk_conf *a, const struct trunk_conf *b);

/* ---- locate.c ---- */
/* Where requests to tr go now: dst (with the transport), and the same as
 * a SIP URI for tandem_uac_req.dest ("sip:192.0.2.1:5060;transport=udp").
 * An outbound proxy, when configured, is where everything goes. 0;
 * -EAGAIN not located yet (trunk_locate first); -ENOENT no target. */
int trunk_target(const struct trunk *tr, struct sip_dest *dst, char *uri, size_t n);
/* The located targets after the one in use, for an INVITE to fail over
 * to (tandem_contact.alt): how many were written to alt (at most max). */
unsigned trunk_alternatives(const struct trunk *tr, struct sip_dest *alt, unsigned max);
/* Locate tr's provider (again when the answer's TTL ran out). 0: known
 * now, trunk_target answers; -EINPROGRESS: fn(tr, status, arg) from the
 * loop later (status 0 or a negative errno), unless the wait is
 * cancelled; another negative errno: cannot. */
typedef void (*trunk_located_fn)(struct trunk *tr, int status, void *arg);
struct trunk_wait;
int trunk_locate(struct trunk *tr, trunk_located_fn fn, void *arg, struct trunk_wait **w);
void trunk_locate_cancel(struct trunk_wait *w);
/* The target in use failed (no answer, transport error, 503): the next
 * one of the located list is used from now on; after the last, locate
 * anew. */
void trunk_target_failed(struct trunk *tr);
/* The name a TLS provider's certificate must show (RFC 5922 §7.1: its
 * SIP domain, the outbound proxy's host when there is one), for
 * tandem_uac_req.tls_name; NULL when not verified (tls_verify = false). */
const char *trunk_tls_name(const struct trunk *tr);
/* Forget waits and the query (the trunk goes). */
void trunk_locate_stop(struct trunk *tr);
/* Locate at start: inbound calls are recognised by the located addresses
 * before any request went out. */
void trunk_locate_early(struct trunk *tr);
/* Is sa one of tr's located addresses, port included (inbound recognition)? */
bool trunk_is_target_addr(const struct trunk *tr, const struct sockaddr *sa);

/* ---- register.c ---- */
void trunk_reg_start(struct trunk *tr);       /* begins when tr->c.reg */
/* Unregister (Expires: 0) and stop; the request goes out, its answer is
 * not waited for (shutdown). */
void trunk_reg_stop(struct trunk *tr, bool unregister);
const char *trunk_reg_state_name(enum trunk_reg_state s);  /* "registered", ... */

/* ---- qualify.c ---- */
void trunk_qualify_start(struct trunk *tr);   /* when tr->c.qualify */
void trunk_qualify_stop(struct trunk *tr);
/* Can calls go to tr (qualify says up, or does not run)? */
bool trunk_usable(const struct trunk *tr);

/* ---- outbound.c ---- */
int trunk_outbound_init(struct trunk_mod *m);  /* registers the trunk: resolver */
enum tandem_verdict trunk_on_bleg_response(struct tandem_event *ev);
enum tandem_verdict trunk_on_call_end(struct tandem_event *ev);
enum tandem_verdict trunk_on_media(struct tandem_event *ev);
enum tandem_verdict trunk_on_bleg_create(struct tandem_event *ev);
/* sip:NUMBER@host[:port][;transport=] of a call out through tr. */
void trunk_ruri(const struct trunk *tr, const char *number, char *out, size_t n);

/* ---- inbound.c ---- */
/* ROUTE hook: a provider's INVITE goes to its trunk's context. */
enum tandem_verdict trunk_on_route(struct tandem_event *ev);
/* The trunk a request comes from (source network, located address, or
 * the Request-URI user of its registration), or NULL. */
struct trunk *trunk_of_request(struct trunk_mod *m, const struct sip_msg *req);

/* ---- state.c ---- */
extern const struct trunk_api trunk_api;

/* ---- control.c ---- */
int trunk_control_add(struct tandem *t);   /* 0 or tandem_control_command_add's error */
void trunk_control_remove(struct tandem *t);
/* ---- metrics.c ---- */
/* From start until stop: the trunks' gauges and counters at each scrape. */
void trunk_metrics_add(struct trunk_mod *m);
void trunk_metrics_remove(struct trunk_mod *m);

/* ---- codecs.c (pure) ---- */
/* Keep in the SDP sdp[0..len) only the payload types of audio/video
 * m-lines whose encoding is in names (case-insensitive; static payload
 * types by RFC 3551 names, telephone-event always kept), with their
 * a=rtpmap/fmtp lines. Writes the result to out (size bytes). Returns
 * its length, -ENOENT when an m-line would be left with no codec (the
 * caller sends the SDP unchanged), -ENOSPC, -EINVAL not SDP. */
int trunk_codecs_filter(const char *sdp, size_t len, const char *const *names, size_t nnames,
                        char *out, size_t size);

#endif
