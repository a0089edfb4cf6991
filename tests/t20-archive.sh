#!/bin/sh
# jobsvc archive create|list|extract|verify end to end: a round trip, the listing, the
# JSON array, damaged archives, hostile sources, the size limit and usage errors.
. "${SMSEMU_TOP:-.}/tests/lib.sh"
src="$T/src"
mkdir -p "$src/SUB/DEEP" "$src/EMPTY"
printf 'MZ setup' > "$src/SETUP.EXE"
printf '[x]\r\nA=1\r\n' > "$src/SUB/B.INI"
: > "$src/SUB/Z.DAT"
i=0; while [ $i -lt 3000 ]; do echo "line $i of a compressible file"; i=$((i + 1)); done > "$src/BIG.TXT"
chmod 0755 "$src/SETUP.EXE"; chmod 0600 "$src/SUB/B.INI"
touch -d '1996-03-01 09:00:00' "$src/SETUP.EXE"

check "archive create" jobsvc archive create --level 9 "$src" "$T/A0100001.W00"
jobsvc archive create "$src" "$T/p.w00" > "$T/out"
check_grep "create: counts and CRC" "4 files, 3 directories, .* bytes -> .* bytes, CRC [0-9a-f]\{8\}" "$T/out"
check "archive verify" jobsvc archive verify "$T/A0100001.W00"
jobsvc archive verify "$T/A0100001.W00" > "$T/out"
check_grep "verify: OK line" "A0100001.W00: OK, 4 files, 3 directories" "$T/out"
jobsvc archive list "$T/A0100001.W00" > "$T/list"
check_grep "list: mode, size, mtime, CRC, path" "^- 0755            8 1996-03-01 09:00:00 [0-9a-f]\{8\} SETUP.EXE$" "$T/list"
check_grep "list: directories end in /" "^d 0755            0 .* 00000000 SUB/DEEP/$" "$T/list"
check_grep "list: permission bits" "^- 0600 .* SUB/B.INI$" "$T/list"
[ "$(sed -n 1p "$T/list" | awk '{print $NF}')" = BIG.TXT ] && [ "$(wc -l < "$T/list")" -eq 7 ] \
	&& ok "list: one line per entry, in name order" || { sed 's/^/# /' "$T/list"; not_ok "list order"; }
jobsvc --json archive list "$T/A0100001.W00" > "$T/json"
[ "$(head -c1 "$T/json")" = "[" ] && [ "$(tail -n1 "$T/json")" = "]" ] \
	&& [ "$(grep -c '"path":' "$T/json")" -eq 7 ] && ok "list --json: one array of 7 entries" \
	|| { sed 's/^/# /' "$T/json"; not_ok "list --json"; }
check_grep "list --json: fields" '{"path":"SETUP.EXE","type":"file","mode":"0755","size":8,"mtime":"1996-03-01 09:00:00","crc":"' "$T/json"
check "archive extract" jobsvc archive extract "$T/A0100001.W00" "$T/x"
check "extracted tree is identical" diff -r "$src" "$T/x"
[ "$(stat -c %a "$T/x/SUB/B.INI")" = 600 ] && [ "$(stat -c %Y "$T/x/SETUP.EXE")" = "$(stat -c %Y "$src/SETUP.EXE")" ] \
	&& ok "extract keeps modes and mtimes" || not_ok "extract keeps modes and mtimes"
check_fails "extract into a non-empty directory" jobsvc archive extract "$T/A0100001.W00" "$T/x"
jobsvc archive extract --max-bytes 100 "$T/A0100001.W00" "$T/small" 2>"$T/err"
[ $? -ne 0 ] && [ ! -e "$T/small" ] && grep -q "only 100 are available" "$T/err" \
	&& ok "extract --max-bytes: refused before writing" || { cat "$T/err"; not_ok "--max-bytes"; }

# damaged archives: a clear error with the offset, nothing extracted
size=$(stat -c %s "$T/A0100001.W00")
head -c $((size - 30)) "$T/A0100001.W00" > "$T/cut.w00"
jobsvc archive verify "$T/cut.w00" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "cut.w00: truncated at offset $((size - 30)): expected" "$T/err" \
	&& ok "truncated archive: offset named" || { cat "$T/err"; not_ok "truncated archive"; }
jobsvc archive extract "$T/cut.w00" "$T/cutx" 2>/dev/null
[ $? -ne 0 ] && [ ! -e "$T/cutx" ] && ok "truncated archive: nothing extracted" || not_ok "truncated extract"
cp "$T/A0100001.W00" "$T/flip.w00"
# BIG.TXT is the first entry: its compressed data starts at byte 54
printf 'Z' | dd of="$T/flip.w00" bs=1 seek=100 conv=notrunc 2>/dev/null
jobsvc archive verify "$T/flip.w00" 2>"$T/err"
check_grep "flipped byte: the damaged file is named" "flip.w00: offset 50: chunk 0 of BIG.TXT: bad compressed data" "$T/err"
printf 'SMSPKG\r\n\003\000\000\000\000\000\000\000' > "$T/v3.w00"
jobsvc archive verify "$T/v3.w00" 2>"$T/err"
check_grep "unknown version" "version 3 is not supported" "$T/err"

# a file name that is not UTF-8 (code page 1252 "CAF\xc9.TXT") round-trips as raw bytes
mkdir "$T/raw"; printf 'x' > "$T/raw/$(printf 'CAF\311.TXT')"
check "raw name: create" jobsvc archive create "$T/raw" "$T/raw.w00"
check "raw name: extract" jobsvc archive extract "$T/raw.w00" "$T/rawx"
[ -f "$T/rawx/$(printf 'CAF\311.TXT')" ] && ok "raw name: same bytes back" || not_ok "raw name: same bytes back"
jobsvc --json archive list "$T/raw.w00" > "$T/json"
check_grep "raw name: JSON gives the exact bytes" '"path_hex":"434146c92e545854"' "$T/json"

# hostile sources
mkdir -p "$T/bad"; echo x > "$T/bad/A"; ln -s /etc/passwd "$T/bad/LINK"
jobsvc archive create "$T/bad" "$T/bad.w00" 2>"$T/err"
[ $? -eq 1 ] && grep -q "bad/LINK is a symbolic link" "$T/err" && [ ! -e "$T/bad.w00" ] \
	&& ok "symlink in the source is refused by name" || { cat "$T/err"; not_ok "symlink refused"; }
rm "$T/bad/LINK"; mkfifo "$T/bad/FIFO"
jobsvc archive create "$T/bad" "$T/bad.w00" 2>"$T/err"
check_grep "FIFO in the source is refused" "bad/FIFO is a device, FIFO or socket" "$T/err"

# usage
jobsvc archive create --level 10 "$src" "$T/l.w00" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "expected 0 to 9" "$T/err" && ok "--level 10 is a usage error" || { cat "$T/err"; not_ok "--level 10"; }
jobsvc archive frob 2>/dev/null; [ $? -eq 2 ] && ok "unknown subcommand: exit 2" || not_ok "unknown subcommand"
check_fails "list without a file" jobsvc archive list
check "archive --help" jobsvc archive create --help
done_testing
