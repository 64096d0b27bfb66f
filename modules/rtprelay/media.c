/* mod_rtprelay — RTP endpoint sending/receiving G.711 (RFC 3550, RFC 3551),
 * symmetric (RFC 4961), answering or making an offer (answer.c). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include <tandem/tandem.h>
#include <tandem/transport.h>

#include "answer.h"
#include "media.h"
#include "sdp.h"

struct rtpr_media_ep {
	struct rtpr_ports *ports;
	struct rtpr_port_pair pair;
	enum rtpr_codec codec;
	bool follow_codec;         /* it offered both: send what the peer sends */
	bool mute;                 /* our answer said recvonly or inactive (held) */
	uint64_t sess_id, version; /* o= of the SDP last written for it */
	struct sockaddr_storage remote;
	socklen_t remote_len;
	uint16_t seq;
	uint32_t ts, ssrc;
	bool first;
	unsigned te_pt;            /* telephone-event payload type */
	struct rtpr_dtmf dtmf;
	struct rtpr_dtmf_press q[RTPR_DTMF_QUEUE];
	unsigned qhead, qlen;
};

int rtpr_media_open(struct rtpr_media_ep **out, struct rtpr_ports *ports, enum rtpr_codec codec)
{
	*out = NULL;
	if (!ports || (codec != RTPR_PCMU && codec != RTPR_PCMA))
		return -EINVAL;
	struct rtpr_media_ep *ep = calloc(1, sizeof *ep);
	if (!ep)
		return -ENOMEM;
	int rc = rtpr_ports_alloc(ports, &ep->pair);
	if (rc < 0) {
		free(ep);
		return rc;
	}
	ep->ports = ports;
	ep->codec = codec;
	ep->first = true;
	ep->te_pt = RTPR_TE_PT_DEFAULT;
	/* RFC 3550 §5.1: random initial sequence number, timestamp and SSRC */
	uint8_t r[10];
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		memset(r, 0x5a, sizeof r);
	memcpy(&ep->seq, r, 2);
	memcpy(&ep->ts, r + 2, 4);
	memcpy(&ep->ssrc, r + 6, 4);
	*out = ep;
	return 0;
}

void rtpr_media_close(struct rtpr_media_ep *ep)
{
	if (!ep)
		return;
	rtpr_ports_release(ep->ports, &ep->pair);
	free(ep);
}

uint16_t rtpr_media_port(const struct rtpr_media_ep *ep) { return ep->pair.rtp_port; }
int rtpr_media_fd(const struct rtpr_media_ep *ep) { return ep->pair.rtp_fd; }

int rtpr_media_set_remote(struct rtpr_media_ep *ep, const char *addr, uint16_t port)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ep->remote;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ep->remote;
	memset(&ep->remote, 0, sizeof ep->remote);
	ep->remote_len = 0;
	if (!addr || port == 0)
		return -EINVAL;
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		ep->remote_len = sizeof *s4;
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		ep->remote_len = sizeof *s6;
	} else {
		return -EINVAL;
	}
	return 0;
}

int rtpr_media_send_frame(struct rtpr_media_ep *ep, const int16_t pcm[RTPR_FRAME_SAMPLES])
{
	if (!ep->remote_len)
		return -ENOTCONN;
	if (ep->mute)
		return 0;     /* RFC 3264 §5.1: a recvonly side sends nothing */
	uint8_t p[12 + RTPR_FRAME_SAMPLES];
	p[0] = 0x80;                                  /* V=2 */
	p[1] = (uint8_t)((ep->first ? 0x80 : 0) | ep->codec); /* marker: talkspurt start */
	p[2] = (uint8_t)(ep->seq >> 8);
	p[3] = (uint8_t)ep->seq;
	for (int i = 0; i < 4; i++) {
		p[4 + i] = (uint8_t)(ep->ts >> (24 - 8 * i));
		p[8 + i] = (uint8_t)(ep->ssrc >> (24 - 8 * i));
	}
	for (int i = 0; i < RTPR_FRAME_SAMPLES; i++)
		p[12 + i] = ep->codec == RTPR_PCMU ? rtpr_ulaw_encode(pcm[i]) : rtpr_alaw_encode(pcm[i]);
	if (sendto(ep->pair.rtp_fd, p, sizeof p, 0, (struct sockaddr *)&ep->remote, ep->remote_len) < 0)
		return -errno;
	ep->first = false;
	ep->seq++;
	ep->ts += RTPR_FRAME_SAMPLES;
	return 0;
}

