"""A caller of a queue (mod_queue) over real sockets, with its own RTP
socket, that checks what it hears while it waits.

Usage: queue_caller.py SIP_PORT SERVICE SOUNDS_DIR MODE
  early     the INVITE offers PCMU; 182 "Queued 1" (Queue-Position 1;wait=N),
            a 183 with SDP and music on hold as early media from the 183's
            address, never a 200; CANCEL (200, 487, ACK), then silence.
  answered  182 "Queued 1", then a 200 with SDP (no 183, no 182 after it);
            ACK, music on hold, BYE (200), then silence.
  announce  early media with announce = 2 in the queue: the music, then
            "You are caller number" "one" from a frame boundary, then the
            music again where it stopped (or the next announcement), with
            no gap over 200 ms; CANCEL.
  late      answered mode, no offer in the INVITE: 182 "Queued 1", a 200
            with tandem's offer, the ACK answers; once the caller sends
            RTP (its address is learnt from it, RFC 4961) the music comes
            back to it; BYE.
  reinvite  answered mode; the caller holds (a re-INVITE with a=sendonly,
            RFC 3264 §8.4): the answer is recvonly or inactive and the
            music stops; it resumes offering another RTP port: the music
            goes there, with no RTP from there first; BYE.
  crowd     21 callers in early mode (announce = 2 in the queue): the last
            is told "Queued 21" and hears "You are caller number" "twenty"
            "one" (the prompt set's digits/20 and digits/1); CANCEL all.
  nosdp     no offer in the INVITE (early mode): the 182 "Queued 1" only,
            no 183 and no other answer; CANCEL.
The audio is told apart by comparing each 20 ms frame with moh.wav,
queue-caller.wav and digits/N.wav of SOUNDS_DIR (G.711 quantises: a sample
matches within half its mu-law step). Prints "ok: ..." lines; an assertion otherwise."""
import os
import re
import select
import socket
import struct
import sys
import time
import wave

sys.path.insert(0, os.path.dirname(__file__))
from sipwire import Udp, header, parse_status, request  # noqa: E402

FRAME = 160           # samples of 20 ms at 8 kHz
MIN_PACKETS_2S = 50   # of the 100 a 20 ms pace sends in 2 s


def ulaw_decode(u):
    """ITU-T G.711 mu-law to 16-bit linear."""
    u = ~u & 0xFF
    t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    return 0x84 - t if u & 0x80 else t - 0x84


ULAW = [ulaw_decode(i) for i in range(256)]


