#!/bin/sh
# Scheduler and Sender through the commands: a central site and a child site in their own
# roots on virtual clocks; jobsvc poll activates at Start After, compresses into TOSEND,
# sends to the own and the child site's RECEIVE; the child's Despooler and Sender report
# back so the parent's Job Details show both sites; a corrupt send request is moved aside
# without stopping the loop; cancel; the daemon re-reads settings on SIGHUP and stops on
# SIGTERM.
. "${SMSEMU_TOP:-.}/tests/lib.sh"
A="$T/A01" B="$T/B01"
cat > "$T/a01.ini" <<EOF
[Site A01]
Response=Fast
[Address B01]
Root=$B
[Server CENTRAL]
Site=A01
Roles=site, logon, distribution
Drives=C:4000
[Domain HQ]
Site=A01
LogonServers=CENTRAL
[Workstations HQ]
Domain=HQ
Names=HQ001-HQ003
Platform=Windows NT (x86)
EOF
cat > "$T/b01.ini" <<EOF
[Site B01]
Parent=A01
ParentAddress=$A
Response=Medium
[Server BRANCH]
Site=B01
Roles=site, logon, distribution
Drives=C:2000
[Domain BRANCH]
Site=B01
LogonServers=BRANCH
[Workstations BR]
Domain=BRANCH
Names=BR001-BR002
Platform=Windows 95
EOF
check "init the child site" jobsvc --site "$B" init "$T/b01.ini"
check "init the central site" jobsvc --site "$A" init "$T/a01.ini"
jobsvc --site "$A" clock set "1996-04-01 08:00" >/dev/null
jobsvc --site "$B" clock set "1996-04-01 08:00" >/dev/null
# the central site's database knows the child's computers (inventory flows up)
sqlite3 "$A/site.db" "INSERT INTO machines(name, site, domain, platform) VALUES
	('BR001', 'B01', 'BRANCH', 'Windows 95'), ('BR002', 'B01', 'BRANCH', 'Windows 95')" 2>/dev/null ||
	skip_all "sqlite3 command not available"
jobsvc --site "$A" package import "$TOP/samples/packages/off95std.pdf" --source "$TOP/samples/packages/office" >/dev/null
check "job create (every computer, subsites included)" jobsvc --site "$A" job create --name ALL \
	--type "Run Command On Workstation" --package A0100001 --command Typical \
	--target "Machine Path: *|*|*" --limit-to-site A01 --include-subsites yes \
	--start-after "1996-04-01 09:02"

# before Start After: Pending; the next work is at the first poll at or after 09:02 (Fast: 09:05)
check "poll before Start After" jobsvc --site "$A" poll
jobsvc --site "$A" --json job show ALL > "$T/show.json"
check_grep "still Pending before Start After" '"status":"Pending"' "$T/show.json"

# a poll by hand between Start After and the grid: still Pending (jobsvc(1): a job
# becomes Active at the first poll on the Service Response grid at or after Start After)
jobsvc --site "$A" clock set "1996-04-01 09:03" >/dev/null
check "poll by hand at 09:03" jobsvc --site "$A" poll
jobsvc --site "$A" --json job show ALL > "$T/show.json"
check_grep "still Pending between Start After and the poll grid" '"status":"Pending","sending_status"' "$T/show.json"

jobsvc --site "$A" clock set "1996-04-01 09:05" >/dev/null
check "poll at the first poll after Start After" jobsvc --site "$A" poll
jobsvc --site "$A" --json job show ALL > "$T/show.json"
check_grep "Active after the poll" '"status":"Active"' "$T/show.json"
TOSEND=$(find "$A" -type d -name TOSEND)
[ -f "$TOSEND/A0100001.W00" ] && ok "package compressed into TOSEND/A0100001.W00" || not_ok "no TOSEND/A0100001.W00"
check "the TOSEND archive can be listed" jobsvc archive list "$TOSEND/A0100001.W00"
[ -f "$TOSEND/00001A01.I00" ] && [ -f "$TOSEND/00001B01.I00" ] && ok "one instruction per target site" ||
	{ ls "$TOSEND" | sed 's/^/# /'; not_ok "instructions per site"; }
