#!/bin/sh
# pcm dump: PCM instruction files field by field as PCMDUMP printed them (KB Q123499),
# any file without a site, --detailed, --json, corrupt files (offset + what was expected,
# exit status not 0), --all (the file a workstation's PCM reads, found via its SMS.INI).
. "${SMSEMU_TOP:-.}/tests/lib.sh"
C="$T/fixtures"
mkdir -p "$C"
# Test files (base64): KB Q123499's four records as SMS 1.0 stored them (PCM version 6),
# one SMS 1.2 record with command flags, and a file of format 1 (the first layout).
base64 -d > "$C/kb-q123499.ins" <<'EOF'
U01TUENNSRoCAAQAAgAAACsBAAAGAAMAQlBDBwBCUEMwMDFNCABCUEMwMDAwQQgAQlBDMDAwQUEA
//////////8AsACoLgAAAAABsHyFLwAAAAABAA8AAAAAAAAAJwBhY21ld2tzdC5leGUgc21zcHJv
eHlcY29tcGxldGUuc3RmIC9JOkMIAENvbXBsZXRlAgAcAFxcQ05TLVNNU1xTTVNfUEtHRFxCUEMw
MDAwQVwCAB0AXFxDTlNBUFBTMVxTTVNfUEtHRFxCUEMwMDAwQVwCAB8ATWljcm9zb2Z0IE9mZmlj
ZSBQcm9mZXNzaW9uYWwgNCEATWljcm9zb2Z0IE9mZmljZSBQcm9mZXNzaW9uYWwgNC4zAAAAAAAA
AgAcAFxcQ05TLVNNU1xTTVNfUEtHRFxCUEMwMDAwQVwAAOoBAAAGAAMAQlBDBwBHQkwwMEI5CABH
QkwwMDAxNQgAR0JMMDAxNUIA//////////8AcFurLgAAAAABcAEFLwAAAAABADMAAAAAAAAACQBh
dWRpdC5iYXQXAEZpbmQgTWljcm9zb2Z0IFNvZnR3YXJlAgAcAFxcQ05TLVNNU1xTTVNfUEtHRFxH
QkwwMDAxNVwCAB0AXFxDTlNBUFBTMVxTTVNfUEtHRFxHQkwwMDAxNVwCAB8ATVMgU29mdHdhcmUg
QXVkaXQgKDE2IFBhY2thZ2VzKe8AVGhpcyBwYWNrYWdlIHdpbGwgc2VhcmNoIHlvdXIgaGFyZCBk
aXNrIGRyaXZlcyBsb29raW5nDQpmb3IgTWljcm9zb2Z0IHNvZnR3YXJlLiBJdCB3aWxsIHJlcG9y
dCBvbmx5IHdoaWNoDQpNaWNyb3NvZnQgcHJvZ3JhbXMgeW91IGhhdmUgaW5zdGFsbGVkIG9uIHRo
aXMNCmNvbXB1dGVyLiBUaGlzIHdpbGwgYmUgdXNlZCB0byBvZmZlciB5b3Ugc29mdHdhcmUNCnVw
Z3JhZGVzIGFzIHRoZXkgYmVjb21lIGF2YWlsYWJsZS4AAAAAAAACABwAXFxDTlMtU01TXFNNU19Q
S0dEXEdCTDAwMDE1XAAAKgEAAAYAAwBCUEMHAEJQQzAwM0YIAEJQQzAwMDEwCABCUEMwMDExMgD/
/////////wCYBK0uAAAAAAGYgIovAAAAAAEBQAAAAAAAAAAaACJGbGlnaHQgU2ltdWxhdG9yIFBy
b2dyYW0iJwBJbnN0YWxsIEZsaWdodCBTaW11bGF0b3Igb24geW91ciBzeXN0ZW0CABwAXFxDTlMt
U01TXFNNU19QS0dEXEJQQzAwMDEwXAIAHQBcXENOU0FQUFMxXFNNU19QS0dEXEJQQzAwMDEwXAIA
EwBNUyBGbGlnaHQgU2ltdWxhdG9yGgBUaGlzIGlzIGZvciBNYWNpbnRvc2ggT25seQAAAAAAAAIA
HABcXENOUy1TTVNcU01TX1BLR0RcQlBDMDAwMTBcAAATAQAABgADAEJQQwcAQlBDMDA1UQgAQlBD
MDAwMTIIAEJQQzAwMUY5AERj3i4AAAAAAUzzry4AAAAAAUxvjS8AAAAAAQABAAAAAAAAAAkAcGF0
Y2guZXhlFgBQYXRjaCBvZiBOVyBSZWRpcmVjdG9yAgAcAFxcQ05TLVNNU1xTTVNfUEtHRFxCUEMw
MDAxMlwCAB0AXFxDTlNBUFBTMVxTTVNfUEtHRFxCUEMwMDAxMlwCABQAV0ZXIFZSRURJUi4zODYg
UGF0Y2gkAFBhdGNoIFV0aWxpdHkgZm9yIG5ldyBXRlcgUmVkaXJlY3RvcgAAAAAAAAIAHABcXENO
Uy1TTVNcU01TX1BLR0RcQlBDMDAwMTJcAABkkAeU
EOF
base64 -d > "$C/one-record.ins" <<'EOF'
U01TUENNSRoCAAEAAgAAANwAAAAIAAMAQlBDBwBBMDEwMDBBCABBMDEwMDAwMQgAQTAxMDAwMDEA
//////////8AEIEQMQAAAAABAD42MQAAAAABAIIAAAAAAAAADABzZXR1cC5leGUgL3EHAFR5cGlj
YWwCABwAXFxDTlMtU01TXFNNU19QS0dEXEEwMTAwMDAxXAIAHQBcXENOU0FQUFMxXFNNU19QS0dE
XEEwMTAwMDAxXAIACQBPZmZpY2UgOTUAAAQAQ09SUAoAAAACABwAXFxDTlMtU01TXFNNU19QS0dE
XEEwMTAwMDAxXAAAICR1cA==
EOF
base64 -d > "$C/format1.ins" <<'EOF'
U01TUENNSRoBAAEAPgEAAAgAAwBBMDEHADAwMDAxQTAIAEEwMTAwMDAxCABBMDEwMDAwMQAgjxAx
AAAAAAEQgRAxAAAAAAH//////////wAAggAAAAAAAAAhAHNldHVwLmV4ZSAvQjEgL1ExIC9TIE9G
Rjk1U1RELlNURgcAVHlwaWNhbAIAGgBcXFNSVjAxXFNNU19QS0dDXEEwMTAwMDAxXAIAGgBcXFNS
VjAyXFNNU19QS0dDXEEwMTAwMDAxXAIAKABNaWNyb3NvZnQgT2ZmaWNlIGZvciBXaW5kb3dzIDk1
IFN0YW5kYXJkVQBNaWNyb3NvZnQgT2ZmaWNlIGZvciBXaW5kb3dzIDk1IFN0YW5kYXJkIEVkaXRp
b24gKFdvcmQsIEV4Y2VsLCBQb3dlclBvaW50LCBTY2hlZHVsZSspBABDT1JQAgAAANHCI/M=
EOF
# byte $2 of file $1 set to octal $3, then the CRC-32 made right again (gzip's trailer
# holds the same CRC-32)
patch_byte() {
	printf "\\$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
	n=$(wc -c < "$1")
	head -c $((n - 4)) "$1" > "$1.body"
	gzip -c < "$1.body" | tail -c 8 | head -c 4 > "$1.crc"
	cat "$1.body" "$1.crc" > "$1"
	rm -f "$1.body" "$1.crc"
}
head -c 333 "$C/kb-q123499.ins" > "$C/kb-q123499-cut.ins"
cp "$C/kb-q123499.ins" "$C/kb-q123499-flipped.ins"
printf 'X' | dd of="$C/kb-q123499-flipped.ins" bs=1 seek=200 conv=notrunc 2>/dev/null
cp "$C/one-record.ins" "$C/install-flag-7.ins"
patch_byte "$C/install-flag-7.ins" 56 007
cp "$C/one-record.ins" "$C/format3-compat3.ins"
patch_byte "$C/format3-compat3.ins" 8 003
patch_byte "$C/format3-compat3.ins" 12 003
: > "$C/empty.ins"

