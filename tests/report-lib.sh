# report-lib.sh - reports made for the purpose, for the tlsrpt-report tests
#
# Sourced by tests/report-*.test after tests/lib.sh.  Reports are bare
# JSON, stored through tlsrpt-ingest ($TI_BIN) exactly as the filter
# stores delivered ones; the views come from $TR_VIEWS.

: "${TR_BIN:?run the tests with make check}"

# views_load - load sql/views.sql into the test database
views_load() {
	psql -X -q -v ON_ERROR_STOP=1 -f "$TR_VIEWS" >/dev/null ||
		bail "cannot load $TR_VIEWS"
}

# day N - the UTC date N days before today, YYYY-MM-DD
day() { date -u -d "@$(($(date -u +%s) - $1 * 86400))" +%Y-%m-%d; }

# detail RESULT-TYPE MX IP COUNT - one failure-details entry; "-" leaves
# MX or IP out, as Microsoft does for policy fetch errors
detail() {
	printf '{"result-type":"%s"' "$1"
	[ "$2" = - ] || printf ',"receiving-mx-hostname":"%s"' "$2"
	[ "$3" = - ] || printf ',"receiving-ip":"%s"' "$3"
	printf ',"sending-mta-ip":"203.0.113.9","failed-session-count":%s}' "$4"
}

# policy TYPE DOMAIN SUCCESSFUL FAILED [DETAIL...] - one policies entry;
# each DETAIL is "RESULT-TYPE MX IP COUNT"
policy() {
	printf '{"policy":{"policy-type":"%s","policy-domain":"%s"},' "$1" "$2"
	printf '"summary":{"total-successful-session-count":%s,"total-failure-session-count":%s}' "$3" "$4"
	shift 4
	[ $# -eq 0 ] && { printf '}'; return; }
	printf ',"failure-details":['
	sep=
	for d in "$@"; do
		# shellcheck disable=SC2086
		printf '%s%s' "$sep" "$(detail $d)"
		sep=,
	done
	printf ']}'
}

# report ORG DAY POLICY... - a report for one UTC day, its report-id
# made of the organisation, the day and the first policy's domain
report() {
	org=$1 rday=$2
	shift 2
	printf '{"organization-name":"%s","date-range":{"start-datetime":"%sT00:00:00Z","end-datetime":"%sT23:59:59Z"},' \
		"$org" "$rday" "$rday"
	printf '"contact-info":"tlsrpt@reporter.example","report-id":"%s_%s_%s","policies":[' \
		"$org" "$rday" "$(echo "$1" | sed 's/.*"policy-domain":"\([^"]*\)".*/\1/')"
	sep=
	for p in "$@"; do
		printf '%s%s' "$sep" "$p"
		sep=,
	done
	printf ']}\n'
}

# store ORG DAY POLICY... - make a report and store it through tlsrpt-ingest
store() {
	report "$@" >"$ti_tmp/report.json"
	"$TI_BIN" <"$ti_tmp/report.json" >/dev/null 2>"$ti_tmp/ingest.err" ||
		bail "tlsrpt-ingest refused a test report: $(cat "$ti_tmp/ingest.err")"
}

# daily ORG DOMAIN SUCCESSFUL FAILED DAY... - one report per listed day
# (days ago), each with the same figures, failures as certificate-expired
daily() {
	org=$1 dom=$2 ok=$3 bad=$4
	shift 4
	for n in "$@"; do
		if [ "$bad" -gt 0 ]; then
			store "$org" "$(day "$n")" "$(policy sts "$dom" "$ok" "$bad" "certificate-expired mx.$dom 192.0.2.1 $bad")"
		else
			store "$org" "$(day "$n")" "$(policy sts "$dom" "$ok" 0)"
		fi
	done
}

# tr_run [ARGS...] - run tlsrpt-report; sets rc, out and err
tr_run() {
	"$TR_BIN" "$@" >"$ti_tmp/tr.out" 2>"$ti_tmp/tr.err"
	rc=$?
	out=$(cat "$ti_tmp/tr.out")
	err=$(cat "$ti_tmp/tr.err")
}

# store_week - the reports of the week 2026-11-01 to 2026-11-07, of the
# week before and of the day after, whose figures the summary and Grafana
# tests check
store_week() {
	store "Google Inc." 2026-11-01 "$(policy sts example.org 1000 40 \
		"certificate-expired mx2.example.org 192.0.2.25 30" \
		"starttls-not-supported mx1.example.org 192.0.2.24 10")"
	store "Google Inc." 2026-11-02 "$(policy sts example.org 1000 0)"
	# Microsoft lists the same sessions under its sts and its tlsa policy.
	store "Microsoft Corporation" 2026-11-03 \
		"$(policy sts example.org 500 20 "certificate-expired mx2.example.org - 20")" \
		"$(policy tlsa example.org 500 20 "certificate-expired mx2.example.org - 20")"
	store "Mail.ru" 2026-11-05 "$(policy sts example.org 300 0)"
	store "Google Inc." 2026-11-04 "$(policy sts example.net 200 0)"
	# The period before, and a day after the period.
	store "Google Inc." 2026-10-28 "$(policy sts example.org 2000 10 \
		"starttls-not-supported mx1.example.org 192.0.2.24 10")"
	store "Google Inc." 2026-11-08 "$(policy sts example.org 5 5 \
		"certificate-expired mx2.example.org 192.0.2.25 5")"
}
