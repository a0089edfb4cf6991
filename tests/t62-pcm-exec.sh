#!/bin/sh
# pcm --execute runs the command in its own process group: on timeout the whole group is
# killed (a background child of the command does not survive it), and no file
# descriptor of the PCM (site database, logs, locks) is inherited by the command.
. "${SMSEMU_TOP:-.}/tests/lib.sh"
S="$T/A01"
one_server_site "$S" WKS0001 "Windows NT (x86)"
mkdir -p "$T/pkg"
printf 'ls -l /proc/self/fd/ > "$WINDIR/../fds.txt"\n' > "$T/pkg/fds.sh"
printf 'sleep 300 &\necho $! > "$WINDIR/../child.pid"\nexec sleep 300\n' > "$T/pkg/hang.sh"
cat > "$T/real.pdf" <<EOS
[PDF]
Version=1.0
[Package Definition]
Product=Real
SetupVariations=Fds, Hang
[Fds Setup]
CommandLine=sh fds.sh
UserInputRequired=FALSE
SupportedPlatforms=Windows NT (x86)
[Hang Setup]
CommandLine=sh hang.sh
UserInputRequired=FALSE
SupportedPlatforms=Windows NT (x86)
EOS
jobsvc --site "$S" package import "$T/real.pdf" --source "$T/pkg" >/dev/null
for c in Fds Hang; do
	jobsvc --site "$S" job create --type "Run Command On Workstation" --package A0100001 --command $c \
		--target "Machine Path: A01|CORP|WKS0001" --mandatory-after "1996-02-01 08:00" >/dev/null
done
logon --site "$S" user ann --workstation WKS0001 >/dev/null
jobsvc --site "$S" poll >/dev/null; despooler --site "$S" poll >/dev/null; logon --site "$S" poll >/dev/null
pcm --site "$S" --workstation WKS0001 --execute poll >/dev/null
jobsvc --site "$S" clock set "1996-02-01 08:05" >/dev/null
SMSEMU_PCM_TIMEOUT=1 pcm --site "$S" --workstation WKS0001 --execute poll > "$T/list"
W="$S/workstations/WKS0001"
check_grep "the descriptor listing ran" "fd" "$W/fds.txt"
if grep -q "site.db\|\.log\|SMS_PKG" "$W/fds.txt"; then
	sed 's/^/# /' "$W/fds.txt"; not_ok "no descriptor of the PCM reaches the command"
else ok "no descriptor of the PCM reaches the command"; fi
n=$(grep -c -- '->' "$W/fds.txt")
[ "$n" -le 4 ] && ok "the command has stdin, stdout, stderr (and ls's own) only" || { sed 's/^/# /' "$W/fds.txt"; not_ok "$n descriptors"; }
check_grep "the hanging command timed out" "A0100002 .*timed out after 1 s" "$T/list"
pid=$(cat "$W/child.pid" 2>/dev/null)
if [ -n "$pid" ] && [ -e "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then
	kill "$pid" 2>/dev/null; not_ok "the background child of a timed-out command was killed with it"
else ok "the background child of a timed-out command was killed with it"; fi
done_testing
