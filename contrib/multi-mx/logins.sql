-- logins.sql - the login roles of a multi-MX deployment, on the primary,
-- after schema.sql, views.sql and roles.sql; passwords with \password:
--     psql -d tlsrpt -f logins.sql
--     psql -d tlsrpt -c '\password tlsrpt'
--     psql -d tlsrpt -c '\password tlsrpt_dashboard'

SET client_min_messages = warning;
DO $$
BEGIN
	-- tlsrpt-ingest on every MX host, through PgBouncer.
	CREATE ROLE tlsrpt LOGIN IN ROLE tlsrpt_ingest;
EXCEPTION WHEN duplicate_object THEN
	NULL;
END
$$;
DO $$
BEGIN
	-- tlsrpt-report, Grafana: read the replica.
	CREATE ROLE tlsrpt_dashboard LOGIN IN ROLE tlsrpt_reader;
EXCEPTION WHEN duplicate_object THEN
	NULL;
END
$$;
DO $$
BEGIN
	-- The replica's WAL stream, with a client certificate (pg_hba.conf).
	CREATE ROLE replicator LOGIN REPLICATION;
EXCEPTION WHEN duplicate_object THEN
	NULL;
END
$$;
-- Role settings reach each server connection PgBouncer opens for the role.
ALTER ROLE tlsrpt SET idle_in_transaction_session_timeout = '60s';