RA=$(find "$A" -type d -name RECEIVE -path "*DESPOOLR.BOX*" | head -1)
RB=$(find "$B" -type d -name RECEIVE -path "*DESPOOLR.BOX*" | head -1)
n_ins() { find "$1" -maxdepth 1 -name '*.INS' | wc -l; }
n_pck() { find "$1" -maxdepth 1 -name '*.PCK' | wc -l; }
[ "$(n_ins "$RA")" -eq 1 ] && [ "$(n_pck "$RA")" -eq 1 ] && ok "sent to the own site's RECEIVE" || not_ok "own site RECEIVE"
[ "$(n_ins "$RB")" -eq 1 ] && [ "$(n_pck "$RB")" -eq 1 ] && ok "sent to the child site's RECEIVE" || not_ok "child RECEIVE"
[ -z "$(find "$RA" "$RB" -maxdepth 1 -name '*.TMP')" ] && ok "no .TMP left in RECEIVE" || not_ok ".TMP left"
OUT=$(find "$A" -type d -name LAN_DEFA.000)
[ -z "$(ls "$OUT" | grep 'SR[QS]$')" ] && ok "outbox empty after sending" || not_ok "requests left in the outbox"
jobsvc --site "$A" status --component sender > "$T/sender"
check_grep "send.complete names the child site" "to site B01" "$T/sender"

# the child installs and reports back through its own Sender; the parent applies it
logon --site "$B" user bruno --workstation BR001 >/dev/null 2>>"$T/err"
for t in "09:15" "09:30" "09:45" "10:00" "10:15" "10:30"; do
	jobsvc --site "$B" clock set "1996-04-01 $t" >/dev/null
	despooler --site "$B" poll >/dev/null 2>>"$T/err"
	jobsvc --site "$B" poll >/dev/null 2>>"$T/err"
done
# the child's PCM record, field by field as PCMDUMP shows them (KB Q123499): SiteID is
# the client's site (B01), RequestID the central site's 7-character request ID (not the
# cut instruction ID 00001B0), WCL Name the CommandName, Package Name Product + Version,
# Install Flag 0, Expiration 168 days after the Display Date
INSB=$(find "$B" -path "*PCMDOM.BOX*" -name '*.INS' | head -1)
pcm dump "$INSB" > "$T/childdump" 2>&1
check_grep "child record: SiteID is the client's site" "^SiteID          : B01$" "$T/childdump"
check_grep "child record: RequestID of the site that wrote the request" "^RequestID       : A01[0-9A-Z]\{4\}$" "$T/childdump"
check_grep "child record: WCL Name is the CommandName" "^WCL Name        : Automated Office 95 Typical installation$" "$T/childdump"
check_grep "child record: Package Name = Product + Version" "^Package Name    : Microsoft Office for Windows 95 Standard 7.0$" "$T/childdump"
check_grep "child record: Install Flag 0" "^Install Flag    : 0$" "$T/childdump"
check_grep "child record: Display Date = Start After" "^Display Date    : 04/01/96 09:02:00$" "$T/childdump"
check_grep "child record: expires 168 days later" "^Expiration Date : 09/16/96 09:02:00$" "$T/childdump"
check_grep "child record: Expiration Full 1" "^Expiration Full : 1$" "$T/childdump"

# the child's status went up as job status MIFs batched by its Site Reporter (SMS 1.2
# Resource Guide: .JMF files in SITEREP.BOX), several per sending, on the poll grid
jobsvc --site "$B" status --component sitereporter > "$T/srep"
check_grep "the Site Reporter batched job status MIFs" "Site Reporter: [2-9][0-9]* job status MIF(s) of job A0100001 sent to site A01" "$T/srep"
[ -z "$(find "$B" -name '*.JMF')" ] && ok "SITEREP.BOX empty after the batches" || not_ok ".JMF left behind"
jobsvc --site "$A" clock set "1996-04-01 10:30" >/dev/null
check "despooler poll at the central site" despooler --site "$A" poll
check "jobsvc poll at the central site" jobsvc --site "$A" poll
jobsvc --site "$A" --json job show ALL > "$T/show.json"
check_grep "parent's Job Details show the child site" '"name":"B01","site":"B01","status":"Complete"' "$T/show.json"
check_grep "parent's Job Details show the child's server" '"name":"BRANCH"' "$T/show.json"
check_grep "the child's computers are among the targets" '"name":"BR001","site":"B01"' "$T/show.json"
check_grep "sending Complete" '"sending_status":"Complete"' "$T/show.json"

