# Shared by the trunk tests that use Kamailio as the provider
# (tests/sip/trunk_provider.cfg): start it on $kport (UDP and TCP) with
# KAM_DEFINES (-A NAME=value...), stop it, wait for its log lines. The
# caller keeps $KAM_PID for its cleanup.
PEER="python3 $top_srcdir/tests/sip/trunk_peer.py"

kam_start() {
	mkdir -p "$WORK/kam"
	# shellcheck disable=SC2086
	kamailio -f "$top_srcdir/tests/sip/trunk_provider.cfg" -l "udp:127.0.0.1:$kport" -l "tcp:127.0.0.1:$kport" \
		${KAM_DEFINES:-} -DD -E -m 64 -M 8 -w "$WORK/kam" >>"$WORK/kamailio.log" 2>&1 &
	KAM_PID=$!
	$PEER probe "$kport" 10 || { cat "$WORK/kamailio.log" >&2; fail "Kamailio did not come up"; }
}
kam_stop() {
	kill -TERM "$KAM_PID"
	wait "$KAM_PID" 2>/dev/null
	KAM_PID=""
}
# kam_wait COUNT PATTERN SECONDS: until COUNT lines of Kamailio's log match
kam_wait() {
	i=0
	while [ "$(grep -c -- "$2" "$WORK/kamailio.log")" -lt "$1" ]; do
		[ $i -ge $(($3 * 10)) ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 0
}
