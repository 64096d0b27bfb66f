# Shared by the tests of the modules' control commands (tests/sip/ctlmod.mk):
# tandemctl (tandemctl_lib.sh) against tandemd running the modules, with
# SIPp and small Python peers on 127.0.0.1.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/sip/tandemctl_lib.sh"

# options_from ADDR: an OPTIONS to tandemd sent from ADDR (a loopback
# address: 127.0.0.2...); prints the status of its answer, or "none" when
# none came within 1.5 s.
options_from() {
	python3 - "$1" "$port" <<'PY'
import random, socket, sys
src, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 0))
lp = s.getsockname()[1]
cid = "ctlmod-%d" % random.randrange(1 << 40)
msg = ("OPTIONS sip:127.0.0.1:%d SIP/2.0\r\n"
       "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK%d;rport\r\n"
       "From: <sip:probe@%s>;tag=p%d\r\nTo: <sip:127.0.0.1:%d>\r\n"
       "Call-ID: %s\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
       % (port, src, lp, random.randrange(1 << 40), src, random.randrange(1 << 30), port, cid))
s.sendto(msg.encode(), ("127.0.0.1", port))
s.settimeout(1.5)
try:
    while True:
        data = s.recv(65535).decode(errors="replace")
        if cid in data and not data.startswith("SIP/2.0 100"):
            print(data.split(" ", 2)[1])
            break
except socket.timeout:
    print("none")
PY
}

# register USER PASSWORD [SIPP ARGS...]: USER registers (digest) with
# ctlmod_register.xml; -t t1 for TCP, -i ADDR for another source.
register() {
	ru=$1; rp=$2; shift 2
	sipp -sf "$SCEN/ctlmod_register.xml" -m 1 -p "$(free_port)" -nostdin -timeout 15 -timeout_error \
		-s "$ru" -au "$ru" -ap "$rp" "$@" 127.0.0.1:"$port" >"$WORK/register-$ru.out" 2>&1 ||
		fail "$ru did not register: $(cat "$WORK/register-$ru.out")"
}
