/* tandem — the pure rules of SIP server location (dns_order.h): RFC 3263
 * §4 for what a host asks for, §4.1 for NAPTR records, RFC 2782 for the
 * order of SRV targets. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/dns_order.h"

uint16_t dns_default_port(enum sip_proto p)
{
	return p == SIP_PROTO_TLS ? 5061 : 5060;
}

/* An IPv4 or IPv6 address (the latter with or without brackets) into
 * p->addr; 1 when numeric, 0 when not, -EINVAL for brackets around
 * anything but IPv6. */
static int parse_numeric(const char *h, struct dns_plan *p)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	size_t n = strlen(h);
	bool bracketed = h[0] == '[';
	if (bracketed) {
		if (n < 3 || h[n - 1] != ']' || n - 2 >= sizeof tmp)
			return -EINVAL;
		memcpy(tmp, h + 1, n - 2);
		tmp[n - 2] = '\0';
		h = tmp;
	}
	memset(&p->addr, 0, sizeof p->addr);
	struct sockaddr_in *in = (struct sockaddr_in *)&p->addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&p->addr;
	if (!bracketed && inet_pton(AF_INET, h, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		p->addr_len = sizeof *in;
	} else if (inet_pton(AF_INET6, h, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		p->addr_len = sizeof *in6;
	} else {
		return bracketed ? -EINVAL : 0;
	}
	snprintf(p->host, sizeof p->host, "%s", h);
	return 1;
}

/* A host name (RFC 3261 §25.1 hostname, with '_' allowed as DNS names
 * may carry it): labels of 1..63 letters, digits, '-', '_'; one trailing
 * dot (an absolute name) is dropped. */
static int copy_hostname(struct sip_str h, char *out, size_t n)
{
	if (h.len && h.p[h.len - 1] == '.')
		h.len--;
	if (h.len == 0 || h.len > 253 || h.len >= n)
		return -EINVAL;
	size_t label = 0;
	for (size_t i = 0; i < h.len; i++) {
		unsigned char c = (unsigned char)h.p[i];
		if (c == '.') {
			if (label == 0)
				return -EINVAL;
			label = 0;
		} else if (isalnum(c) || c == '-' || c == '_') {
			if (++label > 63)
				return -EINVAL;
		} else {
			return -EINVAL;
		}
	}
	memcpy(out, h.p, h.len);
	out[h.len] = '\0';
	return 0;
}

int dns_plan_make(const struct sip_locate_req *req, struct dns_plan *p)
{
	if (!req || !p || (req->proto_given && req->proto >= SIP_PROTO__COUNT))
		return -EINVAL;
	memset(p, 0, sizeof *p);
	p->sips = req->sips;
	/* RFC 3263 §4.1: without a transport, UDP for a SIP URI and TCP
	 * (under TLS) for a SIPS URI; a SIPS URI is never sent over UDP. */
	if (req->sips) {
		if (req->proto_given && req->proto == SIP_PROTO_UDP)
			return -EINVAL;
		p->proto = SIP_PROTO_TLS;
	} else {
		p->proto = req->proto_given ? req->proto : SIP_PROTO_UDP;
	}
	struct sip_str h = sip_str_trim(req->host);
	if (h.len == 0 || h.len >= sizeof p->host)
		return -EINVAL;
	char text[SIP_DNS_NAME_MAX];
	memcpy(text, h.p, h.len);
	text[h.len] = '\0';
	int rc = parse_numeric(text, p);
	if (rc < 0)
		return rc;
	p->port = req->port ? req->port : dns_default_port(p->proto);
	if (rc == 1) {
		p->kind = DNS_PLAN_NUMERIC;
		if (p->addr.ss_family == AF_INET)
			((struct sockaddr_in *)&p->addr)->sin_port = htons(p->port);
		else
			((struct sockaddr_in6 *)&p->addr)->sin6_port = htons(p->port);
		return 0;
	}
	if (copy_hostname(h, p->host, sizeof p->host) < 0)
		return -EINVAL;
	/* RFC 3263 §4.2: a port in the URI means A/AAAA only; §4.1: a
	 * transport in it means its SRV; neither means NAPTR first. */
	if (req->port)
		p->kind = DNS_PLAN_ADDR;
	else if (req->proto_given)
		p->kind = DNS_PLAN_SRV;
	else
		p->kind = DNS_PLAN_NAPTR;
	return 0;
}

void dns_plan_target(const struct dns_plan *p, struct sip_target *t)
{
	memset(t, 0, sizeof *t);
	t->proto = p->proto;
	t->addr = p->addr;
	t->addr_len = p->addr_len;
	snprintf(t->host, sizeof t->host, "%s", p->host);
}

int dns_srv_name(enum sip_proto proto, const char *host, char *out, size_t n)
{
	static const char *const prefix[SIP_PROTO__COUNT] = {
		[SIP_PROTO_UDP] = "_sip._udp", [SIP_PROTO_TCP] = "_sip._tcp",
		[SIP_PROTO_TLS] = "_sips._tcp",
	};
	if (proto >= SIP_PROTO__COUNT)
		return -EINVAL;
	int w = snprintf(out, n, "%s.%s", prefix[proto], host);
	return w < 0 || (size_t)w >= n ? -ENAMETOOLONG : 0;
}

size_t dns_srv_fallback(bool sips, enum sip_proto out[2])
{
	/* RFC 3263 §4.1: "_sip" for SIP URIs, "_sips" for SIPS URIs, one
	 * query per transport the client supports; UDP first, as a URI
	 * without a transport would be (§4.1). */
	if (sips) {
		out[0] = SIP_PROTO_TLS;
		return 1;
	}
	out[0] = SIP_PROTO_UDP;
	out[1] = SIP_PROTO_TCP;
	return 2;
}

/* ---- NAPTR ---- */

static int naptr_proto(const char *service, bool sips, enum sip_proto *out)
{
	static const struct { const char *svc; enum sip_proto proto; } known[] = {
		{ "SIP+D2U", SIP_PROTO_UDP },
		{ "SIP+D2T", SIP_PROTO_TCP },
		{ "SIPS+D2T", SIP_PROTO_TLS },
	};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		if (strcasecmp(service, known[i].svc) != 0)
			continue;
		/* §4.1: a SIPS URI uses SIPS+D2T records only */
		if (sips && known[i].proto != SIP_PROTO_TLS)
			return -1;
		*out = known[i].proto;
		return 0;
	}
	return -1;   /* SIP+D2S (SCTP), SIPS+D2S, E2U+..., anything else */
}