/* RFC 4961 §3: send to where the peer sends from (a phone behind NAT
 * sends from another address than its SDP says). pt is G.711 or the
 * telephone-event type. */
static void follow_peer(struct rtpr_media_ep *ep, const struct sockaddr_storage *src,
                        socklen_t srclen, unsigned pt)
{
	char a[64], b[64];
	if (!ep->remote_len || !rtpr_sa_eq(src, &ep->remote)) {
		if (ep->remote_len)
			sip_addr_str((const struct sockaddr *)&ep->remote, b, sizeof b);
		else
			strcpy(b, "none");
		tlog_debug("rtprelay: media port %u: remote %s -> %s (symmetric RTP)",
		           ep->pair.rtp_port, b, sip_addr_str((const struct sockaddr *)src, a, sizeof a));
		memcpy(&ep->remote, src, srclen);
		ep->remote_len = srclen;
	}
	/* RFC 3264 §6.1: the answerer sends one of the answer's formats,
	 * which are among ours: sending the same one is always allowed. */
	if (ep->follow_codec && (pt == RTPR_PCMU || pt == RTPR_PCMA) && pt != (unsigned)ep->codec) {
		tlog_debug("rtprelay: media port %u: sending %s like the peer", ep->pair.rtp_port,
		           pt == RTPR_PCMU ? "PCMU" : "PCMA");
		ep->codec = pt == RTPR_PCMU ? RTPR_PCMU : RTPR_PCMA;
	}
}