# a corrupt send request (KB Q159201) is moved aside, the loop goes on
: > "$OUT/ZZZZA01.SRQ"
printf '[Send Request]\nID=ZZZYA01\n' > "$OUT/ZZZYA01.SRQ"
jobsvc --site "$A" job create --name SHARE --type "Share Package On Server" --package A0100001 \
	--limit-to-site A01 --start-after "1996-04-01 10:30" >/dev/null
check "poll with corrupt send requests succeeds" jobsvc --site "$A" poll
jobsvc --site "$A" clock set "1996-04-01 10:35" >/dev/null
check "the next poll rolls the sending status up" jobsvc --site "$A" poll
[ -f "$OUT/BAD/ZZZZA01.SRQ" ] && [ -f "$OUT/BAD/ZZZYA01.SRQ" ] && ok "corrupt requests moved to BAD/" || not_ok "not moved aside"
jobsvc --site "$A" status --component sender > "$T/sender"
check_grep "status message names the empty request" "ZZZZA01.SRQ is unusable" "$T/sender"
check_grep "status message says truncated" "ZZZYA01.SRQ is unusable.*truncated" "$T/sender"
jobsvc --site "$A" --json job show SHARE > "$T/share.json"
check_grep "the other job was still sent" '"sending_status":"Complete"' "$T/share.json"

# a job whose source went away fails with the path named (KB Q168510), others go on
mkdir "$T/src" && cp -r "$TOP/samples/packages/office/." "$T/src/"
jobsvc --site "$A" package import "$TOP/samples/packages/off95std.pdf" --source "$T/src" --name GONE >/dev/null
rm -rf "$T/src"
jobsvc --site "$A" job create --name LOST --type "Share Package On Server" --package GONE \
	--limit-to-site A01 --start-after "1996-04-01 10:30" >/dev/null
check "poll with a missing source succeeds" jobsvc --site "$A" poll
jobsvc --site "$A" --json job show LOST > "$T/lost.json"
check_grep "missing source: job Failed" '"status":"Failed"' "$T/lost.json"
LOST=$(sed 's/^{"id":"\([^"]*\)".*/\1/' "$T/lost.json")
jobsvc --site "$A" status --job "$LOST" > "$T/lost"
check_grep "missing source: the path is named" "Compress/Package: the package source $T/src" "$T/lost"

# cancel: Active -> Cancelled at the next poll, the child gets a cancel instruction
check "job cancel" jobsvc --site "$A" job cancel ALL
jobsvc --site "$A" clock set "1996-04-01 10:40" >/dev/null
check "poll after cancel" jobsvc --site "$A" poll
jobsvc --site "$A" --json job show ALL > "$T/show.json"
check_grep "Cancelled" '"status":"Cancelled"' "$T/show.json"
check_grep "cancel status Active while the cancel instructions travel" '"cancel_status":"Active"' "$T/show.json"
jobsvc --site "$A" clock set "1996-04-01 10:45" >/dev/null
jobsvc --site "$A" poll >/dev/null
jobsvc --site "$A" --json job show ALL > "$T/show.json"
check_grep "cancel status Complete once delivered" '"cancel_status":"Complete"' "$T/show.json"
[ "$(n_ins "$RB")" -ge 1 ] && ok "cancel instruction in the child's RECEIVE" || not_ok "no cancel instruction"

# the daemon: SIGHUP re-reads settings, SIGTERM stops it cleanly
SMSEMU_TICK_MS=20 jobsvc --site "$A" run > "$T/run.out" 2>&1 & pid=$!
end=$(( $(date +%s) + 30 ))
while [ "$(date +%s)" -lt $end ] && ! grep -q "scheduler started" "$A/logs/sched.log"; do :; done
kill -HUP $pid
end=$(( $(date +%s) + 30 ))
while [ "$(date +%s)" -lt $end ] && ! grep -q "settings re-read (SIGHUP)" "$A/logs/sched.log"; do :; done
check_grep "SIGHUP: settings re-read" "settings re-read (SIGHUP)" "$A/logs/sched.log"
kill -TERM $pid
wait $pid && ok "SIGTERM: the daemon exits 0" || not_ok "daemon exit status"
check_grep "SIGTERM: clean stop logged" "scheduler stopping (signal)" "$A/logs/sched.log"
[ ! -s "$T/err" ] && ok "no errors from the child's passes" || { sed 's/^/# /' "$T/err"; not_ok "errors"; }
done_testing
