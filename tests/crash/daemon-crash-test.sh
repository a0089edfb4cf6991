#!/bin/sh
# Crash test with the real daemons: `jobsvc run`, `despooler run`, `logon run` and
# `pcm run` as separate processes on a site of $WS workstations; the driver advances the
# virtual clock step by step and waits until no component has work due (`jobsvc idle`).
# The crash run kills a random daemon with SIGKILL at $CRASHES random moments (right after
# a clock step, while they work) and restarts it. The final state must equal the one of an
# uninterrupted run: Job Details, every .INS byte for byte, every share's files, machines.
#   usage: daemon-crash-test.sh [WS [CRASHES [SEED]]]      (TAP output)
set -u
WS=${1:-1000}; CRASHES=${2:-20}; SEED=${3:-$$}
TOP=${SMSEMU_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${SMSEMU_BIN:-$TOP/bin}
PATH="$BIN:$PATH"; export PATH
TZ=UTC LANG=C LC_ALL=C SMSEMU_FSYNC=${SMSEMU_FSYNC:-0} SMSEMU_TICK_MS=${SMSEMU_TICK_MS:-50}
export TZ LANG LC_ALL SMSEMU_FSYNC SMSEMU_TICK_MS
T=$(mktemp -d "${TMPDIR:-/tmp}/smsemu-dcrash.XXXXXX")
cleanup() { for f in "$T"/*.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done; [ -n "${SMSEMU_KEEP_TMP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT
DAEMONS="jobsvc despooler logon pcm"

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

setup() {
	S=$1
	jobsvc --site "$S" init "$T/site.ini" >/dev/null &&
	jobsvc --site "$S" clock set "1996-02-01 08:00" >/dev/null &&
	jobsvc --site "$S" package import "$TOP/samples/packages/off95std.pdf" --source "$TOP/samples/packages/office" >/dev/null &&
	jobsvc --site "$S" job create --type "Run Command On Workstation" --package A0100001 --command Typical \
		--target "Machine Path: A01|*|*" --start-after "1996-02-01 08:30" --offer-after "1996-02-01 09:00" \
		--mandatory-after "1996-02-01 10:00" >/dev/null &&
	jobsvc --site "$S" job create --type "Share Package On Server" --package A0100001 \
		--start-after "1996-02-01 09:00" >/dev/null &&
	despooler --site "$S" share open SRV02 OFFICE95 SETUP.EXE --user alice --until "1996-02-01 11:30" >/dev/null || return 1
	for n in $(jobsvc --site "$S" machine list | awk 'NR>1 {print $1}'); do
		logon --site "$S" user "u$n" --workstation "$n" >/dev/null || return 1
	done
}

start() { # site daemon
	case $2 in
	jobsvc) jobsvc --site "$1" run >>"$T/$2.log" 2>&1 & ;;
	despooler) despooler --site "$1" run >>"$T/$2.log" 2>&1 & ;;
	logon) logon --site "$1" run >>"$T/$2.log" 2>&1 & ;;
	pcm) pcm --site "$1" run --all-workstations >>"$T/$2.log" 2>&1 & ;;
	esac
	echo $! > "$T/$2.pid"
}

wait_idle() { # site
	end=$(( $(date +%s) + 120 ))
	while [ "$(date +%s)" -lt $end ]; do
		jobsvc --site "$1" idle >/dev/null 2>&1 && return 0
	done
	echo "# not idle after 120 s at $(jobsvc --site "$1" clock show)"; return 1
}

drive() { # site plan
	S=$1; plan=$2; k=0
	for d in $DAEMONS; do start "$S" $d; done
	t=0
	while [ $t -le 270 ]; do
		k=$((k + 1))
		jobsvc --site "$S" clock set "$(printf '1996-02-01 %02d:%02d' $((8 + t / 60)) $((t % 60)))" >/dev/null
		victim=$(awk -v k=$k '$1 == k {print $2, $3; exit}' "$plan")
		if [ -n "$victim" ]; then
			set -- $victim
			i=0; while [ $i -lt "$2" ]; do jobsvc --site "$S" idle >/dev/null 2>&1; i=$((i + 1)); done
			kill -9 "$(cat "$T/$1.pid")" 2>/dev/null && echo "killed $1 at step $k" >> "$T/kills.log"
			wait "$(cat "$T/$1.pid")" 2>/dev/null
			start "$S" "$1"
		fi
		wait_idle "$S" || return 1
		t=$((t + 5))
	done
	for d in $DAEMONS; do kill -TERM "$(cat "$T/$d.pid")"; wait "$(cat "$T/$d.pid")" 2>/dev/null; rm -f "$T/$d.pid"; done
}

state() {
	S=$1
	for j in A0100001 A0100002; do jobsvc --site "$S" --json job show $j | sed 's/"updated":"[^"]*"//g'; done
	( cd "$S/servers" && find . -name '*.INS' | sort | xargs sha256sum )
	( cd "$S/servers" && find . -path '*SMS_PKG*' -type f -o -path '*OFFICE95*' -type f | grep -v '\.NEW' | sort | xargs sha256sum )
	sqlite3 "$S/site.db" "SELECT machine, status FROM job_machine_detail ORDER BY machine" 2>/dev/null
}

echo "# daemon crash test: $WS workstations, $CRASHES SIGKILLs, seed $SEED"
setup "$T/ref" || { echo "not ok 1 - setup"; echo "1..1"; exit 1; }
cp -a "$T/ref" "$T/crash"
: > "$T/none"
drive "$T/ref" "$T/none" || { echo "not ok 1 - reference run"; echo "1..1"; exit 1; }
awk -v n=$CRASHES -v seed=$SEED -v d="$DAEMONS" 'BEGIN { srand(seed); split(d, D, " ");
	for (i = 0; i < n; i++) { k = 1 + int(rand() * 55); while (k in u) k = 1 + int(rand() * 55); u[k] = 1;
	  print k, D[1 + int(rand() * 4)], int(rand() * 4) } }' | sort -n > "$T/plan"
: > "$T/kills.log"
drive "$T/crash" "$T/plan" || { echo "not ok 1 - crash run"; echo "1..1"; exit 1; }
state "$T/ref" > "$T/ref.state"; state "$T/crash" > "$T/crash.state"
kills=$(wc -l < "$T/kills.log")
echo "# $kills daemons killed with SIGKILL and restarted"
if cmp -s "$T/ref.state" "$T/crash.state"; then echo "ok 1 - final state identical after $kills SIGKILLs"; rc=0
else echo "not ok 1 - final states differ"; diff "$T/ref.state" "$T/crash.state" | head -10 | sed 's/^/# /'; rc=1; fi
if grep -q '"status":"Complete"' "$T/ref.state"; then echo "ok 2 - the reference run completed its jobs"; else echo "not ok 2 - reference incomplete"; rc=1; fi
echo "1..2"
exit $rc
