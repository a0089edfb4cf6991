#!/bin/sh
# 30 virtual days of a site with N workstations in 10 domains and 20 jobs (offer,
# mandatory, expiry; a failing outcome; a locked share with forced delivery): wall time
# and peak memory of `jobsvc simulate`, at 1,000 and 10,000 workstations by default;
# 100,000 is opt-in (it takes minutes): SIM_SIZES="1000 10000 100000", or
# SMSEMU_BENCH_LARGE=1 in the environment to add it (SMSEMU_BENCH_LARGE=1 make bench).
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd); BIN=${SMSEMU_BIN:-$TOP/bin}
T=$(mktemp -d "${TMPDIR:-/tmp}/smsemu-bench.XXXXXX"); [ -n "${SMSEMU_KEEP_TMP:-}" ] || trap 'rm -rf "$T"' EXIT
# a simulation never syncs (smsemu-scenario(5)); nothing to turn off
DEFAULT_SIZES="1000 10000"; [ -z "${SMSEMU_BENCH_LARGE:-}" ] || DEFAULT_SIZES="$DEFAULT_SIZES 100000"
for N in ${SIM_SIZES:-$DEFAULT_SIZES}; do
	per=$((N / 10))
	{
	cat <<EOS
[Scenario]
Start=1996-03-01 08:00
Until=1996-03-31 08:00
[Site A01]
Response=Fast
PCMPollingInterval=60
[Server SITESRV]
Site=A01
Roles=site, distribution
Drives=C:50000
Registry=$TOP/samples/registry/forced-kb.reg
EOS
	for d in 0 1 2 3 4 5 6 7 8 9; do
		cat <<EOS
[Server DC$d]
Site=A01
Roles=logon, distribution
Drives=C:20000
[Domain DOM$d]
Site=A01
LogonServers=DC$d
[Workstations W$d]
Domain=DOM$d
Names=W${d}000001-W${d}$(printf '%06d' $per)
Platform=$( [ $((d % 2)) -eq 0 ] && echo 'Windows NT (x86)' || echo 'Windows 95')
LogonAt=1996-03-01 08:$(printf '%02d' $((d * 3)))
EOS
	done
	cat <<EOS
[Package OFFICE]
Site=A01
PDF=$TOP/samples/packages/off95std.pdf
Source=$TOP/samples/packages/office
EOS
	j=1
	while [ $j -le 20 ]; do
		day=$(( (j - 1) + 1 )); dd=$(printf '%02d' $((day + 1)))
		case $((j % 4)) in
		0) cat <<EOS
[Job J$j]
Site=A01
Type=Share Package On Server
Package=OFFICE
StartAfter=1996-03-$dd 09:00
Send=Even if previously sent
EOS
		;;
		*) cat <<EOS
[Job J$j]
Site=A01
Type=Run Command On Workstation
Package=OFFICE
Command=Typical
Target=Machine Path: A01|DOM$((j % 10))|*
StartAfter=1996-03-$dd 09:00
OfferAfter=1996-03-$dd 12:00
MandatoryAfter=1996-03-$(printf '%02d' $((day + 3))) 08:00
ExpiresAfter=1996-03-$(printf '%02d' $((day + 9))) 08:00
EOS
		;;
		esac
		j=$((j + 1))
	done
	cat <<EOS
[Outcome FAIL]
Job=J1
Workstations=W1000001, W1000002
ExitCode=1
[Lock L]
Server=SITESRV
Package=OFFICE
File=SETUP.EXE
User=alice
From=1996-03-05 08:00
Until=1996-03-06 08:00
EOS
	} > "$T/s$N.ini"
	/usr/bin/time -f "%e %M" -o "$T/time" "$BIN/jobsvc" simulate "$T/s$N.ini" --quiet \
		--site-dir "$T/sites$N" --events "$T/ev$N.jsonl" > "$T/out" 2>&1 || { cat "$T/out"; exit 1; }
	read secs kb < "$T/time"
	printf '| %s workstations, 30 days, 20 jobs | %s s | peak %s MB | %s events |\n' "$N" "$secs" \
		"$((kb / 1024))" "$(wc -l < "$T/ev$N.jsonl")"
	rm -rf "$T/sites$N"
	if [ -n "${SMSEMU_BENCH_REPORT:-}" ]; then
		# the HTML report of that run (jobsvc report): its time, its size, and the time a
		# browser takes to render it (headless Chromium, the page's own data-render-ms)
		/usr/bin/time -f "%e %M" -o "$T/rtime" "$BIN/jobsvc" report "$T/ev$N.jsonl" \
			-o "$T/r$N.html" > "$T/out" 2>&1 || { cat "$T/out"; exit 1; }
		read rsecs rkb < "$T/rtime"
		ms=--
		if command -v chromium >/dev/null 2>&1; then
			ms=$(timeout 120 chromium --headless --no-sandbox --disable-gpu \
				--virtual-time-budget=30000 --dump-dom "file://$T/r$N.html" 2>/dev/null |
				sed -n 's/.*data-render-ms="\([0-9]*\)".*/\1/p' | head -1)
		fi
		printf '| report of %s workstations | jobsvc report %s s (peak %s MB) | %s KB | rendered in %s ms |\n' \
			"$N" "$rsecs" "$((rkb / 1024))" "$(( $(wc -c < "$T/r$N.html") / 1024 ))" "${ms:---}"
	fi
done
