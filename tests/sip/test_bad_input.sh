#!/bin/sh
# Malformed and unsupported requests over real UDP/TCP sockets.
. "$(dirname "$0")/lib.sh"
port=$(free_port)
write_config "$WORK/tandem.conf" "$port"
sed -i 's/sip: {/sip: { max_message_size = 4096;/' "$WORK/tandem.conf"
start_tandemd "$WORK/tandem.conf"
PYTHONPATH="$top_srcdir/tests/sip" python3 "$top_srcdir/tests/sip/test_bad_input.py" "$port" \
	|| fail "bad-input cases"
stop_tandemd
