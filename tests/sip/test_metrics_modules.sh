#!/bin/sh
# The modules' collectors in one office (auth, registrar, rtprelay, queue,
# trunk, metrics): a SIPp registration shows in the registrations gauge
# and the auth results; a call's RTP (metrics_rtp.py) in the relay's
# packet counters, its RTCP report in loss and jitter; the queue's agents
# by state; a trunk qualifying tandemd itself is up, its registration off;
# failed logins from 127.0.0.2 ban it (the banned gauge, its requests
# filtered). Every scrape passes promtool check metrics.
. "$(dirname "$0")/calls_lib.sh"
. "$top_srcdir/tests/sip/vm_lib.sh"
. "$top_srcdir/tests/sip/metrics_lib.sh"
callee_port=$uas_port
mkdir -p "$WORK/state"
write_users "$WORK/users.conf" 1001:alice-1001 1002:bob-1002
cat >"$WORK/tandem.conf" <<CONF
log_level = "debug";
state_dir = "state";
modules = ( "auth", "registrar", "rtprelay", "queue", "trunk", "metrics" );
listen = (
  { transport = "udp"; address = "127.0.0.1"; port = $port; },
  { transport = "tcp"; address = "127.0.0.1"; port = $port; }
);
sip: { t1_ms = 500; };
auth: { users_file = "users.conf"; algorithms = ( "MD5" ); ban: { failures = 2; window = 60; time = 600; }; };
registrar: { min_expires = 30; };
rtprelay: { bind = "127.0.0.1"; port_min = $relay_min; port_max = $((relay_min + 59)); media_timeout = 0; };
queue: { sounds_dir = "$SOUNDS"; queues = ( { name = "sales"; members = ( "1001", "1002" ); } ); };
trunk: { trunks = ( { name = "self"; host = "127.0.0.1:$port"; username = "office"; register = false; qualify = 1; } ); };
$(metrics_group)
calls: { dial_timeout = 10; };
dialplan: {
  internal: (
    { match = "^callee\$"; do = ( "dial(sip:callee@127.0.0.1:$callee_port, 10)" ); }
  );
};
CONF
start_tandemd "$WORK/tandem.conf"

scrape "$WORK/m0"
expect "$WORK/m0" tandem_registrar_aors 0
expect "$WORK/m0" 'tandem_registrar_bindings{transport="UDP"}' 0
expect "$WORK/m0" 'tandem_queue_agents{queue="sales",state="logged-out"}' 2
expect "$WORK/m0" 'tandem_queue_callers{queue="sales"}' 0
expect "$WORK/m0" 'tandem_queue_longest_wait_seconds{queue="sales"}' 0
expect "$WORK/m0" 'tandem_queue_callers_total{queue="sales",outcome="answered"}' 0
expect "$WORK/m0" 'tandem_trunk_registration_state{trunk="self",state="off"}' 1
expect "$WORK/m0" 'tandem_trunk_registration_state{trunk="self",state="registered"}' 0
expect "$WORK/m0" 'tandem_trunk_calls_active{trunk="self"}' 0
expect "$WORK/m0" tandem_rtp_sessions 0
expect "$WORK/m0" tandem_auth_banned_addresses 0

# 1001 registers over UDP and over TCP: two bindings of one AOR
for t in UDP:u1 TCP:t1; do
	sed "s/TRANSPORT/${t%:*}/" "$SCEN/register_auth.xml" >"$WORK/register_auth_${t%:*}.xml"
	SCEN="$WORK" sipp_run "register_auth_${t%:*}" 127.0.0.1:"$port" -t "${t#*:}" -i 127.0.0.1 \
		-s 1001 -au 1001 -ap alice-1001
done
scrape "$WORK/m1"
expect "$WORK/m1" tandem_registrar_aors 1
expect "$WORK/m1" 'tandem_registrar_bindings{transport="UDP"}' 1
expect "$WORK/m1" 'tandem_registrar_bindings{transport="TCP"}' 1
expect "$WORK/m1" 'tandem_registrar_bindings{transport="TLS"}' 0
expect "$WORK/m1" 'tandem_registrar_registers_total{result="accepted"}' 2
expect "$WORK/m1" 'tandem_auth_requests_total{result="accepted"}' 2
expect "$WORK/m1" 'tandem_auth_requests_total{result="challenged"}' 2
expect "$WORK/m1" 'tandem_auth_requests_total{result="failed"}' 0
# registered but not logged in: still logged-out for the queue
expect "$WORK/m1" 'tandem_queue_agents{queue="sales",state="logged-out"}' 2
# the trunk's OPTIONS to tandemd itself are answered: up, with a round trip
i=0
until scrape "$WORK/m2" && [ "$(metric "$WORK/m2" 'tandem_trunk_up{trunk="self"}')" = 1 ]; do
	i=$((i + 1)); [ $i -lt 30 ] || fail "the trunk never came up: $(grep trunk_up "$WORK/m2")"; sleep 0.2
