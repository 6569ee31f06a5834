# mta-lib.sh - what the mail-system and web-server tests share
#
# Sourced after lib.sh by tests/mta-*.test and tests/cgi-*.test.  Those
# tests run real Postfix, Exim, procmail, maildrop, Dovecot and web servers
# from Debian's packages on loopback; the filter then runs as another user
# (nobody), as it does at a real site, so it reaches PostgreSQL the way a
# site's filter does: over TCP, as a role of its own with only the rights
# it needs, its password in a pgpass file that user owns.  Between the
# filter and PostgreSQL sits a relay that the tests stop and start to take
# "the database" down and bring it back without touching the server that
# other tests share.

mta_user=nobody
mta_group=nogroup
mta_at_exit=
mta_relay_pid=
mta_role=

# Other users must reach the files under $ti_tmp by name, never list them.
chmod 711 "$ti_tmp"

# mta_cleanup - undo what this file and the test started, newest first
mta_cleanup() {
	eval "$mta_at_exit"
	mta_relay_stop
	if [ -n "$mta_role" ] && [ -n "$ti_db" ]; then
		q "DROP OWNED BY $mta_role" >/dev/null 2>&1
		q "DROP ROLE IF EXISTS $mta_role" >/dev/null 2>&1
	fi
}
trap 'mta_cleanup; ti_cleanup' EXIT
trap 'exit 1' HUP INT TERM

# at_exit COMMAND - run COMMAND when the test ends, however it ends
at_exit() { mta_at_exit="$1
$mta_at_exit"; }

# skip_all REASON - the whole file cannot run here: say why, never pass silently
skip_all() { echo "1..0 # SKIP $*"; exit 0; }

# need_root - the MTAs start as root and switch to their own users
need_root() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root to run a private $1"
}

# need_package PACKAGE... - skip unless the Debian packages are installed
need_package() {
	for p in "$@"; do
		dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' ||
			skip_all "Debian package $p is not installed (sh tests/deps.sh installs it)"
	done
}

# free_port - a TCP port on 127.0.0.1 that nothing listens on now
free_port() {
	perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(Listen => 1,
	    LocalAddr => "127.0.0.1", LocalPort => 0, Proto => "tcp")->sockport, "\n"'
}

# wait_for SECONDS COMMAND... - poll COMMAND every 0.2s until it succeeds
wait_for() {
	wf_tries=$(($1 * 5)); shift
	while [ "$wf_tries" -gt 0 ]; do
		"$@" && return 0
		sleep 0.2
		wf_tries=$((wf_tries - 1))
	done
	return 1
}

# as_mta_user COMMAND... - run COMMAND as the user the filter runs as, with
# the bare environment an MTA, cron or a web server gives it: not ours,
# whose PGPASSWORD would stand in for the filter's pgpass
as_mta_user() {
	setpriv --reuid="$mta_user" --regid="$mta_group" --clear-groups -- \
		env -i PATH=/usr/bin:/bin "$@"
}

# mta_check_reach - the filter must be runnable by its user, or nothing below means anything
mta_check_reach() {
	as_mta_user test -x "$TI_BIN" ||
		bail "$TI_BIN is not executable by $mta_user: build in a directory other users can reach"
}

# The database as the filter sees it ------------------------------------------

