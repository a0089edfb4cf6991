#!/bin/sh
# Scenarios are checked whole before anything is built (smsemu-scenario(5)): every error
# names file:line, leaves no site root and no temporary directory behind, and exits
# non-zero; unknown names list the known ones; registry settings are range-checked;
# --check only validates; --site-dir of an earlier run needs --force; an operator action
# that cannot apply is an event, not the end of the run.
. "${SMSEMU_TOP:-.}/tests/lib.sh"
S="$TOP/samples"
mkdir -p "$T/tmp" "$T/s"
TMPDIR="$T/tmp"; export TMPDIR
cp -r "$S/packages" "$S/registry" "$S/mifs" "$T/"
base="$S/scenarios/forced-off.ini"

# expect_error NAME PATTERN: NAME.ini fails, says PATTERN, leaves nothing behind
expect_error() {
	_name=$1 _pat=$2
	rm -rf "$T/sd"
	jobsvc simulate "$T/s/$_name.ini" --quiet --site-dir "$T/sd" >"$T/$_name.out" 2>&1
	_rc=$?
	if [ $_rc -ne 0 ] && grep -q -- "$_pat" "$T/$_name.out" && [ ! -e "$T/sd" ]; then
		ok "$_name: refused with '$_pat', nothing built"
	else
		sed 's/^/# /' "$T/$_name.out"; not_ok "$_name (rc $_rc, sd exists: $(test -e "$T/sd" && echo yes || echo no))"
	fi
	jobsvc simulate "$T/s/$_name.ini" --quiet >"$T/$_name.out2" 2>&1
	if [ $? -ne 0 ] && [ -z "$(ls "$T/tmp")" ]; then
		ok "$_name: no temporary directory left behind"
	else
		ls "$T/tmp" | sed 's/^/# /'; not_ok "$_name: temporary directory left behind"
	fi
}
scn() { sed "$@" "$base" > "$T/s/$name.ini"; }

name=platform; scn 's/^Platform=Windows NT (x86)$/Platform=Windows 98/'
expect_error platform "platform.ini:[0-9]*: Platform: 'Windows 98' is not a platform SMS 1.x knew"

name=lockfile; scn 's/^File=SETUP.EXE$/File=NOPE.EXE/'
expect_error lockfile "lockfile.ini:[0-9]*: lock L1: File=NOPE.EXE is not a file of package OFFICE"

name=twice; scn 's/^Response=Very Fast$/&\nResponse=Slow/'
expect_error twice "twice.ini:[0-9]*: Response given twice in \[Site A01\]"

name=nosite; scn '/^\[Job INSTALL\]/,/^Site=/s/^Site=A01$/Site=B01/'
expect_error nosite "unknown site 'B01' (known: A01)"

# a bad dword and a value SMS could not hold, in the server's registry and in an import
printf 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SMS\\Components\\SMS_Despooler]\n"Forced Disconnection Delay In Minutes"=dword:ffffffff\n' > "$T/registry/huge.reg"
printf 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SMS\\Components\\SMS_Despooler]\n"Use Forced Disconnect"=dword:xyz\n' > "$T/registry/baddword.reg"
name=regrange; scn 's/forced-off.reg/huge.reg/'
expect_error regrange "huge.reg:4: \"Forced Disconnection Delay In Minutes\"=4294967295: expected 0 to 10080"
name=regdword; scn 's/forced-off.reg/baddword.reg/'
expect_error regdword "baddword.reg:4: value \"Use Forced Disconnect\": expected dword:"
name=regimport; { cat "$base"; printf '\n[Event IMP]\nAt=1996-02-01 10:00\nAction=Import Registry SRV01 ../registry/huge.reg\n'; } > "$T/s/regimport.ini"
expect_error regimport "regimport.ini:[0-9]*: Import Registry: .*huge.reg:4:"

# job, target and group references
name=target; { cat "$base"; printf '\n[MachineGroup G]\nSite=A01\nMembers=WKS0001, WKS0009\n'; } > "$T/s/target.ini"
expect_error target "\[MachineGroup G\] Members: no workstation 'WKS0009' in the scenario (known: WKS0001, WKS0002)"
sed -e 's/^Target=Machine Path: A01|\*|\*$/Target=Machine Path: A01|*|PC99/' "$S/scenarios/office-rollout.ini" > "$T/s/mpath.ini"
if grep -q "PC99" "$T/s/mpath.ini"; then
	expect_error mpath "Target: no workstation 'PC99' in the scenario (known:"
