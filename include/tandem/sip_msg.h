/* tandem — the SIP message: one buffer, slices into it (RFC 3261 §7, §20, §25).
 *
 * A received datagram or stream frame is copied once into the message's own
 * buffer; every field below is a struct sip_str pointing into that buffer.
 * The start line, all header boundaries, the top Via, From/To tags, Call-ID,
 * CSeq, Max-Forwards and Content-Length are parsed on receipt (transaction
 * matching needs them); every other header is parsed on demand with the
 * helpers in sip_uri.h.
 */
#ifndef TANDEM_SIP_MSG_H
#define TANDEM_SIP_MSG_H

#include <stdint.h>
#include <sys/socket.h>
#include <tandem/str.h>

#include <tandem/export.h>
TANDEM_API_BEGIN

enum sip_method {
	SIP_METHOD_UNKNOWN = 0,
	SIP_INVITE, SIP_ACK, SIP_BYE, SIP_CANCEL, SIP_OPTIONS, SIP_REGISTER,
	SIP_INFO, SIP_PRACK, SIP_UPDATE, SIP_REFER, SIP_SUBSCRIBE, SIP_NOTIFY,
	SIP_MESSAGE, SIP_PUBLISH,
	SIP_METHOD__COUNT
};

/* Known headers; compact forms map to the same id (RFC 3261 §7.3.3, IANA). */
enum sip_hdr_id {
	SIP_HDR_OTHER = 0,
	SIP_HDR_ACCEPT, SIP_HDR_ACCEPT_CONTACT, SIP_HDR_ACCEPT_ENCODING,
	SIP_HDR_ACCEPT_LANGUAGE, SIP_HDR_ALERT_INFO, SIP_HDR_ALLOW,
	SIP_HDR_ALLOW_EVENTS, SIP_HDR_AUTHENTICATION_INFO, SIP_HDR_AUTHORIZATION,
	SIP_HDR_CALL_ID, SIP_HDR_CALL_INFO, SIP_HDR_CONTACT,
	SIP_HDR_CONTENT_DISPOSITION, SIP_HDR_CONTENT_ENCODING,
	SIP_HDR_CONTENT_LANGUAGE, SIP_HDR_CONTENT_LENGTH, SIP_HDR_CONTENT_TYPE,
	SIP_HDR_CSEQ, SIP_HDR_DATE, SIP_HDR_ERROR_INFO, SIP_HDR_EVENT,
	SIP_HDR_EXPIRES, SIP_HDR_FROM, SIP_HDR_IDENTITY, SIP_HDR_IN_REPLY_TO,
	SIP_HDR_MAX_FORWARDS, SIP_HDR_MIME_VERSION, SIP_HDR_MIN_EXPIRES,
	SIP_HDR_MIN_SE, SIP_HDR_ORGANIZATION, SIP_HDR_PRIORITY,
	SIP_HDR_PROXY_AUTHENTICATE, SIP_HDR_PROXY_AUTHORIZATION,
	SIP_HDR_PROXY_REQUIRE, SIP_HDR_RACK, SIP_HDR_REASON,
	SIP_HDR_RECORD_ROUTE, SIP_HDR_REFER_TO, SIP_HDR_REFERRED_BY,
	SIP_HDR_REJECT_CONTACT, SIP_HDR_REPLACES, SIP_HDR_REPLY_TO,
	SIP_HDR_REQUEST_DISPOSITION, SIP_HDR_REQUIRE, SIP_HDR_RETRY_AFTER,
	SIP_HDR_ROUTE, SIP_HDR_RSEQ, SIP_HDR_SERVER, SIP_HDR_SESSION_EXPIRES,
	SIP_HDR_SUBJECT, SIP_HDR_SUBSCRIPTION_STATE, SIP_HDR_SUPPORTED,
	SIP_HDR_TIMESTAMP, SIP_HDR_TO, SIP_HDR_UNSUPPORTED, SIP_HDR_USER_AGENT,
	SIP_HDR_VIA, SIP_HDR_WARNING, SIP_HDR_WWW_AUTHENTICATE,
	SIP_HDR__COUNT
};

/* One header line as received. value excludes the name, colon and the
 * surrounding white space; a folded value (RFC 3261 §7.3.1) keeps its CRLF+WS
 * inside the slice, which every value parser treats as white space. A
 * comma-separated header line stays one sip_hdr; split it with sip_list_next. */
struct sip_hdr {
	enum sip_hdr_id id;
	struct sip_str name;
	struct sip_str value;
};

enum sip_proto { SIP_PROTO_UDP = 0, SIP_PROTO_TCP, SIP_PROTO_TLS, SIP_PROTO__COUNT };

