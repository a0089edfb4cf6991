#!/bin/sh
# Hostile inboxes: only regular files are read from a box. A FIFO or a symbolic link to
# /dev/zero named like a status file, or named by an .SNI's StatusMIF=, must not hang a
# pass or make it read without end; it goes to BAD/ beside the box with a status message
# and the other files in the box are processed.
. "${SMSEMU_TOP:-.}/tests/lib.sh"
S="$T/A01"
one_server_site "$S" WKS1
BOX="$S/servers/SRV01/C/SMS/LOGON.SRV/DESPOOLR.BOX"
RECV="$S/servers/SRV01/C/SMS/SITE.SRV/DESPOOLR.BOX/RECEIVE"
sni() {   # sni FILE MIF
	printf '[Status Instruction]\r\nSite=A01\r\nJobID=A0100001\r\nMachine=WKS1\r\nStatus=Failed\r\nStatusMIF=%s\r\nTime=1996-02-01 08:00:00\r\n' "$2" > "$1"
}
# logon: a FIFO and a link to /dev/zero named *.SNI, a link named *.PCK, an .SNI whose
# StatusMIF names a FIFO, and one good status file
mkfifo "$BOX/FIFO0001.SNI"
ln -s /dev/zero "$BOX/ZERO0001.SNI"
ln -s /dev/zero "$BOX/ZERO0002.PCK"
mkfifo "$BOX/PIPE0003.MIF"
sni "$BOX/GOOD0003.SNI" PIPE0003.MIF
head -c 3000000 /dev/zero | tr '\0' 'x' > "$BOX/HUGE0004.SNI"
sni "$BOX/GOOD0005.SNI" ""
check "logon poll returns with a FIFO and links to /dev/zero in its box" timeout 30 logon --site "$S" poll
for f in FIFO0001.SNI ZERO0001.SNI ZERO0002.PCK PIPE0003.MIF HUGE0004.SNI; do
	if [ -e "$BOX/BAD/$f" ] || [ -L "$BOX/BAD/$f" ] || [ -p "$BOX/BAD/$f" ]; then ok "$f moved to BAD"
	else ls -la "$BOX" "$BOX/BAD" 2>&1 | sed 's/^/# /'; not_ok "$f moved to BAD"; fi
done
[ -f "$RECV/GOOD0005.SNI" ] && ok "the good status file reached the site server" || not_ok "good .SNI not moved"
[ -f "$RECV/GOOD0003.SNI" ] && ok "an .SNI whose MIF was refused is still delivered" || not_ok "GOOD0003.SNI not moved"
jobsvc --site "$S" status --component logon > "$T/st"
check_grep "a status message names the refused FIFO" "FIFO0001.SNI.*not a regular file" "$T/st"
check_grep "a status message names the oversized file" "HUGE0004.SNI.*larger than" "$T/st"
# sender: a FIFO and a link to /dev/zero as send requests in its outbox
OUT="$S/servers/SRV01/C/SMS/SITE.SRV/SENDER.BOX/REQUESTS/LAN_DEFA.000"
mkfifo "$OUT/FIFO0008.SRQ"
ln -s /dev/zero "$OUT/ZERO0009.SRQ"
check "jobsvc poll (scheduler, sender) returns with a FIFO and a link as send requests" timeout 30 jobsvc --site "$S" poll
for f in FIFO0008.SRQ ZERO0009.SRQ; do
	if [ -p "$OUT/BAD/$f" ] || [ -L "$OUT/BAD/$f" ]; then ok "$f moved to BAD"
	else ls -la "$OUT" "$OUT/BAD" 2>&1 | sed 's/^/# /'; not_ok "$f moved to BAD"; fi
done
# despooler: status for a real job whose StatusMIF= names a FIFO or a link to /dev/zero
jobsvc simulate "$TOP/samples/scenarios/kb-forced-delivery.ini" --quiet --site-dir "$T/kb" \
	--until "1996-02-01 10:00" >/dev/null
S="$T/kb/A01"
RECV="$S/servers/SRV01/C/SMS/SITE.SRV/DESPOOLR.BOX/RECEIVE"
mkfifo "$RECV/PIPE0006.MIF"
sni "$RECV/GOOD0006.SNI" PIPE0006.MIF
sed -i 's/WKS1/WKS0001/' "$RECV/GOOD0006.SNI"
ln -s /dev/zero "$RECV/ZERO0007.MIF"
sni "$RECV/GOOD0007.SNI" ZERO0007.MIF
sed -i 's/WKS1/WKS0002/' "$RECV/GOOD0007.SNI"
check "despooler poll returns with a FIFO and a link named by StatusMIF=" timeout 30 despooler --site "$S" poll
for f in PIPE0006.MIF ZERO0007.MIF; do
	if [ -p "$RECV/BAD/$f" ] || [ -L "$RECV/BAD/$f" ]; then ok "$f moved to BAD"
	else ls -la "$RECV" "$RECV/BAD" 2>&1 | sed 's/^/# /'; not_ok "$f moved to BAD"; fi
done
jobsvc --site "$S" status --component despooler > "$T/st"
check_grep "a status message names the refused MIF" "PIPE0006.MIF.*not a regular file (a FIFO)" "$T/st"
check_grep "the .SNI's own status counts when its MIF is refused" "Status of job A0100001 from WKS0002: Failed" "$T/st"
# init that fails leaves nothing behind, so a corrected init succeeds
sed 's/^Drives=C:200$/Drives=C:200\nRegistry=missing.reg/' "$T/site.ini" > "$T/badreg.ini"
check_fails "init with a missing registry file fails" jobsvc --site "$T/I01" init "$T/badreg.ini"
[ ! -e "$T/I01" ] && ok "nothing left by the failed init" || { ls -la "$T/I01" | sed 's/^/# /'; not_ok "leftovers of a failed init"; }
mkdir "$T/I02"
check_fails "init failing half-way (injected at the 2nd atomic write)" env SMSEMU_FAULT=atomic-before-rename:2 jobsvc --site "$T/I02" init "$T/site.ini"
[ -d "$T/I02" ] && [ -z "$(ls -A "$T/I02")" ] && ok "an existing empty root is left empty" || { ls -la "$T/I02" | sed 's/^/# /'; not_ok "leftovers in an existing root"; }
check "init after the failures succeeds" jobsvc --site "$T/I02" init "$T/site.ini"
# modes: under umask 000 nothing the system writes is writable by others (logs, atomic
# writes), and an archive cannot restore a world-writable mode onto a share
(
	umask 000
	jobsvc --site "$T/U01" init "$T/site.ini" >/dev/null
	jobsvc --site "$T/U01" clock set "1996-02-01 08:00" >/dev/null
	logon --site "$T/U01" poll >/dev/null; despooler --site "$T/U01" poll >/dev/null
	mkdir -p "$T/ww/sub"; echo x > "$T/ww/sub/F"; chmod 777 "$T/ww/sub" "$T/ww/sub/F"
	jobsvc archive create "$T/ww" "$T/ww.pck" >/dev/null && jobsvc archive extract "$T/ww.pck" "$T/wx" >/dev/null
)
ww=$(find "$T/U01" -perm -o+w ! -type l | head -5)
[ -z "$ww" ] && ok "nothing under umask 000 is world-writable (logs, database, boxes)" || { echo "$ww" | sed 's/^/# /'; not_ok "world-writable: $ww"; }
[ -f "$T/wx/sub/F" ] && [ -z "$(find "$T/wx" -perm -o+w)" ] && ok "an archive restores no world-writable mode" || { ls -laR "$T/wx" | sed 's/^/# /'; not_ok "world-writable after extraction"; }
done_testing
