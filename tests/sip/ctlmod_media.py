"""A call through tandemd's media relay held up while the test asks the
control socket about it (test_ctlmod_media.sh).

    ctlmod_media.py TANDEM_PORT CALLEE_PORT UP_FILE GO_FILE

The caller and the callee (rtp_peers.py's) set the call up, send 100 RTP
packets each way, and the caller sends an RTCP receiver report (RFC 3550
§6.4.2: 3 packets lost, jitter 80) to its relay port; UP_FILE then gets
"A_PORT B_PORT" and the call stays up until GO_FILE exists (20 s at
most), then the caller hangs up. Exit 0 on success."""
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rtp_peers as rp  # noqa: E402


def receiver_report(ssrc, source, lost, jitter):
    """An RR with one report block (RFC 3550 §6.4.2)."""
    block = struct.pack("!IB3sIIII", source, 0, lost.to_bytes(3, "big"), 100, jitter, 0, 0)
    return struct.pack("!BBHI", 0x81, 201, (8 + len(block)) // 4 - 1, ssrc) + block


def main():
    if len(sys.argv) != 5:
        rp.fail(__doc__)
    tandem_port, callee_port = int(sys.argv[1]), int(sys.argv[2])
    up, go = sys.argv[3], sys.argv[4]
    caller, callee = rp.UA("alice"), rp.UA("callee", callee_port)
    dlg, _, a_port, b_port = rp.establish(caller, callee, tandem_port, rp.sdp(caller.rtp_port, "alice"))
    got_b, got_a = rp.exchange(caller, callee, a_port, b_port, 100, b"ctl")
    if (got_b, got_a) != (100, 100):
        rp.fail("RTP through the relay: callee got %d/100, caller got %d/100" % (got_b, got_a))
    # RTCP on the RTP port (its payload type tells it apart, RFC 5761 §4)
    caller.rtp.sendto(receiver_report(0x1111, 0x2222, 3, 80), (rp.HOST, a_port))
    time.sleep(0.2)
    with open(up + ".tmp", "w") as f:
        f.write("%d %d\n" % (a_port, b_port))
    os.rename(up + ".tmp", up)
    end = time.time() + 20
    while not os.path.exists(go):
        if time.time() > end:
            rp.fail("the test never said go")
        time.sleep(0.05)
    rp.bye_from_caller(dlg, callee)
    print("media: 100/100 both ways, RR sent, call held and hung up")


if __name__ == "__main__":
    main()
