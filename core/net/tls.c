/* tandem — TLS with OpenSSL (RFC 3261 §26.3.1: TLS for SIP over TCP):
 * server contexts from the listener's PEM files, one client context for
 * outgoing connections, non-blocking handshake and record I/O. TLS 1.2+. */
#include "transport_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

/* The most recent OpenSSL error, for a log line. */
static const char *ossl_err(char *buf, size_t n)
{
	unsigned long e = ERR_peek_last_error();
	if (!e) {
		snprintf(buf, n, "unknown error");
		return buf;
	}
	ERR_error_string_n(e, buf, n);
	ERR_clear_error();
	return buf;
}

static SSL_CTX *ctx_new(bool server)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (!ctx)
		return NULL;
	/* RFC 8996 deprecates TLS 1.0/1.1. */
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* Our output buffer may move between retries of a partial write. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	/* Most SIP peers just close the socket: a plain close, not an error. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	return ctx;
}

int sip_tls_server_ctx(const struct sip_listener_cfg *cfg, SSL_CTX **out)
{
	char e[256];
	*out = NULL;
	if (!cfg->tls_cert || !cfg->tls_key) {
		tlog_error("tls listener %s: needs a certificate and a key (PEM files)",
		           cfg->address ? cfg->address : "?");
		return -EINVAL;
	}
	/* OpenSSL only says "system lib" for a missing file: say which and why. */
	const char *files[] = { cfg->tls_cert, cfg->tls_key, cfg->tls_ca };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		if (files[i] && access(files[i], R_OK) != 0) {
			int err = errno;
			tlog_error("tls: cannot read %s: %s", files[i], strerror(err));
			/* a first start: say how to make one rather than leave the
			 * administrator to find the openssl incantation */
			if (err == ENOENT && i < 2)
				tlog_error("tls: no certificate yet? A self-signed one (for a test; phones "
				           "must be told to trust it): openssl req -x509 -newkey rsa:2048 "
				           "-nodes -days 3650 -subj /CN=%s -keyout %s -out %s "
				           "(in a source tree: tools/make-cert %s %s)",
				           cfg->address ? cfg->address : "127.0.0.1", cfg->tls_key,
				           cfg->tls_cert, cfg->tls_cert, cfg->tls_key);
			return -err;
		}
	}
	SSL_CTX *ctx = ctx_new(true);
	if (!ctx) {
		tlog_error("tls: cannot create a server context: %s", ossl_err(e, sizeof e));
		return -ENOMEM;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert) != 1) {
		tlog_error("tls: cannot load certificate %s: %s", cfg->tls_cert, ossl_err(e, sizeof e));
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key, SSL_FILETYPE_PEM) != 1) {
		tlog_error("tls: cannot load private key %s: %s", cfg->tls_key, ossl_err(e, sizeof e));
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		tlog_error("tls: private key %s does not match certificate %s", cfg->tls_key,
		           cfg->tls_cert);
		goto fail;
	}
	if (cfg->tls_ca) {
		if (SSL_CTX_load_verify_locations(ctx, cfg->tls_ca, NULL) != 1) {
			tlog_error("tls: cannot load CA file %s: %s", cfg->tls_ca, ossl_err(e, sizeof e));
			goto fail;
		}
	}
	if (cfg->tls_verify_peer) {
		if (!cfg->tls_ca) {
			tlog_error("tls listener %s: tls_verify_peer needs a CA file",
			           cfg->address ? cfg->address : "?");
			goto fail;
		}
		/* Mutual TLS: a client without a valid certificate is refused. */
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	*out = ctx;
	return 0;
fail:
	SSL_CTX_free(ctx);
	return -EINVAL;
}

int sip_tls_client_ctx(const struct sip_listener_cfg *cfg, SSL_CTX **out)
{
	char e[256];
	*out = NULL;
	SSL_CTX *ctx = ctx_new(false);
	if (!ctx) {
		tlog_error("tls: cannot create a client context: %s", ossl_err(e, sizeof e));
		return -ENOMEM;
	}
	/* the system's CAs, for servers verified by name (sip_dest.tls_name) */
	if (SSL_CTX_set_default_verify_paths(ctx) != 1)
		ERR_clear_error();
	if (cfg && cfg->tls_verify_peer && cfg->tls_ca) {
		if (SSL_CTX_load_verify_locations(ctx, cfg->tls_ca, NULL) != 1) {
			tlog_error("tls: cannot load CA file %s: %s", cfg->tls_ca, ossl_err(e, sizeof e));
			SSL_CTX_free(ctx);
			return -EINVAL;
		}
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	} else {
		/* Without a CA there is nothing to verify against: encryption only. */
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	}
	*out = ctx;
	return 0;
}

void sip_tls_ctx_free(SSL_CTX *ctx)
{
	SSL_CTX_free(ctx);
}

int sip_tls_client_ensure(struct sip_transport *tp)
{
	return tp->client_ctx ? 0 : sip_tls_client_ctx(NULL, &tp->client_ctx);
}

