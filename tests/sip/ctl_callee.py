"""The callee of test_ctl_ivr.sh: an agent a module bridges a caller it
answered itself to (RFC 3725 §4.1 flow through tandemd).

    ctl_callee.py SIP_PORT

It must get an INVITE without an offer, answers 200 with its offer, and
must get the caller's answer in tandem's ACK. Then it sends RTP to that
answer (mod_rtprelay) and counts what comes back: the caller (SIPp with
-rtp_echo) echoes it, so packets that return crossed the bridge both
ways. Then it waits for the BYE. Exit 0 on success; a failure says why."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rtp_peers import UA, count_rtp, fail, sdp, sdp_media, send_rtp  # noqa: E402


def main():
    ua = UA("agent", int(sys.argv[1]))
    inv = ua.expect("INVITE", timeout=40, want=lambda m: m.method == "INVITE")
    if inv.body.strip():
        fail("the callee was offered SDP; a bridge to an answered caller offers nothing")
    ua.reply(inv, 200, body=sdp(ua.rtp_port, "agent"))
    ack = ua.expect("ACK", timeout=10, want=lambda m: m.method == "ACK")
    if not ack.body.strip():
        fail("the ACK carries no answer to the callee's offer")
    addr, port, _, _ = sdp_media(ack.body)
    if addr != "127.0.0.1":
        fail("the answer does not point at tandem: " + addr)
    marker = b"AGENT-ECHO"
    send_rtp(ua.rtp, (addr, port), 100, 0x4444, marker)
    got = count_rtp(ua.rtp, marker, wait=1.0)
    print("callee: sent 100 RTP packets, %d came back through the caller" % got)
    if got < 50:
        fail("only %d of 100 RTP packets came back across the bridge" % got)
    bye = ua.expect("BYE", timeout=15, want=lambda m: m.method == "BYE")
    ua.reply(bye, 200)


if __name__ == "__main__":
    main()
