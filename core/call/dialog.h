/* tandem — one SIP dialog as a leg of a B2BUA call sees it (RFC 3261 §12):
 * identifiers, CSeq counters, route set and remote target, and the requests
 * built inside it. Knows nothing of calls. */
#ifndef TANDEM_DIALOG_H
#define TANDEM_DIALOG_H

#include <stdint.h>
#include <tandem/sip_msg.h>
#include <tandem/sip_writer.h>
#include <tandem/transaction.h>
#include <tandem/transport.h>

#define DIALOG_MAX_ROUTES 8

struct dialog {
	char *call_id;
	char *local_tag, *remote_tag;   /* remote_tag NULL until known */
	char *local_party;              /* name-addr of our From, without tag */
	char *remote_party;             /* name-addr of our To, without tag */
	uint32_t local_cseq;            /* last CSeq we sent */
	uint32_t remote_cseq;           /* last CSeq received */
	char *remote_target;            /* URI requests go to */
	char *routes[DIALOG_MAX_ROUTES];/* Route values in sending order */
	unsigned nroutes;
	/* The flow every request of the dialog goes over, whatever its remote
	 * target says: for a UAS-side dialog the caller's source (RFC 3581
	 * style), for a B-leg to a registered phone the flow it registered on
	 * (RFC 5626 §5.3). A phone behind NAT, or on a TCP/TLS connection it
	 * opened, is reachable only there. */
	bool has_flow;
	struct sip_dest flow;
	/* A UAC dialog without a flow: where its dialog-creating request went
	 * (the transport, and once answered the connection the answer came
	 * on). A remote target or Route that names no transport keeps it. */
	bool has_hop;
	struct sip_dest hop;
};

void dialog_clear(struct dialog *d);
/* tandem is UAS (RFC 3261 §12.1.1): from the dialog-creating request. */
int dialog_init_uas(struct dialog *d, const struct sip_msg *req, const char *local_tag);
/* tandem is UAC (§12.1.2): fresh Call-ID, From tag and CSeq. from/to are
 * name-addr texts, target the Request-URI. */
int dialog_init_uac(struct dialog *d, const char *from, const char *to, const char *target);
/* A response with a To tag to our dialog-creating request (§12.1.2):
 * remote tag, remote target from Contact, route set = Record-Route reversed.
 * The route set is only taken the first time (§12.2.1.2). Over TCP/TLS
 * the connection the response came on (§18.1.2) becomes the first hop's,
 * reused by later requests while it is open. */
int dialog_update_uac(struct dialog *d, const struct sip_msg *resp, bool first);
/* §12.2.1.1: a target refresh (re-INVITE, UPDATE) changes the remote target. */
void dialog_refresh_target(struct dialog *d, const struct sip_msg *m);

/* tandem is UAC and its dialog-creating request goes to dst. flow: every
 * request of the dialog keeps dst (a registered contact's flow, RFC 5626
 * §5.3). Else dst is the first hop: its transport is kept for a remote
 * target that names none (see dialog_dest). Call before the first
 * dialog_dest. */
void dialog_set_first_hop(struct dialog *d, const struct sip_dest *dst, bool flow);

/* Where requests of the dialog go: the flow; else the first Route, else the
 * remote target (RFC 3263 reduced to numeric hosts and /etc/hosts), over
 * the transport it names, or the first hop's when it names none (on the
 * first hop's connection when it is to the same address). The transport
 * layer opens a new connection when that one has closed, so a request
 * never falls back to UDP. */
int dialog_dest(const struct dialog *d, struct sip_dest *out);
/* Destination for a URI (or name-addr) text: its transport parameter,
 * sips: -> TLS, else UDP (RFC 3263 §4.1 for a numeric host). */
int uri_dest(struct sip_str uri, struct sip_dest *out);

/* A request of the dialog. cseq 0 means the next local CSeq. */
struct dialog_req {
	const char *method;
	uint32_t cseq;
	int max_forwards;        /* 0: 70; negative: 0 */
	const char *ruri;        /* NULL: the remote target */
	const char *headers;     /* extra "Name: value\r\n" lines, may be NULL */
	struct sip_str ctype;    /* with a body */
	struct sip_str body;
	bool contact;            /* add our Contact (dialog-creating / target refresh) */
};
/* Builds into *out (free()), *len; dst must be dialog_dest's. */
int dialog_build_request(struct sip_stack *s, struct dialog *d, const struct dialog_req *r,
                         const struct sip_dest *dst, char **out, size_t *len);

/* Our contact URI for messages towards dst: "sip:[user@]host:port[;transport=x]",
 * the listener of dst's transport and address family (user escaped as
 * RFC 3261 §25.1 wants, NULL or "": none). 0, -ENOSPC, or the transport's
 * error (no such listener). */
int dialog_contact_uri(struct sip_stack *s, const struct sip_dest *dst, const char *user,
                       char *out, size_t n);
/* "Contact: <sip:host:port;transport=x>\r\n" for messages towards dst. */
int dialog_put_contact(struct sip_stack *s, const struct sip_dest *dst, struct sip_wbuf *w);

/* A name-addr text without its tag parameter (malloc'd). */
char *nameaddr_without_tag(struct sip_str value);

#endif
