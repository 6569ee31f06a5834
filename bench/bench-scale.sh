#!/bin/sh
# bench-scale.sh - a hosting provider's years in the database: what every
# question costs as the history grows, and what storing costs meanwhile
#
# usage: bench/bench-scale.sh BUILDDIR          (or: make bench-scale)
#
# Starts a throwaway PostgreSQL (fsync on), fills it by SQL (bench/fill.sql:
# reports, policies and failure details inserted as tlsrpt-ingest's batches
# insert them, so that the triggers keep the daily figures) and measures,
# at three points, each in a database of its own:
#   (a) 0.3 M reports over the last year;
#   (b) the same plus 2.7 M over the three years before: the history ten
#       times longer, the recent window the same;
#   (c) 3 M reports over the last year (10 M
#       with BENCH_SCALE=10M; BENCH_SCALE=small divides everything by ten,
#       tiny by a hundred, for trying the script).
# At each point: every tlsrpt-report command that reads the database
# (summary, check, html, enforce, metrics, digest), every panel of the Grafana
# dashboard (one domain and all of them, 30 and 365 days), storing a batch
# of 20,000 messages (against bench/bare-copy, as make bench does) and one
# message at a time (against bench/bare-insert), and the bytes per report.
# The figures are printed as a table, with the ratios (b)/(a) and the goals
# at (c).  Filling and the recount take most of the time: 2,000 to 4,000
# reports/s on the 2-core development machine shared with other work
# (2026-12-06), so a quarter of an hour with BENCH_SCALE=small, and an
# hour or more for the 7 M reports of the default.
# BENCH_EXPLAIN=FILE keeps the plans of the main questions at (c) there;
# BENCH_POINTS="c" measures only the points named; BENCH_DAYS=90 fills only
# the last 90 days of (c), as dense: enough for every question of 30 days
# (the enforce verdicts and incidents look 60 days back), in a quarter of
# the time; BENCH_RECOUNT=no skips the recount of every figure from the
# reports at (c) (tlsrpt.verify_figures, which takes longer than the fill).
# A figure, not a test: nothing here fails on a slow machine.
set -eu

