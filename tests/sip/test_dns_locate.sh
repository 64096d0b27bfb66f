#!/bin/sh
# RFC 3263 server location (core/net/dns.c) against a real DNS server,
# dnsmasq on 127.0.0.1, through tests/sip/dns_locate (sip_locate on a
# libev loop; one line per target, "PROTO ADDRESS:PORT NAME"):
# 1. NAPTR -> SRV -> A: every usable NAPTR record (an SCTP one skipped)
#    in order, each SRV name's targets by priority, the smallest TTL of
#    the records used; a sips URI gets the SIPS+D2T chain only;
# 2. no NAPTR: the SRV of UDP then TCP; targets by priority (given out of
#    order), the addresses of one target (A and AAAA) side by side, a
#    target without address skipped, the next priority taken (failover);
# 3. no SRV: A on UDP port 5060 (TLS 5061 for sips); only "." SRV
#    targets: the service is not offered, no fallback (RFC 2782);
# 4. a port in the URI: A/AAAA only, no SRV asked; a transport: its SRV
#    only, no NAPTR asked;
# 5. a name that does not exist: ENOENT; numeric hosts: answered inside
#    sip_locate, no query; a name of /etc/hosts, which c-ares answers at
#    once: called back from the loop all the same;
# 6. a server that swallows queries: ETIMEDOUT after timeout x (2^tries - 1)
#    (c-ares doubles the wait each round) while a 20 ms timer keeps
#    ticking; a port nobody listens on (ICMP unreachable): ETIMEDOUT at once;
#    with the silent one first in the server list, the second answers;
# 7. a lookup cancelled as soon as it started gets no callback once its
#    NAPTR answer comes, and no further query goes out; one cancelled
#    while c-ares waits for a silent server gets none when c-ares times
#    out; a resolver freed with lookups pending calls none of them;
# 8. tandemd: the dns group starts the resolver; a bad server list or an
#    unknown key is refused with file:line.
. "$(dirname "$0")/lib.sh"
LOCATE="$top_builddir/tests/sip/dns_locate"
[ -x "$LOCATE" ] || fail "tests/sip/dns_locate not built (make check builds it)"
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
[ -x "$DNSMASQ" ] || fail "dnsmasq not installed (Debian package dnsmasq-base, tools/deps)"
DNS_PID=""; SINK_PID=""
stop_peers() {
	[ -n "$DNS_PID" ] && kill "$DNS_PID" 2>/dev/null
	[ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null
	cleanup
}
trap stop_peers EXIT

dns_port=$(free_port)
# --local=/test/: names under test. not configured here are NXDOMAIN
# (no upstream to ask). --local-ttl: the TTL of every record below
# that gives none of its own.
"$DNSMASQ" --no-daemon --conf-file=/dev/null --port="$dns_port" --listen-address=127.0.0.1 \
	--bind-interfaces --no-resolv --no-hosts --pid-file= --user="$(id -un)" \
	--local=/test/ --local-ttl=600 --log-queries --log-facility="$WORK/dnsmasq.log" \
	--naptr-record=provider.test,10,20,S,SIP+D2U,,_sip._udp.provider.test \
	--naptr-record=provider.test,5,10,S,SIP+D2S,,_sip._sctp.provider.test \
	--naptr-record=provider.test,20,10,S,SIP+D2T,,_sip._tcp.provider.test \
	--naptr-record=provider.test,30,10,S,SIPS+D2T,,_sips._tcp.provider.test \
	--srv-host=_sip._sctp.provider.test,sip1.provider.test,5080,10,0 \
	--srv-host=_sip._udp.provider.test,sip2.provider.test,5072,20,100 \
	--srv-host=_sip._udp.provider.test,sip1.provider.test,5070,10,100 \
	--srv-host=_sip._tcp.provider.test,sip1.provider.test,5071,10,0 \
	--srv-host=_sips._tcp.provider.test,tls.provider.test,5061,10,0 \
	--host-record=sip1.provider.test,127.0.0.1 \
	--host-record=sip2.provider.test,127.0.0.2,120 \
	--host-record=tls.provider.test,127.0.0.3,900 \
	--srv-host=_sip._udp.two.test,c.two.test,5063,30,0 \
	--srv-host=_sip._udp.two.test,a.two.test,5061,10,0 \
	--srv-host=_sip._udp.two.test,b.two.test,5062,20,0 \
	--srv-host=_sip._tcp.two.test,t.two.test,5065,10,0 \
	--host-record=two.test,127.0.0.20 \
	--host-record=a.two.test,127.0.0.21,::1 \
	--host-record=b.two.test,127.0.0.22 \
	--host-record=c.two.test,127.0.0.23 \
	--host-record=t.two.test,127.0.0.25 \
	--srv-host=_sip._udp.failover.test,gone.failover.test,5060,10,0 \
	--srv-host=_sip._udp.failover.test,live.failover.test,5066,20,0 \
	--host-record=live.failover.test,127.0.0.26 \
	--host-record=plain.test,127.0.0.9 \
	--srv-host=_sip._udp.noservice.test --srv-host=_sip._tcp.noservice.test \
	--host-record=noservice.test,127.0.0.30 \
	--naptr-record=cancel.test,10,10,S,SIP+D2U,,_sip._udp.cancel.test \
	--srv-host=_sip._udp.cancel.test,plain.test,5060,10,0 \
	>"$WORK/dnsmasq.out" 2>&1 &
DNS_PID=$!
i=0
until grep -q "started, version" "$WORK/dnsmasq.log" 2>/dev/null; do
	kill -0 "$DNS_PID" 2>/dev/null || { cat "$WORK/dnsmasq.out" >&2; fail "dnsmasq did not start"; }
	i=$((i + 1))
	[ $i -lt 100 ] || fail "dnsmasq did not start within 10 s"
	sleep 0.1
done
SERVER="127.0.0.1:$dns_port"

# block FILE URI: the lines of URI's block, without its "== URI" line.
block() {
	awk -v u="== $2" '$0 == u { on = 1; next } /^== / { on = 0 } on' "$1"
}
# expect FILE URI LINE...: the block is these lines, in this order (the
# time an asynchronous lookup took left out).
expect() {
	f=$1; u=$2; shift 2
	printf '%s\n' "$@" >"$WORK/want"
	block "$f" "$u" | grep -v '^async ' >"$WORK/got"
	if ! cmp -s "$WORK/want" "$WORK/got"; then
		echo "--- expected for $u:" >&2; cat "$WORK/want" >&2
		echo "--- got:" >&2; cat "$WORK/got" >&2
		fail "wrong location of $u"
	fi
}
# queries FROM-LINE TYPE NAME: how many TYPE queries for NAME dnsmasq
# logged after line FROM-LINE of its log.
queries() {
	tail -n +"$(($1 + 1))" "$WORK/dnsmasq.log" | grep -c "query\[$2\] $3 from" || true
}
loglines() { wc -l <"$WORK/dnsmasq.log"; }

# ---- 1..5: every lookup at once on one resolver
mark=$(loglines)
"$LOCATE" -s "$SERVER" -t 1000 -n 2 \
	sip:provider.test sips:provider.test sip:two.test sip:failover.test \
	sip:plain.test sips:plain.test sip:noservice.test \
	sip:two.test:5090 "sip:two.test;transport=tcp" sip:nothing.test sip:nothing.test:5070 \
	sip:127.0.0.1:5099 "sip:[::1]" "sips:[::1]:5071" sip:localhost:5070 >"$WORK/out1" 2>&1 ||
	{ rc=$?; cat "$WORK/out1" >&2; fail "dns_locate exited with $rc"; }
sed 's/^/  /' "$WORK/out1"

# 1. NAPTR order 10 UDP (SRV priorities 10, 20), 20 TCP, 30 TLS; the SCTP
# record (order 5) skipped; TTL: sip2's A record (120) is the smallest
expect "$WORK/out1" sip:provider.test \
	"UDP 127.0.0.1:5070 sip1.provider.test" \
	"UDP 127.0.0.2:5072 sip2.provider.test" \
	"TCP 127.0.0.1:5071 sip1.provider.test" \
	"TLS 127.0.0.3:5061 tls.provider.test" \
	"ttl 120"
# sips: SIPS+D2T only; TTL 600 of NAPTR and SRV, below tls's 900
expect "$WORK/out1" sips:provider.test \
	"TLS 127.0.0.3:5061 tls.provider.test" \
	"ttl 600"
[ "$(queries "$mark" SRV _sip._sctp.provider.test)" = 0 ] || fail "the SIP+D2S NAPTR record was followed"

# 2. SRV by priority (10, 20, 30 given as 30, 10, 20), a.two.test's two
# addresses side by side, UDP's targets before TCP's
block "$WORK/out1" sip:two.test >"$WORK/two"
[ "$(wc -l <"$WORK/two")" = 7 ] || { cat "$WORK/two" >&2; fail "sip:two.test: 5 targets expected"; }
sed -n 1,2p "$WORK/two" | sort >"$WORK/two_a"
printf '%s\n' "UDP 127.0.0.21:5061 a.two.test" "UDP [::1]:5061 a.two.test" | sort >"$WORK/want_a"
cmp -s "$WORK/two_a" "$WORK/want_a" || { cat "$WORK/two" >&2; fail "sip:two.test: a.two.test's addresses are not first"; }
[ "$(sed -n 3,5p "$WORK/two")" = "UDP 127.0.0.22:5062 b.two.test
UDP 127.0.0.23:5063 c.two.test
TCP 127.0.0.25:5065 t.two.test" ] || { cat "$WORK/two" >&2; fail "sip:two.test: wrong SRV order"; }
# a target without address is skipped: the next priority is the answer
expect "$WORK/out1" sip:failover.test \
	"UDP 127.0.0.26:5066 live.failover.test" \
	"ttl 600"

# 3. no SRV: A with the default port of UDP, TLS for sips
expect "$WORK/out1" sip:plain.test "UDP 127.0.0.9:5060 plain.test" \
	"ttl 600"
expect "$WORK/out1" sips:plain.test "TLS 127.0.0.9:5061 plain.test" \
	"ttl 600"
[ "$(queries "$mark" SRV _sips._tcp.plain.test)" = 1 ] || fail "sips:plain.test did not ask _sips._tcp"
[ "$(queries "$mark" SRV _sip._udp.plain.test)" = 1 ] || fail "sip:plain.test did not ask _sip._udp"
# "." targets only: not offered, although noservice.test has an address
block "$WORK/out1" sip:noservice.test | grep -qx "error ENOENT" ||
	fail "sip:noservice.test: SRV targets \".\" should give ENOENT"

# 4. a port: A/AAAA only; a transport: that SRV only
expect "$WORK/out1" sip:two.test:5090 "UDP 127.0.0.20:5090 two.test" \
	"ttl 600"
expect "$WORK/out1" "sip:two.test;transport=tcp" "TCP 127.0.0.25:5065 t.two.test" \
	"ttl 600"
# sip:two.test asked NAPTR and both SRV once; the two others nothing more
[ "$(queries "$mark" NAPTR two.test)" = 1 ] || fail "NAPTR two.test asked other than once (the port or transport lookups asked it)"
[ "$(queries "$mark" SRV _sip._udp.two.test)" = 1 ] || fail "_sip._udp.two.test asked other than once (the lookup with a port asked it)"
[ "$(queries "$mark" SRV _sip._tcp.two.test)" = 2 ] || fail "_sip._tcp.two.test: sip:two.test and ;transport=tcp should ask it"

# 5. no such name; numeric hosts answered at once
block "$WORK/out1" sip:nothing.test | grep -qx "error ENOENT" || fail "sip:nothing.test: ENOENT expected"
block "$WORK/out1" sip:nothing.test:5070 | grep -qx "error ENOENT" || fail "sip:nothing.test:5070: ENOENT expected"
expect "$WORK/out1" sip:127.0.0.1:5099 "UDP 127.0.0.1:5099 127.0.0.1" "ttl 0" "sync"
expect "$WORK/out1" "sip:[::1]" "UDP [::1]:5060 ::1" "ttl 0" "sync"
expect "$WORK/out1" "sips:[::1]:5071" "TLS [::1]:5071 ::1" "ttl 0" "sync"
# /etc/hosts: c-ares answers inside the call that asks; the callback
# still comes later, from the loop (dns_locate exits 3 otherwise)
block "$WORK/out1" sip:localhost:5070 | grep -qx "UDP 127.0.0.1:5070 localhost" ||
	fail "sip:localhost:5070 is not 127.0.0.1 (/etc/hosts)"
block "$WORK/out1" sip:localhost:5070 | grep -q "^async " || fail "sip:localhost:5070 was not answered from the loop"
echo "ok: NAPTR/SRV/A chains, priorities, fallbacks, ENOENT, numeric hosts"

# ---- 6. a server that never answers
sink_port=$(free_port)
python3 -c "
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', int(sys.argv[1])))
while True:
    s.recv(4096)   # swallowed
" "$sink_port" &
SINK_PID=$!
sleep 0.3
"$LOCATE" -s "127.0.0.1:$sink_port" -t 250 -n 2 -k 20 sip:provider.test sip:plain.test:5060 \
	>"$WORK/out2" 2>&1 || { rc=$?; cat "$WORK/out2" >&2; fail "dns_locate exited with $rc"; }
sed 's/^/  /' "$WORK/out2"
for u in sip:provider.test sip:plain.test:5060; do
	block "$WORK/out2" "$u" | grep -qx "error ETIMEDOUT" || fail "$u: ETIMEDOUT expected from a silent server"
	ms=$(block "$WORK/out2" "$u" | sed -n 's/^async \([0-9]*\) ms$/\1/p')
	# 250 ms, then 500 ms: 750 ms in all
	[ "$ms" -ge 700 ] && [ "$ms" -le 1500 ] || fail "$u: gave up after $ms ms, 750 expected"
done
set -- $(sed -n 's/^ticks \([0-9]*\) in \([0-9]*\) ms$/\1 \2/p' "$WORK/out2")
[ $# = 2 ] || fail "no ticks line"
# a 20 ms timer ticked all along: the loop never waited for DNS
[ "$1" -ge $(($2 / 20 * 7 / 10)) ] || fail "the loop ticked $1 times in $2 ms: blocked by DNS?"
refused_port=$(free_port)
"$LOCATE" -s "127.0.0.1:$refused_port" -t 2000 -n 2 sip:provider.test >"$WORK/out3" 2>&1 ||
	{ rc=$?; cat "$WORK/out3" >&2; fail "dns_locate exited with $rc"; }
block "$WORK/out3" sip:provider.test | grep -qx "error ETIMEDOUT" || { cat "$WORK/out3" >&2; fail "a refused port: ETIMEDOUT expected"; }
ms=$(block "$WORK/out3" sip:provider.test | sed -n 's/^async \([0-9]*\) ms$/\1/p')
[ "$ms" -lt 1000 ] || fail "a refused port took $ms ms: the port unreachable was not noticed"
# a silent first server of the list: c-ares asks the next one
"$LOCATE" -s "127.0.0.1:$sink_port,$SERVER" -t 200 -n 2 sip:provider.test >"$WORK/out7" 2>&1 ||
	{ rc=$?; cat "$WORK/out7" >&2; fail "dns_locate exited with $rc"; }
block "$WORK/out7" sip:provider.test | grep -qx "TLS 127.0.0.3:5061 tls.provider.test" ||
	{ cat "$WORK/out7" >&2; fail "the second server of the list was not asked"; }
echo "ok: a silent server times out in 750 ms with the loop ticking; a refused port at once; the next server of the list answers"

# ---- 7. cancels
mark=$(loglines)
"$LOCATE" -s "$SERVER" -c 0 -w 500 sip:cancel.test sip:plain.test:5070 >"$WORK/out4" 2>&1 ||
	{ rc=$?; cat "$WORK/out4" >&2; fail "a cancelled lookup was called back or leaked (exit $rc)"; }
[ "$(grep -c '^cancelled$' "$WORK/out4")" = 2 ] || { cat "$WORK/out4" >&2; fail "cancel: two cancelled lookups expected"; }
# c-ares got its NAPTR answer after the cancel, and nothing followed it
[ "$(queries "$mark" NAPTR cancel.test)" = 1 ] || fail "the cancelled lookup never asked NAPTR"
tail -n +"$((mark + 1))" "$WORK/dnsmasq.log" | grep -q "config cancel.test is <NAPTR>" ||
	fail "dnsmasq did not answer the NAPTR of the cancelled lookup"
[ "$(queries "$mark" SRV _sip._udp.cancel.test)" = 0 ] || fail "a cancelled lookup went on to SRV"
"$LOCATE" -s "127.0.0.1:$sink_port" -t 200 -n 1 -c 50 -w 500 sip:provider.test >"$WORK/out5" 2>&1 ||
	{ rc=$?; cat "$WORK/out5" >&2; fail "a lookup cancelled before c-ares timed out was called back or leaked (exit $rc)"; }
grep -qx cancelled "$WORK/out5" || fail "cancel before the timeout: not cancelled"
"$LOCATE" -s "127.0.0.1:$sink_port" -t 200 -n 2 -f 50 -w 100 sip:provider.test sip:plain.test \
	>"$WORK/out6" 2>&1 || { rc=$?; cat "$WORK/out6" >&2; fail "a lookup of a freed resolver was called back or leaked (exit $rc)"; }
grep -qx "freed with lookups pending" "$WORK/out6" || fail "the resolver was not freed with lookups pending"
echo "ok: cancelled lookups and a freed resolver call nobody back"

# ---- 8. tandemd with a dns group
port=$(free_port)
write_config "$WORK/tandem.conf" "$port" "dns: { servers = \"$SERVER\"; timeout = 500; tries = 1; };"
start_tandemd "$WORK/tandem.conf"
stop_tandemd
write_config "$WORK/bad.conf" "$port" "dns: {
  servers = \"127.0.0.1;5353\";
  retries = 2;
};"
if "$TANDEMD" --check-config -c "$WORK/bad.conf" -M "$MODDIR" >"$WORK/check.out" 2>&1; then
	fail "a bad dns group passed --check-config"
fi
cat "$WORK/check.out"
line=$(grep -n 'servers = ' "$WORK/bad.conf" | cut -d: -f1)
grep -q "bad.conf:$line: bad DNS server list" "$WORK/check.out" || fail "the bad server list is not reported at bad.conf:$line"
grep -q "bad.conf:$((line + 1)): unknown setting 'dns.retries'" "$WORK/check.out" ||
	fail "the unknown dns key is not reported at its line"
echo "ok: tandemd starts with a dns group and refuses a bad one"
