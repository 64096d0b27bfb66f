/* Shared by the relay benchmarks: loopback UDP sockets with large buffers
 * and recvmmsg batches. */
#ifndef BENCH_RELAY_BENCH_UDP_H
#define BENCH_RELAY_BENCH_UDP_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#define BENCH_RX_BATCH 64

/* A UDP socket on 127.0.0.1, any port (*port set), with bufsize-byte
 * buffers: SO_*BUFFORCE as root goes past net.core.rmem_max. */
static inline int bench_udp(uint16_t *port, int bufsize)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsize, sizeof bufsize) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof bufsize);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bufsize, sizeof bufsize) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof bufsize);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		perror("bind");
		exit(1);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* A receive batch: BENCH_RX_BATCH buffers of 2 kB. */
struct bench_rx {
	uint8_t buf[BENCH_RX_BATCH][2048];
	struct mmsghdr m[BENCH_RX_BATCH];
	struct iovec iov[BENCH_RX_BATCH];
};

static inline void bench_rx_init(struct bench_rx *r)
{
	for (int i = 0; i < BENCH_RX_BATCH; i++) {
		r->iov[i] = (struct iovec){ r->buf[i], sizeof r->buf[i] };
		r->m[i].msg_hdr = (struct msghdr){ .msg_iov = &r->iov[i], .msg_iovlen = 1 };
	}
}

#endif
