#!/bin/sh
# Logon servers and the PCM client: SMS IDs (also many logons at once from separate
# processes), SMS.INI keys and repair, instruction replication, offer on a skewed clock,
# mandatory countdown, running from a distribution server, status back, pcm dump.
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
[Domain CORP]
Site=A01
LogonServers=SRV01, SRV02
[Workstations W]
Domain=CORP
Names=WKS001-WKS040
Platform=Windows NT (x86)
[Workstations SKEW]
Domain=CORP
Names=AHEAD
Platform=Windows 95
ClockOffset=90
EOS
jobsvc --site "$S" init "$T/site.ini" >/dev/null || { echo "1..0 # SKIP init failed"; exit 1; }
jobsvc --site "$S" clock set "1996-02-01 08:00" >/dev/null

# 40 workstations log on at once, 20 processes in parallel: every SMS ID unique
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
check_grep "the UID file moved on" "next SMS ID on SRV01: A01010" "$T/next"

check "logon AHEAD" logon --site "$S" user dora --workstation AHEAD
ini="$S/workstations/AHEAD/SMS.INI"
check_grep "SMS.INI [SMS] SMS Unique ID" "^SMS Unique ID=A0101" "$ini"
check_grep "SMS.INI CurrentLogonServer" "^CurrentLogonServer=SRV01" "$ini"
check_grep "SMS.INI Server2" "^Server2=SRV02" "$ini"
check_grep "SMS.INI InstructionSharePoint" "^InstructionSharePoint=pcins.box" "$ini"
check_grep "SMS.INI PollingInterval" "^PollingInterval=30" "$ini"
id=$(sed -n 's/^SMS Unique ID=//p' "$ini")
# a garbled SMS.INI is repaired and keeps its SMS ID
printf 'garbage without sections\n[SMS]\nSMS Unique ID=%s\n[[[\n' "$id" > "$ini"
check "logon repairs a garbled SMS.INI" logon --site "$S" user dora --workstation AHEAD
check_grep "repaired SMS.INI keeps the SMS ID" "^SMS Unique ID=$id" "$ini"
check_fails "logon of an unknown workstation" logon --site "$S" user x --workstation NOSUCH

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
pcm --site "$S" --workstation AHEAD poll > "$T/list"
check_grep "AHEAD's clock is 90 min ahead: offered at 08:30 site time" "Pending" "$T/list"
pcm --site "$S" --workstation WKS001 poll > "$T/list1"
check_grep "WKS001 sees the command" "A0100001" "$T/list1"
grep -q "pcm.offered" "$S/logs/pcm.log" 2>/dev/null || true
jobsvc --site "$S" status --component pcm > "$T/pst"
check_grep "offer event for AHEAD" "AHEAD: offering job A0100001" "$T/pst"
if grep -q "WKS001: offering" "$T/pst"; then not_ok "WKS001 offered before 09:00 on its clock"; else ok "WKS001 not offered before its Offer After"; fi

# mandatory at 10:00 (AHEAD: 08:30 site time) -> countdown -> run -> status
jobsvc --site "$S" clock set "1996-02-01 08:35" >/dev/null
pcm --site "$S" --workstation AHEAD poll >/dev/null
jobsvc --site "$S" status --component pcm > "$T/pst"
check_grep "mandatory countdown" "AHEAD: job A0100001 is mandatory; running it in 5 minute" "$T/pst"
jobsvc --site "$S" clock set "1996-02-01 08:40" >/dev/null
pcm --site "$S" --workstation AHEAD poll >/dev/null
jobsvc --site "$S" clock set "1996-02-01 08:45" >/dev/null
pcm --site "$S" --workstation AHEAD poll > "$T/list"
check_grep "executed" "Executed" "$T/list"
ls "$S/servers/SRV01/C/SMS/LOGON.SRV/DESPOOLR.BOX/" > "$T/box"
check_grep "status instruction on the logon server" "\.SNI" "$T/box"
check "logon moves status to RECEIVE" logon --site "$S" poll
jobsvc --site "$S" clock set "1996-02-01 10:20" >/dev/null
check "despooler processes status" despooler --site "$S" poll
jobsvc --site "$S" job show A0100001 > "$T/job"
check_grep "AHEAD Complete at the site" "AHEAD .*Complete" "$T/job"

# pcm dump: any copied .INS file, no site needed; a corrupt one names the offset
cp "$S/servers/SRV02/C/SMS/LOGON.SRV/PCINS.BOX/$id.INS" "$T/copy.INS"
check "pcm dump FILE" pcm dump "$T/copy.INS"
pcm dump "$T/copy.INS" > "$T/dump"
check_grep "PCMDUMP fields" "Install By Date *: 02/01/96 10:00:00" "$T/dump"
check_grep "PCMDUMP server path" '\\\\SRV01\\SMS_PKGC\\A0100001\\' "$T/dump"
check "pcm dump --json" pcm --json dump "$T/copy.INS"
head -c 60 "$T/copy.INS" > "$T/cut.INS"
pcm dump "$T/cut.INS" 2>"$T/err"; rc=$?
[ $rc -ne 0 ] && grep -q "offset" "$T/err" && ok "truncated .INS: error names the offset" || { cat "$T/err"; not_ok "truncated .INS"; }
check "pcm messages" pcm --site "$S" --workstation AHEAD messages
done_testing
