/* mod_rtprelay — the media of one call (callmedia.h). Every m-line index
 * of the call (RFC 3264 §8: an m-line keeps its index for the whole
 * session) gets a relay session with a port pair per side. An offer from
 * side X to side Y sets X's remote address and profile and is rewritten to
 * point Y at Y's relay port; the answer does the same the other way and
 * then the SRTP contexts of both sides are (re)keyed.
 *
 * SDES (RFC 4568): what a side puts in a=crypto is the key it protects
 * its own packets with; the relay unprotects with it ("theirs") and
 * protects what it sends that side with a key of its own that it gave it
 * in the SDP ("ours"). Each side keeps its own keys, so SRTP<->RTP,
 * RTP<->SRTP and SRTP<->SRTP bridges all work. Keys are never logged. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callmedia.h"
#include "srtp.h"

#define NSIDES 2

struct rp_key {
	bool set;
	struct rtpr_srtp_key k;
};

struct rp_stream {
	struct rtpr_session *sess;
	bool known[NSIDES];       /* the side's profile is known (it sent an SDP or got one) */
	bool srtp[NSIDES];        /* the side talks SRTP */
	struct rp_key ours[NSIDES], theirs[NSIDES];
	struct rp_key applied_rx[NSIDES], applied_tx[NSIDES]; /* what the relay uses now */
	char raddr[NSIDES][RTPR_SDP_ADDR_LEN];
	uint16_t rport[NSIDES], rrtcp[NSIDES];
	enum rtpr_sdp_dir dir[NSIDES];
	bool zero_addr[NSIDES];   /* c=0.0.0.0: RFC 2543 hold */
	bool hold;
	char profile[96];         /* as last logged */
	char codec[32];           /* the last answer's first format, "" before one */
};

struct rp_call {
	struct rp_ctx *ctx;
	struct rp_call *prev, *next;
	struct tandem_call *call;
	bool off, answered;
	enum rp_srtp_pref pref;
	struct rp_stream st[RTPR_SDP_MAX_MEDIA];
	struct rtpr_sdp_origin origin[NSIDES];   /* o= versions we send each side */
};

static const char *const side_name[NSIDES] = { "A", "B" };

static int side_of(unsigned leg)
{
	return leg == TANDEM_LEG_A ? RTPR_LEG_A : RTPR_LEG_B;
}

static void key_clear(struct rp_key *k)
{
	rtpr_srtp_key_wipe(&k->k);
	k->set = false;
}

static bool key_eq(const struct rp_key *a, const struct rp_key *b)
{
	if (a->set != b->set)
		return false;
	return !a->set || (a->k.suite == b->k.suite && a->k.len == b->k.len &&
	                   memcmp(a->k.key, b->k.key, a->k.len) == 0);
}

struct rp_call *rp_call_get(struct rp_ctx *ctx, struct tandem_call *call, bool create)
{
	struct rp_call *rc = tandem_call_data(call, "rtprelay");
	if (rc || !create)
		return rc;
	rc = calloc(1, sizeof *rc);
	if (!rc)
		return NULL;
	rc->ctx = ctx;
	rc->call = call;
	rc->pref = ctx->pref;
	if (tandem_call_set_data(call, "rtprelay", rc) < 0) {
		free(rc);
		return NULL;
	}
	rc->next = ctx->calls;
	if (rc->next)
		rc->next->prev = rc;
	ctx->calls = rc;
	return rc;
}

void rp_call_set_pref(struct rp_call *rc, enum rp_srtp_pref pref) { rc->pref = pref; }
void rp_call_set_off(struct rp_call *rc, bool off) { rc->off = off; }
bool rp_call_is_off(const struct rp_call *rc) { return rc->off; }
struct rp_call *rp_call_next(const struct rp_call *rc) { return rc->next; }
struct tandem_call *rp_call_owner(const struct rp_call *rc) { return rc->call; }

static bool is_zero_addr(const char *a)
{
	return strcmp(a, "0.0.0.0") == 0 || strcmp(a, "::") == 0;
}