# mta_db_setup - a role for the filter, its pgpass, the relay; sets mta_conninfo
#
# The role gets what the filter needs and nothing more; the grants are the
# ones contrib/README tells sites to give.  mta_conninfo is a URI: one
# word, as pipe(8) and Exim split their command lines on white space.
mta_db_setup() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root: the filter runs as $mta_user"
	db_create
	mta_check_reach
	mta_role="ti_filter_$$"
	mta_password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	q "CREATE ROLE $mta_role LOGIN PASSWORD '$mta_password';
	   GRANT USAGE ON SCHEMA tlsrpt TO $mta_role;
	   GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA tlsrpt TO $mta_role;
	   GRANT USAGE ON ALL SEQUENCES IN SCHEMA tlsrpt TO $mta_role" >/dev/null ||
		bail "cannot create the filter's role"
	mta_pgpass="$ti_tmp/pgpass"
	mta_relay_port=$(free_port)
	echo "127.0.0.1:$mta_relay_port:$ti_db:$mta_role:$mta_password" >"$mta_pgpass"
	chown "$mta_user:$mta_group" "$mta_pgpass"
	chmod 600 "$mta_pgpass"
	mta_conninfo="postgresql://$mta_role@127.0.0.1:$mta_relay_port/$ti_db?passfile=$mta_pgpass"
	db_up
}

# mta_relay_stop - stop the relay's listener; open connections finish
mta_relay_stop() {
	if [ -n "$mta_relay_pid" ]; then
		kill "$mta_relay_pid" 2>/dev/null
		wait "$mta_relay_pid" 2>/dev/null
		mta_relay_pid=
	fi
}

# db_down - the database is unreachable: connections are refused
db_down() { mta_relay_stop; }

# db_up - the database is back: 127.0.0.1:mta_relay_port reaches PostgreSQL
db_up() {
	perl -MIO::Socket::INET -MIO::Select -e '
		my ($port, $to) = @ARGV;
		my $listen = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
		    LocalPort => $port, Listen => 16, ReuseAddr => 1)
		    or die "relay: cannot listen on $port: $!\n";
		$SIG{CHLD} = "IGNORE";
		$SIG{TERM} = sub { exit 0 };
		while (1) {
			my $client = $listen->accept or next;
			if (fork() == 0) {
				close $listen;
				$SIG{TERM} = "DEFAULT";
				my $server = IO::Socket::INET->new(PeerAddr => "127.0.0.1",
				    PeerPort => $to) or exit 1;
				my $sel = IO::Select->new($client, $server);
				while (my @ready = $sel->can_read(120)) {
					for my $from (@ready) {
						my $n = sysread($from, my $buf, 65536);
						exit 0 unless $n;
						syswrite($from == $client ? $server : $client, $buf) or exit 0;
					}
				}
				exit 0;
			}
			close $client;
		}' "$mta_relay_port" "$PGPORT" &
	mta_relay_pid=$!
	wait_for 10 psql -X -q -h 127.0.0.1 -p "$mta_relay_port" -c "SELECT 1" \
		"$ti_db" >/dev/null 2>&1 || bail "the relay to PostgreSQL did not start"
}

# Postfix ---------------------------------------------------------------------

