#!/bin/sh
# A trunk's outbound registration (modules/trunk/register.c) against real
# registrars on loopback:
# 1. Kamailio (tests/sip/trunk_provider.cfg) challenges the REGISTER: tandem
#    answers with digest and is bound, asking Expires: 60, with its
#    Contact's user the trunk's contact_user; Kamailio grants 20 s;
# 2. the refresh comes at half of that, ~10 s: same Call-ID, higher CSeq,
#    credentials sent at once for the last challenge (no second 401);
# 3. outage: Kamailio stopped, its port bound by a silent peer for ~23 s:
#    REGISTERs keep coming (408 each after Timer F) with growing gaps
#    (backoff 1, 2, 4 s, retry_max 4, ±20% jitter), one Call-ID; tandem
#    logs "not registered" once, not a warning per attempt (the TCP trunk,
#    refused at once, fails often enough to show the quiet); Kamailio back:
#    registered again within retry_max + a few s, without a restart;
# 4. SIPp answers 423 with Min-Expires: 120: the next REGISTER asks 120;
#    its 200 grants 90 s in our Contact's expires parameter (another
#    binding listed first, an Expires header of 120 that does not count);
# 5. at tandemd's stop a REGISTER with Expires: 0 and our Contact reaches
#    both registrars (Kamailio removes the binding, SIPp checks it);
#    a trunk over TCP too, whose connection tandem's idle timeout (2 s)
#    has closed by then: the unregister connects at shutdown and goes out
#    (core/server.c flushes the stream connections after the modules stop);
# 6. a trunk whose host does not resolve retries forever ("DNS: ..."),
#    and the state changes are logged (there is no control tool yet).
. "$(dirname "$0")/lib.sh"
command -v kamailio >/dev/null || fail "kamailio is not installed (tools/deps)"
port=$(free_port); kport=$(free_port); sport=$(free_port)
KAM_PID=""; SIPP_PID=""; CAP_PID=""
trunk_cleanup() {
	for pid in $KAM_PID $SIPP_PID $CAP_PID; do
		kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
	done
	sleep 0.2
	cleanup
}
trap trunk_cleanup EXIT
. "$top_srcdir/tests/sip/kamailio_lib.sh"

field() { # LINE NAME: the value of NAME=... on a Kamailio log line
	echo "$1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"
}

kam_start
sipp -sf "$SCEN/trunk_reg_423.xml" -p "$sport" -i 127.0.0.1 -m 1 -nostdin -timeout 70 \
	-timeout_error -trace_err -error_file "$WORK/sipp-err.log" -trace_msg \
	-message_file "$WORK/sipp-msg.log" >"$WORK/sipp.out" 2>&1 &
SIPP_PID=$!

