/* tandem — locating SIP servers (RFC 3263) with DNS that never blocks the
 * signalling loop: c-ares queries driven by the libev loop.
 *
 * A SIP URI's host becomes an ordered list of (transport, address, port)
 * targets to try in turn (RFC 3263 §4):
 *   - a numeric address: itself, the port given or the transport's default
 *     (5060, 5061 for TLS); no lookup at all;
 *   - a name with a port: A/AAAA of the name only (§4.2);
 *   - a name with a transport but no port: SRV for that transport
 *     (_sip._udp, _sip._tcp, _sips._tcp), else A/AAAA with the default port;
 *   - a name with neither: NAPTR (§4.1: SIP+D2U, SIP+D2T, SIPS+D2T, only
 *     SIPS+D2T for a sips URI, by order then preference) to SRV; without
 *     NAPTR the SRV of each transport; without SRV, A/AAAA on UDP (TLS
 *     for sips) with the default port.
 * SRV targets are ordered by priority and, within one priority, by the
 * weighted random choice of RFC 2782; every SRV target's addresses follow
 * one another in the list, so failing over walks the SRV order. */
#ifndef TANDEM_DNS_H
#define TANDEM_DNS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <tandem/sip_msg.h>
#include <tandem/str.h>
#include <tandem/export.h>
TANDEM_API_BEGIN

struct ev_loop;
struct tandem;
struct sip_dns;           /* one resolver (c-ares channel) on one loop */
struct sip_dns_query;     /* one location in progress */

#define SIP_LOCATE_MAX 16
#define SIP_DNS_NAME_MAX 256

struct sip_target {
	enum sip_proto proto;
	struct sockaddr_storage addr;  /* address and port */
	socklen_t addr_len;
	/* The name this address was found for (the SRV target, or the host
	 * itself; the address text for a numeric host): for logs, and for
	 * verifying a TLS server's certificate (RFC 5922 §4). */
	char host[SIP_DNS_NAME_MAX];
};

struct sip_locate_result {
	size_t n;                      /* 1..SIP_LOCATE_MAX on success */
	struct sip_target t[SIP_LOCATE_MAX];
	/* The smallest TTL of the records used, in seconds (0 for a numeric
	 * host: nothing to expire): how long a caller may keep the answer. */
	unsigned ttl;
};

struct sip_locate_req {
	struct sip_str host;           /* IPv6 with or without brackets */
	uint16_t port;                 /* 0: none in the URI */
	bool proto_given;              /* the URI had ;transport= (proto says which) */
	enum sip_proto proto;
	bool sips;                     /* a sips: URI: TLS only (RFC 3263 §4.1) */
};

struct sip_dns_cfg {
	/* "127.0.0.1:5353,[::1]:53" (c-ares server list syntax); NULL or "":
	 * the system's (/etc/resolv.conf). */
	const char *servers;
	unsigned timeout_ms;           /* per try; 0: 2000 */
	unsigned tries;                /* 0: 2 */
};

/* NULL on failure with a message in err. */
struct sip_dns *sip_dns_new(struct ev_loop *loop, const struct sip_dns_cfg *cfg, char *err,
                            size_t errlen);
/* Pending queries are dropped without their callback. */
void sip_dns_free(struct sip_dns *d);

/* status: 0 with r->n >= 1 targets; -ENOENT the name does not exist or has
 * no usable record; -ETIMEDOUT no server answered; -EIO any other DNS
 * failure. r is valid only during the call. The query is gone after it. */
typedef void (*sip_locate_fn)(void *arg, int status, const struct sip_locate_result *r);

/* Locate req. 0: answered at once into *out (a numeric host); no callback
 * follows. -EINPROGRESS: *q is the query, fn is called later from the loop
 * (never from inside sip_locate). Else a negative errno (-EINVAL a bad
 * host, -ENOMEM). */
int sip_locate(struct sip_dns *d, const struct sip_locate_req *req, struct sip_locate_result *out,
               sip_locate_fn fn, void *arg, struct sip_dns_query **q);
/* Forget a pending query: fn is not called. */
void sip_locate_cancel(struct sip_dns_query *q);

/* The server's resolver, made from the config's dns group
 * (dns: { servers = "..."; timeout = ms; tries = n; }), for modules. */
struct sip_dns *tandem_dns(struct tandem *t);

TANDEM_API_END
#endif
