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
 *     SIPS+D2T for a sips URI, by order then preference; every usable
 *     record is followed, the later ones to fail over to) to SRV; without
 *     usable NAPTR the SRV of each transport (_sip._udp then _sip._tcp;
 *     _sips._tcp for sips); without SRV, A/AAAA on UDP (TLS for sips) with
 *     the default port. SRV records whose targets are all "." mean the
 *     service is not offered (RFC 2782): -ENOENT, no A/AAAA fallback.
 * SRV targets are ordered by priority and, within one priority, by the
 * weighted random choice of RFC 2782; every SRV target's addresses follow
 * one another in the list, so failing over walks the SRV order.
 * Names are looked up as written (no search domains); A/AAAA also see
 * /etc/hosts. When the NAPTR query met silence, or the SRV queries found
 * no target and one of them met silence, the lookup ends with -ETIMEDOUT
 * rather than falling back to the next kind of record. At most SIP_LOCATE_MAX targets are kept
 * (the first ones in the order above). */
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
	 * the system's (/etc/resolv.conf). Copied: need not outlive the call. */
	const char *servers;
	/* The first try's wait; 0: 2000. c-ares doubles it at each round of
	 * tries, so one query gives up after timeout x (2^tries - 1) with one
	 * server (2 s, 2 tries: 6 s). */
	unsigned timeout_ms;
	unsigned tries;                /* 0: 2 */
};

/* NULL on failure with a message in err. */
struct sip_dns *sip_dns_new(struct ev_loop *loop, const struct sip_dns_cfg *cfg, char *err,
                            size_t errlen);
/* Pending queries are dropped without their callback. Not from inside a
 * callback of d's own queries. */
void sip_dns_free(struct sip_dns *d);

/* status: 0 with r->n >= 1 targets; -ENOENT the name does not exist or has
 * no usable record; -ETIMEDOUT no server answered (silence, or ICMP port
 * unreachable); -EIO any other DNS failure (SERVFAIL, REFUSED...); -ENOMEM.
 * r is never NULL (n 0 on failure) and valid only during the call. The
 * query is gone after it (a sip_locate_cancel of it from inside the
 * callback is harmless; after it, not allowed). */
typedef void (*sip_locate_fn)(void *arg, int status, const struct sip_locate_result *r);

/* Locate req. 0: answered at once into *out (a numeric host, d may be
 * NULL); no callback follows. -EINPROGRESS: *q is the query, fn is called
 * exactly once later from the loop (never from inside sip_locate nor from
 * inside c-ares, so it may locate, cancel or free anything but d). Else a
 * negative errno (-EINVAL a bad host, a sips URI with transport UDP, or
 * no d/fn/q for a name; -ENOMEM). */
int sip_locate(struct sip_dns *d, const struct sip_locate_req *req, struct sip_locate_result *out,
               sip_locate_fn fn, void *arg, struct sip_dns_query **q);
/* Forget a pending query: fn is not called, whatever c-ares answers later
 * for the requests it had in flight (they finish silently). */
void sip_locate_cancel(struct sip_dns_query *q);

/* The server's resolver, made from the config's dns group
 * (dns: { servers = "..."; timeout = ms; tries = n; }), for modules: made
 * before modules' init and freed after their stop. NULL under
 * tandemd --check-config, where no loop runs. A reload that changes the
 * group puts a new resolver in its place: the old one still answers the
 * lookups it has in flight (callbacks and sip_locate_cancel as usual),
 * refuses new ones with -ESTALE, and is freed once they are over. So
 * fetch it for each lookup rather than keeping it; allow for NULL in
 * init. */
struct sip_dns *tandem_dns(struct tandem *t);

TANDEM_API_END
#endif
