#!/bin/sh
# Leftovers of a killed run (temporary files of atomic writes, an instruction a Sender was
# copying, a staged package tree, a decompression directory) are removed when the
# component owning the box starts, if they are older than the process; a file being
# written now (newer) is left alone.
. "${SMSEMU_TOP:-.}/tests/lib.sh"
S="$T/A01"
one_server_site "$S" WKS1
SRV="$S/servers/SRV01/C/SMS/SITE.SRV"
LS="$S/servers/SRV01/C/SMS/LOGON.SRV"
old() { mkdir -p "$(dirname "$1")"; if [ "${2:-}" = dir ]; then mkdir -p "$1"; echo x > "$1/F"; else echo x > "$1"; fi; touch -h -d "2 hours ago" "$1"; }
new() { mkdir -p "$(dirname "$1")"; echo x > "$1"; touch -d "1 hour" "$1"; }
old "$SRV/DESPOOLR.BOX/RECEIVE/.00001A01.INS.tmp-AbC123"
old "$SRV/DESPOOLR.BOX/RECEIVE/00002A01.TMP"
old "$S/servers/SRV01/C/SMS_PKGC/A0100001.NEW" dir
old "$S/servers/SRV01/C/OFFICE95.NEW" dir
old "$S/servers/SRV01/C/DESPOOL.TMP/A0100001.W00" dir
old "$SRV/DESPOOLR.BOX/STORE/A0100001.W00.tmp.Zz9Yx8"
new "$SRV/DESPOOLR.BOX/RECEIVE/.00003A01.INS.tmp-DeF456"
old "$SRV/DESPOOLR.BOX/RECEIVE/KEEP.TXT"
old "$SRV/SENDER.BOX/REQUESTS/LAN_DEFA.000/.00004A01.SRQ.tmp-GhI789"
old "$SRV/SENDER.BOX/TOSEND/.00004A01.INS.tmp-JkL012"
old "$LS/PCINS.BOX/.A0101000.INS.tmp-MnO345"
check "despooler poll" despooler --site "$S" poll
check "jobsvc poll" jobsvc --site "$S" poll
check "logon poll" logon --site "$S" poll
for f in "$SRV/DESPOOLR.BOX/RECEIVE/.00001A01.INS.tmp-AbC123" "$SRV/DESPOOLR.BOX/RECEIVE/00002A01.TMP" \
	"$S/servers/SRV01/C/SMS_PKGC/A0100001.NEW" "$S/servers/SRV01/C/OFFICE95.NEW" \
	"$S/servers/SRV01/C/DESPOOL.TMP/A0100001.W00" "$SRV/DESPOOLR.BOX/STORE/A0100001.W00.tmp.Zz9Yx8" \
	"$SRV/SENDER.BOX/REQUESTS/LAN_DEFA.000/.00004A01.SRQ.tmp-GhI789" "$SRV/SENDER.BOX/TOSEND/.00004A01.INS.tmp-JkL012" \
	"$LS/PCINS.BOX/.A0101000.INS.tmp-MnO345"; do
	[ ! -e "$f" ] && ok "removed: ${f#$S/servers/SRV01/}" || not_ok "left: ${f#$S/servers/SRV01/}"
done
[ -e "$SRV/DESPOOLR.BOX/RECEIVE/.00003A01.INS.tmp-DeF456" ] && ok "a temporary file newer than the process is kept" || not_ok "a file being written was removed"
[ -e "$SRV/DESPOOLR.BOX/RECEIVE/KEEP.TXT" ] && ok "other files are kept" || not_ok "KEEP.TXT removed"
check_grep "the despooler logs what it removed" "Removed 6 leftover" "$S/logs/despool.log"
done_testing
