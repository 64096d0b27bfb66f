/* tandem — transports, the common part: the transport object, listeners,
 * send dispatch, destinations (RFC 3261 §18.2.2, RFC 3581 §4), Via sent-by
 * and statistics. UDP lives in transport_udp.c, TCP/TLS in
 * transport_stream.c, OpenSSL in tls.c. */
#include "transport_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

uint16_t sip_default_port(enum sip_proto p)
{
	/* RFC 3261 §19.1.2: 5060 for UDP/TCP, 5061 for TLS (sips). */
	return p == SIP_PROTO_TLS ? SIP_DEFAULT_TLS_PORT : SIP_DEFAULT_PORT;
}

int sip_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

bool sip_addr_is_wildcard(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)sa)->sin_addr.s_addr == htonl(INADDR_ANY);
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return false;
}

uint16_t sip_addr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return 0;
}

void sip_addr_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

bool sip_addr_ip_eq(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		              &((const struct sockaddr_in6 *)b)->sin6_addr,
		              sizeof(struct in6_addr)) == 0;
	return false;
}

bool sip_addr_eq(const struct sockaddr *a, const struct sockaddr *b)
{
	return sip_addr_ip_eq(a, b) && sip_addr_port(a) == sip_addr_port(b);
}

size_t sip_addr_ip_hash(const struct sockaddr *sa)
{
	const unsigned char *p;
	size_t n;
	if (sa->sa_family == AF_INET) {
		p = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
		n = 4;
	} else if (sa->sa_family == AF_INET6) {
		p = (const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
		n = 16;
	} else {
		return 0;
	}
	/* FNV-1a: cheap and good enough to spread peers over the buckets. */
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 32));
}

const char *sip_addr_str(const struct sockaddr *sa, char *buf, size_t n)
{
	char ip[INET6_ADDRSTRLEN];
	if (!buf || n == 0)
		return "";
	if (!sa) {
		snprintf(buf, n, "?");
		return buf;
	}
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
		snprintf(buf, n, "%s:%u", ip, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
		snprintf(buf, n, "[%s]:%u", ip, ntohs(in6->sin6_port));
	} else {
		snprintf(buf, n, "?");
	}
	return buf;
}

const struct sip_listener *sip_transport_find_listener(const struct sip_transport *tp,
                                                       enum sip_proto proto, int family)
{
	for (const struct sip_listener *l = tp->listeners; l; l = l->next)
		if (l->proto == proto && (family == AF_UNSPEC || l->addr.ss_family == family))
			return l;
	return NULL;
}

static size_t round_pow2(size_t n)
{
	size_t p = 64;
	while (p < n && p < ((size_t)1 << 20))
		p <<= 1;
	return p;
}

struct sip_transport *sip_transport_new(struct ev_loop *loop,
                                        const struct sip_transport_cfg *cfg,
                                        sip_transport_rx_fn rx,
                                        sip_transport_bad_fn bad, void *arg)
{
	if (!loop || !rx || !bad)
		return NULL;
	struct sip_transport *tp = calloc(1, sizeof *tp);
	if (!tp)
		return NULL;
	tp->loop = loop;
	if (cfg)
		tp->cfg = *cfg;
	if (tp->cfg.max_msg_size == 0)
		tp->cfg.max_msg_size = 65535;
	if (tp->cfg.tcp_idle_timeout <= 0)
		tp->cfg.tcp_idle_timeout = 600;
	if (tp->cfg.max_connections == 0)
		tp->cfg.max_connections = 4096;
	if (tp->cfg.max_conn_per_ip == 0)
		tp->cfg.max_conn_per_ip = 64;
	if (tp->cfg.max_send_queue == 0)
		tp->cfg.max_send_queue = 1024 * 1024;
	/* A queue must at least hold one whole message. */
	if (tp->cfg.max_send_queue < tp->cfg.max_msg_size)
		tp->cfg.max_send_queue = tp->cfg.max_msg_size;
	tp->rx = rx;
	tp->bad = bad;
	tp->arg = arg;
	tp->nbuckets = round_pow2(tp->cfg.max_connections);
	tp->by_id = calloc(tp->nbuckets, sizeof *tp->by_id);
	tp->by_addr = calloc(tp->nbuckets, sizeof *tp->by_addr);
	if (!tp->by_id || !tp->by_addr) {
		free(tp->by_id);
		free(tp->by_addr);
		free(tp);
		return NULL;
	}
	tp->next_id = 1;
	/* OpenSSL writes to TLS sockets with write(2); a peer that resets the
	 * connection must not kill the server with SIGPIPE (plain TCP uses
	 * MSG_NOSIGNAL). Only the default disposition is replaced. */
	struct sigaction sa;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
	return tp;
}

