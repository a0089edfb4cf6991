#!/bin/sh
# Logs are bounded: a log that reaches SMSEMU_LOG_MAX_BYTES (default 1 MiB) is renamed
# NAME.LO_ and a new one begins, as SMS 1.x did; the lines go on in the new file.
. "${SMSEMU_TOP:-.}/tests/lib.sh"
S="$T/A01"
jobsvc --site "$S" init "$TOP/samples/site/site.ini" >/dev/null
jobsvc --site "$S" clock set "1996-02-01 08:00" >/dev/null
SMSEMU_LOG_MAX_BYTES=3000; export SMSEMU_LOG_MAX_BYTES
i=0
while [ $i -lt 40 ]; do despooler --site "$S" pause >/dev/null; despooler --site "$S" continue >/dev/null; i=$((i + 1)); done
L="$S/logs/despool.log"; O="$S/logs/despool.LO_"
[ -f "$O" ] && ok "the full log was rolled over to despool.LO_" || { ls -l "$S/logs" | sed 's/^/# /'; not_ok "no despool.LO_"; }
n=$(wc -c < "$L"); o=$(wc -c < "$O" 2>/dev/null || echo 0)
[ "$n" -lt 3400 ] && [ "$o" -lt 3400 ] && ok "each file stays near the limit ($n and $o bytes)" || not_ok "sizes $n and $o bytes"
tail -1 "$L" | grep -q 'SMS_DESPOOLER' && ok "the new log goes on with the latest lines" || not_ok "last line"
[ -z "$(find "$S/logs" -perm -o+w)" ] && ok "no log is writable by others" || not_ok "world-writable log"
done_testing
