#!/bin/sh
# Package archive against tar + gzip, measured in the same run on the same tree:
# `tar czf` vs `jobsvc archive create` (level 6, 2 threads) and `tar xzf` vs
# `jobsvc archive extract`. The tree comes from `bench-archive gen` (deterministic,
# mixed compressibility). Each timing is the median of REPS runs, alternating tools.
#   SIZE_MB=200 FILES=5500 REPS=3 sh bench/archive.sh
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SMSEMU_BIN:-$TOP/bin}
GEN=${BENCH_ARCHIVE:-$TOP/${B:-build}/bench/bench-archive}
SIZE_MB=${SIZE_MB:-200} FILES=${FILES:-5500} REPS=${REPS:-3}
for x in "$BIN/jobsvc" "$GEN"; do
	[ -x "$x" ] || { echo "bench/archive.sh: $x is missing (make, make bench)" >&2; exit 1; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/smsemu-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
export SMSEMU_FSYNC=0 LC_ALL=C

"$GEN" gen "$T/src" "$SIZE_MB" "$FILES"
find "$T/src" -type f -exec cat {} + > /dev/null     # same warm cache for both

# seconds a command takes (its output discarded)
t() { s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N); echo "$s $e" | awk '{ printf "%.3f", $2 - $1 }'; }
median() { tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
tgz() { tar czf "$T/p.tgz" -C "$T/src" .; }
arc() { "$BIN/jobsvc" archive create --level 6 --threads 2 "$T/src" "$T/p.w00"; }
untgz() { rm -rf "$T/x1"; mkdir "$T/x1"; tar xzf "$T/p.tgz" -C "$T/x1"; }
unarc() { rm -rf "$T/x2"; "$BIN/jobsvc" archive extract "$T/p.w00" "$T/x2"; }

c1= c2= x1= x2=
i=0
while [ $i -lt "$REPS" ]; do
	c1="$c1 $(t tgz)"; c2="$c2 $(t arc)"
	rm -rf "$T/x1" "$T/x2"; sync
	x1="$x1 $(t untgz)"; rm -rf "$T/x2"; x2="$x2 $(t unarc)"
	rm -rf "$T/x1" "$T/x2"; sync
	i=$((i + 1))
done
"$BIN/jobsvc" archive extract "$T/p.w00" "$T/x2" > /dev/null
diff -r "$T/src" "$T/x2" > /dev/null || { echo "bench/archive.sh: round trip differs" >&2; exit 1; }
c1=$(echo $c1 | median) c2=$(echo $c2 | median) x1=$(echo $x1 | median) x2=$(echo $x2 | median)
files=$(find "$T/src" -type f | wc -l)
mib=$(find "$T/src" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f", s / 1048576 }')
echo "| $mib MiB in $files files (median of $REPS) | tar + gzip | jobsvc archive | ratio |"
echo "|---|---|---|---|"
echo "$c1 $c2" | awk '{ printf "| compress, level 6 (archive: 2 threads) | %.2f s | %.2f s | %.2f |\n", $1, $2, $2 / $1 }'
echo "$x1 $x2" | awk '{ printf "| extract | %.2f s | %.2f s | %.2f |\n", $1, $2, $2 / $1 }'
echo "$(stat -c %s "$T/p.tgz") $(stat -c %s "$T/p.w00")" |
	awk '{ printf "| size | %d bytes | %d bytes | %.3f |\n", $1, $2, $2 / $1 }'
