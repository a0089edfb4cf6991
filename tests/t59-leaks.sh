#!/bin/sh
# No memory leaks in the components: a two-site simulation (Scheduler, Sender, Despooler,
# logon, PCM passes on one virtual clock, deliveries between the sites) and the
# Despooler daemon run under valgrind with G_SLICE=always-malloc; no block may be
# definitely lost (the Sender lost ~1 KB per delivery to another site before).
. "${SMSEMU_TOP:-.}/tests/lib.sh"
command -v valgrind >/dev/null 2>&1 || skip_all "valgrind not installed"
case "${SANITIZE:-}${ASAN_OPTIONS:-}" in ?*) skip_all "sanitized build (LSan checks leaks there)";; esac
ldd "$BIN/jobsvc" 2>/dev/null | grep -q libasan && skip_all "sanitized build (LSan checks leaks there)"
G_SLICE=always-malloc G_DEBUG=gc-friendly; export G_SLICE G_DEBUG
VG="valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99"
check "a two-site simulation loses no memory" $VG jobsvc simulate "$TOP/samples/scenarios/legacy-vs-staged.ini" \
	--quiet --site-dir "$T/sim"
S="$T/sim/A01"
jobsvc --site "$S" clock advance 60 >/dev/null
starts() { n=$(grep -c "started, polling" "$1" 2>/dev/null); echo "${n:-0}"; }
# the daemons: started, one pass, stopped by SIGTERM
for d in "despooler run"; do
	set -- $d
	SMSEMU_TICK_MS=50 $VG "$1" --site "$S" run > "$T/vg.out" 2>&1 &
	pid=$!
	log=$(case $1 in jobsvc) echo sched.log;; despooler) echo despool.log;; logon) echo logon.log;; esac)
	before=$(starts "$S/logs/$log")
	end=$(( $(date +%s) + 120 ))
	while [ "$(date +%s)" -lt $end ] && [ "$(starts "$S/logs/$log")" -le "$before" ]; do
		jobsvc --site "$S" status --limit 1 >/dev/null 2>&1
	done
	jobsvc --site "$S" clock advance 30 >/dev/null
	jobsvc --site "$S" status --limit 1 >/dev/null 2>&1
	kill -TERM $pid; wait $pid; rc=$?
	[ $rc -eq 0 ] && ok "$1 run under valgrind: no leak, clean stop" || { sed 's/^/# /' "$T/vg.out" | head -30; not_ok "$1 run under valgrind (exit $rc)"; }
done
done_testing
