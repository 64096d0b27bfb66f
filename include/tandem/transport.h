/* tandem — SIP transports: UDP, TCP, TLS over IPv4 and IPv6 (RFC 3261 §18,
 * RFC 3581, RFC 5626 §4.4.1). One libev loop, non-blocking sockets. */
#ifndef TANDEM_TRANSPORT_H
#define TANDEM_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <tandem/sip_msg.h>

#include <tandem/export.h>
TANDEM_API_BEGIN

struct ev_loop;
struct sip_transport;

struct sip_listener_cfg {
	enum sip_proto proto;
	const char *address;       /* "127.0.0.1", "::1", "0.0.0.0", "::" */
	uint16_t port;             /* 0 = 5060 (5061 for TLS) */
	const char *tls_cert;      /* PEM files, TLS only */
	const char *tls_key;
	const char *tls_ca;        /* optional: verify peers against it */
	bool tls_verify_peer;
};

struct sip_transport_cfg {
	size_t max_msg_size;       /* bigger: 513, or dropped (default 65535) */
	double tcp_idle_timeout;   /* seconds without traffic before close (default 600) */
	unsigned max_connections;  /* total stream connections (default 4096) */
	unsigned max_conn_per_ip;  /* per source address (default 64) */
	size_t max_send_queue;     /* bytes queued per connection before it is closed */
};

/* Where to send. For stream protocols conn_id (when non-zero and still open)
 * is used first, else a connection to addr is reused or opened. */
struct sip_dest {
	enum sip_proto proto;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	uint64_t conn_id;
	/* UDP: send from this listener (sip_transport_response_dest sets the
	 * one the request came in on, so a multi-homed server answers from
	 * the address it was asked on); NULL = the first of dst's family. */
	const struct sip_listener *listener;
	/* TLS: verify the server's certificate for this name (an id from
	 * sip_transport_tls_name; RFC 5922 §7.1: the SIP domain, or the
	 * address for a numeric host) against the system's CAs and those of
	 * sip_transport_tls_trust. 0: as the transport's client settings say
	 * (a CA of the first TLS listener, else no check). */
	uint16_t tls_name;
};

/* A parsed message, heap-allocated; ownership passes to the callback. */
typedef void (*sip_transport_rx_fn)(void *arg, struct sip_msg *msg);
/* A message that failed to parse. When err->status != 0 and the data was a
 * request, the receiver may answer (see sip_transport_reply_error). */
typedef void (*sip_transport_bad_fn)(void *arg, const struct sip_rx_info *rx,
                                     const char *data, size_t len,
                                     const struct sip_error *err);

struct sip_transport *sip_transport_new(struct ev_loop *loop,
                                        const struct sip_transport_cfg *cfg,
                                        sip_transport_rx_fn rx,
                                        sip_transport_bad_fn bad, void *arg);
void sip_transport_free(struct sip_transport *tp);   /* closes everything */

/* Optional: stream data already accepted by sip_transport_send could not be
 * delivered (connect refused or timed out, TLS handshake failed, reset,
 * write error, idle timeout with data queued). dst names the connection,
 * now closed (proto, peer address, conn_id); err is a negative errno. Lets
 * the transaction layer fail fast with 503 (RFC 3261 §8.1.3.1, §17.1.4)
 * instead of waiting for Timer B/F. Errors found while sending are
 * returned by sip_transport_send instead and not reported here. */
typedef void (*sip_transport_err_fn)(void *arg, const struct sip_dest *dst, int err);
void sip_transport_set_error_cb(struct sip_transport *tp, sip_transport_err_fn fn, void *arg);

/* Open a listener; returns 0 or negative errno with a log line naming the
 * address and the reason. TLS loads cert/key here. */
int sip_transport_listen(struct sip_transport *tp, const struct sip_listener_cfg *cfg);

/* Send one complete message. Returns 0 or negative errno (-ECONNREFUSED,
 * -EMSGSIZE, -ENOTCONN...). Never blocks: stream writes are queued. */
int sip_transport_send(struct sip_transport *tp, const struct sip_dest *dst,
                       const char *buf, size_t len);

/* An id for a TLS server name to verify (sip_dest.tls_name), trusting
 * the system's CAs, or only those of cafile (PEM) when given (a
 * provider's own CA: trusted for that server, not for others). The same
 * name and file give the same id; they are kept for the transport's life.
 * 1..; or -EINVAL (a file that cannot be read, logged), -ENOSPC (more
 * than 255), -ENOMEM. */
int sip_transport_tls_name(struct sip_transport *tp, const char *name, const char *cafile);

/* RFC 3261 §18.2.2 (+ RFC 3581 §4): where a response to req goes. */
int sip_transport_response_dest(struct sip_transport *tp, const struct sip_msg *req,
                                 struct sip_dest *out);

/* The sent-by for a Via of a request we send to dst over proto: host text
 * (IPv6 in brackets) and port of a listener of that protocol and family. */
int sip_transport_via_sentby(struct sip_transport *tp, enum sip_proto proto,
                             const struct sockaddr *dst, char *host, size_t n,
                             uint16_t *port);

/* Resolve "host[:port]" text (numeric addresses and /etc/hosts names; no
 * SRV) to a destination; port 0 = default for proto. */
int sip_dest_from_host(struct sip_dest *out, enum sip_proto proto,
                       struct sip_str host, uint16_t port);

/* Counters for logs, tests and the future control tool. */
struct sip_transport_stats {
	unsigned long rx_msgs, tx_msgs, rx_dropped, rx_bad, keepalives;
	unsigned long conns_open, conns_total, conns_refused;
	/* messages parsed in and handed out, by kind: requests by method
	 * (SIP_METHOD_UNKNOWN: any other), responses by class ([1] 1xx ...
	 * [6] 6xx; [0] a status outside 100..699) */
	unsigned long rx_requests[SIP_METHOD__COUNT], rx_responses[7];
	unsigned long tx_requests[SIP_METHOD__COUNT], tx_responses[7];
};
void sip_transport_get_stats(const struct sip_transport *tp, struct sip_transport_stats *st);

/* A network in CIDR notation: "10.0.0.0/8", "2001:db8::/32", or one
 * address ("192.0.2.1": /32, /128). */
struct sip_net {
	int family;                /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned prefix;
};
/* 0, or -EINVAL (not an address, a prefix out of range). */
int sip_net_parse(const char *cidr, struct sip_net *n);
/* sa is in n (an IPv4 peer seen as ::ffff:a.b.c.d on a dual-stack socket
 * matches IPv4 networks). */
bool sip_net_match(const struct sip_net *n, const struct sockaddr *sa);

/* Same family, address and port. */
bool sip_addr_eq(const struct sockaddr *a, const struct sockaddr *b);

/* "127.0.0.1:5060" / "[::1]:5060" */
const char *sip_addr_str(const struct sockaddr *sa, char *buf, size_t n);

TANDEM_API_END
#endif
