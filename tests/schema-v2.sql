-- schema.sql - tlsrpt-ingest's tables, in the PostgreSQL schema "tlsrpt".
--
-- A public interface: dashboards and scripts query these names.  Columns
-- are RFC 8460 field names with "-" turned into "_".  Loading this file
-- again changes nothing:
--     psql -v ON_ERROR_STOP=1 -f schema.sql

SET client_min_messages = warning;

CREATE SCHEMA IF NOT EXISTS tlsrpt;
COMMENT ON SCHEMA tlsrpt IS 'SMTP TLS Reporting (RFC 8460) reports stored by tlsrpt-ingest';

-- The schema version this file creates; tlsrpt-ingest and later upgrade
-- scripts read it.
CREATE TABLE IF NOT EXISTS tlsrpt.schema_version (
	version		integer PRIMARY KEY,
	loaded_at	timestamptz NOT NULL DEFAULT now()
);
INSERT INTO tlsrpt.schema_version (version) VALUES (1) ON CONFLICT DO NOTHING;

-- One row per report.  raw is the report as received (unknown fields
-- included); raw_sha256 identifies its parsed content, so the same report
-- re-indented or with its keys reordered is the same report.
CREATE TABLE IF NOT EXISTS tlsrpt.reports (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	organization_name	text NOT NULL,
	contact_info		text,
	report_id		text NOT NULL,
	start_datetime		timestamptz NOT NULL,
	end_datetime		timestamptz NOT NULL,
	raw			jsonb NOT NULL,
	raw_sha256		bytea NOT NULL GENERATED ALWAYS AS (sha256(jsonb_send(raw))) STORED,
	-- What the message said about the report; NULL for a bare report.
	message_id		text,
	message_from		text,
	tls_report_domain	text,
	tls_report_submitter	text,
	stored_at		timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT reports_same_report UNIQUE (organization_name, report_id, raw_sha256)
);
COMMENT ON COLUMN tlsrpt.reports.message_id IS 'Message-ID of the carrying message, without angle brackets';
COMMENT ON COLUMN tlsrpt.reports.raw_sha256 IS 'SHA-256 of the parsed report: equal for the same report however it is formatted';

CREATE TABLE IF NOT EXISTS tlsrpt.policies (
	id				bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	report				bigint NOT NULL REFERENCES tlsrpt.reports (id) ON DELETE CASCADE,
	ordinal				integer NOT NULL,	-- position in the report's policies array, from 1
	policy_type			text NOT NULL,
	policy_domain			text,
	policy_string			text[],
	mx_host				text[],
	total_successful_session_count	bigint NOT NULL CHECK (total_successful_session_count >= 0),
	total_failure_session_count	bigint NOT NULL CHECK (total_failure_session_count >= 0),
	UNIQUE (report, ordinal)
);

CREATE TABLE IF NOT EXISTS tlsrpt.failure_details (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	policy			bigint NOT NULL REFERENCES tlsrpt.policies (id) ON DELETE CASCADE,
	ordinal			integer NOT NULL,	-- position in the policy's failure-details array, from 1
	result_type		text,
	sending_mta_ip		inet,
	receiving_ip		inet,
	receiving_mx_hostname	text,
	receiving_mx_helo	text,
	failed_session_count	bigint NOT NULL CHECK (failed_session_count >= 0),
	additional_information	text,
	failure_reason_code	text,
	UNIQUE (policy, ordinal)
);

-- Version 2: whether the message carried a valid DKIM signature of its
-- reporter, as the site's own verifier recorded it (tlsrpt-ingest
-- --trust-authserv-id).  Added by ALTER TABLE, also to a new table, so
-- that loading this file upgrades a version 1 database in place and
-- gives both the same columns in the same order.
ALTER TABLE tlsrpt.reports ADD COLUMN IF NOT EXISTS dkim text;
ALTER TABLE tlsrpt.reports ADD COLUMN IF NOT EXISTS dkim_domain text;
DO $$
BEGIN
	ALTER TABLE tlsrpt.reports ADD CONSTRAINT reports_dkim
		CHECK (dkim IN ('pass', 'fail', 'none', 'untrusted'));
EXCEPTION WHEN duplicate_object THEN
	NULL;	-- loaded before
END
$$;
COMMENT ON COLUMN tlsrpt.reports.dkim IS 'DKIM of the carrying message, per a trusted Authentication-Results: pass (signed by the reporting domain), fail, none (unsigned), untrusted (no trusted verifier said); NULL for a bare report';
COMMENT ON COLUMN tlsrpt.reports.dkim_domain IS 'the signing domain (d=) the dkim verdict is about, if any';
INSERT INTO tlsrpt.schema_version (version) VALUES (2) ON CONFLICT DO NOTHING;

-- The obvious questions: a domain over time, a result type over time.
-- Looking a report up by organization_name and report_id needs no index
-- of its own: reports_same_report starts with those two columns, and one
-- index less is one write less per stored report.
CREATE INDEX IF NOT EXISTS reports_start_datetime ON tlsrpt.reports (start_datetime);
DROP INDEX IF EXISTS tlsrpt.reports_organization_report_id;
CREATE INDEX IF NOT EXISTS policies_policy_domain ON tlsrpt.policies (policy_domain);
CREATE INDEX IF NOT EXISTS failure_details_result_type ON tlsrpt.failure_details (result_type);