# KB Q123499's example output (its four records, indentation removed). Only "Reserved"
# differs (SMS's internal bytes; ours are the command flags), and the KB's trailing blanks.
cat > "$T/kb.txt" <<'EOF'
File Name       : mdm00005.ins
PCM Version     : Beta 455
SiteID          : BPC
RequestID       : BPC001M
PackageID       : BPC0000A
JobID           : BPC000AA
Install Flag    : 0
Install By Date : 00/00/00 00:00:00
Install By Full : 0
Display Date    : 09/21/94 17:56:00
Display Full    : 1
Expiration Date : 03/07/95 17:56:00
Expiration Full : 1
User Input Flags: 0
Operating System: 15
Disk Usage      :
Run Command     : acmewkst.exe smsproxy\complete.stf /I:C
WCL Name        : Complete
Server(s)       : \\CNS-SMS\SMS_PKGD\BPC0000A\ Type: 2
                  Zone: \\CNS-SMS\SMS_PKGD\BPC0000A\ 
                : \\CNSAPPS1\SMS_PKGD\BPC0000A\ Type: 2
Package Name    : Microsoft Office Professional 4
Comments        : Microsoft Office Professional 4.3
Domain Name     :
Reserved        : 00 E6 F8 77 60 82 F9 77 FF FF FF FF 94 FF 03 00 FE 5F
                  40 00 00 00 05 00 08 00 00 00 0F 00 00 00