static void listener_close(struct sip_transport *tp, struct sip_listener *l);

static void listeners_free(struct sip_transport *tp, struct sip_listener *l)
{
	while (l) {
		struct sip_listener *next = l->next;
		listener_close(tp, l);
		free(l);
		l = next;
	}
}

void sip_transport_free(struct sip_transport *tp)
{
	if (!tp)
		return;
	sip_stream_close_all(tp);
	listeners_free(tp, tp->listeners);
	listeners_free(tp, tp->retired);
	sip_tls_ctx_free(tp->client_ctx);
	sip_tls_names_free(tp);
	free(tp->udp_buf);
	free(tp->by_id);
	free(tp->by_addr);
	free(tp);
}

void sip_transport_set_error_cb(struct sip_transport *tp, sip_transport_err_fn fn, void *arg)
{
	if (!tp)
		return;
	tp->err_fn = fn;
	tp->err_arg = arg;
}

/* Numeric address text (IPv6 with or without brackets) -> sockaddr. */
static int parse_numeric(const char *s, uint16_t port, struct sockaddr_storage *ss,
                         socklen_t *len)
{
	char tmp[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(s);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		if (n - 2 >= sizeof tmp)
			return -EINVAL;
		memcpy(tmp, s + 1, n - 2);
		tmp[n - 2] = '\0';
		s = tmp;
	}
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, s, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		*len = sizeof *in;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof *in6;
		return 0;
	}
	return -EINVAL;
}

/* The address cfg names (port 0: the protocol's default); logged when it
 * is not a numeric address. */
static int listener_addr(const struct sip_listener_cfg *cfg, struct sockaddr_storage *ss,
                         socklen_t *len)
{
	const char *addr = cfg->address && *cfg->address ? cfg->address : "0.0.0.0";
	uint16_t port = cfg->port ? cfg->port : sip_default_port(cfg->proto);
	int rc = parse_numeric(addr, port, ss, len);
	if (rc < 0)
		tlog_error("listen %s %s: not a numeric IPv4/IPv6 address",
		           sip_proto_name(cfg->proto), addr);
	return rc;
}

/* l's socket (l->proto and l->addr set), bound and set up to be watched,
 * and its TLS server context. On failure nothing is left open (logged). */
static int listener_bind(struct sip_transport *tp, struct sip_listener *l,
                         const struct sip_listener_cfg *cfg)
{
	l->fd = -1;
	l->ssl_ctx = NULL;
	l->wildcard = sip_addr_is_wildcard((struct sockaddr *)&l->addr);
	if (cfg->proto == SIP_PROTO_TLS) {
		int rc = sip_tls_server_ctx(cfg, &l->ssl_ctx);
		if (rc < 0)
			return rc;
	}
	int rc = cfg->proto == SIP_PROTO_UDP ? sip_udp_listen(tp, l) : sip_stream_listen(tp, l);
	if (rc < 0) {
		char a[64];
		tlog_error("listen %s %s: %s", sip_proto_name(cfg->proto),
		           sip_addr_str((struct sockaddr *)&l->addr, a, sizeof a), strerror(-rc));
		if (l->fd >= 0)
			close(l->fd);
		l->fd = -1;
		sip_tls_ctx_free(l->ssl_ctx);
		l->ssl_ctx = NULL;
	}
	return rc;
}

