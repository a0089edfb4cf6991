#!/bin/sh
# Despooler: bad input in RECEIVE is moved aside with a status message and never stops
# the loop; pause/continue; a revoked share refuses new sessions but the service
# account's; the retry counter survives restarts (state lives in the site database).
. "${SMSEMU_TOP:-.}/tests/lib.sh"
# the KB scenario stopped just after the access was revoked (forced at 07:05)
check "simulate the KB example until 07:02 the next day" jobsvc simulate \
	"$TOP/samples/scenarios/kb-forced-delivery.ini" --quiet --site-dir "$T/kb" --until "1996-02-02 07:02"
S="$T/kb/A01"
RECV="$S/servers/SRV01/C/SMS/SITE.SRV/DESPOOLR.BOX/RECEIVE"
despooler --site "$S" status > "$T/st"
check_grep "status: revoked, forced delivery 22 h 05 min after 09:00" "Revoked .*1996-02-02 07:05:00" "$T/st"
despooler --site "$S" share open SRV01 OFFICE95 README.TXT --user bob 2>"$T/err"; rc=$?
[ $rc -ne 0 ] && grep -q "revoked" "$T/err" && ok "revoked share refuses a new user" || { cat "$T/err"; not_ok "revoked share"; }
check "the service account may still connect" despooler --site "$S" share open SRV01 OFFICE95 README.TXT --user SMSSVC
pcm --site "$S" --workstation WKS0001 messages > "$T/msg"
check_grep "alice got the warning" "will be updated in 5 minutes" "$T/msg"

# bad files in RECEIVE: moved aside, the pass goes on
printf 'not an instruction' > "$RECV/JUNK0001.INS"
printf '[Instruction]\nKind=Install\nID=X\n[End]\nCRC32=00000000\n' > "$RECV/JUNK0002.INS"
printf '[Status Instruction]\nSite=A01\n' > "$RECV/JUNK0003.SNI"
jobsvc --site "$S" clock set "1996-02-02 07:05" >/dev/null
check "despooler poll with bad files" despooler --site "$S" poll
for f in JUNK0001.INS JUNK0002.INS JUNK0003.SNI; do
	[ -f "$RECV/BAD/$f" ] && [ ! -f "$RECV/$f" ] && ok "$f moved to RECEIVE/BAD" || not_ok "$f not moved aside"
done
jobsvc --site "$S" status --component despooler > "$T/st"
check_grep "status message names the file" "JUNK0002.INS was moved to RECEIVE/BAD: .*checksum mismatch" "$T/st"
check_grep "truncated instruction: what was expected" "JUNK0001.INS was moved to RECEIVE/BAD: .*truncated" "$T/st"
check_grep "the forced delivery still happened in the same pass" "installed on SRV01" "$T/st"
check_grep "access restored" "Access to the package directory OFFICE95 on SRV01 restored" "$T/st"

# share sessions from the command line
check_fails "closing a session that is no longer open fails" despooler --site "$S" share close 1
despooler --site "$S" share list --all --json > "$T/sj"
check_grep "share list --all --json: closed sessions too, with the reason" '"user":"alice".*"closed_reason":"forced disconnect"' "$T/sj"
despooler --site "$S" share list > "$T/sl"
if grep -q alice "$T/sl"; then not_ok "share list shows only open sessions"; else ok "share list shows only open sessions"; fi
check "bob opens a file again (access restored)" despooler --site "$S" share open SRV01 A0100001 SETUP.EXE --user bob --machine WKS0002
despooler --site "$S" share list > "$T/sl"
check_grep "share list shows bob's session" "bob" "$T/sl"
check_fails "a path outside the package is refused" despooler --site "$S" share open SRV01 OFFICE95 ../x --user bob

# pause / continue
check "pause" despooler --site "$S" pause
check "continue" despooler --site "$S" continue
check_grep "continue re-reads the registry" "registry settings re-read" "$S/logs/despool.log"

# the retry counter survives a restart: a second process continues the count
check "simulate forced-off until mid-run" jobsvc simulate "$TOP/samples/scenarios/forced-off.ini" \
	--quiet --site-dir "$T/off" --until "1996-02-01 12:00"
S2="$T/off/A01"
despooler --site "$S2" status > "$T/st2"
check_grep "7 retries by 12:00 (every 24 min since 09:00)" "Retrying *7 " "$T/st2"
jobsvc --site "$S2" clock set "1996-02-01 12:12" >/dev/null
check "a new process polls at 12:12" despooler --site "$S2" poll
despooler --site "$S2" status > "$T/st3"
check_grep "counter continues (8th retry at 12:12)" "Retrying *8 " "$T/st3"
despooler --site "$S2" status --json > "$T/st4"
check_grep "status --json: state, count and next attempt" '"state":"Retrying","retries":8,"next_attempt":"1996-02-01 12:36:00","forced_delivery":null' "$T/st4"

