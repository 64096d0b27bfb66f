#!/bin/sh
# Build and run the parser benchmark, then count instructions per message
# with callgrind. usage: bench/run-parse.sh [build-dir] [iterations]
# Without a build dir, an out-of-tree build is configured in /tmp.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-}
iters=${2:-2000000}
if [ -z "$build" ]; then
	build=${TMPDIR:-/tmp}/tandem-bench-build
	if [ ! -f "$build/Makefile" ]; then
		mkdir -p "$build"
		(cd "$build" && "$src/configure" >/dev/null)
	fi
fi
make -C "$build" -s bench/parse >/dev/null
bin=$build/bench/parse

echo "== wall clock"
"$bin" "$iters"
"$bin" "$iters" --validate

if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind not installed: skipping the instruction count"
	exit 0
fi
echo "== callgrind (instructions per message, setup cost subtracted)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
count() { # iterations [--validate] -> total Ir
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$bin" "$@" >/dev/null 2>&1
	awk '/^(summary|totals):/ { print $2; exit }' "$tmp/cg.out"
}
n1=1000
n2=21000
for mode in "" --validate; do
	a=$(count $n1 $mode)
	b=$(count $n2 $mode)
	echo "parse${mode:++validate}: $(( (b - a) / (n2 - n1) )) instructions/message"
done
