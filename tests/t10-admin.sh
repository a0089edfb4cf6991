#!/bin/sh
# jobsvc administration end to end: init, site show, clock, package import/list/show,
# job create/list/show/cancel/delete with SMS's validation, machine groups, machine list
# with queries, status messages, --json, --help/--version, and for bad input one clear
# message (file:line or the option, and what was expected), a non-zero exit and an
# unchanged database.
. "${SMSEMU_TOP:-.}/tests/lib.sh"
S="$T/A01"
J="jobsvc --site $S"

# fails_with "description" pattern command... -- fails (exit != 0) and says pattern
fails_with() {
	_d=$1; _p=$2; shift 2
	if "$@" >"$T/.out" 2>"$T/.err"; then
		sed 's/^/# /' "$T/.out"; not_ok "$_d (succeeded)"
	elif grep -q -- "$_p" "$T/.err"; then
		ok "$_d"
	else
		sed 's/^/# /' "$T/.err"; not_ok "$_d (no '$_p')"
	fi
}
# same_db "description" -- the site database holds what it held at the last snapshot
snapshot() { sqlite3 "$S/site.db" .dump 2>/dev/null | grep -v 'INTO clock' > "$T/db.before"; }
same_db() {
	sqlite3 "$S/site.db" .dump 2>/dev/null | grep -v 'INTO clock' > "$T/db.after"
	if cmp -s "$T/db.before" "$T/db.after"; then ok "$1"; else
		diff "$T/db.before" "$T/db.after" | head -5 | sed 's/^/# /'; not_ok "$1"; fi
}
have_sqlite=yes; command -v sqlite3 >/dev/null 2>&1 || have_sqlite=

for p in jobsvc despooler pcm logon; do
	check "$p --version" $p --version
	check "$p --help" $p --help
	check_fails "$p: unknown command" $p frobnicate
done
pcm --help > "$T/help" 2>&1
if grep -q -- '--service' "$T/help" && grep -q -- '--execute' "$T/help" &&
   ! jobsvc --help | grep -q -- '--workstation'; then
	ok "pcm --help lists its own options, jobsvc --help does not"
else not_ok "pcm --help options"; fi
for c in init site package job machine-group machine status clock; do
	check "jobsvc $c --help" jobsvc $c --help
done
fails_with "a command without --site says so" "needs --site DIR" jobsvc job list

# ---- init / site show
check "init from samples/site/site.ini" $J init "$TOP/samples/site/site.ini"
$J init "$TOP/samples/site/site.ini" 2>"$T/err" >/dev/null
grep -q "already holds a site" "$T/err" && ok "init twice is refused" || not_ok "init twice"
check "site show" $J site show
$J site show > "$T/show"
check_grep "site show: response mode and retry interval" "Fast (poll every 5 min, Despooler retry every 120 min)" "$T/show"
check_grep "site show: the distribution-only server" "SRV03 *distribution *C: 1000 MB, E: 16000 MB" "$T/show"
check_grep "site show: domains" "SALES *8 workstation(s), logon servers: SALESDC" "$T/show"
$J --json site show > "$T/show.json"
check_grep "site show --json" '"code":"A01".*"servers":\[{"name":"SRV01","roles":7' "$T/show.json"
fails_with "site: unknown subcommand" "unknown subcommand 'frob' (expected show)" $J site frob

# a malformed site.ini: file:line and what was expected, nothing created
printf '[Site A01]\nResponse=Quick\n' > "$T/bad.ini"
jobsvc --site "$T/bad" init "$T/bad.ini" 2>"$T/err"; rc=$?
[ $rc -ne 0 ] && grep -q "bad.ini:2: Response: 'Quick' is not one of" "$T/err" && [ ! -e "$T/bad/site.db" ] \
	&& ok "bad site.ini refused with file:line" || { cat "$T/err"; not_ok "bad site.ini"; }
printf '[Site A01]\n[Server S1]\nSite=A01\nRoles=site\nDrives=C:10\n[Printer P]\n' > "$T/bad2.ini"
fails_with "unknown section of a site.ini: file:line" "bad2.ini:6: unknown section \[Printer P\]" jobsvc --site "$T/bad2" init "$T/bad2.ini"
fails_with "init needs one file" "init: expected one SITE.ini" jobsvc --site "$T/bad3" init