PCM Version     : Beta 455
SiteID          : BPC
RequestID       : GBL00B9
PackageID       : GBL00015
JobID           : GBL0015B
Install Flag    : 0
Install By Date : 00/00/00 00:00:00
Install By Full : 0
Display Date    : 09/24/94 07:00:00
Display Full    : 1
Expiration Date : 11/31/94 07:00:00
Expiration Full : 1
User Input Flags: 0
Operating System: 51
Disk Usage      :
Run Command     : audit.bat
WCL Name        : Find Microsoft Software
Server(s)       : \\CNS-SMS\SMS_PKGD\GBL00015\ Type: 2
                  Zone: \\CNS-SMS\SMS_PKGD\GBL00015\ 
                : \\CNSAPPS1\SMS_PKGD\GBL00015\ Type: 2
Package Name    : MS Software Audit (16 Packages)
Comments        : This package will search your hard disk drives looking
                  for Microsoft software. It will report only which
                  Microsoft programs you have installed on this
                  computer. This will be used to offer you software
                  upgrades as they become available.
Domain Name     :
Reserved        : 00 E6 F8 77 60 82 F9 77 FF FF FF FF 94 FF 03 00 FE 5F
                  40 00 00 00 05 00 08 00 00 00 0F 00 00 00
PCM Version     : Beta 455
SiteID          : BPC
RequestID       : BPC003F
PackageID       : BPC00010
JobID           : BPC00112
Install Flag    : 0
Install By Date : 00/00/00 00:00:00
Install By Full : 0
Display Date    : 09/25/94 13:14:00
Display Full    : 1
Expiration Date : 03/11/95 13:14:00
Expiration Full : 1
User Input Flags: 1
Operating System: 64
Disk Usage      :
Run Command     : "Flight Simulator Program"
WCL Name        : Install Flight Simulator on your system
Server(s)       : \\CNS-SMS\SMS_PKGD\BPC00010\ Type: 2
                  Zone: \\CNS-SMS\SMS_PKGD\BPC00010\ 
                : \\CNSAPPS1\SMS_PKGD\BPC00010\ Type: 2
Package Name    : MS Flight Simulator
Comments        : This is for Macintosh Only
Domain Name     :
Reserved        : 00 E6 F8 77 60 82 F9 77 FF FF FF FF 94 FF 03 00 FE 5F
                  40 00 00 00 05 00 08 00 00 00 0F 00 00 00
