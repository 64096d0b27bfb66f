/* mod_rtprelay: RTP/SRTP relay for every call's media (issue 5).
 *
 *   rtprelay: {
 *     bind = "127.0.0.1";         // address for relay sockets and in SDP
 *     port_min = 20000; port_max = 30000;
 *     media_timeout = 60;         // seconds without RTP/RTCP on both legs; 0 = off
 *     threads = 1;                // media threads
 *     srtp = "follow";            // what B-legs are offered: "follow" the
 *                                 // caller's profile, "srtp" or "rtp"
 *   };
 *
 * Every call's SDP crosses the MEDIA hook (callmedia.c rewrites it to
 * point both sides at the relay). The dialplan action rtprelay(MODE)
 * changes the current call before its dial(): MODE "srtp" offers the
 * B-legs RTP/SAVP with SDES keys, "rtp" plain RTP/AVP, "follow" the
 * caller's profile, "off" leaves the call's media alone. The caller is
 * always answered in the profile it offered.
 *
 * Media timeouts are found on the media threads and handed to the
 * signalling loop (ev_async), which hangs up calls whose every stream is
 * silent (not on hold). Counters are logged at call end and available to
 * other modules (mod_rtprelay_api.call_stats). */
#include "config.h"

#include <errno.h>
#include <ev.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/rtprelay.h>
#include <tandem/tandem.h>

#include "callmedia.h"
#include "farend.h"
#include "media.h"
#include "player.h"
#include "ports.h"
#include "relay.h"
#include "rp_metrics.h"
#include "srtp.h"

struct rtprelay_state {
	char bind[64];
	int port_min, port_max;
	int timeout_s;
	int threads;
	enum rp_srtp_pref srtp;
	struct tandem *t;
	struct rp_ctx ctx;
	struct rtpr_ports *ports;
	struct rtpr_relay *relay;
	struct ev_loop *loop;
	ev_async timeout_async;
	pthread_mutex_t lock;     /* timeouts_pending: media threads -> loop */
	unsigned timeouts_pending;
};

static int parse_pref(const char *v, enum rp_srtp_pref *out)
{
	if (strcmp(v, "follow") == 0)
		*out = RP_SRTP_FOLLOW;
	else if (strcmp(v, "srtp") == 0)
		*out = RP_SRTP_ON;
	else if (strcmp(v, "rtp") == 0)
		*out = RP_SRTP_OFF;
	else
		return -EINVAL;
	return 0;
}

static int read_config(struct rtprelay_state *s, const config_setting_t *cfg)
{
	const char *bind = "127.0.0.1", *srtp = "follow";
	s->port_min = 20000;
	s->port_max = 30000;
	s->timeout_s = 60;
	s->threads = 1;
	if (cfg) {
		config_setting_lookup_string(cfg, "bind", &bind);
		config_setting_lookup_int(cfg, "port_min", &s->port_min);
		config_setting_lookup_int(cfg, "port_max", &s->port_max);
		config_setting_lookup_int(cfg, "media_timeout", &s->timeout_s);
		config_setting_lookup_int(cfg, "threads", &s->threads);
		config_setting_lookup_string(cfg, "srtp", &srtp);
	}
	const char *file = cfg ? config_setting_source_file(cfg) : "(defaults)";
	int line = cfg ? config_setting_source_line(cfg) : 0;
	if (strlen(bind) >= sizeof s->bind) {
		tlog_error("mod_rtprelay: %s:%d: bind address too long", file, line);
		return -EINVAL;
	}
	strcpy(s->bind, bind);
	if (parse_pref(srtp, &s->srtp) < 0) {
		tlog_error("mod_rtprelay: %s:%d: srtp = \"%s\": expected \"follow\", \"srtp\" or \"rtp\"",
		           file, line, srtp);
		return -EINVAL;
	}
	if (s->port_min < 1024 || s->port_max > 65535 || s->port_min + 1 >= s->port_max) {
		tlog_error("mod_rtprelay: %s:%d: need 1024 <= port_min < port_max <= 65535",
		           file, line);
		return -EINVAL;
	}
	if (s->timeout_s < 0 || s->timeout_s > 86400 || s->threads < 1 || s->threads > 64) {
		tlog_error("mod_rtprelay: %s:%d: media_timeout 0..86400 s, threads 1..64", file, line);
		return -EINVAL;
	}
	return 0;
}

