/* mod_rtprelay: RTP/SRTP relay for every call's media (issue 5).
 *
 *   rtprelay: {
 *     bind = "127.0.0.1";         // address for relay sockets and in SDP
 *     port_min = 20000; port_max = 30000;
 *     media_timeout = 60;         // seconds without RTP/RTCP on both legs; 0 = off
 *     threads = 1;                // media threads
 *   };
 *
 * Today: configuration, the port pool, the media threads and the media API
 * for other modules. Not yet: the MEDIA hook (SDP rewriting of both legs'
 * offers/answers) and BYE on media timeout; they need the call core's
 * per-call slot and SDP access, which do not exist yet. Timeouts are
 * handed from the media thread to the signalling loop (ev_async) and
 * logged there. */
#include "config.h"

#include <errno.h>
#include <ev.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/tandem.h>

#include "mod_rtprelay.h"
#include "ports.h"
#include "relay.h"
#include "srtp.h"

struct rtprelay_state {
	char bind[64];
	int port_min, port_max;
	int timeout_s;
	int threads;
	struct rtpr_ports *ports;
	struct rtpr_relay *relay;
	struct ev_loop *loop;
	ev_async timeout_async;
	pthread_mutex_t lock;     /* timeouts_pending: media threads -> loop */
	unsigned timeouts_pending;
};

static int read_config(struct rtprelay_state *s, const config_setting_t *cfg)
{
	const char *bind = "127.0.0.1";
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
	}
	const char *file = cfg ? config_setting_source_file(cfg) : "(defaults)";
	int line = cfg ? config_setting_source_line(cfg) : 0;
	if (strlen(bind) >= sizeof s->bind) {
		tlog_error("mod_rtprelay: %s:%d: bind address too long", file, line);
		return -EINVAL;
	}
	strcpy(s->bind, bind);
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
	/* TODO(call core): BYE both legs of the call owning the session. */
	tlog_notice("rtprelay: media timeout on %u session(s) (no RTP/RTCP for %d s)",
	            n, s->timeout_s);
}

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
	tlog_info("rtprelay: relaying on %s ports %d-%d, %d media thread(s), timeout %d s",
	          s->bind, s->port_min, s->port_max, s->threads, s->timeout_s);
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
	return 0;
}

static void rtprelay_stop(struct tandem *t)
{
	struct rtprelay_state *s = tandem_module_data(t, "rtprelay");
	if (!s)
		return;
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

static const char *api_media_address(struct tandem *t)
{
	struct rtprelay_state *s = tandem_module_data(t, "rtprelay");
	return s ? s->bind : NULL;
}

static const struct mod_rtprelay_api rtprelay_api = {
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
};

const struct tandem_module tandem_module = {
	.abi = TANDEM_MODULE_ABI,
	.build_sig = TANDEM_BUILD_SIGNATURE,
	.name = "rtprelay",
	.init = rtprelay_init,
	.start = rtprelay_start,
	.reload = rtprelay_reload,
	.stop = rtprelay_stop,
	.api = &rtprelay_api,
};
