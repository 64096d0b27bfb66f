# Shared by the mod_rtprelay tests: tandemd with the relay on a port range
# of its own, and a dialplan sending "callee" to $callee_port.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/sip/lib.sh"

port=$(free_port)
callee_port=$(free_port)
relay_min=$(free_port)
relay_max=$((relay_min + 199))

# write_relay_config [RTPRELAY SETTINGS] [DIALPLAN RULES]
write_relay_config() {
	cat >"$WORK/tandem.conf" <<CONF
log_level = "debug";
modules = ( "rtprelay" );
listen = ( { transport = "udp"; address = "127.0.0.1"; port = $port; } );
sip: { t1_ms = 500; };
rtprelay: { bind = "127.0.0.1"; port_min = $relay_min; port_max = $relay_max; ${1:-} };
calls: { dial_timeout = 10; };
dialplan: {
  internal: ( ${2:-}
    { match = "^callee$"; do = ( "dial(sip:callee@127.0.0.1:$callee_port, 10)" ); }
  );
};
CONF
}

# peers SCENARIO: run tests/sip/rtp_peers.py against the running tandemd.
peers() {
	python3 "$top_srcdir/tests/sip/rtp_peers.py" "$1" "$port" "$callee_port" ||
		fail "rtp_peers.py $1"
}

# The relay's counters for the call ended last, side A or B: "rx_pkts=N ...".
relay_counters() {
	grep "rtprelay: call .* stream 0 side $1:" "$WORK/tandemd.log" | tail -n 1
}

assert_relay_idle() {
	stop_tandemd
	grep -q "calls alive: 0 " "$WORK/tandemd.log" || fail "calls still alive at stop"
	last=$(grep "port pairs released" "$WORK/tandemd.log" | tail -n 1)
	case "$last" in
	*", 0 in use") ;;
	*) fail "relay ports still in use after the last call: $last" ;;
	esac
}
