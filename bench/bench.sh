#!/bin/sh
# bench.sh - tlsrpt-ingest measured against the floors this machine allows
#
# usage: bench/bench.sh BUILDDIR [COUNT]        (or: make bench)
#
# Generates its own corpus (bench/gen-corpus), starts a throwaway
# PostgreSQL with fsync on, and prints each figure next to a baseline
# measured in the same run, with the ratio and the goal:
#   1. batch: reports/s storing COUNT (20,000) messages from a Maildir into
#      a fresh database, against bench/bare-copy loading the same rows with
#      COPY;
#   2. per message: median wall time of "tlsrpt-ingest < message" against
#      bench/bare-insert (connect, insert one row, commit), over a Unix
#      socket, and the peak RSS of each;
#   3. peak RSS for 1,000, 10,000 and BIG (100,000) messages: it grows
#      until PIPELINE_INFLIGHT (src/ingest/pipeline.c) inputs are in flight, then
#      stays flat.
# BENCH_JOBS=N passes -j N to tlsrpt-ingest in the batch run; BIG sets the
# size of the large RSS run.  A figure, not a test: nothing here fails on a
# slow machine.
set -eu

if [ "${1:-}" = --inside ]; then
	shift
	build=$1 work=$2 count=$3 big=$4
	ingest=$build/src/ingest/tlsrpt-ingest
	# Over the Unix socket, as the Unix user we are: peer authentication.
	socket=$(psql -XAtc 'SHOW unix_socket_directories' | cut -d, -f1)
	me=$(id -un)
	psql -XAtqc "SELECT 1 FROM pg_roles WHERE rolname = '$me'" | grep -q 1 ||
		createuser -s "$me"
	export PGHOST="$socket" PGUSER="$me"
	unset PGPASSWORD
	now() { date +%s%N; }
	ms() { echo "$1" | awk '{ printf "%.2f", $1 / 1e6 }'; }
	fresh() {
		dropdb --if-exists "$1"
		createdb "$1"
		psql -X -q -v ON_ERROR_STOP=1 -d "$1" -f "$SCHEMA"
	}
	rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1; }

	echo "fsync: $(psql -XAtc 'SHOW fsync'), synchronous_commit: $(psql -XAtc 'SHOW synchronous_commit'), $(nproc) CPUs"
	echo
	echo "1. batch: $count messages from a Maildir into a fresh database"
	fresh bench_batch
	t0=$(now)
	"$ingest" -q ${BENCH_JOBS:+-j "$BENCH_JOBS"} -d dbname=bench_batch "$work/md" || true
	t1=$(now)
	stored=$(psql -XAtc 'SELECT count(*) FROM tlsrpt.reports' bench_batch)
	fresh bench_copy
	t2=$(now)
	"$build/bench/bare-copy" dbname=bench_copy "$work/copy"
	t3=$(now)
	copied=$(psql -XAtc 'SELECT count(*) FROM tlsrpt.reports' bench_copy)
	same=$(psql -XAtc "SELECT (SELECT sum(failed_session_count) FROM tlsrpt.failure_details)" bench_batch)
	floor=$(psql -XAtc "SELECT (SELECT sum(failed_session_count) FROM tlsrpt.failure_details)" bench_copy)
	awk -v n="$stored" -v t="$((t1 - t0))" -v m="$copied" -v u="$((t3 - t2))" 'BEGIN {
		a = n / (t / 1e9); b = m / (u / 1e9)
		printf "   tlsrpt-ingest     %8.0f reports/s  (%d reports in %.2fs)\n", a, n, t / 1e9
		printf "   bare COPY floor   %8.0f reports/s  (%d reports in %.2fs)\n", b, m, u / 1e9
		printf "   ratio             %8.2f of the floor   (goals: >= 0.50, and >= 10000 reports/s)\n", a / b
	}'
	[ "$same" = "$floor" ] || echo "   WARNING: the two loads differ (failed sessions $same vs $floor)"

	echo
	echo "2. per message: one process per delivered message, over a Unix socket"
	fresh bench_one
	psql -X -q -d bench_one -c 'CREATE TABLE bench_bare (t text)'
	ls "$work/one" >"$work/one.list"
	: >"$work/t.ingest"
	: >"$work/t.bare"
	while read -r f; do
		t0=$(now); "$ingest" -d dbname=bench_one <"$work/one/$f" 2>>"$work/one.err" || true; t1=$(now)
		"$build/bench/bare-insert" dbname=bench_one; t2=$(now)
		echo $((t1 - t0)) >>"$work/t.ingest"
		echo $((t2 - t1)) >>"$work/t.bare"
	done <"$work/one.list"
	median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
	mi=$(median "$work/t.ingest")
	mb=$(median "$work/t.bare")
	first=$(head -n 1 "$work/one.list")
	ri=$(rss "$ingest" -d dbname=bench_one <"$work/one/$first")
	rb=$(rss "$build/bench/bare-insert" dbname=bench_one)
	runs=$(wc -l <"$work/one.list")
	echo "   tlsrpt-ingest     $(ms "$mi") ms median of $runs, peak RSS $ri kB"
	echo "   bare insert       $(ms "$mb") ms median of $runs, peak RSS $rb kB"
	awk -v a="$mi" -v b="$mb" -v r="$ri" 'BEGIN {
		printf "   ratio             %8.2f   (goal: <= 1.50; RSS goal: < 10240 kB, is %d)\n", a / b, r }'

	echo
	echo "3. peak RSS against the number of messages"
	fresh bench_rss
	r1=$(rss "$ingest" -q -d dbname=bench_rss "$work/rss1k")
	fresh bench_rss
	r10=$(rss "$ingest" -q -d dbname=bench_rss "$work/rss10k")
	fresh bench_rss
	r2=$(rss "$ingest" -q -d dbname=bench_rss "$work/rss-big")
	echo "   1000 messages     $r1 kB"
	echo "   10000 messages    $r10 kB"
	echo "   $big messages   $r2 kB"
	awk -v a="$r1" -v c="$r10" -v b="$r2" 'BEGIN {
		printf "   ratio             %8.2f of 1000, %.2f of 10000   (goal: flat, about 1)\n", b / a, b / c }'
	exit 0
