#!/bin/sh
# Workstation status end to end (PCM -> logon server -> Despooler -> Job Details), as
# SMS 1.x gave it:
# - a status MIF that does not compile: "Compilation failed ... error code = cb", the
#   computer Complete (KB Q190135); a Failed one: Retrying and message 374 (KB Q169491,
#   KB Q166833), also the ISMIF32 output printed in KB Q186415, whose START GROUP and
#   NAME = share a line (the line-based reader called it malformed: Complete);
# - exit codes not read by default (StatusFrom=mif); StatusFrom=exit-code reads them
#   (1603 failed, 3010 success with a restart), in simulations and with pcm --execute;
# - the .SNI/.PCK race of KB Q138241 under the Despooler's Compat=Q138241: the Failed
#   status MIF comes after its .SNI and is lost; without the flag it is not.
. "${SMSEMU_TOP:-.}/tests/lib.sh"

# one job, seven workstations, one outcome each
scenario() { # file StatusFrom-line Registry-line
	cat > "$1" <<EOS
[Scenario]
Start=1996-05-06 08:00
Until=1996-05-07 12:00

[Site A01]
Response=Fast
PCMPollingInterval=15
$2

[Server SRV01]
Site=A01
Roles=site, logon, distribution
Drives=C:2000
$3

[Domain CORP]
Site=A01
LogonServers=SRV01

[Workstations ALL]
Domain=CORP
Names=W-OK, W-EXIT1, W-3010, W-1603, W-FAIL, W-KB, W-BAD
LogonAt=1996-05-06 08:00

[Package OFFICE]
Site=A01
PDF=$TOP/samples/packages/off95std.pdf
Source=$TOP/samples/packages/office

[Job J1]
Site=A01
Type=Run Command On Workstation
Package=OFFICE
Command=Typical
Target=Machine Path: A01|CORP|*
StartAfter=1996-05-06 09:00
OfferAfter=1996-05-06 09:00
MandatoryAfter=1996-05-06 10:00

[Outcome EXIT1]
Job=J1
Workstations=W-EXIT1
ExitCode=1

[Outcome REBOOT]
Job=J1
Workstations=W-3010
ExitCode=3010

[Outcome MSI]
Job=J1
Workstations=W-1603
ExitCode=0x643

[Outcome FAIL]
Job=J1
Workstations=W-FAIL
StatusMIF=$TOP/samples/mifs/failed.mif

[Outcome KB]
Job=J1
Workstations=W-KB
StatusMIF=$TOP/tests/data/mif/kb-q186415-ismif32.mif

[Outcome BAD]
Job=J1
Workstations=W-BAD
StatusMIF=$TOP/samples/mifs/malformed.mif
EOS
}
run() { # name: simulate, then Job Details and status messages of the job
	if ! jobsvc simulate "$T/$1.ini" --quiet --site-dir "$T/$1" --events "$T/$1.jsonl" \
		>"$T/$1.out" 2>&1; then
		sed 's/^/# /' "$T/$1.out"; not_ok "$1: simulate"; return
	fi
	jobsvc --site "$T/$1/A01" job show A0100001 > "$T/$1.job"
	jobsvc --site "$T/$1/A01" status --job A0100001 > "$T/$1.status"
}
printf 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SMS\\Components\\SMS_Despooler]\n"Compat"="Q138241"\n' \
	> "$T/compat.reg"
scenario "$T/mif.ini" "" ""
scenario "$T/exit.ini" "StatusFrom=exit-code" ""
scenario "$T/race.ini" "" "Registry=$T/compat.reg"
scenario "$T/bad.ini" "StatusFrom=exit code" ""

# ---- SMS 1.x: the status MIF only (the default) ----
run mif
check_grep "KB Q190135: a MIF that does not compile" \
	"despooler warning Compilation failed for status MIF .*error code = cb (.*:30:2: END GROUP does not close the open block (expected END ATTRIBUTE)); the status defaults to success" \
	"$T/mif.status"
check_grep "... counts as success" "W-BAD .*Complete .*Malformed" "$T/mif.job"
check_grep "a Failed status MIF: Retrying" "W-FAIL .*Retrying .*Setup could not write to C:.MSOFFICE: disk full" "$T/mif.job"
check_grep "... and message 374" '"event":"status.failed","job":"A0100001","machine":"W-FAIL"' "$T/mif.jsonl"
check_grep "KB Q186415's ISMIF32 MIF (START GROUP    NAME = on one line): Failed, Retrying" \
	"W-KB .*Retrying .*The most effective multi-site management system that provides integrated desktop management for customers with medium to large Windows environments\.$" \
	"$T/mif.job"
check_grep "... and message 374" '"event":"status.failed","job":"A0100001","machine":"W-KB"' "$T/mif.jsonl"
grep -q '"event":"status.mif_malformed","job":"A0100001","machine":"W-KB"' "$T/mif.jsonl" &&
	not_ok "KB Q186415's MIF called malformed" || ok "KB Q186415's MIF compiles"
for w in W-EXIT1 W-3010 W-1603; do
	check_grep "StatusFrom=mif: $w's exit code is not read (Complete)" "$w .*Complete .*exit code [0-9]*, not read" "$T/mif.job"
done
check_grep "the code as written: 0x643 is 1603" "W-1603 .*exit code 1603" "$T/mif.job"
check_grep "the job Retrying (two computers Failed)" "Total 7: Complete 5 Retrying 2" "$T/mif.job"

