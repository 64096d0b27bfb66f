/* mod_apiuser — a module for the tests only: it uses the installed module
 * APIs (include/tandem/registrar.h, auth.h, rtprelay.h) the way a
 * voicemail or queue module would, compiled against include/ alone.
 *
 *   apiuser: { needs = ( "registrar", "auth", "rtprelay" ); };
 *
 * init fetches each API named in needs with its load_api helper and fails
 * when one is missing (the helper has logged which module to load first).
 * start calls each API once and logs what it got: the registrar knows no
 * user "nobody", mod_auth has no context for it, and a media endpoint sends
 * a 20 ms frame of a WAV player to itself and decodes it back. No deps are
 * declared, so that a missing API is a configuration the test can make. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/auth.h>
#include <tandem/registrar.h>
#include <tandem/rtprelay.h>
#include <tandem/tandem.h>

struct apiuser {
	const struct registrar_api *reg;
	const struct auth_api *auth;
	const struct mod_rtprelay_api *media;
};

static struct apiuser state;

static int apiuser_init(struct tandem *t, const config_setting_t *cfg)
{
	memset(&state, 0, sizeof state);
	const config_setting_t *needs = cfg ? config_setting_get_member(cfg, "needs") : NULL;
	for (int i = 0; needs && i < config_setting_length(needs); i++) {
		const char *name = config_setting_get_string_elem(needs, i);
		if (!name) {
			tandem_config_error("apiuser", needs, "needs: module names (strings)");
			return -EINVAL;
		}
		if (strcmp(name, "registrar") == 0) {
			if (!(state.reg = registrar_load_api(t, "apiuser")))
				return -ENOENT;
		} else if (strcmp(name, "auth") == 0) {
			if (!(state.auth = auth_load_api(t, "apiuser")))
				return -ENOENT;
		} else if (strcmp(name, "rtprelay") == 0) {
			if (!(state.media = rtprelay_load_api(t, "apiuser")))
				return -ENOENT;
		} else {
			tandem_config_error("apiuser", needs, "needs: no API named '%s'", name);
			return -EINVAL;
		}
	}
	return 0;
}

/* One frame from a WAV player, sent to the endpoint itself and decoded. */
static int media_round_trip(struct tandem *t, const struct mod_rtprelay_api *m)
{
	struct rtpr_media_ep *ep;
	int rc = m->media_open(t, RTPR_PCMU, &ep);
	if (rc < 0)
		return rc;
	int16_t tone[RTPR_FRAME_SAMPLES + 40];
	for (size_t i = 0; i < sizeof tone / sizeof tone[0]; i++)
		tone[i] = (int16_t)((i % 16) * 1000 - 8000);
	struct rtpr_wav wav = { .samples = tone, .nsamples = sizeof tone / sizeof tone[0], .rate = 8000 };
	struct rtpr_wav_player p = { .wav = &wav };
	int16_t frame[RTPR_FRAME_SAMPLES], got[RTPR_FRAME_SAMPLES];
	size_t n = 0;
	uint16_t seq;
	if (!m->wav_next_frame(&p, frame))
		rc = -ENODATA;
	else if ((rc = m->media_set_remote(ep, m->media_address(t), m->media_port(ep))) == 0 &&
	         (rc = m->media_send_frame(ep, frame)) == 0) {
		struct pollfd pfd = { .fd = m->media_fd(ep), .events = POLLIN };
		rc = poll(&pfd, 1, 2000) == 1 ? m->media_recv_frame(ep, got, RTPR_FRAME_SAMPLES, &n, &seq)
		                               : -ETIMEDOUT;
	}
	if (rc == 0)
		tlog_notice("apiuser: rtprelay endpoint on %s:%u: sent and received %zu samples",
		            m->media_address(t), (unsigned)m->media_port(ep), n);
	m->media_close(ep);
	return rc;
}

static int apiuser_start(struct tandem *t)
{
	if (state.reg) {
		struct location_contact c[2];
		tlog_notice("apiuser: registrar: nobody has %d contact(s)",
		            state.reg->lookup(t, "nobody", c, 2));
	}
	if (state.auth) {
		const char *ctx = state.auth->user_context(t, "nobody");
		tlog_notice("apiuser: auth: context of nobody: %s", ctx ? ctx : "(none)");
	}
	if (state.media) {
		int rc = media_round_trip(t, state.media);
		if (rc < 0) {
			tlog_error("apiuser: rtprelay endpoint round trip failed: %s", strerror(-rc));
			return rc;
		}
	}
	return 0;
}

const struct tandem_module tandem_module = {
	.abi = TANDEM_MODULE_ABI,
	.build_sig = TANDEM_BUILD_SIGNATURE,
	.name = "apiuser",
	.init = apiuser_init,
	.start = apiuser_start,
};
