# lib.sh - TAP helpers and a private database for the end-to-end tests
#
# Sourced by tests/*.test.  make check sets TI_BIN (the built program),
# TI_SCHEMA, TR_VIEWS, TI_SRCDIR and TI_CORPUS; PostgreSQL is found through libpq's
# PG* environment, as pg_virtualenv sets it.  Each test file works in a
# database of its own, so test files can run in parallel.

set -u
: "${TI_BIN:?run the tests with make check}"

export LC_ALL=C PGTZ=UTC
ti_n=0
ti_tmp=$(mktemp -d "${TMPDIR:-/tmp}/tlsrpt-test.XXXXXX")
ti_db=
ti_cleanup() {
	[ -n "$ti_db" ] && dropdb --if-exists "$ti_db" 2>/dev/null
	rm -rf "$ti_tmp"
}
trap ti_cleanup EXIT

# TAP -----------------------------------------------------------------------

# ok STATUS DESCRIPTION - passes when STATUS is 0
ok() {
	ti_n=$((ti_n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $ti_n - $2"; else echo "not ok $ti_n - $2"; fi
}

# is GOT EXPECTED DESCRIPTION - passes when the strings are equal
is() {
	ti_n=$((ti_n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $ti_n - $3"
	else
		echo "not ok $ti_n - $3"
		printf '#   got:      %s\n#   expected: %s\n' "$1" "$2"
	fi
}

# like GOT PATTERN DESCRIPTION - passes when GOT contains the fixed string
like() {
	ti_n=$((ti_n + 1))
	case "$1" in
	*"$2"*) echo "ok $ti_n - $3" ;;
	*)	echo "not ok $ti_n - $3"
		printf '#   got:      %s\n#   expected: ...%s...\n' "$1" "$2" ;;
	esac
}

bail() { echo "Bail out! $*"; exit 1; }
done_testing() { echo "1..$ti_n"; }

# The database ----------------------------------------------------------------

# db_create - a fresh database with the schema loaded, as PGDATABASE
db_create() {
	ti_db="ti_$(basename "$0" .test | tr -c 'a-z0-9\n' '_')_$$"
	createdb "$ti_db" 2>"$ti_tmp/createdb.err" ||
		bail "no PostgreSQL server ($(head -n 1 "$ti_tmp/createdb.err")): run the tests under pg_virtualenv, as tests/check.sh does"
	export PGDATABASE="$ti_db"
	psql -X -q -v ON_ERROR_STOP=1 -f "$TI_SCHEMA" >/dev/null ||
		bail "cannot load $TI_SCHEMA"
}

# q SQL - run a query, print its rows unaligned with | between columns
q() { psql -X -A -t -q -v ON_ERROR_STOP=1 -c "$1"; }

# db_clear - empty the tables (and so the daily figures) between
# independent cases
db_clear() { q "SET client_min_messages = warning; TRUNCATE tlsrpt.reports CASCADE"; }

# figures_agree [WHAT] - the daily figures that schema.sql's triggers keep
# equal a recount of the stored reports (tlsrpt.verify_figures() of
# views.sql, loaded for it); the rows that differ are shown
figures_agree() {
	psql -X -q -v ON_ERROR_STOP=1 -f "$TR_VIEWS" >/dev/null 2>&1 ||
		bail "cannot load $TR_VIEWS"
	is "$(q "SELECT coalesce(string_agg(figures || ' ' || side || ' ' || row_text, E'\\n'
	         ORDER BY figures, side, row_text), 'none differ') FROM tlsrpt.verify_figures()")" \
		"none differ" "the daily figures agree with a recount of the stored reports${1:+ $1}"
}

# The program -----------------------------------------------------------------

# run [ARGS...] < INPUT - run tlsrpt-ingest; sets rc, out and err
run() {
	"$TI_BIN" "$@" >"$ti_tmp/out" 2>"$ti_tmp/err"
	rc=$?
	out=$(cat "$ti_tmp/out")
	err=$(cat "$ti_tmp/err")
}

# gz - gzip standard input to standard output, as reporters send it
gz() { gzip -9n; }

# rows - the number of rows in each of the three tables, as "R P F"
rows() {
	q "SELECT (SELECT count(*) FROM tlsrpt.reports) || ' ' ||
	          (SELECT count(*) FROM tlsrpt.policies) || ' ' ||
	          (SELECT count(*) FROM tlsrpt.failure_details)"
}

# Fixtures ------------------------------------------------------------------

# report_json [ORG [REPORT-ID [DOMAIN [FAILED]]]] - a small valid report
report_json() {
	cat <<JSON
{"organization-name":"${1:-Example Sender}","date-range":{"start-datetime":"2026-11-01T00:00:00Z","end-datetime":"2026-11-01T23:59:59Z"},"contact-info":"tlsrpt@sender.example","report-id":"${2:-2026-11-01_report}","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: testing","mx: mx.${3:-receiver.example}","max_age: 86400"],"policy-domain":"${3:-receiver.example}","mx-host":["mx.${3:-receiver.example}"]},"summary":{"total-successful-session-count":100,"total-failure-session-count":${4:-2}},"failure-details":[{"result-type":"certificate-expired","sending-mta-ip":"192.0.2.1","receiving-mx-hostname":"mx.${3:-receiver.example}","receiving-ip":"198.51.100.7","failed-session-count":${4:-2}}]}]}
JSON
}

# mail TYPE FILENAME [MESSAGE-ID] < PAYLOAD - an RFC 8460 report message
mail() {
	printf '%s\n' \
		"From: TLS reporter <tlsrpt@sender.example>" \
		"To: tlsrpt@receiver.example" \
		"Subject: Report Domain: receiver.example Submitter: sender.example Report-ID: <r1@sender.example>" \
		"Message-ID: <${3:-report-1@sender.example}>" \
		"TLS-Report-Domain: receiver.example" \
		"TLS-Report-Submitter: sender.example" \
		"MIME-Version: 1.0" \
		"Content-Type: multipart/report; report-type=\"tlsrpt\"; boundary=\"b1\"" \
		"" \
		"--b1" \
		"Content-Type: text/plain" \
		"" \
		"This is an aggregate TLS report." \
		"" \
		"--b1" \
		"Content-Type: $1" \
		"Content-Transfer-Encoding: base64" \
		"Content-Disposition: attachment; filename=\"$2\"" \
		""
	base64
	printf '%s\n' "" "--b1--"
}
