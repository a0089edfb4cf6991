# lib.sh -- tiny TAP helpers for the shell tests (sourced, POSIX sh).
# Every test gets its own temp directory $T (removed at exit unless SMSEMU_KEEP_TMP),
# fixed TZ and LANG, and the programs from $SMSEMU_BIN on PATH.
set -u
TOP=${SMSEMU_TOP:-$(pwd)}
BIN=${SMSEMU_BIN:-$TOP/bin}
PATH="$BIN:$PATH"
TZ=UTC LANG=C LC_ALL=C SMSEMU_FSYNC=${SMSEMU_FSYNC:-0}
export PATH TZ LANG LC_ALL SMSEMU_FSYNC
T=$(mktemp -d "${TMPDIR:-/tmp}/smsemu-test.XXXXXX")
[ -n "${SMSEMU_KEEP_TMP:-}" ] || trap 'rm -rf "$T"' EXIT
_n=0 _fail=0
ok()      { _n=$((_n + 1)); echo "ok $_n - $*"; }
not_ok()  { _n=$((_n + 1)); _fail=$((_fail + 1)); echo "not ok $_n - $*"; }
skip_all(){ echo "1..0 # SKIP $*"; exit 0; }
done_testing() { echo "1..$_n"; [ $_fail -eq 0 ]; }
# check "description" command...   -- passes when the command succeeds
check()   { _d=$1; shift; if "$@" >"$T/.out" 2>&1; then ok "$_d"; else cat "$T/.out" | sed 's/^/# /'; not_ok "$_d"; fi; }
# check_fails "description" command...   -- passes when the command fails (exit != 0)
check_fails() { _d=$1; shift; if "$@" >"$T/.out" 2>&1; then cat "$T/.out" | sed 's/^/# /'; not_ok "$_d"; else ok "$_d"; fi; }
# check_grep "description" pattern file
check_grep() { if grep -q -- "$2" "$3"; then ok "$1"; else sed 's/^/# /' "$3"; not_ok "$1 (no '$2')"; fi; }
