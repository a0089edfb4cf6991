#!/bin/sh
# pcm --execute: commands really run through /bin/sh in the package directory; the exit
# code, or a status MIF written into the workstation's Windows directory, is the result;
# a command that hangs is killed after SMSEMU_PCM_TIMEOUT seconds and reported Failed.
. "${SMSEMU_TOP:-.}/tests/lib.sh"
S="$T/A01"
jobsvc --site "$S" init "$TOP/samples/site/site.ini" >/dev/null
jobsvc --site "$S" clock set "1996-02-01 08:00" >/dev/null
mkdir -p "$T/pkg"
printf 'echo installed > "$WINDIR/../installed.txt"\npwd > "$WINDIR/../cwd.txt"\n' > "$T/pkg/setup.sh"
cp "$TOP/samples/mifs/failed.mif" "$T/pkg/failed.mif"
cat > "$T/real.pdf" <<EOS
[PDF]
Version=1.0
[Package Definition]
Product=Real
SetupVariations=Auto, Fail, Mif, Hang
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
EOS
jobsvc --site "$S" package import "$T/real.pdf" --source "$T/pkg" >/dev/null
for c in Auto Fail Mif Hang; do
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
ls "$S/servers/SRV01/C/SMS/LOGON.SRV/DESPOOLR.BOX" > "$T/box"
[ "$(grep -c '\.SNI$' "$T/box")" -eq 4 ] && ok "four status instructions written" || { cat "$T/box"; not_ok "status instructions"; }
logon --site "$S" poll >/dev/null; despooler --site "$S" poll >/dev/null
jobsvc --site "$S" job show A0100002 > "$T/j2"
check_grep "a failed command makes the computer Retrying" "WKS0001 .*Retrying" "$T/j2"
jobsvc --site "$S" job show A0100001 > "$T/j1"
check_grep "a successful one Complete" "WKS0001 .*Complete" "$T/j1"
done_testing
