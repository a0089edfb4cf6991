#!/bin/sh
# make check-hosts: a site served by a real smbd to two workstation hosts over SMB.
#
# Network namespaces (root): a bridge, the site server SRV01 (10.77.0.1) and two
# workstations WKS1 (10.77.0.11, user alice) and WKS2 (10.77.0.12, user bob) on it;
# nothing else is reachable from them. smbd (Debian samba) serves the shares that
# `jobsvc shares --samba` writes for SRV01, in the server's namespace, with private state
# directories and a private passwd (a mount namespace of its own), started with setsid.
# The workstations mount the shares through FUSE with smbnetfs. Then, with today's
# programs on the site side:
#   - the workstation reads its instruction file from \\SRV01\SMS_SHR\PCINS.BOX;
#   - writes a file into DESPOOLR.BOX (temporary name, then rename);
#   - takes an SMS ID by renaming the .UID file in SMSID, which `logon smsid show` sees;
#   - a user cannot reach SMS_SITE (the service account's share);
#   - a file open on one workstation cannot be deleted or renamed over from another;
#     no hard links, no symlinks, whole-second times;
#   - a file of SMS_PKGC\<PackageID> held open over SMB is seen by the Despooler's
#     locked-file check through smbstatus: a Refresh Existing job waits (distribute.locked
#     naming bob at WKS2's address) and installs once the file is closed;
#   - smbcontrol close-share ends the sessions on a share.
# Everything it starts is stopped by pid and its own namespaces are deleted on exit.
# Needs: root, ip, unshare, nsenter, /dev/fuse, smbd, smbpasswd, smbstatus, smbcontrol,
# testparm, smbnetfs (apt-get install samba smbclient smbnetfs fuse3). Otherwise skips.
. "${SMSEMU_TOP:-.}/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, FUSE)"
for c in ip unshare nsenter smbd smbpasswd smbstatus smbcontrol testparm smbnetfs; do
	command -v "$c" >/dev/null 2>&1 || skip_all "no $c (apt-get install samba smbclient smbnetfs fuse3)"
done
[ -c /dev/fuse ] || skip_all "no /dev/fuse"
ip netns add "smsemu$$-probe" 2>/dev/null || skip_all "cannot create network namespaces here"
ip netns del "smsemu$$-probe"

NS=smsemu$$
SRV_IP=10.77.0.1
PIDS="$T/pids"
: > "$PIDS"

