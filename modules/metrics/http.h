/* mod_metrics — a small HTTP/1.1 server on the signalling loop (RFC 9110,
 * RFC 9112): one request per connection, answered and closed
 * (Connection: close), non-blocking throughout. It serves one resource;
 * the module says which and writes its body. */
#ifndef METRICS_HTTP_H
#define METRICS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <ev.h>

#include <tandem/sip_writer.h>

struct http_limits {
	unsigned max_connections;   /* more at once are answered 503 and closed */
	double timeout;             /* s for the whole exchange: request in, answer out */
	size_t max_request;         /* bytes of request line and headers (431 beyond) */
};

/* Writes the body of a GET (or HEAD) of the resource into out. */
typedef void (*http_render_fn)(void *arg, struct sip_wbuf *out);
/* Every answer's status, for the module's own counters. */
typedef void (*http_count_fn)(void *arg, int status);

struct http_server;

/* Listen on addr (non-blocking, SO_REUSEADDR). 0, or a negative errno
 * with *out NULL. path is kept (not copied). */
int http_server_open(struct ev_loop *loop, const struct sockaddr *addr, socklen_t addr_len,
                     const char *path, const struct http_limits *lim, http_render_fn render,
                     http_count_fn count, void *arg, struct http_server **out);
/* Move to another address: the new socket first, so on failure (negative
 * errno) nothing changed; connections in progress go on. */
int http_server_rebind(struct http_server *s, const struct sockaddr *addr, socklen_t addr_len);
void http_server_set_limits(struct http_server *s, const struct http_limits *lim);
/* Close the listener and every connection. */
void http_server_close(struct http_server *s);

/* ---- the request (pure; http.c) ---- */
struct http_request {
	char method[16];
	char path[256];             /* the target's path, query dropped */
	int minor;                  /* HTTP/1.minor */
	bool has_host;
};
/* Is there a whole header block in buf[0..len)? Its length (through the
 * empty line), 0 when more is needed. */
size_t http_head_length(const char *buf, size_t len);
/* Parse the header block head[0..len): 0, or the status to answer (400
 * malformed, 414 a target too long, 505 not HTTP/1.x). */
int http_parse_request(const char *head, size_t len, struct http_request *r);

#endif