static bool naptr_before(const struct dns_naptr *a, const struct dns_naptr *b)
{
	return a->order < b->order || (a->order == b->order && a->preference < b->preference);
}

size_t dns_naptr_select(const struct dns_naptr *in, size_t n, bool sips,
                        struct dns_naptr_pick *out, size_t max)
{
	const struct dns_naptr *keep[64];
	enum sip_proto protos[64];
	size_t k = 0;
	for (size_t i = 0; i < n && k < sizeof keep / sizeof keep[0]; i++) {
		const struct dns_naptr *r = &in[i];
		enum sip_proto proto;
		/* §4.1: flag "s" (what follows is an SRV lookup of the
		 * replacement), hence no regexp; a service tandem speaks. */
		if (!r->flags || strcasecmp(r->flags, "s") != 0 || !r->service ||
		    (r->regexp && r->regexp[0]) || !r->replacement || !r->replacement[0] ||
		    strcmp(r->replacement, ".") == 0 || naptr_proto(r->service, sips, &proto) < 0)
			continue;
		/* insertion sort, stable: equal keys keep the given order */
		size_t j = k;
		while (j > 0 && naptr_before(r, keep[j - 1])) {
			keep[j] = keep[j - 1];
			protos[j] = protos[j - 1];
			j--;
		}
		keep[j] = r;
		protos[j] = proto;
		k++;
	}
	/* Every usable record stays, lower orders behind higher ones: the
	 * order is the server's preference, and a client may use any
	 * transport the server offers (§4.1), so the later ones are where
	 * to fail over to. */
	size_t w = 0;
	for (size_t i = 0; i < k && w < max; i++) {
		int len = snprintf(out[w].srv, sizeof out[w].srv, "%s", keep[i]->replacement);
		if (len < 0 || (size_t)len >= sizeof out[w].srv)
			continue;
		size_t l = (size_t)len;
		if (l > 1 && out[w].srv[l - 1] == '.')
			out[w].srv[l - 1] = '\0';
		out[w].proto = protos[i];
		w++;
	}
	return w;
}

/* ---- SRV ---- */

uint32_t dns_random_system(void *arg, uint32_t bound)
{
	(void)arg;
	return arc4random_uniform(bound);
}

/* Move v[from] to v[to] (to <= from), shifting the ones between up. */
static void move_to(struct dns_srv *v, size_t to, size_t from)
{
	struct dns_srv x = v[from];
	memmove(&v[to + 1], &v[to], (from - to) * sizeof *v);
	v[to] = x;
}

/* RFC 2782, "Usage rules": within one priority, weight 0 records first,
 * a draw in [0, sum of the weights], the first record whose running sum
 * reaches it is next; repeated on the rest. */
static void order_priority(struct dns_srv *v, size_t n, dns_random_fn rnd, void *arg)
{
	size_t zeros = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i].weight == 0)
			move_to(v, zeros++, i);
	for (size_t k = 0; k + 1 < n; k++) {
		uint32_t sum = 0;
		for (size_t i = k; i < n; i++)
			sum += v[i].weight;
		uint32_t draw = rnd(arg, sum + 1), run = 0;
		size_t pick = n - 1;
		for (size_t i = k; i < n; i++) {
			run += v[i].weight;
			if (run >= draw) {
				pick = i;
				break;
			}
		}
		move_to(v, k, pick);
	}
}

size_t dns_srv_order(struct dns_srv *v, size_t n, dns_random_fn rnd, void *arg)
{
	/* RFC 2782: a target of "." means the service is decidedly not
	 * available at this domain. */
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i].target && v[i].target[0] && strcmp(v[i].target, ".") != 0)
			v[m++] = v[i];
	/* priority ascending: insertion sort, stable */
	for (size_t i = 1; i < m; i++) {
		size_t j = i;
		while (j > 0 && v[j - 1].priority > v[i].priority)
			j--;
		if (j != i)
			move_to(v, j, i);
	}
	for (size_t i = 0; i < m;) {
		size_t j = i + 1;
		while (j < m && v[j].priority == v[i].priority)
			j++;
		order_priority(v + i, j - i, rnd, arg);
		i = j;
	}
	return m;
}
