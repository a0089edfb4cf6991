#!/bin/sh
# hello.sh -- a package that really runs: a site from samples/site/site.ini in DIR (new),
# the hello package (its command is the shell script packages/hello/install.sh, which
# writes a status MIF), a mandatory job for WKS0001, and one pass of every component on
# the site's virtual clock, the PCM with --execute. The job ends Complete with the
# status MIF's "Hello installed". Usage: sh hello.sh DIR
set -eu
[ $# -eq 1 ] || { echo "usage: sh hello.sh DIR (a new directory for the site root)" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
# the programs: $SMSEMU_BIN, else the source tree's bin/ when run from there, else $PATH
if [ -n "${SMSEMU_BIN:-}" ]; then PATH="$SMSEMU_BIN:$PATH"
elif [ -x "$HERE/../bin/jobsvc" ]; then PATH="$HERE/../bin:$PATH"; fi
S=$1
step() { printf '\n$ %s\n' "$*"; "$@"; }
step jobsvc --site "$S" init "$HERE/site/site.ini"
step jobsvc --site "$S" clock set "1996-02-01 08:00"
step jobsvc --site "$S" package import "$HERE/packages/hello.pdf" --source "$HERE/packages/hello"
step jobsvc --site "$S" job create --type "Run Command On Workstation" --package A0100001 \
	--command Install --target "Machine Path: A01|CORP|WKS0001" \
	--mandatory-after "1996-02-01 08:00" --name HELLO
step logon --site "$S" user user0001 --workstation WKS0001 > /dev/null
# Scheduler and Sender, Despooler (instruction files), Maintenance Manager (to the logon
# servers), then the PCM runs the command for real; its status goes back the other way
step jobsvc --site "$S" poll
step despooler --site "$S" poll
step logon --site "$S" poll
# the PCM offers the mandatory command, counts down five minutes, then runs it
step pcm --site "$S" --workstation WKS0001 --execute poll
step jobsvc --site "$S" clock advance 5
step pcm --site "$S" --workstation WKS0001 --execute poll
step logon --site "$S" poll
step despooler --site "$S" poll
step jobsvc --site "$S" poll
step cat "$S/workstations/WKS0001/HELLO.TXT"
step jobsvc --site "$S" job show HELLO
