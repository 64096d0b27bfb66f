/* tandem — the core's own metrics (docs/METRICS.md): calls, post-dial
 * delay, SIP messages on the wire, transactions and retransmissions, bad
 * input, stream connections. Read at scrape time from the counters the
 * transport, the transaction layer, the server and the call core keep. */
#include "config.h"

#include <stdio.h>

#include "call/call.h"
#include "metrics_internal.h"

static void calls(struct tandem *t, struct tandem_metrics *m)
{
	const struct metrics_core *mc = t->metrics;
	tandem_metrics_family(m, "tandem_calls_active", TANDEM_METRIC_GAUGE,
	                      "Calls in progress (ringing or answered).");
	tandem_metrics_sample(m, NULL, call_core_count(t), NULL);
	tandem_metrics_family(m, "tandem_calls_total", TANDEM_METRIC_COUNTER,
	                      "Calls ended, by disposition (as in call records).");
	for (int d = TANDEM_DISP_ANSWERED; d <= TANDEM_DISP_CANCELLED; d++)
		tandem_metrics_sample(m, NULL, (double)mc->calls_ended[d], "disposition",
		                      tandem_disposition_name((enum tandem_call_disposition)d), NULL);
	tandem_metrics_family(m, "tandem_call_setup_seconds", TANDEM_METRIC_HISTOGRAM,
	                      "Post-dial delay: the caller's INVITE to the first 18x or final "
	                      "response it got (calls the caller cancelled before either are left out).");
	tandem_metrics_histogram(m, &mc->setup, NULL, NULL);
}

static const char *const class_names[7] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx" };

static void by_method(struct tandem_metrics *m, const unsigned long *n)
{
	for (int i = 0; i < SIP_METHOD__COUNT; i++) {
		const char *name = i == SIP_METHOD_UNKNOWN ? "OTHER" : sip_method_name((enum sip_method)i);
		tandem_metrics_sample(m, NULL, (double)n[i], "method", name, NULL);
	}
}

static void by_class(struct tandem_metrics *m, const unsigned long *n)
{
	/* [0], a status outside 100..699, only once one came */
	for (int i = n[0] ? 0 : 1; i < 7; i++)
		tandem_metrics_sample(m, NULL, (double)n[i], "class", class_names[i], NULL);
}

static void messages(struct tandem_metrics *m, const struct sip_transport_stats *ts)
{
	tandem_metrics_family(m, "tandem_sip_requests_received_total", TANDEM_METRIC_COUNTER,
	                      "SIP requests received and parsed, retransmissions included, by method.");
	by_method(m, ts->rx_requests);
	tandem_metrics_family(m, "tandem_sip_responses_received_total", TANDEM_METRIC_COUNTER,
	                      "SIP responses received and parsed, retransmissions included, by class.");
	by_class(m, ts->rx_responses);
	tandem_metrics_family(m, "tandem_sip_requests_sent_total", TANDEM_METRIC_COUNTER,
	                      "SIP requests sent, retransmissions included, by method.");
	by_method(m, ts->tx_requests);
	tandem_metrics_family(m, "tandem_sip_responses_sent_total", TANDEM_METRIC_COUNTER,
	                      "SIP responses sent, retransmissions included, by class.");
	by_class(m, ts->tx_responses);
}

