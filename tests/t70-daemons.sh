#!/bin/sh
# Several daemons and admin commands on one site database at once: no "database is
# locked" reaches a user (writes wait within the busy timeout); the daemons do their work
# on the virtual clock and stop cleanly on SIGTERM.
. "${SMSEMU_TOP:-.}/tests/lib.sh"
S="$T/A01"
jobsvc --site "$S" init "$TOP/samples/site/site.ini" >/dev/null
jobsvc --site "$S" clock set "1996-02-01 08:00" >/dev/null
jobsvc --site "$S" package import "$TOP/samples/packages/off95std.pdf" --source "$TOP/samples/packages/office" >/dev/null
for w in WKS0001 WKS0002 WKS0003; do logon --site "$S" user u --workstation $w >/dev/null; done
jobsvc --site "$S" run > "$T/jobsvc.out" 2>&1 & p1=$!
despooler --site "$S" run > "$T/despooler.out" 2>&1 & p2=$!
logon --site "$S" run > "$T/logon.out" 2>&1 & p3=$!
pcm --site "$S" --workstation WKS0001 run > "$T/pcm.out" 2>&1 & p4=$!
fail=0
i=0
while [ $i -lt 40 ]; do
	jobsvc --site "$S" job create --type "Run Command On Workstation" --package A0100001 \
		--command Typical --target "Machine Path: A01|CORP|WKS000*" >/dev/null 2>>"$T/admin.err" || fail=$((fail + 1))
	jobsvc --site "$S" clock advance 5 >/dev/null 2>>"$T/admin.err" || fail=$((fail + 1))
	jobsvc --site "$S" status --limit 5 >/dev/null 2>>"$T/admin.err" || fail=$((fail + 1))
	i=$((i + 1))
done
# let the daemons see the last clock change: wait until every job is out of Pending
end=$(( $(date +%s) + 60 ))
while [ "$(date +%s)" -lt $end ] && jobsvc --site "$S" job list | grep -q Pending; do
	jobsvc --site "$S" status --limit 1 >/dev/null 2>>"$T/admin.err" || fail=$((fail + 1))
done
end=$(( $(date +%s) + 60 ))
while [ "$(date +%s)" -lt $end ] && ! grep -q "installed on SRV01" "$S/logs/despool.log" 2>/dev/null; do
	jobsvc --site "$S" status --limit 1 >/dev/null 2>>"$T/admin.err" || fail=$((fail + 1))
done
kill -TERM $p1 $p2 $p3 $p4
for p in $p1 $p2 $p3 $p4; do wait $p || fail=$((fail + 100)); done
[ $fail -eq 0 ] && ok "120 admin commands beside four daemons all succeeded" || { cat "$T/admin.err" | head -5 | sed 's/^/# /'; not_ok "$fail failures"; }
if cat "$T"/*.out "$T/admin.err" | grep -qi "locked\|busy"; then not_ok "a 'database is locked' reached a user"; else ok "no 'database is locked' anywhere"; fi
jobsvc --site "$S" job list > "$T/jobs"
if grep -q Pending "$T/jobs"; then not_ok "the Scheduler daemon activated every job"; else ok "the Scheduler daemon activated every job"; fi
check_grep "daemons log a clean stop" "scheduler stopping (signal)" "$S/logs/sched.log"
check_grep "the Despooler daemon installed the package" "installed on SRV01" "$S/logs/despool.log"
done_testing
