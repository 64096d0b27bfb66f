#!/bin/sh
# The callee holds and resumes the caller with re-INVITEs (relayed with the
# caller's own dialog identifiers), then hangs up: BYE reaches the caller.
. "$(dirname "$0")/calls_lib.sh"
write_calls_config
start_tandemd "$WORK/tandem.conf"
uas_start call_uas_byeb
uac_run call_uac_byeb bob
uas_wait call_uas_byeb
grep -q "BYE from B" "$WORK/tandemd.log" || fail "no BYE from the callee logged"
assert_no_calls
echo "ok: re-INVITE from the callee, BYE from the callee"
