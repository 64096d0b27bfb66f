#!/bin/sh
# The dialplan context is chosen per listener: the same number called on
# the "internal" listener rings the callee, on the "public" one it is
# rejected by that context's rules; a listener naming a context the dialplan
# lacks is a configuration error (--check-config says which).
. "$(dirname "$0")/calls_lib.sh"
port2=$(free_port)
write_context_config() {
	cat >"$WORK/$1" <<CONF
log_level = "debug";
modules = ( "echo" );
listen = (
  { transport = "udp"; address = "127.0.0.1"; port = $port; },
  { transport = "udp"; address = "127.0.0.1"; port = $port2; context = "$2"; }
);
sip: { t1_ms = 500; };
echo: { users = ( "echo" ); };
calls: { dial_timeout = 5; context = "internal"; };
dialplan: {
  internal: ( { match = "^bob$"; do = ( "dial(sip:bob@127.0.0.1:$uas_port, 5)" ); } );
  public: ( { match = "^bob$"; do = ( "reject(403, Not From Outside)" ); } );
};
CONF
}
write_context_config bad.conf nosuch
"$TANDEMD" --check-config -c "$WORK/bad.conf" -M "$MODDIR" >"$WORK/check.out" 2>&1 &&
	fail "--check-config accepted a listener context the dialplan lacks"
grep -q "context 'nosuch'" "$WORK/check.out" || fail "the error does not name the context: $(cat "$WORK/check.out")"

write_context_config tandem.conf public
start_tandemd "$WORK/tandem.conf"
uas_start call_uas
uac_run call_uac bob
uas_wait call_uas
sed "s/\"CODE\"/\"403\"/" \
	"$SCEN/call_uac_fail.xml" >"$WORK/public_403.xml"
SCEN=$WORK sipp_run public_403 127.0.0.1:"$port2" -i 127.0.0.1 -s bob
grep -q "Not From Outside" "$WORK/sipp-public_403-msg.log" || fail "the public context did not answer"
grep -q "INVITE alice -> bob (context public)" "$WORK/tandemd.log" || fail "no public context logged"
assert_no_calls
echo "ok: per-listener contexts, an unknown one refused at load"