# postfix_instance DIR ADDRESS PORT NETWORKS FILTER [ENV...] - a private
# Postfix: its configuration in DIR/postfix, queue in DIR/queue, log in
# DIR/maillog; smtpd on ADDRESS:PORT, relaying for NETWORKS; no DNS, no
# chroot.  Bounces to sender.example land in the Maildir DIR/vmail/sender
# through virtual(8), so a test can read the DSN.  contrib/postfix's
# recipe is appended as a site would paste it, its command FILTER (the
# test's binary and connection) run as $mta_user; ENV are name=value pairs
# exported to it too.
postfix_instance() {
	pi_dir=$1 pi_addr=$2 pi_port=$3 pi_networks=$4 pi_filter=$5
	shift 5
	pi_conf="$pi_dir/postfix"
	mkdir -p "$pi_conf" "$pi_dir/queue" "$pi_dir/data" "$pi_dir/vmail"
	chown postfix "$pi_dir/data"
	chown "$mta_user:$mta_group" "$pi_dir/vmail"
	: >"$pi_dir/maillog"
	cat >"$pi_conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $pi_dir/queue
data_directory = $pi_dir/data
maillog_file = $pi_dir/maillog
maillog_file_prefixes = $pi_dir
myhostname = mx.receiver.example
mydomain = receiver.example
myorigin = receiver.example
mydestination = receiver.example
inet_interfaces = $pi_addr
inet_protocols = ipv4
mynetworks = $pi_networks
smtp_dns_support_level = disabled
smtputf8_enable = no
# Only "postqueue -f" retries a deferred message within the test's time.
queue_run_delay = 1h
minimal_backoff_time = 1h
maximal_backoff_time = 1h
biff = no
alias_maps =
alias_database =
local_recipient_maps = texthash:$pi_conf/recipients
virtual_mailbox_domains = sender.example
virtual_mailbox_base = $pi_dir/vmail
virtual_mailbox_maps = texthash:$pi_conf/mailboxes
virtual_uid_maps = static:$(id -u "$mta_user")
virtual_gid_maps = static:$(getent group "$mta_group" | cut -d: -f3)
# Under the sanitizers the filter needs their settings; a site needs none.
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C
	ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS G_SLICE G_DEBUG
export_environment = TZ MAIL_CONFIG LANG
	ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS G_SLICE G_DEBUG $*
EOF
	# contrib/postfix/main.cf as a site would paste it, with the test's paths.
	sed -e "s|hash:/etc/postfix/transport|texthash:$pi_conf/transport|" \
		"$TI_SRCDIR/contrib/postfix/main.cf" >>"$pi_conf/main.cf"
	sed -e 's/example\.org/receiver.example/' \
		"$TI_SRCDIR/contrib/postfix/transport" >"$pi_conf/transport"
	echo "tlsrpt@receiver.example ok" >"$pi_conf/recipients"
	echo "sender@sender.example sender/" >"$pi_conf/mailboxes"

	cat >"$pi_conf/master.cf" <<EOF
$pi_addr:$pi_port inet n - n - - smtpd
pickup    fifo  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	# contrib/postfix/master.cf as a site would paste it: the test's
	# binary, user and database.
	sed -e "s|user=tlsrpt|user=$mta_user|" \
		-e "s|/usr/local/bin/tlsrpt-ingest -d service=tlsrpt|$pi_filter|" \
		"$TI_SRCDIR/contrib/postfix/master.cf" >>"$pi_conf/master.cf"
}

# Web servers ---------------------------------------------------------------

# web_wrapper FILE - contrib/nginx/tlsrpt.cgi with the test's binary and
# database, a short timeout, and a size limit small enough to test
web_wrapper() {
	sed -e "s|/usr/local/bin/tlsrpt-ingest|$TI_BIN|" \
		-e "s|-t 30|-t 5 --max-message-size=65536|" \
		-e "s|service=tlsrpt|'$mta_conninfo'|" \
		"$TI_SRCDIR/contrib/nginx/tlsrpt.cgi" >"$1"
	chmod 755 "$1"
}

# post URL TYPE FILE [CURL-ARGS...] - POST FILE as a reporter would; sets code, headers, body
post() {
	post_url=$1 post_type=$2 post_file=$3
	shift 3
	code=$(curl -s -o "$ti_tmp/body" -D "$ti_tmp/headers" -w '%{http_code}' \
		-H "Content-Type: $post_type" --data-binary "@$post_file" "$@" "$post_url")
	headers=$(tr -d '\r' <"$ti_tmp/headers")
	body=$(cat "$ti_tmp/body")
}