static void listener_start(struct sip_transport *tp, struct sip_listener *l)
{
	ev_io_start(tp->loop, &l->io);
	char a[64];
	tlog_info("listening on %s %s", sip_proto_name(l->proto),
	          sip_addr_str((struct sockaddr *)&l->addr, a, sizeof a));
}

/* Its socket and TLS context go; the record stays (see tp->retired). */
static void listener_close(struct sip_transport *tp, struct sip_listener *l)
{
	ev_io_stop(tp->loop, &l->io);
	ev_timer_stop(tp->loop, &l->retry);
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	sip_tls_ctx_free(l->ssl_ctx);
	l->ssl_ctx = NULL;
}

int sip_transport_listen(struct sip_transport *tp, const struct sip_listener_cfg *cfg)
{
	if (!tp || !cfg || cfg->proto >= SIP_PROTO__COUNT)
		return -EINVAL;
	struct sip_listener *l = calloc(1, sizeof *l);
	if (!l)
		return -ENOMEM;
	l->tp = tp;
	l->proto = cfg->proto;
	int rc = listener_addr(cfg, &l->addr, &l->addr_len);
	if (rc == 0)
		rc = listener_bind(tp, l, cfg);
	if (rc < 0) {
		free(l);
		return rc;
	}
	/* The first TLS listener's CA settings also govern outgoing TLS. */
	if (cfg->proto == SIP_PROTO_TLS && !tp->client_ctx &&
	    sip_tls_client_ctx(cfg, &tp->client_ctx) < 0)
		tp->client_ctx = NULL;
	/* Append: the first listener of a protocol is the preferred one. */
	struct sip_listener **pp = &tp->listeners;
	while (*pp)
		pp = &(*pp)->next;
	*pp = l;
	listener_start(tp, l);
	return 0;
}

/* ---- reloading the set of listeners ---- */

struct sip_listen_plan {
	unsigned n;
	SSL_CTX *client_ctx;           /* from the first TLS listener of the set */
	struct plan_entry {
		struct sip_listener *l;
		bool opened;           /* not in the running set: prepare opened it */
		bool revived;          /* ... in a record of tp->retired */
		SSL_CTX *ctx;          /* a kept TLS listener's reloaded context */
		enum sip_proto proto;
		struct sockaddr_storage addr;
		socklen_t addr_len;
	} e[];
};

static struct sip_listener *listener_find(struct sip_listener *list, enum sip_proto proto,
                                          const struct sockaddr *sa)
{
	for (struct sip_listener *l = list; l; l = l->next)
		if (l->proto == proto && sip_addr_eq((struct sockaddr *)&l->addr, sa))
			return l;
	return NULL;
}

static bool plan_has(const struct sip_listen_plan *p, const struct sip_listener *l)
{
	for (unsigned i = 0; i < p->n; i++)
		if (p->e[i].l == l)
			return true;
	return false;
}

/* A listener that cannot bind because one this reload removes holds the
 * port (the same port on an overlapping address): say how to get there. */
static void explain_in_use(const struct sip_transport *tp, const struct sip_listen_plan *p,
                           const struct sip_listener *nl)
{
	for (const struct sip_listener *l = tp->listeners; l; l = l->next) {
		if (plan_has(p, l) || l->proto != nl->proto || l->addr.ss_family != nl->addr.ss_family ||
		    sip_addr_port((const struct sockaddr *)&l->addr) !=
		    sip_addr_port((const struct sockaddr *)&nl->addr))
			continue;
		char a[64];
		tlog_error("listen %s %s: the port is held by the listener this reload removes; "
		           "remove it in one reload and add the new one in the next (or restart)",
		           sip_proto_name(nl->proto),
		           sip_addr_str((const struct sockaddr *)&nl->addr, a, sizeof a));
		return;
	}
}