# ---- clock
check "clock set" $J clock set "1996-02-01 08:00"
$J clock show > "$T/clock"
check_grep "clock show is virtual" "1996-02-01 08:00:00 (virtual clock)" "$T/clock"
fails_with "clock does not run backwards" "time does not run backwards" $J clock set "1996-01-01 08:00"
fails_with "clock set: a bad time" "clock set: '1996-13-01' is not a valid date" $J clock set "1996-13-01"
fails_with "clock advance: not a number" "clock advance: MINUTES" $J clock advance soon
fails_with "clock advance: negative" "Unknown option -5" $J clock advance -5
fails_with "clock advance: too far" "clock advance: MINUTES" $J clock advance 99999999
jobsvc --site "$S" clock advance x >/dev/null 2>&1; [ $? -eq 2 ] && ok "usage errors exit 2" || not_ok "usage exit status"
check "clock advance" $J clock advance 30
$J --json clock show > "$T/clock"
check_grep "clock advanced (--json)" '{"mode":"virtual","now":"1996-02-01 08:30:00"}' "$T/clock"
check "clock real" $J clock real
$J clock show > "$T/clock"
check_grep "clock real" "(real clock)" "$T/clock"
check "clock back to virtual" $J clock set "1996-02-01 08:30"

# ---- packages
check "package import (Office 95 PDF)" $J package import "$TOP/samples/packages/off95std.pdf" --source "$TOP/samples/packages/office"
$J package show A0100001 > "$T/pkg"
# command lines by their CommandName (the WCL Name of KB Q123499), the variation an alias
check_grep "package show: command lines by CommandName" "^    Automated Office 95 Typical installation$" "$T/pkg"
check_grep "package show: command line" "command line: setup.exe /B1 /Q1 /S OFF95STD.STF" "$T/pkg"
check_grep "package show: setup variation as alias" "setup variation: Typical (accepted as an alias)" "$T/pkg"
check_grep "package show: name = Product + Version (SDK importer)" "^Package A0100001  Microsoft Office for Windows 95 Standard 7.0$" "$T/pkg"
check_grep "package show: platforms and flags" "platforms: Windows 95, Windows NT (x86); automated" "$T/pkg"
check_grep "package show: user input" "user input required" "$T/pkg"
check_grep "package show: share name" "OFFICE95 (UserRead, GuestRead)" "$T/pkg"
check_grep "package show: program items from the PDF" "Program items *2" "$T/pkg"
$J package show A0100001 --pdf > "$T/pdf.out"
cmp -s "$T/pdf.out" "$TOP/samples/packages/off95std.pdf" && ok "package show --pdf: the PDF as imported" || not_ok "package show --pdf"
$J --json package show "microsoft office for windows 95 standard 7.0" > "$T/pkg.json"
check_grep "package show by name --json" '"id":"A0100001".*"platforms":130' "$T/pkg.json"
check_grep "package show --json: CommandName and variation" '"name":"Automated Office 95 Typical installation","variation":"Typical"' "$T/pkg.json"
check "package import --name" $J package import "$TOP/samples/packages/off95std.pdf" --source "$TOP/samples/packages/office" --name "Office (second copy)"
snapshot
fails_with "package import: missing source dir" "Workstations source directory $T/nope does not exist" $J package import "$TOP/samples/packages/off95std.pdf" --source "$T/nope"
printf '[PDF]\nVersion=1.0\n[Package Definition]\nProduct=X\nSetupVariations=Typical\n' > "$T/bad.pdf"
fails_with "bad PDF: names the missing section" "bad.pdf.*\[Typical Setup\]" $J package import "$T/bad.pdf" --source "$T"
printf '[PDF]\nVersion=1.0\n[Package Definition]\nProduct=X\nSetupVariations=A\n[A Setup]\nCommandLine=a.bat\nSupportedPlatforms=Windows 95\n' > "$T/nosrc.pdf"
fails_with "PDF with command lines needs a source" "give the Workstations source directory" $J package import "$T/nosrc.pdf"
fails_with "package show: unknown package" "no package 'NOPE' at site A01" $J package show NOPE
fails_with "package import: no file" "package import: expected FILE.PDF" $J package import
fails_with "package list: --source belongs to import" "belong to import" $J package list --source /
[ -n "$have_sqlite" ] && same_db "failed imports leave the database as it was"
$J package list > "$T/plist"
[ "$(grep -c '^A01' "$T/plist")" -eq 2 ] && ok "package list: two packages" || { cat "$T/plist"; not_ok "package list"; }
$J --json package list > "$T/plist.json"
check_grep "package list --json" '"id":"A0100002","name":"Office (second copy)","version":"7.0","commands":4' "$T/plist.json"

