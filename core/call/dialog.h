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
	/* The flow a UAS-side dialog answers on (the caller's source, RFC 3581
	 * style): a phone behind NAT is reachable only there. */
	bool has_flow;
	struct sip_dest flow;
};

void dialog_clear(struct dialog *d);
/* tandem is UAS (RFC 3261 §12.1.1): from the dialog-creating request. */
int dialog_init_uas(struct dialog *d, const struct sip_msg *req, const char *local_tag);
/* tandem is UAC (§12.1.2): fresh Call-ID, From tag and CSeq. from/to are
 * name-addr texts, target the Request-URI. */
int dialog_init_uac(struct dialog *d, const char *from, const char *to, const char *target);
/* A response with a To tag to our dialog-creating request (§12.1.2):
 * remote tag, remote target from Contact, route set = Record-Route reversed.
 * The route set is only taken the first time (§12.2.1.2). */
int dialog_update_uac(struct dialog *d, const struct sip_msg *resp, bool first);
/* §12.2.1.1: a target refresh (re-INVITE, UPDATE) changes the remote target. */
void dialog_refresh_target(struct dialog *d, const struct sip_msg *m);

/* Where requests of the dialog go: the flow, else the first Route, else the
 * remote target (RFC 3263 reduced to numeric hosts and /etc/hosts). */
int dialog_dest(const struct dialog *d, struct sip_dest *out);
/* Destination for a URI text: transport param, sips: -> TLS. */
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

/* "Contact: <sip:host:port;transport=x>\r\n" for messages towards dst. */
int dialog_put_contact(struct sip_stack *s, const struct sip_dest *dst, struct sip_wbuf *w);

/* A name-addr text without its tag parameter (malloc'd). */
char *nameaddr_without_tag(struct sip_str value);

#endif
