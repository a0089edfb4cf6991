#!/bin/sh
# jobsvc administration end to end: init, site show, clock, package import/list/show,
# job create/list/show/cancel/delete with SMS's validation, machine groups, status,
# --help/--version and one clear message with a non-zero exit on bad input.
. "${SMSEMU_TOP:-.}/tests/lib.sh"
S="$T/A01"
for p in jobsvc despooler pcm logon; do
	check "$p --version" $p --version
	check "$p --help" $p --help
	check_fails "$p: unknown command" $p frobnicate
done
check "init from samples/site/site.ini" jobsvc --site "$S" init "$TOP/samples/site/site.ini"
check_fails "init twice is refused" jobsvc --site "$S" init "$TOP/samples/site/site.ini"
check "site show" jobsvc --site "$S" site show
jobsvc --site "$S" site show > "$T/show"
check_grep "site show: response mode and retry interval" "Fast (poll every 5 min, Despooler retry every 120 min)" "$T/show"
check "site show --json" jobsvc --site "$S" --json site show

# a malformed site.ini: file:line and what was expected, nothing created
printf '[Site A01]\nResponse=Quick\n' > "$T/bad.ini"
jobsvc --site "$T/bad" init "$T/bad.ini" 2>"$T/err"; rc=$?
[ $rc -ne 0 ] && grep -q "bad.ini:2: Response: 'Quick' is not one of" "$T/err" && [ ! -e "$T/bad/site.db" ] \
	&& ok "bad site.ini refused with file:line" || { cat "$T/err"; not_ok "bad site.ini"; }

check "clock set" jobsvc --site "$S" clock set "1996-02-01 08:00"
jobsvc --site "$S" clock show > "$T/clock"
check_grep "clock show is virtual" "1996-02-01 08:00:00 (virtual clock)" "$T/clock"
check_fails "clock does not run backwards" jobsvc --site "$S" clock set "1996-01-01 08:00"
check "clock advance" jobsvc --site "$S" clock advance 30
jobsvc --site "$S" clock show > "$T/clock"
check_grep "clock advanced" "1996-02-01 08:30:00" "$T/clock"

check "package import (Office 95 PDF)" jobsvc --site "$S" package import "$TOP/samples/packages/off95std.pdf" --source "$TOP/samples/packages/office"
jobsvc --site "$S" package show A0100001 > "$T/pkg"
check_grep "package show: command lines" "Typical" "$T/pkg"
check_grep "package show: platforms" "Windows 95, Windows NT (x86)" "$T/pkg"
check_grep "package show: share name" "OFFICE95" "$T/pkg"
check_fails "package import: missing source dir" jobsvc --site "$S" package import "$TOP/samples/packages/off95std.pdf" --source "$T/nope"
printf '[PDF]\nVersion=1.0\n[Package Definition]\nProduct=X\nSetupVariations=Typical\n' > "$T/bad.pdf"
jobsvc --site "$S" package import "$T/bad.pdf" --source "$T" 2>"$T/err"
check_grep "bad PDF: names the missing section" "no \[Typical Setup\] section" "$T/err"
jobsvc --site "$S" package list > "$T/plist"
[ "$(grep -c '^A01' "$T/plist")" -eq 1 ] && ok "a failed import stores nothing" || not_ok "failed import stored something"

check "job create (Run Command)" jobsvc --site "$S" job create --type "Run Command On Workstation" \
	--package A0100001 --command Typical --target "Machine Path: A01|CORP|*" \
	--start-after "1996-02-01 09:00" --offer-after "1996-02-01 10:00" \
	--mandatory-after "1996-02-02 09:00" --expires-after "1996-08-01 09:00" --priority High
check_fails "RunCommand=yes needs a Command" jobsvc --site "$S" job create --type "Run Command On Workstation" --package A0100001 --target "Machine Path: *|*|*" --set RunCommand=yes
check_fails "unknown command line" jobsvc --site "$S" job create --type "Run Command On Workstation" --package A0100001 --command Deluxe --target "Machine Path: *|*|*"
check_fails "mandatory before offer" jobsvc --site "$S" job create --type "Run Command On Workstation" --package A0100001 --command Typical --target "Machine Path: *|*|*" --offer-after "1996-03-01 00:00" --mandatory-after "1996-02-01 00:00"
check_fails "bad query" jobsvc --site "$S" job create --type "Run Command On Workstation" --package A0100001 --command Typical --target "Query: Colour = 'blue'"
check_fails "unknown property" jobsvc --site "$S" job create --type "Share Package On Server" --package A0100001 --set Colour=blue
check_fails "share job with a target" jobsvc --site "$S" job create --type "Share Package On Server" --package A0100001 --target "Machine Path: *|*|*"
check "job create (Share Package)" jobsvc --site "$S" job create --type "Share Package On Server" --package A0100001 --start-after "1996-02-03 09:00"
check "job create (Remove Package)" jobsvc --site "$S" job create --type "Remove Package From Server" --package A0100001 --remove-from "Servers: SRV02" --start-after "1996-02-04 09:00"
jobsvc --site "$S" job list > "$T/jobs"
[ "$(grep -c Pending "$T/jobs")" -eq 3 ] && ok "three Pending jobs" || { cat "$T/jobs"; not_ok "job list"; }

check "machine-group create" jobsvc --site "$S" machine-group create PILOT2
check "machine-group add" jobsvc --site "$S" machine-group add PILOT2 WKS0003 sal002
check_fails "machine-group add unknown computer" jobsvc --site "$S" machine-group add PILOT2 NOSUCH
jobsvc --site "$S" machine-group list > "$T/groups"
check_grep "group members" "PILOT2 *SAL002, WKS0003" "$T/groups"

# cancel a Pending job: Cancelled at once; delete it; an Active job cannot be deleted
check "cancel a Pending job" jobsvc --site "$S" job cancel A0100002
jobsvc --site "$S" job show A0100002 > "$T/j2"
check_grep "cancelled job" "Overall status     Cancelled" "$T/j2"
check "delete a Cancelled job" jobsvc --site "$S" job delete A0100002
check_fails "deleted job is gone" jobsvc --site "$S" job show A0100002

# the Scheduler activates the Run Command job at its poll and resolves CORP's computers
check "clock set 09:00" jobsvc --site "$S" clock set "1996-02-01 09:00"
check "poll" jobsvc --site "$S" poll
jobsvc --site "$S" job show A0100001 > "$T/j1"
check_grep "job Active" "Overall status     Active" "$T/j1"
check_grep "12 CORP computers frozen as targets" "Total 12: None 12" "$T/j1"
check_fails "an Active job cannot be deleted" jobsvc --site "$S" job delete A0100001
jobsvc --site "$S" --json job show A0100001 > "$T/j1.json"
check_grep "job show --json" '"status":"Active"' "$T/j1.json"
jobsvc --site "$S" status --job A0100001 > "$T/st"
check_grep "status messages" "activated at the poll" "$T/st"
ls "$S/servers/SRV01/C/SMS/SITE.SRV/DESPOOLR.BOX/RECEIVE/" > "$T/recv"
check_grep "instruction delivered to RECEIVE" "\.INS" "$T/recv"
check "despooler poll" despooler --site "$S" poll
ls "$S/servers/SRV01/C/SMS_PKGC/A0100001" > "$T/pkgdir"
check_grep "package on SMS_PKGC" "SETUP.EXE" "$T/pkgdir"
check_grep "despool.log SMS style" 'installed on SRV01.*\$\$<SMS_DESPOOLER><02-01-1996 09:00:00>' "$S/logs/despool.log"
done_testing
