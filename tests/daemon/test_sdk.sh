#!/bin/sh
# The module SDK as a module author meets it (issue 13): `make install`
# into a throwaway DESTDIR puts the headers, tandem.pc, the guide and the
# example's source there; the installed example (examples/timeofday) is
# built out of tree with nothing but `pkg-config --cflags --libs tandem`
# against the installed headers, installed into the module folder
# tandem.pc names and loaded by the installed tandemd. SIPp calls then
# show its office_hours() action: a schedule open now lets the plan go on
# to the callee, one closed now (its hours are another week day in its own
# time zone) sends the call to on(closed), and a holiday today gates the
# rest of the rule (the schedule's own code, no dial). Bad specs are
# refused by --check-config with file:line.
. "$(dirname "$0")/../sip/calls_lib.sh"
export LC_ALL=C
DEST="$WORK/dest"

# 1. make install (a fresh make, not the one running the tests)
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL ${TANDEM_MAKE:-make} -s -C "$top_builddir" install \
	DESTDIR="$DEST" >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; fail "make install failed"; }
pc=$(find "$DEST" -name tandem.pc -path '*/pkgconfig/*')
[ -n "$pc" ] || fail "make install put no tandem.pc in $DEST"
inst_tandemd=$(find "$DEST" -name tandemd -type f -perm -u+x | head -n 1)
[ -n "$inst_tandemd" ] || fail "make install put no tandemd in $DEST"
for h in "$top_srcdir"/include/tandem/*.h; do
	[ -n "$(find "$DEST" -path "*/include/tandem/$(basename "$h")")" ] ||
		fail "include/tandem/$(basename "$h") is not installed"
done
guide=$(find "$DEST" -path '*/doc/tandem/MODULES.md')
[ -n "$guide" ] || fail "docs/MODULES.md is not installed"
example=$(dirname "$guide")/examples/timeofday
[ -f "$example/Makefile" ] && [ -f "$example/mod_timeofday.c" ] || fail "the example's source is not installed"
# and the rest of the packaging: manual pages, the unit and its user
for f in man8/tandemd.8 man8/tandemctl.8 man5/tandem.conf.5 systemd/system/tandemd.service \
	sysusers.d/tandem.conf; do
	[ -n "$(find "$DEST" -path "*/$f")" ] || fail "make install put no $f in $DEST"
done

