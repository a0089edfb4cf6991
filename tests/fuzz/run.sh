#!/bin/sh
# Run every libFuzzer binary in DIR for $FUZZ_SECONDS, two at a time (2 cores), with
# its checked-in corpus; new inputs land in build-fuzz/corpus/<target>/ (outside the
# checkout; FUZZ_UPDATE_CORPUS=1 adds them to tests/fuzz/corpus/ instead), crashes in
# build-fuzz/crashes.
set -u
dir=$1; secs=${FUZZ_SECONDS:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$top/build-fuzz/crashes" "$top/build-fuzz/logs"
run() {
	n=$(basename "$1"); name=${n#fuzz-}
	seeds="$top/tests/fuzz/corpus/$name"
	out="$top/build-fuzz/corpus/$name"
	[ -n "${FUZZ_UPDATE_CORPUS:-}" ] && out=$seeds
	mkdir -p "$seeds" "$out"
	# the first directory receives what libFuzzer finds; the others are read only
	"$1" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	     -artifact_prefix="$top/build-fuzz/crashes/$name-" \
	     "$out" $( [ "$out" = "$seeds" ] || echo "$seeds" ) > "$top/build-fuzz/logs/$name.log" 2>&1
	echo "$name: exit $? after ${secs}s, $(grep -c . /dev/null) $(tail -1 "$top/build-fuzz/logs/$name.log")"
}
set -- "$dir"/fuzz-*
while [ $# -gt 0 ]; do
	run "$1" & p1=$!
	if [ $# -gt 1 ]; then run "$2" & p2=$!; wait $p2; shift; fi
	wait $p1; shift
done
ls "$top/build-fuzz/crashes" | grep . && { echo "crashes found"; exit 1; }
exit 0
