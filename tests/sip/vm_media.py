"""Known audio for the voicemail tests, and checks of what was stored.

  vm_media.py pcap OUT SECONDS [QUIET]  a pcap of SECONDS of PCMU RTP (20 ms
                                     packets) that SIPp's play_pcap_audio
                                     sends: a tone whose pitch changes every
                                     frame, so any shift or loss shows; then
                                     QUIET seconds of silence
  vm_media.py check WAV SECONDS      the WAV is 8 kHz 16-bit mono, holds
                                     SECONDS of that audio +-1 frame, and its
                                     samples are the tone's (as G.711 decodes it)
  vm_media.py ms WAV...              the summed length of WAVs in ms (pauses
                                     of the scenarios follow the prompts)
  vm_media.py meta TXT KEY=VALUE...  the message's metadata has these values
"""
import math
import struct
import sys
import wave

RATE = 8000
FRAME = 160


def tone(seconds):
    """PCM16 samples: frame k is a sine of 300 + 37 * (k mod 40) Hz."""
    out = []
    phase = 0.0
    for k in range(int(round(seconds * RATE / FRAME))):
        f = 300 + 37 * (k % 40)
        for _ in range(FRAME):
            out.append(int(7000 * math.sin(phase)))
            phase += 2 * math.pi * f / RATE
    return out


# G.711 mu-law (ITU-T G.711 / RFC 3551 PCMU), as every phone encodes it
def ulaw_encode(s):
    BIAS, CLIP = 0x84, 32635
    sign = 0x80 if s < 0 else 0
    s = min(abs(s), CLIP) + BIAS
    exp = 7
    mask = 0x4000
    while exp > 0 and not (s & mask):
        exp -= 1
        mask >>= 1
    mant = (s >> (exp + 3)) & 0x0F
    return ~(sign | (exp << 4) | mant) & 0xFF


def ulaw_decode(u):
    u = ~u & 0xFF
    sign, exp, mant = u & 0x80, (u >> 4) & 7, u & 0x0F
    s = ((mant << 3) + 0x84) << exp
    s -= 0x84
    return -s if sign else s


def pcap(path, seconds, quiet=0.0):
    samples = tone(seconds) + [0] * int(round(quiet * RATE / FRAME)) * FRAME
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        seq, ts, ssrc = 1000, 160000, 0x5EED1234
        for k in range(len(samples) // FRAME):
            payload = bytes(ulaw_encode(x) for x in samples[k * FRAME:(k + 1) * FRAME])
            rtp = struct.pack("!BBHII", 0x80, 0x80 if k == 0 else 0, seq, ts, ssrc) + payload
            udp = struct.pack("!HHHH", 6000, 6002, 8 + len(rtp), 0) + rtp
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), k & 0xFFFF, 0, 64, 17, 0,
                             bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
            eth = b"\x00" * 12 + b"\x08\x00" + ip + udp
            t = k * 0.02
            f.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(eth), len(eth)))
            f.write(eth)
            seq = (seq + 1) & 0xFFFF
            ts = (ts + FRAME) & 0xFFFFFFFF


def read_wav(path):
    w = wave.open(path, "rb")
    if (w.getframerate(), w.getsampwidth(), w.getnchannels()) != (RATE, 2, 1):
        sys.exit("%s: %d Hz, %d bytes, %d channels: not 8 kHz 16-bit mono"
                 % (path, w.getframerate(), w.getsampwidth(), w.getnchannels()))
    data = w.readframes(w.getnframes())
    return list(struct.unpack("<%dh" % (len(data) // 2), data))


def check(path, seconds):
    got = read_wav(path)
    want = [ulaw_decode(ulaw_encode(x)) for x in tone(seconds)]
    frames = len(got) / FRAME
    if abs(len(got) - len(want)) > FRAME:
        sys.exit("%s: %.1f frames (%d samples), want %d +-1" % (path, frames, len(got),
                                                              len(want) // FRAME))
    n = min(len(got), len(want))
    bad = sum(1 for i in range(n) if abs(got[i] - want[i]) > 16)
    if bad > n // 100:
        first = next(i for i in range(n) if abs(got[i] - want[i]) > 16)
        sys.exit("%s: %d of %d samples differ from the audio sent (first at %d: %d, want %d)"
                 % (path, bad, n, first, got[first], want[first]))
    print("ok: %s: %d samples (%.2f frames; sent %d), %d differ" % (path, len(got), frames,
                                                                 len(want) // FRAME, bad))


def ms(paths):
    total = 0
    for p in paths:
        w = wave.open(p, "rb")
        total += w.getnframes() * 1000 // w.getframerate()
    print(total)


def meta(path, pairs):
    have = {}
    for line in open(path, encoding="utf-8", errors="replace"):
        k, _, v = line.rstrip("\n").partition("=")
        have[k] = v
    for p in pairs:
        k, _, v = p.partition("=")
        if have.get(k) != v:
            sys.exit("%s: %s is %r, want %r (all: %r)" % (path, k, have.get(k), v, have))
    print("ok: %s: %s" % (path, " ".join(pairs)))


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "pcap":
        pcap(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]) if len(sys.argv) > 4 else 0.0)
    elif cmd == "check":
        check(sys.argv[2], float(sys.argv[3]))
    elif cmd == "ms":
        ms(sys.argv[2:])
    elif cmd == "meta":
        meta(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(__doc__)
