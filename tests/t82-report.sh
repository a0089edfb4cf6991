#!/bin/sh
# jobsvc report on every sample's event log, jobsvc simulate --report and its
# [Expect] verdict (exit 3 when one fails), and jobsvc diff on the use cases of the
# README: CopyMode=staged vs legacy, two forced-disconnect registry settings.
. "${SMSEMU_TOP:-.}/tests/lib.sh"

# -- report: every sample's golden log gives one self-contained HTML file
for log in "$TOP"/samples/expected/*.jsonl; do
	name=$(basename "$log" .jsonl)
	if jobsvc report "$log" -o "$T/$name.html" >"$T/$name.out" 2>&1 &&
	   grep -q '^<!DOCTYPE html>' "$T/$name.html" && grep -q 'id="run-data"' "$T/$name.html" &&
	   ! grep -q -e 'https\?:' -e ' src=' -e '<link' "$T/$name.html"; then
		ok "report of $name: one self-contained HTML file"
	else
		sed 's/^/# /' "$T/$name.out"; not_ok "report of $name"
	fi
done
check_grep "the KB swimlane marks the disconnect at 07:05" \
	'class="mark disconnect" data-event="distribute.forced_disconnect" data-time="1996-02-02 07:05:00"' \
	"$T/kb-forced-delivery.html"
check_grep "forced-off: no disconnect, 99 retries then Failed" \
	'No forced disconnect: 99 retries every 24 min from t0 1996-02-01 09:00, then <b>Failed</b> at 1996-02-03 01:00' \
	"$T/forced-off.html"
cp "$TOP/samples/expected/kb-forced-delivery.jsonl" "$T/default-name.jsonl"
check "report without -o writes NAME.html" jobsvc report "$T/default-name.jsonl"
[ -s "$T/default-name.html" ] && ok "... default-name.html" || not_ok "no default-name.html"
printf '{"time":"1996-02-01 09:00:00","site":"A01"}\n{"time":\n' > "$T/bad.jsonl"
jobsvc report "$T/bad.jsonl" -o "$T/bad.html" >"$T/bad.out" 2>&1; rc=$?
[ $rc -eq 1 ] && ok "a bad event log is refused (exit 1)" || not_ok "bad log: exit $rc"
check_grep "... naming file:line:column" 'bad.jsonl:1:[0-9]*: expected the fields' "$T/bad.out"
[ ! -e "$T/bad.html" ] && ok "... and no report is written" || not_ok "bad.html written"

# -- simulate --report and the expectations of the KB sample
jobsvc simulate "$TOP/samples/scenarios/kb-forced-delivery.ini" --quiet --site-dir "$T/kb" \
	--events "$T/kb.jsonl" --report "$T/kb.html" >"$T/kb.out" 2>&1; rc=$?
[ $rc -eq 0 ] && ok "simulate with expectations that hold exits 0" || not_ok "exit $rc"
check_grep "one line per expectation" '^held   FORCED-DELIVERY: distribute.forced_disconnect of REFRESH on SRV01 at 1996-02-02 07:05:00$' "$T/kb.out"
check_grep "... and the verdict" '^All expectations held.$' "$T/kb.out"
check_grep "simulate --report writes the report" 'data-time="1996-02-02 07:05:00"' "$T/kb.html"
cmp -s "$T/kb.html" "$T/kb-forced-delivery.html" &&
	not_ok "report title should name the scenario" || ok "simulate --report names the scenario"

# --until before the end: the expectations are not checked (the disconnect is still to come).
jobsvc simulate "$TOP/samples/scenarios/kb-forced-delivery.ini" --quiet --site-dir "$T/kb-early" \
	--until "1996-02-02 07:02" >"$T/early.out" 2>&1; rc=$?
[ $rc -eq 0 ] && ok "a run cut short by --until exits 0" || not_ok "exit $rc"
check_grep "... saying the expectations were not checked" \
	'^Expectations not checked (7): --until ends the run before the scenario does.$' "$T/early.out"

# The default registry values (more retries before the force): the expectations of the sample fail, exit 3.
sed -e "s|\.\./|$TOP/samples/|" -e 's|forced-kb.reg|forced-default.reg|' \
	"$TOP/samples/scenarios/kb-forced-delivery.ini" > "$T/other.ini"
jobsvc simulate "$T/other.ini" --quiet --site-dir "$T/other" --events "$T/other.jsonl" \
	>"$T/other.out" 2>&1; rc=$?
[ $rc -eq 3 ] && ok "a failed expectation: exit 3" || { sed 's/^/# /' "$T/other.out"; not_ok "exit $rc"; }
check_grep "... saying what happened instead" '^FAILED FORCED-DELIVERY: expected distribute.forced_disconnect of REFRESH on SRV01 at 1996-02-02 07:05:00; it happened at ' "$T/other.out"
check_grep "... and how many failed" 'expectation(s) FAILED.$' "$T/other.out"

printf '\n[Expect BAD]\nJob=REFRESH\nStatus=Done\n' >> "$T/other.ini"
jobsvc simulate "$T/other.ini" --quiet --site-dir "$T/other2" >"$T/bad-expect.out" 2>&1; rc=$?
[ $rc -eq 1 ] && ok "a bad [Expect] is refused before the run" || not_ok "exit $rc"
check_grep "... with file:line" 'other.ini:[0-9]*: Status: expected one of' "$T/bad-expect.out"
[ ! -d "$T/other2" ] && ok "... nothing built" || not_ok "site roots built"

# -- diff
jobsvc diff "$T/kb.jsonl" "$TOP/samples/expected/kb-forced-delivery.jsonl" >"$T/same.out" 2>&1; rc=$?
[ $rc -eq 0 ] && ok "diff of the same run: exit 0" || not_ok "exit $rc"
check_grep "... says so" 'The runs are the same' "$T/same.out"

# Two forced-disconnect registry settings.
jobsvc diff "$T/kb.jsonl" "$T/other.jsonl" >"$T/reg.out" 2>&1; rc=$?
[ $rc -eq 1 ] && ok "diff of two registry settings: exit 1" || not_ok "exit $rc"
check_grep "... the disconnect moved" '^  distribute.forced_disconnect job REFRESH on SRV01: 1 moved later by 4 h 00 min (first 1996-02-02 07:05:00 -> 1996-02-02 11:05:00)' "$T/reg.out"
jobsvc diff --json "$T/kb.jsonl" "$T/other.jsonl" >"$T/reg.json"; rc=$?
[ $rc -eq 1 ] && ok "diff --json: exit 1" || not_ok "exit $rc"
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["equal"] is False and d["moved"]' \
		"$T/reg.json" && ok "... one valid JSON document" || not_ok "invalid JSON"
fi

# Forced disconnect off: the server fails instead (status changed, events only in one run).
sed -e "s|\.\./|$TOP/samples/|" -e 's|forced-kb.reg|forced-off.reg|' \
	"$TOP/samples/scenarios/kb-forced-delivery.ini" | sed '/^\[Expect/,$d' > "$T/off.ini"
check "simulate with forced disconnect off" jobsvc simulate "$T/off.ini" --quiet \
	--site-dir "$T/off" --events "$T/off.jsonl"
jobsvc diff "$T/kb.jsonl" "$T/off.jsonl" >"$T/off.out" 2>&1
check_grep "diff: the server's outcome changed" '^  REFRESH SRV01: Complete -> Failed$' "$T/off.out"
check_grep "... the job's status changed" '^  REFRESH: Complete -> Failed$' "$T/off.out"
check_grep "... the disconnect is only in A" '^  distribute.forced_disconnect job REFRESH on SRV01: 1 (first at 1996-02-02 07:05:00)' "$T/off.out"

# CopyMode=staged vs legacy: the same scenario with the copy modes swapped.
sed -e "s|\.\./|$TOP/samples/|" -e 's/^CopyMode=legacy$/CopyMode=TMP/' \
	-e 's/^CopyMode=staged$/CopyMode=legacy/' -e 's/^CopyMode=TMP$/CopyMode=staged/' \
	"$TOP/samples/scenarios/legacy-vs-staged.ini" | sed '/^\[Expect/,$d' > "$T/swapped.ini"
check "legacy-vs-staged with the copy modes swapped" jobsvc simulate "$T/swapped.ini" \
	--quiet --site-dir "$T/swapped" --events "$T/swapped.jsonl"
jobsvc diff "$TOP/samples/expected/legacy-vs-staged.jsonl" "$T/swapped.jsonl" >"$T/copy.out" 2>&1; rc=$?
[ $rc -eq 1 ] && ok "diff staged vs legacy: exit 1" || not_ok "exit $rc"
check_grep "... the half-copied share of A01 is only in A" '^  distribute.partial job REFRESH-A on OLDSRV: 2 ' "$T/copy.out"
check_grep "... and B01's only in B" '^  distribute.partial job REFRESH-B on NEWSRV: 2 ' "$T/copy.out"

jobsvc diff "$T/kb.jsonl" "$T/nonexistent.jsonl" >"$T/err.out" 2>&1; rc=$?
[ $rc -eq 2 ] && ok "diff with a missing file: exit 2" || not_ok "exit $rc"
jobsvc diff "$T/kb.jsonl" >"$T/err.out" 2>&1; rc=$?
[ $rc -eq 2 ] && ok "diff with one file: exit 2 (usage)" || not_ok "exit $rc"
done_testing
