#!/bin/sh
# Output machines and people can read: --json is valid JSON alone on stdout for every
# printing command of the four programs; names print in the user's locale (Büro);
# COMMAND --help needs no site; job show --all / --state, status --machine; progress
# only on a terminal; --max-days; one daemon of a kind per site; make install puts the
# samples under PREFIX/share/smsemu and the hello sample package really runs there.
. "${SMSEMU_TOP:-.}/tests/lib.sh"
if command -v jq >/dev/null 2>&1; then
	is_json() { jq -e . >/dev/null 2>&1 < "$1" && [ -s "$1" ]; }
elif command -v python3 >/dev/null 2>&1; then
	is_json() { [ -s "$1" ] && python3 -c 'import json,sys
d=sys.stdin.read()
try: json.loads(d)
except Exception: [json.loads(l) for l in d.splitlines() if l.strip()]' < "$1" 2>/dev/null; }
else
	is_json() { return 0; }
	echo "# neither jq nor python3: JSON is not parsed"
fi
mkdir -p "$T/tmp"; TMPDIR="$T/tmp"; export TMPDIR

jobsvc simulate "$TOP/samples/scenarios/office-rollout.ini" --quiet --site-dir "$T/r" >/dev/null 2>&1 ||
	{ echo "1..0 # SKIP simulate failed"; exit 1; }
A="$T/r/A01"
mkdir -p "$T/arc"; echo hi > "$T/arc/f.txt"
json() {   # json DESCRIPTION PROGRAM ARGS...: the command prints valid JSON only
	_d=$1; shift
	if "$@" > "$T/j.out" 2> "$T/j.err" && is_json "$T/j.out"; then ok "--json: $_d"
	else sed 's/^/# /' "$T/j.out" "$T/j.err" | head -5; not_ok "--json: $_d"; fi
}
json "jobsvc site show" jobsvc --site "$A" --json site show
json "jobsvc package list" jobsvc --site "$A" --json package list
json "jobsvc package show --pdf" jobsvc --site "$A" --json package show A0100001 --pdf
json "jobsvc job list" jobsvc --site "$A" --json job list
json "jobsvc job show" jobsvc --site "$A" --json job show A0100001
json "jobsvc machine list" jobsvc --site "$A" --json machine list
json "jobsvc status" jobsvc --site "$A" --json status --limit 5
json "jobsvc clock show" jobsvc --site "$A" --json clock show
json "jobsvc shares" jobsvc --site "$A" --json shares
json "jobsvc archive create" jobsvc --json archive create "$T/arc" "$T/a.w00"
json "jobsvc archive list" jobsvc --json archive list "$T/a.w00"
json "jobsvc archive verify" jobsvc --json archive verify "$T/a.w00"
json "jobsvc archive extract" jobsvc --json archive extract "$T/a.w00" "$T/arc2"
json "despooler status" despooler --site "$A" --json status
json "despooler share list" despooler --site "$A" --json share list
json "despooler pause" despooler --site "$A" --json pause
json "despooler continue" despooler --site "$A" --json continue
json "logon smsid show" logon --site "$A" --json smsid show SALESDC1
json "logon smsid take" logon --site "$A" --json smsid take SALESDC1
json "logon user" logon --site "$A" --json user bob --workstation ENG0001
json "pcm list" pcm --site "$A" --json --workstation SAL0001 list
json "pcm dump --all" pcm --site "$A" --json --workstation SAL0001 dump --all
json "pcm messages" pcm --site "$A" --json --workstation SAL0001 messages
json "pcm archive" pcm --site "$A" --json --workstation SAL0002 archive A0100001
jobsvc --site "$A" --json status --limit 1 > "$T/st.json"
grep -q '"user":null' "$T/st.json" && ok "status --json: unset fields are null" || { cat "$T/st.json"; not_ok "nulls in status"; }
# simulate: the summary alone on stdout, or the event log alone
jobsvc --json simulate "$TOP/samples/scenarios/share-package.ini" --site-dir "$T/js1" > "$T/sim.json" 2>/dev/null
is_json "$T/sim.json" && [ "$(wc -l < "$T/sim.json")" -eq 1 ] && ok "simulate --json: one JSON document on stdout" ||
	{ head -3 "$T/sim.json" | sed 's/^/# /'; not_ok "simulate --json"; }
jobsvc --json simulate "$TOP/samples/scenarios/share-package.ini" --site-dir "$T/js2" --events - > "$T/sim.jsonl" 2>/dev/null
is_json "$T/sim.jsonl" && ! grep -qv '^{"time"' "$T/sim.jsonl" && ok "simulate --events -: only the event log on stdout" ||
	{ grep -v '^{"time"' "$T/sim.jsonl" | head -3 | sed 's/^/# /'; not_ok "simulate --events -"; }

# names in the user's locale
UTF=$(locale -a 2>/dev/null | grep -i -m1 '^c\.utf-\?8$\|^en_US\.utf-\?8$')
if [ -n "$UTF" ]; then
	sed 's/^Name=Central Site/Name=Büro Zürich/' "$TOP/samples/site/site.ini" > "$T/buero.ini"
	jobsvc --site "$T/b" init "$T/buero.ini" >/dev/null 2>&1
	LC_ALL=$UTF jobsvc --site "$T/b" site show > "$T/b.out" 2>&1
	check_grep "site show prints Büro in a UTF-8 locale" "Büro Zürich" "$T/b.out"
else
	ok "# SKIP no UTF-8 locale"
fi

# COMMAND --help works without a site, for every command of every program
bad=
for p in jobsvc pcm logon despooler; do
	for c in $($p --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }'); do
		env -u SMSEMU_SITE $p $c --help > "$T/h.out" 2>&1 && grep -qi usage "$T/h.out" || bad="$bad $p-$c"
	done
done
[ -z "$bad" ] && ok "COMMAND --help without --site" || not_ok "COMMAND --help fails for:$bad"
if jobsvc -v site show >/dev/null 2>&1; then not_ok "-v is accepted but does nothing"; else ok "-v/--verbose is gone"; fi

# job show --all and --state, status --machine
jobsvc --site "$A" job show A0100001 > "$T/show"
jobsvc --site "$A" job show A0100001 --all > "$T/show.all"
[ "$(grep -c '^  [SE][AN][LG]0' "$T/show")" -eq 20 ] && [ "$(grep -c '^  [SE][AN][LG]0' "$T/show.all")" -eq 500 ] &&
	ok "job show lists 20 computers, --all all 500" || not_ok "job show --all"
jobsvc --site "$A" job show A0100001 --state Retrying > "$T/show.r"
[ "$(grep -c '^  [SE][AN][LG]0' "$T/show.r")" -eq 2 ] && grep -q "^  SAL0007 .*Retrying" "$T/show.r" &&
	grep -q "Total 500: Complete 498 Retrying 2" "$T/show.r" && ok "job show --state Retrying: the two computers, totals kept" ||
	{ sed 's/^/# /' "$T/show.r" | tail -5; not_ok "job show --state"; }
check_fails "job show --state with a state SMS did not have" jobsvc --site "$A" job show A0100001 --state Broken
jobsvc --site "$A" status --machine SAL0007 > "$T/hist"
[ -s "$T/hist" ] && ! grep -v "SAL0007" "$T/hist" | grep -q . && grep -q "Failed - Setup could not write" "$T/hist" &&
	ok "status --machine: one workstation's history" || { sed 's/^/# /' "$T/hist"; not_ok "status --machine"; }

# progress: on a terminal only, never with --quiet or without a TTY
jobsvc simulate "$TOP/samples/scenarios/forced-off.ini" --site-dir "$T/p1" > "$T/p1.out" 2> "$T/p1.err"
[ ! -s "$T/p1.err" ] && ok "no progress when stderr is not a terminal" || { sed 's/^/# /' "$T/p1.err"; not_ok "progress without a TTY"; }
if command -v script >/dev/null 2>&1; then
	SMSEMU_PROGRESS_MS=0 script -qc "jobsvc simulate '$TOP/samples/scenarios/forced-off.ini' --site-dir '$T/p2' > /dev/null" /dev/null > "$T/p2.tty" 2>&1
	grep -q "1996-02-0.*events/s" "$T/p2.tty" && ok "progress on a terminal: virtual date, events, rate" || { od -c "$T/p2.tty" | head -3; not_ok "progress on a TTY"; }
	SMSEMU_PROGRESS_MS=0 script -qc "jobsvc simulate '$TOP/samples/scenarios/forced-off.ini' --quiet --site-dir '$T/p3' > /dev/null" /dev/null > "$T/p3.tty" 2>&1
	grep -q "events/s" "$T/p3.tty" && not_ok "progress with --quiet" || ok "no progress with --quiet"
fi

# --max-days bounds a run without Until
sed -e "s|\.\./packages|$TOP/samples/packages|" -e 's/^StartAfter=1996-08-05 09:00$/&\nRepeat=Daily/' \
	"$TOP/samples/scenarios/share-package.ini" > "$T/rep.ini"
jobsvc simulate "$T/rep.ini" --max-days 3 --site-dir "$T/md" > "$T/md.out" 2>&1
check_grep "--max-days 3 stops three days after Start" "^Simulated until 1996-08-08 08:00:00" "$T/md.out"

# one daemon of a kind per site
wait_file() { _e=$(($(date +%s) + 20)); while [ "$(date +%s)" -lt $_e ] && ! grep -q "$2" "$1" 2>/dev/null; do :; done; grep -q "$2" "$1" 2>/dev/null; }
jobsvc --site "$T/d" init "$TOP/samples/site/site.ini" >/dev/null
SMSEMU_TICK_MS=50 despooler --site "$T/d" run & d1=$!
if wait_file "$T/d/despooler.lock" "^$d1\$"; then
	despooler --site "$T/d" run > "$T/d2.out" 2>&1
	[ $? -ne 0 ] && grep -q "another despooler daemon (pid $d1) already runs" "$T/d2.out" &&
		ok "a second despooler on the site is refused, naming the pid" || { cat "$T/d2.out"; not_ok "second daemon"; }
else
	not_ok "the daemon wrote its pid into the lock file"
fi
kill -KILL $d1; wait $d1 2>/dev/null
SMSEMU_TICK_MS=50 despooler --site "$T/d" run & d2=$!
if wait_file "$T/d/despooler.lock" "^$d2\$" && wait_file "$T/d/logs/despool.log" "pid $d1 ended without stopping"; then
	ok "the lock of a killed daemon is taken over (and logged)"
else
	not_ok "stale lock after a crash"
fi
kill -TERM $d2; wait $d2
[ ! -s "$T/d/despooler.lock" ] && ok "a clean stop releases the lock (no pid left)" || not_ok "lock after SIGTERM"

# make install: the samples under PREFIX/share/smsemu, the hello package runs from there
if make --no-print-directory -o all -C "$TOP" install BIN="$BIN" DESTDIR="$T/inst" PREFIX=/usr > "$T/inst.out" 2>&1; then
	I="$T/inst/usr"
	[ -f "$I/share/smsemu/samples/scenarios/office-rollout.ini" ] && [ -x "$I/share/smsemu/samples/hello.sh" ] &&
		[ -f "$I/share/smsemu/samples/packages/hello/install.sh" ] && ok "install: samples under PREFIX/share/smsemu/samples" ||
		not_ok "install: samples"
	check_grep "installed man page names the installed samples" "/usr/share/smsemu/samples" "$I/share/man/man1/jobsvc.1"
	SMSEMU_BIN="$I/bin" sh "$I/share/smsemu/samples/hello.sh" "$T/hello" > "$T/hello.out" 2>&1
	check_grep "the hello package really ran (pcm --execute): Complete with its status MIF" "WKS0001 .*Complete .*Hello installed" "$T/hello.out"
	check_grep "its script wrote on the workstation" "Hello from package hello" "$T/hello/workstations/WKS0001/HELLO.TXT"
	jobsvc simulate "$I/share/smsemu/samples/scenarios/share-package.ini" --quiet --site-dir "$T/inst-sim" >/dev/null 2>&1 &&
		ok "an installed scenario runs" || not_ok "installed scenario"
	make --no-print-directory -C "$TOP" uninstall DESTDIR="$T/inst" PREFIX=/usr > "$T/uninst.out" 2>&1
	[ -z "$(find "$T/inst" -type f)" ] && ok "make uninstall removes every installed file" || { find "$T/inst" -type f | head -3; not_ok "uninstall"; }
else
	sed 's/^/# /' "$T/inst.out"; not_ok "make install"
fi
done_testing