/* The top-most Via (RFC 3261 §20.42, §18.2.1, RFC 3581). */
struct sip_via {
	struct sip_str value;      /* the whole first via-parm */
	struct sip_str transport;  /* "UDP", "TCP", "TLS", ... */
	struct sip_str host;       /* sent-by host, IPv6 without brackets */
	uint16_t port;             /* 0 when absent */
	struct sip_str branch;     /* empty when absent */
	struct sip_str received;
	struct sip_str maddr;
	int rport;                 /* -1 absent, 0 present without value, else value */
	struct sip_str params;     /* ";branch=..;rport" raw */
};

/* Where a message came from; filled by the transport layer. */
struct sip_listener;
struct sip_rx_info {
	enum sip_proto proto;
	struct sockaddr_storage src;
	socklen_t src_len;
	const struct sip_listener *listener; /* lives as long as the transport */
	uint64_t conn_id;          /* stream transports: the connection, 0 for UDP.
	                            * An id, not a pointer: a connection may close
	                            * while a transaction still wants to answer. */
};

#define SIP_MSG_INLINE_HDRS 24

struct sip_msg {
	char *buf;                 /* owned; NUL-terminated after len for safety */
	size_t len;

	/* start line */
	bool is_request;
	enum sip_method method;    /* request method (SIP_METHOD_UNKNOWN: see method_str) */
	struct sip_str method_str;
	struct sip_str ruri;       /* Request-URI text */
	struct sip_str version;    /* "SIP/2.0" */
	int status;                /* responses */
	struct sip_str reason;

	/* every header, in order */
	struct sip_hdr *hdrs;
	unsigned nhdrs, hdr_cap;
	struct sip_hdr hdr_inline[SIP_MSG_INLINE_HDRS];
	int16_t first[SIP_HDR__COUNT]; /* index of first header of each id, -1 */

	/* parsed on receipt */
	struct sip_via via;        /* top-most Via */
	unsigned via_count;        /* via-parms across all Via headers */
	struct sip_str call_id;
	struct sip_str from_tag, to_tag;
	struct sip_str from_uri, to_uri; /* the URI text inside From / To */
	uint32_t cseq;
	enum sip_method cseq_method;
	struct sip_str cseq_method_str;
	int max_forwards;          /* -1 absent */
	long content_length;       /* -1 absent */
	struct sip_str body;

	struct sip_rx_info rx;
};

/* What went wrong, and the answer RFC 3261 wants for it. status 0 means no
 * response can be built (drop and count). reason is a static string that
 * names the fault, used as the reason phrase, e.g. "Missing Call-ID". */
struct sip_error {
	int status;
	const char *reason;
};

#define SIP_PARSE_STREAM 0x1   /* TCP/TLS: Content-Length mandatory */

/* Frame a stream: length of the first complete message in buf (headers and
 * Content-Length body), 0 when more bytes are needed, -1 when the header
 * block is malformed or exceeds max bytes. Leading CRLFs are not part of a
 * message; *skip returns how many to discard first (RFC 5626 §4.4.1 keep-alive). */
long sip_frame_length(const char *buf, size_t len, size_t max, size_t *skip);

/* Parse len bytes at data into m (copied once into m->buf). Returns 0, or a
 * negative errno-style code with *err set: err->status != 0 means a response
 * with that status can (and should, for requests) be sent; m then holds what
 * was parsed before the fault (start line, headers, Via, Call-ID, CSeq...) so
 * that response can be built from it. sip_msg_free(m) is needed either way. */
int sip_msg_parse(struct sip_msg *m, const char *data, size_t len,
                  unsigned flags, struct sip_error *err);

/* Semantic checks on a parsed request (RFC 3261 §8.2, §16.3): mandatory
 * headers, CSeq method, version, URI scheme. 0 or negative with *err. */
int sip_msg_validate_request(const struct sip_msg *m, struct sip_error *err);

void sip_msg_free(struct sip_msg *m); /* frees buffers, not m itself */

const struct sip_hdr *sip_msg_hdr(const struct sip_msg *m, enum sip_hdr_id id);
/* Next header with the same id as prev (or same name for SIP_HDR_OTHER). */
const struct sip_hdr *sip_msg_hdr_next(const struct sip_msg *m, const struct sip_hdr *prev);
/* Lookup by name, long or compact form, case-insensitive. */
const struct sip_hdr *sip_msg_hdr_by_name(const struct sip_msg *m, struct sip_str name);

enum sip_hdr_id sip_hdr_lookup(struct sip_str name);
const char *sip_hdr_name(enum sip_hdr_id id);     /* canonical long form */
enum sip_method sip_method_lookup(struct sip_str name);
const char *sip_method_name(enum sip_method m);
const char *sip_reason_phrase(int status);        /* default phrase for a code */
const char *sip_proto_name(enum sip_proto p);     /* "UDP", "TCP", "TLS" */

TANDEM_API_END
#endif
