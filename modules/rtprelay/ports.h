/* mod_rtprelay — RTP/RTCP port pairs: an even RTP port and the odd port
 * above it for RTCP (RFC 3550 §11), from a configured range. Thread-safe. */
#ifndef RTPRELAY_PORTS_H
#define RTPRELAY_PORTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct rtpr_ports;

struct rtpr_port_pair {
	uint16_t rtp_port;        /* even; RTCP is rtp_port + 1 */
	int rtp_fd, rtcp_fd;      /* bound, non-blocking, close-on-exec UDP */
};

/* Range [min, max] on bind_addr (IPv4 or IPv6 literal). min is rounded up
 * to even; at least one pair must fit. Returns 0 or -EINVAL/-ENOMEM. */
int rtpr_ports_create(struct rtpr_ports **out, const char *bind_addr,
                      uint16_t min, uint16_t max);
void rtpr_ports_destroy(struct rtpr_ports *p);

/* Bind the next free pair, skipping ports other programs hold. Freshly
 * released pairs are reused last (stale packets of the old call).
 * Returns 0 or -EADDRINUSE when the range is exhausted, -errno otherwise. */
int rtpr_ports_alloc(struct rtpr_ports *p, struct rtpr_port_pair *pair);
/* Close both sockets and return the pair to the pool. */
void rtpr_ports_release(struct rtpr_ports *p, struct rtpr_port_pair *pair);

unsigned rtpr_ports_in_use(struct rtpr_ports *p);
/* The bind address as a socket address (port 0) and its family. */
const struct sockaddr_storage *rtpr_ports_addr(const struct rtpr_ports *p, socklen_t *len);

/* Same family, address and port (IPv4, IPv6); false for other families. */
bool rtpr_sa_eq(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

#endif
