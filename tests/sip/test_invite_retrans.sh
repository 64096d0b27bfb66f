#!/bin/sh
# The INVITE server transaction over UDP: SIPp runs INVITE / 100 / 404 / ACK
# (the ACK absorbed). Then, with raw sockets, an INVITE retransmission (same
# branch) gets the same 404 (same To tag, no new 100) and the 404 stops
# repeating once ACKed. tandemd's counters must then show 2 new requests (one
# INVITE per run), 1 retransmission absorbed, and exactly 5 messages sent
# (100 + 404 for SIPp, 100 + 404 + the repeated 404 for the raw client): any
# Timer G repeat after an ACK (T1 is 500 ms, both clients wait 1.5 s) or an
# answer to an ACK would raise that count.
. "$(dirname "$0")/lib.sh"
port=$(free_port)
write_config "$WORK/tandem.conf" "$port"
start_tandemd "$WORK/tandem.conf"
sipp_run invite_retrans 127.0.0.1:"$port" -t u1 -i 127.0.0.1
PYTHONPATH="$top_srcdir/tests/sip" python3 - "$port" <<'PY' || fail "raw retransmission checks"
import sys
from sipwire import Udp, request, parse_status, header
port = int(sys.argv[1])
u = Udp(port)
inv = request("INVITE", ruri="sip:nobody@127.0.0.1", port=u.local_port)
u.send(inv)
u.s.settimeout(2)
first, _ = u.s.recvfrom(65536)
assert parse_status(first)[0] == 100, first
final = u.recv()
assert parse_status(final)[0] == 404, final
tag1 = header(final, "To").split("tag=")[1]
u.send(inv)                                  # retransmission
again, _ = u.s.recvfrom(65536)
assert parse_status(again)[0] == 404, "expected the same 404, got %r" % again[:40]
assert header(again, "To").split("tag=")[1] == tag1, "To tag changed: not absorbed"
ack = inv.replace(b"INVITE sip:", b"ACK sip:", 1).replace(b"1 INVITE", b"1 ACK")
ack = ack.replace(b"To: <sip:nobody@127.0.0.1>", b"To: <sip:nobody@127.0.0.1>;tag=" + tag1.encode())
u.send(ack)
# Timer G would repeat the 404 after T1 (500 ms) if the ACK had not matched.
while True:
    extra = u.recv(timeout=1.5)
    if extra is None:
        break
    assert parse_status(extra)[0] == 404, extra
    # one 404 already in flight before the ACK landed is fine; no more after
    extra2 = u.recv(timeout=1.5)
    assert extra2 is None, "404 still retransmitted after ACK"
    break
print("ok: same 404 for the retransmission, ACK absorbed")
PY
stop_tandemd
grep -q "stats: requests 2, .*retransmissions absorbed 1, .*messages in 5 out 5," "$WORK/tandemd.log" \
	|| { grep stats: "$WORK/tandemd.log"; fail "counters: want 2 requests, 1 absorbed, 5 in and 5 out"; }
echo "ok: INVITE retransmission absorbed"
