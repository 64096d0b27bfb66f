/* tandem — the pure rules of SIP server location, apart from any DNS I/O
 * (core/net/dns.c runs the queries): what a URI's host asks for
 * (RFC 3263 §4), which NAPTR records a SIP client may follow and in which
 * order (§4.1), and the order of SRV targets (RFC 2782). Unit-tested on
 * their own (tests/unit/test_dns_order.c). */
#ifndef TANDEM_DNS_ORDER_H
#define TANDEM_DNS_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tandem/dns.h>

/* ---- RFC 3263 §4: what to look up ---- */
enum dns_plan_kind {
	DNS_PLAN_NUMERIC,   /* an IP address: the target itself, no lookup */
	DNS_PLAN_ADDR,      /* a port given: A/AAAA of the name only */
	DNS_PLAN_SRV,       /* a transport given: SRV for it, then A/AAAA */
	DNS_PLAN_NAPTR,     /* neither: NAPTR, then SRV, then A/AAAA */
};

struct dns_plan {
	enum dns_plan_kind kind;
	/* NUMERIC, ADDR, SRV: the transport. NAPTR: the one an A/AAAA
	 * fallback uses (UDP, TLS for sips). */
	enum sip_proto proto;
	uint16_t port;                  /* NUMERIC, ADDR: the port to use */
	bool sips;
	char host[SIP_DNS_NAME_MAX];    /* without brackets, no trailing dot */
	struct sockaddr_storage addr;   /* NUMERIC: address and port */
	socklen_t addr_len;
};

/* RFC 3261 §19.1.2: 5060, 5061 for TLS. */
uint16_t dns_default_port(enum sip_proto p);
/* Classify req (RFC 3263 §4.1 for the transport, §4.2 for the port).
 * -EINVAL: an empty or malformed host, brackets around something that is
 * not IPv6, or a sips URI asking for UDP. */
int dns_plan_make(const struct sip_locate_req *req, struct dns_plan *p);
/* The target of a numeric plan. */
void dns_plan_target(const struct dns_plan *p, struct sip_target *t);

/* The SRV name of a transport (RFC 3263 §4.1: "_sips" for TLS, "_sip"
 * otherwise; "_udp"/"_tcp" the transport beneath): -ENAMETOOLONG. */
int dns_srv_name(enum sip_proto proto, const char *host, char *out, size_t n);
/* Without usable NAPTR records (RFC 3263 §4.1): the transports whose SRV
 * records are asked for, in the order tried. Returns how many (<= 2). */
size_t dns_srv_fallback(bool sips, enum sip_proto out[2]);

/* ---- RFC 3263 §4.1: NAPTR records of a SIP server ---- */
struct dns_naptr {
	uint16_t order, preference;
	const char *flags;              /* as in the record, NUL-terminated */
	const char *service;
	const char *regexp;
	const char *replacement;
};

struct dns_naptr_pick {
	enum sip_proto proto;
	char srv[SIP_DNS_NAME_MAX];     /* the replacement: an SRV name */
};

/* Keep the records a SIP client follows: flag "s" (then an SRV lookup of
 * the replacement), an empty regexp, a service tandem speaks (SIP+D2U
 * UDP, SIP+D2T TCP, SIPS+D2T TLS; only SIPS+D2T for sips). Ordered by
 * order, then preference, both ascending (RFC 3403 §4.1), the given order
 * among equals. Writes up to max picks and returns how many. */
size_t dns_naptr_select(const struct dns_naptr *in, size_t n, bool sips,
                        struct dns_naptr_pick *out, size_t max);

/* ---- RFC 2782: the order of SRV targets ---- */
struct dns_srv {
	uint16_t priority, weight, port;
	const char *target;
};

/* A random number in [0, bound), bound >= 1. */
typedef uint32_t (*dns_random_fn)(void *arg, uint32_t bound);
/* The system's (arc4random_uniform). */
uint32_t dns_random_system(void *arg, uint32_t bound);

/* Order v in place: priority ascending; within one priority, RFC 2782's
 * weighted random selection (weight 0 records first in the running sum,
 * so they are picked only when the draw is 0). A lone target "." (the
 * service is decidedly not offered) leaves nothing: returns the number of
 * usable records at the front of v. */
size_t dns_srv_order(struct dns_srv *v, size_t n, dns_random_fn rnd, void *arg);

#endif
