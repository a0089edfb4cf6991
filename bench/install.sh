#!/bin/sh
# Installing a 200 MB package on a distribution share (the Despooler's whole pass:
# verify, decompress, stage beside, swap in) against `cp -a` of the same tree, measured
# in the same run.  SIZE_MB=200 FILES=5500 by default.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd); BIN=${SMSEMU_BIN:-$TOP/bin}
SIZE_MB=${SIZE_MB:-200}; FILES=${FILES:-5500}
T=$(mktemp -d "${TMPDIR:-/tmp}/smsemu-bench.XXXXXX"); [ -n "${SMSEMU_KEEP_TMP:-}" ] || trap 'rm -rf "$T"' EXIT
export SMSEMU_FSYNC=${SMSEMU_FSYNC:-0}
python3 - "$T/src" "$SIZE_MB" "$FILES" <<'PY'
import os, sys, random
root, size_mb, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(2); per = size_mb * 1024 * 1024 // files
for i in range(files):
    d = os.path.join(root, "DIR%02d" % (i % 40)); os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "F%05d.BIN" % i), "wb").write(os.urandom(per // 2) + bytes(per - per // 2))
PY
cat > "$T/site.ini" <<EOS
[Site A01]
Response=Fast
[Server SRV01]
Site=A01
Roles=site, logon
Drives=C:100000
[Server DIST1]
Site=A01
Roles=distribution
Drives=C:100000
[Domain D]
Site=A01
LogonServers=SRV01
EOS
S="$T/A01"
"$BIN/jobsvc" --site "$S" init "$T/site.ini" >/dev/null
"$BIN/jobsvc" --site "$S" clock set "1996-02-01 08:00" >/dev/null
"$BIN/jobsvc" --site "$S" package import "$TOP/samples/packages/off95std.pdf" --source "$T/src" --server-source "$T/src" >/dev/null
"$BIN/jobsvc" --site "$S" job create --type "Share Package On Server" --package A0100001 --start-after "1996-02-01 08:00" >/dev/null
"$BIN/jobsvc" --site "$S" poll >/dev/null      # compress + send into RECEIVE
t() { s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
sync
a=$(t cp -a "$T/src" "$T/cp-copy")
b=$(t "$BIN/despooler" --site "$S" poll)
c=$(t "$BIN/jobsvc" archive extract "$S/servers/SRV01/C/SMS/SITE.SRV/DESPOOLR.BOX/STORE/A0100001.SRV" "$T/x")
[ -f "$S/servers/DIST1/C/OFFICE95/DIR00/F00000.BIN" ] || { echo "install failed"; exit 1; }
printf '| install %s MB, %s files on a share | cp -a %.2f s | despooler pass %.2f s (of which decompressing %.2f s) | ratio %.2f (pass), %.2f (install without decompression) |\n' \
	"$SIZE_MB" "$FILES" "$a" "$b" "$c" "$(echo "$b / $a" | bc -l)" "$(echo "($b - $c) / $a" | bc -l)"