else
	grep -n "^Target" "$S/scenarios/office-rollout.ini" | sed 's/^/# /'; not_ok "mpath: sample has no machine path target"
fi
sed '0,/^Command=.*/s//Command=Nope/' "$S/scenarios/office-rollout.ini" > "$T/s/command.ini"
expect_error command "command.ini:[0-9]*: Command: package A0100001 has no command line 'Nope'"

# --check validates only: nothing is made, the summary names what the scenario holds
rm -rf "$T/sd"
if jobsvc simulate --check "$base" --site-dir "$T/sd" >"$T/check.out" 2>&1 && [ ! -e "$T/sd" ] &&
   [ -z "$(ls "$T/tmp")" ] && grep -q "OK (1 site(s), 2 workstation(s), 1 package(s), 2 job(s)" "$T/check.out"; then
	ok "--check validates and builds nothing"
else
	sed 's/^/# /' "$T/check.out"; not_ok "--check"
fi
check_fails "--check fails on a bad scenario" jobsvc simulate --check "$T/s/platform.ini"

# --site-dir of an earlier run: refused without --force (naming it), replaced with it
check "first run into --site-dir" jobsvc simulate "$base" --quiet --site-dir "$T/again"
jobsvc simulate "$base" --quiet --site-dir "$T/again" >"$T/again.out" 2>&1
[ $? -ne 0 ] && grep -q "already holds the site roots of an earlier run (A01): give --force" "$T/again.out" \
	&& ok "second run into the same --site-dir is refused, naming --force" || { sed 's/^/# /' "$T/again.out"; not_ok "rerun refusal"; }
check "--force replaces the earlier run" jobsvc simulate "$base" --quiet --force --site-dir "$T/again"
# a temporary directory that is kept is named
jobsvc simulate "$base" --quiet >"$T/tmp.out" 2>&1
d=$(sed -n 's/^Site roots: //p' "$T/tmp.out")
[ -n "$d" ] && [ -d "$d/A01" ] && ok "--quiet still names the kept temporary directory" || { cat "$T/tmp.out"; not_ok "temp dir path"; }
rm -rf "$T/tmp"/*

# cancelling a job that already finished is an operator.refused event; the run goes on
{ sed "s|\.\./packages|$S/packages|" "$S/scenarios/share-package.ini"
  printf '\n[Event LATE]\nAt=1996-08-07 09:00\nAction=Cancel Job SHARE\n'; } > "$T/s/late.ini"
if jobsvc simulate "$T/s/late.ini" --quiet --site-dir "$T/late" --events "$T/late.jsonl" >"$T/late.out" 2>&1 &&
   grep -q '"event":"operator.refused","job":"A0100001","job_name":"SHARE",.*"detail":"job A0100001 is Complete: only Pending' "$T/late.jsonl" &&
   ! grep -q '"operator.cancel"' "$T/late.jsonl"; then
	ok "cancelling a finished job: operator.refused, exit 0"
else
	sed 's/^/# /' "$T/late.out"; grep operator "$T/late.jsonl" | sed 's/^/# /'; not_ok "operator.refused"
fi
# cancelling a repeating job cancels its next instance too
{ sed -e "s|\.\./packages|$S/packages|" -e 's/^StartAfter=1996-08-05 09:00$/&\nRepeat=Daily/' \
	-e 's/^Start=1996-08-05 08:00$/&\nUntil=1996-08-08 12:00/' "$S/scenarios/share-package.ini"
  printf '\n[Event STOP]\nAt=1996-08-05 10:00\nAction=Cancel Job SHARE\n'; } > "$T/s/rep.ini"
if jobsvc simulate "$T/s/rep.ini" --quiet --site-dir "$T/rep" --events "$T/rep.jsonl" >"$T/rep.out" 2>&1 &&
   grep -q '"event":"job.repeated","job":"A0100003"' "$T/rep.jsonl" &&
   grep -q '"event":"job.status","job":"A0100003","job_name":"SHARE",.*"detail":"Cancelled"' "$T/rep.jsonl" &&
   ! grep -q '"event":"job.repeated","job":"A0100004"' "$T/rep.jsonl"; then
	ok "cancelling a repeating job cancels its pending next instance (no more repeats)"
else
	sed 's/^/# /' "$T/rep.out"; grep -E 'repeated|Cancel|cancel' "$T/rep.jsonl" | sed 's/^/# /'; not_ok "repeat cancel"
fi
done_testing
