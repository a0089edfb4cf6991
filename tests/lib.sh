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
# one_server_site DIR NAMES [PLATFORM] -- a site A01 on one server SRV01 (site, logon and
# distribution, drive C: 200 MB), domain CORP with the workstations NAMES, initialized in
# DIR with its clock at 1996-02-01 08:00.
one_server_site() {
	{
		printf '[Site A01]\nResponse=Fast\n[Server SRV01]\nSite=A01\n'
		printf 'Roles=site, logon, distribution\nDrives=C:200\n'
		printf '[Domain CORP]\nSite=A01\nLogonServers=SRV01\n'
		printf '[Workstations W]\nDomain=CORP\nNames=%s\n' "$2"
		[ -z "${3:-}" ] || printf 'Platform=%s\n' "$3"
	} > "$T/site.ini"
	jobsvc --site "$1" init "$T/site.ini" >/dev/null &&
		jobsvc --site "$1" clock set "1996-02-01 08:00" >/dev/null
}
