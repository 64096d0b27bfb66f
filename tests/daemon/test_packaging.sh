#!/bin/sh
# Packaging (issue 13): tandem.conf(5) names every key the core and the
# modules read (taken from their config readers, so a new key without its
# line in the manual fails here), the manual pages format without a
# warning, and the systemd unit passes `systemd-analyze verify` with the
# options its hardening relies on.
. "$(dirname "$0")/../sip/lib.sh"
man5="$top_builddir/docs/man/tandem.conf.5"
unit="$top_builddir/etc/tandemd.service"
[ -f "$man5" ] && [ -f "$unit" ] || fail "docs/man/tandem.conf.5 or etc/tandemd.service not built"

# the keys: the literal names the readers look up
{
	sed -n 's/.*known\[\] = {\(.*\)/\1/p' "$top_srcdir/core/config.c"
	grep -h -o -E '(read_number|read_string)\(errs, [a-z]+, "[a-z_0-9]+"' "$top_srcdir/core/config.c"
	grep -h -o -E 'config_setting_lookup_[a-z0-9]+\([a-z]+, "[a-z_0-9]+"' \
		"$top_srcdir/core/config.c" "$top_srcdir/core/call/call_config.c" \
		"$top_srcdir"/modules/*/*.c "$top_srcdir"/examples/*/*.c
	grep -h -o -E 'config_setting_get_member\([a-z]+, "[a-z_0-9]+"' \
		"$top_srcdir"/modules/*/*.c "$top_srcdir"/examples/*/*.c
	grep -h -o -E '(tandem_config_uint\([A-Za-z_"]+, [a-z]+|read_uint\([a-z]+|opt_(str|bool)\(g|read_path\(cfg|read_list\(g|read_choice\(g|read_specs\(g), "[a-z_0-9]+"' \
		"$top_srcdir"/modules/*/*.c "$top_srcdir"/examples/*/*.c
} | grep -o -E '"[a-z_0-9]+"' | tr -d '"' | sort -u >"$WORK/keys"
[ "$(wc -l <"$WORK/keys")" -ge 80 ] || fail "only $(wc -l <"$WORK/keys") keys found: the extraction broke"
grep -qx max_connections_per_ip "$WORK/keys" && grep -qx full_code "$WORK/keys" &&
	grep -qx retry_max "$WORK/keys" || fail "the key extraction misses known keys"
missing=""
for k in $(cat "$WORK/keys"); do
	grep -q -E "^\.B[RI]? +\\\\?\"?\(?($k|.*[ ,]$k)\b" "$man5" || grep -q -E "\.B +$k\b|\.BR +$k\b|\.BR .* $k\b|^\.B $k$" "$man5" ||
		missing="$missing $k"
done
[ -z "$missing" ] || fail "tandem.conf(5) does not name:$missing"

# formats cleanly
if command -v groff >/dev/null 2>&1; then
	for m in "$top_builddir"/docs/man/*.[58]; do
		out=$(groff -man -ww -z "$m" 2>&1)
		[ -z "$out" ] || fail "$(basename "$m"): $out"
	done
fi

# the unit: hardening in place, accepted by systemd (when it is here)
for opt in Type=notify User=tandem NoNewPrivileges=yes ProtectSystem=strict \
	ReadWritePaths=/var/lib/tandem ProtectHome=yes PrivateTmp=yes \
	CapabilityBoundingSet=CAP_NET_BIND_SERVICE ExecReload=; do
	grep -q "^$opt" "$unit" || fail "the unit has no $opt"
done
grep -q "^ExecStart=/.*/tandemd -c /.*/tandem/tandem.conf$" "$unit" || fail "ExecStart is not the installed tandemd"
if command -v systemd-analyze >/dev/null 2>&1; then
	# verify wants the binary it names: this build's
	sed "s|^\(Exec[A-Za-z]*=\)[^ ]*/tandemd|\1$TANDEMD|" "$unit" >"$WORK/tandemd.service"
	systemd-analyze verify --man=no "$WORK/tandemd.service" >"$WORK/verify.out" 2>&1 ||
		fail "systemd-analyze verify: $(cat "$WORK/verify.out")"
fi
echo "ok: tandem.conf(5) names all $(wc -l <"$WORK/keys") keys; the pages format cleanly; the unit verifies"
