#!/bin/sh
# The report in a real browser (headless Chromium, when installed; .ci/run installs the
# Debian chromium package): the KB Q140403 sample's report is rendered (the screenshot is
# not blank), its script ran, and the DOM shows the swimlane marking the forced disconnect
# at 1996-02-02 07:05; the workstation table of the Office rollout pages and filters.
. "${SMSEMU_TOP:-.}/tests/lib.sh"
CHROMIUM=${SMSEMU_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || skip_all "no $CHROMIUM (apt-get install chromium)"

browser() { # browser ARGS... -- headless, no sandbox (root in CI), own profile
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--no-first-run --user-data-dir="$T/profile" "$@" 2>>"$T/chromium.log"
}

check "simulate the KB forced-delivery sample with --report" jobsvc simulate \
	"$TOP/samples/scenarios/kb-forced-delivery.ini" --quiet --site-dir "$T/kb" \
	--report "$T/kb.html"

browser --dump-dom "file://$T/kb.html" > "$T/kb.dom"
check_grep "the page's script ran" '<body data-ready="1" data-render-ms="[0-9]*">' "$T/kb.dom"
check_grep "the swimlane of SRV01 marks the disconnect at 1996-02-02 07:05" \
	'<g class="mark disconnect" data-event="distribute.forced_disconnect" data-time="1996-02-02 07:05:00"><title>disconnect: distribute.forced_disconnect 1996-02-02 07:05:00' "$T/kb.dom"
check_grep "... beside the arithmetic x·(y+1)+z" \
	'x·(y+1)+z = 120·(10+1)+5 = 1325 min = 22 h 05 min after t0 1996-02-01 09:00 → <b>1996-02-02 07:05</b>' "$T/kb.dom"
check_grep "the event log table is rendered" 'class="count">[0-9]* of [0-9]* rows' "$T/kb.dom"

browser --screenshot="$T/kb.png" --window-size=1200,1400 "file://$T/kb.html" >/dev/null
if [ -s "$T/kb.png" ]; then
	ok "screenshot taken ($(wc -c < "$T/kb.png") bytes)"
else
	sed 's/^/# /' "$T/chromium.log"; not_ok "no screenshot"
fi
if command -v python3 >/dev/null 2>&1; then
	n=$(python3 "$TOP/tests/png-colours.py" "$T/kb.png")
	[ "${n:-0}" -ge 20 ] && ok "the screenshot is not blank ($n colours)" ||
		not_ok "the screenshot looks blank ($n colours)"
else
	[ "$(wc -c < "$T/kb.png")" -gt 20000 ] && ok "the screenshot is not blank (size)" ||
		not_ok "the screenshot looks blank"
fi

# The workstation table: 500 rows, paged, filtered by the search box (#ws=... sets it).
jobsvc report "$TOP/samples/expected/office-rollout.jsonl" -o "$T/rollout.html" >/dev/null
browser --dump-dom "file://$T/rollout.html" > "$T/rollout.dom"
check_grep "the workstation table has the 500 computers" 'class="count">500 of 500 rows' "$T/rollout.dom"
check_grep "... shows them in pages of 100" 'page 1 of 5' "$T/rollout.dom"
browser --dump-dom "file://$T/rollout.html#ws=SAL0007" > "$T/search.dom"
check_grep "the search box filters the table" 'class="count">1 of 500 rows' "$T/search.dom"
check_grep "... to SAL0007, Retrying, from SALESDC1" \
	'<tr><td>SAL0007</td><td>SALES</td><td>ROLLOUT</td><td>1996-03-01 12:30</td><td>1996-03-04 08:30</td><td>1996-03-04 08:47</td><td>Retrying</td><td>Failed</td><td>SALESDC1</td></tr>' "$T/search.dom"
done_testing
