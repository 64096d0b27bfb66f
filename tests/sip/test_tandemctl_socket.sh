#!/bin/sh
# The control socket itself: its place (control.socket, relative to the
# config), mode and group; the protocol spoken directly (ctl_protocol.py:
# pipelined requests, malformed ones, size, connection and idle limits);
# --json of every core command parses; a stale socket of a killed tandemd
# is replaced, a live one (another tandemd answering) is not, nor a file
# that is no socket; reload moves, re-permits and closes it; a user
# outside its group is refused (exit 3, "permission denied").
. "$(dirname "$0")/tandemctl_lib.sh"

CTL_SOCK="$WORK/run/ctl.sock"
group=$(id -gn nobody 2>/dev/null || echo nogroup)
getent group nogroup >/dev/null && group=nogroup
# write_ctl_config FILE SIP-PORT CONTROL-SETTINGS
write_ctl_config() {
	write_config "$1" "$2" "control: { $3 };
calls: { dial_timeout = 5; };
dialplan: { internal: ( { match = \"^bob\$\"; do = ( \"reject(486)\" ); } ); };"
}

# an unknown group is the config's error, with its line
write_ctl_config "$WORK/bad.conf" "$port" 'socket = "run/ctl.sock"; group = "no-such-group-here";'
"$TANDEMD" --check-config -c "$WORK/bad.conf" -M "$MODDIR" >"$WORK/check.out" 2>&1 &&
	fail "--check-config accepted an unknown group"
grep -q "$WORK/bad.conf:[0-9][0-9]*: unknown group 'no-such-group-here'" "$WORK/check.out" ||
	fail "unknown group: $(cat "$WORK/check.out")"
write_ctl_config "$WORK/bad.conf" "$port" 'socket = "run/ctl.sock"; mode = "0999";'
"$TANDEMD" --check-config -c "$WORK/bad.conf" -M "$MODDIR" >"$WORK/check.out" 2>&1 &&
	fail "--check-config accepted mode 0999"
grep -q "bad.conf:[0-9][0-9]*: 'mode' must be octal" "$WORK/check.out" || fail "bad mode: $(cat "$WORK/check.out")"

settings="socket = \"run/ctl.sock\"; mode = \"0600\"; max_connections = 3; idle_timeout = 1;"
[ "$(id -u)" -eq 0 ] && settings="$settings group = \"$group\";"
write_ctl_config "$WORK/tandem.conf" "$port" "$settings"
start_tandemd "$WORK/tandem.conf"
# run/ did not exist: tandemd made it
[ -S "$CTL_SOCK" ] || fail "no socket at $CTL_SOCK"
[ "$(stat -c %a "$CTL_SOCK")" = 600 ] || fail "mode $(stat -c %a "$CTL_SOCK"), not 600"
if [ "$(id -u)" -eq 0 ]; then
	[ "$(stat -c %G "$CTL_SOCK")" = "$group" ] || fail "group $(stat -c %G "$CTL_SOCK"), not $group"
fi

python3 "$top_srcdir/tests/sip/ctl_protocol.py" "$CTL_SOCK" 3 1 || fail "the protocol (above)"

# --json of each core command parses, with the documented members
ctl_ok --json status
json_assert 'v["pid"] > 0 and v["config"] == "'"$WORK/tandem.conf"'" and v["control_socket"] == "'"$CTL_SOCK"'"'
json_assert 'v["listeners"] == ["udp:127.0.0.1:'"$port"'", "tcp:127.0.0.1:'"$port"'"] and v["modules"] == 1'
json_assert 'all(k in v for k in ("version", "uptime", "started", "calls_active", "calls_total", "log_level"))'
ctl_ok --json calls
json_assert 'v == []'
ctl_ok --json modules
json_assert 'v == [{"name": "echo", "started": True, "hooks": ["request"], "actions": [], "commands": []}]'
ctl_ok --json help
json_assert '[c["command"] for c in v] == ["status", "calls", "modules", "hangup", "reload", "loglevel", "help"]'
json_assert 'all(c["module"] == "core" and c["help"] for c in v)'
ctl_ok --json help reload
json_assert 'v["command"] == "reload" and v["usage"] == ""'
ctl_expect 4 help nosuch
ctl_ok --json loglevel
json_assert 'v == {"level": "debug"}'
ctl_ok --json reload
json_assert 'v == {"reloaded": True, "config": "'"$WORK/tandem.conf"'"}'
ctl_expect 4 --json hangup 42
json_assert 'v == {"ok": False, "kind": "notfound", "error": "no call 42"}'
# human output of an object: aligned key: value lines
ctl_ok help hangup
grep -q "^command: hangup$" "$WORK/ctl.out" && grep -q "^usage:   CALL$" "$WORK/ctl.out" ||
	fail "help hangup: $(cat "$WORK/ctl.out")"

# a user who may not use the socket
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	chmod 711 "$WORK"
	chmod 755 "$WORK/run"
	setpriv --reuid=nobody --regid="$(getent group nogroup >/dev/null && echo nogroup || id -g nobody)" \
		--clear-groups "$TANDEMCTL" -s "$CTL_SOCK" status >/dev/null 2>"$WORK/ctl.err"
	rc=$?
	[ $rc -eq 3 ] || fail "a stranger got exit status $rc"
	grep -q "permission denied on $CTL_SOCK" "$WORK/ctl.err" || fail "stranger: $(cat "$WORK/ctl.err")"
fi

# another tandemd on the same socket: it does not start, the first answers on
port2=$(free_port)
write_ctl_config "$WORK/second.conf" "$port2" 'socket = "run/ctl.sock";'
"$TANDEMD" -c "$WORK/second.conf" -M "$MODDIR" >"$WORK/second.log" 2>&1 &
second=$!
i=0
while kill -0 $second 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 $second 2>/dev/null && { kill -KILL $second; fail "a second tandemd started on a live socket"; }
wait $second && fail "the second tandemd exited 0"
grep -q "another tandemd answers on $CTL_SOCK" "$WORK/second.log" || fail "second: $(cat "$WORK/second.log")"
ctl_ok status

# reload: a new mode, then a new place (the old file goes), then none
write_ctl_config "$WORK/tandem.conf" "$port" 'socket = "run/ctl.sock"; mode = "0660";'
ctl_ok reload
[ "$(stat -c %a "$CTL_SOCK")" = 660 ] || fail "mode after reload $(stat -c %a "$CTL_SOCK")"
[ "$(stat -c %G "$CTL_SOCK")" = "$(id -gn)" ] || fail "group after reload $(stat -c %G "$CTL_SOCK")"
write_ctl_config "$WORK/tandem.conf" "$port" 'socket = "moved.sock";'
ctl_ok reload
[ -e "$CTL_SOCK" ] && fail "the old socket stays after the move"
CTL_SOCK="$WORK/moved.sock"
ctl_ok status
grep -q "^control_socket: *$CTL_SOCK$" "$WORK/ctl.out" || fail "status after the move: $(cat "$WORK/ctl.out")"
write_ctl_config "$WORK/tandem.conf" "$port" 'socket = "moved.sock"; enabled = false;'
ctl_ok reload
[ -e "$CTL_SOCK" ] && fail "the socket stays when disabled"
kill -HUP "$TANDEM_PID"
write_ctl_config "$WORK/tandem.conf" "$port" 'socket = "moved.sock";'
kill -HUP "$TANDEM_PID"
i=0
while [ ! -S "$CTL_SOCK" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
ctl_ok status

# killed: its socket stays behind, nobody answers (3); the next start
# replaces it
kill -KILL "$TANDEM_PID"
wait "$TANDEM_PID" 2>/dev/null
TANDEM_PID=""
[ -S "$CTL_SOCK" ] || fail "no stale socket after kill -9"
ctl_expect 3 status
grep -q "nobody answers on $CTL_SOCK" "$WORK/ctl.err" || fail "stale socket: $(cat "$WORK/ctl.err")"
start_tandemd "$WORK/tandem.conf"
grep -q "removing the stale socket $WORK/moved.sock" "$WORK/tandemd.log" || fail "stale socket not replaced"
ctl_ok status
stop_tandemd
[ -e "$CTL_SOCK" ] && fail "the socket stays after stop"

# a file that is no socket is never removed
echo "precious" >"$CTL_SOCK"
"$TANDEMD" -c "$WORK/tandem.conf" -M "$MODDIR" >"$WORK/tandemd.log" 2>&1 && fail "started over a regular file"
grep -q "exists and is not a socket" "$WORK/tandemd.log" || fail "regular file: $(cat "$WORK/tandemd.log")"
[ "$(cat "$CTL_SOCK")" = precious ] || fail "the regular file was touched"
echo "ok: control socket place, access, limits, stale and live sockets, reload"
