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
#      COPY (the triggers keeping the daily figures), and against the same
#      COPY with those triggers disabled: the rows alone; and tlsrpt-ingest
#      with them disabled, storing without the figures; and the floor's
#      share of the rows-only COPY: the most a writer whose figures the
#      triggers keep can reach;
#   2. per message: median wall time of "tlsrpt-ingest < message" against
#      bench/bare-insert (connect, insert one row, commit), over a Unix
#      socket, and the peak RSS of each; and of "tlsrpt-ingest
#      --verify-dkim" on the same messages, DKIM-signed (rsa-sha256,
#      2048 bits) by python3-dkim, the key served by a dnsmasq on loopback;
#      and what the daily figures cost: tlsrpt-ingest with the figure
#      triggers off, and "bare-insert figures" (the bare row and a row
#      in each figure table, in one statement), and the two added up:
#      the least a delivery keeping the figures in its transaction could
#      cost;
#   3. peak RSS for 1,000, 10,000 and BIG (100,000) messages: it grows
#      until PIPELINE_INFLIGHT (src/ingest/pipeline.c) inputs are in flight, then
#      stays flat;
#   4. peak RSS of a batch of 30 messages each holding a 6 MB report (gzip'd,
#      as Google's largest come) against one of them: what is in flight is
#      bounded by bytes (PIPELINE_INFLIGHT_BYTES), so it stays within a few
#      times one.
# BENCH_BEFORE=BUILDDIR stores the batch of figure 1 with that build's
# tlsrpt-ingest too (another checkout, built: the code before a change),
# into its own fresh database, in the same run, and prints its ratio.
# BENCH_JOBS=N passes -j N to tlsrpt-ingest in the batch run; BIG sets the
# size of the large RSS run; BENCH_FIGURES="4" (or "1 3"...) measures only
# those.  A figure, not a test: nothing here fails on a slow machine.
set -eu

# bench.sh --corpus BUILDDIR WORK COUNT N: COUNT messages to store into
# WORK/md, the rows bare-copy loads into WORK/copy, and N Google-style
# ones with failures, distinct, in WORK/one, for the per-message figure;
# bench-scale.sh stores the same.
if [ "${1:-}" = --corpus ]; then
	build=$2 work=$3
	"$build/bench/gen-corpus" "$work/md" "$4" "$work/copy"
	mkdir -p "$work/one"
	n=0
	for f in "$work/md/cur/"*; do
		grep -q 'application/tlsrpt+gzip' "$f" && grep -q '^From: tlsrpt' "$f" || continue
		cp "$f" "$work/one/"
		n=$((n + 1))
		[ $n -ge "$5" ] && break
	done
	exit 0
fi