/* Entry i of p for cfg, first pass: its address, and the running listener
 * when it is one (kept; a TLS one reads its maybe renewed files again). */
static int plan_entry_match(struct sip_transport *tp, struct sip_listen_plan *p, unsigned i,
                            const struct sip_listener_cfg *cfg)
{
	struct plan_entry *e = &p->e[i];
	char a[64];
	if (cfg->proto >= SIP_PROTO__COUNT)
		return -EINVAL;
	e->proto = cfg->proto;
	int rc = listener_addr(cfg, &e->addr, &e->addr_len);
	if (rc < 0)
		return rc;
	sip_addr_str((struct sockaddr *)&e->addr, a, sizeof a);
	for (unsigned j = 0; j < i; j++) {
		if (p->e[j].proto == cfg->proto &&
		    sip_addr_eq((struct sockaddr *)&p->e[j].addr, (struct sockaddr *)&e->addr)) {
			tlog_error("listen %s %s: listed twice", sip_proto_name(cfg->proto), a);
			return -EINVAL;
		}
	}
	e->l = listener_find(tp->listeners, cfg->proto, (struct sockaddr *)&e->addr);
	if (e->l && cfg->proto == SIP_PROTO_TLS && (rc = sip_tls_server_ctx(cfg, &e->ctx)) < 0)
		tlog_error("listen tls %s: its certificate or key cannot be read again", a);
	return rc;
}

/* Second pass: a listener the running set does not have, opened. */
static int plan_entry_open(struct sip_transport *tp, struct sip_listen_plan *p, unsigned i,
                           const struct sip_listener_cfg *cfg)
{
	struct plan_entry *e = &p->e[i];
	struct sip_listener *l = listener_find(tp->retired, cfg->proto, (struct sockaddr *)&e->addr);
	bool revived = l != NULL;
	if (!l) {
		l = calloc(1, sizeof *l);
		if (!l)
			return -ENOMEM;
		l->tp = tp;
		l->proto = cfg->proto;
		l->addr = e->addr;
		l->addr_len = e->addr_len;
	}
	int rc = listener_bind(tp, l, cfg);
	if (rc < 0) {
		if (rc == -EADDRINUSE)
			explain_in_use(tp, p, l);
		if (!revived)
			free(l);
		return rc;
	}
	e->l = l;
	e->opened = true;
	e->revived = revived;
	return 0;
}

void sip_transport_listen_abort(struct sip_transport *tp, struct sip_listen_plan *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->n; i++) {
		struct plan_entry *e = &p->e[i];
		sip_tls_ctx_free(e->ctx);
		if (!e->opened)
			continue;
		listener_close(tp, e->l);
		if (!e->revived)
			free(e->l);
	}
	sip_tls_ctx_free(p->client_ctx);
	free(p);
}

int sip_transport_listen_prepare(struct sip_transport *tp, const struct sip_listener_cfg *cfgs,
                                 unsigned n, struct sip_listen_plan **out)
{
	if (!tp || !cfgs || n == 0 || !out)
		return -EINVAL;
	struct sip_listen_plan *p = calloc(1, sizeof *p + n * sizeof p->e[0]);
	if (!p)
		return -ENOMEM;
	p->n = n;
	int rc = 0;
	for (unsigned i = 0; i < n && rc == 0; i++)
		rc = plan_entry_match(tp, p, i, &cfgs[i]);
	/* the kept ones all known, the new ones can tell a port still held by
	 * one that goes from one held by someone else */
	for (unsigned i = 0; i < n && rc == 0; i++)
		if (!p->e[i].l)
			rc = plan_entry_open(tp, p, i, &cfgs[i]);
	if (rc < 0) {
		sip_transport_listen_abort(tp, p);
		return rc;
	}
	/* as at start: the first TLS listener's CA settings govern outgoing
	 * TLS (without one, a default context is made on first use) */
	for (unsigned i = 0; i < n; i++) {
		if (cfgs[i].proto != SIP_PROTO_TLS)
			continue;
		if (sip_tls_client_ctx(&cfgs[i], &p->client_ctx) < 0)
			p->client_ctx = NULL;
		break;
	}
	*out = p;
	return 0;
}