/* On a media thread: count and wake the signalling loop. */
static void on_media_timeout(struct rtpr_session *sess, void *user, void *arg)
{
	(void)sess;
	(void)user;
	struct rtprelay_state *s = arg;
	pthread_mutex_lock(&s->lock);
	s->timeouts_pending++;
	pthread_mutex_unlock(&s->lock);
	ev_async_send(s->loop, &s->timeout_async);
}

static void timeout_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	(void)loop;
	(void)revents;
	struct rtprelay_state *s = w->data;
	pthread_mutex_lock(&s->lock);
	unsigned n = s->timeouts_pending;
	s->timeouts_pending = 0;
	pthread_mutex_unlock(&s->lock);
	tlog_debug("rtprelay: media timeout on %u session(s)", n);
	/* Which calls: a scan here, on the loop, so no call pointer ever
	 * crosses threads (the call may have ended meanwhile). */
	char why[64];
	snprintf(why, sizeof why, "media timeout: no RTP/RTCP for %d s", s->timeout_s);
	for (struct rp_call *rc = s->ctx.calls, *next; rc; rc = next) {
		next = rp_call_next(rc);   /* the hang-up may end the call and free rc */
		if (rp_call_idle(rc))
			tandem_call_hangup(s->t, rp_call_owner(rc), why);
	}
}

/* ---- the call hooks ---- */

static enum tandem_verdict on_media(struct tandem_event *ev)
{
	struct rtprelay_state *s = tandem_module_data(ev->t, "rtprelay");
	if (!s || !s->relay || !ev->call)
		return TANDEM_CONTINUE;
	struct rp_call *rc = rp_call_get(&s->ctx, ev->call, true);
	if (!rc) {
		tlog_warn("rtprelay: call %s: out of memory: media goes direct", tandem_call_id(ev->call));
		return TANDEM_CONTINUE;
	}
	rp_call_sdp(&s->ctx, rc, ev);
	return TANDEM_CONTINUE;
}

static enum tandem_verdict on_answer(struct tandem_event *ev)
{
	struct rtprelay_state *s = tandem_module_data(ev->t, "rtprelay");
	struct rp_call *rc = s && ev->call ? rp_call_get(&s->ctx, ev->call, false) : NULL;
	if (rc)
		rp_call_answered(rc);
	return TANDEM_CONTINUE;
}

static enum tandem_verdict on_call_end(struct tandem_event *ev)
{
	struct rtprelay_state *s = tandem_module_data(ev->t, "rtprelay");
	struct rp_call *rc = s && ev->call ? rp_call_get(&s->ctx, ev->call, false) : NULL;
	if (rc)
		rp_call_end(&s->ctx, rc);
	return TANDEM_CONTINUE;
}

/* Late in CALL_END, so a CDR module before it still reads the counters. */
static const struct tandem_hook rtprelay_hooks[] = {
	{ TANDEM_HOOK_MEDIA, 100, on_media },
	{ TANDEM_HOOK_ANSWER, 100, on_answer },
	{ TANDEM_HOOK_CALL_END, 1000, on_call_end },
	{ .fn = NULL },
};

/* rtprelay(follow|srtp|rtp|off|on): this call's media, before its dial(). */
struct action_priv {
	bool off, on;
	enum rp_srtp_pref pref;
	bool has_pref;
};

static int action_fixup(struct tandem *t, int argc, const char *const *argv, void **priv,
                        char *err, size_t errlen)
{
	(void)t;
	(void)argc;
	struct action_priv *p = calloc(1, sizeof *p);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (strcmp(argv[0], "off") == 0)
		p->off = true;
	else if (strcmp(argv[0], "on") == 0)
		p->on = true;
	else if (parse_pref(argv[0], &p->pref) == 0)
		p->has_pref = true;
	else {
		snprintf(err, errlen, "rtprelay(%s): expected follow, srtp, rtp, on or off", argv[0]);
		free(p);
		return -EINVAL;
	}
	*priv = p;
	return 0;
}

static enum tandem_verdict action_run(struct tandem_event *ev, void *priv)
{
	const struct action_priv *p = priv;
	struct rtprelay_state *s = tandem_module_data(ev->t, "rtprelay");
	struct rp_call *rc = s && ev->call ? rp_call_get(&s->ctx, ev->call, true) : NULL;
	if (!rc)
		return TANDEM_CONTINUE;
	if (p->off || p->on)
		rp_call_set_off(rc, p->off);
	if (p->has_pref) {
		rp_call_set_off(rc, false);
		rp_call_set_pref(rc, p->pref);
	}
	return TANDEM_CONTINUE;
}

