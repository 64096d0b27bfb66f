#!/bin/sh
# A module action's own outcomes (tandem_route_set_outcome,
# tandem_call_resume_outcome; a queue's timeout, full, empty) pick the
# dialplan's on(...) continuations, through SIPp callers:
# 1. "full" at once: on(full): reject(486, Queue Full) answers the caller;
# 2. "timeout" 300 ms after a SUSPEND: on(timeout): reject(408) answers;
# 3. "empty" with no continuation for it: the caller gets the action's
#    own code, 503, with its Retry-After.
. "$(dirname "$0")/calls_lib.sh"
[ -f "$top_builddir/tests/sip/.libs/mod_ctl.so" ] || fail "mod_ctl.so not built (make check builds it)"
MODDIR=$WORK/modules
mkdir -p "$MODDIR"
ln -s "$top_builddir/.libs/mod_rtprelay.so" "$top_builddir/tests/sip/.libs/mod_ctl.so" "$MODDIR/"
cat >"$WORK/tandem.conf" <<CONF
log_level = "debug";
modules = ( "ctl" );
listen = ( { transport = "udp"; address = "127.0.0.1"; port = $port; } );
sip: { t1_ms = 500; };
dialplan: {
  internal: (
    { match = "^full$"; do = ( "ctl_outcome(full, 0, 503)", "on(timeout): reject(408)",
                               "on(full): reject(486, Queue Full)" ); },
    { match = "^later$"; do = ( "ctl_outcome(timeout, 300, 503)", "on(full): reject(486)",
                                "on(timeout): reject(408, Waited Too Long)" ); },
    { match = "^empty$"; do = ( "ctl_outcome(empty, 300, 503)", "on(full|timeout): reject(486)" ); }
  );
};
CONF
start_tandemd "$WORK/tandem.conf"
uac_fail 486 full
grep -q "ctl: call .*: outcome full now: 0" "$WORK/tandemd.log" || fail "the outcome was not set"
uac_fail 408 later
grep -q "ctl: outcome resumed: 0" "$WORK/tandemd.log" || fail "the plan was not resumed with the outcome"
sed -e 's|<recv response="CODE"/>|<recv response="503"><action><ereg regexp="^ *30" search_in="hdr" header="Retry-After:" check_it="true" assign_to="ra"/></action></recv>|' \
    -e 's|</scenario>|<Reference variables="ra"/></scenario>|' "$SCEN/call_uac_fail.xml" >"$WORK/empty_503.xml"
SCEN=$WORK uac_run empty_503 empty
assert_no_calls
echo "ok: on(full), on(timeout) after a SUSPEND, and the action's own 503 + Retry-After when nothing continues"
