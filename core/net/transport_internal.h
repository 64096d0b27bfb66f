/* tandem — private structures shared by transport.c, transport_udp.c,
 * transport_stream.c and tls.c. Nothing outside these files includes this. */
#ifndef TANDEM_TRANSPORT_INTERNAL_H
#define TANDEM_TRANSPORT_INTERNAL_H

#include "config.h"

#include <ev.h>
#include <openssl/ssl.h>
#include <tandem/tandem.h>
#include <tandem/transport.h>

#define SIP_DEFAULT_PORT      5060
#define SIP_DEFAULT_TLS_PORT  5061

struct sip_listener {
	struct sip_transport *tp;
	struct sip_listener *next;
	enum sip_proto proto;
	int fd;
	ev_io io;
	ev_timer retry;                /* accept paused after EMFILE */
	struct sockaddr_storage addr;  /* as bound (concrete port) */
	socklen_t addr_len;
	bool wildcard;                 /* 0.0.0.0 or :: */
	SSL_CTX *ssl_ctx;              /* TLS server context */
};

struct sip_conn {
	struct sip_transport *tp;
	uint64_t id;
	enum sip_proto proto;
	int fd;
	ev_io io;
	ev_timer idle;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	const struct sip_listener *listener; /* accepted on, or one of that proto */
	bool incoming;
	bool connecting;               /* non-blocking connect() in progress */
	bool dead;                     /* closed; freed when no longer busy */
	bool close_after_flush;        /* stop reading, close once out is empty */
	unsigned busy;                 /* >0 while a callback runs on it */

	SSL *ssl;                      /* TLS only */
	uint16_t tls_name;             /* outgoing: the server name to verify, 0 none */
	bool handshaking;
	bool ssl_want_write;           /* the last SSL call wanted POLLOUT */

	char *in;                      /* received, not yet framed */
	size_t in_len, in_cap;
	char *out;                     /* queued for writing: out[out_off..out_len) */
	size_t out_off, out_len, out_cap;

	struct sip_conn *id_next;      /* chain in tp->by_id */
	struct sip_conn *addr_next;    /* chain in tp->by_addr (hashed by IP only) */
	struct sip_conn *prev, *next;  /* every live connection */
};

struct sip_transport {
	struct ev_loop *loop;
	struct sip_transport_cfg cfg;
	sip_transport_rx_fn rx;
	sip_transport_bad_fn bad;
	void *arg;
	sip_transport_err_fn err_fn;   /* optional */
	void *err_arg;

	struct sip_listener *listeners;
	/* Listeners a reload removed: socket closed, kept until the transport
	 * is freed because messages and destinations (sip_rx_info.listener,
	 * sip_dest.listener) may still name them; one that comes back in a
	 * later reload is opened again in the same record. */
	struct sip_listener *retired;

	struct sip_conn *conns;        /* list of live connections */
	struct sip_conn **by_id;       /* hash: id -> conn */
	struct sip_conn **by_addr;     /* hash: peer IP -> conns (per-IP count, reuse) */
	size_t nbuckets;               /* power of two */
	uint64_t next_id;

	SSL_CTX *client_ctx;           /* outgoing TLS, created on first use */
	struct sip_tls_name {          /* [1..ntls_names]: sip_transport_tls_name */
		char *name, *cafile;
		X509_STORE *store;     /* cafile's CAs, NULL: the context's (system) */
	} tls_names[256];
	unsigned ntls_names;

	/* UDP receive batch (recvmmsg), allocated on the first UDP listener */
	char *udp_buf;
	size_t udp_slot;

	struct sip_transport_stats st;
};

/* ---- transport.c ---- */
uint16_t sip_default_port(enum sip_proto p);
bool sip_addr_is_wildcard(const struct sockaddr *sa);
uint16_t sip_addr_port(const struct sockaddr *sa);
void sip_addr_set_port(struct sockaddr_storage *ss, uint16_t port);
/* Same family and IP, port ignored. */
bool sip_addr_ip_eq(const struct sockaddr *a, const struct sockaddr *b);
size_t sip_addr_ip_hash(const struct sockaddr *sa);
/* First listener of proto and family (AF_UNSPEC: any family). */
const struct sip_listener *sip_transport_find_listener(const struct sip_transport *tp,
                                                       enum sip_proto proto, int family);
