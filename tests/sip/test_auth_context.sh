#!/bin/sh
# ${auth_user} and the user's own context (users.conf `context`) after the
# dialplan's auth action, for INVITE and MESSAGE.
. "$(dirname "$0")/lib.sh"
port=$(free_port)
write_users "$WORK/users.conf" 1001:pw1001:staff 1002:pw1002 1003:pw1003:guests
cat >"$WORK/tandem.conf" <<CONF
log_level = "debug";
modules = ( "auth" );
listen = ( { transport = "udp"; address = "127.0.0.1"; port = $port; } );
auth: { users_file = "users.conf"; };
dialplan: {
  internal: ( { do = ( "auth", "reject(403, No Context \${auth_user})" ); } );
  staff: ( { match = "^2000\$"; do = ( "auth", "reject(486, Staff \${auth_user})" ); } );
  guests: ( { match = "^3000\$"; do = ( "reject(480, Guest \${auth_user})" ); } );
};
CONF
start_tandemd "$WORK/tandem.conf"
python3 "$top_srcdir/tests/sip/test_auth_context.py" "$port" || fail "test_auth_context.py"
stop_tandemd
grep -q "calls alive: 0 (" "$WORK/tandemd.log" || fail "calls left at stop"
echo "ok: \${auth_user} and the user's context"