cleanup() {
	# workstations first (their FUSE mounts go with them), then smbd; only our pids
	for p in $(tac "$PIDS" 2>/dev/null); do kill "$p" 2>/dev/null; done
	for p in $(cat "$PIDS" 2>/dev/null); do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$p" 2>/dev/null
	done
	for n in w1 w2 srv br; do ip netns del "$NS-$n" 2>/dev/null; done
	[ -n "${SMSEMU_KEEP_TMP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# wait_for TRIES command...: poll a real daemon's readiness (0.1 s apart)
wait_for() {
	_t=$1; shift
	while [ "$_t" -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; _t=$((_t - 1)); done
	return 1
}

# ---- the network: a bridge namespace, one veth per host, 10.77.0.0/24 only -------------
net() {
	ip netns add "$NS-br" && ip -n "$NS-br" link add br0 type bridge &&
	ip -n "$NS-br" link set br0 up || return 1
	for h in srv:1 w1:11 w2:12; do
		n=${h%%:*} a=${h#*:}
		ip netns add "$NS-$n" &&
		ip link add "p-$n" netns "$NS-br" type veth peer name eth0 netns "$NS-$n" &&
		ip -n "$NS-br" link set "p-$n" master br0 && ip -n "$NS-br" link set "p-$n" up &&
		ip -n "$NS-$n" addr add "10.77.0.$a/24" dev eth0 &&
		ip -n "$NS-$n" link set eth0 up && ip -n "$NS-$n" link set lo up || return 1
	done
}
check "namespaces $NS-{br,srv,w1,w2} on one bridge, 10.77.0.0/24" net
ip -n "$NS-w1" route > "$T/routes"
if grep -v '^10\.77\.0\.0/24 ' "$T/routes" | grep -q .; then
	not_ok "a workstation has only the 10.77.0.0/24 route"; sed 's/^/# /' "$T/routes"
else
	ok "a workstation has only the 10.77.0.0/24 route"
fi

# ---- the site, with today's programs -------------------------------------------------
S="$T/site/A01"
cat > "$T/site.ini" <<EOS
[Site A01]
Response=Fast
ServiceAccount=SMSSVC
PCMPollingInterval=30
[Server SRV01]
Site=A01
Roles=site, logon, distribution
Drives=C:2000
[Domain CORP]
Site=A01
LogonServers=SRV01
[Workstations W]
Domain=CORP
Names=WKS1, WKS2
Platform=Windows NT (x86)
EOS
check "jobsvc init" jobsvc --site "$S" init "$T/site.ini"
jobsvc --site "$S" clock set "1996-02-01 08:00" >/dev/null
check "alice logs on at WKS1" logon --site "$S" user alice --workstation WKS1
check "bob logs on at WKS2" logon --site "$S" user bob --workstation WKS2
check "package import" jobsvc --site "$S" package import "$TOP/samples/packages/off95std.pdf" \
	--source "$TOP/samples/packages/office"
check "job create" jobsvc --site "$S" job create --type "Run Command On Workstation" \
	--package A0100001 --command Typical --target "Machine Path: A01|CORP|*" \
	--start-after "1996-02-01 08:30"
jobsvc --site "$S" clock set "1996-02-01 08:30" >/dev/null
check "scheduler poll" jobsvc --site "$S" poll
check "despooler poll (installs SMS_PKGC\\A0100001)" despooler --site "$S" poll
check "logon poll (replicates to PCINS.BOX)" logon --site "$S" poll
ID1=$(sed -n 's/^SMS Unique ID *= *//p' "$S/workstations/WKS1/SMS.INI" | tr -d '\r ')
SHR="$S/servers/SRV01/C/SMS/LOGON.SRV"
[ -n "$ID1" ] && [ -f "$SHR/PCINS.BOX/$ID1.INS" ] && ok "WKS1's $ID1.INS is on SRV01" ||
	not_ok "no instruction file for WKS1 ($ID1)"

# ---- smbd serving SRV01's shares -------------------------------------------------------
D="$T/srv"
mkdir -p "$D/state" "$D/cache" "$D/lock" "$D/pid" "$D/private" "$D/ncalrpc" "$D/log"
check "jobsvc shares --samba" jobsvc --site "$S" shares --samba --server SRV01 \
	--force-user root -o "$D/shares.conf"
cat > "$D/smb.conf" <<EOF
[global]
	netbios name = SRV01
	workgroup = CORP
	server role = standalone server
	interfaces = $SRV_IP/24
	bind interfaces only = yes
	disable netbios = yes
	smb ports = 445
	server min protocol = SMB2_02
	state directory = $D/state
	cache directory = $D/cache
	lock directory = $D/lock
	pid directory = $D/pid
	private dir = $D/private
	ncalrpc dir = $D/ncalrpc
	passdb backend = tdbsam:$D/private/passdb.tdb
	log file = $D/log/log.%m
	load printers = no
	printing = bsd
	printcap name = /dev/null
	disable spoolss = yes
	usershare max shares = 0
	map to guest = Bad User
	guest account = nobody
	include = $D/shares.conf
EOF
testparm -s "$D/smb.conf" > "$D/testparm.out" 2>&1
check_grep "testparm accepts the generated shares" '^\[SMS_PKGC\]' "$D/testparm.out"
if grep -q "Error\|Unknown parameter\|Ignoring unknown" "$D/testparm.out"; then
	not_ok "testparm: no errors"; sed 's/^/# /' "$D/testparm.out"
else
	ok "testparm: no errors"
fi
for s in SMS_SHRC SMS_SHR SMS_SITE SMS_PKGC; do
	grep -q "^\[$s\]" "$D/testparm.out" || not_ok "share $s in smb.conf"
done

# private users: a passwd and group of smbd's own mount namespace
cp /etc/passwd "$D/passwd"; cp /etc/group "$D/group"
echo "alice:x:47001:47000::/nonexistent:/usr/sbin/nologin" >> "$D/passwd"
echo "bob:x:47002:47000::/nonexistent:/usr/sbin/nologin" >> "$D/passwd"
echo "smsusers:x:47000:" >> "$D/group"
cat > "$D/start.sh" <<EOF
#!/bin/sh
set -e
mount --bind "$D/passwd" /etc/passwd
mount --bind "$D/group" /etc/group
printf 'alice-pw\nalice-pw\n' | smbpasswd -c "$D/smb.conf" -s -a alice >/dev/null
printf 'bob-pw\nbob-pw\n' | smbpasswd -c "$D/smb.conf" -s -a bob >/dev/null
exec smbd --foreground --no-process-group -s "$D/smb.conf" --debug-stdout -d1
EOF
chmod +x "$D/start.sh"
ip netns exec "$NS-srv" setsid unshare --mount --propagation private "$D/start.sh" \
	> "$D/smbd.out" 2>&1 < /dev/null &
SMBD=$!
echo "$SMBD" >> "$PIDS"
if wait_for 100 sh -c "ip netns exec '$NS-srv' ss -ltn | grep -q '$SRV_IP:445'"; then
	ok "smbd listens on $SRV_IP:445 (pid $SMBD)"
else
	not_ok "smbd listens on $SRV_IP:445"; sed 's/^/# /' "$D/smbd.out"
fi
grep -q '^alice:' /etc/passwd && not_ok "the host's /etc/passwd untouched" ||
	ok "the host's /etc/passwd untouched"
SMBSTATUS="nsenter -t $SMBD -m -n smbstatus -s $D/smb.conf --json"

# ---- the workstations mount SRV01's shares through smbnetfs -----------------------------
mount_ws() {  # NAME USER PASSWORD
	h="$T/$1"
	mkdir -p "$h/home/.smb" "$h/mnt"
	cat > "$h/home/.smb/smb.conf" <<EOF
[global]
	client min protocol = SMB2_02
	state directory = $h/home/.smb
	cache directory = $h/home/.smb
	lock directory = $h/home/.smb
	private dir = $h/home/.smb
EOF
	printf 'auth "%s" "%s" "%s"\nsmb_query_browsers false\n' "$SRV_IP" "$2" "$3" \
		> "$h/home/.smb/smbnetfs.conf"
	chmod 600 "$h/home/.smb/smbnetfs.conf"
	HOME="$h/home" ip netns exec "$NS-$1" setsid smbnetfs "$h/mnt" -f \
		-o "config=$h/home/.smb/smbnetfs.conf,use_libsecret=false" \
		> "$h/smbnetfs.out" 2>&1 < /dev/null &
	echo $! > "$h/pid"
	echo $! >> "$PIDS"
}
mount_ws w1 alice alice-pw
mount_ws w2 bob bob-pw
W1=$(cat "$T/w1/pid") W2=$(cat "$T/w2/pid")
# run a command on a workstation host: its network and the mount namespace holding the
# FUSE mount (ip netns exec gives each command a fresh one)
on_w1() { nsenter -t "$W1" -m -n "$@"; }
on_w2() { nsenter -t "$W2" -m -n "$@"; }
M1="$T/w1/mnt/$SRV_IP" M2="$T/w2/mnt/$SRV_IP"
if wait_for 100 on_w1 test -d "$M1/SMS_SHR/PCINS.BOX" && wait_for 100 on_w2 test -d "$M2/SMS_SHR"; then
	ok "WKS1 and WKS2 mount \\\\SRV01\\SMS_SHR through smbnetfs"
else
	not_ok "WKS1 and WKS2 mount \\\\SRV01\\SMS_SHR through smbnetfs"
	sed 's/^/# /' "$T/w1/smbnetfs.out" "$T/w2/smbnetfs.out"
fi

# ---- the instruction box, DESPOOLR.BOX, SMSID over SMB -----------------------------------
on_w1 ls "$M1/SMS_SHR/PCINS.BOX" > "$T/box" 2>&1
check_grep "WKS1 lists its instruction file over SMB" "^$ID1.INS\$" "$T/box"
check "WKS1 reads $ID1.INS over SMB" on_w1 cp "$M1/SMS_SHR/PCINS.BOX/$ID1.INS" "$T/w1/$ID1.INS"
check "the copy is the site's file byte for byte" cmp "$T/w1/$ID1.INS" "$SHR/PCINS.BOX/$ID1.INS"
pcm dump "$T/w1/$ID1.INS" > "$T/dump" 2>&1
check_grep "pcm dump of the copy names the job's package" "A0100001" "$T/dump"

printf 'status of WKS1\r\n' > "$T/w1/status.txt"
check "WKS1 writes DESPOOLR.BOX\\WKS1.TMP over SMB" \
	on_w1 cp "$T/w1/status.txt" "$M1/SMS_SHR/DESPOOLR.BOX/WKS1.TMP"
check "WKS1 renames it to WKS1.MIF over SMB" \
	on_w1 mv "$M1/SMS_SHR/DESPOOLR.BOX/WKS1.TMP" "$M1/SMS_SHR/DESPOOLR.BOX/WKS1.MIF"
check "the site server has WKS1.MIF with its content" cmp "$T/w1/status.txt" "$SHR/DESPOOLR.BOX/WKS1.MIF"
[ -e "$SHR/DESPOOLR.BOX/WKS1.TMP" ] && not_ok "no WKS1.TMP left" || ok "no WKS1.TMP left"

# the client's SMS ID allocation (KB Q127052): the name of the one .UID file is the next
# ID; the client whose rename to the following ID succeeds owns it
uid=$(on_w2 ls "$M2/SMS_SHR/SMSID" | grep '\.UID$')
cur=${uid%.UID}
nxt=$(printf '%s\n' "$cur" | awk '{
	d = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"; s = substr($0, 6, 3); v = 0
	for (i = 1; i <= 3; i++) v = v * 36 + index(d, substr(s, i, 1)) - 1
	v++; t = ""
	for (i = 0; i < 3; i++) { t = substr(d, v % 36 + 1, 1) t; v = int(v / 36) }
	print substr($0, 1, 5) t }')
if [ ${#cur} -eq 8 ]; then
	check "WKS2 takes SMS ID $cur: renames $uid to $nxt.UID over SMB" \
		on_w2 mv "$M2/SMS_SHR/SMSID/$uid" "$M2/SMS_SHR/SMSID/$nxt.UID"
	logon --site "$S" smsid show SRV01 > "$T/smsid" 2>&1
	check_grep "logon smsid show sees the rename ($cur -> $nxt)" "$nxt" "$T/smsid"
else
	not_ok "one SMSID\\*.UID file over SMB (got '$uid')"
fi

check_fails "alice cannot open SMS_SITE (the service account's share)" on_w1 ls "$M1/SMS_SITE"

# ---- the locked-file check through smbstatus ----------------------------------------------
check "jobsvc shares --smbstatus (SRV01 served by Samba)" \
	jobsvc --site "$S" shares --server SRV01 --smbstatus "$SMBSTATUS"
mkfifo "$T/release"
on_w2 sh -c 'exec 3< "$1"; read x < "$2"' sh "$M2/SMS_PKGC/A0100001/SETUP.EXE" "$T/release" &
HOLD=$!
echo "$HOLD" >> "$PIDS"
if wait_for 100 sh -c "jobsvc --site '$S' shares --server SRV01 --open | grep -q 'SETUP.EXE'"; then
	ok "bob's open SETUP.EXE appears in jobsvc shares --open"
else
	not_ok "bob's open SETUP.EXE appears in jobsvc shares --open"
fi
jobsvc --site "$S" shares --server SRV01 --open > "$T/open" 2>&1
check_grep "held by bob at WKS2's address, in package A0100001" \
	"^SRV01 *A0100001 *SETUP.EXE *bob *10.77.0.12" "$T/open"

# the rules the workstation side must live with over SMB (as on an NT server): a file
# open elsewhere cannot be deleted (EBUSY) or renamed over (EEXIST); no hard links or
# symlinks; whole-second times. The site's own local rename is not stopped by it, which
# is why the Despooler asks smbstatus.
P1="$M1/SMS_PKGC/A0100001"
check_fails "alice cannot delete SETUP.EXE while bob has it open" on_w1 rm "$P1/SETUP.EXE"
on_w1 sh -c "printf x > '$P1/NEW.TMP'"
check_fails "nor rename a file over it" on_w1 mv "$P1/NEW.TMP" "$P1/SETUP.EXE"
check_fails "no hard links over SMB" on_w1 ln "$P1/NEW.TMP" "$P1/LINK.TMP"
check_fails "no symlinks over SMB" on_w1 ln -s NEW.TMP "$P1/SYM.TMP"
on_w1 touch -d "2001-01-01 00:00:00.75" "$P1/NEW.TMP"
t=$(stat -c %y "$S/servers/SRV01/C/SMS_PKGC/A0100001/NEW.TMP")
case $t in
"2001-01-01 00:00:00.000000000"*) ok "times over SMB in whole seconds ($t)" ;;
*) not_ok "times over SMB in whole seconds ($t)" ;;
esac
on_w1 sh -c "printf old > '$P1/OLD.TMP'"
check "a rename over a closed file works" on_w1 mv "$P1/NEW.TMP" "$P1/OLD.TMP"
[ "$(cat "$S/servers/SRV01/C/SMS_PKGC/A0100001/OLD.TMP")" = x ] && ok "it replaced the file" ||
	not_ok "it replaced the file"
on_w1 rm -f "$P1/OLD.TMP"

check "a Refresh Existing job for A0100001" jobsvc --site "$S" job create \
	--type "Run Command On Workstation" --package A0100001 --command Typical \
	--target "Machine Path: A01|CORP|*" --start-after "1996-02-01 09:00" \
	--distribute "Refresh Existing"
jobsvc --site "$S" clock set "1996-02-01 09:00" >/dev/null
jobsvc --site "$S" poll >/dev/null 2>&1
check "despooler poll with SETUP.EXE open over SMB" despooler --site "$S" poll
jobsvc --site "$S" status --component despooler > "$T/dst" 2>&1
check_grep "the Despooler finds it locked (distribute.locked)" "bob" "$T/dst"
echo > "$T/release"
wait "$HOLD" 2>/dev/null
if wait_for 100 sh -c "! jobsvc --site '$S' shares --server SRV01 --open | grep -q SETUP.EXE"; then
	ok "closed over SMB: no longer open"
else
	not_ok "closed over SMB: no longer open"
fi
jobsvc --site "$S" clock set "1996-02-01 12:00" >/dev/null
check "despooler poll after the file is closed" despooler --site "$S" poll
despooler --site "$S" status > "$T/dstat" 2>&1
jobsvc --site "$S" status --component despooler > "$T/dst" 2>&1
if grep -q "^A0100002 *SRV01 *install *Done" "$T/dstat" &&
   grep -q "A0100001 on SRV01 failed: SETUP.EXE is in use by bob" "$T/dst"; then
	ok "the refresh waited while bob held SETUP.EXE and is installed once he closed it"
else
	not_ok "the refresh waited while bob held SETUP.EXE and is installed once he closed it"
	sed 's/^/# /' "$T/dstat" "$T/dst"
fi

# ---- smbcontrol close-share ends the sessions on a share ----------------------------------
on_w1 sh -c 'exec 3< "$1"; read x < "$2"' sh "$M1/SMS_PKGC/A0100001/SETUP.INF" "$T/release" &
HOLD=$!
echo "$HOLD" >> "$PIDS"
wait_for 100 sh -c "jobsvc --site '$S' shares --server SRV01 --open | grep -q SETUP.INF" &&
	ok "alice holds SETUP.INF open" || not_ok "alice holds SETUP.INF open"
check "smbcontrol smbd close-share SMS_PKGC" nsenter -t "$SMBD" -m -n smbcontrol -s "$D/smb.conf" \
	smbd close-share SMS_PKGC
if wait_for 50 sh -c "! jobsvc --site '$S' shares --server SRV01 --open | grep -q SETUP.INF"; then
	ok "after close-share nobody holds a file of SMS_PKGC"
else
	not_ok "after close-share nobody holds a file of SMS_PKGC"
fi
echo > "$T/release"
wait "$HOLD" 2>/dev/null

done_testing
