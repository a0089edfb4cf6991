#!/bin/sh
# Short crash test inside make check: 20 workstations, 8 crashes at random fault points
# (fixed seeds), the final state must equal an uninterrupted run. `make crash-test` runs
# the full one (1,000 workstations, 20 crashes).
exec sh "${SMSEMU_TOP:-.}/tests/crash/crash-test.sh" 20 8 "${SMSEMU_CRASH_SEED:-7}"
