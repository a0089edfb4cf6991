#!/bin/sh
# Minimize the checked-in corpora after a fuzzing campaign (libFuzzer -merge=1): keeps the
# smallest set of inputs that covers what the whole corpus covers.
#   sh tests/fuzz/minimize.sh build-fuzz/fuzzers
set -eu
dir=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
for f in "$dir"/fuzz-*; do
	name=${f##*/fuzz-}
	c="$top/tests/fuzz/corpus/$name"
	[ -d "$c" ] || continue
	tmp=$(mktemp -d)
	"$f" -merge=1 "$tmp" "$c" >/dev/null 2>&1
	rm -rf "$c"; mkdir -p "$c"; cp "$tmp"/* "$c"/ 2>/dev/null || true
	rm -rf "$tmp"
	echo "$name: $(ls "$c" | wc -l) inputs"
done
