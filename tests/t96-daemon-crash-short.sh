#!/bin/sh
# Short daemon crash test inside make check: the four daemons (jobsvc run, despooler run,
# logon run, pcm run) as separate processes on 20 workstations, 8 SIGKILLs at random
# moments (fixed seed) and restarts; the final state must equal an uninterrupted run.
# `make crash-test` runs the full one (1,000 workstations, 20 SIGKILLs).
exec sh "${SMSEMU_TOP:-.}/tests/crash/daemon-crash-test.sh" 20 8 "${SMSEMU_CRASH_SEED:-11}"
