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
# MX or IP out, as Microsoft does for policy fetch errors.  Written with
# "^" between the fields instead, it takes three more, each optional:
# "RESULT-TYPE^MX^IP^COUNT^REASON-CODE^ADDITIONAL-INFO^SENDING-IP".
detail() {
	old_ifs=$IFS
	case "$*" in
	*"^"*) IFS='^' ;;
	esac
	# shellcheck disable=SC2048,SC2086
	set -- $*
	IFS=$old_ifs
	printf '{"result-type":"%s"' "$1"
	[ "$2" = - ] || printf ',"receiving-mx-hostname":"%s"' "$2"
	[ "$3" = - ] || printf ',"receiving-ip":"%s"' "$3"
	[ -z "${5:-}" ] || printf ',"failure-reason-code":"%s"' "$5"
	[ -z "${6:-}" ] || printf ',"additional-information":"%s"' "$6"
	printf ',"sending-mta-ip":"%s","failed-session-count":%s}' "${7:-203.0.113.9}" "$4"
}

# policy TYPE DOMAIN SUCCESSFUL FAILED [DETAIL...] - one policies entry;
# each DETAIL is "RESULT-TYPE MX IP COUNT" (or the "^" form of detail).
# TYPE "sts:MODE:MX,MX..." quotes an MTA-STS policy with that mode and
# those mx lines (max_age 604800) as the policy-string, and the mx
# patterns as mx-host, as Google does; "tlsa:MX,MX..." lists the MX hosts.
policy() {
	ptype=${1%%:*}
	printf '{"policy":{"policy-type":"%s","policy-domain":"%s"' "$ptype" "$2"
	case "$1" in
	sts:*)	mode=${1#sts:}
		mxs=${mode#*:}
		mode=${mode%%:*}
		printf ',"policy-string":["version: STSv1","mode: %s"' "$mode"
		printf ',"mx: %s"' $(echo "$mxs" | tr ',' ' ')
		printf ',"max_age: 604800"],"mx-host":["%s"]' "$(echo "$mxs" | sed 's/,/","/g')" ;;
	*:*)	printf ',"mx-host":["%s"]' "$(echo "${1#*:}" | sed 's/,/","/g')" ;;
	esac
	printf '},"summary":{"total-successful-session-count":%s,"total-failure-session-count":%s}' "$3" "$4"
	shift 4
	[ $# -eq 0 ] && { printf '}'; return; }
	printf ',"failure-details":['
	sep=
	for d in "$@"; do
		printf '%s%s' "$sep" "$(detail "$d")"
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

# stage ORG DAY POLICY... - make a report and keep it for store_staged;
# store_staged - store the kept reports in one batch run of tlsrpt-ingest
stage() {
	mkdir -p "$ti_tmp/staged"
	report "$@" >"$ti_tmp/staged/$(ls "$ti_tmp/staged" | wc -l).json"
}
store_staged() {
	"$TI_BIN" -q "$ti_tmp/staged" >/dev/null 2>"$ti_tmp/ingest.err" ||
		bail "tlsrpt-ingest refused a staged test report: $(cat "$ti_tmp/ingest.err")"
	rm -rf "$ti_tmp/staged"
}

# store_signed VERDICT ORG DAY POLICY... - the same, mailed with an
# Authentication-Results field of the site's own verifier giving this
# DKIM verdict (pass, fail...) for the reporting domain reporter.example
store_signed() {
	verdict=$1
	shift
	{
		printf 'Authentication-Results: mx.receiver.example; dkim=%s header.d=reporter.example\n' "$verdict"
		report "$@" | mail application/tlsrpt+json report.json "$(echo "$*" | cksum | tr ' ' .)@reporter.example"
	} | sed 's/sender\.example/reporter.example/g' >"$ti_tmp/report.eml"
	"$TI_BIN" --trust-authserv-id mx.receiver.example <"$ti_tmp/report.eml" >/dev/null 2>"$ti_tmp/ingest.err" ||
		bail "tlsrpt-ingest refused a signed test report: $(cat "$ti_tmp/ingest.err")"
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

# store_answers - two months of reports about seven domains, for the
# incidents and the verdicts on MTA-STS enforce (days are days ago; the
# last complete day is 1):
#   ready.example      testing, *.ready.example, clean for 35 days: ready
#   young.example      testing, clean for 10 days: not enough data
#   uncovered.example  testing, mx1 only; a DANE reporter lists mx2 too:
#                      not ready, an MX host outside the mx patterns
#   certs.example      testing; certificate-expired on mx2 from day 5 on,
#                      Google every day, Microsoft (without IP) until day
#                      2: one ongoing incident; certificate-host-mismatch
#                      on mx1 days 20 to 18: resolved; not ready
#   enforce.example    enforce; starttls-not-supported on mx1 since day 3,
#                      seen by both: losing mail
#   dane.example       DANE (tlsa) only: no MTA-STS policy
#   flap.example       no policy quoted; starttls-not-supported on
#                      mx.flap.example on days 10, 9 (8 clean), 6 (7
#                      without report, 5 clean), 4 and 2 (3 without
#                      report, 1 clean): three incidents, all resolved
# and a report claiming to be Google about ready.example on day 2 whose
# DKIM failed: 9999 failures on mx1.ready.example, not counted.
store_answers() {
	for n in $(seq 1 35); do
		d=$(day "$n")
		stage "Google Inc." "$d" "$(policy sts:testing:*.ready.example ready.example 1000 0)"
		stage "Google Inc." "$d" "$(policy sts:testing:mx1.uncovered.example uncovered.example 200 0)"
		stage "Posteo" "$d" "$(policy tlsa:mx1.uncovered.example,mx2.uncovered.example uncovered.example 50 0)"
		stage "Google Inc." "$d" "$(policy tlsa:mx.dane.example dane.example 300 0)"
		if [ "$n" -le 10 ]; then
			stage "Google Inc." "$d" "$(policy sts:testing:mx.young.example young.example 400 0)"
		fi
		if [ "$n" -le 5 ]; then
			stage "Google Inc." "$d" "$(policy sts:testing:*.certs.example certs.example 960 40 \
				"certificate-expired^mx2.certs.example^192.0.2.25^40^X509_V_ERR_CERT_HAS_EXPIRED^certificate expired on $(day 5)")"
		elif [ "$n" -ge 18 ] && [ "$n" -le 20 ]; then
			stage "Google Inc." "$d" "$(policy sts:testing:*.certs.example certs.example 990 10 \
				"certificate-host-mismatch^mx1.certs.example^192.0.2.24^10^^certificate is for mail.hoster.example")"
		else
			stage "Google Inc." "$d" "$(policy sts:testing:*.certs.example certs.example 1000 0)"
		fi
		case $n in
		2|3|4)	stage "Microsoft Corporation" "$d" \
				"$(policy sts:testing:*.certs.example certs.example 490 10 "certificate-expired mx2.certs.example - 10")" \
				"$(policy tlsa certs.example 490 10 "certificate-expired mx2.certs.example - 10")" ;;
		1)	stage "Microsoft Corporation" "$d" \
				"$(policy sts:testing:*.certs.example certs.example 500 0)" \
				"$(policy tlsa certs.example 500 0)" ;;
		esac
		if [ "$n" -le 3 ]; then
			stage "Google Inc." "$d" "$(policy sts:enforce:mx1.enforce.example enforce.example 700 300 \
				"starttls-not-supported mx1.enforce.example 198.51.100.10 300")"
			stage "Microsoft Corporation" "$d" "$(policy sts:enforce:mx1.enforce.example enforce.example 100 50 \
				"starttls-not-supported mx1.enforce.example 198.51.100.10 50")"
		else
			stage "Google Inc." "$d" "$(policy sts:enforce:mx1.enforce.example enforce.example 1000 0)"
		fi
		case $n in
		10|9|6|4|2)	stage "Google Inc." "$d" "$(policy sts flap.example 95 5 "starttls-not-supported mx.flap.example 192.0.2.80 5")" ;;
		8|5|1)		stage "Google Inc." "$d" "$(policy sts flap.example 100 0)" ;;
		esac
	done
	store_staged
	store_signed fail "Google Inc." "$(day 2)" "$(policy sts:testing:*.ready.example ready.example 1 9999 \
		"certificate-not-trusted mx1.ready.example 192.0.2.99 9999")"
}