# 2. the installed example, built out of tree: the DESTDIR is the sysroot
# pkg-config prefixes to tandem.pc's paths
export PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$DEST"
flags=$(pkg-config --cflags --libs tandem) || fail "pkg-config does not find the installed tandem"
moddir=$(pkg-config --variable=moduledir tandem)
case "$flags" in *"$DEST"*/include*) ;; *) fail "pkg-config --cflags: '$flags' is not the installed tree" ;; esac
case "$moddir" in "$DEST"/*) ;; *) fail "moduledir '$moddir' is not under $DEST" ;; esac
cp -r "$example" "$WORK/ext"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL ${TANDEM_MAKE:-make} -C "$WORK/ext" CC="${TANDEM_CC:-cc}" \
	CFLAGS="-O2 -Wall -Wextra -Werror" install >"$WORK/ext.log" 2>&1 ||
	{ cat "$WORK/ext.log"; fail "the example does not build out of tree"; }
grep -q -- "-I$DEST" "$WORK/ext.log" || fail "the example's build did not use the installed headers"
! grep -q -e "$top_srcdir" -e "$top_builddir" "$WORK/ext.log" || fail "the example's build saw the source tree"
[ -f "$moddir/mod_timeofday.so" ] || fail "make install of the example put nothing in $moddir"

# 3. the installed tandemd with its installed modules and the example
TANDEMD=$inst_tandemd
MODDIR=$moddir
east_day=$(TZ=Etc/GMT-14 date +%a | tr 'A-Z' 'a-z')
# a day's end in the east during the test would make "now" another day
[ "$(TZ=Etc/GMT-14 date +%H%M)" -lt 2359 ] || sleep 61
east_day=$(TZ=Etc/GMT-14 date +%a | tr 'A-Z' 'a-z')
# UTC's yesterday, today and tomorrow: today whatever the clock does meanwhile
holidays=""
for d in -1 0 1; do
	holidays="$holidays${holidays:+, }\"$(date -u -d "$d day" +%F)\""
done
write_config "$WORK/tandem.conf" "$port" "
timeofday: {
  # Etc/GMT-14 is UTC+14, Etc/GMT+12 UTC-12: 26 hours apart, never the same date
  east: { hours = ( \"$east_day 00:00-12:00\", \"$east_day 12:00-24:00\" ); timezone = \"Etc/GMT-14\"; };
  west: { hours = ( \"$east_day\" ); timezone = \"Etc/GMT+12\"; };
  holiday: { hours = ( \"mon-sun\" ); holidays = ( \"01-01\", $holidays ); timezone = \"UTC\";
             code = 403; reason = \"Holiday\"; };
};
calls: { dial_timeout = 5; };
dialplan: {
  internal: (
    { match = \"^open$\"; do = ( \"office_hours(east)\", \"on(closed): reject(603, Closed)\",
                               \"dial(sip:office@127.0.0.1:$uas_port, 5)\" ); },
    { match = \"^closed$\"; do = ( \"office_hours(west)\", \"on(closed): reject(603, Closed)\",
                                 \"dial(sip:office@127.0.0.1:$uas_port, 5)\" ); },
    { match = \"^holiday$\"; do = ( \"office_hours(holiday)\",
                                  \"dial(sip:office@127.0.0.1:$uas_port, 5)\" ); }
  );
};"
sed -i 's/^modules = ( "echo" );/modules = ( "echo", "timeofday" );/' "$WORK/tandem.conf"
"$TANDEMD" --check-config -c "$WORK/tandem.conf" -M "$MODDIR" >"$WORK/check.log" 2>&1 ||
	{ cat "$WORK/check.log"; fail "--check-config refuses the test's config"; }
start_tandemd "$WORK/tandem.conf"
grep -q "mod_timeofday: 3 schedule(s)" "$WORK/tandemd.log" || fail "mod_timeofday did not load its schedules"

# open: the plan goes on to the callee, who answers
uas_start call_uas
uac_run call_uac open
uas_wait call_uas
grep -q "east is open" "$WORK/tandemd.log" || fail "no 'east is open' line"
# closed (another day there): on(closed) answers, the dial never runs
uac_fail 603 closed
grep -q "west is closed (outside its hours)" "$WORK/tandemd.log" || fail "no 'west is closed' line"
# a holiday today, no on(closed): the schedule's own code, no dial either
uac_fail 403 holiday
grep -q "SIP/2.0 403 Holiday" "$WORK/sipp-call_uac_fail_403-msg.log" || fail "not the schedule's reason"
grep -q "holiday is closed (a holiday)" "$WORK/tandemd.log" || fail "no 'holiday is closed' line"
[ "$(grep -c "B-leg sip:office@" "$WORK/tandemd.log")" -eq 1 ] || fail "a closed schedule's rule dialled"
assert_no_calls

# 4. bad specs: refused with the file and line of the setting
bad_config() {
	write_config "$WORK/bad.conf" "$port" "$1"
	sed -i 's/^modules = ( "echo" );/modules = ( "echo", "timeofday" );/' "$WORK/bad.conf"
	if "$TANDEMD" --check-config -c "$WORK/bad.conf" -M "$MODDIR" >"$WORK/bad.log" 2>&1; then
		fail "--check-config accepted: $1"
	fi
	line=$(grep -n -- "$2" "$WORK/bad.conf" | head -n 1 | cut -d: -f1)
	grep -q "bad.conf:$line: .*$3" "$WORK/bad.log" || { cat "$WORK/bad.log"; fail "no 'bad.conf:$line: $3' for: $1"; }
}
bad_config "timeofday: { office: { hours = ( \"mon-fri 08:30-17:00\",
  \"mon-fry 09:00-12:00\" ); }; };" "mon-fry" "office: hours\\[1\\]: unknown day 'fry'"
bad_config "timeofday: { office: { hours = ( \"mon-fri 08:30-17:60\" ); }; };" "17:60" "bad times"
bad_config "timeofday: { office: { hours = ( \"mon\" );
  holidays = ( \"02-30\" ); }; };" "02-30" "no such date '02-30'"
bad_config "timeofday: { office: { hours = ( \"mon\" );
  timezone = \"Europe/Atlantis\"; }; };" "Atlantis" "unknown timezone 'Europe/Atlantis'"
bad_config "timeofday: { office: { holidays = ( \"12-25\" ); }; };" "office:" "no 'hours'"
bad_config "timeofday: { office: { hours = ( \"mon\" ); }; };
dialplan: { internal: (
  { do = ( \"office_hours(shop)\" ); } ); };" "office_hours(shop)" "no such schedule"
echo "ok: installed, the example built out of tree with pkg-config and loaded; open, closed and holiday calls; bad specs with file:line"