fi

build=$(cd "${1:?usage: bench.sh BUILDDIR [COUNT]}" && pwd)
count=${2:-20000}
big=${BIG:-100000}
here=$(cd "$(dirname "$0")" && pwd)
export SCHEMA="$here/../sql/schema.sql"
for p in "$build/src/ingest/tlsrpt-ingest" "$build/bench/gen-corpus" "$build/bench/bare-copy" "$build/bench/bare-insert"; do
	[ -x "$p" ] || { echo "bench.sh: $p missing: run make bench" >&2; exit 1; }
done
if [ ! -x /usr/bin/time ]; then
	[ "$(id -u)" -eq 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null ||
		{ echo "bench.sh: needs /usr/bin/time (Debian package time)" >&2; exit 1; }
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/tlsrpt-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "generating the corpus in $work ..."
"$build/bench/gen-corpus" "$work/md" "$count" "$work/copy"
"$build/bench/gen-corpus" "$work/rss1k" 1000
"$build/bench/gen-corpus" "$work/rss10k" 10000
"$build/bench/gen-corpus" "$work/rss-big" "$big"
# Per message: 200 distinct Google-style gzip'd reports with failures.
mkdir -p "$work/one"
n=0
for f in "$work/md/cur/"*; do
	grep -q 'application/tlsrpt+gzip' "$f" && grep -q '^From: tlsrpt' "$f" || continue
	cp "$f" "$work/one/"
	n=$((n + 1))
	[ $n -ge 200 ] && break
done
export PGPORT=${PGPORT:-$((20000 + $$ % 10000))}
pg_virtualenv -t -o fsync=on -o synchronous_commit=on \
	sh "$here/bench.sh" --inside "$build" "$work" "$count" "$big"
