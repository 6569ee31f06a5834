#!/bin/sh
# deps.sh - install the Debian packages tlsrpt-ingest builds and tests with
#
# Run as root on Debian 12.  Does nothing when everything is installed, so
# the README's commands also work without network on a prepared machine.
set -eu

packages="build-essential autoconf automake pkg-config gzip
	libglib2.0-dev libgmime-3.0-dev libjson-c-dev libpq-dev zlib1g-dev
	libgnutls28-dev libopendkim-dev
	postgresql postgresql-client
	postfix swaks nginx fcgiwrap apache2 curl procmail maildrop
	dovecot-core dovecot-sieve"
# tlsrpt-report's tests: JSON checks, the HTML page in a real browser, a DNS
# server on loopback for "record".
packages="$packages jq chromium dnsmasq-base"
# report-probe.test: openssl makes the test CA and its certificates
# (tlsrpt-report itself never runs it); ldnsutils signs a test zone that
# unbound serves and validates, for the AD bit and DANE.
packages="$packages openssl unbound ldnsutils"
# verify-dkim.test: messages signed and keys made by python3-dkim (its
# Ed25519 through python3-nacl), a 4096-bit key by openssl, the key
# records served by dnsmasq (above).
packages="$packages python3-dkim python3-nacl"
# report-metrics.test: promtool (Debian's prometheus package) checks the
# metrics; report-digest.test reads the delivered digest with python3's
# email package (python3 comes with python3-dkim, above) and postfix.
packages="$packages prometheus"
# mta-exim.test unpacks exim4-daemon-light, which conflicts with postfix:
# only its libraries are installed.
packages="$packages libidn12 libgnutls-dane0 libdb5.3 libnsl2 libpcre2-8-0"
# pgbouncer.test and multi-mx.test: a stock PgBouncer in front of
# PostgreSQL; multi-mx.test's hosts are network namespaces joined by veth
# pairs (ip, from iproute2).
packages="$packages pgbouncer iproute2"
# fuzz.test: clang with its libFuzzer and sanitizer runtimes; limits.test
# measures memory with GNU time.
packages="$packages clang libclang-rt-14-dev time"

missing=
for p in $packages; do
	dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing Debian packages:$missing; run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