static void transactions(struct tandem_metrics *m, const struct sip_stack_stats *ss)
{
	tandem_metrics_family(m, "tandem_sip_transactions", TANDEM_METRIC_GAUGE,
	                      "SIP transactions alive now (RFC 3261 section 17).");
	tandem_metrics_sample(m, NULL, (double)ss->server_tsx, "role", "server", NULL);
	tandem_metrics_sample(m, NULL, (double)ss->client_tsx, "role", "client", NULL);
	tandem_metrics_family(m, "tandem_sip_transactions_total", TANDEM_METRIC_COUNTER,
	                      "SIP transactions created.");
	tandem_metrics_sample(m, NULL, (double)ss->server_tsx_total, "role", "server", NULL);
	tandem_metrics_sample(m, NULL, (double)ss->client_tsx_total, "role", "client", NULL);
	tandem_metrics_family(m, "tandem_sip_retransmissions_sent_total", TANDEM_METRIC_COUNTER,
	                      "Requests (Timer A/E, an ACK again) and responses (Timer G, a 2xx "
	                      "until its ACK, the answer to a retransmitted request) sent again.");
	tandem_metrics_sample(m, NULL, (double)ss->retrans_req_sent, "kind", "request", NULL);
	tandem_metrics_sample(m, NULL, (double)ss->retrans_resp_sent, "kind", "response", NULL);
	tandem_metrics_family(m, "tandem_sip_retransmissions_received_total", TANDEM_METRIC_COUNTER,
	                      "Retransmitted requests and responses absorbed by their transaction.");
	tandem_metrics_sample(m, NULL, (double)ss->retrans_absorbed, NULL);
	tandem_metrics_family(m, "tandem_sip_transaction_timeouts_total", TANDEM_METRIC_COUNTER,
	                      "Client transactions without a response (Timer B/F) and 2xx/final "
	                      "responses never ACKed (Timer H/L).");
	tandem_metrics_sample(m, NULL, (double)ss->timeouts, NULL);
}

static void bad_input(struct tandem *t, struct tandem_metrics *m, const struct sip_transport_stats *ts)
{
	tandem_metrics_family(m, "tandem_sip_bad_messages_total", TANDEM_METRIC_COUNTER,
	                      "Malformed or invalid messages: answered (400, 513... from what "
	                      "could be parsed) or dropped (nothing to answer).");
	tandem_metrics_sample(m, NULL, (double)t->stats.rejected, "action", "answered", NULL);
	tandem_metrics_sample(m, NULL, (double)t->stats.bad_dropped, "action", "dropped", NULL);
	tandem_metrics_family(m, "tandem_sip_filtered_total", TANDEM_METRIC_COUNTER,
	                      "Requests discarded unanswered by a RECEIVE hook (banned sources).");
	tandem_metrics_sample(m, NULL, (double)t->stats.filtered, NULL);
	tandem_metrics_family(m, "tandem_sip_keepalives_received_total", TANDEM_METRIC_COUNTER,
	                      "CRLF keep-alives received (RFC 5626 section 3.5.1).");
	tandem_metrics_sample(m, NULL, (double)ts->keepalives, NULL);
}

static void connections(struct tandem_metrics *m, const struct sip_transport_stats *ts)
{
	tandem_metrics_family(m, "tandem_sip_connections", TANDEM_METRIC_GAUGE,
	                      "TCP and TLS connections open now.");
	tandem_metrics_sample(m, NULL, (double)ts->conns_open, NULL);
	tandem_metrics_family(m, "tandem_sip_connections_opened_total", TANDEM_METRIC_COUNTER,
	                      "TCP and TLS connections accepted or made.");
	tandem_metrics_sample(m, NULL, (double)ts->conns_total, NULL);
	tandem_metrics_family(m, "tandem_sip_connections_refused_total", TANDEM_METRIC_COUNTER,
	                      "TCP and TLS connections refused (the connection limit, errors).");
	tandem_metrics_sample(m, NULL, (double)ts->conns_refused, NULL);
}

void metrics_core_collect(struct tandem *t, struct tandem_metrics *m, void *arg)
{
	(void)arg;
	tandem_metrics_family(m, "tandem_build_info", TANDEM_METRIC_GAUGE,
	                      "Always 1; the version of tandemd.");
	tandem_metrics_sample(m, NULL, 1, "version", PACKAGE_VERSION, NULL);
	tandem_metrics_family(m, "tandem_start_time_seconds", TANDEM_METRIC_GAUGE,
	                      "When tandemd started, seconds since the epoch.");
	tandem_metrics_sample(m, NULL, t->started, NULL);
	tandem_metrics_family(m, "tandem_modules_loaded", TANDEM_METRIC_GAUGE, "Modules loaded.");
	tandem_metrics_sample(m, NULL, t->nmods, NULL);
	calls(t, m);

	struct sip_transport_stats ts = { 0 };
	struct sip_stack_stats ss = { 0 };
	sip_transport_get_stats(t->tp, &ts);
	sip_stack_get_stats(t->stack, &ss);
	messages(m, &ts);
	transactions(m, &ss);
	bad_input(t, m, &ts);
	connections(m, &ts);
}
