#!/bin/sh
# Run every libFuzzer binary in DIR for $FUZZ_SECONDS, two at a time (2 cores), with
# its checked-in corpus; new inputs land in the corpus, crashes in build-fuzz/crashes.
set -u
dir=$1; secs=${FUZZ_SECONDS:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$top/build-fuzz/crashes" "$top/build-fuzz/logs"
run() {
	n=$(basename "$1"); name=${n#fuzz-}
	mkdir -p "$top/tests/fuzz/corpus/$name"
	"$1" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	     -artifact_prefix="$top/build-fuzz/crashes/$name-" \
	     "$top/tests/fuzz/corpus/$name" > "$top/build-fuzz/logs/$name.log" 2>&1
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
