/* mod_rtprelay — its metrics: relayed RTP and RTCP, what was dropped and
 * why, and the loss and jitter the endpoints report in RTCP. */
#include "config.h"

#include <string.h>

#include <tandem/metrics.h>

#include "rp_metrics.h"

/* RTCP jitter is in RTP timestamp units (RFC 3550 §6.4.1): the clock of
 * the payload format, 8000 Hz for G.711 and G.722 (RFC 3551 §4.5.2), what
 * tandem's phones and prompts speak. */
#define RTP_CLOCK 8000.0

static struct {
	struct rtpr_relay *const *relay;
	struct rtpr_ports *const *ports;
} src;   /* one relay per tandemd */

static void counter(struct tandem_metrics *m, const char *name, const char *help, const char *label,
                    const char *v1, uint64_t n1, const char *v2, uint64_t n2)
{
	tandem_metrics_family(m, name, TANDEM_METRIC_COUNTER, help);
	tandem_metrics_sample(m, NULL, (double)n1, label, v1, NULL);
	tandem_metrics_sample(m, NULL, (double)n2, label, v2, NULL);
}

static void collect(struct tandem *t, struct tandem_metrics *m, void *arg)
{
	(void)t;
	(void)arg;
	struct rtpr_relay_totals r;
	rtpr_relay_totals(*src.relay, &r);
	tandem_metrics_family(m, "tandem_rtp_sessions", TANDEM_METRIC_GAUGE,
	                      "Media streams relayed now (one per m-line of a call).");
	tandem_metrics_sample(m, NULL, r.sessions, NULL);
	tandem_metrics_family(m, "tandem_rtp_port_pairs_in_use", TANDEM_METRIC_GAUGE,
	                      "RTP/RTCP port pairs taken from the range (relayed streams and media endpoints).");
	tandem_metrics_sample(m, NULL, rtpr_ports_in_use(*src.ports), NULL);
	counter(m, "tandem_rtp_packets_total", "RTP packets relayed: received from and sent to the endpoints.",
	        "direction", "received", r.rx_packets, "sent", r.tx_packets);
	counter(m, "tandem_rtp_bytes_total", "RTP bytes (UDP payload) received from and sent to the endpoints.",
	        "direction", "received", r.rx_bytes, "sent", r.tx_bytes);
	counter(m, "tandem_rtcp_packets_total", "RTCP packets received from and sent to the endpoints.",
	        "direction", "received", r.rtcp_rx, "sent", r.rtcp_tx);
	tandem_metrics_family(m, "tandem_rtp_dropped_total", TANDEM_METRIC_COUNTER,
	                      "Packets not relayed: foreign (a third address after latching), invalid "
	                      "(not RTP/RTCP v2), srtp (authentication or replay failure), nodest (the "
	                      "other side has no address yet).");
	tandem_metrics_sample(m, NULL, (double)r.dropped_foreign, "reason", "foreign", NULL);
	tandem_metrics_sample(m, NULL, (double)r.dropped_invalid, "reason", "invalid", NULL);
	tandem_metrics_sample(m, NULL, (double)r.dropped_srtp, "reason", "srtp", NULL);
	tandem_metrics_sample(m, NULL, (double)r.dropped_nodest, "reason", "nodest", NULL);
	tandem_metrics_family(m, "tandem_rtp_lost_packets_total", TANDEM_METRIC_COUNTER,
	                      "Packets the endpoints report lost of the streams tandem sends them "
	                      "(RTCP cumulative lost: the last report of each stream).");
	tandem_metrics_sample(m, NULL, (double)r.lost, NULL);
	tandem_metrics_family(m, "tandem_rtp_streams_reporting", TANDEM_METRIC_GAUGE,
	                      "Sides of live streams whose endpoint sent an RTCP report.");
	tandem_metrics_sample(m, NULL, r.reporting, NULL);
	tandem_metrics_family(m, "tandem_rtp_jitter_max_seconds", TANDEM_METRIC_GAUGE,
	                      "The highest interarrival jitter an endpoint of a live stream reports "
	                      "(RTCP, at an 8000 Hz RTP clock).");
	tandem_metrics_sample(m, NULL, r.jitter_max / RTP_CLOCK, NULL);
	tandem_metrics_family(m, "tandem_rtp_fraction_lost_max", TANDEM_METRIC_GAUGE,
	                      "The highest fraction lost (0..1) an endpoint of a live stream reports "
	                      "for its last report interval (RTCP).");
	tandem_metrics_sample(m, NULL, r.fraction_lost_max / 256.0, NULL);
}

void rp_metrics_add(struct tandem *t, struct rtpr_relay *const *relay, struct rtpr_ports *const *ports)
{
	src.relay = relay;
	src.ports = ports;
	int rc = tandem_metrics_collector_add(t, "rtprelay", collect, NULL);
	if (rc < 0)
		tlog_warn("mod_rtprelay: no metrics (%s)", strerror(-rc));
}

void rp_metrics_remove(struct tandem *t)
{
	tandem_metrics_collector_remove(t, "rtprelay");
}
