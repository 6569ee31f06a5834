#!/bin/sh
# demo.sh - from a fresh Debian 12 to stored sample reports, in one command
#
# Installs the build dependencies, builds in build/, starts a private
# PostgreSQL (pg_virtualenv, removed again at the end), loads the schema
# and views, ingests the sample reports in samples/ and shows what they say
# with tlsrpt-report and with SQL: what broke, where, since when and why,
# whether each domain's MTA-STS policy can go to enforce, and how a
# postmaster is told: the digest, check's JSON, the Prometheus metrics.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)

sh tests/deps.sh
[ -x configure ] || autoreconf -fi
mkdir -p build
cd build
[ -f Makefile ] || ../configure -q
make -j2 >/dev/null

export PGPORT=${PGPORT:-$((20000 + $$ % 10000))}
pg_virtualenv -t sh -eu -c '
	top=$1
	createdb tlsrpt
	psql -X -q -v ON_ERROR_STOP=1 -d tlsrpt -f "$top/sql/schema.sql"
	echo "== ingesting the sample reports"
	for f in "$top"/samples/*; do
		[ -f "$f" ] || continue
		./src/ingest/tlsrpt-ingest -d dbname=tlsrpt <"$f" || echo "   exit status $?"
	done
	echo "== a month of Google reports about example.net and example.com, in one batch run"
	./src/ingest/tlsrpt-ingest -q -d dbname=tlsrpt "$top/samples/november"
	echo "== once more: storing is idempotent"
	./src/ingest/tlsrpt-ingest -d dbname=tlsrpt <"$top/samples/google-testing-failures.eml"
	echo "== not a report: refused with EX_DATAERR (65)"
	printf "Subject: hello\n\nnot a report\n" | ./src/ingest/tlsrpt-ingest -d dbname=tlsrpt || echo "   exit status $?"
	echo
	psql -X -q -v ON_ERROR_STOP=1 -d tlsrpt -f "$top/sql/views.sql"
	echo
	echo "== what the reports say: tlsrpt-report summary (the incidents, the verdicts, the figures)"
	./src/report/tlsrpt-report summary -d dbname=tlsrpt --since 2026-11-01 --until 2026-11-30
	echo
	echo "== can MTA-STS go to enforce? tlsrpt-report enforce (0 ready, 1 not enough data, 2 no, 3 no policy)"
	./src/report/tlsrpt-report enforce -d dbname=tlsrpt --until 2026-11-30 \
		example.net example.org example.com || echo "   exit status $?"
	echo
	echo "== the incidents with SQL, as the Grafana dashboard shows them"
	psql -X -d tlsrpt -c "
		SELECT status, policy_domain, result_type, receiving_mx_hostname,
		       first_day, last_day, failed, reporters
		FROM tlsrpt.incidents_between(date '"'"'2026-11-01'"'"', date '"'"'2026-11-30'"'"')"
	echo
	echo "== is it healthy? tlsrpt-report check (a Nagios/Icinga plugin)"
	./src/report/tlsrpt-report check -d dbname=tlsrpt -w 1 -c 5 || echo "   exit status $?"
	echo
	echo "== told without a monitoring system: the digest cron mails (--stdout shows it), its headers"
	digest=$(./src/report/tlsrpt-report digest -d dbname=tlsrpt --to postmaster@example.org --stdout || true)
	printf "%s\n" "$digest" | sed "/^\$/q"
	echo
	echo "== the same state as JSON, for a chat webhook (contrib/webhook)"
	./src/report/tlsrpt-report check -d dbname=tlsrpt --format json | jq -c "{state, text}"
	echo
	echo "== Prometheus metrics for node_exporter (contrib/prometheus), one family"
	./src/report/tlsrpt-report metrics -d dbname=tlsrpt --days 30 | grep "^tlsrpt_window_failed_sessions\|^# .* tlsrpt_window_failed_sessions "
	echo
	echo "== the same figures with SQL: failures by type, MX host and reporter"
	psql -X -d tlsrpt -c "
		SELECT p.policy_domain, f.result_type, f.receiving_mx_hostname,
		       f.receiving_ip, f.failed_session_count, r.organization_name
		FROM tlsrpt.failure_details f JOIN tlsrpt.policies p ON f.policy = p.id
		JOIN tlsrpt.reports r ON p.report = r.id
		ORDER BY f.failed_session_count DESC"
' demo "$top"