# ---- machine groups and computers
check "machine-group create" $J machine-group create PILOT2
fails_with "machine-group create twice" "machine group 'pilot2' exists already" $J machine-group create pilot2
fails_with "machine-group create: unknown site" "site B99 is not known to site A01" $J machine-group create REMOTE --group-site B99
check "machine-group add" $J machine-group add PILOT2 WKS0003 sal002
snapshot
fails_with "machine-group add: unknown computer, nothing added" "no computer 'NOSUCH' at site A01 (nothing was added to PILOT2)" $J machine-group add PILOT2 WKS0004 NOSUCH
[ -n "$have_sqlite" ] && same_db "a refused add leaves the group as it was"
fails_with "machine-group add: unknown group" "no machine group 'BETA'" $J machine-group add BETA WKS0001
$J machine-group list > "$T/groups"
check_grep "group members" "PILOT2 *A01 *2  SAL002, WKS0003" "$T/groups"
check_grep "sample group" "PILOT *A01 *3  SAL001, WKS0001, WKS0002" "$T/groups"
$J --json machine-group list > "$T/groups.json"
check_grep "machine-group list --json" '{"name":"PILOT2","site":"A01","members":\["SAL002","WKS0003"\]}' "$T/groups.json"
$J machine list > "$T/machines"
[ "$(grep -c '^WKS\|^SAL' "$T/machines")" -eq 20 ] && ok "machine list: 20 computers" || not_ok "machine list"
$J machine list --query "Platform = 'Windows NT 4.0 (x86)' AND Name LIKE '%1_'" > "$T/q"
check_grep "machine list --query: platform versions and LIKE" "3 computer(s) match" "$T/q"
check_grep "machine list --query: WKS0011" "^WKS0011 " "$T/q"
fails_with "machine list: a bad query names the offset" "at offset 7: expected '=' or LIKE after Domain, found 'IS'" $J machine list --query "Domain IS 'CORP'"

# ---- jobs
check "job create (Run Command, every run-phase time)" $J job create --type "Run Command On Workstation" \
	--package A0100001 --command Typical --target "Machine Path: A01|CORP|*" \
	--start-after "1996-02-01 09:00" --offer-after "1996-02-01 10:00" \
	--mandatory-after "1996-02-02 09:00" --expires-after "1996-08-01 09:00" --priority High \
	--comment "Office for CORP" --name office-corp
