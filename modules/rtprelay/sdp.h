/* mod_rtprelay — SDP (RFC 4566) parsing into a compact form, and rewriting
 * of connection addresses, ports, a=rtcp and a=crypto for the relay.
 * Pure: no I/O, no allocation, no globals. */
#ifndef RTPRELAY_SDP_H
#define RTPRELAY_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTPR_SDP_MAX_MEDIA  8
#define RTPR_SDP_MAX_FMT    32
#define RTPR_SDP_MAX_CRYPTO 4
#define RTPR_SDP_ADDR_LEN   64   /* fits an IPv6 address or a short FQDN */
#define RTPR_SDP_CRYPTO_LEN 200  /* one a=crypto value, after "a=crypto:" */

/* Direction attributes (RFC 4566 §6, RFC 3264 §5.1); NONE = not present. */
enum rtpr_sdp_dir {
	RTPR_DIR_NONE = 0,
	RTPR_DIR_SENDRECV,
	RTPR_DIR_SENDONLY,
	RTPR_DIR_RECVONLY,
	RTPR_DIR_INACTIVE,
};

struct rtpr_sdp_media {
	char type[16];            /* audio, video, ... */
	uint16_t port;            /* 0: stream rejected/disabled (RFC 3264 §6) */
	uint16_t nports;          /* "m=audio 49170/2": 2; else 1 */
	char proto[24];           /* RTP/AVP, RTP/SAVP, RTP/AVPF, RTP/SAVPF, ... */
	bool secure;              /* proto is an SAVP(F) profile */
	unsigned nfmt;            /* numeric payload types (first RTPR_SDP_MAX_FMT) */
	uint8_t fmt[RTPR_SDP_MAX_FMT];
	bool has_conn;            /* own c= line */
	char addr[RTPR_SDP_ADDR_LEN]; /* effective address: own c= or session c= */
	int rtcp_port;            /* a=rtcp port (RFC 3605), or -1 if absent */
	char rtcp_addr[RTPR_SDP_ADDR_LEN]; /* a=rtcp address, "" if not given */
	bool rtcp_mux;            /* a=rtcp-mux (RFC 5761) */
	enum rtpr_sdp_dir dir;    /* effective: own attribute, else session's */
	int te_pt;                /* telephone-event payload type (RFC 4733), or -1 */
	unsigned te_rate;
	/* The encoding of the first payload type ("PCMU/8000", "opus/48000/2"):
	 * its a=rtpmap, else the RFC 3551 name of a static type; "" unknown.
	 * In an answer, the codec the answerer prefers (RFC 3264 §6.1). */
	char codec[32];
	unsigned ncrypto;
	struct {
		unsigned tag;
		char value[RTPR_SDP_CRYPTO_LEN]; /* the whole attribute value */
	} crypto[RTPR_SDP_MAX_CRYPTO];
};

struct rtpr_sdp {
	uint64_t o_version;       /* sess-version of o= */
	char o_addr[RTPR_SDP_ADDR_LEN];
	bool has_conn;            /* session-level c= */
	char addr[RTPR_SDP_ADDR_LEN];
	enum rtpr_sdp_dir dir;    /* session-level direction attribute */
	unsigned nmedia;
	struct rtpr_sdp_media media[RTPR_SDP_MAX_MEDIA];
};

/* Parse len bytes (CRLF or LF line ends). Returns 0, -EINVAL on malformed
 * SDP, -E2BIG when there are more than RTPR_SDP_MAX_MEDIA m-lines or a
 * value does not fit. *out is always initialised. */
int rtpr_sdp_parse(const char *buf, size_t len, struct rtpr_sdp *out);

/* What to do with the a=crypto lines of one m-line. */
enum rtpr_crypto_op {
	RTPR_CRYPTO_KEEP = 0,     /* pass through untouched */
	RTPR_CRYPTO_REPLACE,      /* drop the peer's, write ours; profile -> SAVP */
	RTPR_CRYPTO_REMOVE,       /* drop all; profile -> AVP (bridge to plain RTP) */
};

struct rtpr_sdp_media_rw {
	/* Relay address and ports for this m-line. rtp_port == 0 leaves the
	 * whole m-section untouched (e.g. a rejected stream). */
	const char *addr;
	uint16_t rtp_port;
	uint16_t rtcp_port;       /* 0 = rtp_port + 1 */
	enum rtpr_crypto_op crypto_op;
	unsigned ncrypto;         /* with REPLACE: values written as a=crypto: */
	const char *const *crypto;
};

/* Origin version continuity across successive SDPs sent to one peer
 * (RFC 3264 §8: same version if unchanged, +1 if changed). Zero-init. */
struct rtpr_sdp_origin {
	bool valid;
	uint64_t version;
	uint32_t digest;
};

struct rtpr_sdp_rw {
	unsigned nmedia;          /* entries beyond the SDP's m-lines are ignored */
	struct rtpr_sdp_media_rw media[RTPR_SDP_MAX_MEDIA];
	/* NULL: the output's version is the input's, +1 if the rewrite changed
	 * anything. Else versions follow what was last sent with this state. */
	struct rtpr_sdp_origin *origin;
};

/* Rewrite in[0..inlen) into out (CRLF line ends, NUL-terminated). Media
 * lines not covered by rw keep their addresses, but a session-level c=
 * they relied on is preserved for them with a media-level c=.
 * Returns 0 with *outlen set, -EINVAL on malformed SDP, -ENOSPC if out is
 * too small. */
int rtpr_sdp_rewrite(const char *in, size_t inlen, const struct rtpr_sdp_rw *rw,
                     char *out, size_t outsz, size_t *outlen);

const char *rtpr_sdp_dir_name(enum rtpr_sdp_dir d);

#endif
