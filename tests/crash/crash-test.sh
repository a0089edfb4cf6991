#!/bin/sh
# Crash test: a site of $WS workstations driven step by step on a virtual clock by the
# ordinary commands (jobsvc poll, despooler poll, logon poll, pcm poll
# --all-workstations). One run is uninterrupted; the other aborts a component at
# $CRASHES random moments (a random named fault point with SMSEMU_FAULT=point:N!abort,
# i.e. the process dies as with SIGKILL between two steps of its pass) and restarts it.
# The final states must be identical: Job Details, every .INS byte for byte, every
# share's files and checksums, every machine's status.
#   usage: crash-test.sh [WS [CRASHES [SEED]]]      (TAP output)
set -u
WS=${1:-1000}; CRASHES=${2:-20}; SEED=${3:-$$}
TOP=${SMSEMU_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${SMSEMU_BIN:-$TOP/bin}
PATH="$BIN:$PATH"; export PATH
TZ=UTC LANG=C LC_ALL=C SMSEMU_FSYNC=${SMSEMU_FSYNC:-0}; export TZ LANG LC_ALL SMSEMU_FSYNC
T=$(mktemp -d "${TMPDIR:-/tmp}/smsemu-crash.XXXXXX")
[ -n "${SMSEMU_KEEP_TMP:-}" ] || trap 'rm -rf "$T"' EXIT
POINTS="db-before-commit atomic-before-rename archive-before-rename scheduler-before-commit despooler-before-commit despooler-before-swap sender-between-package-and-instruction sender-deliver sender-after-commit logon-before-commit pcm-before-commit pcm-between-mif-and-sni"

half=$((WS / 2))
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
[Domain SALES]
Site=A01
LogonServers=SRV02
[Workstations C]
Domain=CORP
Names=C00001-C$(printf '%05d' $half)
Platform=Windows NT (x86)
[Workstations S]
Domain=SALES
Names=S00001-S$(printf '%05d' $((WS - half)))
Platform=Windows 95
EOS

# the same steps for both runs
STEPS=""
t=0
while [ $t -le 270 ]; do STEPS="$STEPS $t"; t=$((t + 5)); done
COMPONENTS="jobsvc despooler logon pcm"

setup() { # dir
	S=$1
	jobsvc --site "$S" init "$T/site.ini" >/dev/null &&
	jobsvc --site "$S" clock set "1996-02-01 08:00" >/dev/null &&
	jobsvc --site "$S" package import "$TOP/samples/packages/off95std.pdf" --source "$TOP/samples/packages/office" >/dev/null &&
	jobsvc --site "$S" job create --type "Run Command On Workstation" --package A0100001 --command Typical \
		--target "Machine Path: A01|*|*" --start-after "1996-02-01 08:30" --offer-after "1996-02-01 09:00" \
		--mandatory-after "1996-02-01 10:00" >/dev/null &&
	jobsvc --site "$S" job create --type "Share Package On Server" --package A0100001 \
		--start-after "1996-02-01 09:00" >/dev/null &&
	jobsvc --site "$S" job create --type "Share Package On Server" --package A0100001 \
		--start-after "1996-02-01 10:00" --set "Send=Even if previously sent" --distribute "Refresh Existing" >/dev/null &&
	despooler --site "$S" share open SRV02 OFFICE95 SETUP.EXE --user alice --until "1996-02-01 11:30" >/dev/null || return 1
	# logons: one process per workstation, as users would (in parallel batches)
	i=0
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

drive() { # site crashplan-file
	S=$1; plan=$2; k=0
	for m in $STEPS; do
		h=$((8 + m / 60)); mm=$((m % 60))
		jobsvc --site "$S" clock set "$(printf '1996-02-01 %02d:%02d' $h $mm)" >/dev/null || return 1
		for c in $COMPONENTS; do
			k=$((k + 1))
			f=$(awk -v k=$k '$1 == k {print $2; exit}' "$plan")
			if [ "$plan" = "$T/none" ]; then
				SMSEMU_FAULT_TRACE="$T/trace.$k" run_component "$S" $c >/dev/null 2>>"$T/errors.log" ||
					echo "step $k $c failed" >> "$T/errors.log"
				continue
			fi
			if [ -n "$f" ]; then
				SMSEMU_FAULT="$f" run_component "$S" $c >/dev/null 2>"$T/fault.err"; rc=$?
				if [ $rc -eq 134 ]; then echo "crash $k $c $f" >> "$T/crashes.log"; fi
			fi
			# (re)start: the pass runs again, as after a restart
			run_component "$S" $c >/dev/null 2>>"$T/errors.log" || { echo "step $k $c failed" >> "$T/errors.log"; }
		done
	done
}

state() { # site -> text on stdout
	S=$1
	for j in A0100001 A0100002 A0100003; do jobsvc --site "$S" --json job show $j; done
	( cd "$S/servers" && find . -name '*.INS' -path '*PCMDOM*' -o -name '*.INS' -path '*PCINS*' | sort | xargs sha256sum )
	( cd "$S/servers" && find . -path '*SMS_PKG*' -type f -o -path '*OFFICE95*' -type f | grep -v '\.NEW' | sort | xargs sha256sum )
	sqlite3 "$S/site.db" "SELECT machine, status FROM job_machine_detail ORDER BY machine" 2>/dev/null
}

echo "# crash test: $WS workstations, $CRASHES crashes, seed $SEED"
setup "$T/ref" || { echo "not ok 1 - setup"; echo "1..1"; exit 1; }
cp -a "$T/ref" "$T/crash"
: > "$T/none"
drive "$T/ref" "$T/none"
# crash plan: CRASHES random moments among the fault points the reference run passed
# (step k, point, its n-th hit in that pass), at most one per step
for f in "$T"/trace.*; do
	[ -f "$f" ] || continue
	k=${f##*.}
	awk -v k=$k '{ c[$1]++; print k, $1 ":" c[$1] "!abort" }' "$f"
done > "$T/moments"
awk -v n=$CRASHES -v seed=$SEED 'BEGIN { srand(seed) } { line[NR] = $0 }
	END { if (NR == 0) exit; for (i = 0; i < n && i < NR; i++) { j = 1 + int(rand() * NR);
	  split(line[j], f, " "); while (f[1] in used) { j = 1 + int(rand() * NR); split(line[j], f, " ") }
	  used[f[1]] = 1; print line[j] } }' "$T/moments" | sort -n > "$T/plan"
: > "$T/crashes.log"
drive "$T/crash" "$T/plan"
state "$T/ref" > "$T/ref.state"
state "$T/crash" > "$T/crash.state"
fired=$(wc -l < "$T/crashes.log")
echo "# $fired of $CRASHES planned faults fired (a fault point not reached by that pass does not fire)"
sed 's/^/#   /' "$T/crashes.log"
n=0; fail=0
n=$((n + 1)); if cmp -s "$T/ref.state" "$T/crash.state"; then echo "ok $n - final state identical after $fired crashes (Job Details, .INS files, shares, machine status)"; else echo "not ok $n - final states differ"; diff "$T/ref.state" "$T/crash.state" | head -20 | sed 's/^/# /'; fail=1; fi
n=$((n + 1)); if grep -q '"status":"Complete"' "$T/ref.state"; then echo "ok $n - the reference run completed its jobs"; else echo "not ok $n - reference run did not complete"; fail=1; fi
n=$((n + 1)); if [ ! -s "$T/errors.log" ]; then echo "ok $n - every restarted pass succeeded"; else echo "not ok $n - passes failed after restart"; head -5 "$T/errors.log" | sed 's/^/# /'; fail=1; fi
echo "1..$n"
exit $fail