# web_checks URL ERROR-LOG - what every web server must do with the
# wrapper behind URL
web_checks() {
	url=$1 log=$2
	report_json "Web Sender" "web-1" | gz >"$ti_tmp/r1.json.gz"
	report_json "Web Sender" "web-2" >"$ti_tmp/r2.json"
	report_json "Web Sender" "web-3" | gz >"$ti_tmp/r3.json.gz"

	post "$url" application/tlsrpt+gzip "$ti_tmp/r1.json.gz"
	is "$code" 201 "a gzip'd report: 201 Created"
	is "$body" "report stored" "a gzip'd report: the answer says so"
	like "$headers" "Content-Type: text/plain" "the answer is text/plain"
	is "$(q "SELECT organization_name, report_id FROM tlsrpt.reports")" \
		"Web Sender|web-1" "a gzip'd report: stored"
	like "$(cat "$log")" 'input=http:127.0.0.1 org="Web Sender" report_id="web-1"' \
		"the filter's log line reaches the server's error log, naming the client"

	post "$url" application/tlsrpt+gzip "$ti_tmp/r1.json.gz"
	is "$code" 200 "the same report again: 200"
	is "$(rows)" "1 1 1" "the same report again: nothing more stored"

	post "$url" application/tlsrpt+json "$ti_tmp/r2.json"
	is "$code" 201 "a JSON report: 201"
	post "$url" application/tlsrpt+json "$ti_tmp/r3.json.gz" -H "Content-Encoding: gzip"
	is "$code" 201 "Content-Encoding: gzip reaches the program: 201"
	is "$(rows)" "3 3 3" "three reports stored"

	printf 'not a report\n' >"$ti_tmp/junk"
	post "$url" application/tlsrpt+json "$ti_tmp/junk"
	is "$code" 400 "a body that is no report: 400"
	post "$url" text/html "$ti_tmp/r2.json"
	is "$code" 415 "text/html: 415"
	code=$(curl -s -o /dev/null -w '%{http_code}' "$url")
	is "$code" 405 "GET: 405"
	head -c 100000 /dev/zero >"$ti_tmp/big"
	post "$url" application/tlsrpt+gzip "$ti_tmp/big"
	is "$code" 413 "larger than --max-message-size: 413"
	is "$(rows)" "3 3 3" "nothing stored for refused requests"

	db_down
	report_json "Web Sender" "web-4" | gz >"$ti_tmp/r4.json.gz"
	post "$url" application/tlsrpt+gzip "$ti_tmp/r4.json.gz"
	is "$code" 503 "database down: 503"
	like "$headers" "Retry-After: 3600" "database down: Retry-After: 3600"
	db_up
	post "$url" application/tlsrpt+gzip "$ti_tmp/r4.json.gz"
	is "$code" 201 "database back: the retry is stored, 201"
	is "$(q "SELECT count(*) FROM tlsrpt.reports WHERE report_id = 'web-4'")" 1 \
		"database back: stored once"

	report_json "Web Sender" "web-5" >"$ti_tmp/r5.json"
	# nginx reads a chunked body whole and passes its length; Apache
	# streams it, without one, to the end of input.
	post "$url" application/tlsrpt+json "$ti_tmp/r5.json" -H "Transfer-Encoding: chunked"
	is "$code" 201 "a chunked POST: 201"
	is "$(q "SELECT count(*) FROM tlsrpt.reports WHERE report_id = 'web-5'")" 1 \
		"a chunked POST: stored"
}

# Packages that cannot be installed -------------------------------------------

