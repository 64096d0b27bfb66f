/* mod_rtprelay — "media" in each call's object of the control socket's
 * "calls" (and "hangup", and the CDR's read): the codec, and per leg the
 * profile and the relay's counters (docs/CONTROL.md, "Module commands").
 * The first relayed m-line is shown (a call's audio); "streams" says how
 * many are relayed. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/control.h>

#include "callmedia.h"

#define MOD "rtprelay"

/* The clock rate of "PCMU/8000", "opus/48000/2"; 8000 when not said. */
static unsigned clock_rate(const char *codec)
{
	const char *slash = strchr(codec, '/');
	unsigned long r = slash ? strtoul(slash + 1, NULL, 10) : 0;
	return r >= 1000 && r <= 1000000 ? (unsigned)r : 8000;
}

static json_t *leg_json(const struct rtpr_leg_stats *st, const char *srtp, unsigned rate)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "srtp", srtp ? json_string(srtp) : json_null());
	json_object_set_new(o, "packets_in", json_integer((json_int_t)st->rx_packets));
	json_object_set_new(o, "bytes_in", json_integer((json_int_t)st->rx_bytes));
	json_object_set_new(o, "packets_out", json_integer((json_int_t)st->tx_packets));
	json_object_set_new(o, "bytes_out", json_integer((json_int_t)st->tx_bytes));
	/* RFC 3550 §6.4.1: the leg's own view of what the relay sends it,
	 * from its last RTCP report; null until one came */
	json_object_set_new(o, "lost", st->have_report ? json_integer(st->cumulative_lost) : json_null());
	json_object_set_new(o, "jitter_ms", st->have_report ? json_real(st->jitter * 1000.0 / rate)
	                                                    : json_null());
	return o;
}

static void call_media(struct tandem *t, struct tandem_call *call, json_t *obj, void *arg)
{
	(void)t;
	struct rp_ctx *ctx = arg;
	struct rp_call *rc = rp_call_get(ctx, call, false);
	json_t *m = json_object();
	if (!m)
		return;
	unsigned first = RTPR_SDP_MAX_MEDIA, n = 0;
	struct rp_stream_info info;
	for (unsigned i = 0; rc && i < RTPR_SDP_MAX_MEDIA; i++)
		if (rp_call_stream_info(rc, i, &info)) {
			n++;
			if (first == RTPR_SDP_MAX_MEDIA)
				first = i;
		}
	json_object_set_new(m, "relayed", json_boolean(n > 0));
	if (n > 0 && rp_call_stream_info(rc, first, &info)) {
		unsigned rate = clock_rate(info.codec);
		json_object_set_new(m, "codec", info.codec[0] ? json_string(info.codec) : json_null());
		json_object_set_new(m, "hold", json_boolean(info.hold));
		json_object_set_new(m, "streams", json_integer(n));
		static const char *const legs[2] = { "a", "b" };
		for (int x = 0; x < 2; x++) {
			struct rtpr_leg_stats st;
			if (!rp_call_stats(rc, first, (enum rtpr_leg)x, &st))
				continue;
			json_t *l = leg_json(&st, info.srtp[x], rate);
			if (l)
				json_object_set_new(m, legs[x], l);
		}
	}
	json_object_set_new(obj, "media", m);
}

int rp_control_add(struct tandem *t, struct rp_ctx *ctx)
{
	return tandem_control_call_info_add(t, MOD, call_media, ctx);
}

void rp_control_remove(struct tandem *t)
{
	tandem_control_call_info_remove(t, MOD);
}
