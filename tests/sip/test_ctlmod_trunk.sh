#!/bin/sh
# The modules' control commands, mod_trunk: `trunks` shows each trunk's
# state: r registers at a provider (a Python registrar on loopback that
# grants 120 s and answers OPTIONS after 30 ms: registered, up, its
# latency), q's provider never answers (down), a carries a SIPp call out
# (calls 1 of max 2 while it is up, then 0 and 1 in total); `trunks NAME`
# shows one; table and JSON.
. "$(dirname "$0")/ctlmod_lib.sh"
. "$top_srcdir/tests/sip/trunk_lib.sh"   # (calls_lib.sh again: before anything runs)
CTL_SOCK="$WORK/state/tandemd.ctl"

pa=$(free_port)
pq=$(free_port)
pr=$(free_port)
python3 - "$pr" "$WORK/registrar.log" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
log = open(sys.argv[2], "w", buffering=1)
while True:
    data, src = s.recvfrom(65535)
    req = data.decode(errors="replace")
    head = req.split("\r\n\r\n", 1)[0].split("\r\n")
    method = head[0].split(" ", 1)[0]
    if method.startswith("SIP/"):
        continue
    keep = [l for l in head[1:] if l.split(":", 1)[0].strip().lower() in ("via", "from", "to", "call-id", "cseq")]
    extra = []
    if method == "REGISTER":
        extra = [l.strip() + ";expires=120" for l in head[1:] if l.lower().startswith("contact:")]
    elif method == "OPTIONS":
        time.sleep(0.03)     # the latency qualify measures
    log.write(method + "\n")
    to = [l + (";tag=reg" if l.lower().startswith("to:") and "tag=" not in l else "") for l in keep]
    s.sendto(("SIP/2.0 200 OK\r\n" + "\r\n".join(to + extra) + "\r\nContent-Length: 0\r\n\r\n").encode(), src)
PY
PEER_PIDS="$PEER_PIDS $!"
watch_port "$pq"
trunk_office "$(trunk_def a "$pa" 'max_calls = 2;'),
              $(trunk_def q "$pq" 'qualify = 1;'),
              $(trunk_def r "$pr" 'register = true; expires = 120; qualify = 1;')"
sed -i 's/^sip: { t1_ms = 500; };/sip: { t1_ms = 50; };/' "$WORK/tandem.conf"   # Timer F 3.2 s
start_tandemd "$WORK/tandem.conf"

ctl_wait 'v["registration"] == "registered" and v["state"] == "up" and v["latency_ms"] is not None' trunks r
json_assert 'v["name"] == "r" and v["host"] == "127.0.0.1:'"$pr"'" and v["target"] == "UDP 127.0.0.1:'"$pr"'"'
json_assert 'v["reg_expires"] == 120 and 0 < v["reg_next"] <= 120 and v["reg_failures"] == 0'
json_assert 'v["reg_error"] is None and 25 <= v["latency_ms"] < 1000'
ctl_wait 'v["state"] == "down"' trunks q
json_assert 'v["registration"] == "off" and v["reg_expires"] is None and v["latency_ms"] is None'

ctl_ok --json trunks
json_assert '[(t["name"], t["state"], t["registration"]) for t in v] == [("a", "off", "off"), ("q", "down", "off"), ("r", "up", "registered")]'
json_assert 'v[0]["calls"] == 0 and v[0]["max_calls"] == 2 and v[1]["max_calls"] is None'
json_assert 'list(v[0].keys())[:6] == ["name", "host", "target", "state", "latency_ms", "registration"]'
ctl_ok trunks
head -n 1 "$WORK/ctl.out" | grep -q "^name  *host  *target  *state  *latency_ms  *registration  *reg_expires" ||
	fail "trunks header: $(head -n 1 "$WORK/ctl.out")"
grep -q "^r  *127.0.0.1:$pr  *UDP 127.0.0.1:$pr  *up  *[0-9.]*  *registered  *120 " "$WORK/ctl.out" ||
	fail "r's row: $(cat "$WORK/ctl.out")"
grep -q "^q  *127.0.0.1:$pq .* down  *-  *off " "$WORK/ctl.out" || fail "q's row: $(cat "$WORK/ctl.out")"

# a call out through trunk a
provider prov-a "$pa" "" "$(p_answer)" -mi 127.0.0.1 -mp "$(free_port)"
a_pid=$PEER_PID
( office_call 1001 94930001 "$(c_talks 3000)" ) &
call=$!
wait_log "answered \(B Call-ID"
ctl_ok --json trunks a
json_assert 'v["calls"] == 1 and v["max_calls"] == 2 and v["calls_total"] == 1'
wait "$call" || fail "1001's call out failed"
peer_wait prov-a "$a_pid"
ctl_wait 'v["calls"] == 0 and v["calls_total"] == 1 and v["calls_refused"] == 0' trunks a

ctl_expect 4 trunks nosuch
grep -q "no trunk nosuch" "$WORK/ctl.err" || fail "notfound message: $(cat "$WORK/ctl.err")"
ctl_expect 2 trunks a b
grep -q "^REGISTER" "$WORK/registrar.log" || fail "the registrar never saw a REGISTER"
stop_tandemd