def load_wav(path):
    w = wave.open(path, "rb")
    assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2), path
    raw = w.readframes(w.getnframes())
    return list(struct.unpack("<%dh" % (len(raw) // 2), raw))


def frames_of(samples):
    """A prompt as the player sends it: whole frames, the last padded
    with silence."""
    out = []
    for i in range(0, len(samples), FRAME):
        f = samples[i:i + FRAME]
        out.append(f + [0] * (FRAME - len(f)))
    return out


def matches(payload, expect):
    """A received PCMU frame is the expected linear one: every sample
    within half its mu-law step (G.711 decodes to the middle of the
    interval x fell in; (|x| + 132) / 32 is at least that half step)."""
    if len(payload) != FRAME:
        return False
    for b, x in zip(payload, expect):
        if abs(ULAW[b] - x) > (abs(x) + 132) // 32:
            return False
    return True


class Caller:
    def __init__(self, port, service, offer=True):
        self.port = port
        self.sip = Udp(port)
        self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtp.bind(("127.0.0.1", 0))
        self.rtp_port = self.rtp.getsockname()[1]
        self.ruri = "sip:%s@127.0.0.1:%d" % (service, port)
        n = self.sip.local_port
        self.frm = "<sip:caller@127.0.0.1>;tag=qc%d" % n
        self.cid = "queue-%s-%d@t" % (service, n)
        self.branch = "z9hG4bK-qc%d" % n
        self.answers = []   # (time, message) of every SIP message received
        self.packets = []   # (time, source, seq, pt, ssrc, payload)
        self.to = None
        self.sdp = ("v=0\r\no=caller 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
                    "t=0 0\r\nm=audio %d RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
                    "a=rtpmap:101 telephone-event/8000\r\n" % self.rtp_port)
        body = self.sdp if offer else ""
        self.sip.send(request("INVITE", self.ruri, headers=self.hdrs(), port=n, body=body,
                              branch=self.branch, cseq="1 INVITE",
                              extra=("Content-Type: application/sdp",) if body else ()))

    def hdrs(self, to=None):
        return {"From": self.frm, "To": to or "<%s>" % self.ruri, "Call-ID": self.cid,
                "Contact": "<sip:caller@127.0.0.1:%d>" % self.sip.local_port}

    def pump(self, seconds, until=None):
        """Read both sockets for seconds, or until until(message) holds
        for a SIP message: that message, else None."""
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.sip.s, self.rtp], [], [], left)
            now = time.monotonic()
            if self.rtp in r:
                data, src = self.rtp.recvfrom(2048)
                assert len(data) >= 12 and data[0] >> 6 == 2, "not RTP: %r" % data[:16]
                seq, ssrc = struct.unpack("!H", data[2:4])[0], struct.unpack("!I", data[8:12])[0]
                self.packets.append((now, src, seq, data[1] & 0x7F, ssrc, data[12:]))
            if self.sip.s in r:
                data, _ = self.sip.s.recvfrom(65536)
                if data.startswith(b"SIP/2.0 100 "):
                    continue
                assert data.startswith(b"SIP/2.0 "), "a request from tandem: %r" % data[:200]
                self.answers.append((now, data))
                if until and until(data):
                    return data

    def statuses(self, since=0.0):
        return [parse_status(m)[0] for t, m in self.answers if t >= since]

    def cancel(self):
        """CANCEL (RFC 3261 §9.1): 200 for it, 487 for the INVITE, ACK."""
        self.sip.send(request("CANCEL", self.ruri, headers=self.hdrs(), port=self.sip.local_port,
                              branch=self.branch, cseq="1 CANCEL"))
        got = {}

        def both(m):
            if parse_status(m)[0] >= 200:   # not a 182 of a caller moving up
                got[header(m, "CSeq").split()[1]] = m
            return "CANCEL" in got and "INVITE" in got
        self.pump(3, both)
        assert parse_status(got.get("CANCEL", b""))[0] == 200, "CANCEL: %r" % got.get("CANCEL")
        final = got.get("INVITE", b"")
        assert parse_status(final)[0] == 487, "the INVITE after CANCEL: %r" % final
        self.sip.send(request("ACK", self.ruri, headers=self.hdrs(header(final, "To")),
                              port=self.sip.local_port, branch=self.branch, cseq="1 ACK"))
        return self.answers[-1][0] if self.answers else time.monotonic()

    def ack(self, ok, body=""):
        self.to = header(ok, "To")
        self.target = re.search(r"<([^>]+)>", header(ok, "Contact")).group(1)
        self.sip.send(request("ACK", self.target, headers=self.hdrs(self.to),
                              port=self.sip.local_port, cseq="1 ACK", body=body,
                              extra=("Content-Type: application/sdp",) if body else ()))

    def reinvite(self, cseq, sdp):
        """A re-INVITE in the dialog: its 200 (ACKed)."""
        self.sip.send(request("INVITE", self.target, headers=self.hdrs(self.to),
                              port=self.sip.local_port, cseq="%d INVITE" % cseq, body=sdp,
                              extra=("Content-Type: application/sdp",)))
        r = self.pump(3, lambda m: header(m, "CSeq") == "%d INVITE" % cseq and
                      parse_status(m)[0] >= 200)
        assert r and parse_status(r)[0] == 200, "re-INVITE %d: %r" % (cseq, r)
        self.sip.send(request("ACK", self.target, headers=self.hdrs(self.to),
                              port=self.sip.local_port, cseq="%d ACK" % cseq))
        return r

    def bye(self, cseq=2):
        self.sip.send(request("BYE", self.target, headers=self.hdrs(self.to),
                              port=self.sip.local_port, cseq="%d BYE" % cseq))
        r = self.pump(3, lambda m: header(m, "CSeq") == "%d BYE" % cseq)
        assert r and parse_status(r)[0] == 200, "BYE: %r" % r
        return self.answers[-1][0]

    def quiet_after(self, t):
        """No RTP once the call ended at t (a little slack for the packet
        already on its way)."""
        self.pump(0.6)
        late = [p for p in self.packets if p[0] > t + 0.1]
        assert not late, "%d RTP packets after the call ended" % len(late)


def sdp_media(msg):
    body = msg.split(b"\r\n\r\n", 1)[1].decode()
    assert "m=audio" in body, "no SDP in %r" % msg
    addr = re.search(r"^c=IN IP4 (\S+)", body, re.M).group(1)
    m = re.search(r"^m=audio (\d+) RTP/AVP ([\d ]+)", body, re.M)
    assert m.group(2).split()[0] == "0", "want PCMU answered: %s" % body
    return (addr, int(m.group(1)))


def check_queued(c, want=1):
    """The only 182 is "Queued want" with Queue-Position want;wait=N
    (the place never changes: no second 182)."""
    q = [m for _, m in c.answers if parse_status(m)[0] == 182]
    assert len(q) == 1, "want one 182, got %d: %r" % (len(q), q)
    assert parse_status(q[0])[1] == "Queued %d" % want, "182: %r" % q[0]
    qp = header(q[0], "Queue-Position")
    assert qp and re.fullmatch(r"%d;wait=\d+" % want, qp), "Queue-Position: %r" % qp
    first = [parse_status(m)[0] for _, m in c.answers][0]
    assert first == 182, "the first answer is %d, not the 182" % first
    return q[0]


def tag(msg):
    m = re.search(r";tag=([^;>\s]+)", header(msg, "To") or "")
    return m.group(1) if m else None


def check_rtp(c, media, since):
    """Music from where the SDP says, PCMU, one stream, paced: at least
    MIN_PACKETS_2S in the first 2 s; returns the packets from since."""
    pk = [p for p in c.packets if p[0] >= since]
    assert pk, "no RTP at all"
    bad = [p for p in pk if p[1] != media or p[3] != 0]
    assert not bad, "RTP from %s pt %d, want %s pt 0" % (bad[0][1], bad[0][3], media)
    assert len({p[4] for p in pk}) == 1, "more than one SSRC"
    n2 = len([p for p in pk if p[0] < pk[0][0] + 2.0])
    assert n2 >= MIN_PACKETS_2S, "%d RTP packets in 2 s" % n2
    return pk


def frame_index(pk):
    """Each packet's frame number from the first (RTP sequence, which
    wraps at 2^16)."""
    s0 = pk[0][2]
    return [((p[2] - s0) & 0xFFFF, p[5]) for p in pk]


def check_music(pk, music, start=0):
    """Every frame is moh.wav, looped, from frame start of it (None: from
    wherever the first frame is, on a frame boundary)."""
    n = len(music)
    ext = music + music[:FRAME]
    frames = frame_index(pk)
    if start is None:
        at = [i for i in range(0, n, FRAME) if matches(frames[0][1], ext[i:i + FRAME])]
        assert at, "the first frame is nowhere in the music on hold"
        start = at[0] // FRAME
    for k, payload in frames:
        at = (start + k) * FRAME % n
        assert matches(payload, ext[at:at + FRAME]), "frame %d is not the music on hold" % k
    return len(pk)


def follow(pk, music, prompt):
    """Walk the frames as the player sends them: music (resuming where
    it stopped) or the whole prompt. The frame numbers where prompts
    start; an assertion at the first frame that is neither."""
    ext = music + music[:FRAME]
    pos, j, starts, last = 0, None, [], -1
    for k, payload in frame_index(pk):
        assert k > last, "RTP out of order at frame %d" % k
        if k != last + 1:
            raise AssertionError("frames %d..%d lost: cannot follow the audio" % (last + 1, k - 1))
        last = k
        if j is not None and j < len(prompt):
            assert matches(payload, prompt[j]), \
                "frame %d: the announcement broke off at its frame %d" % (k, j)
            j += 1
            continue
        j = None
        if matches(payload, ext[pos:pos + FRAME]):
            pos = (pos + FRAME) % len(music)
        elif matches(payload, prompt[0]):
            starts.append(k)
            j = 1
        else:
            raise AssertionError("frame %d is neither the music (at sample %d) nor the "
                                 "announcement" % (k, pos))
    return starts, j is not None and j < len(prompt)


def main():
    port, service, sounds, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    music = load_wav(os.path.join(sounds, "moh.wav"))
    if mode == "early":
        c = Caller(port, service)
        c.pump(3)
        q = check_queued(c)
        assert 200 > max(c.statuses()), "answered in early mode: %s" % c.statuses()
        e = [m for _, m in c.answers if parse_status(m)[0] == 183]
        assert len(e) == 1, "want one 183, got %s" % c.statuses()
        assert tag(e[0]) == tag(q), "the 182 and the 183 are not one early dialog"
        pk = check_rtp(c, sdp_media(e[0]), 0)
        n = check_music(pk, music)
        end = c.cancel()
        c.quiet_after(end)
        print("ok: early: 182 Queued 1 (%s), 183, %d frames of music on hold as early media, "
              "no 200, CANCEL 200/487, then silence" % (header(q, "Queue-Position"), n))
    elif mode == "answered":
        c = Caller(port, service)
        ok = c.pump(5, lambda m: parse_status(m)[0] >= 200)
        assert ok and parse_status(ok)[0] == 200, "want 200, got %s" % c.statuses()
        q = check_queued(c)
        assert 183 not in c.statuses(), "a 183 in answered mode: %s" % c.statuses()
        assert tag(ok) == tag(q), "the 182 and the 200 are not one dialog"
        media = sdp_media(ok)
        t_ack = time.monotonic()
        c.ack(ok)
        c.pump(2.5)
        after = c.statuses(t_ack + 0.1)
        assert not after, "after the ACK: %s (no 182 once answered, no 200 resent)" % after
        pk = check_rtp(c, media, 0)
        n = check_music(pk, music)
        end = c.bye()
        c.quiet_after(end)
        print("ok: answered: 182 Queued 1 (%s), 200 with SDP, ACK, %d frames of music on hold, "
              "BYE, then silence" % (header(q, "Queue-Position"), n))
    elif mode == "announce":
        prompt = frames_of(load_wav(os.path.join(sounds, "queue-caller.wav"))) + \
                 frames_of(load_wav(os.path.join(sounds, "digits", "1.wav")))
        c = Caller(port, service)
        c.pump(6.5)
        check_queued(c)
        e = [m for _, m in c.answers if parse_status(m)[0] == 183]
        assert e and 200 > max(c.statuses()), "want 183, no final answer: %s" % c.statuses()
        pk = check_rtp(c, sdp_media(e[0]), 0)
        span = pk[-1][0] - pk[0][0]
        gap = max(b[0] - a[0] for a, b in zip(pk, pk[1:]))
        assert span > 6.0 and gap <= 0.2, "RTP for %.2f s, largest gap %.0f ms" % (span, gap * 1e3)
        starts, playing = follow(pk, music, prompt)
        assert starts, "no announcement in %.1f s of audio" % span
        # announce = 2: the first at the sweep (0.5 s) after 2 s of waiting
        assert 95 <= starts[0] <= 135, "the first announcement at frame %d, want ~2 s" % starts[0]
        whole = len(starts) - (1 if playing else 0)
        assert whole >= 1, "the announcement never played to its end"
        end = c.cancel()
        c.quiet_after(end)
        print("ok: announce: music, then \"you are caller number one\" at %.2f s (%d frames, "
              "%d started), music again where it stopped; %.1f s of RTP, largest gap %.0f ms"
              % (starts[0] * 0.02, len(prompt), len(starts), span, gap * 1e3))
    elif mode == "late":
        c = Caller(port, service, offer=False)
        ok = c.pump(5, lambda m: parse_status(m)[0] >= 200)
        assert ok and parse_status(ok)[0] == 200, "want 200, got %s" % c.statuses()
        q = check_queued(c)
        media = sdp_media(ok)
        t_ack = time.monotonic()
        c.ack(ok, c.sdp)
        c.pump(0.5)
        before = len(c.packets)
        silence = bytes([0xFF]) * FRAME
        for k in range(100):   # 2 s of a phone's silence, paced
            c.rtp.sendto(struct.pack("!BBHII", 0x80, 0, 1000 + k, 160 * k, 0xCA11E4) + silence,
                         media)
            c.pump(0.02)
        c.pump(0.5)
        after = c.statuses(t_ack + 0.1)
        assert not after, "after the ACK: %s" % after
        pk = check_rtp(c, media, t_ack)
        n = check_music(pk, music, None)
        end = c.bye()
        c.quiet_after(end)
        print("ok: late: 182 Queued 1 (%s), 200 with tandem's offer, ACK with the answer, "
              "%d frames of music on hold (%d before the caller's first RTP), BYE"
              % (header(q, "Queue-Position"), n, before))
    elif mode == "reinvite":
        c = Caller(port, service)
        ok = c.pump(5, lambda m: parse_status(m)[0] >= 200)
        assert ok and parse_status(ok)[0] == 200, "want 200, got %s" % c.statuses()
        check_queued(c)
        media = sdp_media(ok)
        c.ack(ok)
        # check_rtp counts the first 2 s of music: listen that long (after
        # 1 s there could be at most the 50 it asks for, one late packet
        # short of them)
        c.pump(2.1)
        check_rtp(c, media, 0)
        problems = []
        # hold (RFC 3264 §8.4): the answer to sendonly is recvonly or inactive (§6.1)
        hold = c.sdp.replace("o=caller 1 1", "o=caller 1 2") + "a=sendonly\r\n"
        r = c.reinvite(2, hold)
        t_hold = c.answers[-1][0]
        body = r.split(b"\r\n\r\n", 1)[1].decode()
        if not re.search(r"^a=(recvonly|inactive)\r?$", body, re.M):
            problems.append("hold: the answer to a=sendonly is not recvonly or inactive: %s"
                            % re.findall(r"^a=(?:send|recv)\w*|^a=inactive", body, re.M))
        if sdp_media(r) != media:
            problems.append("hold: the answer moved our media to %s:%d" % sdp_media(r))
        c.pump(1.5)
        n = len([p for p in c.packets if p[0] > t_hold + 0.1])
        if n:
            problems.append("hold: %d RTP packets in 1.4 s to a caller who holds" % n)
        # resume on another port: the music follows, with no RTP from there first
        old = c.rtp
        c.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        c.rtp.bind(("127.0.0.1", 0))
        moved = c.sdp.replace("o=caller 1 1", "o=caller 1 3").replace(
            "m=audio %d " % c.rtp_port, "m=audio %d " % c.rtp.getsockname()[1])
        old.setblocking(False)
        try:
            while old.recvfrom(2048):
                pass
        except BlockingIOError:
            pass
        r = c.reinvite(3, moved)
        t_move = c.answers[-1][0]
        if sdp_media(r) != media:
            problems.append("resume: the answer moved our media to %s:%d" % sdp_media(r))
        c.packets = []
        c.pump(2)
        stray = 0
        try:
            while old.recvfrom(2048):
                stray += 1
        except BlockingIOError:
            pass
        pk = [p for p in c.packets if p[0] > t_move + 0.1]
        if len(pk) < MIN_PACKETS_2S * 3 // 4:
            problems.append("resume: %d RTP packets in 1.9 s at the port the re-INVITE moved "
                            "the media to, %d still at the old port" % (len(pk), stray))
        else:
            check_rtp(c, media, t_move + 0.1)
        end = c.bye(4)
        c.quiet_after(end)
        assert not problems, "re-INVITEs of a waiting caller:\n  " + "\n  ".join(problems)
        print("ok: reinvite: hold answered recvonly and the music stopped; resumed on "
              "another port, the music followed it; BYE")
    elif mode == "crowd":
        def prompt_of(*names):
            out = []
            for name in names:
                out += frames_of(load_wav(os.path.join(sounds, name + ".wav")))
            return out
        crowd = []
        for k in range(1, 22):
            c = Caller(port, service)
            r = c.pump(3, lambda m: parse_status(m)[0] == 182)
            assert r and parse_status(r)[1] == "Queued %d" % k, "caller %d: %r" % (k, r)
            crowd.append(c)
        c = crowd[-1]
        want = prompt_of("queue-caller", "digits/20", "digits/1")
        c.pump(2.6 + len(want) * 0.02 + 0.3)
        check_queued(c, 21)
        e = [m for _, m in c.answers if parse_status(m)[0] == 183]
        assert e, "no 183 for caller 21: %s" % c.statuses()
        pk = check_rtp(c, sdp_media(e[0]), 0)
        try:
            starts, playing = follow(pk, music, want)
            assert starts and not (len(starts) == 1 and playing), "no whole announcement"
        except AssertionError as why:
            heard = None
            for alt, words in ((prompt_of("queue-caller", "digits/2", "digits/1"), "two one"),):
                try:
                    if follow(pk, music, alt)[0]:
                        heard = words
                except AssertionError:
                    pass
            raise AssertionError("caller 21 did not hear \"you are caller number twenty one\" "
                                 "(%s)%s" % (why, "; it heard \"%s\"" % heard if heard else ""))
        finally:
            for other in reversed(crowd):
                other.cancel()
        print("ok: crowd: caller 21 heard \"you are caller number twenty one\" at %.2f s"
              % (starts[0] * 0.02))
    elif mode == "nosdp":
        c = Caller(port, service, offer=False)
        c.pump(2)
        q = check_queued(c)
        assert c.statuses() == [182], "without an offer, want the 182 only: %s" % c.statuses()
        assert not c.packets, "RTP to a caller that offered none"
        end = c.cancel()
        c.quiet_after(end)
        print("ok: nosdp: 182 Queued 1 (%s) only, no 183, CANCEL 200/487"
              % header(q, "Queue-Position"))
    else:
        sys.exit("unknown mode %s" % mode)


main()
