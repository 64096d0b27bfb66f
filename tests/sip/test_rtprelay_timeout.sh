#!/bin/sh
# mod_rtprelay media timeout: an answered call whose media stops is ended
# with BYE on both legs, but not while it is on hold (a=inactive).
. "$(dirname "$0")/rtprelay_lib.sh"
write_relay_config "media_timeout = 2;"
start_tandemd "$WORK/tandem.conf"
peers timeout
grep -q "hung up by a module: media timeout" "$WORK/tandemd.log" || fail "no media timeout logged"
assert_relay_idle
echo "ok: media timeout"
