# pg-private.sh - a PostgreSQL server of a test's own, to stop and start
#
# Sourced after lib.sh by the tests that take a server down, fill its disk
# or open more connections than a shared one allows.  The server listens
# only on a Unix socket in a directory of its own, so it collides with
# nothing; the PG* variables point psql, createdb and tlsrpt-ingest at it.
# As root, the server runs as the postgres user (initdb refuses root).

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pg_bin/initdb" ] || pg_bin=$(pg_config --bindir 2>/dev/null)
pg_dir=
pg_as=

# pg_run COMMAND... - run a server command as the server's owner
pg_run() {
	if [ -n "$pg_as" ]; then
		runuser -u "$pg_as" -- "$@"
	else
		"$@"
	fi
}

# pg_private_start [SETTING=VALUE...] - initdb and start; exports PGHOST...
pg_private_start() {
	[ -x "$pg_bin/initdb" ] || bail "no initdb (looked in $pg_bin): install postgresql"
	pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/tlsrpt-pg.XXXXXX")
	if [ "$(id -u)" -eq 0 ]; then
		pg_as=postgres
		chown postgres "$pg_dir"
	fi
	chmod 755 "$pg_dir"
	pg_run "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 \
		--no-sync >"$pg_dir/initdb.log" 2>&1 ||
		bail "initdb failed: $(tail -n 1 "$pg_dir/initdb.log")"
	{
		echo "listen_addresses = ''"
		echo "port = 5432"
		echo "unix_socket_directories = '$pg_dir'"
		echo "fsync = off"
		echo "log_min_messages = warning"
		for setting in "$@"; do echo "$setting"; done
	} >>"$pg_dir/data/postgresql.conf"
	pg_private_up
	export PGHOST="$pg_dir" PGPORT=5432 PGUSER=postgres
	unset PGPASSWORD PGSERVICE PGDATABASE
	trap 'ti_cleanup; pg_private_cleanup' EXIT
}

# pg_private_up - start the server (again), waiting until it accepts
pg_private_up() {
	pg_run "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
		start >/dev/null || bail "the private server does not start: $(tail -n 3 "$pg_dir/server.log")"
}

# pg_private_down [MODE] - stop the server: fast (default) or immediate
pg_private_down() {
	pg_run "$pg_bin/pg_ctl" -D "$pg_dir/data" -m "${1:-fast}" -w -t 60 stop >/dev/null
}

# pg_private_cleanup - stop the server and remove it
pg_private_cleanup() {
	[ -n "$pg_dir" ] || return 0
	pg_run "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate -w stop >/dev/null 2>&1
	# A test may have mounted a small file system there (a full disk).
	awk -v d="$pg_dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts 2>/dev/null |
	while read -r mounted; do umount "$mounted"; done
	rm -rf "$pg_dir"
}