snapshot
fails_with "RunCommand=yes needs a Command" "missing Command" $J job create --type "Run Command On Workstation" --package A0100001 --target "Machine Path: *|*|*" --set RunCommand=yes
fails_with "unknown command line" "package A0100001 has no command line 'Deluxe' (it has: 'Automated Office 95 Typical installation' (setup variation Typical), 'Automated Office 95 Compact installation' (setup variation Compact)" $J job create --type "Run Command On Workstation" --package A0100001 --command Deluxe --target "Machine Path: *|*|*"
fails_with "mandatory before offer" "MandatoryAfter (1996-02-01 00:00:00) is earlier than OfferAfter (1996-03-01 00:00:00)" $J job create --type "Run Command On Workstation" --package A0100001 --command Typical --target "Machine Path: *|*|*" --offer-after "1996-03-01 00:00" --mandatory-after "1996-02-01 00:00"
fails_with "bad query" "job create: Target: query \"Colour = 'blue'\": at offset 0: expected an attribute" $J job create --type "Run Command On Workstation" --package A0100001 --command Typical --target "Query: Colour = 'blue'"
fails_with "unknown property" "unknown job property 'Colour'" $J job create --type "Share Package On Server" --package A0100001 --set Colour=blue
fails_with "a property twice" "Command given twice" $J job create --type "Run Command On Workstation" --package A0100001 --command Typical --set Command=Compact --target "Machine Path: *|*|*"
fails_with "--set needs KEY=VALUE" "expected KEY=VALUE" $J job create --type "Share Package On Server" --package A0100001 --set Colour
fails_with "share job with a target" "Target does not belong to a Share Package On Server job" $J job create --type "Share Package On Server" --package A0100001 --target "Machine Path: *|*|*"
fails_with "remove job with a send phase" "Send does not belong to a Remove Package From Server job" $J job create --type "Remove Package From Server" --package A0100001 --send "Even if previously sent"
fails_with "a bad time" "StartAfter: expected a time \"YYYY-MM-DD HH:MM\", got 'tomorrow'" $J job create --type "Share Package On Server" --package A0100001 --start-after tomorrow
fails_with "unknown machine group" "no machine group 'BETA'" $J job create --type "Run Command On Workstation" --package A0100001 --command Typical --target "Machine Group: BETA"
fails_with "unknown limit site" "LimitToSite: site B99 is not known" $J job create --type "Share Package On Server" --package A0100001 --limit-to-site B99
fails_with "no type" "missing Type" $J job create --package A0100001
[ -n "$have_sqlite" ] && same_db "refused jobs leave the database as it was (no ID used up)"
check "job create (Share Package)" $J job create --type "Share Package On Server" --package A0100001 --start-after "1996-02-03 09:00"
check "job create (Remove Package)" $J job create --type "Remove Package From Server" --package A0100001 --remove-from "Servers: SRV02" --start-after "1996-02-04 09:00"
check "job create (group target, send only, --set)" $J job create --type "Run Command On Workstation" --package A0100002 --target "Machine Group: pilot2" --set RunCommand=no --set "Distribute=Servers: SRV01, SRV03" --start-after "1996-02-05 09:00"
$J job list > "$T/jobs"
[ "$(grep -c Pending "$T/jobs")" -eq 4 ] && ok "four Pending jobs, IDs in order" || { cat "$T/jobs"; not_ok "job list"; }
check_grep "job list: the second job is A0100002" "^A0100002  Share Package On Server" "$T/jobs"
$J job list --ids > "$T/ids"
[ "$(cat "$T/ids" | tr '\n' ' ')" = "A0100001 A0100002 A0100003 A0100004 " ] && ok "job list --ids" || { cat "$T/ids"; not_ok "job list --ids"; }
$J --json job list > "$T/jobs.json"
check_grep "job list --json" '{"id":"A0100001","name":"office-corp","type":"Run Command On Workstation","package":"A0100001","status":"Pending"' "$T/jobs.json"
$J job show office-corp > "$T/j1"
check_grep "job show by name" "^Job A0100001 (office-corp)  Run Command On Workstation" "$T/j1"
check_grep "job show: comment" "Comment  *Office for CORP" "$T/j1"
check_grep "job show: run phase" "Automated Office 95 Typical installation: Offer After 1996-02-01 10:00:00, Mandatory After 1996-02-02 09:00:00 (also over slow links), Expires After 1996-08-01 09:00:00" "$T/j1"
check_grep "job show: send phase" "Send phase  *Only if not previously sent" "$T/j1"
check_grep "job show: distribute phase" "Distribute phase  *Default Servers" "$T/j1"
$J job show A0100004 > "$T/j4"
check_grep "job show: send and distribute only" "Run phase  *none (send and distribute only)" "$T/j4"
check_grep "job show: specified servers" "Distribute phase  *Servers: SRV01, SRV03" "$T/j4"
$J job show A0100003 > "$T/j3"
check_grep "job show: remove from" "Remove from  *Servers: SRV02" "$T/j3"
fails_with "job show: unknown job" "no job 'A01ZZZZZ' at site A01" $J job show A01ZZZZZ
fails_with "job show: one ID" "job show: expected one job ID" $J job show