if [ "${1:-}" = --inside ]; then
	shift
	build=$1 work=$2 count=$3 big=$4 dns_port=$5 dns_skip=$6
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
	want() { case " $figures " in *" $1 "*) return 0 ;; esac; return 1; }

	echo "fsync: $(psql -XAtc 'SHOW fsync'), synchronous_commit: $(psql -XAtc 'SHOW synchronous_commit'), $(nproc) CPUs"
	if want 1; then
	echo
	echo "1. batch: $count messages from a Maildir into a fresh database"
	if [ -n "${BENCH_BEFORE:-}" ]; then
		fresh bench_before
		t0=$(now)
		"$BENCH_BEFORE/src/ingest/tlsrpt-ingest" -q ${BENCH_JOBS:+-j "$BENCH_JOBS"} \
			-d dbname=bench_before "$work/md" || true
		before_ns=$(($(now) - t0))
		before_n=$(psql -XAtc 'SELECT count(*) FROM tlsrpt.reports' bench_before)
		dropdb bench_before
	fi
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
	if [ -n "${BENCH_BEFORE:-}" ]; then
		awk -v n="$before_n" -v t="$before_ns" -v a="$stored" -v u="$((t1 - t0))" \
		    -v m="$copied" -v c="$((t3 - t2))" 'BEGIN {
			b = n / (t / 1e9)
			printf "   BENCH_BEFORE      %8.0f reports/s  (%d reports in %.2fs), %.2f of the floor\n", b, n, t / 1e9, b / (m / (c / 1e9))
			printf "   this build        %8.2f times BENCH_BEFORE\n", (a / (u / 1e9)) / b
		}'
	fi
	[ "$same" = "$floor" ] || echo "   WARNING: the two loads differ (failed sessions $same vs $floor)"
	# The floor counts the daily figures too (schema.sql's triggers);
	# without them, what storing the rows alone costs.
	fresh bench_rows
	psql -X -q -v ON_ERROR_STOP=1 -d bench_rows -c "ALTER TABLE tlsrpt.reports DISABLE TRIGGER USER" \
		-c "ALTER TABLE tlsrpt.policies DISABLE TRIGGER USER" \
		-c "ALTER TABLE tlsrpt.failure_details DISABLE TRIGGER USER"
	t4=$(now)
	"$build/bench/bare-copy" dbname=bench_rows "$work/copy"
	t5=$(now)
	kept=$(psql -XAtc "SELECT count(*) FROM tlsrpt.daily_reporter_sessions" bench_rows)
	# And tlsrpt-ingest into such a database: storing without the figures.
	fresh bench_nofig
	psql -X -q -v ON_ERROR_STOP=1 -d bench_nofig \
		-c "ALTER TABLE tlsrpt.policies DISABLE TRIGGER figures_added" \
		-c "ALTER TABLE tlsrpt.failure_details DISABLE TRIGGER figures_added"
	t6=$(now)
	"$ingest" -q ${BENCH_JOBS:+-j "$BENCH_JOBS"} -d dbname=bench_nofig "$work/md" 2>/dev/null || true
	t7=$(now)
	awk -v n="$stored" -v t="$((t1 - t0))" -v m="$copied" -v u="$((t5 - t4))" -v f="$kept" \
	    -v v="$((t7 - t6))" -v w="$((t3 - t2))" 'BEGIN {
		a = n / (t / 1e9); b = m / (u / 1e9); c = n / (v / 1e9); d = m / (w / 1e9)
		printf "   COPY, rows only   %8.0f reports/s  (the same rows, no daily figure kept: %d)\n", b, f
		printf "   ratio             %8.2f of it: what storing and the figures cost together\n", a / b
		printf "                     (issue 12: within 10 %% of version 2'"'"'s 0.44-0.66 of a COPY)\n"
		printf "   the COPY floor    %8.2f of it: the most any writer reaches that keeps the\n", d / b
		printf "                     figures in its transaction, as schema.sql'"'"'s triggers do\n"
		printf "   figures off       %8.0f reports/s  (tlsrpt-ingest, the figure triggers disabled)\n", c
		printf "   ratio             %8.2f of the rows-only COPY: what storing costs without them\n", c / b
	}'
	fi
	if want 2; then

	echo
	echo "2. per message: one process per delivered message, over a Unix socket"
	fresh bench_one
	fresh bench_dkim
	psql -X -q -d bench_one -c 'CREATE TABLE bench_bare (t text)'
	# What the daily figures cost a delivery: the same messages into a
	# database whose figure triggers are off, and the bare insert that
	# also adds a row to each figure table (bare-insert.c).
	fresh bench_nofig
	psql -X -q -v ON_ERROR_STOP=1 -d bench_nofig \
		-c "ALTER TABLE tlsrpt.policies DISABLE TRIGGER figures_added" \
		-c "ALTER TABLE tlsrpt.failure_details DISABLE TRIGGER figures_added"
	ls "$work/one" >"$work/one.list"
	: >"$work/t.ingest"
	: >"$work/t.dkim"
	: >"$work/t.bare"
	: >"$work/t.nofig"
	: >"$work/t.barefig"
	verify="--verify-dkim --require-dkim --nameserver 127.0.0.1 --nameserver-port $dns_port"
	while read -r f; do
		t0=$(now); "$ingest" -d dbname=bench_one <"$work/one/$f" 2>>"$work/one.err" || true; t1=$(now)
		if [ "$dns_port" != 0 ]; then
			# shellcheck disable=SC2086
			"$ingest" -d dbname=bench_dkim $verify <"$work/one/$f" 2>>"$work/dkim.err" || true
		fi
		t2=$(now)
		"$build/bench/bare-insert" dbname=bench_one; t3=$(now)
		"$ingest" -d dbname=bench_nofig <"$work/one/$f" 2>>"$work/one.err" || true; t4=$(now)
		"$build/bench/bare-insert" dbname=bench_one figures; t5=$(now)
		echo $((t1 - t0)) >>"$work/t.ingest"
		echo $((t2 - t1)) >>"$work/t.dkim"
		echo $((t3 - t2)) >>"$work/t.bare"
		echo $((t4 - t3)) >>"$work/t.nofig"
		echo $((t5 - t4)) >>"$work/t.barefig"
	done <"$work/one.list"
	median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
	mi=$(median "$work/t.ingest")
	md=$(median "$work/t.dkim")
	mb=$(median "$work/t.bare")
	first=$(head -n 1 "$work/one.list")
	ri=$(rss "$ingest" -d dbname=bench_one <"$work/one/$first")
	rb=$(rss "$build/bench/bare-insert" dbname=bench_one)
	runs=$(wc -l <"$work/one.list")
	echo "   tlsrpt-ingest     $(ms "$mi") ms median of $runs, peak RSS $ri kB"
	echo "   bare insert       $(ms "$mb") ms median of $runs, peak RSS $rb kB"
	awk -v a="$mi" -v b="$mb" -v r="$ri" 'BEGIN {
		printf "   ratio             %8.2f   (goals: issue 3'"'"'s <= 1.50, issue 12'"'"'s within 10 %% of\n", a / b
		printf "                     version 2'"'"'s 1.60-1.78; RSS goal: < 10240 kB, is %d)\n", r }'
	mn=$(median "$work/t.nofig")
	mf=$(median "$work/t.barefig")
	echo "   figures off       $(ms "$mn") ms median: tlsrpt-ingest, the figure triggers disabled"
	echo "   bare + figures    $(ms "$mf") ms median: the bare insert and a row in each figure table"
	awk -v a="$mi" -v b="$mb" -v n="$mn" -v f="$mf" 'BEGIN {
		printf "   ratios            %8.2f and %.2f of the bare insert; keeping the figures costs\n", n / b, f / b
		printf "                     tlsrpt-ingest %.2f of it, their bare floor %.2f\n", (a - n) / b, (f - b) / b
		printf "   least with them   %8.2f of the bare insert: figures off and their bare floor,\n", (n + f - b) / b
		printf "                     the least this delivery could cost keeping them in its transaction\n" }'
	if [ "$dns_port" != 0 ]; then
		passed=$(psql -XAtc "SELECT count(*) FROM tlsrpt.reports WHERE dkim = 'pass'" bench_dkim)
		# shellcheck disable=SC2086
		rd=$(rss "$ingest" -d dbname=bench_dkim $verify <"$work/one/$first")
		echo "   --verify-dkim     $(ms "$md") ms median of $runs ($passed stored with dkim=pass), peak RSS $rd kB"
		awk -v d="$md" -v a="$mi" -v b="$mb" 'BEGIN {
			printf "   ratio             %8.2f of without, %.2f of the bare insert\n", d / a, d / b }'
	else
		echo "   --verify-dkim     not measured: $dns_skip"
	fi
	fi
	if want 3; then

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
	fi
	if want 4; then
	echo
	echo "4. peak RSS of a batch of large reports ($(($(gzip -dc "$work/large-report.json.gz" | wc -c) / 1000)) kB of JSON each)"
	fresh bench_large
	l1=$(rss "$ingest" -q -d dbname=bench_large "$work/large1")
	fresh bench_large
	l30=$(rss "$ingest" -q -d dbname=bench_large "$work/large30")
	stored=$(psql -XAtc 'SELECT count(*) FROM tlsrpt.reports' bench_large)
	echo "   1 message         $l1 kB"
	echo "   30 messages       $l30 kB   ($stored stored)"
	awk -v a="$l1" -v b="$l30" 'BEGIN {
		printf "   ratio             %8.2f of one   (goal: <= 3)\n", b / a }'
	fi
	exit 0