/* Where the relay sends to side x until it latches (symmetric RTP). */
static void note_remote(struct rp_call *rc, struct rp_stream *s, int x,
                        const struct rtpr_sdp_media *m)
{
	s->dir[x] = m->dir;
	s->zero_addr[x] = is_zero_addr(m->addr);
	if (s->zero_addr[x] || !m->addr[0])
		return;
	uint16_t rtcp = m->rtcp_mux ? m->port : m->rtcp_port > 0 ? (uint16_t)m->rtcp_port : 0;
	if (strcmp(s->raddr[x], m->addr) == 0 && s->rport[x] == m->port && s->rrtcp[x] == rtcp)
		return;   /* unchanged: keep what latching learnt */
	if (rtpr_session_set_remote(s->sess, (enum rtpr_leg)x, m->addr, m->port, rtcp) < 0) {
		tlog_info("rtprelay: call %s: side %s address '%s' is not an IP literal: latching only",
		          tandem_call_id(rc->call), side_name[x], m->addr);
		return;
	}
	snprintf(s->raddr[x], sizeof s->raddr[x], "%s", m->addr);
	s->rport[x] = m->port;
	s->rrtcp[x] = rtcp;
}

/* Give the relay side x's keys if they changed (re-keying resets the
 * SRTP contexts, so a hold re-INVITE with the same keys must not). */
static void apply_crypto(struct rp_call *rc, struct rp_stream *s, int x)
{
	struct rp_key rx = { 0 }, tx = { 0 };
	if (s->srtp[x]) {
		rx = s->theirs[x];
		tx = s->ours[x];
	}
	if (key_eq(&rx, &s->applied_rx[x]) && key_eq(&tx, &s->applied_tx[x]))
		goto out;
	int err = rtpr_session_set_crypto(s->sess, (enum rtpr_leg)x, rx.set ? &rx.k : NULL,
	                                  tx.set ? &tx.k : NULL);
	if (err < 0) {
		tlog_warn("rtprelay: call %s: SRTP set-up for side %s failed (%s)",
		          tandem_call_id(rc->call), side_name[x], strerror(-err));
		goto out;
	}
	s->applied_rx[x] = rx;
	s->applied_tx[x] = tx;
out:
	rtpr_srtp_key_wipe(&rx.k);
	rtpr_srtp_key_wipe(&tx.k);
}

static bool dir_holds(enum rtpr_sdp_dir d)
{
	return d == RTPR_DIR_SENDONLY || d == RTPR_DIR_RECVONLY || d == RTPR_DIR_INACTIVE;
}

/* On hold (RFC 3264 §8.4) a silent phone is no reason to end the call. */
static void update_hold(struct rp_stream *s)
{
	bool hold = false;
	for (int x = 0; x < NSIDES; x++)
		hold = hold || dir_holds(s->dir[x]) || s->zero_addr[x];
	if (hold != s->hold) {
		s->hold = hold;
		rtpr_session_set_hold(s->sess, hold);
	}
}

/* Our key for side y, of suite (and a=crypto tag) tag; kept across
 * offers and answers while the suite stays. */
static int our_key(struct rp_stream *s, int y, enum rtpr_srtp_suite suite, unsigned tag)
{
	if (s->ours[y].set && s->ours[y].k.suite == suite) {
		s->ours[y].k.tag = tag;
		return 0;
	}
	key_clear(&s->ours[y]);
	int err = rtpr_srtp_key_generate(suite, tag, &s->ours[y].k);
	if (err < 0)
		return err;
	s->ours[y].set = true;
	return 0;
}

static bool relayable(const struct rtpr_sdp_media *m)
{
	/* RTP profiles only: T.38 (udptl), DTLS-SRTP (UDP/TLS/...) and the
	 * like keep their addresses and go end to end */
	return m->port != 0 && strncmp(m->proto, "RTP/", 4) == 0;
}

