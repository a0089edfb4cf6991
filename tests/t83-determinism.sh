#!/bin/sh
# The same scenario run three times gives the same timeline, event log, "Simulated until",
# instant count and site roots (names and contents; not mtimes), and the same under
# another time zone and locale. Nothing of a simulation may depend on the host clock, the
# file system's timestamp granularity, directory order or hash order.
. "${SMSEMU_TOP:-.}/tests/lib.sh"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 (the command) is needed to compare site databases"

# checksum of a site root: every file name with the md5 of its content; a SQLite database
# by its SQL dump, without the columns that hold the host's identity of a file (inode and
# mtime, kept only to notice a change: pcm_clients.file_id, logon_replicated.mtime)
# and SMS.INI's LastPCMFileTime (the host file time, as on Windows)
site_sum() {
	( cd "$1" || exit 1
	  find . -type f ! -name '*.db' ! -name '*-wal' ! -name '*-shm' ! -name SMS.INI -print0 |
		LC_ALL=C sort -z | xargs -0 -r md5sum
	  find . -type f -name SMS.INI -print0 | LC_ALL=C sort -z |
		xargs -0 -r grep -H -v '^LastPCMFileTime=' | md5sum | sed 's/-$/SMS.INI files/'
	  find . -type f -name '*.db' | LC_ALL=C sort | while read -r f; do
		cp "$f" "$T/sum.db"
		sqlite3 "$T/sum.db" "UPDATE pcm_clients SET file_id = NULL;" 2>/dev/null
		sqlite3 "$T/sum.db" "UPDATE logon_replicated SET mtime = 0;" 2>/dev/null
		printf '%s %s\n' "$f" "$(sqlite3 "$T/sum.db" .dump | md5sum | cut -c1-32)"
	  done )
}

# run NAME N: the Nth run of a sample, always into the same --site-dir (roots hold
# absolute paths of each other)
run() {
	jobsvc simulate "$TOP/samples/scenarios/$1.ini" --force --site-dir "$T/roots/$1" \
		--events "$T/$1.$2.jsonl" >"$T/$1.$2.out" 2>"$T/$1.$2.err" || return 1
	site_sum "$T/roots/$1" > "$T/$1.$2.sum"
}

for scn in "$TOP"/samples/scenarios/*.ini; do
	name=$(basename "$scn" .ini)
	if ! run "$name" 1 || ! run "$name" 2 || ! run "$name" 3; then
		sed 's/^/# /' "$T/$name".*.err; not_ok "$name: runs"; continue
	fi
	same=yes
	for i in 2 3; do
		for f in out jsonl sum; do
			cmp -s "$T/$name.1.$f" "$T/$name.$i.$f" || { same=no; diff "$T/$name.1.$f" "$T/$name.$i.$f" | head -5 | sed "s/^/# $f: /"; }
		done
	done
	[ $same = yes ] && ok "$name: three runs, same timeline, summary, event log and site roots" ||
		not_ok "$name: runs differ"
	grep -q "^Simulated until .* events at [0-9]* instants" "$T/$name.1.out" || not_ok "$name: no summary line"
done

# another time zone and locale: the same bytes
name=parent-child
LOC=C.UTF-8
locale -a 2>/dev/null | grep -qi '^c\.utf-\?8$' || LOC=C
if TZ=America/New_York LANG=$LOC LC_ALL=$LOC jobsvc simulate "$TOP/samples/scenarios/$name.ini" --force \
	--site-dir "$T/roots/$name" --events "$T/$name.tz.jsonl" >"$T/$name.tz.out" 2>&1; then
	site_sum "$T/roots/$name" > "$T/$name.tz.sum"
	if cmp -s "$T/$name.1.jsonl" "$T/$name.tz.jsonl" && cmp -s "$T/$name.1.out" "$T/$name.tz.out" &&
	   cmp -s "$T/$name.1.sum" "$T/$name.tz.sum"; then
		ok "$name: TZ=America/New_York LC_ALL=$LOC gives the same bytes as TZ=UTC LC_ALL=C"
	else
		diff "$T/$name.1.out" "$T/$name.tz.out" | head -5 | sed 's/^/# /'; not_ok "$name: depends on TZ/locale"
	fi
else
	sed 's/^/# /' "$T/$name.tz.out"; not_ok "$name under another TZ/locale"
fi

# the timeline collapses identical per-machine events; a machine with another outcome
# keeps its own line and leaves a gap in the range of the collapsed one
out="$T/office-rollout.1.out"
check_grep "2,000-style registrations collapse into one line" "machine.registered .*\[x250: SAL0001-SAL0250\]" "$out"
check_grep "a collapsed Success line leaves out the machine that failed" "pcm.executed .*Success  \[x249: SAL0001-SAL0006, SAL0008-SAL0250\]" "$out"
check_grep "the failed machine has its own line" "pcm.executed .*SAL0007: .*Failed" "$out"
done_testing