static void retired_unlink(struct sip_transport *tp, struct sip_listener *l)
{
	struct sip_listener **pp = &tp->retired;
	while (*pp && *pp != l)
		pp = &(*pp)->next;
	if (*pp)
		*pp = l->next;
}

void sip_transport_listen_commit(struct sip_transport *tp, struct sip_listen_plan *p)
{
	char a[64];
	struct sip_listener *gone = NULL;
	for (struct sip_listener *l = tp->listeners, *next; l; l = next) {
		next = l->next;
		if (plan_has(p, l))
			continue;
		l->next = gone;
		gone = l;
	}
	/* the new set, in the config's order */
	for (unsigned i = 0; i < p->n; i++) {
		struct plan_entry *e = &p->e[i];
		if (e->revived)
			retired_unlink(tp, e->l);
		e->l->next = i + 1 < p->n ? p->e[i + 1].l : NULL;
		if (e->ctx) {
			/* connections in their handshake or open hold the old one */
			sip_tls_ctx_free(e->l->ssl_ctx);
			e->l->ssl_ctx = e->ctx;
			tlog_info("listener tls %s: certificate and key read again",
			          sip_addr_str((struct sockaddr *)&e->l->addr, a, sizeof a));
		}
	}
	tp->listeners = p->e[0].l;
	for (unsigned i = 0; i < p->n; i++)
		if (p->e[i].opened)
			listener_start(tp, p->e[i].l);
	while (gone) {
		struct sip_listener *l = gone;
		gone = l->next;
		if (l->proto != SIP_PROTO_UDP)
			sip_stream_listener_gone(tp, l);
		listener_close(tp, l);
		l->next = tp->retired;
		tp->retired = l;
		tlog_info("stopped listening on %s %s", sip_proto_name(l->proto),
		          sip_addr_str((struct sockaddr *)&l->addr, a, sizeof a));
	}
	sip_tls_ctx_free(tp->client_ctx);
	tp->client_ctx = p->client_ctx;
	free(p);
}

static unsigned status_class(int status)
{
	return status >= 100 && status <= 699 ? (unsigned)status / 100 : 0;
}

void sip_transport_count_rx(struct sip_transport *tp, const struct sip_msg *m)
{
	tp->st.rx_msgs++;
	if (m->is_request)
		tp->st.rx_requests[m->method < SIP_METHOD__COUNT ? m->method : SIP_METHOD_UNKNOWN]++;
	else
		tp->st.rx_responses[status_class(m->status)]++;
}

/* What went out, by its start line: "SIP/2.0 NNN" or "METHOD " (every
 * message is built by tandem, so the first line is well formed). */
static void count_tx(struct sip_transport *tp, const char *buf, size_t len)
{
	if (len > 11 && memcmp(buf, "SIP/2.0 ", 8) == 0) {
		int status = (buf[8] - '0') * 100 + (buf[9] - '0') * 10 + (buf[10] - '0');
		tp->st.tx_responses[status_class(status)]++;
		return;
	}
	const char *sp = memchr(buf, ' ', len < 16 ? len : 16);
	enum sip_method m = sp ? sip_method_lookup((struct sip_str){ buf, (size_t)(sp - buf) })
	                       : SIP_METHOD_UNKNOWN;
	tp->st.tx_requests[m < SIP_METHOD__COUNT ? m : SIP_METHOD_UNKNOWN]++;
}

