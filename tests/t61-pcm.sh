#!/bin/sh
# pcm through the program: real mode (--execute: commands run through /bin/sh in the
# package directory; a status MIF written into the workstation's Windows directory is
# the result and is passed on as it is, the exit code is not read (SMS 1.x, the default
# StatusFrom=mif; t62-status.sh tests StatusFrom=exit-code); a command that
# hangs is killed after SMSEMU_PCM_TIMEOUT seconds and reported Failed), PCMSVC32
# (--service), a crash before the commit re-run without duplicate status, and the
# client daemon (pcm run: acts on the clock, SIGHUP re-reads SMS.INI, SIGTERM stops).
. "${SMSEMU_TOP:-.}/tests/lib.sh"
S="$T/A01"
cat > "$T/site.ini" <<EOS
[Site A01]
Response=Fast
PCMPollingInterval=60
[Server SRV01]
Site=A01
Roles=site, logon, distribution
Drives=C:2000
[Domain CORP]
Site=A01
LogonServers=SRV01
[Workstations W]
Domain=CORP
Names=WKS0001-WKS0004
Platform=Windows NT (x86)
EOS
jobsvc --site "$S" init "$T/site.ini" >/dev/null || { echo "1..0 # SKIP init failed"; exit 1; }
jobsvc --site "$S" clock set "1996-02-01 08:00" >/dev/null
mkdir -p "$T/pkg"
printf 'echo installed > "$WINDIR/../installed.txt"\npwd > "$WINDIR/../cwd.txt"\n' > "$T/pkg/setup.sh"
cp "$TOP/samples/mifs/failed.mif" "$T/pkg/failed.mif"
cat > "$T/real.pdf" <<EOS
[PDF]
Version=1.0
[Package Definition]
Product=Real
SetupVariations=Auto, Fail, Mif, Hang, Svc
[Auto Setup]
CommandLine=sh setup.sh
UserInputRequired=FALSE
SupportedPlatforms=Windows NT (x86)
[Fail Setup]
CommandLine=sh -c "exit 3"
UserInputRequired=FALSE
SupportedPlatforms=Windows NT (x86)
[Mif Setup]
CommandLine=cp failed.mif "\$WINDIR/SETUP.MIF"
UserInputRequired=FALSE
SupportedPlatforms=Windows NT (x86)
[Hang Setup]
CommandLine=exec sleep 30
UserInputRequired=FALSE
SupportedPlatforms=Windows NT (x86)
[Svc Setup]
CommandLine=sh -c "echo service > \$WINDIR/../service.txt"
UserInputRequired=FALSE
SystemTask=TRUE
SupportedPlatforms=Windows NT (x86)
EOS
jobsvc --site "$S" package import "$T/real.pdf" --source "$T/pkg" >/dev/null
for c in Auto Fail Mif Hang Svc; do
	jobsvc --site "$S" job create --type "Run Command On Workstation" --package A0100001 --command $c \
		--target "Machine Path: A01|CORP|WKS0001" --mandatory-after "1996-02-01 08:00" >/dev/null
