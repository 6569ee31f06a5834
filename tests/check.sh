#!/bin/sh
# check.sh - the whole test suite, from a fresh clone on Debian 12
#
# Installs the build dependencies, builds, and runs "make check" against a
# throwaway PostgreSQL (pg_virtualenv), once as built and once under
# AddressSanitizer and UndefinedBehaviorSanitizer, then "make distcheck".
# The last line it prints is "N passed, N failed", counted from automake's
# test-suite.log files.
set -u
cd "$(dirname "$0")/.."
top=$(pwd)

sh tests/deps.sh || exit 1
# pg_virtualenv -t knows nothing of the machine's own clusters and would
# take port 5432 even when Debian's main cluster runs there.
export PGPORT=${PGPORT:-$((20000 + $$ % 10000))}
autoreconf -fi || exit 1

status=0
logs=
# suite DIR [CONFIGURE-ARGS...] - configure in DIR, then make check there
suite() {
	dir=$1; shift
	mkdir -p "$top/$dir"
	(cd "$top/$dir" && "$top/configure" -q "$@" && make -j2 >/dev/null &&
		pg_virtualenv -t make -j2 check) || status=1
	logs="$logs $top/$dir/test-suite.log"
}

suite build
# Leaks are reported by LeakSanitizer; GLib's and GMime's one-time type
# and charset tables live until exit by design.
G_SLICE=always-malloc G_DEBUG=gc-friendly \
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
LSAN_OPTIONS=suppressions=$top/tests/lsan.supp:print_suppressions=0 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	suite build-sanitizers --enable-sanitizers
(cd "$top/build" && pg_virtualenv -t make distcheck >/dev/null) ||
	{ echo "check.sh: make distcheck failed" >&2; status=1; }

# What each failed test said about its failure, so that a run whose build
# tree is gone (CI's) still shows it: the "not ok" lines of the logs that
# test-suite.log gathers, and the comment lines after each.
# shellcheck disable=SC2086
awk '/^not ok/ { print FILENAME ": " $0; n = 10; next }
     n > 0 && /^#/ { print FILENAME ": " $0; n--; next } { n = 0 }' \
	$logs /dev/null >&2
# shellcheck disable=SC2086
awk '/^# (PASS|XFAIL):/ { p += $3 } /^# (FAIL|XPASS|ERROR):/ { f += $3 }
     /^# SKIP:/ { s += $3 }
     END { if (p + f == 0) f = 1; printf "%d passed, %d failed, %d skipped\n", p, f, s }' \
	$logs /dev/null
[ "$status" -eq 0 ]