PCM Version     : Beta 455
SiteID          : BPC
RequestID       : BPC005Q
PackageID       : BPC00012
JobID           : BPC001F9
Install Flag    : 0
Install By Date : 11/01/94 23:59:00
Install By Full : 1
Display Date    : 09/27/94 18:37:00
Display Full    : 1
Expiration Date : 03/13/95 18:37:00
Expiration Full : 1
User Input Flags: 0
Operating System: 1
Disk Usage      :
Run Command     : patch.exe
WCL Name        : Patch of NW Redirector
Server(s)       : \\CNS-SMS\SMS_PKGD\BPC00012\ Type: 2
                  Zone: \\CNS-SMS\SMS_PKGD\BPC00012\ 
                : \\CNSAPPS1\SMS_PKGD\BPC00012\ Type: 2
Package Name    : WFW VREDIR.386 Patch
Comments        : Patch Utility for new WFW Redirector
Domain Name     :
Reserved        : 00 E6 F8 77 60 82 F9 77 FF FF FF FF 94 FF 03 00 FE 5F
                  40 00 00 00 05 00 08 00 00 00 0F 00 00 00
EOF
cp "$C/kb-q123499.ins" "$T/mdm00005.ins"
( cd "$T" && pcm dump mdm00005.ins ) > "$T/dump" 2>"$T/err"
check "pcm dump FILE needs no --site" test -s "$T/dump"
sed -e 's/ *$//' -e '/^Reserved/d' -e '/^                  40 00 00/d' "$T/kb.txt" > "$T/kb.want"
grep -v '^Reserved' "$T/dump" > "$T/kb.got"
if diff "$T/kb.want" "$T/kb.got" > "$T/diff"; then ok "KB Q123499's PCMDUMP output, field by field"
else sed 's/^/# /' "$T/diff"; not_ok "KB Q123499's PCMDUMP output"; fi
[ "$(grep -c '^Reserved        : 00 00 00 00$' "$T/dump")" -eq 4 ] && ok "Reserved: one per record" || not_ok "Reserved lines"

# several files: one after the other, a blank line between; -d names the numbers
pcm dump "$C/one-record.ins" "$T/mdm00005.ins" > "$T/two"
[ "$(grep -c '^File Name' "$T/two")" -eq 2 ] && grep -q '^$' "$T/two" && ok "two files" || not_ok "two files"
pcm dump --detailed "$C/one-record.ins" > "$T/det"
check_grep "--detailed: platforms" "^Operating System: 130 (0x82: Windows 95, Windows NT (x86))$" "$T/det"
check_grep "--detailed: server type" 'Type: 2 (WINNT3)$' "$T/det"
check_grep "--detailed: command flags" "^Reserved        : 0A 00 00 00 (automated, system (background) task)$" "$T/det"

# JSON
pcm --json dump "$C/one-record.ins" "$T/mdm00005.ins" > "$T/json"
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d) == 2; r = d[1]["records"][3]; assert r["job_id"] == "BPC001F9" and r["install_by"] == "1994-12-01 23:59:00" and r["install_by_full"] is True and r["servers"][1]["type"] == 2 and d[0]["records"][0]["flags"] == 10' "$T/json" \
		&& ok "--json: an array of files with every field" || { cat "$T/json"; not_ok "--json"; }
else
	check_grep "--json" '"job_id":"BPC001F9"' "$T/json"
fi

# damaged files: the offset and what was expected there; the exit status is not 0
pcm dump "$C/kb-q123499-cut.ins" > "$T/out" 2> "$T/err"; rc=$?
[ $rc -ne 0 ] && grep -q "^pcm: $C/kb-q123499-cut.ins: offset 332: expected RequestID (7 bytes), the file ends at 333 (truncated)$" "$T/err" \
	&& ok "truncated file: offset and field, exit $rc" || { cat "$T/err"; not_ok "truncated file"; }
