#!/bin/sh
# build.sh - build one libFuzzer target, or say why it cannot be built
#
#	build.sh TARGET "COMPILE COMMAND" "LIBS" SRCDIR SOURCE...
#
# Each SOURCE is a path relative to the source tree SRCDIR.
#
# A compiler that cannot link a libFuzzer program is not an error: then
# TARGET.skip says why, and tests/fuzz.test reports that as its SKIP
# reason.  Our own sources failing to compile is an error.
set -u
target=$1 compile=$2 libs=$3 srcdir=$4
shift 4
rm -f "$target.skip"
mkdir -p "$(dirname "$target")"
probe=$target.probe
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$probe.c"
# shellcheck disable=SC2086
if ! $compile -o "$probe" "$probe.c" >"$probe.err" 2>&1; then
	{ printf 'cannot build a libFuzzer program (%s); on Debian: apt-get install clang libclang-rt-14-dev\n' \
		"$(grep -m 1 -i -e error -e 'not found' "$probe.err" || head -n 1 "$probe.err")"; } >"$target.skip"
	rm -f "$target" "$probe" "$probe.c" "$probe.err"
	echo "  SKIP     $target: $(cat "$target.skip")"
	exit 0
fi
rm -f "$probe" "$probe.c" "$probe.err"
for source; do
	set -- "$@" "$srcdir/$source"
	shift
done
# shellcheck disable=SC2086
exec $compile -o "$target" "$@" $libs
