#!/bin/sh
# make demo: replay the KB Q140403 forced-delivery example and a 500-workstation Office
# rollout on the virtual clock, in a fresh directory, and show their timelines and Job
# Details. Everything stays behind in $DEMO for inspection.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SMSEMU_BIN:-$TOP/bin}
DEMO=${DEMO:-$(mktemp -d "${TMPDIR:-/tmp}/smsemu-demo.XXXXXX")}
export SMSEMU_FSYNC=${SMSEMU_FSYNC:-0}

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

run() {
	name=$1
	say "Scenario: samples/scenarios/$name.ini"
	sed -n '/^;/p;/^$/q' "$TOP/samples/scenarios/$name.ini"
	"$BIN/jobsvc" simulate "$TOP/samples/scenarios/$name.ini" --site-dir "$DEMO/$name" \
		--events "$DEMO/$name.jsonl" > "$DEMO/$name.timeline"
	say "Timeline ($DEMO/$name.timeline)"
	cat "$DEMO/$name.timeline"
	for root in "$DEMO/$name"/*/; do
		[ -f "$root/site.db" ] || continue
		for id in $("$BIN/jobsvc" --site "$root" job list --local --ids 2>/dev/null); do
			say "Job Details: $id at $(basename "$root")"
			"$BIN/jobsvc" --site "$root" job show "$id"
		done
	done
}

run kb-forced-delivery
run office-rollout

say "Done. Site roots, logs and event logs are in $DEMO"
echo "Try: $BIN/jobsvc --site $DEMO/kb-forced-delivery/A01 status --job <ID>"
echo "     $BIN/pcm dump $DEMO/office-rollout/A01/servers/SALESDC1/C/SMS/LOGON.SRV/PCINS.BOX/*.INS | head -40"