/* m-line i of an offer from side x to side y. false: leave it untouched. */
static bool stream_offer(struct rp_call *rc, unsigned i, const struct rtpr_sdp_media *m,
                         int x, int y, struct rtpr_sdp_media_rw *rw, char *crypto, size_t cn)
{
	struct rp_stream *s = &rc->st[i];
	struct rp_ctx *ctx = rc->ctx;
	if (!relayable(m))
		return false;
	struct rtpr_srtp_key their = { 0 };
	if (m->secure && rtpr_srtp_key_pick(m, &their) < 0) {
		tlog_warn("rtprelay: call %s: m-line %u of side %s is SRTP without a usable a=crypto: not relayed",
		          tandem_call_id(rc->call), i, side_name[x]);
		return false;
	}
	if (!s->sess) {
		int err = rtpr_session_create(ctx->relay, rc, &s->sess);
		if (err < 0) {
			tlog_warn("rtprelay: call %s: no relay ports for m-line %u (%s): media goes direct",
			          tandem_call_id(rc->call), i, strerror(-err));
			rtpr_srtp_key_wipe(&their);
			return false;
		}
	}
	s->known[x] = true;
	s->srtp[x] = m->secure;
	key_clear(&s->theirs[x]);
	if (m->secure) {
		s->theirs[x].k = their;
		s->theirs[x].set = true;
	}
	note_remote(rc, s, x, m);

	/* The profile of the side the offer goes to: the dialplan's choice
	 * for B, else what that side already talks, else the offerer's. */
	bool want = y == RTPR_LEG_B && rc->pref != RP_SRTP_FOLLOW ? rc->pref == RP_SRTP_ON :
	            s->known[y] ? s->srtp[y] : m->secure;
	s->known[y] = true;
	s->srtp[y] = want;
	rw->addr = ctx->addr;
	rw->rtp_port = rtpr_session_port(s->sess, (enum rtpr_leg)y);
	rw->crypto_op = RTPR_CRYPTO_REMOVE;
	if (want) {
		enum rtpr_srtp_suite suite = m->secure ? their.suite : RTPR_SRTP_AES_CM_128_HMAC_SHA1_80;
		if (our_key(s, y, suite, 1) < 0 || rtpr_srtp_key_format(&s->ours[y].k, crypto, cn) < 0) {
			tlog_warn("rtprelay: call %s: cannot make an SRTP key for side %s",
			          tandem_call_id(rc->call), side_name[y]);
			rtpr_srtp_key_wipe(&their);
			return false;
		}
		rw->crypto_op = RTPR_CRYPTO_REPLACE;
		rw->ncrypto = 1;
	}
	rtpr_srtp_key_wipe(&their);
	return true;
}

static const char *profile_name(const struct rp_stream *s, int x)
{
	const struct rp_key *k = s->applied_rx[x].set ? &s->applied_rx[x] : &s->applied_tx[x];
	return k->set ? rtpr_srtp_suite_name(k->k.suite) : "plain RTP";
}

/* One line when a stream's profiles are settled or change. */
static void log_profile(const struct rp_call *rc, unsigned i, struct rp_stream *s)
{
	char now[sizeof s->profile];
	snprintf(now, sizeof now, "side A %s, side B %s", profile_name(s, RTPR_LEG_A),
	         profile_name(s, RTPR_LEG_B));
	if (strcmp(now, s->profile) == 0)
		return;
	memcpy(s->profile, now, sizeof now);
	tlog_info("rtprelay: call %s stream %u: %s (ports A %u, B %u)", tandem_call_id(rc->call), i,
	          now, rtpr_session_port(s->sess, RTPR_LEG_A), rtpr_session_port(s->sess, RTPR_LEG_B));
}

/* m-line i of an answer from side x to side y (the offerer). */
static bool stream_answer(struct rp_call *rc, unsigned i, const struct rtpr_sdp_media *m,
                          int x, int y, struct rtpr_sdp_media_rw *rw, char *crypto, size_t cn)
{
	struct rp_stream *s = &rc->st[i];
	if (!s->sess || !relayable(m))
		return false;
	s->known[x] = true;
	s->srtp[x] = m->secure;
	snprintf(s->codec, sizeof s->codec, "%s", m->codec);
	key_clear(&s->theirs[x]);
	if (m->secure) {
		if (rtpr_srtp_key_pick(m, &s->theirs[x].k) == 0)
			s->theirs[x].set = true;
		else
			tlog_warn("rtprelay: call %s: SRTP answer of side %s without a usable a=crypto",
			          tandem_call_id(rc->call), side_name[x]);
	}
	note_remote(rc, s, x, m);
	rw->addr = rc->ctx->addr;
	rw->rtp_port = rtpr_session_port(s->sess, (enum rtpr_leg)y);
	rw->crypto_op = RTPR_CRYPTO_REMOVE;
	if (s->srtp[y] && s->theirs[y].set) {
		/* RFC 4568 §7.1.2: the answer's a=crypto has the tag and suite
		 * of the offer's line it accepts */
		if (our_key(s, y, s->theirs[y].k.suite, s->theirs[y].k.tag) < 0 ||
		    rtpr_srtp_key_format(&s->ours[y].k, crypto, cn) < 0) {
			tlog_warn("rtprelay: call %s: cannot make an SRTP key for side %s",
			          tandem_call_id(rc->call), side_name[y]);
			return false;
		}
		rw->crypto_op = RTPR_CRYPTO_REPLACE;
		rw->ncrypto = 1;
	} else {
		s->srtp[y] = false;
	}
	apply_crypto(rc, s, x);
	apply_crypto(rc, s, y);
	update_hold(s);
	log_profile(rc, i, s);
	return true;
}