int sip_transport_send(struct sip_transport *tp, const struct sip_dest *dst,
                       const char *buf, size_t len)
{
	if (!tp || !dst || !buf || len == 0)
		return -EINVAL;
	int rc;
	switch (dst->proto) {
	case SIP_PROTO_UDP:
		rc = sip_udp_send(tp, dst, buf, len);
		break;
	case SIP_PROTO_TCP:
	case SIP_PROTO_TLS:
		rc = sip_stream_send(tp, dst, buf, len);
		break;
	default:
		return -EPROTONOSUPPORT;
	}
	if (rc == 0)
		count_tx(tp, buf, len);
	return rc;
}

/* Set *out to the IP of src with port. */
static void dest_from_src(struct sip_dest *out, const struct sip_rx_info *rx, uint16_t port)
{
	memcpy(&out->addr, &rx->src, sizeof out->addr);
	out->addr_len = rx->src_len;
	sip_addr_set_port(&out->addr, port);
}

int sip_transport_response_dest(struct sip_transport *tp, const struct sip_msg *req,
                                 struct sip_dest *out)
{
	if (!tp || !req || !out)
		return -EINVAL;
	const struct sip_rx_info *rx = &req->rx;
	if (rx->src_len == 0 || (rx->src.ss_family != AF_INET && rx->src.ss_family != AF_INET6))
		return -EINVAL;
	memset(out, 0, sizeof *out);
	out->proto = rx->proto;
	out->listener = rx->listener;
	uint16_t def = sip_default_port(rx->proto);
	uint16_t via_port = req->via.port ? req->via.port : def;

	if (rx->proto != SIP_PROTO_UDP) {
		/* RFC 3261 §18.2.2: over a reliable transport the response goes
		 * back on the connection the request came on, if it is still open. */
		const struct sip_conn *c = rx->conn_id ? sip_conn_find(tp, rx->conn_id) : NULL;
		if (c) {
			out->conn_id = c->id;
			memcpy(&out->addr, &c->peer, sizeof out->addr);
			out->addr_len = c->peer_len;
			return 0;
		}
		/* §18.2.2: else open one to the received address (the source IP)
		 * and the sent-by port, or the default port. */
		dest_from_src(out, rx, via_port);
		return 0;
	}

	if (!sip_str_empty(req->via.maddr)) {
		/* §18.2.2: maddr -> send there, to the sent-by port or 5060. We do
		 * not join multicast groups or set a TTL: a multicast maddr is
		 * treated as any unicast address. */
		char host[256];
		sip_str_copy(host, sizeof host, req->via.maddr);
		if (parse_numeric(host, via_port, &out->addr, &out->addr_len) == 0)
			return 0;
		struct sip_dest d;
		int rc = sip_dest_from_host(&d, rx->proto, req->via.maddr, via_port);
		if (rc < 0)
			return rc;
		out->addr = d.addr;
		out->addr_len = d.addr_len;
		return 0;
	}
	/* RFC 3581 §4: with rport, to the source IP and source port; else
	 * (RFC 3261 §18.2.2) to the received address (the source IP) and the
	 * sent-by port. */
	if (req->via.rport >= 0)
		dest_from_src(out, rx, sip_addr_port((const struct sockaddr *)&rx->src));
	else
		dest_from_src(out, rx, via_port);
	return 0;
}

/* The local address the kernel would use towards dst (a connect()ed UDP
 * socket sends nothing). */
