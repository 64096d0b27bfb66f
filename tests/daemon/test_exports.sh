#!/bin/sh
# tandemd's dynamic symbol table is the module API, exactly:
#  1. it exports tandem_* and sip_* names only (tandemd.sym);
#  2. it exports nothing include/tandem/ does not declare (the core is built
#     with -fvisibility=hidden: its helpers stay private whatever their name);
#  3. every function or variable include/tandem/ declares and the core
#     defines is exported (a header without TANDEM_API_BEGIN, or a definition
#     whose .c does not include its header, would hide it);
#  4. every core symbol a built module (modules/, tests/) needs is exported,
#     or dlopen would refuse the module at start-up;
# and each include/tandem/ header compiles on its own, as installed.
. "$(dirname "$0")/../sip/lib.sh"
CC=${TANDEM_CC:-cc}
NM=${TANDEM_NM:-nm}
CORE="$top_builddir/libtandemcore.a"
[ -x "$TANDEMD" ] || fail "no tandemd in $top_builddir"
[ -f "$CORE" ] || fail "no libtandemcore.a in $top_builddir"

# Defined dynamic symbols; name@VERSION ones are libc data copied into the
# executable by copy relocations (stdout, optarg...), and __asan_* ones the
# sanitizer runtime's (--enable-sanitizers): not ours.
$NM -D --defined-only "$TANDEMD" | awk 'NF >= 3 { print $3 }' | grep -v -e @ -e '^__[a-z]*san_' |
	sort -u >"$WORK/exported"
# Every external definition in the core objects, hidden or not.
$NM -g --defined-only "$CORE" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u >"$WORK/core_defs"
# Every identifier of the public headers once preprocessed (no comments).
for h in "$top_srcdir"/include/tandem/*.h; do
	echo "#include <tandem/$(basename "$h")>"
done >"$WORK/all.c"
# shellcheck disable=SC2086
$CC -E -P -I"$top_srcdir/include" ${TANDEM_API_CPPFLAGS:-} "$WORK/all.c" >"$WORK/all.i" \
	|| fail "include/tandem/*.h do not preprocess together"
tr -cs 'A-Za-z0-9_' '\n' <"$WORK/all.i" | sort -u >"$WORK/hdr_words"
# Installed, each header is included on its own: it must compile alone.
for h in "$top_srcdir"/include/tandem/*.h; do
	echo "#include <tandem/$(basename "$h")>" >"$WORK/one.c"
	# shellcheck disable=SC2086
	$CC -std=gnu11 -Wall -Wextra -Werror -fsyntax-only -I"$top_srcdir/include" \
		${TANDEM_API_CPPFLAGS:-} "$WORK/one.c" >"$WORK/one.out" 2>&1 ||
		{ cat "$WORK/one.out"; fail "include/tandem/$(basename "$h") does not compile on its own"; }
done
comm -12 "$WORK/hdr_words" "$WORK/core_defs" >"$WORK/declared"

# The test must not pass on empty lists.
[ "$(wc -l <"$WORK/exported")" -ge 50 ] || fail "tandemd exports $(wc -l <"$WORK/exported") symbols: nm failed?"
[ "$(wc -l <"$WORK/declared")" -ge 50 ] || fail "only $(wc -l <"$WORK/declared") core symbols declared in include/tandem/?"
grep -qx tandem_log "$WORK/exported" || fail "tandem_log is not exported"
grep -qx loader_run_hooks "$WORK/core_defs" || fail "nm does not list the core's internal symbols"

bad=$(grep -v -E '^(tandem_|sip_)' "$WORK/exported")
[ -z "$bad" ] || fail "tandemd exports names outside tandem_*/sip_*: $(echo $bad)"
bad=$(comm -23 "$WORK/exported" "$WORK/declared")
[ -z "$bad" ] || fail "tandemd exports symbols include/tandem/ does not declare: $(echo $bad)"
bad=$(comm -23 "$WORK/declared" "$WORK/exported")
[ -z "$bad" ] || fail "declared in include/tandem/ and defined in the core, but hidden (a header without TANDEM_API_BEGIN? a name outside tandem_*/sip_*?): $(echo $bad)"

nmods=0
for so in "$top_builddir"/.libs/mod_*.so "$top_builddir"/tests/*/.libs/mod_*.so; do
	[ -f "$so" ] || continue
	nmods=$((nmods + 1))
	$NM -D --undefined-only "$so" | awk '{ print $NF }' | grep -v @ | sort -u >"$WORK/undef"
	bad=$(comm -12 "$WORK/undef" "$WORK/core_defs" | comm -23 - "$WORK/exported")
	[ -z "$bad" ] || fail "$(basename "$so") needs core symbols tandemd does not export: $(echo $bad)"
done
[ $nmods -ge 4 ] || fail "only $nmods modules found under $top_builddir"
echo "tandemd exports $(wc -l <"$WORK/exported") symbols, all declared in include/tandem/; $nmods modules resolve"
