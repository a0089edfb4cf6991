#!/bin/sh
# Replay every fuzz target over its checked-in corpus (tests/fuzz/corpus/<target>/).
# Runs under the same sanitizers as the rest of `make check`.
. "${SMSEMU_TOP:-.}/tests/lib.sh"
n=0
for bin in "$SMSEMU_FUZZ"/fuzz-*-replay; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin" -replay); name=${name#fuzz-}
	n=$((n + 1))
	corpus="$SMSEMU_TOP/tests/fuzz/corpus/$name"
	if [ -d "$corpus" ] && "$bin" "$corpus" >/dev/null 2>"$T/err"; then
		ok "fuzz corpus replay: $name"
	else
		cat "$T/err" >&2; not_ok "fuzz corpus replay: $name (corpus $corpus)"
	fi
done
[ $n -gt 0 ] || skip_all "no fuzz targets built"
done_testing