int sip_set_nonblock(int fd);
/* A message parsed on receipt, counted by kind (before the core sees it). */
void sip_transport_count_rx(struct sip_transport *tp, const struct sip_msg *m);

/* Reloading the listeners (core/reload.c): the set becomes exactly cfgs,
 * in that order (the first of a protocol is the preferred one, as at
 * start). prepare opens what is new (its socket bound, not yet read),
 * loads the TLS files of every TLS listener again (the same address with
 * renewed files serves them to new connections) and touches nothing
 * running; it fails with a log line naming the listener and why, having
 * undone what it opened. commit then swaps the set in: a listener not in
 * cfgs is closed with the connections accepted on it (their queued data
 * reported lost through the error callback), the kept ones keep their
 * sockets and connections; abort closes what prepare opened. */
struct sip_listen_plan;
int sip_transport_listen_prepare(struct sip_transport *tp, const struct sip_listener_cfg *cfgs,
                                 unsigned n, struct sip_listen_plan **out);
void sip_transport_listen_commit(struct sip_transport *tp, struct sip_listen_plan *p);
void sip_transport_listen_abort(struct sip_transport *tp, struct sip_listen_plan *p);

/* ---- transport_udp.c ---- */
/* Socket and bind (the watcher set up, started by the caller). */
int sip_udp_listen(struct sip_transport *tp, struct sip_listener *l);
int sip_udp_send(struct sip_transport *tp, const struct sip_dest *dst,
                 const char *buf, size_t len);

/* ---- transport_stream.c ---- */
/* Socket, bind and listen (the watcher set up, started by the caller). */
int sip_stream_listen(struct sip_transport *tp, struct sip_listener *l);
/* l is being removed: the connections accepted on it close (queued data
 * reported lost), outgoing ones that named it take the first listener of
 * their protocol and family in the current set (or none). */
void sip_stream_listener_gone(struct sip_transport *tp, const struct sip_listener *l);
int sip_stream_send(struct sip_transport *tp, const struct sip_dest *dst,
                    const char *buf, size_t len);
struct sip_conn *sip_conn_find(const struct sip_transport *tp, uint64_t id);
void sip_stream_close_all(struct sip_transport *tp);
/* Shutdown, after the loop ended: what the stream connections still hold
 * (a module's last request, say an unregister on a connection still
 * connecting) goes out, connect and TLS handshake included, blocking for
 * timeout s at most. Nothing is read or dispatched, no error callback
 * runs: the layers above are gone. 0 when all went, -ETIMEDOUT. */
int sip_stream_flush_all(struct sip_transport *tp, double timeout);

/* ---- tls.c ---- */
/* Server context from the listener's PEM files; logs the failing file. */
int sip_tls_server_ctx(const struct sip_listener_cfg *cfg, SSL_CTX **out);
/* Client context for outgoing TLS; cfg (the first TLS listener, may be
 * NULL) gives the CA and whether to verify the server. */
int sip_tls_client_ctx(const struct sip_listener_cfg *cfg, SSL_CTX **out);
/* The client context, made on first use. 0 or negative errno. */
int sip_tls_client_ensure(struct sip_transport *tp);
void sip_tls_ctx_free(SSL_CTX *ctx);
/* Attach a new SSL to c->fd (server side when c->incoming). */
/* name: an outgoing connection's server name to verify (NULL: as ctx says). */
int sip_tls_conn_start(struct sip_conn *c, SSL_CTX *ctx, const struct sip_tls_name *name);
void sip_tls_names_free(struct sip_transport *tp);
/* Drive the handshake: 0 done, -EAGAIN (c->ssl_want_write says which way),
 * or a negative error (logged). */
int sip_tls_handshake(struct sip_conn *c);
/* >0 bytes, 0 peer closed, -EAGAIN, or negative error. */
ssize_t sip_tls_read(struct sip_conn *c, char *buf, size_t n);
ssize_t sip_tls_write(struct sip_conn *c, const char *buf, size_t n);
void sip_tls_conn_free(struct sip_conn *c);

#endif