void rp_call_sdp(struct rp_ctx *ctx, struct rp_call *rc, struct tandem_event *ev)
{
	(void)ctx;
	if (rc->off || !ev->body.len)
		return;
	int x = side_of(ev->from_leg), y = side_of(ev->to_leg);
	if (x == y)
		return;
	struct rtpr_sdp *sdp = malloc(sizeof *sdp);
	char (*crypto)[RTPR_SDP_CRYPTO_LEN] = calloc(RTPR_SDP_MAX_MEDIA, RTPR_SDP_CRYPTO_LEN);
	char *out = NULL;
	size_t outsz = 0, outlen;
	if (!sdp || !crypto)
		goto done;
	int err = rtpr_sdp_parse(ev->body.p, ev->body.len, sdp);
	if (err < 0) {
		tlog_warn("rtprelay: call %s: SDP from side %s not relayed: %s",
		          tandem_call_id(rc->call), side_name[x],
		          err == -E2BIG ? "too many m-lines or a value too long" : "malformed");
		goto done;
	}
	struct rtpr_sdp_rw rw = { .nmedia = sdp->nmedia, .origin = &rc->origin[y] };
	const char *cptr[RTPR_SDP_MAX_MEDIA];
	bool any = false;
	for (unsigned i = 0; i < sdp->nmedia; i++) {
		struct rtpr_sdp_media_rw *mrw = &rw.media[i];
		cptr[i] = crypto[i];
		mrw->crypto = &cptr[i];
		bool ok = ev->sdp_role == TANDEM_SDP_OFFER ?
		          stream_offer(rc, i, &sdp->media[i], x, y, mrw, crypto[i], RTPR_SDP_CRYPTO_LEN) :
		          stream_answer(rc, i, &sdp->media[i], x, y, mrw, crypto[i], RTPR_SDP_CRYPTO_LEN);
		if (!ok)
			*mrw = (struct rtpr_sdp_media_rw){ 0 };   /* rtp_port 0: untouched */
		any = any || ok;
	}
	if (!any)
		goto done;
	outsz = ev->body.len + 512 + (size_t)sdp->nmedia * (RTPR_SDP_CRYPTO_LEN + 128);
	out = malloc(outsz);
	if (!out || rtpr_sdp_rewrite(ev->body.p, ev->body.len, &rw, out, outsz, &outlen) < 0 ||
	    tandem_event_set_body(ev, out, outlen) < 0) {
		tlog_warn("rtprelay: call %s: could not rewrite the SDP for side %s",
		          tandem_call_id(rc->call), side_name[y]);
		goto done;
	}
	tlog_debug("rtprelay: call %s: %s from %s rewritten for %s", tandem_call_id(rc->call),
	           ev->sdp_role == TANDEM_SDP_OFFER ? "offer" : "answer", side_name[x], side_name[y]);
done:
	if (out)
		explicit_bzero(out, outsz);   /* it held our keys */
	free(out);
	if (crypto)
		explicit_bzero(crypto, RTPR_SDP_MAX_MEDIA * RTPR_SDP_CRYPTO_LEN);
	free(crypto);
	if (sdp)
		explicit_bzero(sdp, sizeof *sdp);   /* the peers' keys */
	free(sdp);
}