# deb_root PACKAGE - unpack a Debian package that conflicts with what is
# installed (exim4-daemon-light with postfix) into a cache; prints the
# directory, or fails.  Its dependencies must be installed (tests/deps.sh).
deb_root() {
	deb_cache=${TI_DEB_CACHE:-/var/cache/tlsrpt-ingest-tests}
	deb_version=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^  Candidate: //p')
	case $deb_version in ''|'(none)') return 1 ;; esac
	deb_dir="$deb_cache/$1_$(echo "$deb_version" | tr ':' '_')"
	if [ ! -f "$deb_dir/.unpacked" ]; then
		rm -rf "$deb_dir" "$deb_dir.dl"
		mkdir -p "$deb_dir.dl" || return 1
		(cd "$deb_dir.dl" && apt-get download -q "$1=$deb_version") >/dev/null 2>&1 &&
			dpkg-deb -x "$deb_dir.dl"/*.deb "$deb_dir" &&
			touch "$deb_dir/.unpacked"
		deb_rc=$?
		rm -rf "$deb_dir.dl"
		[ "$deb_rc" -eq 0 ] || return 1
	fi
	echo "$deb_dir"
}

# fake_etc DIR - start an overlay of /etc in DIR/etc: files put there
# (a passwd with a system user a package would have made, a package's
# configuration) hide the real ones, for in_fake_etc only
fake_etc() {
	mkdir -p "$1/etc" "$1/etc.work"
	cp /etc/passwd /etc/group "$1/etc/"
}

# free_system_id - a uid and gid below 1000 that no user or group has
free_system_id() {
	fs_id=999
	while getent passwd "$fs_id" >/dev/null || getent group "$fs_id" >/dev/null; do
		fs_id=$((fs_id - 1))
	done
	echo "$fs_id"
}

# in_fake_etc DIR COMMAND... - run COMMAND, and all it starts, with DIR's
# overlay on /etc, in a mount namespace of its own: the system is untouched
in_fake_etc() {
	unshare --mount --propagation private sh -c 'mount -t overlay overlay \
		-o "lowerdir=/etc,upperdir=$1/etc,workdir=$1/etc.work" /etc &&
		shift && exec "$@"' sh "$@"
}

# MDAs ------------------------------------------------------------------------

# mda_checks REFUSED-MAILDIR - what a procmail or maildrop recipe must do:
# store, file what is refused, exit 75 while the database is down.  The
# test defines "deliver MESSAGE-FILE", which runs the MDA as an MTA does
# and sets rc to its exit code.
mda_checks() {
	refused=$1
	report_json "MDA Sender" "mda-1" | gz |
		mail application/tlsrpt+gzip report.json.gz report-mda-1@sender.example >"$ti_tmp/report.eml"
	deliver "$ti_tmp/report.eml"
	is "$rc" 0 "a report: the MDA exits 0, delivered"
	is "$(q "SELECT organization_name, report_id, message_id FROM tlsrpt.reports")" \
		"MDA Sender|mda-1|report-mda-1@sender.example" "a report: stored"
	is "$(ls "$refused/new" | wc -l)" 0 "a report: not filed as refused"

	printf '%s\n' "From: sender@sender.example" "To: tlsrpt@receiver.example" \
		"Subject: hello" "Message-ID: <not-a-report@sender.example>" "" \
		"Is this the right address for questions?" >"$ti_tmp/hello.eml"
	deliver "$ti_tmp/hello.eml"
	is "$rc" 0 "a non-report: the MDA exits 0, delivered elsewhere"
	is "$(ls "$refused/new" | wc -l)" 1 "a non-report: filed in the refused folder"
	like "$(cat "$refused"/new/*)" "Is this the right address for questions?" \
		"the refused folder has the message, body and all"
	report_json "MDA Sender" "mda-bad" |
		sed 's/"total-failure-session-count":2/"total-failure-session-count":-2/' |
		mail application/tlsrpt+json bad.json invalid@sender.example >"$ti_tmp/bad.eml"
	deliver "$ti_tmp/bad.eml"
	is "$rc.$(ls "$refused/new" | wc -l)" "0.2" "an invalid report: filed in the refused folder too"
	is "$(rows)" "1 1 1" "refused messages: nothing stored"

	db_down
	report_json "MDA Sender" "mda-2" | gz |
		mail application/tlsrpt+gzip report2.json.gz report-mda-2@sender.example >"$ti_tmp/report2.eml"
	deliver "$ti_tmp/report2.eml"
	is "$rc" 75 "database down: the MDA exits 75, so the MTA keeps the message"
	is "$(ls "$refused/new" | wc -l)" 2 "database down: not filed as refused"
	is "$(rows)" "1 1 1" "database down: nothing stored"
	db_up
	deliver "$ti_tmp/report2.eml"
	is "$rc" 0 "database back, the MTA's retry: the MDA exits 0"
	is "$(q "SELECT count(*) FROM tlsrpt.reports WHERE report_id = 'mda-2'")" 1 \
		"database back: the report is stored once"
}