if [ "${1:-}" = --inside ]; then
	shift
	build=$1 work=$2 scale=$3 src=$4
	ingest=$build/src/ingest/tlsrpt-ingest
	report=$build/src/report/tlsrpt-report
	socket=$(psql -XAtc 'SHOW unix_socket_directories' | cut -d, -f1)
	me=$(id -un)
	psql -XAtqc "SELECT 1 FROM pg_roles WHERE rolname = '$me'" | grep -q 1 ||
		createuser -s "$me"
	export PGHOST="$socket" PGUSER="$me" PGTZ=UTC LC_ALL=C
	unset PGPASSWORD
	now() { date +%s%N; }
	ms() { awk -v n="$1" 'BEGIN { printf "%.0f", n / 1e6 }'; }
	sql() { psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
	fresh() {
		dropdb --if-exists "$1"
		createdb "$1"
		psql -X -q -v ON_ERROR_STOP=1 -d "$1" -f "$src/sql/schema.sql" \
			-f "$src/sql/views.sql" -f "$src/bench/fill.sql" \
			-c 'CREATE TABLE bench_bare (t text)' >/dev/null
	}
	# Reports asked for; fill.sql drops a seventh or so, the second
	# reports a day that Google and Microsoft would not send.
	case $scale in
	tiny)	a=3400 b=30000 c=34000 ;;
	small)	a=34000 b=300000 c=340000 ;;
	10M)	a=340000 b=3000000 c=11700000 ;;
	*)	a=340000 b=3000000 c=3450000 ;;
	esac
	out=$work/table
	: >"$out"
	# row POINT WHAT MILLISECONDS [NOTE] - one measurement
	row() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-}" >>"$out"; }

	# fill FIRST-DAYS-AGO DAYS REPORTS - REPORTS over DAYS days ending
	# FIRST-DAYS-AGO days ago, then what autovacuum would have done
	fill() {
		per_day=$(( $3 / $2 ))
		# A month's partition for every month, as a site running for
		# that long would have.
		sql "SELECT count(*) FROM tlsrpt.create_partitions(since => current_date - $1 - $2 + 1)" >/dev/null
		t0=$(now)
		sql "CALL bench.fill(current_date - $1 - $2 + 1, $2, $per_day)"
		t1=$(now)
		sql "VACUUM ANALYZE" >/dev/null
		# What the fill left to write goes to disk before anything is timed.
		sql "CHECKPOINT" >/dev/null
		n=$(sql "SELECT count(*) FROM tlsrpt.reports")
		echo "   filled: $(( $3 / 1000 ))k reports asked in $(( (t1 - t0) / 1000000000 ))s; $n stored in all"
	}

	# timed POINT WHAT COMMAND... - the median wall time of three runs of
	# a command, its output's size as the note
	timed() {
		p=$1 what=$2
		shift 2
		for i in 1 2 3; do
			t0=$(now)
			"$@" >"$work/cmd.out" 2>"$work/cmd.err" || true
			t1=$(now)
			echo $((t1 - t0))
		done | sort -n | sed -n 2p >"$work/cmd.t"
		row "$p" "$what" "$(ms "$(cat "$work/cmd.t")")" "$(wc -c <"$work/cmd.out") bytes"
	}

	# panels POINT LABEL DOMAIN-VALUE DAYS - every panel's query, with
	# Grafana's macros filled in as Grafana does, in one session: a row
	# each, and one for the domain picker, which Grafana runs on every load
	panels() {
		since=$(date -u -d "$4 days ago" +%Y-%m-%dT00:00:00Z)
		until=$(date -u +%Y-%m-%dT23:59:59Z)
		{
			jq -r '.panels[] | select(.targets[0].rawSql) | "\\echo @@" + .title, (.targets[0].rawSql + ";")' \
				"$src/contrib/grafana/tlsrpt-dashboard.json"
			jq -r '.templating.list[] | select(.name == "domain") | "\\echo @@domain picker", (.query + ";")' \
				"$src/contrib/grafana/tlsrpt-dashboard.json"
		} | sed -e "s/\$__timeFilter(day)/day BETWEEN '$since' AND '$until'/g" \
			-e "s/\$__timeFrom()/'$since'/g" -e "s/\$__timeTo()/'$until'/g" \
			-e "s/\$domain/$3/g" >"$work/panels.sql"
		# Three times, the median of each panel.
		for i in 1 2 3; do
			psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$db" -c '\timing on' -f "$work/panels.sql" |
			awk '/^@@/ { title = substr($0, 3) } /^Time: / { print title "\t" $2 }'
		done | sort -t '	' -k1,1 -k2,2n |
		awk -F'\t' -v p="$1" -v label="Grafana $2, $4 days: " '
			{ n[$1]++; if (n[$1] == 2) printf "%s\t%s%s\t%.0f\t\n", p, label, $1, $2 }'
	}

	# measure POINT - everything, on the database $db
	measure() {
		p=$1
		dom=customer100.example
		busy=customer1.example
		n=$(sql "SELECT count(*) FROM tlsrpt.reports")
		row "$p" "reports stored" "$n"
		row "$p" "bytes per report: reports table, raw included" \
			"$(sql "SELECT round(sum(pg_total_relation_size(relid)) / $n) FROM pg_partition_tree('tlsrpt.reports')")" ""
		# Every table the triggers keep.
		figures="(SELECT sum(pg_total_relation_size(t)) FROM unnest(ARRAY['tlsrpt.daily_reporter_sessions',
		    'tlsrpt.daily_reporter_failures', 'tlsrpt.daily_reporter_policies',
		    'tlsrpt.daily_reporter_details', 'tlsrpt.reporter_domains',
		    'tlsrpt.policy_domains']::regclass[]) t)"
		row "$p" "bytes per report, all: tables, figures, indexes" \
			"$(sql "SELECT round(((SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('tlsrpt.reports'))
			    + (SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('tlsrpt.policies'))
			    + (SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('tlsrpt.failure_details'))
			    + $figures) / $n, 0)")" ""
		row "$p" "bytes per report: daily figures" "$(sql "SELECT round($figures / $n)")" ""
		echo "   $p: $n reports; tlsrpt-report, a domain $dom, a busy one $busy"
		# Each command once to warm the cache, then timed.
		for cmd in "summary" "summary --days 365" "summary --domain $busy" "summary --days 30 --format json" \
		    "check" "check --domain $dom" "check --domain $busy" "html" "html --domain $busy" \
		    "enforce $dom" "enforce $busy" \
		    "check --format json" "metrics" "digest --stdout" "digest --stdout --domain $busy"; do
			# shellcheck disable=SC2086
			"$report" $cmd -t 900 -d "dbname=$db" >/dev/null 2>&1 || true
			# shellcheck disable=SC2086
			timed "$p" "tlsrpt-report $cmd" "$report" $cmd -t 900 -d "dbname=$db"
		done
		echo "   $p: Grafana"
		for days in 30 365; do
			panels "$p" "one domain" "'$dom'" "$days" >/dev/null
			panels "$p" "one domain" "'$dom'" "$days" >>"$out"
			panels "$p" "all domains" "$all_value" "$days" >/dev/null
			panels "$p" "all domains" "$all_value" "$days" >>"$out"
		done

		echo "   $p: storing"
		# The floor at this moment, in a database of its own beside.
		floor_rate=$(copy_floor)
		# One message at a time, then a batch; what they stored goes again.
		mark=$(sql "SELECT now()")
		: >"$work/t.ingest"
		: >"$work/t.bare"
		for f in "$work"/one/*; do
			t0=$(now); "$ingest" -d "dbname=$db" <"$f" 2>/dev/null || true; t1=$(now)
			"$build/bench/bare-insert" "dbname=$db"; t2=$(now)
			echo $((t1 - t0)) >>"$work/t.ingest"
			echo $((t2 - t1)) >>"$work/t.bare"
		done
		median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
		mi=$(median "$work/t.ingest")
		mb=$(median "$work/t.bare")
		row "$p" "one message: tlsrpt-ingest, median ms" "$(awk -v n="$mi" 'BEGIN { printf "%.1f", n / 1e6 }')"
		row "$p" "one message: bare insert, median ms" "$(awk -v n="$mb" 'BEGIN { printf "%.1f", n / 1e6 }')"
		row "$p" "one message: ratio to the bare insert" "$(awk -v a="$mi" -v b="$mb" 'BEGIN { printf "%.2f", a / b }')"
		t0=$(now)
		"$ingest" -q -d "dbname=$db" "$work/md" 2>/dev/null || true
		t1=$(now)
		stored=$(sql "SELECT count(*) FROM tlsrpt.reports WHERE stored_at > '$mark'")
		row "$p" "batch of 20,000 messages: reports/s" \
			"$(awk -v n="$stored" -v t="$((t1 - t0))" 'BEGIN { printf "%.0f", n / (t / 1e9) }')"
		row "$p" "batch: bare COPY floor, reports/s" "$(printf '%.0f' "$floor_rate")"
		row "$p" "batch: ratio to the bare COPY floor" \
			"$(awk -v n="$stored" -v t="$((t1 - t0))" -v f="$floor_rate" 'BEGIN { printf "%.2f", n / (t / 1e9) / f }')"
		t0=$(now)
		sql "DELETE FROM tlsrpt.reports WHERE id IN (SELECT id FROM tlsrpt.reports
		     WHERE stored_at > '$mark' ORDER BY id LIMIT 1000)" >/dev/null
		t1=$(now)
		row "$p" "deleting 1,000 of them (the figures follow, row by row)" "$(ms $((t1 - t0)))"
	}

	# explain - the plans of the main questions at (c), as PostgreSQL ran them
	explain() {
		psql -X -q -d "$db" -v since="$(date -u -d '6 days ago' +%Y-%m-%d)" \
		    -v previous="$(date -u -d '13 days ago' +%Y-%m-%d)" \
		    -v month="$(date -u -d '29 days ago' +%Y-%m-%d)" \
		    -v baseline="$(date -u -d '30 days ago' +%Y-%m-%d)" \
		    -v until="$(date -u +%Y-%m-%d)" -v domain=customer100.example <<'EOF'
\echo == summary, all domains, 7 days: the domains and the period before (query.c)
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT policy_domain,
    coalesce(sum(reports) FILTER (WHERE day >= :'since'::date), 0),
    count(DISTINCT organization_name) FILTER (WHERE day >= :'since'::date),
    coalesce(sum(successful) FILTER (WHERE day >= :'since'::date), 0),
    coalesce(sum(failed) FILTER (WHERE day >= :'since'::date), 0),
    coalesce(sum(reports) FILTER (WHERE day < :'since'::date), 0),
    coalesce(sum(successful) FILTER (WHERE day < :'since'::date), 0),
    coalesce(sum(failed) FILTER (WHERE day < :'since'::date), 0)
FROM tlsrpt.reporter_days
WHERE day BETWEEN :'previous'::date AND :'until'::date
GROUP BY policy_domain ORDER BY policy_domain;
\echo == check: the rhythm of each reporter, all domains, 31 days (query.c)
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) WITH g AS (SELECT organization_name, policy_domain, day,
    day - lag(day) OVER (PARTITION BY policy_domain, organization_name ORDER BY day) AS gap
    FROM tlsrpt.reporter_days WHERE day BETWEEN :'baseline'::date AND :'until'::date)
SELECT organization_name, policy_domain, count(DISTINCT day), max(day), :'until'::date - max(day), coalesce(max(gap), 0)
FROM g GROUP BY policy_domain, organization_name ORDER BY policy_domain, organization_name;
\echo == check --domain: the days of one domain (query.c, the rhythm likewise)
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT policy_domain, sum(reports), sum(successful), sum(failed)
FROM tlsrpt.reporter_days
WHERE day BETWEEN :'previous'::date AND :'until'::date AND policy_domain = tlsrpt.domain_key(:'domain')
GROUP BY policy_domain;
\echo == Grafana, one domain, 30 days: sessions per day
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT day::timestamptz AS time, sum(successful), sum(failed)
FROM tlsrpt.reporter_days
WHERE day BETWEEN :'month' AND :'until' AND ('*' IN (:'domain') OR policy_domain IN (:'domain'))
GROUP BY day ORDER BY day;
\echo == Grafana, all domains, 30 days: sessions per day
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT day::timestamptz AS time, sum(successful), sum(failed)
FROM tlsrpt.reporter_days
WHERE day BETWEEN :'month' AND :'until' AND ('*' IN ('*') OR policy_domain IN ('*'))
GROUP BY day ORDER BY day;
\echo == Grafana, one domain: the latest report per reporter
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT organization_name, policy_domain, max(day), current_date - max(day), sum(reports), min(day)
FROM tlsrpt.reporter_days
WHERE day BETWEEN :'month' AND :'until' AND ('*' IN (:'domain') OR policy_domain IN (:'domain'))
GROUP BY organization_name, policy_domain ORDER BY 4 DESC, 1, 2 LIMIT 100;
\echo == Grafana: the domain picker
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT policy_domain FROM tlsrpt.known_domains ORDER BY 1;
EOF
	}
	explain_file=${BENCH_EXPLAIN:-$work/explain.txt}

	all_value=$(jq -r '.templating.list[] | select(.name == "domain") | .allValue' \
		"$src/contrib/grafana/tlsrpt-dashboard.json")
	echo "fsync: $(psql -XAtc 'SHOW fsync'), shared_buffers: $(psql -XAtc 'SHOW shared_buffers'), $(nproc) CPUs, scale: $scale"

	# copy_floor - the floor for batches, as make bench measures it: the
	# rows of the 20,000 messages by bare COPY into a fresh database, in
	# reports/s
	copy_floor() {
		outer=$db
		db=bench_floor
		fresh $db
		t0=$(now)
		"$build/bench/bare-copy" "dbname=$db" "$work/copy"
		t1=$(now)
		awk -v n="$(sql "SELECT count(*) FROM tlsrpt.reports")" -v t="$((t1 - t0))" 'BEGIN { print n / (t / 1e9) }'
		dropdb $db
		db=$outer
	}
	db=bench_floor
	floor_rate=$(copy_floor)
	fresh $db
	t0=$(now)
	"$ingest" -q -d "dbname=$db" "$work/md" 2>/dev/null || true
	t1=$(now)
	fresh_rate=$(awk -v n="$(sql "SELECT count(*) FROM tlsrpt.reports")" -v t="$((t1 - t0))" 'BEGIN { print n / (t / 1e9) }')
	row - "batch floor: bare COPY into a fresh database" "$(printf '%.0f' "$floor_rate")" "reports/s"
	row - "batch: tlsrpt-ingest into a fresh database" "$(printf '%.0f' "$fresh_rate")" \
		"reports/s, $(awk -v a="$fresh_rate" -v b="$floor_rate" 'BEGIN { printf "%.2f", a / b }') of the floor"
	dropdb $db

	# point P - whether BENCH_POINTS asks for point P
	point() { case " ${BENCH_POINTS:-a b c} " in *" $1 "*) return 0 ;; esac; return 1; }

	# The same days get the same reports: (b)'s last year is (a)'s.
	if point a; then
		echo "(a) $a reports over the last year"
		db=bench_scale_a
		fresh $db
		fill 0 365 "$a"
		measure a
		dropdb $db
	fi
	if point b; then
		echo "(b) the same, and $b over the three years before"
		db=bench_scale_b
		fresh $db
		fill 365 1095 "$b"
		fill 0 365 "$a"
		measure b
		dropdb $db
	fi
	if point c; then
		# BENCH_DAYS: only the last days of (c)'s year, as dense
		days_c=${BENCH_DAYS:-365}
		echo "(c) $c reports over the last year: those of its last $days_c days"
		db=bench_scale_c
		fresh $db
		fill 0 "$days_c" $((c * days_c / 365))
		measure c
		explain >"$explain_file" 2>&1 || true
		# The recount reads every report: as long as the fill, and more.
		if [ "${BENCH_RECOUNT:-yes}" = yes ]; then
			t0=$(now)
			sql "SELECT count(*) FROM tlsrpt.verify_figures()" >"$work/verify" 2>&1 || true
			t1=$(now)
			row c "rows where the daily figures differ from a recount of the reports" "$(cat "$work/verify")" \
				"the recount took $(( (t1 - t0) / 1000000000 ))s"
		fi
		dropdb $db
	fi

	# The table: every figure at each point, (b)/(a), and the goals.
	echo
	awk -F'\t' '
		$1 == "-" { printf "%-64s %10s  %s\n", $2, $3, $4; next }
		{ key = $2; if (!(key in seen)) { seen[key] = 1; order[++n] = key }
		  v[$1, key] = $3; note[$1, key] = $4 }
		END {
			printf "\n%-64s %9s %9s %7s %9s  %s\n", "at each point (ms, unless said)", "(a)", "(b)", "(b)/(a)", "(c)", "at (c)"
			for (i = 1; i <= n; i++) {
				k = order[i]
				r = (v["a", k] > 0) ? sprintf("%.2f", v["b", k] / v["a", k]) : "-"
				printf "%-64s %9s %9s %7s %9s  %s\n", substr(k, 1, 64), v["a", k], v["b", k], r, v["c", k], note["c", k]
			}
		}' "$out"
	echo
	awk -F'\t' '
		$1 == "c" && $2 ~ /^Grafana one domain, 30 days/ { one += $3 }
		$1 == "c" && $2 ~ /^Grafana all domains, 30 days/ { all += $3 }
		$1 == "c" && $2 == "tlsrpt-report summary" { s = $3 }
		$1 == "c" && $2 == "tlsrpt-report check" { c = $3 }
		$1 == "c" && $2 ~ /^tlsrpt-report check --domain / && $2 !~ /customer1\./ { cd = $3 }
		$1 == "c" && $2 == "tlsrpt-report html" { h = $3 }
		END {
			printf "goals at (c): summary %d ms (< 1000), check %d ms (< 1000), check --domain %d ms (< 200), html %d ms (< 3000),\n", s, c, cd, h
			printf "              Grafana one domain, 30 days, every panel %d ms (< 1000), all domains %d ms (< 5000)\n", one, all
		}' "$out"
	exit 0
fi

build=$(cd "${1:?usage: bench-scale.sh BUILDDIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
scale=${BENCH_SCALE:-3M}
for p in "$build/src/ingest/tlsrpt-ingest" "$build/src/report/tlsrpt-report" "$build/bench/gen-corpus" \
    "$build/bench/bare-copy" "$build/bench/bare-insert"; do
	[ -x "$p" ] || { echo "bench-scale.sh: $p missing: run make bench-scale" >&2; exit 1; }
done
command -v jq >/dev/null || { echo "bench-scale.sh: needs jq (Debian package jq)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/tlsrpt-bench-scale.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "generating 20,000 messages in $work ..."
sh "$here/bench.sh" --corpus "$build" "$work" 20000 100
export PGPORT=${PGPORT:-$((20000 + $$ % 10000))}
# A server as a provider would set one up on this machine: a quarter of
# the memory for shared buffers would be 6 GB here; 1 GB keeps the
# benchmark honest about reading from the disk cache.
pg_virtualenv -t -o fsync=on -o synchronous_commit=on -o shared_buffers=1GB \
	-o max_wal_size=4GB -o work_mem=16MB \
	sh "$here/bench-scale.sh" --inside "$build" "$work" "$scale" "$src"