fi

# large_report ID DAY - a report of about 6 MB of JSON, Google's largest
# and more: 25 policies of 1000 failure-details each
large_report() {
	awk -v id="$1" -v day="$2" 'BEGIN {
		printf "{\"organization-name\":\"Large Sender\",\"date-range\":{\"start-datetime\":\"%sT00:00:00Z\",\"end-datetime\":\"%sT23:59:59Z\"},\"contact-info\":\"tlsrpt@large.example\",\"report-id\":\"%s\",\"policies\":[", day, day, id
		for (p = 0; p < 25; p++) {
			printf "%s{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":[\"version: STSv1\",\"mode: testing\"],\"policy-domain\":\"receiver%d.example\",\"mx-host\":[\"mx.receiver%d.example\"]},\"summary\":{\"total-successful-session-count\":100000,\"total-failure-session-count\":%d},\"failure-details\":[", p ? "," : "", p, p, 1000
			for (i = 0; i < 1000; i++)
				printf "%s{\"result-type\":\"certificate-expired\",\"sending-mta-ip\":\"192.0.2.%d\",\"receiving-mx-hostname\":\"mx%d.receiver%d.example\",\"receiving-ip\":\"198.51.100.%d\",\"failed-session-count\":1,\"additional-information\":\"https://large.example/%d/%d\"}", i ? "," : "", i % 250, i, p, i % 250, p, i
			printf "]}"
		}
		printf "]}\n"
	}'
}