done
rtt=$(metric "$WORK/m2" 'tandem_trunk_qualify_rtt_seconds{trunk="self"}')
awk -v r="$rtt" 'BEGIN { exit !(r > 0 && r < 1) }' || fail "qualify rtt $rtt"

# a relayed call
python3 "$top_srcdir/tests/sip/metrics_rtp.py" "$port" "$callee_port" "$mport" "$WORK/m3" "$WORK/m4" \
	>"$WORK/rtp.out" 2>&1 || fail "metrics_rtp.py: $(cat "$WORK/rtp.out")"
for f in m3 m4; do
	promtool check metrics <"$WORK/$f" >"$WORK/$f.promtool" 2>&1 || fail "promtool $f: $(cat "$WORK/$f.promtool")"
done
expect "$WORK/m3" tandem_rtp_sessions 1
expect "$WORK/m3" tandem_calls_active 1
expect "$WORK/m3" tandem_rtp_streams_reporting 1
expect "$WORK/m3" tandem_rtp_jitter_max_seconds 0.01
expect "$WORK/m3" tandem_rtp_fraction_lost_max 0.25
expect "$WORK/m3" tandem_rtp_lost_packets_total 5
expect "$WORK/m3" 'tandem_rtp_packets_total{direction="received"}' 200
expect "$WORK/m3" 'tandem_rtp_packets_total{direction="sent"}' 200
expect "$WORK/m3" 'tandem_rtp_bytes_total{direction="received"}' 34400
expect "$WORK/m3" 'tandem_rtp_dropped_total{reason="foreign"}' 10
expect "$WORK/m3" 'tandem_rtcp_packets_total{direction="received"}' 1
# after the BYE: the session's counters stay in the totals
expect "$WORK/m4" tandem_rtp_sessions 0
expect "$WORK/m4" tandem_rtp_streams_reporting 0
expect "$WORK/m4" tandem_rtp_jitter_max_seconds 0
expect "$WORK/m4" tandem_rtp_lost_packets_total 5
expect "$WORK/m4" 'tandem_rtp_packets_total{direction="received"}' 200
expect "$WORK/m4" 'tandem_rtp_packets_total{direction="sent"}' 200
expect "$WORK/m4" 'tandem_rtp_dropped_total{reason="foreign"}' 10
expect "$WORK/m4" tandem_rtp_port_pairs_in_use 0
# and the log's per-call counters say the same
rx=$(grep -o "rx_pkts=[0-9]*" "$WORK/tandemd.log" | cut -d= -f2 | awk '{ s += $1 } END { print s }')
[ "$rx" = 200 ] || fail "the call's logged counters sum to $rx received"

# two failed logins from 127.0.0.2 ban it; its next request is dropped
for n in 1 2; do
	sed "s/TRANSPORT/UDP/" "$SCEN/register_auth.xml" >"$WORK/register_bad.xml"
	sipp -sf "$WORK/register_bad.xml" -m 1 -p "$(free_port)" -i 127.0.0.2 -nostdin -timeout 5 \
		-timeout_error -s 1002 -au 1002 -ap wrong 127.0.0.1:"$port" >"$WORK/sipp-bad-$n.out" 2>&1 &&
		fail "a wrong password registered"
done
grep -q "auth: banning 127.0.0.2 for 600 s" "$WORK/tandemd.log" ||
	fail "127.0.0.2 was not banned: $(grep -i ban "$WORK/tandemd.log" | tail -n 3)"
# (SIPp's own retransmissions after the ban were filtered already)
scrape "$WORK/m5"
filtered=$(metric "$WORK/m5" tandem_sip_filtered_total)
banned=$(metric "$WORK/m5" 'tandem_auth_requests_total{result="banned"}')
[ "$filtered" = "$banned" ] || fail "filtered $filtered but banned $banned"
python3 - "$port" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.2", 0))
s.sendto(b"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:9;branch=z9hG4bKban1\r\n"
         b"From: <sip:x@127.0.0.2>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: ban1\r\n"
         b"CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", ("127.0.0.1", int(sys.argv[1])))
PY
i=0
until scrape "$WORK/m6" && [ "$(metric "$WORK/m6" tandem_sip_filtered_total)" = $((filtered + 1)) ]; do
	i=$((i + 1)); [ $i -lt 20 ] || fail "the banned source's OPTIONS was not filtered: $(grep filtered_total "$WORK/m6")"; sleep 0.1
done
expect "$WORK/m6" tandem_auth_banned_addresses 1
expect "$WORK/m6" tandem_auth_bans_total 1
expect "$WORK/m6" 'tandem_auth_requests_total{result="failed"}' 2
expect "$WORK/m6" 'tandem_auth_requests_total{result="banned"}' $((banned + 1))
expect "$WORK/m6" 'tandem_calls_total{disposition="ANSWERED"}' 1
stop_tandemd
echo "ok: registrations, RTP, queue, trunk and bans in the metrics"