# ---- SMS 2.0 and later: the exit code when there is no status MIF ----
run exit
check_grep "StatusFrom=exit-code: exit code 1 Retrying" "W-EXIT1 .*Retrying .*exit code 1$" "$T/exit.job"
check_grep "... 1603 Retrying" "W-1603 .*Retrying .*exit code 1603$" "$T/exit.job"
check_grep "... 3010 success with a restart" "W-3010 .*Complete .*exit code 3010: success, the computer must restart" "$T/exit.job"
check_grep "... 0 Complete" "W-OK .*Complete" "$T/exit.job"
check_grep "... the status MIF still wins" "W-FAIL .*Retrying .*Setup could not write" "$T/exit.job"
check_grep "... message 374 for exit code 1" '"event":"status.failed","job":"A0100001","machine":"W-EXIT1"' "$T/exit.jsonl"
check_grep "... total" "Total 7: Complete 3 Retrying 4" "$T/exit.job"
check_fails "StatusFrom= with a bad value is refused" jobsvc simulate "$T/bad.ini" --quiet --site-dir "$T/bad"
check_grep "... naming file:line" "bad.ini:8: StatusFrom: expected mif or exit-code, got 'exit code'" "$T/.out"
sed 's/^ExitCode=0x643$/ExitCode=0x100000000/' "$T/mif.ini" > "$T/big.ini"
check_fails "an exit code beyond 32 bits is refused" jobsvc simulate "$T/big.ini" --quiet --site-dir "$T/big"
check_grep "... naming file:line" "big.ini:[0-9]*: ExitCode: expected a 32-bit exit code" "$T/.out"

# ---- KB Q138241: the .SNI before the .PCK ----
run race
check_grep "Compat=Q138241: the Failed status MIF is lost (Complete)" "W-FAIL .*Complete" "$T/race.job"
check_grep "... also KB Q186415's" "W-KB .*Complete" "$T/race.job"
check_grep "... the job Complete" "Total 7: Complete 7" "$T/race.job"
grep -q '"event":"status.failed"' "$T/race.jsonl" && not_ok "message 374 under the race" ||
	ok "... no message 374"
check_grep "... the MIF came at the PCM's next check and was ignored" \
	"1996-05-06 10:15:00 despooler warning Status MIF A0101004001.PCK of job A0100001 from W-FAIL came after its .SNI was processed; its status (Failed: Setup could not write to C:.MSOFFICE: disk full) is ignored (Compat=Q138241, KB Q138241)" \
	"$T/race.status"
left=$(ls "$T/race/A01/servers/SRV01/C/SMS/SITE.SRV/DESPOOLR.BOX/RECEIVE" | grep -c PCK)
[ "$left" -eq 0 ] && ok "... and removed from RECEIVE" || not_ok "$left .PCK left in RECEIVE"
grep -q "mif_late" "$T/mif.jsonl" && not_ok "late MIFs without the flag" ||
	ok "without the flag the status MIF always goes first"

# ---- pcm --execute with StatusFrom=exit-code ----
S="$T/X01"
cat > "$T/site.ini" <<EOS
[Site X01]
Response=Fast
StatusFrom=exit-code
[Server SRV01]
Site=X01
Roles=site, logon, distribution
Drives=C:2000
[Domain CORP]
Site=X01
LogonServers=SRV01
[Workstations W]
Domain=CORP
Names=WKS0001
Platform=Windows NT (x86)
EOS
jobsvc --site "$S" init "$T/site.ini" >/dev/null
jobsvc --site "$S" clock set "1996-02-01 08:00" >/dev/null
jobsvc --site "$S" site show > "$T/show"
check_grep "site show says where status comes from" "Status from  *exit-code" "$T/show"
jobsvc --site "$T/mif/A01" site show > "$T/show-mif"
check_grep "... mif by default" "Status from  *mif (status MIF only" "$T/show-mif"
mkdir -p "$T/pkg"
cat > "$T/real.pdf" <<EOS
[PDF]
Version=1.0
[Package Definition]
Product=Real
SetupVariations=Ok, Fail
[Ok Setup]
CommandLine=true
UserInputRequired=FALSE
SupportedPlatforms=Windows NT (x86)
[Fail Setup]
CommandLine=sh -c "exit 3"
UserInputRequired=FALSE
SupportedPlatforms=Windows NT (x86)
EOS
jobsvc --site "$S" package import "$T/real.pdf" --source "$T/pkg" >/dev/null
for c in Ok Fail; do
	jobsvc --site "$S" job create --type "Run Command On Workstation" --package X0100001 --command $c \
		--target "Machine Path: X01|CORP|WKS0001" --mandatory-after "1996-02-01 08:00" >/dev/null
done
logon --site "$S" user ann --workstation WKS0001 >/dev/null
jobsvc --site "$S" poll >/dev/null; despooler --site "$S" poll >/dev/null; logon --site "$S" poll >/dev/null
pcm --site "$S" --workstation WKS0001 --execute poll >/dev/null
jobsvc --site "$S" clock set "1996-02-01 08:05" >/dev/null
pcm --site "$S" --workstation WKS0001 --execute poll > "$T/list"
logon --site "$S" poll >/dev/null; despooler --site "$S" poll >/dev/null
jobsvc --site "$S" job show X0100002 > "$T/x2"
check_grep "pcm --execute, StatusFrom=exit-code: exit code 3 Retrying" "WKS0001 .*Retrying .*exit code 3" "$T/x2"
jobsvc --site "$S" job show X0100001 > "$T/x1"
check_grep "... exit code 0 Complete" "WKS0001 .*Complete" "$T/x1"
done_testing
