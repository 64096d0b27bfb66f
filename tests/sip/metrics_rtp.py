#!/usr/bin/env python3
"""A call through tandemd's media relay seen in the metrics: the peers of
rtp_peers.py exchange 100 RTP packets each way, 10 more from a third
address are dropped (foreign), then the caller sends one RTCP receiver
report (RFC 3550 §6.4.2) about the stream the relay sends it: 25 % lost
in the interval, 5 packets in all, jitter 80 timestamp units (10 ms at
8 kHz). A scrape while the call is up, and one after its BYE, are saved
for the shell to check.

    metrics_rtp.py TANDEM_PORT CALLEE_PORT METRICS_PORT DURING_FILE AFTER_FILE"""
import os
import socket
import struct
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rtp_peers as rp  # noqa: E402

tandem_port, callee_port, metrics_port = (int(a) for a in sys.argv[1:4])
during, after = sys.argv[4:6]


def scrape(path):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % metrics_port, timeout=5) as r:
        data = r.read()
    with open(path, "wb") as f:
        f.write(data)


def receiver_report(ssrc, about, fraction, lost, jitter):
    """RR with one report block: V=2, RC=1, PT=201, length 7 (32-bit words - 1)."""
    block = struct.pack("!IB3sIIII", about, fraction, lost.to_bytes(3, "big"), 100, jitter, 0, 0)
    return struct.pack("!BBHI", 0x81, 201, 7, ssrc) + block


caller, callee = rp.UA("alice"), rp.UA("callee", callee_port)
dlg, inv, a_port, b_port = rp.establish(caller, callee, tandem_port, rp.sdp(caller.rtp_port, "alice"))
got_b, got_a = rp.exchange(caller, callee, a_port, b_port, 100, b"m")
if (got_b, got_a) != (100, 100):
    rp.fail("RTP through the relay: callee got %d/100, caller got %d/100" % (got_b, got_a))
intruder = rp.UA.bind_rtp()
rp.send_rtp(intruder, (rp.HOST, a_port), 10, 0x3333, b"X")
rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rtcp.bind((rp.HOST, 0))
rtcp.sendto(receiver_report(0x1111, 0x2222, 64, 5, 80), (rp.HOST, a_port + 1))
time.sleep(0.3)   # the media thread reads it
scrape(during)
rp.bye_from_caller(dlg, callee)
rp.ports_free([a_port, a_port + 1, b_port, b_port + 1])
scrape(after)
print("rtp: 100/100 each way, 10 foreign, one RR; scrapes in %s and %s" % (during, after))
