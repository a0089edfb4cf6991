#!/bin/sh
# Hostile and broken input through the programs: a drive too small for the package (the
# install retries later, nothing half-installed), names that look like shell code never
# reach a shell, and nothing the system creates is world-writable.
. "${SMSEMU_TOP:-.}/tests/lib.sh"
S="$T/A01"
mkdir -p "$T/pkg"
head -c 3000000 /dev/urandom > "$T/pkg/BIG.BIN"
printf 'MZ' > "$T/pkg/SETUP.EXE"
cat > "$T/site.ini" <<EOS
[Site A01]
Response=Fast
[Server SRV01]
Site=A01
Roles=site, logon, distribution
Drives=C:2
[Domain CORP]
Site=A01
LogonServers=SRV01
[Workstations W]
Domain=CORP
Names=WKS1
EOS
jobsvc --site "$S" init "$T/site.ini" >/dev/null
jobsvc --site "$S" clock set "1996-02-01 08:00" >/dev/null
check "import a package larger than the drive" jobsvc --site "$S" package import "$TOP/samples/packages/off95std.pdf" --source "$T/pkg" --name 'x$(touch '"$T"'/pwned)`touch '"$T"'/pwned2`'
check "a job named like shell code" jobsvc --site "$S" job create --type "Share Package On Server" --package A0100001 --name '$(touch '"$T"'/pwned3);rm -rf /'
jobsvc --site "$S" poll >/dev/null
check "despooler poll with a full drive does not fail" despooler --site "$S" poll
jobsvc --site "$S" status --component despooler > "$T/st"
check_grep "no space: the install is retried later" "Cannot decompress package .*needs [0-9]* bytes" "$T/st"
despooler --site "$S" status > "$T/ds"
check_grep "state Retrying with a next attempt" "Retrying" "$T/ds"
[ ! -e "$S/servers/SRV01/C/OFFICE95" ] && ok "nothing half-installed" || not_ok "a partial package is on the share"
ls "$S"/servers/SRV01/C/DESPOOL.TMP 2>/dev/null | grep -q . && not_ok "decompression leftovers" || ok "no decompression leftovers"
for f in pwned pwned2 pwned3; do [ ! -e "$T/$f" ] && ok "no shell ran for $f" || not_ok "a name reached a shell ($f)"; done
# the sample rollout: nothing world-writable anywhere in the site roots
jobsvc simulate "$TOP/samples/scenarios/kb-forced-delivery.ini" --quiet --site-dir "$T/sim" >/dev/null
ww=$(find "$T/sim" "$S" -perm -o+w ! -type l | head -5)
[ -z "$ww" ] && ok "no world-writable file or directory" || { echo "$ww" | sed 's/^/# /'; not_ok "world-writable paths"; }
done_testing