void rp_call_answered(struct rp_call *rc)
{
	rc->answered = true;
	for (unsigned i = 0; i < RTPR_SDP_MAX_MEDIA; i++)
		if (rc->st[i].sess)   /* restarts the timeout: ringing was no media time */
			rtpr_session_set_hold(rc->st[i].sess, rc->st[i].hold);
}

bool rp_call_idle(const struct rp_call *rc)
{
	if (!rc->answered || rc->off)
		return false;
	unsigned n = 0;
	for (unsigned i = 0; i < RTPR_SDP_MAX_MEDIA; i++) {
		if (!rc->st[i].sess)
			continue;
		if (!rtpr_session_timed_out(rc->st[i].sess))
			return false;
		n++;
	}
	return n > 0;
}

bool rp_call_stats(const struct rp_call *rc, unsigned stream, enum rtpr_leg leg,
                   struct rtpr_leg_stats *out)
{
	if (stream >= RTPR_SDP_MAX_MEDIA || !rc->st[stream].sess)
		return false;
	return rtpr_session_stats(rc->st[stream].sess, leg, out) == 0;
}

bool rp_call_stream_info(const struct rp_call *rc, unsigned stream, struct rp_stream_info *out)
{
	if (stream >= RTPR_SDP_MAX_MEDIA || !rc->st[stream].sess)
		return false;
	const struct rp_stream *s = &rc->st[stream];
	out->codec = s->codec;
	for (int x = 0; x < NSIDES; x++) {
		const struct rp_key *k = s->applied_rx[x].set ? &s->applied_rx[x] : &s->applied_tx[x];
		out->srtp[x] = k->set ? rtpr_srtp_suite_name(k->k.suite) : NULL;
	}
	out->hold = s->hold;
	return true;
}

static void log_leg(const struct rp_call *rc, unsigned i, int x, const struct rtpr_leg_stats *st)
{
	char report[96] = "";
	if (st->have_report)
		snprintf(report, sizeof report, " lost=%d fraction_lost=%u/256 jitter=%u",
		         (int)st->cumulative_lost, (unsigned)st->fraction_lost, (unsigned)st->jitter);
	tlog_notice("rtprelay: call %s stream %u side %s: rx_pkts=%llu rx_bytes=%llu tx_pkts=%llu "
	            "tx_bytes=%llu rtcp_rx=%llu rtcp_tx=%llu dropped foreign=%llu invalid=%llu "
	            "srtp=%llu nodest=%llu latched=%s%s",
	            tandem_call_id(rc->call), i, side_name[x],
	            (unsigned long long)st->rx_packets, (unsigned long long)st->rx_bytes,
	            (unsigned long long)st->tx_packets, (unsigned long long)st->tx_bytes,
	            (unsigned long long)st->rtcp_rx, (unsigned long long)st->rtcp_tx,
	            (unsigned long long)st->dropped_foreign, (unsigned long long)st->dropped_invalid,
	            (unsigned long long)st->dropped_srtp, (unsigned long long)st->dropped_nodest,
	            st->latched ? "yes" : "no", report);
}

void rp_call_end(struct rp_ctx *ctx, struct rp_call *rc)
{
	unsigned released = 0;
	for (unsigned i = 0; i < RTPR_SDP_MAX_MEDIA; i++) {
		struct rp_stream *s = &rc->st[i];
		if (s->sess) {
			struct rtpr_leg_stats st;
			for (int x = 0; x < NSIDES; x++)
				if (rtpr_session_stats(s->sess, (enum rtpr_leg)x, &st) == 0)
					log_leg(rc, i, x, &st);
			rtpr_session_destroy(s->sess);
			s->sess = NULL;
			released += NSIDES;
		}
		for (int x = 0; x < NSIDES; x++) {
			key_clear(&s->ours[x]);
			key_clear(&s->theirs[x]);
			key_clear(&s->applied_rx[x]);
			key_clear(&s->applied_tx[x]);
		}
	}
	if (released)
		tlog_notice("rtprelay: call %s: %u port pairs released, %u in use", tandem_call_id(rc->call),
		            released, rtpr_ports_in_use(ctx->ports));
	if (rc->prev)
		rc->prev->next = rc->next;
	else
		ctx->calls = rc->next;
	if (rc->next)
		rc->next->prev = rc->prev;
	tandem_call_set_data(rc->call, "rtprelay", NULL);
	free(rc);
}