# Share Package with a ShareName whose directory already holds another package: the
# Despooler makes NAME00, NAME01, ... (SMS 1.2 SDK, package folder "Share name": when
# the root directory already exists the Despooler uses FRISBEE00); nothing is overwritten
mkdir -p "$T/sh/a" "$T/sh/b"
echo first > "$T/sh/a/ONE.TXT"; echo second > "$T/sh/b/TWO.TXT"
for x in a b; do
	printf '[PDF]\nVersion=1.0\n[Package Definition]\nProduct=Tool %s\nVersion=1.0\n[Setup Package for Sharing]\nShareName=TOOLS\nShareAccess=UserRead\n' "$x" > "$T/sh/$x.pdf"
done
cat > "$T/sh/scn.ini" <<EOF
[Scenario]
Start=1996-08-05 08:00
Until=1996-08-05 12:00
[Site A01]
Response=Fast
[Server SITESRV]
Site=A01
Roles=site, logon, distribution
Drives=C:500, D:9000
[Domain CORP]
Site=A01
LogonServers=SITESRV
[Package A]
Site=A01
PDF=$T/sh/a.pdf
ServerSource=$T/sh/a
[Package B]
Site=A01
PDF=$T/sh/b.pdf
ServerSource=$T/sh/b
[Job SHAREA]
Site=A01
Type=Share Package On Server
Package=A
StartAfter=1996-08-05 09:00
[Job SHAREB]
Site=A01
Type=Share Package On Server
Package=B
StartAfter=1996-08-05 10:00
EOF
check "simulate two share packages with one ShareName" jobsvc simulate "$T/sh/scn.ini" --quiet --site-dir "$T/sh/run" --events "$T/sh/ev.jsonl"
D="$T/sh/run/A01/servers/SITESRV/D"
[ -f "$D/TOOLS/ONE.TXT" ] && ok "the first package keeps TOOLS" || { ls -R "$D" | sed 's/^/# /'; not_ok "TOOLS lost the first package"; }
[ -f "$D/TOOLS00/TWO.TXT" ] && ok "the second package goes to TOOLS00" || { ls -R "$D" | sed 's/^/# /'; not_ok "no TOOLS00"; }
[ ! -f "$D/TOOLS/TWO.TXT" ] && ok "... and not over the first" || not_ok "the second overwrote TOOLS"
grep -q 'SITESRV\\\\TOOLS00' "$T/sh/ev.jsonl" && ok "installed as \\\\SITESRV\\TOOLS00\\" || { grep installed "$T/sh/ev.jsonl" | sed 's/^/# /'; not_ok "no TOOLS00 in the event log"; }


# Drives= takes a file system per drive (C:2000:NTFS; NTFS when not given) and the
# Despooler prefers NTFS drives (SMS 1.2 Resource Guide, "Run Command On Workstation
# Jobs": the SMS_SHR drive if it has 100 MB free, else the NTFS drive with the most free
# space, else the non-NTFS one): a FAT drive with more room loses to an NTFS drive
cat > "$T/sh/ntfs.ini" <<EOF
[Scenario]
Start=1996-08-05 08:00
Until=1996-08-05 10:00
[Site A01]
Response=Fast
[Server SITESRV]
Site=A01
Roles=site, logon, distribution
Drives=C:50, D:9000:FAT, E:2000
[Domain CORP]
Site=A01
LogonServers=SITESRV
[Workstations W]
Domain=CORP
Names=PC01
[Package OFFICE]
Site=A01
PDF=$TOP/samples/packages/off95std.pdf
Source=$TOP/samples/packages/office
[Job SEND]
Site=A01
Type=Run Command On Workstation
Package=OFFICE
Target=Machine Path: A01|*|*
RunCommand=no
StartAfter=1996-08-05 09:00
EOF
check "simulate a package sent to a server with a big FAT drive" jobsvc simulate "$T/sh/ntfs.ini" --quiet --site-dir "$T/sh/ntfs"
E="$T/sh/ntfs/A01/servers/SITESRV"
[ -d "$E/E/SMS_PKGE/A0100001" ] && [ ! -d "$E/D/SMS_PKGD" ] && ok "SMS_PKGE on the NTFS drive, not the larger FAT drive D:" ||
	{ ls "$E"/* | sed 's/^/# /'; not_ok "NTFS drive not preferred"; }
sed 's/^Drives=C:50, D:9000:FAT, E:2000$/Drives=C:50, D:9000:XFS/' "$T/sh/ntfs.ini" > "$T/sh/xfs.ini"
jobsvc simulate "$T/sh/xfs.ini" --quiet --site-dir "$T/sh/xfs" > "$T/sh/xfs.out" 2>&1
grep -q "xfs.ini:[0-9]*: Drives: file system of D: expected NTFS, FAT or HPFS, got 'XFS'" "$T/sh/xfs.out" &&
	ok "an unknown file system is refused with file:line" || { sed 's/^/# /' "$T/sh/xfs.out"; not_ok "XFS accepted"; }
done_testing
