"""Drive two running baresip instances through their ctrl_tcp module
(JSON in netstrings): A dials B's extension through tandemd, B answers on
its own (answermode=auto), both must see the call established with RTP
flowing, then the side named by `hangup` hangs up and both must see it
closed. Usage: baresip_ctrl.py CTRL_PORT_A CTRL_PORT_B EXTEN_B HANGUP(a|b) [SECONDS]
(SECONDS: how long the call stays up once media flows, default 0.5)"""
import json
import socket
import sys
import time


class Ctrl:
    def __init__(self, name, port):
        self.name = name
        self.s = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        self.seen = []
        self.pending = []

    def command(self, cmd, params=""):
        body = json.dumps({"command": cmd, "params": params, "token": cmd}).encode()
        self.s.sendall(b"%d:%s," % (len(body), body))
        reply = self.wait(lambda m: m.get("response") and m.get("token") == cmd, 5)
        assert reply["ok"], "%s: %s %s refused: %s" % (self.name, cmd, params, reply)

    def _next(self, deadline):
        while True:
            head, sep, rest = self.buf.partition(b":")
            if sep and len(rest) > int(head):
                n = int(head)
                self.buf = rest[n + 1:]
                return json.loads(rest[:n])
            left = deadline - time.time()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                data = self.s.recv(65536)
            except socket.timeout:
                return None
            assert data, "%s: ctrl_tcp connection closed" % self.name
            self.buf += data

    def wait(self, pred, timeout):
        """The first message pred accepts, earlier ones kept for later waits
        (a hangup's CALL_CLOSED may come before the command's response)."""
        for i, m in enumerate(self.pending):
            if pred(m):
                return self.pending.pop(i)
        deadline = time.time() + timeout
        while True:
            m = self._next(deadline)
            if m is None:
                raise AssertionError("%s: timed out; saw %s" % (self.name, self.seen))
            if m.get("event"):
                self.seen.append(m.get("type"))
            if pred(m):
                return m
            self.pending.append(m)

    def event(self, kind, timeout=10):
        return self.wait(lambda m: m.get("event") and m.get("type") == kind, timeout)


def main():
    a = Ctrl("A", int(sys.argv[1]))
    b = Ctrl("B", int(sys.argv[2]))
    exten, hangup = sys.argv[3], sys.argv[4]
    up = float(sys.argv[5]) if len(sys.argv) > 5 else 0.5

    a.command("dial", exten)
    for side in (a, b):
        side.event("CALL_ESTABLISHED")
        side.event("CALL_RTPESTAB")   # media flows end to end: the SDP crossed intact
    time.sleep(up)
    (a if hangup == "a" else b).command("hangup")
    for side in (a, b):
        side.event("CALL_CLOSED")
    print("ok: %s answered, %s hung up, both sides closed" % (exten, hangup.upper()))


if __name__ == "__main__":
    main()
