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
done_testing
