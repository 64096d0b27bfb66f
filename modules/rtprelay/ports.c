/* mod_rtprelay — even/odd RTP/RTCP port pair allocator over a range. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ports.h"

struct rtpr_ports {
	pthread_mutex_t lock;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	uint16_t min;             /* even */
	unsigned npairs;
	unsigned next;            /* round-robin cursor: oldest released reused last */
	unsigned used;
	uint8_t *busy;            /* one byte per pair */
};

int rtpr_ports_create(struct rtpr_ports **out, const char *bind_addr,
                      uint16_t min, uint16_t max)
{
	*out = NULL;
	if (!bind_addr)
		return -EINVAL;
	uint32_t lo = (min + 1u) & ~1u;
	if (lo == 0 || lo + 1 > max)
		return -EINVAL;
	struct rtpr_ports *p = calloc(1, sizeof *p);
	if (!p)
		return -ENOMEM;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&p->addr;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&p->addr;
	if (inet_pton(AF_INET, bind_addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		p->addrlen = sizeof *s4;
	} else if (inet_pton(AF_INET6, bind_addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		p->addrlen = sizeof *s6;
	} else {
		free(p);
		return -EINVAL;
	}
	p->min = (uint16_t)lo;
	p->npairs = (max - lo + 1) / 2;
	p->busy = calloc(p->npairs, 1);
	if (!p->busy) {
		free(p);
		return -ENOMEM;
	}
	pthread_mutex_init(&p->lock, NULL);
	*out = p;
	return 0;
}

void rtpr_ports_destroy(struct rtpr_ports *p)
{
	if (!p)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p->busy);
	free(p);
}

static int bind_udp(const struct rtpr_ports *p, uint16_t port)
{
	struct sockaddr_storage a = p->addr;
	if (a.ss_family == AF_INET)
		((struct sockaddr_in *)&a)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&a)->sin6_port = htons(port);
	int fd = socket(a.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Room for the media thread being off the CPU a while (a busy host):
	 * a high-rate stream (video, a trunk's aggregate) overflows the
	 * default ~200 kB at once. A limit, not an allocation; capped by
	 * net.core.rmem_max. */
	int rcvbuf = 1 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	if (bind(fd, (struct sockaddr *)&a, p->addrlen) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

int rtpr_ports_alloc(struct rtpr_ports *p, struct rtpr_port_pair *pair)
{
	pair->rtp_fd = pair->rtcp_fd = -1;
	pair->rtp_port = 0;
	pthread_mutex_lock(&p->lock);
	int rc = -EADDRINUSE;
	for (unsigned tries = 0; tries < p->npairs; tries++) {
		unsigned i = p->next;
		p->next = (p->next + 1) % p->npairs;
		if (p->busy[i])
			continue;
		uint16_t port = (uint16_t)(p->min + 2 * i);
		int a = bind_udp(p, port);
		if (a < 0) {
			if (a != -EADDRINUSE && a != -EACCES) {
				rc = a;
				break;
			}
			continue;   /* someone else holds it: try the next pair */
		}
		int b = bind_udp(p, (uint16_t)(port + 1));
		if (b < 0) {
			close(a);
			if (b != -EADDRINUSE && b != -EACCES) {
				rc = b;
				break;
			}
			continue;
		}
		p->busy[i] = 1;
		p->used++;
		pair->rtp_port = port;
		pair->rtp_fd = a;
		pair->rtcp_fd = b;
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

void rtpr_ports_release(struct rtpr_ports *p, struct rtpr_port_pair *pair)
{
	if (pair->rtp_fd >= 0)
		close(pair->rtp_fd);
	if (pair->rtcp_fd >= 0)
		close(pair->rtcp_fd);
	pair->rtp_fd = pair->rtcp_fd = -1;
	if (pair->rtp_port >= p->min && (pair->rtp_port - p->min) / 2u < p->npairs) {
		unsigned i = (pair->rtp_port - p->min) / 2u;
		pthread_mutex_lock(&p->lock);
		if (p->busy[i]) {
			p->busy[i] = 0;
			p->used--;
		}
		pthread_mutex_unlock(&p->lock);
	}
	pair->rtp_port = 0;
}

unsigned rtpr_ports_in_use(struct rtpr_ports *p)
{
	pthread_mutex_lock(&p->lock);
	unsigned n = p->used;
	pthread_mutex_unlock(&p->lock);
	return n;
}

const struct sockaddr_storage *rtpr_ports_addr(const struct rtpr_ports *p, socklen_t *len)
{
	if (len)
		*len = p->addrlen;
	return &p->addr;
}

bool rtpr_sa_eq(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
	}
	return false;
}