static int local_addr_towards(const struct sockaddr *dst, socklen_t dlen,
                              struct sockaddr_storage *out)
{
	int fd = socket(dst->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	socklen_t len = sizeof *out;
	int rc = 0;
	if (connect(fd, dst, dlen) < 0 || getsockname(fd, (struct sockaddr *)out, &len) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int sip_transport_via_sentby(struct sip_transport *tp, enum sip_proto proto,
                             const struct sockaddr *dst, char *host, size_t n,
                             uint16_t *port)
{
	if (!tp || !host || n == 0)
		return -EINVAL;
	int family = dst ? dst->sa_family : AF_UNSPEC;
	const struct sip_listener *l = sip_transport_find_listener(tp, proto, family);
	if (!l)
		return -EAFNOSUPPORT;
	struct sockaddr_storage a = l->addr;
	if (l->wildcard) {
		struct sockaddr_storage local;
		int rc = -EINVAL;
		if (dst) {
			socklen_t dlen = dst->sa_family == AF_INET ? sizeof(struct sockaddr_in)
			                                           : sizeof(struct sockaddr_in6);
			rc = local_addr_towards(dst, dlen, &local);
		}
		if (rc == 0) {
			sip_addr_set_port(&local, 0);
			memcpy(&a, &local, sizeof a);
		} else if (a.ss_family == AF_INET) {
			((struct sockaddr_in *)&a)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		} else {
			((struct sockaddr_in6 *)&a)->sin6_addr = in6addr_loopback;
		}
	}
	char ip[INET6_ADDRSTRLEN];
	const void *raw = a.ss_family == AF_INET
		? (const void *)&((struct sockaddr_in *)&a)->sin_addr
		: (const void *)&((struct sockaddr_in6 *)&a)->sin6_addr;
	if (!inet_ntop(a.ss_family, raw, ip, sizeof ip))
		return -errno;
	int w = a.ss_family == AF_INET6 ? snprintf(host, n, "[%s]", ip)
	                                : snprintf(host, n, "%s", ip);
	if (w < 0 || (size_t)w >= n)
		return -ENOSPC;
	if (port)
		*port = sip_addr_port((const struct sockaddr *)&l->addr);
	return 0;
}

int sip_dest_from_host(struct sip_dest *out, enum sip_proto proto,
                       struct sip_str host, uint16_t port)
{
	if (!out || proto >= SIP_PROTO__COUNT)
		return -EINVAL;
	host = sip_str_trim(host);
	if (host.len == 0 || host.len > 255)
		return -EINVAL;
	char name[256];
	memcpy(name, host.p, host.len);
	name[host.len] = '\0';

	/* Split "host:port", "[v6]:port", "[v6]"; a bare IPv6 has several ':'. */
	char *h = name, *ps = NULL;
	if (name[0] == '[') {
		char *end = strchr(name, ']');
		if (!end)
			return -EINVAL;
		*end = '\0';
		h = name + 1;
		if (end[1] == ':')
			ps = end + 2;
		else if (end[1] != '\0')
			return -EINVAL;
	} else {
		char *c = strchr(name, ':');
		if (c && !strchr(c + 1, ':')) {
			*c = '\0';
			ps = c + 1;
		}
	}
	/* A port in the text wins; then the caller's; then the default. */
	if (ps) {
		unsigned long v;
		if (sip_str_to_uint(sip_str_c(ps), 65535, &v) < 0 || v == 0)
			return -EINVAL;
		port = (uint16_t)v;
	}
	if (port == 0)
		port = sip_default_port(proto);
	if (*h == '\0')
		return -EINVAL;

	memset(out, 0, sizeof *out);
	out->proto = proto;
	if (parse_numeric(h, port, &out->addr, &out->addr_len) == 0)
		return 0;

	char pstr[8];
	snprintf(pstr, sizeof pstr, "%u", port);
	struct addrinfo hints = { 0 }, *res = NULL;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = proto == SIP_PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	int rc = getaddrinfo(h, pstr, &hints, &res);
	if (rc != 0 || !res) {
		tlog_warn("cannot resolve %s: %s", h, gai_strerror(rc));
		return rc == EAI_MEMORY ? -ENOMEM : -EHOSTUNREACH;
	}
	if (res->ai_addrlen > sizeof out->addr) {
		freeaddrinfo(res);
		return -EINVAL;
	}
	memcpy(&out->addr, res->ai_addr, res->ai_addrlen);
	out->addr_len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

void sip_transport_get_stats(const struct sip_transport *tp, struct sip_transport_stats *st)
{
	if (!tp || !st)
		return;
	*st = tp->st;
}
