-- roles.sql - least privilege: a role to ingest with, a role to read with,
-- a role to keep the partitions with.
--
-- Load it after schema.sql (and after views.sql, if you use tlsrpt-report
-- or the dashboards), as the owner of the tables or a superuser:
--     psql -v ON_ERROR_STOP=1 -d tlsrpt -f roles.sql
-- Loading it again changes nothing.  Roles belong to the whole cluster;
-- the grants to the database it is loaded into.  Give them to login roles:
--     CREATE ROLE tlsrpt LOGIN IN ROLE tlsrpt_ingest;  -- runs tlsrpt-ingest
--     CREATE ROLE grafana LOGIN IN ROLE tlsrpt_reader; -- reads
--     CREATE ROLE tlsrpt_cron LOGIN IN ROLE tlsrpt_maintainer; -- cron
-- and their passwords with \password, never on a command line.

SET client_min_messages = warning;

DO $$
BEGIN
	BEGIN
		CREATE ROLE tlsrpt_ingest NOLOGIN;
	EXCEPTION WHEN duplicate_object OR unique_violation THEN
		NULL;	-- there already, or created by a concurrent load
	END;
	BEGIN
		CREATE ROLE tlsrpt_reader NOLOGIN;
	EXCEPTION WHEN duplicate_object OR unique_violation THEN
		NULL;
	END;
	BEGIN
		CREATE ROLE tlsrpt_maintainer NOLOGIN;
	EXCEPTION WHEN duplicate_object OR unique_violation THEN
		NULL;
	END;
END
$$;
COMMENT ON ROLE tlsrpt_ingest IS 'tlsrpt-ingest: stores reports, cannot change or delete them';
COMMENT ON ROLE tlsrpt_reader IS 'tlsrpt-report and dashboards: reads the tlsrpt schema';
COMMENT ON ROLE tlsrpt_maintainer IS 'cron: runs tlsrpt.maintain(), which makes partitions ahead and drops those past the retention';

-- tlsrpt_ingest: exactly what store.c needs.  It inserts into the three
-- tables, reads back the ids it inserted and, to tell duplicates and
-- clashes, the key of reports (with start_datetime, the partition key).
-- A batch numbers its reports and policies from their sequences before it
-- inserts them (USAGE: nextval, not setval).  No SELECT on the rest, no
-- UPDATE, DELETE, TRUNCATE, REFERENCES or TRIGGER, no DDL in the schema,
-- no temporary table: a stolen password can add reports, never rewrite or
-- erase the history.
-- The daily figures follow every insert by triggers that run as the
-- tables' owner: the role needs no grant on them, and cannot write them.
GRANT USAGE ON SCHEMA tlsrpt TO tlsrpt_ingest;
GRANT INSERT ON tlsrpt.reports, tlsrpt.policies, tlsrpt.failure_details TO tlsrpt_ingest;
GRANT SELECT (id, organization_name, report_id, raw_sha256, start_datetime) ON tlsrpt.reports TO tlsrpt_ingest;
GRANT SELECT (id, report, ordinal) ON tlsrpt.policies TO tlsrpt_ingest;
GRANT USAGE ON SEQUENCE tlsrpt.reports_id_seq, tlsrpt.policies_id_seq TO tlsrpt_ingest;
-- Batches were once loaded through a temporary table; they need none
-- since they work through a pooler in transaction mode.  Taken back from
-- a database where an older roles.sql granted it (PUBLIC may still hold
-- it: hardened sites revoke that).
DO $$
BEGIN
	EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM tlsrpt_ingest',
	    current_database());
END
$$;

-- tlsrpt_reader: every table and view of the schema, read-only, and the
-- views and tables its owner creates there later.
GRANT USAGE ON SCHEMA tlsrpt TO tlsrpt_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA tlsrpt TO tlsrpt_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA tlsrpt GRANT SELECT ON TABLES TO tlsrpt_reader;

-- tlsrpt_maintainer: tlsrpt.maintain() and nothing else, not even a look
-- at a report.  The function runs as its owner; the retention it applies
-- is what its cron line passes.
GRANT USAGE ON SCHEMA tlsrpt TO tlsrpt_maintainer;
GRANT EXECUTE ON FUNCTION tlsrpt.maintain(interval, interval, integer) TO tlsrpt_maintainer;

-- PostgreSQL before 15 lets every role create tables in the schema
-- "public"; there, also run: REVOKE CREATE ON SCHEMA public FROM PUBLIC;
