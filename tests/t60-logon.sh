#!/bin/sh
# Logon servers and the PCM client end to end, through the programs: SMS IDs (many
# logons and many `logon smsid take` at once from separate processes), SMS.INI keys and
# repair, instruction replication to every logon server, offer on a skewed clock,
# mandatory countdown, running from a distribution server, status MIF + .SNI back to the
# site, Job Details Complete; pcm dump of a copied file, a truncated one; bad input.
. "${SMSEMU_TOP:-.}/tests/lib.sh"
S="$T/A01"
cat > "$T/site.ini" <<EOS
[Site A01]
Response=Fast
PCMPollingInterval=30
[Server SRV01]
Site=A01
Roles=site, logon, distribution
Drives=C:2000
[Server SRV02]
Site=A01
Roles=logon
Drives=C:500
[Server SRV03]
Site=A01
Roles=logon
Drives=C:500
[Domain CORP]
Site=A01
LogonServers=SRV01, SRV02
[Domain LAB]
Site=A01
LogonServers=SRV03
[Workstations W]
Domain=CORP
Names=WKS001-WKS040
Platform=Windows NT (x86)
[Workstations SKEW]
Domain=CORP
Names=AHEAD
Platform=Windows 95
ClockOffset=90
[Workstations L]
Domain=LAB
Names=LAB01
Platform=Windows NT (x86)
EOS
jobsvc --site "$S" init "$T/site.ini" >/dev/null || { echo "1..0 # SKIP init failed"; exit 1; }
jobsvc --site "$S" clock set "1996-02-01 08:00" >/dev/null

# 40 workstations log on at once, 20 processes at a time: every SMS ID unique
i=1
while [ $i -le 40 ]; do
	n=$(printf 'WKS%03d' $i)
	logon --site "$S" user "u$i" --workstation "$n" >/dev/null 2>"$T/err.$i" &
	i=$((i + 1))
	[ $((i % 20)) -eq 0 ] && wait
done
wait
jobsvc --site "$S" machine list > "$T/machines"
ids=$(grep '^WKS' "$T/machines" | awk '{print $4}' | sort | uniq | grep -c '^A01')
[ "$ids" -eq 40 ] && ok "40 concurrent logons got 40 different SMS IDs" || { cat "$T"/err.* "$T/machines"; not_ok "concurrent SMS IDs ($ids unique)"; }
logon --site "$S" smsid show SRV01 > "$T/next"
check_grep "the UID file moved on by 40" "next SMS ID on SRV01: A0101014" "$T/next"

# 30 clients take IDs straight from SRV03's SMSID directory at once (no database)
i=1
while [ $i -le 30 ]; do
	logon --site "$S" smsid take SRV03 > "$T/take.$i" 2>&1 &
	i=$((i + 1))
done
wait
cat "$T"/take.* | sort > "$T/taken"
[ "$(grep -c '^A0103' "$T/taken")" -eq 30 ] && [ "$(sort -u "$T/taken" | wc -l)" -eq 30 ] &&
	ok "30 concurrent 'smsid take': 30 different IDs" || { cat "$T/taken"; not_ok "concurrent smsid take"; }
check_grep "none skipped: the 30th is A010300T" "^A010300T$" "$T/taken"
logon --site "$S" smsid show SRV03 > "$T/next3"
check_grep "SRV03's UID file after 30" "next SMS ID on SRV03: A010300U" "$T/next3"
check_fails "smsid take on a server that is not a logon server" logon --site "$S" smsid take NOSUCH