# cancel a Pending job: Cancelled at once; delete it
$J job cancel A0100002 > "$T/out"
check_grep "cancel a Pending job" "Job A0100002 cancelled (it had not started)" "$T/out"
$J job show A0100002 > "$T/j2"
check_grep "cancelled job" "Overall status     Cancelled" "$T/j2"
check_grep "cancel status Complete" "Cancel status      Complete" "$T/j2"
fails_with "a Cancelled job cannot be cancelled again" "is Cancelled: only Pending, Active or Retrying" $J job cancel A0100002
check "delete a Cancelled job" $J job delete A0100002
fails_with "deleted job is gone" "no job 'A0100002'" $J job show A0100002
$J status --job A0100002 > "$T/st2"
check_grep "status of a deleted job" "Job A0100002 (Cancelled) deleted" "$T/st2"
check "delete a Pending job (it never starts)" $J job delete A0100003

# the Scheduler activates the Run Command job at its poll and resolves CORP's computers
check "clock set 09:00" $J clock set "1996-02-01 09:00"
check "poll" jobsvc --site "$S" poll
$J job show A0100001 > "$T/j1"
check_grep "job Active" "Overall status     Active" "$T/j1"
check_grep "activation time shown" "Activated  *1996-02-01 09:00:00" "$T/j1"
check_grep "12 CORP computers frozen as targets" "Total 12: None 12" "$T/j1"
fails_with "an Active job cannot be deleted" "is Active: cancel it first" $J job delete A0100001
$J --json job show A0100001 > "$T/j1.json"
check_grep "job show --json" '"status":"Active"' "$T/j1.json"
check_grep "job show --json: all machine rows and counts" '"machines_counts":{"None":12}' "$T/j1.json"
$J status --job office-corp > "$T/st"
check_grep "status messages by job name" "activated at the poll" "$T/st"
check_grep "status: the creation" "Job A0100001 created (Run Command On Workstation, package A0100001)" "$T/st"
$J status --component jobsvc --limit 1 > "$T/st1"
[ "$(wc -l < "$T/st1")" -eq 1 ] && ok "status --limit 1" || { cat "$T/st1"; not_ok "status --limit"; }
$J --json status --limit 2 > "$T/st.json"
check_grep "status --json" '^\[{"time":"1996-02-01' "$T/st.json"
fails_with "status --limit -1" "expected N >= 0" $J status --limit -1
ls "$S/servers/SRV01/C/SMS/SITE.SRV/DESPOOLR.BOX/RECEIVE/" > "$T/recv"
check_grep "instruction delivered to RECEIVE" "\.INS" "$T/recv"
check "despooler poll" despooler --site "$S" poll
ls "$S/servers/SRV01/C/SMS_PKGC/A0100001" > "$T/pkgdir"
check_grep "package on SMS_PKGC" "SETUP.EXE" "$T/pkgdir"
check_grep "despool.log SMS style" 'installed on SRV01.*\$\$<SMS_DESPOOLER><02-01-1996 09:00:00>' "$S/logs/despool.log"
# the count names what was installed (the package's 6 files), also when the decompressed
# tree was moved into place whole
check_grep "despool.log counts the files installed" 'installed on SRV01 as .*(6 file(s) installed)' "$S/logs/despool.log"
check_grep "... also on the server that took the tree whole" 'installed on SRV03 as .*(6 file(s) installed)' "$S/logs/despool.log"

# cancel an Active job: requested now, carried out by the Scheduler
$J job cancel A0100001 > "$T/out"
check_grep "cancel an Active job" "cancel requested: the Scheduler cancels it" "$T/out"
$J job show A0100001 > "$T/j1"
check_grep "cancel status Pending" "Cancel status      Pending" "$T/j1"
check_grep "still Active until the Scheduler's poll" "Overall status     Active" "$T/j1"
$J job cancel A0100001 > "$T/out"
check_grep "a second cancel changes nothing" "is being cancelled already" "$T/out"

# a command line is named by its CommandName (any case; the job keeps the CommandName)
$J job create --type "Run Command On Workstation" --package A0100001 --command "automated office 95 compact installation" --target "Machine Path: *|*|*" --name by-command-name > /dev/null
$J --json job show by-command-name > "$T/jcn.json"
check_grep "job create --command takes the CommandName; the job keeps it" '"command":"Automated Office 95 Compact installation"' "$T/jcn.json"
done_testing
