#!/bin/sh
# I/O errors across passes (tests/iofault/iofault.c, an LD_PRELOAD shim, as SQLite's test
# VFS does): a site of 12 workstations driven step by step on a virtual clock twice; in the
# second run, before the ordinary pass of a component, the same pass runs once with its
# N-th write, fsync or rename failing with EIO, ENOSPC or EDQUOT, or a write cut short.
# Every such pass must end normally (no crash), report what failed when it fails, and
# the site must converge: the final state equals the undisturbed run's (statuses, every
# .INS byte for byte, every share file; the time of a status may be a step later).
. "${SMSEMU_TOP:-.}/tests/lib.sh"
SO=${SMSEMU_IOFAULT_SO:-$TOP/build/iofault.so}
[ -f "$SO" ] || skip_all "no I/O fault shim ($SO; make build/iofault.so)"
SEED=${SMSEMU_IOFAULT_SEED:-5}
SMSEMU_FSYNC=1; export SMSEMU_FSYNC   # so that fsync faults have something to hit
# a sanitized build must tolerate the shim coming first
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0; export ASAN_OPTIONS
cat > "$T/site.ini" <<EOS
[Site A01]
Response=Fast
PCMPollingInterval=15
[Server SRV01]
Site=A01
Roles=site, logon, distribution
Drives=C:4000
[Server SRV02]
Site=A01
Roles=logon, distribution
Drives=C:4000
[Domain CORP]
Site=A01
LogonServers=SRV01, SRV02
[Workstations C]
Domain=CORP
Names=C001-C012
Platform=Windows NT (x86)
EOS
setup() {
	S=$1
	jobsvc --site "$S" init "$T/site.ini" >/dev/null &&
	jobsvc --site "$S" clock set "1996-02-01 08:00" >/dev/null &&
	jobsvc --site "$S" package import "$TOP/samples/packages/off95std.pdf" --source "$TOP/samples/packages/office" >/dev/null &&
	jobsvc --site "$S" job create --type "Run Command On Workstation" --package A0100001 --command Typical \
		--target "Machine Path: A01|*|*" --start-after "1996-02-01 08:10" --offer-after "1996-02-01 08:30" \
		--mandatory-after "1996-02-01 09:00" >/dev/null &&
	jobsvc --site "$S" job create --type "Share Package On Server" --package A0100001 \
		--start-after "1996-02-01 08:20" >/dev/null || return 1
	for n in $(jobsvc --site "$S" machine list | awk 'NR>1 {print $1}'); do
		logon --site "$S" user "u$n" --workstation "$n" >/dev/null || return 1
	done
}
run_component() { # site comp
	case $2 in
	jobsvc) jobsvc --site "$1" poll ;;
	despooler) despooler --site "$1" poll ;;
	logon) logon --site "$1" poll ;;
	pcm) pcm --site "$1" poll --all-workstations ;;
	esac
}
STEPS="0 10 20 30 40 50 60 70 80 90 100 120 140 160 180 200 240 300 360"
drive() { # site faults?
	S=$1; k=0
	for m in $STEPS; do
		h=$((8 + m / 60)); mm=$((m % 60))
		jobsvc --site "$S" clock set "$(printf '1996-02-01 %02d:%02d' $h $mm)" >/dev/null || return 1
		for c in jobsvc despooler logon pcm; do
			k=$((k + 1))
			if [ "$2" = faults ]; then
				f=$(awk -v s=$SEED -v k=$k 'BEGIN { srand(s * 1000 + k); split("write write write fsync rename", op, " ");
					split("EIO ENOSPC EDQUOT short", er, " "); printf "%s:%d:%s", op[1 + int(rand() * 5)],
					1 + int(rand() * 12), er[1 + int(rand() * 4)] }')
				SMSEMU_IOFAULT="$f" SMSEMU_IOFAULT_LOG="$T/faults.log" LD_PRELOAD="$SO" \
					run_component "$S" $c >/dev/null 2>"$T/fault.err"; rc=$?
				if [ $rc -gt 1 ]; then echo "step $k $c $f: exit $rc" >> "$T/bad.log"; sed 's/^/    /' "$T/fault.err" >> "$T/bad.log"; fi
				if [ $rc -eq 1 ] && [ ! -s "$T/fault.err" ]; then echo "step $k $c $f: failed silently" >> "$T/bad.log"; fi
				[ $rc -eq 1 ] && { echo "step $k $c $f: $(head -1 "$T/fault.err")" >> "$T/reported.log"; }
			fi
			run_component "$S" $c >/dev/null 2>>"$T/errors.$2" || echo "step $k $c failed after the fault" >> "$T/errors.$2"
		done
	done
}
state() {
	S=$1
	# Job Details without times (a pass that failed did its work a step later: when, not
	# what, may differ)
	for j in A0100001 A0100002; do jobsvc --site "$S" job show $j |
		sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}//g'; done
	( cd "$S/servers" && find . -name '*.INS' -path '*PCMDOM*' -o -name '*.INS' -path '*PCINS*' | sort | xargs sha256sum )
	( cd "$S/servers" && find . -path '*SMS_PKG*' -type f -o -path '*OFFICE95*' -type f | grep -v '\.NEW' | sort | xargs sha256sum )
	sqlite3 "$S/site.db" "SELECT machine, status FROM job_machine_detail ORDER BY machine" 2>/dev/null
}
setup "$T/ref" || { not_ok "setup"; done_testing; exit 1; }
cp -a "$T/ref" "$T/io"
: > "$T/bad.log"; : > "$T/reported.log"; : > "$T/faults.log"
drive "$T/ref" none
drive "$T/io" faults
state "$T/ref" > "$T/ref.state"
state "$T/io" > "$T/io.state"
nf=$(wc -l < "$T/faults.log"); nr=$(wc -l < "$T/reported.log")
echo "# $nf faults injected, $nr passes failed and reported it (seed $SEED)"
sed -n '1,12s/^/#   /p' "$T/reported.log"
[ "$nf" -ge 20 ] && ok "at least 20 I/O faults were injected ($nf)" || not_ok "only $nf faults injected"
[ ! -s "$T/bad.log" ] && ok "every disturbed pass ended normally and reported its failure" || { sed 's/^/# /' "$T/bad.log" | head -20; not_ok "crashes or silent failures"; }
[ ! -s "$T/errors.faults" ] && ok "every pass after a fault succeeded" || { head -5 "$T/errors.faults" | sed 's/^/# /'; not_ok "passes failed after a fault"; }
grep -q "disk full" "$T/reported.log" && ok "ENOSPC/EDQUOT reported as disk full" || not_ok "no 'disk full' among the reports"
if cmp -s "$T/ref.state" "$T/io.state"; then ok "the final state equals the undisturbed run's"
else diff "$T/ref.state" "$T/io.state" | head -30 | sed 's/^/# /'; not_ok "final states differ"; fi
grep -q "Complete" "$T/ref.state" && ok "the undisturbed run completed its jobs" || not_ok "reference incomplete"
done_testing