done
logon --site "$S" user ann --workstation WKS0001 >/dev/null
jobsvc --site "$S" poll >/dev/null; despooler --site "$S" poll >/dev/null; logon --site "$S" poll >/dev/null
pcm --site "$S" --workstation WKS0001 --execute poll >/dev/null
jobsvc --site "$S" clock set "1996-02-01 08:05" >/dev/null
SMSEMU_PCM_TIMEOUT=1 pcm --site "$S" --workstation WKS0001 --execute poll > "$T/list"
check_grep "the command ran" "installed" "$S/workstations/WKS0001/installed.txt"
check_grep "current directory = the package directory" "SMS_PKG./A0100001$" "$S/workstations/WKS0001/cwd.txt"
check_grep "exit code 0 is success" "A0100001 .*exit code 0" "$T/list"
check_grep "exit code 3" "A0100002 .*exit code 3" "$T/list"
check_grep "status MIF from the Windows directory" "A0100003 .*status MIF SETUP.MIF: Failed - Setup could not write" "$T/list"
check_grep "a hanging command is killed" "A0100004 .*timed out after 1 s" "$T/list"
check_grep "PCMWIN32 leaves the system task alone" "A0100005 *Pending" "$T/list"
[ -f "$S/workstations/WKS0001/service.txt" ] && not_ok "PCMWIN32 ran a system task" || ok "no system task run by PCMWIN32"
box="$S/servers/SRV01/C/SMS/LOGON.SRV/DESPOOLR.BOX"
ls "$box" > "$T/box"
[ "$(grep -c '\.SNI$' "$T/box")" -eq 4 ] && ok "four status instructions written" || { cat "$T/box"; not_ok "status instructions"; }
n=0; for p in "$box"/*.PCK; do cmp -s "$p" "$TOP/samples/mifs/failed.mif" && n=$((n + 1)); done
[ $n -eq 1 ] && ok "the setup program's status MIF passed on as it is" || { ls -l "$box"; not_ok "status MIF passed on ($n)"; }
[ -f "$S/workstations/WKS0001/WINDOWS/SETUP.MIF" ] && not_ok "status MIF left in the Windows directory" || ok "status MIF moved out of the Windows directory"
# PCMSVC32 runs it at its mandatory time
pcm --site "$S" --workstation WKS0001 --service --execute poll > "$T/slist"
check_grep "PCMSVC32 ran the system task" "service" "$S/workstations/WKS0001/service.txt"
check_grep "system task executed" "A0100005 .*Executed.*exit code 0" "$T/slist"
check_fails "Execute on a command that is not offered" pcm --site "$S" --workstation WKS0001 execute A0100001
logon --site "$S" poll >/dev/null; despooler --site "$S" poll >/dev/null
jobsvc --site "$S" job show A0100002 > "$T/j2"
check_grep "SMS 1.x did not read exit codes: exit code 3 leaves the computer Complete" \
	"WKS0001 .*Complete .*exit code 3, not read" "$T/j2"
jobsvc --site "$S" job show A0100003 > "$T/j3"
check_grep "a Failed status MIF makes the computer Retrying" "WKS0001 .*Retrying .*Setup could not write" "$T/j3"
jobsvc --site "$S" job show A0100001 > "$T/j1"
check_grep "a successful one Complete" "WKS0001 .*Complete" "$T/j1"

# a crash before the commit: the re-run writes the same status once
jobsvc --site "$S" clock set "1996-02-01 09:00" >/dev/null
jobsvc --site "$S" job create --type "Run Command On Workstation" --package A0100001 --command Auto \
	--target "Machine Path: A01|CORP|WKS0002" --mandatory-after "1996-02-01 09:00" >/dev/null
jobsvc --site "$S" job create --type "Run Command On Workstation" --package A0100001 --command Auto \
	--target "Machine Path: A01|CORP|WKS0003" --mandatory-after "1996-02-01 09:30" >/dev/null
logon --site "$S" user bob --workstation WKS0002 >/dev/null
logon --site "$S" user cy --workstation WKS0003 >/dev/null
jobsvc --site "$S" poll >/dev/null; despooler --site "$S" poll >/dev/null; logon --site "$S" poll >/dev/null
pcm --site "$S" poll --all-workstations >/dev/null
jobsvc --site "$S" clock set "1996-02-01 09:05" >/dev/null
pcm --site "$S" poll --all-workstations >/dev/null
jobsvc --site "$S" clock set "1996-02-01 09:10" >/dev/null
SMSEMU_FAULT=pcm-before-commit pcm --site "$S" poll --all-workstations 2>"$T/err"; rc=$?
[ $rc -ne 0 ] && ok "the injected fault stops the pass" || not_ok "fault not injected"
check "the pass re-run" pcm --site "$S" poll --all-workstations
id2=$(sed -n 's/^SMS Unique ID=//p' "$S/workstations/WKS0002/SMS.INI")
[ "$(ls "$box" | grep -c "^$id2.*\.SNI$")" -eq 1 ] && ok "one status instruction after the re-run" || { ls "$box"; not_ok "status after re-run"; }
[ -z "$(ls "$S/workstations/WKS0002/OUTBOX" 2>/dev/null)" ] && ok "nothing left in the OUTBOX" || not_ok "OUTBOX not empty"

# the client daemon on the virtual clock: it catches up with the poll the clock jumped
# over (10:00), counts down, runs
wait_for() { # state: until A0100007 on WKS0003 is in it (30 s wall-clock bound)
	end=$(( $(date +%s) + 30 ))
	while [ "$(date +%s)" -lt $end ]; do
		pcm --site "$S" --workstation WKS0003 --json list > "$T/dlist" 2>&1
		grep -q "\"job\":\"A0100007\",\"folder\":\"[A-Za-z]*\",\"state\":\"$1\"" "$T/dlist" && return 0
	done
	return 1
}
SMSEMU_TICK_MS=20 pcm --site "$S" --workstation WKS0003 run > "$T/run.out" 2>&1 & pid=$!
jobsvc --site "$S" clock set "1996-02-01 10:10" >/dev/null
wait_for Countdown && ok "the daemon started the countdown" || { cat "$T/dlist"; not_ok "countdown"; }
jobsvc --site "$S" clock set "1996-02-01 10:15" >/dev/null
wait_for Running && ok "the daemon runs the command" || { cat "$T/dlist"; not_ok "running"; }
jobsvc --site "$S" clock set "1996-02-01 10:20" >/dev/null
wait_for Executed && ok "the daemon finished the command" || { cat "$T/dlist"; not_ok "executed"; }
kill -HUP $pid
end=$(( $(date +%s) + 30 ))
while [ "$(date +%s)" -lt $end ] && ! grep -q "settings re-read" "$S/logs/pcm.log"; do :; done
check_grep "SIGHUP re-reads SMS.INI" "WKS0003: settings re-read (SIGHUP)" "$S/logs/pcm.log"
kill -TERM $pid; wait $pid; rc=$?
[ $rc -eq 0 ] && ok "SIGTERM stops it cleanly" || { cat "$T/run.out"; not_ok "pcm run exit $rc"; }
check_grep "a clean stop is logged" "pcm stopping (signal)" "$S/logs/pcm.log"
check_fails "pcm run for a workstation that never logged on" pcm --site "$S" --workstation WKS0004 run

# The site database is not held while a real command runs: a command that itself writes
# to the site (here an administrator's command) finishes at once, not after the busy
# timeout (30 s) or the command timeout (10 s).
S2="$T/B01"
jobsvc --site "$S2" init "$T/site.ini" >/dev/null
jobsvc --site "$S2" clock set "1996-02-01 08:00" >/dev/null
cat > "$T/db.pdf" <<EOS
[PDF]
Version=1.0
[Package Definition]
Product=Db
SetupVariations=Db
[Db Setup]
CommandLine=jobsvc --site "\$SMSEMU_TEST_SITE" machine-group create WHILE-RUNNING
UserInputRequired=FALSE
SupportedPlatforms=Windows NT (x86)
EOS
jobsvc --site "$S2" package import "$T/db.pdf" --source "$T/pkg" >/dev/null
jobsvc --site "$S2" job create --type "Run Command On Workstation" --package A0100001 --command Db \
	--target "Machine Path: A01|CORP|WKS0001" --mandatory-after "1996-02-01 08:00" >/dev/null
logon --site "$S2" user ann --workstation WKS0001 >/dev/null
jobsvc --site "$S2" poll >/dev/null; despooler --site "$S2" poll >/dev/null; logon --site "$S2" poll >/dev/null
pcm --site "$S2" --workstation WKS0001 --execute poll >/dev/null
jobsvc --site "$S2" clock set "1996-02-01 08:05" >/dev/null
SMSEMU_TEST_SITE="$S2" SMSEMU_PCM_TIMEOUT=10 pcm --site "$S2" --workstation WKS0001 --execute poll > "$T/dblist" 2>&1
check_grep "a command that writes to the site database succeeds" "A0100001 .*exit code 0" "$T/dblist"
jobsvc --site "$S2" machine-group list > "$T/groups"
check_grep "... and its write is there" "WHILE-RUNNING" "$T/groups"
done_testing
