#!/bin/sh
# The modules' control commands, mod_rtprelay: a live call whose RTP goes
# through the relay shows "media" in `calls --json` (codec, per leg the
# packets and bytes in and out, the loss and jitter its RTCP report gave)
# and in the `calls` table as flattened columns; a call with no relayed
# media says so.
. "$(dirname "$0")/ctlmod_lib.sh"
relay_min=$(free_port)
cat >"$WORK/tandem.conf" <<CONF
log_level = "debug";
state_dir = "$WORK";
modules = ( "rtprelay" );
listen = ( { transport = "udp"; address = "127.0.0.1"; port = $port; } );
sip: { t1_ms = 500; };
rtprelay: { bind = "127.0.0.1"; port_min = $relay_min; port_max = $((relay_min + 99)); };
calls: { dial_timeout = 10; };
dialplan: {
  internal: (
    { match = "^callee\$"; do = ( "dial(sip:callee@127.0.0.1:$uas_port, 10)" ); },
    { match = "^direct\$"; do = ( "rtprelay(off)", "dial(sip:direct@127.0.0.1:$uas_port, 10)" ); }
  );
};
CONF
start_tandemd "$WORK/tandem.conf"

python3 "$top_srcdir/tests/sip/ctlmod_media.py" "$port" "$uas_port" "$WORK/up" "$WORK/go" \
	>"$WORK/media.out" 2>&1 &
media_pid=$!
PEER_PIDS="$PEER_PIDS $media_pid"
i=0
until [ -f "$WORK/up" ]; do
	kill -0 "$media_pid" 2>/dev/null || fail "the peers ended early: $(cat "$WORK/media.out")"
	i=$((i + 1)); [ $i -lt 200 ] || fail "the call never came up"; sleep 0.1
done

ctl_ok --json calls
json_assert 'len(v) == 1 and v[0]["state"] == "answered"'
json_assert 'v[0]["media"]["relayed"] is True and v[0]["media"]["codec"] == "PCMU/8000"'
json_assert 'v[0]["media"]["streams"] == 1 and v[0]["media"]["hold"] is False'
# 100 packets of 172 bytes each way (plus the RTCP report from A)
json_assert 'v[0]["media"]["a"]["packets_in"] == 100 and v[0]["media"]["a"]["bytes_in"] == 17200'
json_assert 'v[0]["media"]["a"]["packets_out"] == 100 and v[0]["media"]["b"]["packets_in"] == 100'
json_assert 'v[0]["media"]["b"]["packets_out"] == 100 and v[0]["media"]["b"]["bytes_out"] == 17200'
json_assert 'v[0]["media"]["a"]["lost"] == 3 and v[0]["media"]["a"]["jitter_ms"] == 10.0'
json_assert 'v[0]["media"]["b"]["lost"] is None and v[0]["media"]["a"]["srtp"] is None'
json_assert 'list(v[0]["media"]["a"].keys()) == ["srtp", "packets_in", "bytes_in", "packets_out", "bytes_out", "lost", "jitter_ms"]'

# the table: the media members flattened into columns of the call's row
ctl_ok calls
head -n 1 "$WORK/ctl.out" | grep -q "media.codec .*media.a.packets_in .*media.b.bytes_out" ||
	fail "calls header: $(head -n 1 "$WORK/ctl.out")"
grep -q "PCMU/8000" "$WORK/ctl.out" || fail "the codec is not in the table: $(cat "$WORK/ctl.out")"

touch "$WORK/go"
wait "$media_pid" || fail "the peers failed: $(cat "$WORK/media.out")"
wait_calls 'v == []'

# rtprelay(off): the media goes end to end, the call says so
uas_start call_uas
caller_start tandemctl_uac_hungup direct tandemctl-direct
direct_pid=$PEER_PID
wait_calls 'len(v) == 1 and v[0]["state"] == "answered"'
json_assert 'v[0]["media"] == {"relayed": False}'
ctl_ok hangup tandemctl-direct
uas_wait call_uas
peer_wait tandemctl_uac_hungup "$direct_pid"
stop_tandemd
