#!/bin/sh
# make bench: build and run every benchmark; each prints markdown rows with its figures
# and the ratio against the baseline measured in the same run. Paste them into
# bench/RESULTS.md (or run with RESULTS=bench/RESULTS.new to collect them).
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
export SMSEMU_BIN=${SMSEMU_BIN:-$TOP/bin} SMSEMU_TOP=$TOP TZ=UTC LANG=C
out=${RESULTS:-/dev/stdout}
{
	echo "# benchmark run $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores, $(uname -r)"
	for b in "$TOP/$B"/bench/bench-*; do
		[ -x "$b" ] || continue
		echo; echo "## $(basename "$b")"
		"$b"
	done
	for s in "$TOP"/bench/*.sh; do
		[ "$(basename "$s")" = run.sh ] && continue
		echo; echo "## $(basename "$s")"
		sh "$s"
	done
} > "$out"
