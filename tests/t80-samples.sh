#!/bin/sh
# Golden tests: every sample scenario runs from a fresh directory and its event log
# matches samples/expected/<name>.jsonl byte for byte; running it twice gives the same
# bytes (determinism). Regenerate after an intended change with:
#   SMSEMU_UPDATE_GOLDEN=1 make check
. "${SMSEMU_TOP:-.}/tests/lib.sh"
for scn in "$TOP"/samples/scenarios/*.ini; do
	name=$(basename "$scn" .ini)
	exp="$TOP/samples/expected/$name.jsonl"
	if ! jobsvc simulate "$scn" --quiet --site-dir "$T/$name" --events "$T/$name.jsonl" \
		>"$T/$name.out" 2>&1; then
		sed 's/^/# /' "$T/$name.out"; not_ok "$name: simulate"; continue
	fi
	if [ -n "${SMSEMU_UPDATE_GOLDEN:-}" ]; then
		mkdir -p "$TOP/samples/expected"; cp "$T/$name.jsonl" "$exp"
	fi
	if [ ! -f "$exp" ]; then
		not_ok "$name: no golden file $exp"
	elif cmp -s "$exp" "$T/$name.jsonl"; then
		ok "$name: event log matches the golden file"
	else
		diff "$exp" "$T/$name.jsonl" | head -20 | sed 's/^/# /'
		not_ok "$name: event log differs from $exp"
	fi
	jobsvc simulate "$scn" --quiet --site-dir "$T/$name-again" --events "$T/$name.2.jsonl" \
		>/dev/null 2>&1
	if cmp -s "$T/$name.jsonl" "$T/$name.2.jsonl"; then
		ok "$name: a second run gives the same bytes"
	else
		not_ok "$name: not deterministic"
	fi
done

# A repeating job never runs out of work: without an end the run is refused before it
# starts (file:line), with --until each day activates a new instance.
sed -e 's/^StartAfter=1996-08-05 09:00$/&\nRepeat=Daily/' -e "s|\.\./packages|$TOP/samples/packages|" \
	"$TOP/samples/scenarios/share-package.ini" > "$T/repeat.ini"
if jobsvc simulate "$T/repeat.ini" --quiet --site-dir "$T/repeat" >"$T/repeat.out" 2>&1; then
	not_ok "Repeat=Daily without Until is refused"
else
	check_grep "Repeat=Daily without Until is refused with file:line" \
		"repeat.ini:[0-9]*: \[Job SHARE\] Repeat=Daily never runs out of work" "$T/repeat.out"
	[ ! -d "$T/repeat" ] && ok "... before any site root is made" || not_ok "site roots made"
fi
check "Repeat=Daily with --until" jobsvc simulate "$T/repeat.ini" --quiet \
	--site-dir "$T/repeat2" --events "$T/repeat.jsonl" --until "1996-08-09 00:00"
n=$(grep -c '"event":"job.activated"' "$T/repeat.jsonl")
[ "$n" -eq 5 ] && ok "SHARE activated on four days, UNSHARE once" ||
	not_ok "job.activated $n times, expected 5"
done_testing
