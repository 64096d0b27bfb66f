/* mod_rtprelay — the SDP of a media endpoint: answer (RFC 3264 §6) and
 * offer (RFC 3264 §5) for one G.711 audio stream. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "answer.h"

/* ---- choosing the stream ---- */

static bool offers_pt(const struct rtpr_sdp_media *m, int pt)
{
	for (unsigned i = 0; i < m->nfmt; i++)
		if (m->fmt[i] == pt)
			return true;
	return false;
}

/* RFC 3264 §6.1: our direction is the offer's seen from the other side. */
static enum rtpr_sdp_dir mirror(enum rtpr_sdp_dir d)
{
	switch (d) {
	case RTPR_DIR_SENDONLY: return RTPR_DIR_RECVONLY;
	case RTPR_DIR_RECVONLY: return RTPR_DIR_SENDONLY;
	case RTPR_DIR_INACTIVE: return RTPR_DIR_INACTIVE;
	default: return RTPR_DIR_SENDRECV;
	}
}

/* A numeric address we can send to: not a hold address (RFC 3264 §8.4
 * 0.0.0.0, or its IPv6 twin) and not a name (no resolver here). */
static bool sendable(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, addr, &a4) == 1)
		return a4.s_addr != htonl(INADDR_ANY);
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return !IN6_IS_ADDR_UNSPECIFIED(&a6);
	return false;
}

int rtpr_sdp_choose(const struct rtpr_sdp *offer, struct rtpr_sdp_choice *out)
{
	memset(out, 0, sizeof *out);
	out->te_pt = -1;
	for (unsigned i = 0; i < offer->nmedia; i++) {
		const struct rtpr_sdp_media *m = &offer->media[i];
		/* only plain RTP: no keys to answer SAVP with, no feedback for AVPF */
		if (strcmp(m->type, "audio") != 0 || strcmp(m->proto, "RTP/AVP") != 0 || m->port == 0)
			continue;
		unsigned k;
		for (k = 0; k < m->nfmt; k++)
			if (m->fmt[k] == RTPR_PCMU || m->fmt[k] == RTPR_PCMA)
				break;
		if (k == m->nfmt)
			continue;
		out->stream = i;
		out->codec = m->fmt[k] == RTPR_PCMU ? RTPR_PCMU : RTPR_PCMA;
		/* RFC 4733 §7.1.1: the events at the codec's 8 kHz clock, on a
		 * type of their own (not one of the audio's) */
		if (m->te_pt >= 0 && m->te_rate == 8000 && offers_pt(m, m->te_pt) &&
		    m->te_pt != RTPR_PCMU && m->te_pt != RTPR_PCMA)
			out->te_pt = m->te_pt;
		out->dir = mirror(m->dir);
		if (sendable(m->addr)) {
			memcpy(out->remote, m->addr, sizeof out->remote);
			out->remote_port = m->port;
		}
		return 0;
	}
	return -EPROTONOSUPPORT;
}

/* ---- writing ---- */

struct wr {
	char *buf;
	size_t size, len;
	bool full;
};

static void put(struct wr *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct wr *w, const char *fmt, ...)
{
	if (w->full)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(w->buf + w->len, w->size - w->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= w->size - w->len) {
		w->full = true;
		return;
	}
	w->len += (size_t)n;
}

/* 0, or -EINVAL for an address that is no IPv4/IPv6 literal. */
static int addr_type(const char *addr, const char **type)
{
	unsigned char a[sizeof(struct in6_addr)];
	if (addr && inet_pton(AF_INET, addr, a) == 1)
		*type = "IP4";
	else if (addr && inet_pton(AF_INET6, addr, a) == 1)
		*type = "IP6";
	else
		return -EINVAL;
	return 0;
}

/* v=, o=, s=, c=, t= (RFC 4566 §5). The version equals the id: this is
 * the endpoint's first and only description. */
static void session(struct wr *w, const char *addr, const char *type, uint64_t sess_id,
                    uint64_t version)
{
	put(w, "v=0\r\no=tandem %llu %llu IN %s %s\r\ns=tandem\r\nc=IN %s %s\r\nt=0 0\r\n",
	    (unsigned long long)sess_id, (unsigned long long)version, type, addr, type, addr);
}

static void codec_attrs(struct wr *w, enum rtpr_codec c)
{
	put(w, "a=rtpmap:%d %s/8000\r\n", (int)c, c == RTPR_PCMU ? "PCMU" : "PCMA");
}

static void te_attrs(struct wr *w, int pt)
{
	/* RFC 4733 §3.2: the DTMF events 0-15 are the ones decoded */
	put(w, "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-15\r\n", pt, pt);
}

static int finish(struct wr *w)
{
	if (w->full)
		return -ENOSPC;
	return (int)w->len;
}

int rtpr_sdp_answer(const struct rtpr_sdp *offer, const char *my_addr, uint16_t my_port,
                    uint64_t sess_id, uint64_t version, struct rtpr_sdp_choice *choice,
                    char *out, size_t size)
{
	struct rtpr_sdp_choice ch;
	const char *type;
	int rc = rtpr_sdp_choose(offer, &ch);
	if (choice)
		*choice = ch;
	if (rc < 0)
		return rc;
	if (addr_type(my_addr, &type) < 0 || my_port == 0)
		return -EINVAL;
	if (!out || size == 0 || size > INT32_MAX)
		return -ENOSPC;
	struct wr w = { out, size, 0, false };
	session(&w, my_addr, type, sess_id, version);
	/* RFC 3264 §6: as many m-lines as the offer, in its order */
	for (unsigned i = 0; i < offer->nmedia; i++) {
		const struct rtpr_sdp_media *m = &offer->media[i];
		if (i == ch.stream) {
			put(&w, "m=audio %u RTP/AVP %d", my_port, (int)ch.codec);
			if (ch.te_pt >= 0)
				put(&w, " %d", ch.te_pt);
			put(&w, "\r\n");
			codec_attrs(&w, ch.codec);
			if (ch.te_pt >= 0)
				te_attrs(&w, ch.te_pt);
			put(&w, "a=ptime:20\r\na=%s\r\n", rtpr_sdp_dir_name(ch.dir));
			continue;
		}
		/* Rejected: port 0; the formats are ignored but one must be
		 * there (RFC 3264 §6), so the offer's, or 0 when they were not
		 * numeric (the parser keeps only RTP payload types). */
		put(&w, "m=%s 0 %s", m->type, m->proto);
		if (m->nfmt == 0)
			put(&w, " 0");
		for (unsigned k = 0; k < m->nfmt; k++)
			put(&w, " %u", m->fmt[k]);
		put(&w, "\r\n");
	}
	return finish(&w);
}

int rtpr_sdp_offer(const char *my_addr, uint16_t my_port, uint64_t sess_id, uint64_t version,
                   char *out, size_t size)
{
	const char *type;
	if (addr_type(my_addr, &type) < 0 || my_port == 0)
		return -EINVAL;
	if (!out || size == 0 || size > INT32_MAX)
		return -ENOSPC;
	struct wr w = { out, size, 0, false };
	session(&w, my_addr, type, sess_id, version);
	put(&w, "m=audio %u RTP/AVP %d %d %d\r\n", my_port, RTPR_PCMU, RTPR_PCMA, RTPR_TE_PT_DEFAULT);
	codec_attrs(&w, RTPR_PCMU);
	codec_attrs(&w, RTPR_PCMA);
	te_attrs(&w, RTPR_TE_PT_DEFAULT);
	put(&w, "a=ptime:20\r\na=sendrecv\r\n");
	return finish(&w);
}