int rtpr_media_recv_frame(struct rtpr_media_ep *ep, int16_t *pcm, size_t max, size_t *n,
                          uint16_t *seq)
{
	uint8_t p[2048];
	struct sockaddr_storage src;
	socklen_t srclen = sizeof src;
	*n = 0;
	ssize_t len = recvfrom(ep->pair.rtp_fd, p, sizeof p, MSG_DONTWAIT, (struct sockaddr *)&src,
	                       &srclen);
	if (len < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (len < 12 || (p[0] >> 6) != 2)
		return -ENOMSG;
	/* RFC 3550 §5.1: skip CSRCs, the extension and padding */
	size_t off = 12 + 4u * (p[0] & 0x0F), end = (size_t)len;
	if (p[0] & 0x10) {
		if (off + 4 > end)
			return -ENOMSG;
		off += 4 + 4u * (size_t)(p[off + 2] << 8 | p[off + 3]);
	}
	if (off > end)
		return -ENOMSG;
	if ((p[0] & 0x20) && end > off)
		end = p[end - 1] <= end - off ? end - p[end - 1] : off;
	if (off > end)
		return -ENOMSG;
	unsigned pt = p[1] & 0x7F;
	bool te = pt == ep->te_pt;
	/* only a packet we can use moves the remote: not stray traffic */
	if (te ? end - off < 4 : pt != RTPR_PCMU && pt != RTPR_PCMA)
		return -ENOMSG;
	if (srclen <= sizeof src && (src.ss_family == AF_INET || src.ss_family == AF_INET6))
		follow_peer(ep, &src, srclen, pt);
	if (te) {
		struct rtpr_dtmf_press got[2];
		uint32_t ts = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
		int k = rtpr_dtmf_feed(&ep->dtmf, (uint16_t)(p[2] << 8 | p[3]), ts, p + off, end - off, got);
		for (int i = 0; i < k; i++) {
			if (ep->qlen == RTPR_DTMF_QUEUE) {   /* drop the oldest */
				ep->qhead = (ep->qhead + 1) % RTPR_DTMF_QUEUE;
				ep->qlen--;
			}
			ep->q[(ep->qhead + ep->qlen++) % RTPR_DTMF_QUEUE] = got[i];
		}
		return -ENOMSG;
	}
	size_t k = end - off < max ? end - off : max;
	for (size_t i = 0; i < k; i++)
		pcm[i] = pt == RTPR_PCMU ? rtpr_ulaw_decode(p[off + i]) : rtpr_alaw_decode(p[off + i]);
	*n = k;
	if (seq)
		*seq = (uint16_t)(p[2] << 8 | p[3]);
	return 0;
}

void rtpr_media_set_dtmf_pt(struct rtpr_media_ep *ep, unsigned pt)
{
	ep->te_pt = pt & 0x7F;
}

int rtpr_media_dtmf(struct rtpr_media_ep *ep, char *digit, unsigned *ms)
{
	if (!ep->qlen)
		return 0;
	*digit = ep->q[ep->qhead].digit;
	*ms = ep->q[ep->qhead].duration_ms;
	ep->qhead = (ep->qhead + 1) % RTPR_DTMF_QUEUE;
	ep->qlen--;
	return 1;
}

int rtpr_dtmf_feed(struct rtpr_dtmf *d, uint16_t seq, uint32_t ts, const uint8_t *pl, size_t len,
                   struct rtpr_dtmf_press out[2])
{
	/* RFC 4733 §3.2: events 0-9, 10 *, 11 #, 12-15 A-D */
	static const char digits[] = "0123456789*#ABCD";
	if (len < 4)
		return -EINVAL;
	unsigned event = pl[0], dur = (unsigned)(pl[2] << 8 | pl[3]);
	bool end = pl[1] & 0x80;
	int n = 0;
	if (d->active && ts == d->ts) {
		if (!d->ended) {
			if (dur > d->dur)
				d->dur = dur;
			if (end) {
				out[n++] = (struct rtpr_dtmf_press){ d->digit, d->dur / 8 };
				d->ended = true;
				d->end_seq = seq;
			}
			return n;
		}
		/* an end retransmission or a late update: nothing new, unless a
		 * new press that kept the timestamp */
		if (end || (int16_t)(seq - d->end_seq) <= 0)
			return 0;
	} else if (d->active && (int32_t)(ts - d->ts) < 0 &&
	           (int16_t)(seq - (d->ended ? d->end_seq : seq)) > -RTPR_DTMF_RESTART) {
		return 0;   /* a late packet of an earlier press */
	} else if (d->active && !d->ended) {
		out[n++] = (struct rtpr_dtmf_press){ d->digit, d->dur / 8 };   /* its end was lost */
	}
	d->active = event < 16;
	if (!d->active)
		return n;
	d->ended = false;
	d->ts = ts;
	d->digit = digits[event];
	d->dur = dur;
	if (end) {
		out[n++] = (struct rtpr_dtmf_press){ d->digit, d->dur / 8 };
		d->ended = true;
		d->end_seq = seq;
	}
	return n;
}

bool rtpr_wav_next_frame(struct rtpr_wav_player *p, int16_t out[RTPR_FRAME_SAMPLES])
{
	if (!p->wav || p->pos >= p->wav->nsamples)
		return false;
	size_t k = p->wav->nsamples - p->pos;
	if (k > RTPR_FRAME_SAMPLES)
		k = RTPR_FRAME_SAMPLES;
	memcpy(out, p->wav->samples + p->pos, k * sizeof *out);
	memset(out + k, 0, (RTPR_FRAME_SAMPLES - k) * sizeof *out);
	p->pos += k;
	return true;
}

/* ---- SDP: the endpoint as the call's far end ---- */

/* o= session id (RFC 4566 §5.2): unique enough, and small for peers that
 * read it into 32 bits. */
static uint64_t sess_id(void)
{
	uint32_t r;
	if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
		r = (uint32_t)time(NULL);
	return (r & 0x7FFFFFFFu) | 1u;
}

/* What an answer agreed applies to the endpoint: the offerer's
 * telephone-event type, its address (else latching finds it), and silence
 * while we answered recvonly or inactive (the caller holds). */
static void follow_answer(struct rtpr_media_ep *ep, const struct rtpr_sdp_choice *ch)
{
	if (ch->te_pt >= 0)
		rtpr_media_set_dtmf_pt(ep, (unsigned)ch->te_pt);
	if (ch->remote[0])
		rtpr_media_set_remote(ep, ch->remote, ch->remote_port);
	ep->mute = ch->dir == RTPR_DIR_RECVONLY || ch->dir == RTPR_DIR_INACTIVE;
}

int rtpr_media_answer(struct rtpr_ports *ports, const char *my_addr, const char *offer,
                      size_t len, struct rtpr_media_ep **out, char *answer, size_t size)
{
	*out = NULL;
	struct rtpr_sdp sdp;
	int rc = rtpr_sdp_parse(offer, len, &sdp);
	if (rc == -E2BIG)
		return -EPROTONOSUPPORT;   /* valid, but more than we can answer */
	if (rc < 0)
		return -EINVAL;
	struct rtpr_sdp_choice ch;
	if ((rc = rtpr_sdp_choose(&sdp, &ch)) < 0)
		return rc;
	struct rtpr_media_ep *ep;
	if ((rc = rtpr_media_open(&ep, ports, ch.codec)) < 0)
		return rc;
	ep->sess_id = ep->version = sess_id();
	rc = rtpr_sdp_answer(&sdp, my_addr, ep->pair.rtp_port, ep->sess_id, ep->version, &ch, answer,
	                     size);
	if (rc < 0) {
		rtpr_media_close(ep);
		return rc;
	}
	follow_answer(ep, &ch);
	*out = ep;
	return rc;
}

int rtpr_media_reanswer(struct rtpr_media_ep *ep, const char *my_addr, const char *offer,
                        size_t len, char *answer, size_t size)
{
	struct rtpr_sdp sdp;
	int rc = rtpr_sdp_parse(offer, len, &sdp);
	if (rc == -E2BIG)
		return -EPROTONOSUPPORT;
	if (rc < 0)
		return -EINVAL;
	struct rtpr_sdp_choice ch;
	if ((rc = rtpr_sdp_choose(&sdp, &ch)) < 0)
		return rc;
	/* RFC 3264 §8: the same session, its version one higher, our port
	 * kept; what the new offer asks (codec, address, direction) applies */
	rc = rtpr_sdp_answer(&sdp, my_addr, ep->pair.rtp_port, ep->sess_id, ep->version + 1, &ch,
	                     answer, size);
	if (rc < 0)
		return rc;
	ep->version++;
	ep->codec = ch.codec;
	follow_answer(ep, &ch);
	return rc;
}

int rtpr_media_offer(struct rtpr_ports *ports, const char *my_addr, struct rtpr_media_ep **out,
                     char *offer, size_t size)
{
	*out = NULL;
	struct rtpr_media_ep *ep;
	int rc = rtpr_media_open(&ep, ports, RTPR_PCMU);
	if (rc < 0)
		return rc;
	ep->sess_id = ep->version = sess_id();
	rc = rtpr_sdp_offer(my_addr, ep->pair.rtp_port, ep->sess_id, ep->version, offer, size);
	if (rc < 0) {
		rtpr_media_close(ep);
		return rc;
	}
	ep->follow_codec = true;
	*out = ep;
	return rc;
}
