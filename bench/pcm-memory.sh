#!/bin/sh
# Peak memory of `pcm poll` for a workstation with 50 offered jobs (goal < 8 MB).
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd); BIN=${SMSEMU_BIN:-$TOP/bin}
T=$(mktemp -d "${TMPDIR:-/tmp}/smsemu-bench.XXXXXX"); [ -n "${SMSEMU_KEEP_TMP:-}" ] || trap 'rm -rf "$T"' EXIT
export SMSEMU_FSYNC=0
S="$T/A01"
"$BIN/jobsvc" --site "$S" init "$TOP/samples/site/site.ini" >/dev/null
"$BIN/jobsvc" --site "$S" clock set "1996-02-01 08:00" >/dev/null
"$BIN/jobsvc" --site "$S" package import "$TOP/samples/packages/off95std.pdf" --source "$TOP/samples/packages/office" >/dev/null
i=1
while [ $i -le 50 ]; do
	"$BIN/jobsvc" --site "$S" job create --type "Run Command On Workstation" --package A0100001 \
		--command Typical --target "Machine Path: A01|CORP|WKS0001" --start-after "1996-02-01 08:00" >/dev/null
	i=$((i + 1))
done
"$BIN/logon" --site "$S" user alice --workstation WKS0001 >/dev/null
"$BIN/jobsvc" --site "$S" poll >/dev/null; "$BIN/despooler" --site "$S" poll >/dev/null; "$BIN/logon" --site "$S" poll >/dev/null
/usr/bin/time -f "%M" -o "$T/mem" "$BIN/pcm" --site "$S" --workstation WKS0001 poll > "$T/list"
n=$(grep -c 'A01000' "$T/list")
printf '| pcm poll, %s offered jobs | peak RSS %s KB (goal < 8192 KB) |\n' "$n" "$(cat "$T/mem")"
