#!/bin/sh
# systemd's Type=notify (etc/tandemd.service): tandemd sends READY=1 to
# $NOTIFY_SOCKET once it started (listeners open, modules started) and not
# before, and STOPPING=1 at SIGTERM; both for a socket path and for an
# abstract name ("@..."). Without NOTIFY_SOCKET nothing changes (every
# other test).
. "$(dirname "$0")/../sip/lib.sh"
port=$(free_port)
write_config "$WORK/tandem.conf" "$port"

for sock in "$WORK/notify.sock" "@tandem-test-notify-$$"; do
	rm -f "$WORK/notify.out" "$WORK/listening"
	python3 - "$sock" "$WORK/notify.out" "$WORK/listening" <<'PY' &
import socket, sys
path, out, ready = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + path[1:] if path.startswith("@") else path)
open(ready, "w").close()
s.settimeout(20)
with open(out, "w") as f:
    for _ in range(2):
        f.write(s.recv(4096).decode() + "\n--\n")
        f.flush()
PY
	listener=$!
	i=0
	until [ -f "$WORK/listening" ]; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "the notify listener did not start"; sleep 0.05
	done
	NOTIFY_SOCKET=$sock start_tandemd "$WORK/tandem.conf"
	i=0
	until grep -q "READY=1" "$WORK/notify.out" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "no READY=1 on $sock"; sleep 0.05
	done
	grep -q "started" "$WORK/tandemd.log" || fail "READY=1 before tandemd said it started"
	grep -q "STATUS=running" "$WORK/notify.out" || fail "no STATUS with READY=1"
	grep -q "STOPPING=1" "$WORK/notify.out" && fail "STOPPING=1 before the SIGTERM"
	stop_tandemd
	wait "$listener" || fail "the notify listener did not get STOPPING=1 on $sock"
	[ "$(sed -n '4p' "$WORK/notify.out")" = "STOPPING=1" ] || fail "second message: $(cat "$WORK/notify.out")"
done
echo "ok: READY=1 once started and STOPPING=1 at SIGTERM, to a socket path and an abstract name"