# T1 25 ms: Timer F (64*T1) gives up on a dead provider after 1.6 s
SIP_SETTINGS="t1_ms = 25;" write_config "$WORK/tandem.conf" "$port" "
trunk: { trunks = (
  { name = \"prov\"; host = \"127.0.0.1:$kport\"; username = \"office\";
    password = \"trunk-secret\"; contact_user = \"office-line\";
    register = true; expires = 60; retry_min = 1; retry_max = 4; },
  { name = \"s423\"; host = \"127.0.0.1:$sport\"; username = \"s423\";
    register = true; expires = 60; },
  { name = \"tcp\"; host = \"127.0.0.1:$kport\"; transport = \"tcp\"; username = \"office-tcp\";
    password = \"trunk-secret\"; register = true; expires = 60; retry_min = 1; retry_max = 4; },
  { name = \"nodns\"; host = \"provider.invalid\"; username = \"x\"; password = \"y\";
    register = true; retry_min = 1; retry_max = 2; }
); };"
sed -i 's/^modules = ( "echo" );/modules = ( "trunk" );/; /^echo: /d; s/tcp_idle_timeout = 30;/tcp_idle_timeout = 2;/' \
	"$WORK/tandem.conf"
start_tandemd "$WORK/tandem.conf"
TLOG="$WORK/tandemd.log"
KREG="REGISTERED aor=sip:office@127.0.0.1 "

# 1. registered with digest, the binding's user is contact_user
kam_wait 1 "$KREG" 5 || fail "no registration at Kamailio: $(cat "$WORK/kamailio.log")"
reg1=$(grep "$KREG" "$WORK/kamailio.log" | head -1)
echo "$reg1" | grep -q "aor=sip:office@127.0.0.1 contact=<sip:office-line@127.0.0.1:$port> expires=60 " ||
	fail "first binding: $reg1"
first_in=$(grep "REGISTER-IN.*contact=<sip:office-line@" "$WORK/kamailio.log" | head -1)
echo "$first_in" | grep -q "auth=<null>" || fail "the first REGISTER had credentials: $first_in"
grep -q "uac: REGISTER sip:127.0.0.1:$kport: answering 401 (realm 127.0.0.1, MD5, qop=auth)" "$TLOG" ||
	fail "the 401 was not answered"
grep -q "trunk prov: registered: Contact <sip:office-line@127.0.0.1:$port>, expires 20 s, refresh in 10 s" "$TLOG" ||
	fail "tandem did not take the 20 s Kamailio granted"

grep -q "REGISTERED aor=sip:office-tcp@127.0.0.1 contact=<sip:office-tcp@127.0.0.1:$port;transport=tcp>" \
	"$WORK/kamailio.log" || fail "the TCP trunk did not register: $(grep 'trunk tcp' "$TLOG")"

# 2. the refresh: ~10 s later, same Call-ID, higher CSeq, no new challenge
t0=$(date +%s)
kam_wait 2 "$KREG" 14 || fail "no refresh within 14 s"
took=$(($(date +%s) - t0))
[ $took -ge 7 ] || fail "refreshed after $took s: too early"
reg2=$(grep "$KREG" "$WORK/kamailio.log" | sed -n 2p)
ci1=$(field "$reg1" ci); ci2=$(field "$reg2" ci); cs1=$(field "$reg1" cs); cs2=$(field "$reg2" cs)
[ -n "$ci1" ] && [ "$ci1" = "$ci2" ] || fail "refresh Call-ID $ci2, first $ci1"
[ "$cs2" -gt "$cs1" ] || fail "refresh CSeq $cs2 not above $cs1"
grep "REGISTER-IN ci=$ci1 cs=$cs2 " "$WORK/kamailio.log" | grep -q "auth=office" ||
	fail "the refresh did not carry credentials at once: $(grep "cs=$cs2 " "$WORK/kamailio.log")"
grep -q "trunk prov: registration refreshed: expires 20 s" "$TLOG" || fail "refresh not logged"

# 3. outage: the provider gone for ~25 s, its port silent
kam_stop
$PEER capture "$kport" 25 >"$WORK/capture.txt" 2>"$WORK/capture.err" &
CAP_PID=$!
wait "$CAP_PID" || fail "capture failed: $(cat "$WORK/capture.err")"
CAP_PID=""
grep -q "trunk prov: not registered: 408 Request Timeout; retrying in" "$TLOG" ||
	fail "no 'not registered' for prov: $(grep 'trunk prov' "$TLOG")"
[ "$(grep -c "trunk prov: not registered" "$TLOG")" -eq 1 ] || fail "state change logged twice"
n=$(grep -c "REGISTER $ci1 " "$WORK/capture.txt")
[ "$n" -ge 4 ] || fail "$n REGISTERs during the outage: $(cat "$WORK/capture.txt")"
[ "$(grep -c "REGISTER" "$WORK/capture.txt")" -eq "$n" ] || fail "another Call-ID: $(cat "$WORK/capture.txt")"
# the first four attempts: gaps of Timer F plus 1, 2, 4 s (±20%): growing
grep "REGISTER $ci1 " "$WORK/capture.txt" | head -4 | awk '
	{ t[NR] = $1; c[NR] = $4 }
	END {
		for (i = 2; i <= 4; i++) if (c[i] <= c[i-1]) { print "CSeq not growing"; exit 1 }
		g1 = t[2] - t[1]; g2 = t[3] - t[2]; g3 = t[4] - t[3]
		printf "outage gaps %.2f %.2f %.2f s\n", g1, g2, g3
		if (!(g1 > 1.9 && g2 > g1 + 0.2 && g3 > g2 + 0.5)) { print "gaps do not grow"; exit 1 }
	}' || fail "backoff: $(cat "$WORK/capture.txt")"
warns=$(grep -c "WARN.*trunk prov: registration failed again" "$TLOG")
[ "$warns" -le 3 ] || fail "$warns warnings during the outage: one per retry"
# over TCP every attempt fails at once (refused): many more failures, the
# same few warnings, a notice at the 4th, the rest at debug level
# (a refresh caught by Kamailio's stop may fail otherwise than refused: one
# warning more for the change of error)
tfail=$(grep -c "trunk tcp: \(not registered\|registration failed again\|registration attempt [0-9]* failed\|still not registered\)" "$TLOG")
[ "$tfail" -ge 6 ] || fail "the TCP trunk failed $tfail times: $(grep 'trunk tcp' "$TLOG")"
[ "$(grep -c "WARN.*trunk tcp: registration failed again" "$TLOG")" -le 3 ] ||
	fail "TCP trunk warnings: $(grep 'WARN.*trunk tcp' "$TLOG")"
grep -q "NOTICE trunk tcp: still not registered after 4 attempts: 503 transport error" "$TLOG" ||
	fail "no notice at the 4th failure: $(grep 'trunk tcp' "$TLOG")"

# ... and back: registered again, no restart
t0=$(date +%s)
nreg=$(grep -c "$KREG" "$WORK/kamailio.log")
kam_start
kam_wait $((nreg + 1)) "$KREG" 10 || fail "not registered again within 10 s of the provider's return"
echo "registered again $(($(date +%s) - t0)) s after the provider came back"
grep -q "trunk prov: registered again after [0-9]* failed attempts" "$TLOG" || fail "return not logged"
reg3=$(grep "$KREG" "$WORK/kamailio.log" | tail -1)
[ "$(field "$reg3" ci)" = "$ci1" ] || fail "a new Call-ID after the outage: $reg3"

# 4. 423 then 200 (SIPp checked Expires: 120 on the second REGISTER)
grep -q "trunk s423: 423 Interval Too Brief: registering again with Expires: 120" "$TLOG" ||
	fail "423 not followed: $(grep 'trunk s423' "$TLOG")"
# granted: our Contact's expires=90 among two bindings, not Expires: 120
grep -q "trunk s423: registered: Contact <sip:s423@127.0.0.1:$port>, expires 90 s, refresh in 45 s" "$TLOG" ||
	fail "s423 not registered for 90 s: $(grep 'trunk s423' "$TLOG")"

# 6. a name that does not resolve: retrying, again and again
grep -q "trunk nodns: not registered: DNS: " "$TLOG" || fail "no DNS failure: $(grep 'trunk nodns' "$TLOG")"
tries=$(grep -c "trunk nodns: .*\(not registered\|failed again\|attempt [0-9]* failed\|still not\)" "$TLOG")
[ "$tries" -ge 4 ] || fail "nodns tried $tries times in ~40 s"
grep -q "trunk nodns: registering x@provider.invalid" "$TLOG" || fail "registering not logged"

# 5. stop: Expires: 0 to both, Kamailio removes the binding. The TCP
# trunk's connection first closes for idleness (2 s after its last REGISTER)
last_line() { grep -n -- "$1" "$TLOG" | tail -1 | cut -d: -f1; }
i=0
while :; do
	r=$(last_line "uac: REGISTER sip:127.0.0.1:$kport;transport=tcp ")
	c=$(last_line "tcp conn .* closed: idle timeout")
	[ -n "$r" ] && [ -n "$c" ] && [ "$c" -gt "$r" ] && break
	[ $i -ge 60 ] && fail "the TCP trunk's connection did not close for idleness"
	sleep 0.1
	i=$((i + 1))
done
stop_tandemd
grep -q "trunk prov: unregistering (REGISTER with Expires: 0)" "$TLOG" || fail "no unregister logged"
grep -q "trunk nodns: unregistering" "$TLOG" && fail "nodns was never bound, yet unregistered"
kam_wait 1 "UNREGISTERED aor=sip:office@127.0.0.1 contact=<sip:office-line@127.0.0.1:$port> ci=$ci1" 3 ||
	fail "Kamailio did not remove the binding: $(grep 'expires=0' "$WORK/kamailio.log")"
kam_wait 1 "UNREGISTERED aor=sip:office-tcp@127.0.0.1 contact=<sip:office-tcp@127.0.0.1:$port;transport=tcp>" 3 ||
	fail "no unregister over TCP: $(grep 'office-tcp' "$WORK/kamailio.log" | tail -3)"
wait "$SIPP_PID"
rc=$?
SIPP_PID=""
[ $rc -eq 0 ] || { cat "$WORK/sipp-err.log" "$WORK/sipp-msg.log" >&2; fail "SIPp (423, unregister) exited with $rc"; }
kam_stop
echo "ok: registered with digest, refreshed in one Call-ID, retried through an outage with backoff, 423 followed, unregistered at stop"