check "logon AHEAD" logon --site "$S" user dora --workstation AHEAD
ini="$S/workstations/AHEAD/SMS.INI"
check_grep "SMS.INI [SMS] SMS Unique ID" "^SMS Unique ID=A0101" "$ini"
check_grep "SMS.INI SiteCode" "^SiteCode=A01" "$ini"
check_grep "SMS.INI Domain" "^Domain=CORP" "$ini"
check_grep "SMS.INI CurrentLogonServer" "^CurrentLogonServer=SRV01" "$ini"
check_grep "SMS.INI Server2" "^Server2=SRV02" "$ini"
check_grep "SMS.INI InstructionSharePoint" "^InstructionSharePoint=pcins.box" "$ini"
check_grep "SMS.INI ResultSharePoint" "^ResultSharePoint=despoolr.box" "$ini"
check_grep "SMS.INI PollingInterval" "^PollingInterval=30" "$ini"
# OS= is the number SMS wrote (SMS 1.2 Resource Guide, "SMS.INI": 1 MS-DOS,
# 2 Windows 3.x, 3 OS/2, 4 Windows NT, 5 Windows 95); AHEAD runs Windows 95
check_grep "SMS.INI OS= numeric code (Windows 95 = 5)" "^OS=5$" "$ini"
# the keys Audit needs non-blank (KB Q195823), as in the sample SMS.INI (SMS 1.2 Resource Guide)
check_grep "SMS.INI [Local] NetCardID" "^NetCardID=[0-9A-F][0-9A-F]:[0-9A-F][0-9A-F]:[0-9A-F][0-9A-F]:[0-9A-F][0-9A-F]:[0-9A-F][0-9A-F]:[0-9A-F][0-9A-F]$" "$ini"
check_grep "SMS.INI [Local] MachineName" "^MachineName=AHEAD$" "$ini"
check_grep "SMS.INI [Local] SystemRole" "^SystemRole=Workstation$" "$ini"
check_grep "SMS.INI [Local] SystemType" "^SystemType=X86-based PC$" "$ini"
check_grep "SMS.INI [LogonHistory] LastLoggedUser" "^LastLoggedUser=dora$" "$ini"
id=$(sed -n 's/^SMS Unique ID=//p' "$ini")
# a garbled SMS.INI is repaired and keeps its SMS ID
printf 'garbage without sections\n[SMS]\nSMS Unique ID=%s\n[[[\n' "$id" > "$ini"
check "logon repairs a garbled SMS.INI" logon --site "$S" user dora --workstation AHEAD
check_grep "repaired SMS.INI keeps the SMS ID" "^SMS Unique ID=$id" "$ini"
check_grep "repaired SMS.INI has its keys back" "^CurrentLogonServer=SRV01" "$ini"
jobsvc --site "$S" status --component logon > "$T/lst"
check_grep "the repair is reported" "AHEAD: SMS.INI repaired" "$T/lst"
check_fails "logon of an unknown workstation" logon --site "$S" user x --workstation NOSUCH
logon --site "$S" user x --workstation NOSUCH 2>"$T/err" ; grep -q "not in a domain of site A01" "$T/err" &&
	ok "the error says why" || not_ok "unknown workstation message"
# LAB's only logon server is down: a clear error, no SMS.INI
mv "$S/servers/SRV03/C/SMS/LOGON.SRV" "$T/srv03.away"
check_fails "logon with no reachable logon server" logon --site "$S" user x --workstation LAB01
[ -f "$S/workstations/LAB01/SMS.INI" ] && not_ok "SMS.INI written without a logon server" || ok "nothing written without a logon server"
mv "$T/srv03.away" "$S/servers/SRV03/C/SMS/LOGON.SRV"

# a job for everyone; offered at 09:00 on the workstations' clocks
jobsvc --site "$S" package import "$TOP/samples/packages/off95std.pdf" --source "$TOP/samples/packages/office" >/dev/null
jobsvc --site "$S" job create --type "Run Command On Workstation" --package A0100001 --command Typical \
	--target "Machine Path: A01|CORP|*" --start-after "1996-02-01 08:30" --offer-after "1996-02-01 09:00" \
	--mandatory-after "1996-02-01 10:00" >/dev/null
jobsvc --site "$S" clock set "1996-02-01 08:30" >/dev/null
check "scheduler poll" jobsvc --site "$S" poll
check "despooler poll" despooler --site "$S" poll
check "logon poll (replication)" logon --site "$S" poll
for s in SRV01 SRV02; do
	[ -f "$S/servers/$s/C/SMS/LOGON.SRV/PCINS.BOX/$id.INS" ] && ok "instructions replicated to $s" || not_ok "no $id.INS on $s"
done
[ -f "$S/servers/SRV03/C/SMS/LOGON.SRV/PCINS.BOX/$id.INS" ] && not_ok "copied to another domain's logon server" || ok "not copied to LAB's logon server"
pcm --site "$S" --workstation AHEAD poll > "$T/list"
check_grep "AHEAD's clock is 90 min ahead: offered at 08:30 site time" "A0100001 *Pending" "$T/list"
pcm --site "$S" --workstation WKS001 poll > "$T/list1"
check_grep "WKS001 knows the command" "A0100001" "$T/list1"
check_grep "pcm list shows the Command Name (WCL Name) and the line" "A0100001 .*Automated Office 95 Typical installation \[setup.exe /B1 /Q1 /S OFF95STD.STF\]" "$T/list1"
# LastPCMFileTime follows the site's (virtual) clock: 1996-02-01 08:30 = 823163400 s
check_grep "SMS.INI LastPCMFileTime on the virtual clock" "^LastPCMFileTime=823163400$" "$S/workstations/WKS001/SMS.INI"
jobsvc --site "$S" status --component pcm > "$T/pst"
check_grep "offer event for AHEAD" "AHEAD: offering job A0100001" "$T/pst"
if grep -q "WKS001: offering" "$T/pst"; then not_ok "WKS001 offered before 09:00 on its clock"; else ok "WKS001 not offered before its Offer After"; fi

