#!/bin/sh
# Forced delivery timing through the whole simulator, for every Service Response mode and
# several registry settings: the time from the first failed install (first
# distribute.locked) to the forced disconnect and install must be x*(y+1)+z minutes,
# x = 24, 120, 360, 720 (Very Fast, Fast, Medium, Slow); warnings come z minutes earlier.
. "${SMSEMU_TOP:-.}/tests/lib.sh"

epoch() { date -u -d "$1" +%s; }

field() { # field NAME JSON-LINE
	printf '%s\n' "$2" | sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"
}

scenario() { # mode y z -> scenario file on stdout
	cat <<EOS
[Scenario]
Start=1996-02-01 08:00

[Site A01]
Response=$1

[Server SRV01]
Site=A01
Roles=site, logon, distribution
Drives=C:2000
Registry=forced.reg

[Domain CORP]
Site=A01
LogonServers=SRV01

[Workstations W]
Domain=CORP
Names=WKS01

[Package P]
Site=A01
PDF=$TOP/samples/packages/off95std.pdf
Source=$TOP/samples/packages/office

[Job INSTALL]
Site=A01
Type=Share Package On Server
Package=P
StartAfter=1996-02-01 08:00

[Job REFRESH]
Site=A01
Type=Share Package On Server
Package=P
StartAfter=1996-02-01 09:00
Send=Even if previously sent
Distribute=Refresh Existing

[Lock L]
Server=SRV01
Package=P
File=SETUP.EXE
User=frank
From=1996-02-01 08:30
Until=never
EOS
}

for spec in "Very Fast:24:3:1" "Very Fast:24:12:5" "Fast:120:10:5" "Fast:120:1:0" \
            "Medium:360:2:30" "Slow:720:4:10" "Slow:720:12:5"; do
	mode=${spec%%:*}; rest=${spec#*:}; x=${rest%%:*}; rest=${rest#*:}; y=${rest%%:*}; z=${rest#*:}
	d="$T/$(echo "$mode-$y-$z" | tr ' ' '_')"; mkdir -p "$d"
	scenario "$mode" > "$d/s.ini"
	printf 'REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SMS\\Components\\SMS_Despooler]\r\n"Use Forced Disconnect"=dword:00000001\r\n"Number Of Retries Before Forced Disconnection"=dword:%08x\r\n"Forced Disconnection Delay In Minutes"=dword:%08x\r\n' "$y" "$z" > "$d/forced.reg"
	if ! jobsvc simulate "$d/s.ini" --quiet --site-dir "$d/sites" --events "$d/ev.jsonl" >"$d/out" 2>&1; then
		sed 's/^/# /' "$d/out"; not_ok "$mode y=$y z=$z: simulate"; continue
	fi
	first=$(grep '"event":"distribute.locked"' "$d/ev.jsonl" | head -1)
	warn=$(grep '"event":"distribute.forced_warning"' "$d/ev.jsonl" | head -1)
	forced=$(grep '"event":"distribute.forced_disconnect"' "$d/ev.jsonl" | head -1)
	inst=$(grep '"event":"distribute.installed"' "$d/ev.jsonl" | tail -1)
	nlocked=$(grep -c '"event":"distribute.locked"' "$d/ev.jsonl")
	if [ -z "$first" ] || [ -z "$forced" ] || [ -z "$warn" ]; then
		not_ok "$mode y=$y z=$z: missing locked/warning/forced events"; continue
	fi
	t0=$(epoch "$(field time "$first")")
	tw=$(epoch "$(field time "$warn")")
	tf=$(epoch "$(field time "$forced")")
	ti=$(epoch "$(field time "$inst")")
	want=$(( (x * (y + 1) + z) * 60 ))
	if [ $((tf - t0)) -eq $want ] && [ $((ti - t0)) -eq $want ]; then
		ok "$mode y=$y z=$z: forced delivery $(( (tf - t0) / 60 )) min after the first failure = x(y+1)+z"
	else
		not_ok "$mode y=$y z=$z: forced after $(( (tf - t0) / 60 )) min, installed after $(( (ti - t0) / 60 )) min, expected $((want / 60))"
	fi
	if [ $((tw - t0)) -eq $(( x * (y + 1) * 60 )) ]; then
		ok "$mode y=$y z=$z: warning at x(y+1)"
	else
		not_ok "$mode y=$y z=$z: warning after $(( (tw - t0) / 60 )) min, expected $((x * (y + 1)))"
	fi
	# the first failure plus y retries
	if [ "$nlocked" -eq $((y + 1)) ]; then
		ok "$mode y=$y z=$z: $nlocked failed attempts before the force"
	else
		not_ok "$mode y=$y z=$z: $nlocked distribute.locked events, expected $((y + 1))"
	fi
done
done_testing