static const struct tandem_action rtprelay_actions[] = {
	{ .name = "rtprelay", .min_args = 1, .max_args = 1, .fixup = action_fixup,
	  .run = action_run, .free_priv = free },
	{ .name = NULL },
};

static int rtprelay_init(struct tandem *t, const config_setting_t *cfg)
{
	struct rtprelay_state *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	int rc = read_config(s, cfg);
	if (rc < 0) {
		free(s);
		return rc;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->t = t;
	s->ctx.addr = s->bind;
	s->ctx.pref = s->srtp;
	tandem_set_module_data(t, "rtprelay", s);
	return 0;
}

static int rtprelay_start(struct tandem *t)
{
	struct rtprelay_state *s = tandem_module_data(t, "rtprelay");
	int rc;
	if ((rc = rtpr_srtp_global_init()) < 0) {
		tlog_error("mod_rtprelay: libsrtp2 initialisation failed");
		return rc;
	}
	rc = rtpr_ports_create(&s->ports, s->bind, (uint16_t)s->port_min, (uint16_t)s->port_max);
	if (rc < 0) {
		tlog_error("mod_rtprelay: bad bind address '%s' or port range", s->bind);
		return rc;
	}
	s->loop = tandem_loop(t);
	ev_async_init(&s->timeout_async, timeout_cb);
	s->timeout_async.data = s;
	ev_async_start(s->loop, &s->timeout_async);
	struct rtpr_relay_config rc_cfg = {
		.threads = (unsigned)s->threads,
		.timeout_ms = (unsigned)s->timeout_s * 1000u,
		.on_timeout = on_media_timeout,
		.arg = s,
	};
	if ((rc = rtpr_relay_create(&s->relay, s->ports, &rc_cfg)) < 0) {
		tlog_error("mod_rtprelay: cannot start media threads: %s", strerror(-rc));
		ev_async_stop(s->loop, &s->timeout_async);
		rtpr_ports_destroy(s->ports);
		s->ports = NULL;
		return rc;
	}
	s->ctx.relay = s->relay;
	s->ctx.ports = s->ports;
	rp_metrics_add(t, &s->relay, &s->ports);
	tlog_info("rtprelay: relaying on %s ports %d-%d, %d media thread(s), timeout %d s",
	          s->bind, s->port_min, s->port_max, s->threads, s->timeout_s);
	if ((rc = rp_control_add(t, &s->ctx)) < 0)
		tlog_error("mod_rtprelay: no media in the control socket's calls: %s", strerror(-rc));
	return 0;
}

static int rtprelay_reload(struct tandem *t, const config_setting_t *cfg)
{
	struct rtprelay_state *s = tandem_module_data(t, "rtprelay"), next = { 0 };
	int rc = read_config(&next, cfg);
	if (rc < 0)
		return rc;
	/* Sockets and threads are in use by live calls: a restart applies. */
	if (strcmp(next.bind, s->bind) || next.port_min != s->port_min ||
	    next.port_max != s->port_max || next.timeout_s != s->timeout_s ||
	    next.threads != s->threads)
		tlog_warn("mod_rtprelay: new media settings apply after a restart");
	s->srtp = s->ctx.pref = next.srtp;   /* for calls routed from now on */
	return 0;
}

static void rtprelay_stop(struct tandem *t)
{
	struct rtprelay_state *s = tandem_module_data(t, "rtprelay");
	if (!s)
		return;
	rp_control_remove(t);
	rp_metrics_remove(t);
	rtpr_relay_destroy(s->relay);   /* joins the media threads first */
	if (s->loop)
		ev_async_stop(s->loop, &s->timeout_async);
	rtpr_ports_destroy(s->ports);
	pthread_mutex_destroy(&s->lock);
	free(s);
	tandem_set_module_data(t, "rtprelay", NULL);
}

/* ---- the API for other modules ---- */

static int api_media_open(struct tandem *t, enum rtpr_codec codec, struct rtpr_media_ep **out)
{
	struct rtprelay_state *s = tandem_module_data(t, "rtprelay");
	if (!s || !s->ports)
		return -ENODEV;
	return rtpr_media_open(out, s->ports, codec);
}

static int api_media_answer(struct tandem *t, const char *offer, size_t len,
                            struct rtpr_media_ep **ep, char *answer, size_t size)
{
	struct rtprelay_state *s = tandem_module_data(t, "rtprelay");
	*ep = NULL;
	if (!s || !s->ports)
		return -ENODEV;
	return rtpr_media_answer(s->ports, s->bind, offer, len, ep, answer, size);
}

static int api_media_reanswer(struct tandem *t, struct rtpr_media_ep *ep, const char *offer,
                              size_t len, char *answer, size_t size)
{
	struct rtprelay_state *s = tandem_module_data(t, "rtprelay");
	if (!s || !ep)
		return -ENODEV;
	return rtpr_media_reanswer(ep, s->bind, offer, len, answer, size);
}

static void api_far_end_request(struct tandem *t, struct tandem_call *call, struct sip_tsx *st,
                                const struct sip_msg *req, struct rtpr_media_ep *ep, char *sdp,
                                size_t size, size_t *len)
{
	struct rtprelay_state *s = tandem_module_data(t, "rtprelay");
	rtpr_far_end_request(s ? s->bind : "127.0.0.1", call, st, req, s ? ep : NULL, sdp, size, len);
}

static int api_media_offer(struct tandem *t, struct rtpr_media_ep **ep, char *offer, size_t size)
{
	struct rtprelay_state *s = tandem_module_data(t, "rtprelay");
	*ep = NULL;
	if (!s || !s->ports)
		return -ENODEV;
	return rtpr_media_offer(s->ports, s->bind, ep, offer, size);
}

static int api_player_new(struct tandem *t, struct rtpr_media_ep *ep,
                          const struct rtpr_player_ops *ops, void *arg, struct rtpr_player **out)
{
	return rtpr_player_new(tandem_loop(t), ep, ops, arg, out);
}

static const char *api_media_address(struct tandem *t)
{
	struct rtprelay_state *s = tandem_module_data(t, "rtprelay");
	return s ? s->bind : NULL;
}

static int api_call_stats(struct tandem *t, struct tandem_call *call, unsigned stream,
                          enum rtpr_leg leg, struct rtpr_leg_stats *out)
{
	struct rtprelay_state *s = tandem_module_data(t, "rtprelay");
	struct rp_call *rc = s && call ? rp_call_get(&s->ctx, call, false) : NULL;
	return rc && rp_call_stats(rc, stream, leg, out) ? 0 : -ENOENT;
}

static int api_call_relay(struct tandem *t, struct tandem_call *call, bool on)
{
	struct rtprelay_state *s = tandem_module_data(t, "rtprelay");
	struct rp_call *rc = s && call ? rp_call_get(&s->ctx, call, true) : NULL;
	if (!rc)
		return -ENOMEM;
	rp_call_set_off(rc, !on);
	return 0;
}

static const struct mod_rtprelay_api rtprelay_api = {
	.call_stats = api_call_stats,
	.media_open = api_media_open,
	.media_close = rtpr_media_close,
	.media_port = rtpr_media_port,
	.media_fd = rtpr_media_fd,
	.media_set_remote = rtpr_media_set_remote,
	.media_send_frame = rtpr_media_send_frame,
	.media_recv_frame = rtpr_media_recv_frame,
	.wav_load = rtpr_wav_load,
	.wav_free = rtpr_wav_free,
	.wav_next_frame = rtpr_wav_next_frame,
	.media_address = api_media_address,
	.media_set_dtmf_pt = rtpr_media_set_dtmf_pt,
	.media_dtmf = rtpr_media_dtmf,
	.media_answer = api_media_answer,
	.media_offer = api_media_offer,
	.media_reanswer = api_media_reanswer,
	.far_end_request = api_far_end_request,
	.player_new = api_player_new,
	.player_free = rtpr_player_free,
	.player_play = rtpr_player_play,
	.player_play_file = rtpr_player_play_file,
	.player_loop = rtpr_player_loop,
	.player_flush = rtpr_player_flush,
	.player_playing = rtpr_player_playing,
	.player_endpoint = rtpr_player_endpoint,
	.call_relay = api_call_relay,
};

const struct tandem_module tandem_module = {
	.abi = TANDEM_MODULE_ABI,
	.build_sig = TANDEM_BUILD_SIGNATURE,
	.name = "rtprelay",
	.init = rtprelay_init,
	.start = rtprelay_start,
	.reload = rtprelay_reload,
	.stop = rtprelay_stop,
	.actions = rtprelay_actions,
	.hooks = rtprelay_hooks,
	.api = &rtprelay_api,
};