# mandatory at 10:00 (AHEAD: 08:30 site time) -> countdown -> run at 08:35 -> status
jobsvc --site "$S" status --component pcm > "$T/pst"
check_grep "mandatory countdown" "AHEAD: job A0100001 is mandatory; running it in 5 minute" "$T/pst"
jobsvc --site "$S" clock set "1996-02-01 08:35" >/dev/null
pcm --site "$S" --workstation AHEAD poll >/dev/null
jobsvc --site "$S" clock set "1996-02-01 08:37" >/dev/null
pcm --site "$S" --workstation AHEAD poll > "$T/list"
check_grep "running" "A0100001 *Running" "$T/list"
despooler --site "$S" share list > "$T/shares"
check_grep "the running command holds the package's file" "setup.exe *dora *pcm .*open" "$T/shares"
jobsvc --site "$S" clock set "1996-02-01 08:45" >/dev/null
pcm --site "$S" --workstation AHEAD poll > "$T/list"
check_grep "executed" "A0100001 *Executed.*Success" "$T/list"
ls "$S/servers/SRV01/C/SMS/LOGON.SRV/DESPOOLR.BOX/" > "$T/box"
check_grep "status MIF on the logon server" "^$id...\.PCK$" "$T/box"
check_grep "status instruction on the logon server" "^$id...\.SNI$" "$T/box"
check "logon moves status to RECEIVE" logon --site "$S" poll
ls "$S/servers/SRV01/C/SMS/SITE.SRV/DESPOOLR.BOX/RECEIVE" > "$T/recv"
check_grep "the status MIF reached RECEIVE" "^$id...\.PCK$" "$T/recv"
jobsvc --site "$S" clock set "1996-02-01 10:20" >/dev/null
check "despooler processes status" despooler --site "$S" poll
jobsvc --site "$S" job show A0100001 > "$T/job"
check_grep "AHEAD Complete at the site" "AHEAD .*Complete" "$T/job"

# KB Q163488: the PCM re-parses its instruction file only when the file changed. The SMS
# 1.2 bug that came with it -- a job whose Offer After was still in the future when the
# file was read stays invisible until the file changes again -- is not reproduced:
# WKS001 read its file at 08:30 (Offer After 09:00) and gets the job at its next check
# although the file has not changed since
INSW="$S/servers/SRV01/C/SMS/LOGON.SRV/PCINS.BOX/$(sed -n 's/^SMS Unique ID=//p' "$S/workstations/WKS001/SMS.INI").INS"
before=$(stat -c %Y "$INSW")
pcm --site "$S" --workstation WKS001 poll > "$T/list1b"
[ -f "$INSW" ] && [ "$(stat -c %Y "$INSW")" = "$before" ] && ok "WKS001's instruction file unchanged since 08:30" || not_ok "the file changed"
jobsvc --site "$S" status --component pcm > "$T/pst"
check_grep "WKS001 offered the job without a new file (KB Q163488 bug not reproduced)" "WKS001: offering job A0100001" "$T/pst"

# pcm dump: any copied .INS file, no site needed; a truncated one names the offset
cp "$S/servers/SRV02/C/SMS/LOGON.SRV/PCINS.BOX/$id.INS" "$T/copy.INS"
check "pcm dump FILE" pcm dump "$T/copy.INS"
pcm dump "$T/copy.INS" > "$T/dump"
check_grep "PCMDUMP dates" "02/01/96 10:00:00" "$T/dump"
check_grep "PCMDUMP server path" 'SRV01\\SMS_PKGC\\A0100001' "$T/dump"
head -c 60 "$T/copy.INS" > "$T/cut.INS"
pcm dump "$T/cut.INS" 2>"$T/err"; rc=$?
[ $rc -ne 0 ] && grep -q "offset" "$T/err" && ok "truncated .INS: error names the offset" || { cat "$T/err"; not_ok "truncated .INS"; }
check "pcm messages" pcm --site "$S" --workstation AHEAD messages
check_fails "pcm poll of a workstation that never logged on" pcm --site "$S" --workstation LAB01 poll
done_testing
