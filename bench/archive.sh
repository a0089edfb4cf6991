#!/bin/sh
# Package archive vs tar+gzip on the same 200 MB tree of ~5,500 files (mixed
# compressibility), measured in the same run.  SIZE_MB=200 FILES=5500 by default.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd); BIN=${SMSEMU_BIN:-$TOP/bin}
SIZE_MB=${SIZE_MB:-200}; FILES=${FILES:-5500}
T=$(mktemp -d "${TMPDIR:-/tmp}/smsemu-bench.XXXXXX"); [ -n "${SMSEMU_KEEP_TMP:-}" ] || trap 'rm -rf "$T"' EXIT
export SMSEMU_FSYNC=0
python3 - "$T/src" "$SIZE_MB" "$FILES" <<'PY'
import os, sys, random
root, size_mb, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(1); per = size_mb * 1024 * 1024 // files
words = [b"setup", b"office", b"windows", b"package", b"install", b"kernel32", b"dll", b"\x00\x01"]
for i in range(files):
    d = os.path.join(root, "DIR%02d" % (i % 40), "SUB%d" % (i % 7)); os.makedirs(d, exist_ok=True)
    if i % 3 == 0: data = os.urandom(per)                       # compressed already
    else: data = b" ".join(random.choice(words) for _ in range(per // 6))[:per]
    open(os.path.join(d, "F%05d.BIN" % i), "wb").write(data)
PY
t() { s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
sync
a=$(t tar czf "$T/p.tgz" -C "$T/src" .)
b=$(t "$BIN/jobsvc" archive create --level 6 "$T/src" "$T/p.w00")
mkdir "$T/x1"
c=$(t tar xzf "$T/p.tgz" -C "$T/x1")
d=$(t "$BIN/jobsvc" archive extract "$T/p.w00" "$T/x2")
printf '| compress %s MB, %s files, level 6 | tar czf %.2f s | archive create %.2f s | ratio %.2f |\n' "$SIZE_MB" "$FILES" "$a" "$b" "$(echo "$b / $a" | bc -l)"
printf '| extract | tar xzf %.2f s | archive extract %.2f s | ratio %.2f |\n' "$c" "$d" "$(echo "$d / $c" | bc -l)"
printf '| sizes | %s bytes (tgz) | %s bytes (archive) | |\n' "$(stat -c %s "$T/p.tgz")" "$(stat -c %s "$T/p.w00")"