static bool str_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int sip_transport_tls_name(struct sip_transport *tp, const char *name, const char *cafile)
{
	char e[256];
	if (!tp || !name || !*name)
		return -EINVAL;
	for (unsigned i = 1; i <= tp->ntls_names; i++)
		if (strcmp(tp->tls_names[i].name, name) == 0 && str_same(tp->tls_names[i].cafile, cafile))
			return (int)i;
	if (tp->ntls_names + 1 >= sizeof tp->tls_names / sizeof tp->tls_names[0])
		return -ENOSPC;
	struct sip_tls_name n = { .name = strdup(name), .cafile = cafile ? strdup(cafile) : NULL };
	if (cafile && (n.store = X509_STORE_new()) != NULL &&
	    X509_STORE_load_locations(n.store, cafile, NULL) != 1) {
		tlog_error("tls: cannot load CA file %s: %s", cafile, ossl_err(e, sizeof e));
		X509_STORE_free(n.store);
		free(n.name);
		free(n.cafile);
		return -EINVAL;
	}
	if (!n.name || (cafile && (!n.cafile || !n.store))) {
		X509_STORE_free(n.store);
		free(n.name);
		free(n.cafile);
		return -ENOMEM;
	}
	tp->tls_names[++tp->ntls_names] = n;
	return (int)tp->ntls_names;
}

void sip_tls_names_free(struct sip_transport *tp)
{
	for (unsigned i = 1; i <= tp->ntls_names; i++) {
		free(tp->tls_names[i].name);
		free(tp->tls_names[i].cafile);
		X509_STORE_free(tp->tls_names[i].store);
	}
	tp->ntls_names = 0;
}

/* RFC 5922 §7.1: the certificate must name the SIP domain (a DNS name in
 * subjectAltName) or, for a numeric host, its address; SNI carries the
 * domain (RFC 6066 §3, not for addresses). */
static int verify_name(SSL *ssl, const struct sip_tls_name *n)
{
	struct in6_addr a6;
	struct in_addr a4;
	const char *name = n->name;
	SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
	if (n->store && SSL_set1_verify_cert_store(ssl, n->store) != 1)
		return -EINVAL;
	if (inet_pton(AF_INET, name, &a4) == 1 || inet_pton(AF_INET6, name, &a6) == 1)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1 ? 0 : -EINVAL;
	if (SSL_set1_host(ssl, name) != 1 || SSL_set_tlsext_host_name(ssl, name) != 1)
		return -EINVAL;
	return 0;
}

int sip_tls_conn_start(struct sip_conn *c, SSL_CTX *ctx, const struct sip_tls_name *name)
{
	if (!ctx)
		return -EINVAL;
	SSL *ssl = SSL_new(ctx);
	if (!ssl)
		return -ENOMEM;
	if (SSL_set_fd(ssl, c->fd) != 1) {
		SSL_free(ssl);
		return -ENOMEM;
	}
	if (c->incoming) {
		SSL_set_accept_state(ssl);
	} else {
		SSL_set_connect_state(ssl);
		if (name) {
			if (verify_name(ssl, name) < 0) {
				SSL_free(ssl);
				return -EINVAL;
			}
		} else if (SSL_CTX_get_verify_mode(ctx) & SSL_VERIFY_PEER) {
			/* We only know the address we connect to: the server's
			 * certificate must name that IP (RFC 5922 §7.1 wants the
			 * SIP domain; the resolver above us does not pass it yet). */
			char ip[INET6_ADDRSTRLEN];
			const void *raw = c->peer.ss_family == AF_INET
				? (const void *)&((struct sockaddr_in *)&c->peer)->sin_addr
				: (const void *)&((struct sockaddr_in6 *)&c->peer)->sin6_addr;
			if (inet_ntop(c->peer.ss_family, raw, ip, sizeof ip))
				X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), ip);
		}
	}
	c->ssl = ssl;
	return 0;
}

/* Map an SSL result to 0/-EAGAIN/-errno, noting which way to wait. */
static int ssl_result(struct sip_conn *c, int ret, const char *what)
{
	int err = SSL_get_error(c->ssl, ret);
	char e[256], a[64];
	switch (err) {
	case SSL_ERROR_WANT_READ:
		c->ssl_want_write = false;
		return -EAGAIN;
	case SSL_ERROR_WANT_WRITE:
		c->ssl_want_write = true;
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return 0;  /* close_notify */
	case SSL_ERROR_SYSCALL:
		if (errno == 0 || ERR_peek_error() == 0) {
			/* EOF without close_notify: treat as a close. */
			ERR_clear_error();
			return errno ? -errno : 0;
		}
		/* fall through */
	default:
		tlog_info("tls conn %llu %s: %s failed: %s", (unsigned long long)c->id,
		          sip_addr_str((struct sockaddr *)&c->peer, a, sizeof a), what,
		          ossl_err(e, sizeof e));
		return -EPROTO;
	}
}

int sip_tls_handshake(struct sip_conn *c)
{
	ERR_clear_error();
	errno = 0;
	int ret = SSL_do_handshake(c->ssl);
	if (ret == 1)
		return 0;
	int rc = ssl_result(c, ret, "handshake");
	return rc == 0 ? -ECONNRESET : rc;
}

ssize_t sip_tls_read(struct sip_conn *c, char *buf, size_t n)
{
	if (n > INT32_MAX)
		n = INT32_MAX;
	ERR_clear_error();
	errno = 0;
	int ret = SSL_read(c->ssl, buf, (int)n);
	if (ret > 0)
		return ret;
	return ssl_result(c, ret, "read");
}

ssize_t sip_tls_write(struct sip_conn *c, const char *buf, size_t n)
{
	if (n > INT32_MAX)
		n = INT32_MAX;
	ERR_clear_error();
	errno = 0;
	int ret = SSL_write(c->ssl, buf, (int)n);
	if (ret > 0)
		return ret;
	int rc = ssl_result(c, ret, "write");
	return rc == 0 ? -EPIPE : rc;
}

void sip_tls_conn_free(struct sip_conn *c)
{
	if (c->ssl) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
}
