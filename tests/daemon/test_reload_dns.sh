#!/bin/sh
# A reload that changes the dns group (issue 13) puts a new resolver in
# place without cutting the lookups in flight: trunk a's provider lookup,
# sent to a DNS server that never answers, is still running at the SIGHUP
# and ends on the old resolver as it would have (no server answered); the
# trunk the reload adds is located at once through the new server
# (dnsmasq); the old resolver is freed once its lookup is over (under the
# sanitizer build, stop_tandemd fails on a leak or a use after free).
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/sip/trunk_lib.sh"
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
[ -x "$DNSMASQ" ] || fail "dnsmasq not installed (Debian package dnsmasq-base, tools/deps)"

dns_port=$(free_port)
silent_port=$(free_port)
p1=$(free_port)
"$DNSMASQ" --no-daemon --conf-file=/dev/null --port="$dns_port" --listen-address=127.0.0.1 \
	--bind-interfaces --no-resolv --no-hosts --pid-file= --user="$(id -un)" \
	--local=/test/ --local-ttl=600 --log-queries --log-facility="$WORK/dnsmasq.log" \
	--srv-host=_sip._udp.provider.test,sip1.provider.test,"$p1",10,0 \
	--host-record=sip1.provider.test,127.0.0.1 &
PEER_PIDS="$PEER_PIDS $!"
# a DNS server that reads every query and answers none
python3 - "$silent_port" "$WORK/silent.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
open(sys.argv[2] + ".ready", "w").close()
with open(sys.argv[2], "a") as out:
    while True:
        data, src = s.recvfrom(4096)
        out.write("query %d bytes\n" % len(data))
        out.flush()
PY
PEER_PIDS="$PEER_PIDS $!"
i=0
until [ -f "$WORK/silent.log.ready" ]; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "the silent DNS server did not start"
	sleep 0.1
done

trunk_a='{ name = "a"; host = "provider.test"; username = "office-a"; password = "secret-a"; }'
trunk_b='{ name = "b"; host = "provider.test"; username = "office-b"; password = "secret-b"; }'
# dns_conf NAME DNS_PORT TRUNKS
dns_conf() {
	trunk_office "$3"
	sed -i "s/^sip: { t1_ms = 500; };/sip: { t1_ms = 500; };\ndns: { servers = \"127.0.0.1:$2\"; timeout = 2000; tries = 1; };/" \
		"$WORK/tandem.conf"
	grep -q "^dns: " "$WORK/tandem.conf" || fail "no dns group in the config"
	cp "$WORK/tandem.conf" "$WORK/$1.conf"
}
dns_conf b "$dns_port" "$trunk_a, $trunk_b"
dns_conf a "$silent_port" "$trunk_a"
start_tandemd "$WORK/tandem.conf"

i=0
until [ -s "$WORK/silent.log" ]; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "trunk a's lookup never reached the DNS server"
	sleep 0.1
done
cp "$WORK/b.conf" "$WORK/tandem.conf"
kill -HUP "$TANDEM_PID"
wait_log "reload done"
wait_log "trunk b: target 1: UDP 127.0.0.1:$p1 \(sip1.provider.test\)"
wait_log "trunk a: cannot locate provider.test: DNS: no DNS server answered"
wait_log "dns: the resolver a reload replaced has finished its lookups"
sed -n '/reload done/,$p' "$WORK/tandemd.log" | grep -q "trunk a: cannot locate provider.test" ||
	fail "trunk a's lookup was not in flight across the reload"
grep -q "provider.test" "$WORK/dnsmasq.log" || fail "the new DNS server was never asked"
stop_tandemd
echo "ok: a dns change on reload: lookups in flight end on the old resolver, new ones use the new"
