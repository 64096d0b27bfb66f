#!/bin/sh
# MESSAGE outside a dialog (RFC 3428): routed by the dialplan, relayed with
# tandem's identifiers and the body untouched; too big a body gets 513.
. "$(dirname "$0")/calls_lib.sh"
write_calls_config
start_tandemd "$WORK/tandem.conf"
uas_start call_uas_message
uac_run call_uac_message bob
uas_wait call_uas_message
uac_run call_uac_message_big bob
assert_no_calls
echo "ok: MESSAGE relayed, 513 for a big body"
