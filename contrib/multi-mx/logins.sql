-- logins.sql - the login roles of a multi-MX deployment, on the primary,
-- after schema.sql, views.sql and roles.sql; passwords with \password:
--     psql -d tlsrpt -f logins.sql
--     psql -d tlsrpt -c '\password tlsrpt'
--     psql -d tlsrpt -c '\password tlsrpt_dashboard'
-- Loading it again changes nothing.

SET client_min_messages = warning;
DO $$
DECLARE
	login text[];
BEGIN
	FOREACH login SLICE 1 IN ARRAY ARRAY[
	    -- tlsrpt-ingest on every MX host, through PgBouncer.
	    ['tlsrpt', 'IN ROLE tlsrpt_ingest'],
	    -- tlsrpt-report and Grafana, on the replica.
	    ['tlsrpt_dashboard', 'IN ROLE tlsrpt_reader'],
	    -- The replica's WAL stream, with a client certificate (pg_hba.conf).
	    ['replicator', 'REPLICATION']]
	LOOP
		BEGIN
			EXECUTE format('CREATE ROLE %I LOGIN %s', login[1], login[2]);
		EXCEPTION WHEN duplicate_object OR unique_violation THEN
			NULL;	-- there already
		END;
	END LOOP;
END
$$;
-- Role settings reach each server connection PgBouncer opens for the
-- role: a transaction left open by a filter that went away is rolled
-- back, and its rows' unique keys freed, after a minute at most.
ALTER ROLE tlsrpt SET idle_in_transaction_session_timeout = '60s';
