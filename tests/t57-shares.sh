#!/bin/sh
# jobsvc shares: the shares of each server as SMS named them, with their access; the
# smb.conf fragment (--samba) accepted by testparm when Samba is installed; the Samba
# site setting (--smbstatus) and --open on recorded smbstatus output; bad usage.
. "${SMSEMU_TOP:-.}/tests/lib.sh"

# a Share Package job installed OFFICE95 on APPS1 (D:) and, removed later, not on APPS2
jobsvc simulate "$TOP/samples/scenarios/share-package.ini" --site-dir "$T/sim" --quiet \
	> /dev/null 2>&1 || { echo "1..0 # SKIP simulate failed"; exit 1; }
S="$T/sim/A01"
check "shares of the site server" jobsvc --site "$S" shares
jobsvc --site "$S" shares > "$T/site"
check_grep "SMS_SHRC: the SMS root, service account only" '^\\\\SITESRV\\SMS_SHRC *SMSSVC:Full .*/servers/SITESRV/C/SMS$' "$T/site"
check_grep "SMS_SHR: LOGON.SRV, Everyone Full" '^\\\\SITESRV\\SMS_SHR *Everyone:Full .*/SMS/LOGON.SRV$' "$T/site"
check_grep "SMS_SITE: RECEIVE" '^\\\\SITESRV\\SMS_SITE *SMSSVC:Full .*/SITE.SRV/DESPOOLR.BOX/RECEIVE$' "$T/site"
jobsvc --site "$S" shares --server apps1 > "$T/apps1"
check_grep "APPS1: the package's share with its PDF's ShareAccess" '^\\\\APPS1\\OFFICE95 *Users:Read;Guests:Read .*/servers/APPS1/D/OFFICE95$' "$T/apps1"
jobsvc --site "$S" --json shares --server APPS1 > "$T/apps1.json"
check_grep "--json" '"share":"OFFICE95".*"package":"A0100001","revoked":false' "$T/apps1.json"

check "shares --samba -o FILE" jobsvc --site "$S" shares --samba --server APPS1 --force-user smsadm \
	--guest-account smsguest -o "$T/apps1.conf"
check_grep "a section per share" '^\[OFFICE95\]$' "$T/apps1.conf"
check_grep "Users:Read;Guests:Read: read only, guests welcome" "^	guest ok = yes$" "$T/apps1.conf"
check_grep "force user" "^	force user = smsadm$" "$T/apps1.conf"
jobsvc --site "$S" shares --samba > "$T/site.conf"
check_grep "SMS_SITE admits only the service account" "^	valid users = SMSSVC$" "$T/site.conf"
if command -v testparm >/dev/null 2>&1; then
	for f in site apps1; do
		printf '[global]\n\tmap to guest = Bad User\n\tinclude = %s\n' "$T/$f.conf" > "$T/smb-$f.conf"
		testparm -s "$T/smb-$f.conf" > "$T/tp-$f" 2>&1
		if grep -q "Unknown parameter\|Ignoring unknown\|Error" "$T/tp-$f" ||
		   ! grep -q '^\[' "$T/tp-$f"; then
			not_ok "testparm accepts the $f fragment"; sed 's/^/# /' "$T/tp-$f"
		else
			ok "testparm accepts the $f fragment"
		fi
	done
	check_grep "testparm reads OFFICE95 with guests admitted" "^	guest ok = Yes$" "$T/tp-apps1"
else
	ok "# SKIP testparm not installed"
	ok "# SKIP testparm not installed"
	ok "# SKIP testparm not installed"
fi

# the Samba site setting and --open, on smbstatus output recorded from smbd 4.17
P=$(sed -n 's/.*"path":"\([^"]*OFFICE95\)".*/\1/p' "$T/apps1.json")
sed "s#\"service_path\": \"/tmp/i14f/share\", \"filename\": \"new.txt\"#\"service_path\": \"$P\", \"filename\": \"SETUP.EXE\"#" \
	"$TOP/tests/data/smbstatus/two-users.json" > "$T/status.json"
check_fails "--open before --smbstatus" jobsvc --site "$S" shares --server APPS1 --open
check "--smbstatus COMMAND" jobsvc --site "$S" shares --server APPS1 --smbstatus "cat $T/status.json"
jobsvc --site "$S" shares --server APPS1 --open > "$T/open" 2>&1
check_grep "--open: bob holds SETUP.EXE of the shared package" "^APPS1 *A0100001 *SETUP.EXE *bob *10.77.0.12$" "$T/open"
[ "$(wc -l < "$T/open")" -eq 1 ] && ok "--open: only files of APPS1's shares" || { sed 's/^/# /' "$T/open"; not_ok "--open: only files of APPS1's shares"; }
check "--smbstatus none" jobsvc --site "$S" shares --server APPS1 --smbstatus none
check_fails "--open after --smbstatus none" jobsvc --site "$S" shares --server APPS1 --open

# bad usage
check_fails "unknown server" jobsvc --site "$S" shares --server NOSUCH
jobsvc --site "$S" shares --server NOSUCH 2>"$T/err"
check_grep "names the server" "no server NOSUCH in site A01" "$T/err"
check_fails "--output without --samba" jobsvc --site "$S" shares -o "$T/x.conf"
[ -e "$T/x.conf" ] && not_ok "nothing written" || ok "nothing written"
check_fails "--samba with --open" jobsvc --site "$S" shares --samba --open
check_fails "unbalanced quote in --smbstatus" jobsvc --site "$S" shares --smbstatus "cat 'x"
check_fails "extra argument" jobsvc --site "$S" shares extra
done_testing