# large_message ID DAY - a report message of large_report, gzip'd
large_message() {
	printf '%s\n' "From: tlsrpt@large.example" "Message-ID: <$1@large.example>" \
		"TLS-Report-Domain: receiver0.example" "MIME-Version: 1.0" \
		"Content-Type: multipart/report; report-type=tlsrpt; boundary=b" "" \
		"--b" "Content-Type: text/plain" "" "a large report" "--b" \
		"Content-Type: application/tlsrpt+gzip" "Content-Transfer-Encoding: base64" \
		"Content-Disposition: attachment; filename=\"$1.json.gz\"" ""
	large_report "$1" "$2" | gzip -c | base64
	printf '%s\n' "" "--b--"
}

build=$(cd "${1:?usage: bench.sh BUILDDIR [COUNT]}" && pwd)
figures=${BENCH_FIGURES:-1 2 3 4}
export figures
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
# Per message: 200 distinct Google-style gzip'd reports with failures.
mkdir -p "$work/one"
case " $figures " in *" 1 "* | *" 2 "*)
	sh "$here/bench.sh" --corpus "$build" "$work" "$count" 200 ;;
esac
case " $figures " in *" 3 "*)
	"$build/bench/gen-corpus" "$work/rss1k" 1000
	"$build/bench/gen-corpus" "$work/rss10k" 10000
	"$build/bench/gen-corpus" "$work/rss-big" "$big" ;;
esac
case " $figures " in *" 4 "*)
	day=$(date -u -d yesterday +%Y-%m-%d)
	mkdir -p "$work/large1" "$work/large30"
	large_report sample "$day" | gzip -c >"$work/large-report.json.gz"
	for i in $(seq 1 30); do large_message "large-$i" "$day" >"$work/large30/$i.eml"; done
	cp "$work/large30/1.eml" "$work/large1/" ;;
esac
# The same messages DKIM-signed by reporter.example, whose key a dnsmasq
# on loopback serves: --verify-dkim's cost is its DNS lookup (local, not
# cached) and libopendkim's work, not a resolver's distance.
dns_port=0 dns_pid= dns_skip=
trap '{ [ -z "$dns_pid" ] || kill "$dns_pid"; }; rm -rf "$work"' EXIT
dnsmasq=$(command -v dnsmasq || ls /usr/sbin/dnsmasq 2>/dev/null || true)
if [ -z "$dnsmasq" ]; then
	dns_skip="no dnsmasq (Debian package dnsmasq-base)"
elif ! /usr/bin/python3 -c 'import dkim' 2>/dev/null; then
	dns_skip="no python3-dkim to sign with"
else
	(cd "$work" && dknewkey --ktype rsa bench >/dev/null 2>&1)
	/usr/bin/python3 -c '
import os, sys, dkim
key = open(sys.argv[1], "rb").read()
for name in os.listdir(sys.argv[2]):
    path = os.path.join(sys.argv[2], name)
    message = open(path, "rb").read()
    sig = dkim.sign(message, b"bench", b"reporter.example", key, linesep=b"\n")
    open(path, "wb").write(sig + message)
' "$work/bench.key" "$work/one"
	record=$(cat "$work/bench.dns")
	printf 'txt-record=bench._domainkey.reporter.example,"%s","%s"\n' \
		"$(printf '%s' "$record" | cut -c1-255)" "$(printf '%s' "$record" | cut -c256-)" >"$work/dnsmasq.conf"
	for try in 1 2 3 4 5; do
		dns_port=$((20000 + ($$ * 7 + try * 1013) % 40000))
		"$dnsmasq" --keep-in-foreground --conf-file="$work/dnsmasq.conf" --no-resolv \
			--no-hosts --listen-address=127.0.0.1 --bind-interfaces --port="$dns_port" \
			--local=/reporter.example/ --user="$(id -un)" --pid-file="$work/dnsmasq.pid" \
			--log-facility="$work/dnsmasq.log" 2>"$work/dnsmasq.err" &
		dns_pid=$!
		sleep 0.3
		kill -0 "$dns_pid" 2>/dev/null && break
		dns_pid= dns_port=0 dns_skip="dnsmasq does not start: $(cat "$work/dnsmasq.err")"
	done
fi
export PGPORT=${PGPORT:-$((20000 + $$ % 10000))}
pg_virtualenv -t -o fsync=on -o synchronous_commit=on \
	sh "$here/bench.sh" --inside "$build" "$work" "$count" "$big" "$dns_port" "$dns_skip"
