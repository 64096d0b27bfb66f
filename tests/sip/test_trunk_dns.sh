#!/bin/sh
# A trunk whose provider is a name (mod_trunk over RFC 3263, issue 12),
# located through a real DNS server (dnsmasq on 127.0.0.1): NAPTR to SRV
# to A, the SRV targets in priority order. The first target never answers:
# the INVITE goes again to the next one (RFC 3263 §4.3) and the call
# connects there. A provider name that does not exist fails the call at
# once (503).
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/sip/trunk_lib.sh"
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
[ -x "$DNSMASQ" ] || fail "dnsmasq not installed (Debian package dnsmasq-base, tools/deps)"

dns_port=$(free_port)
p1=$(free_port)
p2=$(free_port)
"$DNSMASQ" --no-daemon --conf-file=/dev/null --port="$dns_port" --listen-address=127.0.0.1 \
	--bind-interfaces --no-resolv --no-hosts --pid-file= --user="$(id -un)" \
	--local=/test/ --local-ttl=600 --log-queries --log-facility="$WORK/dnsmasq.log" \
	--naptr-record=provider.test,10,10,S,SIP+D2U,,_sip._udp.provider.test \
	--srv-host=_sip._udp.provider.test,sip2.provider.test,"$p2",20,0 \
	--srv-host=_sip._udp.provider.test,sip1.provider.test,"$p1",10,0 \
	--host-record=sip1.provider.test,127.0.0.1 \
	--host-record=sip2.provider.test,127.0.0.1 &
PEER_PIDS="$PEER_PIDS $!"

trunk_office "{ name = \"a\"; host = \"provider.test\"; username = \"office-a\"; password = \"secret-a\"; },
              { name = \"b\"; host = \"nowhere.test\"; username = \"office-b\"; password = \"secret-b\"; }"
sed -i -e "s/^sip: { t1_ms = 500; };/sip: { t1_ms = 50; };\ndns: { servers = \"127.0.0.1:$dns_port\"; timeout = 500; tries = 2; };/" \
	-e 's/^  internal: (/  internal: (\n    { match = "^8(.+)$"; do = ( "auth", "dial(trunk:b\/${1})" ); },/' \
	"$WORK/tandem.conf"
watch_port "$p1"
start_tandemd "$WORK/tandem.conf"

# 1. provider.test: target 1 (priority 10) is silent, target 2 answers.
wait_log "trunk a: target 2: UDP 127.0.0.1:$p2 \(sip2.provider.test\)"
grep -q "trunk a: target 1: UDP 127.0.0.1:$p1 (sip1.provider.test)" "$WORK/tandemd.log" ||
	fail "the SRV targets are not in priority order"
provider prov-2 "$p2" "$(check ruri '^INVITE sip:4930555@provider\.test SIP/2\.0')" \
	"$(p_challenge 407 office-a; p_answer)" -mi 127.0.0.1 -mp "$(free_port)"
p2_pid=$PEER_PID
office_call 1001 94930555 "$(c_talks 300)"
peer_wait prov-2 "$p2_pid"
grep -q "^INVITE sip:4930555@provider.test" "$WORK/watch-$p1" || fail "the first target was not tried first"
grep -q "no response, the INVITE again to the next server 127.0.0.1:$p2" "$WORK/tandemd.log" ||
	fail "no failover to the next server"

# 2. nowhere.test does not exist: 503 at once.
office_call 1001 84930666 "$(c_fails 503)"
grep -q "trunk b: cannot locate nowhere.test: DNS: no such name or no SIP records" "$WORK/tandemd.log" ||
	fail "the DNS failure was not said"

assert_no_calls
echo "ok: NAPTR/SRV/A from dnsmasq, SRV priority order, the INVITE failed over to the next server; an unknown name gives 503"