pcm dump "$C/kb-q123499-flipped.ins" 2> "$T/err"; rc=$?
[ $rc -ne 0 ] && grep -q "offset 1394: expected the CRC-32 .* the file is corrupt" "$T/err" \
	&& ok "flipped bit: checksum" || { cat "$T/err"; not_ok "flipped bit"; }
pcm dump "$C/install-flag-7.ins" 2> "$T/err"; rc=$?
[ $rc -ne 0 ] && grep -q "offset 56: Install Flag: expected 0, 1 or 2, found 7" "$T/err" \
	&& ok "field out of range" || { cat "$T/err"; not_ok "field out of range"; }
pcm dump "$C/format3-compat3.ins" 2> "$T/err"; rc=$?
[ $rc -ne 0 ] && grep -q "format version 3 needs a reader of format 3" "$T/err" \
	&& ok "newer format refused" || { cat "$T/err"; not_ok "newer format"; }
pcm dump "$C/format1.ins" > "$T/v1" && check_grep "format 1 file still read" "^JobID           : A0100001$" "$T/v1"
# a bad file among good ones: the good ones are printed, every bad one named
pcm dump "$C/empty.ins" "$C/one-record.ins" "$T/nope.INS" > "$T/out" 2> "$T/err"; rc=$?
[ $rc -ne 0 ] && grep -q "^File Name       : $C/one-record.ins$" "$T/out" \
	&& grep -q "empty.ins: offset 0: expected the magic" "$T/err" && grep -q "nope.INS: no such file" "$T/err" \
	&& ok "good files printed, bad ones named" || { cat "$T/out" "$T/err"; not_ok "mixed files"; }
pcm dump > /dev/null 2> "$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "expected FILE... or --all" "$T/err" && ok "no FILE: usage error" || { cat "$T/err"; not_ok "no FILE (rc $rc)"; }

# --all: the file the workstation's PCM reads (SMS.INI: SMS ID, CurrentLogonServer,
# InstructionSharePoint)
S="$T/A01"
cat > "$T/site.ini" <<EOF
[Site A01]
Response=Fast
[Server SRV01]
Site=A01
Roles=site, logon, distribution
Drives=C:500
[Server SRV02]
Site=A01
Roles=logon
Drives=C:500
[Domain CORP]
Site=A01
LogonServers=SRV02, SRV01
[Workstations W]
Domain=CORP
Names=WKS001
Platform=Windows NT (x86)
EOF
if jobsvc --site "$S" init "$T/site.ini" > /dev/null 2>&1 && logon --site "$S" user ann --workstation WKS001 > /dev/null 2>&1; then
	ini="$S/workstations/WKS001/SMS.INI"
	id=$(sed -n 's/^SMS Unique ID=//p' "$ini")
	srv=$(sed -n 's/^CurrentLogonServer=//p' "$ini" | head -1)
	box=$(ls -d "$S/servers/$srv"/*/SMS/LOGON.SRV/PCINS.BOX 2>/dev/null | head -1)
	pcm --site "$S" --workstation WKS001 dump --all > /dev/null 2> "$T/err"; rc=$?
	[ $rc -ne 0 ] && grep -q "$id.INS: no such file" "$T/err" && ok "--all: no instruction file yet" || { cat "$T/err"; not_ok "--all without a file"; }
	if [ -n "$box" ] && cp "$C/one-record.ins" "$box/$id.INS"; then
		pcm --site "$S" --workstation wks001 dump --all > "$T/all" 2> "$T/err"
		check_grep "--all: the file on the current logon server" "^File Name       : .*/$srv/.*/PCINS.BOX/$id.INS$" "$T/all"
	else
		not_ok "--all: no PCINS.BOX on $srv"
	fi
	check_fails "--all needs --workstation" pcm --site "$S" dump --all
	check_fails "FILE and --all together" pcm --site "$S" --workstation WKS001 dump --all "$C/format1.ins"
else
	not_ok "--all: site set-up failed"
fi
check_fails "--all needs --site" pcm --workstation WKS001 dump --all
done_testing
