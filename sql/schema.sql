-- schema.sql - tlsrpt-ingest's tables, in the PostgreSQL schema "tlsrpt".
--
-- A public interface: dashboards and scripts query these names.  Columns
-- are RFC 8460 field names with "-" turned into "_".  Loading this file
-- again changes nothing:
--     psql -v ON_ERROR_STOP=1 -f schema.sql
-- It also brings a database of an earlier version to this one, keeping
-- every report, its id and every figure (version 2 to 3 copies the rows
-- into the partitioned tables; see upgrade.sql, which loads this file,
-- views.sql and roles.sql in one transaction).
--
-- Version 3, in short (README, "The schema at a glance"):
--   * reports, policies and failure_details are partitioned by month of
--     the report's start_datetime, which policies and failure_details carry
--     too; old months go by dropping their partitions (tlsrpt.maintain);
--   * daily figures (tlsrpt.daily_reporter_sessions and
--     tlsrpt.daily_reporter_failures) and the lists of known domains and
--     reporters are kept by triggers in the transaction that stores a
--     report, so that the views read a few rows per day instead of every
--     report ever stored.

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

-- Version 1 and 2 tables are not partitioned.  They move aside, into the
-- schema tlsrpt_v2, with their sequences; their rows are copied into the
-- new tables at the end of this file and the old tables dropped.  The views
-- of views.sql depend on them: they go too, and views.sql brings them back.
-- Anything else of the site's own built on the old tables stops the
-- upgrade, untouched, with a message saying what.
DO $$
DECLARE
	view text;
	blocker text;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_class
	    WHERE oid = to_regclass('tlsrpt.reports') AND relkind = 'r') THEN
		RETURN;
	END IF;
	FOREACH view IN ARRAY ARRAY['latest_reports', 'failures_by_mx',
	    'failures_by_organization', 'failures_by_result_type',
	    'daily_sessions', 'report_domain_failures', 'report_domains'] LOOP
		EXECUTE format('DROP VIEW IF EXISTS tlsrpt.%I', view);
	END LOOP;
	SELECT string_agg(DISTINCT coalesce('view ' || v.oid::regclass::text,
	    pg_describe_object(d.classid, d.objid, d.objsubid)), ', ')
	INTO blocker
	FROM pg_depend d
	LEFT JOIN pg_rewrite w ON d.classid = 'pg_rewrite'::regclass AND w.oid = d.objid
	LEFT JOIN pg_class v ON v.oid = w.ev_class
	LEFT JOIN pg_constraint c ON d.classid = 'pg_constraint'::regclass AND c.oid = d.objid
	LEFT JOIN pg_trigger t ON d.classid = 'pg_trigger'::regclass AND t.oid = d.objid
	WHERE d.refobjid IN ('tlsrpt.reports'::regclass, 'tlsrpt.policies'::regclass,
	    'tlsrpt.failure_details'::regclass)
	  AND d.classid NOT IN ('pg_class'::regclass, 'pg_attrdef'::regclass, 'pg_type'::regclass)
	  -- the tables' own constraints, and their foreign keys on each other
	  AND (c.oid IS NULL OR c.conrelid NOT IN ('tlsrpt.reports'::regclass,
	    'tlsrpt.policies'::regclass, 'tlsrpt.failure_details'::regclass))
	  AND (t.oid IS NULL OR NOT t.tgisinternal);
	IF blocker IS NOT NULL THEN
		RAISE EXCEPTION 'cannot upgrade the tlsrpt tables: built on them: %', blocker
		    USING HINT = 'drop them, load schema.sql again, then recreate them on the new tables';
	END IF;
	-- Version 1 had no DKIM verdict.
	ALTER TABLE tlsrpt.reports ADD COLUMN IF NOT EXISTS dkim text;
	ALTER TABLE tlsrpt.reports ADD COLUMN IF NOT EXISTS dkim_domain text;
	-- Version 2 had dkim_verifier added later (tlsrpt-ingest --verify-dkim).
	ALTER TABLE tlsrpt.reports ADD COLUMN IF NOT EXISTS dkim_verifier text;
	CREATE SCHEMA tlsrpt_v2;
	ALTER TABLE tlsrpt.failure_details SET SCHEMA tlsrpt_v2;
	ALTER TABLE tlsrpt.policies SET SCHEMA tlsrpt_v2;
	ALTER TABLE tlsrpt.reports SET SCHEMA tlsrpt_v2;
END
$$;

-- Names in the figures: policy domains and MX host names in lower case
-- without trailing dots, a missing policy domain as "(none)", and every
-- name cut to at most 500 bytes (a longer one keeps its first 125
-- characters), so that no report, however odd, makes an index entry too
-- large to store.

-- tlsrpt.name_key - a name cut to fit an index key
CREATE OR REPLACE FUNCTION tlsrpt.name_key(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN octet_length(name) <= 500 THEN name ELSE left(name, 125) END;

-- tlsrpt.host_key - a host name as the figures group it
CREATE OR REPLACE FUNCTION tlsrpt.host_key(host text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN tlsrpt.name_key(rtrim(lower(host), '.'));

-- tlsrpt.domain_key - a policy domain as the figures group it
CREATE OR REPLACE FUNCTION tlsrpt.domain_key(domain text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN coalesce(tlsrpt.host_key(domain), '(none)');

-- tlsrpt.utc_day - the UTC day a report's date range starts on
CREATE OR REPLACE FUNCTION tlsrpt.utc_day(t timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (t AT TIME ZONE 'UTC')::date;

-- One row per report.  raw is the report as received (unknown fields
-- included); raw_sha256 identifies its parsed content, so the same report
-- re-indented or with its keys reordered is the same report.  Partitioned
-- by month of start_datetime; the primary key and the report's identity
-- therefore include it.  raw_sha256 alone says which report it is (the
-- content holds the organization-name and the report-id), so the key
-- stays small however long a report-id is.
CREATE TABLE IF NOT EXISTS tlsrpt.reports (
	id			bigint GENERATED ALWAYS AS IDENTITY,
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
	dkim			text CONSTRAINT reports_dkim
				    CHECK (dkim IN ('pass', 'fail', 'none', 'untrusted')),
	dkim_domain		text,
	dkim_verifier		text,
	CONSTRAINT reports_pkey PRIMARY KEY (id, start_datetime),
	CONSTRAINT reports_same_report UNIQUE (raw_sha256, start_datetime)
) PARTITION BY RANGE (start_datetime);
COMMENT ON TABLE tlsrpt.reports IS 'One row per stored report; partitioned by month of start_datetime';
COMMENT ON COLUMN tlsrpt.reports.message_id IS 'Message-ID of the carrying message, without angle brackets';
COMMENT ON COLUMN tlsrpt.reports.raw_sha256 IS 'SHA-256 of the parsed report: equal for the same report however it is formatted';
COMMENT ON COLUMN tlsrpt.reports.dkim IS 'DKIM of the carrying message, per a trusted Authentication-Results or tlsrpt-ingest --verify-dkim (see dkim_verifier): pass (signed by the reporting domain), fail, none (unsigned), untrusted (no trusted verifier said); NULL for a bare report';
COMMENT ON COLUMN tlsrpt.reports.dkim_domain IS 'the signing domain (d=) the dkim verdict is about, if any';
COMMENT ON COLUMN tlsrpt.reports.dkim_verifier IS 'who said the dkim verdict: tlsrpt-ingest (its own check, --verify-dkim) or the authserv-id of the trusted Authentication-Results field; NULL when no verifier did (untrusted, a bare report)';
-- The raw report is most of a report's bytes and no figure reads it: it
-- is compressed with lz4 and, by each partition's toast_tuple_target,
-- kept out of the rows that scans read.
ALTER TABLE tlsrpt.reports ALTER COLUMN raw SET COMPRESSION lz4;

CREATE TABLE IF NOT EXISTS tlsrpt.policies (
	id				bigint GENERATED ALWAYS AS IDENTITY,
	report				bigint NOT NULL,
	ordinal				integer NOT NULL,	-- position in the report's policies array, from 1
	policy_type			text NOT NULL,
	policy_domain			text,
	policy_string			text[],
	mx_host				text[],
	total_successful_session_count	bigint NOT NULL CHECK (total_successful_session_count >= 0),
	total_failure_session_count	bigint NOT NULL CHECK (total_failure_session_count >= 0),
	start_datetime			timestamptz NOT NULL,	-- the report's
	CONSTRAINT policies_pkey PRIMARY KEY (id, start_datetime),
	CONSTRAINT policies_report_ordinal_key UNIQUE (report, ordinal, start_datetime)
) PARTITION BY RANGE (start_datetime);
COMMENT ON COLUMN tlsrpt.policies.start_datetime IS 'the start_datetime of the report: the partition key';

CREATE TABLE IF NOT EXISTS tlsrpt.failure_details (
	id			bigint GENERATED ALWAYS AS IDENTITY,
	policy			bigint NOT NULL,
	ordinal			integer NOT NULL,	-- position in the policy's failure-details array, from 1
	result_type		text,
	sending_mta_ip		inet,
	receiving_ip		inet,
	receiving_mx_hostname	text,
	receiving_mx_helo	text,
	failed_session_count	bigint NOT NULL CHECK (failed_session_count >= 0),
	additional_information	text,
	failure_reason_code	text,
	start_datetime		timestamptz NOT NULL,	-- the report's
	CONSTRAINT failure_details_pkey PRIMARY KEY (id, start_datetime),
	CONSTRAINT failure_details_policy_ordinal_key UNIQUE (policy, ordinal, start_datetime)
) PARTITION BY RANGE (start_datetime);
COMMENT ON COLUMN tlsrpt.failure_details.start_datetime IS 'the start_datetime of the report: the partition key';

-- Whether another report shares a report's organization-name and
-- report-id (tlsrpt-ingest asks, to log a clash): a hash index holds a
-- report-id of any length.  No index on start_datetime alone: the
-- partitions do that work, and the triggers below explain why.
CREATE INDEX IF NOT EXISTS reports_report_id ON tlsrpt.reports USING hash (report_id);
DROP INDEX IF EXISTS tlsrpt.reports_start_datetime;

-- tlsrpt.report_id_taken - whether a report from organization, with
-- report_id and starting at start, is stored: tlsrpt-ingest asks, to warn
-- of another report under the same name
--
-- A statement of its own, planned knowing start, reads one month's
-- partition; asked in tlsrpt-ingest's statement, the question would make
-- the planner of every new connection look at every partition.
CREATE OR REPLACE FUNCTION tlsrpt.report_id_taken(organization text, report_id text,
    start timestamptz) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	taken boolean;
BEGIN
	EXECUTE 'SELECT EXISTS (SELECT 1 FROM tlsrpt.reports
	    WHERE start_datetime = $1 AND organization_name = $2 AND report_id = $3)'
	INTO taken USING start, organization, report_id;
	RETURN taken;
END
$$;

-- Daily figures, kept exact by the triggers below in the transaction that
-- stores (or deletes) a report, under the count-once rules of views.sql:
-- per report and policy domain the largest successful and failed counts
-- of its policies, not their sum; per report, domain, result type, MX
-- host and IP the largest failed count.  dkim is the report's verdict:
-- the views leave out the reports whose DKIM failed, which are counted
-- here all the same, apart.  Rows are by UTC day; dropping old report
-- partitions leaves them, tlsrpt.maintain(keep_figures => ...) drops them.
CREATE TABLE IF NOT EXISTS tlsrpt.daily_reporter_sessions (
	day			date NOT NULL,
	policy_domain		text NOT NULL,
	organization_name	text NOT NULL,
	dkim			text,
	reports			bigint NOT NULL,
	successful		bigint NOT NULL,
	failed			bigint NOT NULL,
	CONSTRAINT daily_reporter_sessions_key
	    UNIQUE NULLS NOT DISTINCT (day, policy_domain, organization_name, dkim)
) WITH (fillfactor = 80);
CREATE INDEX IF NOT EXISTS daily_reporter_sessions_domain
    ON tlsrpt.daily_reporter_sessions (policy_domain, day);
COMMENT ON TABLE tlsrpt.daily_reporter_sessions IS
	'Reports and sessions per UTC day, policy domain, reporter and DKIM verdict, counted once per report and domain';

-- reports counts the reports with this row's key; reports_by_type counts
-- each report once per result type (in the row of its first MX host and
-- IP), reports_by_host once per MX host and IP (in the row of its first
-- result type), so that a sum over hosts or over types counts reports,
-- not rows.
CREATE TABLE IF NOT EXISTS tlsrpt.daily_reporter_failures (
	day			date NOT NULL,
	policy_domain		text NOT NULL,
	organization_name	text NOT NULL,
	dkim			text,
	result_type		text,
	receiving_mx_hostname	text,
	receiving_ip		inet,
	reports			bigint NOT NULL,
	reports_by_type		bigint NOT NULL,
	reports_by_host		bigint NOT NULL,
	failed			bigint NOT NULL,
	CONSTRAINT daily_reporter_failures_key
	    UNIQUE NULLS NOT DISTINCT (day, policy_domain, organization_name, dkim,
		result_type, receiving_mx_hostname, receiving_ip)
) WITH (fillfactor = 80);
CREATE INDEX IF NOT EXISTS daily_reporter_failures_domain
    ON tlsrpt.daily_reporter_failures (policy_domain, day);
COMMENT ON TABLE tlsrpt.daily_reporter_failures IS
	'Failed sessions per UTC day, policy domain, reporter, DKIM verdict, result type, MX host and IP, counted once per report';

-- The policy domains ever reported on, for pickers; the reporters of each
-- with their latest report, for the "latest report" and "silent reporter"
-- questions.  Reports whose DKIM failed are not in them.
CREATE TABLE IF NOT EXISTS tlsrpt.policy_domains (
	policy_domain		text PRIMARY KEY,
	first_day		date NOT NULL,
	last_day		date NOT NULL,
	reports			bigint NOT NULL
) WITH (fillfactor = 80);
COMMENT ON TABLE tlsrpt.policy_domains IS 'Every policy domain with counted reports: the first and last day seen, how many';

CREATE TABLE IF NOT EXISTS tlsrpt.reporter_domains (
	organization_name	text NOT NULL,
	policy_domain		text NOT NULL,
	first_day		date NOT NULL,
	last_day		date NOT NULL,
	reports			bigint NOT NULL,
	-- the latest report: its id, report-id, date range, when it was
	-- stored, its sessions for the domain counted once
	report			bigint,
	report_id		text,
	start_datetime		timestamptz,
	end_datetime		timestamptz,
	stored_at		timestamptz,
	successful		bigint,
	failed			bigint,
	CONSTRAINT reporter_domains_pkey PRIMARY KEY (organization_name, policy_domain)
) WITH (fillfactor = 80);
CREATE INDEX IF NOT EXISTS reporter_domains_domain ON tlsrpt.reporter_domains (policy_domain);
COMMENT ON TABLE tlsrpt.reporter_domains IS
	'Every (reporter, policy domain) with counted reports: first and last day, how many, and the latest';

-- Keeping the figures ---------------------------------------------------------
--
-- The contribution of a report to the figures depends on its row, its
-- policies and their failure details.  Each function below takes a set of
-- reports and a set of their rows that changed (just inserted: sign 1;
-- about to be deleted: sign -1; NULL: the whole report) and applies to the
-- figures, for each report, what it contributes with those rows less what
-- it contributes without them.  Inserts are counted once per statement
-- (statement triggers with transition tables), deletes row by row before
-- the row goes (the rest of the report is still there to count).  Rows are
-- upserted in key order, so that concurrent writers wait for each other
-- instead of deadlocking.
--
-- Another figure of the same kind is one more table and one more step in
-- the function of the rows it depends on, and a line in views.sql's
-- tlsrpt.verify_figures.


-- tlsrpt.sessions_of - per report and policy domain, its sessions counted
-- once: with all its policies, and with all but the changed ones (rest;
-- changed NULL: the whole report changed)
--
-- Each report's rows are looked up by its key (LATERAL ... OFFSET 0),
-- whatever the planner guesses: its statistics do not know yet of rows
-- just stored, and a guess of one row where there are thousands makes a
-- join quadratic (which is also why tlsrpt.reports has no index on
-- start_datetime alone: for rows it does not know of, the planner would
-- take it for the best way to a report).  first and last, the earliest
-- and latest of starts, constants when the caller plans for each call,
-- let it leave out the partitions of other months: a statement that names
-- every partition costs a new connection a look at each of them, more
-- than the whole of storing one report when there are years of months.
CREATE OR REPLACE FUNCTION tlsrpt.sessions_of(ids bigint[], starts timestamptz[],
    changed bigint[], first timestamptz, last timestamptz)
RETURNS TABLE (report bigint, report_id text, start_datetime timestamptz,
    end_datetime timestamptz, stored_at timestamptz, day date,
    organization_name text, dkim text, policy_domain text,
    successful bigint, failed bigint,
    rest_successful bigint, rest_failed bigint, in_rest boolean)
LANGUAGE sql STABLE
AS $$
	SELECT k.id, r.report_id, k.start_datetime, r.end_datetime, r.stored_at,
	    tlsrpt.utc_day(k.start_datetime), tlsrpt.name_key(r.organization_name),
	    r.dkim, tlsrpt.domain_key(p.policy_domain),
	    max(p.total_successful_session_count), max(p.total_failure_session_count),
	    coalesce(max(p.total_successful_session_count)
		FILTER (WHERE changed IS NOT NULL AND NOT p.id = ANY (changed)), 0),
	    coalesce(max(p.total_failure_session_count)
		FILTER (WHERE changed IS NOT NULL AND NOT p.id = ANY (changed)), 0),
	    coalesce(bool_or(changed IS NOT NULL AND NOT p.id = ANY (changed)), false)
	FROM unnest(ids, starts) AS k(id, start_datetime)
	CROSS JOIN LATERAL (SELECT r.report_id, r.end_datetime, r.stored_at,
		r.organization_name, r.dkim
	    FROM tlsrpt.reports r
	    WHERE r.id = k.id AND r.start_datetime = k.start_datetime
	      AND r.start_datetime BETWEEN first AND last OFFSET 0) r
	CROSS JOIN LATERAL (SELECT p.id, p.policy_domain,
		p.total_successful_session_count, p.total_failure_session_count
	    FROM tlsrpt.policies p
	    WHERE p.report = k.id AND p.start_datetime = k.start_datetime
	      AND p.start_datetime BETWEEN first AND last OFFSET 0) p
	GROUP BY k.id, k.start_datetime, r.report_id, r.end_datetime, r.stored_at,
	    r.organization_name, r.dkim, tlsrpt.domain_key(p.policy_domain)
$$;

-- tlsrpt.failures_of - per report, policy domain, result type, MX host and
-- IP, its failed sessions counted once (the largest of its policies' sums),
-- with all its rows and without the changed policies and details (rest;
-- both NULL: the whole report changed); first_of_type marks the row of
-- its first host for the result type, first_of_host that of its first
-- result type for the host
CREATE OR REPLACE FUNCTION tlsrpt.failures_of(ids bigint[], starts timestamptz[],
    changed_policies bigint[], changed_details bigint[], first timestamptz,
    last timestamptz)
RETURNS TABLE (day date, policy_domain text, organization_name text, dkim text,
    result_type text, receiving_mx_hostname text, receiving_ip inet,
    failed bigint, rest_failed bigint, in_rest boolean,
    first_of_type boolean, rest_first_of_type boolean,
    first_of_host boolean, rest_first_of_host boolean)
LANGUAGE sql STABLE
AS $$
	WITH per_policy AS (
		SELECT k.id AS report, tlsrpt.utc_day(k.start_datetime) AS day,
		    tlsrpt.name_key(r.organization_name) AS organization_name, r.dkim,
		    tlsrpt.domain_key(p.policy_domain) AS policy_domain,
		    tlsrpt.name_key(f.result_type) AS result_type,
		    tlsrpt.host_key(f.receiving_mx_hostname) AS receiving_mx_hostname,
		    f.receiving_ip,
		    sum(f.failed_session_count)::bigint AS failed,
		    sum(f.failed_session_count) FILTER (WHERE NOT (changed_policies IS NULL
			AND changed_details IS NULL OR p.id = ANY (coalesce(changed_policies, '{}'))
			OR f.id = ANY (coalesce(changed_details, '{}'))))::bigint AS rest_failed
		FROM unnest(ids, starts) AS k(id, start_datetime)
		CROSS JOIN LATERAL (SELECT r.organization_name, r.dkim
		    FROM tlsrpt.reports r
		    WHERE r.id = k.id AND r.start_datetime = k.start_datetime
		      AND r.start_datetime BETWEEN first AND last OFFSET 0) r
		CROSS JOIN LATERAL (SELECT p.id, p.policy_domain
		    FROM tlsrpt.policies p
		    WHERE p.report = k.id AND p.start_datetime = k.start_datetime
		      AND p.start_datetime BETWEEN first AND last OFFSET 0) p
		CROSS JOIN LATERAL (SELECT f.id, f.result_type, f.receiving_mx_hostname,
			f.receiving_ip, f.failed_session_count
		    FROM tlsrpt.failure_details f
		    WHERE f.policy = p.id AND f.start_datetime = k.start_datetime
		      AND f.start_datetime BETWEEN first AND last OFFSET 0) f
		GROUP BY k.id, k.start_datetime, r.organization_name, r.dkim, p.id,
		    p.policy_domain, tlsrpt.name_key(f.result_type),
		    tlsrpt.host_key(f.receiving_mx_hostname), f.receiving_ip
	), per_key AS (
		SELECT report, day, organization_name, dkim, policy_domain,
		    result_type, receiving_mx_hostname, receiving_ip,
		    max(failed) AS failed,
		    coalesce(max(rest_failed), 0) AS rest_failed,
		    count(rest_failed) > 0 AS in_rest
		FROM per_policy
		GROUP BY report, day, organization_name, dkim, policy_domain,
		    result_type, receiving_mx_hostname, receiving_ip
	)
	SELECT day, policy_domain, organization_name, dkim, result_type,
	    receiving_mx_hostname, receiving_ip, failed, rest_failed, in_rest,
	    row_number() OVER (PARTITION BY report, policy_domain, result_type
		ORDER BY receiving_mx_hostname NULLS FIRST, receiving_ip NULLS FIRST) = 1,
	    in_rest AND row_number() OVER (PARTITION BY report, policy_domain, result_type
		ORDER BY in_rest DESC, receiving_mx_hostname NULLS FIRST, receiving_ip NULLS FIRST) = 1,
	    row_number() OVER (PARTITION BY report, policy_domain, receiving_mx_hostname, receiving_ip
		ORDER BY result_type NULLS FIRST) = 1,
	    in_rest AND row_number() OVER (PARTITION BY report, policy_domain, receiving_mx_hostname, receiving_ip
		ORDER BY in_rest DESC, result_type NULLS FIRST) = 1
	FROM per_key
$$;

-- tlsrpt.count_sessions - apply to the figures what the changed policies
-- of the reports ids/starts bring (sign 1) or take away (sign -1)
--
-- Planned for the very reports of each call (plan_cache_mode): the
-- arrays become constants, so that the planner knows how many reports
-- there are, leaves out the months they are not in, and looks rows up in
-- changed by hashing; and without JIT, which would cost more than the
-- counting.
CREATE OR REPLACE FUNCTION tlsrpt.count_sessions(ids bigint[], starts timestamptz[],
    changed bigint[], sign integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET jit = off SET plan_cache_mode = force_custom_plan AS $$
DECLARE
	first timestamptz;
	last timestamptz;
	empty tid[];
	gone bigint[];
	organizations text[];
	domains text[];
BEGIN
	SELECT min(x), max(x) INTO first, last FROM unnest(starts) AS x;
	IF sign > 0 THEN
		WITH s AS MATERIALIZED (
			SELECT * FROM tlsrpt.sessions_of(ids, starts, changed, first, last)
		), daily AS (
			INSERT INTO tlsrpt.daily_reporter_sessions AS t
			SELECT day, policy_domain, organization_name, dkim,
			    count(*) FILTER (WHERE NOT in_rest),
			    sum(successful - rest_successful),
			    sum(failed - rest_failed)
			FROM s
			GROUP BY day, policy_domain, organization_name, dkim
			ORDER BY day, policy_domain, organization_name, dkim
			ON CONFLICT ON CONSTRAINT daily_reporter_sessions_key DO UPDATE
			SET reports = t.reports + excluded.reports,
			    successful = t.successful + excluded.successful,
			    failed = t.failed + excluded.failed
		), reporters AS (
			-- The latest report: the later start, then the higher
			-- id; the same report again brings its figures up to date.
			INSERT INTO tlsrpt.reporter_domains AS t
			SELECT DISTINCT ON (organization_name, policy_domain)
			    organization_name, policy_domain,
			    min(day) OVER w, max(day) OVER w,
			    count(*) FILTER (WHERE NOT in_rest) OVER w,
			    report, report_id, start_datetime, end_datetime, stored_at,
			    successful, failed
			FROM s
			WHERE dkim IS DISTINCT FROM 'fail'
			WINDOW w AS (PARTITION BY organization_name, policy_domain)
			ORDER BY organization_name, policy_domain, start_datetime DESC, report DESC
			ON CONFLICT ON CONSTRAINT reporter_domains_pkey DO UPDATE
			SET first_day = least(t.first_day, excluded.first_day),
			    last_day = greatest(t.last_day, excluded.last_day),
			    reports = t.reports + excluded.reports,
			    (report, report_id, start_datetime, end_datetime, stored_at,
				successful, failed) =
			    (SELECT (l.r).report, (l.r).report_id, (l.r).start_datetime,
				(l.r).end_datetime, (l.r).stored_at, (l.r).successful,
				(l.r).failed
			     FROM (VALUES (excluded, 1), (t, 2)) AS l(r, n)
			     ORDER BY (l.r).start_datetime DESC NULLS LAST,
				(l.r).report DESC NULLS LAST, l.n
			     LIMIT 1)
		)
		INSERT INTO tlsrpt.policy_domains AS t
		SELECT s.policy_domain, min(s.day), max(s.day),
		    count(*) FILTER (WHERE NOT s.in_rest)
		FROM s
		WHERE s.dkim IS DISTINCT FROM 'fail'
		GROUP BY s.policy_domain
		HAVING count(*) FILTER (WHERE NOT s.in_rest) > 0
		ORDER BY s.policy_domain
		ON CONFLICT (policy_domain) DO UPDATE
		SET first_day = least(t.first_day, excluded.first_day),
		    last_day = greatest(t.last_day, excluded.last_day),
		    reports = t.reports + excluded.reports;
		RETURN;
	END IF;

	-- Taking away: rows that the figures' own retention dropped stay
	-- dropped; rows left with no report go.
	WITH s AS MATERIALIZED (
		SELECT * FROM tlsrpt.sessions_of(ids, starts, changed, first, last)
	), d AS (
		SELECT day, policy_domain, organization_name, dkim,
		    count(*) FILTER (WHERE NOT in_rest) AS reports,
		    sum(successful - rest_successful) AS successful,
		    sum(failed - rest_failed) AS failed
		FROM s
		GROUP BY day, policy_domain, organization_name, dkim
	), u AS (
		UPDATE tlsrpt.daily_reporter_sessions AS t
		SET reports = t.reports - d.reports,
		    successful = t.successful - d.successful,
		    failed = t.failed - d.failed
		FROM d
		WHERE (t.day, t.policy_domain, t.organization_name) = (d.day, d.policy_domain, d.organization_name)
		  AND t.dkim IS NOT DISTINCT FROM d.dkim
		RETURNING t.ctid, t.reports
	)
	SELECT (SELECT array_agg(ctid) FROM u WHERE reports <= 0),
	    array_agg(report), array_agg(organization_name), array_agg(policy_domain)
	INTO empty, gone, organizations, domains
	FROM s
	WHERE dkim IS DISTINCT FROM 'fail' AND NOT in_rest;
	DELETE FROM tlsrpt.daily_reporter_sessions WHERE ctid = ANY (empty);
	IF gone IS NOT NULL THEN
		PERFORM tlsrpt.recount_domains(gone, organizations, domains);
	END IF;
END
$$;

-- tlsrpt.recount_domains - the known domains and reporters after reports
-- left them (gone[i] leaving the domain domains[i] of the reporter
-- organizations[i]): fewer reports, the first and last day from the daily
-- figures, the latest report found again if it was one of those leaving
CREATE OR REPLACE FUNCTION tlsrpt.recount_domains(gone bigint[], organizations text[],
    domains text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	g record;
	t tlsrpt.reporter_domains;
BEGIN
	FOR g IN SELECT o, d, count(*) AS n, array_agg(r) AS reports
	    FROM unnest(gone, organizations, domains) AS x(r, o, d)
	    GROUP BY o, d ORDER BY o, d LOOP
		UPDATE tlsrpt.reporter_domains r
		SET reports = r.reports - g.n, (first_day, last_day) =
		    (SELECT coalesce(min(s.day), r.first_day), coalesce(max(s.day), r.last_day)
		     FROM tlsrpt.daily_reporter_sessions s
		     WHERE s.policy_domain = g.d AND s.organization_name = g.o
		       AND s.dkim IS DISTINCT FROM 'fail' AND s.reports > 0)
		WHERE (r.organization_name, r.policy_domain) = (g.o, g.d)
		RETURNING * INTO t;
		IF NOT FOUND THEN
			CONTINUE;
		ELSIF t.reports <= 0 THEN
			DELETE FROM tlsrpt.reporter_domains r
			WHERE (r.organization_name, r.policy_domain) = (g.o, g.d);
		ELSIF t.report = ANY (g.reports) THEN
			-- The latest of the rest is on the last day, if its
			-- reports are still stored; otherwise unknown.
			UPDATE tlsrpt.reporter_domains r
			SET (report, report_id, start_datetime, end_datetime, stored_at,
			    successful, failed) =
			    (SELECT l.id, l.report_id, l.start_datetime, l.end_datetime,
				l.stored_at, l.successful, l.failed
			     FROM (SELECT NULL::bigint AS id, NULL AS report_id,
				      NULL::timestamptz AS start_datetime,
				      NULL::timestamptz AS end_datetime,
				      NULL::timestamptz AS stored_at,
				      NULL::bigint AS successful, NULL::bigint AS failed) AS nothing
			     LEFT JOIN LATERAL (
				SELECT x.id, x.report_id, x.start_datetime, x.end_datetime,
				    x.stored_at, max(p.total_successful_session_count) AS successful,
				    max(p.total_failure_session_count) AS failed
				FROM tlsrpt.reports x
				JOIN tlsrpt.policies p ON p.report = x.id
				    AND p.start_datetime = x.start_datetime
				WHERE x.start_datetime >= t.last_day::timestamp AT TIME ZONE 'UTC'
				  AND x.start_datetime < (t.last_day + 1)::timestamp AT TIME ZONE 'UTC'
				  AND tlsrpt.name_key(x.organization_name) = g.o
				  AND x.dkim IS DISTINCT FROM 'fail'
				  AND tlsrpt.domain_key(p.policy_domain) = g.d
				  AND x.id <> ALL (g.reports)
				GROUP BY x.id, x.start_datetime
				ORDER BY x.start_datetime DESC, x.id DESC
				LIMIT 1) AS l ON true)
			WHERE (r.organization_name, r.policy_domain) = (g.o, g.d);
		END IF;
	END LOOP;

	-- A domain's days are those of its reporters.
	FOR g IN SELECT DISTINCT d FROM unnest(domains) AS x(d) ORDER BY d LOOP
		DELETE FROM tlsrpt.policy_domains p
		WHERE p.policy_domain = g.d AND NOT EXISTS (SELECT 1
		    FROM tlsrpt.reporter_domains r WHERE r.policy_domain = g.d);
		UPDATE tlsrpt.policy_domains p
		SET (first_day, last_day, reports) = (SELECT min(r.first_day),
		    max(r.last_day), sum(r.reports) FROM tlsrpt.reporter_domains r
		    WHERE r.policy_domain = g.d)
		WHERE p.policy_domain = g.d;
	END LOOP;
END
$$;

-- tlsrpt.count_failures - apply to the figures what the changed policies
-- and failure details of the reports ids/starts bring (sign 1) or take
-- away (sign -1)
CREATE OR REPLACE FUNCTION tlsrpt.count_failures(ids bigint[], starts timestamptz[],
    changed_policies bigint[], changed_details bigint[], sign integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET jit = off SET plan_cache_mode = force_custom_plan AS $$
DECLARE
	first timestamptz;
	last timestamptz;
	empty tid[];
BEGIN
	SELECT min(x), max(x) INTO first, last FROM unnest(starts) AS x;
	IF sign > 0 THEN
		INSERT INTO tlsrpt.daily_reporter_failures AS t
		SELECT day, policy_domain, organization_name, dkim, result_type,
		    receiving_mx_hostname, receiving_ip,
		    count(*) FILTER (WHERE NOT in_rest),
		    count(*) FILTER (WHERE first_of_type) - count(*) FILTER (WHERE rest_first_of_type),
		    count(*) FILTER (WHERE first_of_host) - count(*) FILTER (WHERE rest_first_of_host),
		    sum(failed - rest_failed)
		FROM tlsrpt.failures_of(ids, starts, changed_policies, changed_details, first, last)
		GROUP BY day, policy_domain, organization_name, dkim, result_type,
		    receiving_mx_hostname, receiving_ip
		ORDER BY day, policy_domain, organization_name, dkim, result_type,
		    receiving_mx_hostname, receiving_ip
		ON CONFLICT ON CONSTRAINT daily_reporter_failures_key DO UPDATE
		SET reports = t.reports + excluded.reports,
		    reports_by_type = t.reports_by_type + excluded.reports_by_type,
		    reports_by_host = t.reports_by_host + excluded.reports_by_host,
		    failed = t.failed + excluded.failed;
		RETURN;
	END IF;

	WITH d AS (
		SELECT day, policy_domain, organization_name, dkim, result_type,
		    receiving_mx_hostname, receiving_ip,
		    count(*) FILTER (WHERE NOT in_rest) AS reports,
		    count(*) FILTER (WHERE first_of_type) - count(*) FILTER (WHERE rest_first_of_type) AS reports_by_type,
		    count(*) FILTER (WHERE first_of_host) - count(*) FILTER (WHERE rest_first_of_host) AS reports_by_host,
		    sum(failed - rest_failed) AS failed
		FROM tlsrpt.failures_of(ids, starts, changed_policies, changed_details, first, last)
		GROUP BY day, policy_domain, organization_name, dkim, result_type,
		    receiving_mx_hostname, receiving_ip
	), u AS (
		UPDATE tlsrpt.daily_reporter_failures AS t
		SET reports = t.reports - d.reports,
		    reports_by_type = t.reports_by_type - d.reports_by_type,
		    reports_by_host = t.reports_by_host - d.reports_by_host,
		    failed = t.failed - d.failed
		FROM d
		WHERE (t.day, t.policy_domain, t.organization_name) = (d.day, d.policy_domain, d.organization_name)
		  AND (t.dkim, t.result_type, t.receiving_mx_hostname, t.receiving_ip)
		      IS NOT DISTINCT FROM (d.dkim, d.result_type, d.receiving_mx_hostname, d.receiving_ip)
		RETURNING t.ctid, t.reports
	)
	SELECT array_agg(ctid) INTO empty FROM u WHERE reports <= 0;
	DELETE FROM tlsrpt.daily_reporter_failures WHERE ctid = ANY (empty);
END
$$;

-- The triggers.  Inserts: once per statement, whatever the writer (one
-- statement per message, COPY, plain SQL).  Deletes: per row, before it
-- goes; a report's delete takes away all it counted, and its policies and
-- failure details, deleted after it by the cascade, then count nothing.

-- tlsrpt.policies_added - AFTER INSERT ON policies, per statement
CREATE OR REPLACE FUNCTION tlsrpt.policies_added() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_custom_plan AS $$
DECLARE
	ids bigint[];
	starts timestamptz[];
BEGIN
	SELECT array_agg(report), array_agg(start_datetime) INTO ids, starts
	FROM (SELECT DISTINCT report, start_datetime FROM new_policies) k;
	PERFORM tlsrpt.count_sessions(ids, starts, ARRAY(SELECT id FROM new_policies), 1);
	PERFORM tlsrpt.count_policies(ids, starts, ARRAY(SELECT id FROM new_policies), 1);
	RETURN NULL;
END
$$;

-- tlsrpt.failure_details_added - AFTER INSERT ON failure_details, per statement
CREATE OR REPLACE FUNCTION tlsrpt.failure_details_added() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_custom_plan AS $$
DECLARE
	ids bigint[];
	starts timestamptz[];
	first timestamptz;
	last timestamptz;
BEGIN
	SELECT min(start_datetime), max(start_datetime) INTO first, last FROM new_details;
	SELECT array_agg(report), array_agg(start_datetime) INTO ids, starts
	FROM (SELECT DISTINCT p.report, n.start_datetime
	      FROM (SELECT DISTINCT policy, start_datetime FROM new_details) n
	      CROSS JOIN LATERAL (SELECT p.report FROM tlsrpt.policies p
		  WHERE p.id = n.policy AND p.start_datetime = n.start_datetime
		    AND p.start_datetime BETWEEN first AND last OFFSET 0) p) k;
	PERFORM tlsrpt.count_failures(ids, starts, '{}', ARRAY(SELECT id FROM new_details), 1);
	PERFORM tlsrpt.count_details(ids, starts, '{}', ARRAY(SELECT id FROM new_details), 1);
	RETURN NULL;
END
$$;

-- tlsrpt.row_leaves - BEFORE DELETE of a report, policy or failure detail,
-- and BEFORE UPDATE of a report's reporter or DKIM verdict; AFTER that
-- update, the report counts again as it now is
CREATE OR REPLACE FUNCTION tlsrpt.row_leaves() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	report bigint;
	sign integer := CASE WHEN TG_WHEN = 'AFTER' THEN 1 ELSE -1 END;
BEGIN
	IF TG_ARGV[0] = 'reports' THEN
		PERFORM tlsrpt.count_sessions(ARRAY[OLD.id], ARRAY[OLD.start_datetime], NULL, sign);
		PERFORM tlsrpt.count_failures(ARRAY[OLD.id], ARRAY[OLD.start_datetime], NULL, NULL, sign);
		PERFORM tlsrpt.count_policies(ARRAY[OLD.id], ARRAY[OLD.start_datetime], NULL, sign);
		PERFORM tlsrpt.count_details(ARRAY[OLD.id], ARRAY[OLD.start_datetime], NULL, NULL, sign);
	ELSIF TG_ARGV[0] = 'policies' THEN
		-- Deleted with its report, which took its figures away.
		IF NOT EXISTS (SELECT 1 FROM tlsrpt.reports r
		    WHERE r.id = OLD.report AND r.start_datetime = OLD.start_datetime) THEN
			RETURN OLD;
		END IF;
		PERFORM tlsrpt.count_sessions(ARRAY[OLD.report], ARRAY[OLD.start_datetime],
		    ARRAY[OLD.id], -1);
		PERFORM tlsrpt.count_failures(ARRAY[OLD.report], ARRAY[OLD.start_datetime],
		    ARRAY[OLD.id], '{}', -1);
		PERFORM tlsrpt.count_policies(ARRAY[OLD.report], ARRAY[OLD.start_datetime],
		    ARRAY[OLD.id], -1);
		PERFORM tlsrpt.count_details(ARRAY[OLD.report], ARRAY[OLD.start_datetime],
		    ARRAY[OLD.id], '{}', -1);
	ELSE
		SELECT p.report INTO report FROM tlsrpt.policies p
		WHERE p.id = OLD.policy AND p.start_datetime = OLD.start_datetime;
		IF report IS NULL THEN
			RETURN OLD;	-- with its policy, likewise
		END IF;
		PERFORM tlsrpt.count_failures(ARRAY[report], ARRAY[OLD.start_datetime],
		    '{}', ARRAY[OLD.id], -1);
		PERFORM tlsrpt.count_details(ARRAY[report], ARRAY[OLD.start_datetime],
		    '{}', ARRAY[OLD.id], -1);
	END IF;
	IF TG_OP = 'DELETE' OR TG_WHEN = 'AFTER' THEN
		RETURN OLD;
	END IF;
	RETURN NEW;
END
$$;

-- tlsrpt.row_kept - BEFORE UPDATE of a policy or failure detail: refused
CREATE OR REPLACE FUNCTION tlsrpt.row_kept() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	RAISE EXCEPTION 'the % of a stored report are not updated', TG_ARGV[0]
	    USING ERRCODE = 'feature_not_supported',
		HINT = 'delete the report and store it again';
END
$$;

-- tlsrpt.figures_emptied - AFTER TRUNCATE of the tables, as a whole: their
-- figures go with them (truncating or dropping one partition keeps them)
CREATE OR REPLACE FUNCTION tlsrpt.figures_emptied() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	TRUNCATE tlsrpt.daily_reporter_failures, tlsrpt.daily_reporter_details;
	IF TG_ARGV[0] <> 'failure_details' THEN
		TRUNCATE tlsrpt.daily_reporter_sessions, tlsrpt.reporter_domains,
		    tlsrpt.policy_domains, tlsrpt.daily_reporter_policies;
	END IF;
	RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER figures_added AFTER INSERT ON tlsrpt.policies
    REFERENCING NEW TABLE AS new_policies
    FOR EACH STATEMENT EXECUTE FUNCTION tlsrpt.policies_added();
CREATE OR REPLACE TRIGGER figures_added AFTER INSERT ON tlsrpt.failure_details
    REFERENCING NEW TABLE AS new_details
    FOR EACH STATEMENT EXECUTE FUNCTION tlsrpt.failure_details_added();
CREATE OR REPLACE TRIGGER figures_deleted BEFORE DELETE ON tlsrpt.reports
    FOR EACH ROW EXECUTE FUNCTION tlsrpt.row_leaves('reports');
CREATE OR REPLACE TRIGGER figures_deleted BEFORE DELETE ON tlsrpt.policies
    FOR EACH ROW EXECUTE FUNCTION tlsrpt.row_leaves('policies');
CREATE OR REPLACE TRIGGER figures_deleted BEFORE DELETE ON tlsrpt.failure_details
    FOR EACH ROW EXECUTE FUNCTION tlsrpt.row_leaves('failure_details');
CREATE OR REPLACE TRIGGER figures_updated BEFORE UPDATE OF organization_name, dkim
    ON tlsrpt.reports FOR EACH ROW
    WHEN ((OLD.organization_name, OLD.dkim) IS DISTINCT FROM (NEW.organization_name, NEW.dkim))
    EXECUTE FUNCTION tlsrpt.row_leaves('reports');
CREATE OR REPLACE TRIGGER figures_updated_after AFTER UPDATE OF organization_name, dkim
    ON tlsrpt.reports FOR EACH ROW
    WHEN ((OLD.organization_name, OLD.dkim) IS DISTINCT FROM (NEW.organization_name, NEW.dkim))
    EXECUTE FUNCTION tlsrpt.row_leaves('reports');
CREATE OR REPLACE TRIGGER figures_kept BEFORE UPDATE ON tlsrpt.policies
    FOR EACH ROW EXECUTE FUNCTION tlsrpt.row_kept('policies');
CREATE OR REPLACE TRIGGER figures_kept BEFORE UPDATE ON tlsrpt.failure_details
    FOR EACH ROW EXECUTE FUNCTION tlsrpt.row_kept('failure_details');
CREATE OR REPLACE TRIGGER figures_emptied AFTER TRUNCATE ON tlsrpt.reports
    FOR EACH STATEMENT EXECUTE FUNCTION tlsrpt.figures_emptied('reports');
CREATE OR REPLACE TRIGGER figures_emptied AFTER TRUNCATE ON tlsrpt.policies
    FOR EACH STATEMENT EXECUTE FUNCTION tlsrpt.figures_emptied('policies');
CREATE OR REPLACE TRIGGER figures_emptied AFTER TRUNCATE ON tlsrpt.failure_details
    FOR EACH STATEMENT EXECUTE FUNCTION tlsrpt.figures_emptied('failure_details');

-- Policies and failure details in detail --------------------------------------
--
-- Two more daily figures, kept by the same triggers as those above: what
-- policy each reporter applied (its type and, for MTA-STS,
-- the mode, mx patterns and max_age of the policy it quotes), and the
-- failures with what daily_reporter_failures leaves out: the sending MTA's
-- IP and the reason the reporter gave (failure-reason-code and
-- additional-information).  The incidents and the verdict on MTA-STS
-- enforce of views.sql read them.

-- tlsrpt.reason_key - a reporter's reason cut to fit an index key beside
-- the names of the figures (longer than 200 bytes: its first 50 characters)
CREATE OR REPLACE FUNCTION tlsrpt.reason_key(reason text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN octet_length(reason) <= 200 THEN reason ELSE left(reason, 50) END;

-- tlsrpt.sts_policy - what an MTA-STS policy says (RFC 8461 section 3.2),
-- from the lines a report quotes as its policy-string: the mode in lower
-- case, the mx patterns as the figures group host names (once each,
-- sorted) and max_age; NULL for what it does not say.  A line may end in
-- CR (Google quotes the policy file as served, CRLF included) and one
-- element may hold several lines.
CREATE OR REPLACE FUNCTION tlsrpt.sts_policy(policy_string text[],
    OUT mode text, OUT mx text[], OUT max_age bigint)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	WITH line AS (
		SELECT lower(btrim(split_part(l.l, ':', 1), E' \t\r')) AS field,
		    btrim(substr(l.l, strpos(l.l, ':') + 1), E' \t\r') AS value,
		    e.n * 10000 + l.n AS n
		FROM unnest(policy_string) WITH ORDINALITY AS e(e, n),
		    string_to_table(e.e, E'\n') WITH ORDINALITY AS l(l, n)
		WHERE strpos(l.l, ':') > 0
	)
	SELECT (SELECT lower(value) FROM line WHERE field = 'mode' ORDER BY n LIMIT 1),
	    (SELECT array_agg(DISTINCT tlsrpt.host_key(value) ORDER BY tlsrpt.host_key(value))
	     FROM line WHERE field = 'mx' AND value <> ''),
	    (SELECT value::bigint FROM line
	     WHERE field = 'max_age' AND value ~ '^[0-9]{1,10}$' ORDER BY n LIMIT 1)
$$;

-- tlsrpt.mx_hosts_key - a policy's mx-host list as the figures keep it:
-- host names (or patterns) as they are grouped, once each, sorted, space
-- separated; a leading "mx:", which some reporters copy from the policy,
-- left out
CREATE OR REPLACE FUNCTION tlsrpt.mx_hosts_key(hosts text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (SELECT tlsrpt.name_key(string_agg(DISTINCT h, ' ' ORDER BY h))
	FROM (SELECT tlsrpt.host_key(regexp_replace(btrim(x, E' \t\r'), '^mx:\s*', '', 'i')) AS h
	      FROM unnest(hosts) AS x) k
	WHERE h <> '');

-- tlsrpt.policy_key - what the figures keep of one policy: its type; for
-- sts the mode, the mx patterns (from its policy-string, else its
-- mx-host list) and max_age; for the other types their mx-host list (the
-- MX hosts the reporter found)
CREATE OR REPLACE FUNCTION tlsrpt.policy_key(policy_type text, policy_string text[],
    mx_host text[], OUT policy_type text, OUT sts_mode text, OUT mx text,
    OUT max_age bigint)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT tlsrpt.name_key(policy_key.policy_type),
	    tlsrpt.reason_key(s.mode),
	    coalesce(tlsrpt.mx_hosts_key(s.mx), tlsrpt.mx_hosts_key(mx_host)),
	    s.max_age
	FROM (SELECT * FROM tlsrpt.sts_policy(policy_string)
	      WHERE lower(policy_key.policy_type) = 'sts'
	      UNION ALL SELECT NULL, NULL, NULL
	      WHERE lower(policy_key.policy_type) IS DISTINCT FROM 'sts') s
$$;

-- tlsrpt.mx_matches - whether an MX host name matches a pattern of an
-- MTA-STS policy's mx lines (RFC 8461 section 4.1): the same name, or
-- "*." and the host's name less its first label
CREATE OR REPLACE FUNCTION tlsrpt.mx_matches(host text, pattern text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN left(pattern, 2) = '*.'
	THEN strpos(host, '.') > 1 AND substr(host, strpos(host, '.') + 1) = substr(pattern, 3)
	ELSE host = pattern END;

-- Whether these figures are new to this database: then the reports it
-- holds already (an earlier load of version 3) are counted at the end.
DROP TABLE IF EXISTS pg_temp.tlsrpt_posture_new;
CREATE TEMPORARY TABLE tlsrpt_posture_new AS
SELECT to_regclass('tlsrpt.daily_reporter_policies') IS NULL AS new;

-- Reports and sessions per UTC day, policy domain, reporter, DKIM verdict
-- and policy: its type, the MTA-STS mode, mx patterns and max_age.  A
-- report's policies of one domain and the same key count once (their
-- largest counts).  Microsoft lists the same sessions under an sts and a
-- tlsa policy: rows of different types hold the same sessions twice.
CREATE TABLE IF NOT EXISTS tlsrpt.daily_reporter_policies (
	day			date NOT NULL,
	policy_domain		text NOT NULL,
	organization_name	text NOT NULL,
	dkim			text,
	policy_type		text NOT NULL,
	sts_mode		text,
	mx			text,
	max_age			bigint,
	reports			bigint NOT NULL,
	successful		bigint NOT NULL,
	failed			bigint NOT NULL,
	CONSTRAINT daily_reporter_policies_key
	    UNIQUE NULLS NOT DISTINCT (day, policy_domain, organization_name, dkim,
		policy_type, sts_mode, mx, max_age)
) WITH (fillfactor = 80);
CREATE INDEX IF NOT EXISTS daily_reporter_policies_domain
    ON tlsrpt.daily_reporter_policies (policy_domain, day);
COMMENT ON TABLE tlsrpt.daily_reporter_policies IS
	'Reports and sessions per UTC day, policy domain, reporter, DKIM verdict and policy applied (type; MTA-STS mode, mx patterns, max_age)';
COMMENT ON COLUMN tlsrpt.daily_reporter_policies.mx IS
	'sts: the policy''s mx patterns; other types: the MX hosts the reporter listed; space separated, sorted';

-- Failed sessions per UTC day, policy domain, reporter, DKIM verdict,
-- result type, MX host, receiving IP, sending MTA IP and the reporter's
-- reason, counted once per report as daily_reporter_failures counts them.
CREATE TABLE IF NOT EXISTS tlsrpt.daily_reporter_details (
	day			date NOT NULL,
	policy_domain		text NOT NULL,
	organization_name	text NOT NULL,
	dkim			text,
	result_type		text,
	receiving_mx_hostname	text,
	receiving_ip		inet,
	sending_mta_ip		inet,
	failure_reason_code	text,
	additional_information	text,
	reports			bigint NOT NULL,
	failed			bigint NOT NULL,
	CONSTRAINT daily_reporter_details_key
	    UNIQUE NULLS NOT DISTINCT (day, policy_domain, organization_name, dkim,
		result_type, receiving_mx_hostname, receiving_ip, sending_mta_ip,
		failure_reason_code, additional_information)
) WITH (fillfactor = 80);
CREATE INDEX IF NOT EXISTS daily_reporter_details_domain
    ON tlsrpt.daily_reporter_details (policy_domain, day);
COMMENT ON TABLE tlsrpt.daily_reporter_details IS
	'Failed sessions per UTC day, policy domain, reporter, DKIM verdict, result type, MX host and IP, sending MTA IP, failure-reason-code and additional-information, counted once per report';

-- tlsrpt.policies_of - per report, policy domain and policy key, its
-- sessions counted once: with all its policies, and with all but the
-- changed ones (rest; changed NULL: the whole report changed); each
-- report's rows looked up by key in the months first to last, as
-- tlsrpt.sessions_of does
--
-- The key is tlsrpt.policy_key's, worked out inline beside each policy
-- rather than by a call per policy, which costs a batch of reports three
-- times what storing it does otherwise; tlsrpt.verify_figures recounts
-- with tlsrpt.policy_key, so the two are held to the same answer.  LATERAL,
-- not grouped apart and joined back by id: the planner, which knows
-- nothing yet of rows just stored, took them for one and rescanned the
-- group per policy, which made a report of 5,000 policies take 141 s.
CREATE OR REPLACE FUNCTION tlsrpt.policies_of(ids bigint[], starts timestamptz[],
    changed bigint[], first timestamptz, last timestamptz)
RETURNS TABLE (day date, policy_domain text, organization_name text, dkim text,
    policy_type text, sts_mode text, mx text, max_age bigint,
    successful bigint, failed bigint, rest_successful bigint, rest_failed bigint,
    in_rest boolean)
LANGUAGE sql STABLE
AS $$
	WITH pol AS (
		SELECT k.id AS report, k.start_datetime, r.organization_name, r.dkim,
		    p.id, p.policy_domain, p.policy_type, p.policy_string, p.mx_host,
		    p.total_successful_session_count AS successful,
		    p.total_failure_session_count AS failed
		FROM unnest(ids, starts) AS k(id, start_datetime)
		CROSS JOIN LATERAL (SELECT r.organization_name, r.dkim
		    FROM tlsrpt.reports r
		    WHERE r.id = k.id AND r.start_datetime = k.start_datetime
		      AND r.start_datetime BETWEEN first AND last OFFSET 0) r
		CROSS JOIN LATERAL (SELECT p.id, p.policy_domain, p.policy_type,
			p.policy_string, p.mx_host, p.total_successful_session_count,
			p.total_failure_session_count
		    FROM tlsrpt.policies p
		    WHERE p.report = k.id AND p.start_datetime = k.start_datetime
		      AND p.start_datetime BETWEEN first AND last OFFSET 0) p
	)
	SELECT tlsrpt.utc_day(pol.start_datetime), tlsrpt.domain_key(pol.policy_domain),
	    tlsrpt.name_key(pol.organization_name), pol.dkim,
	    tlsrpt.name_key(pol.policy_type), tlsrpt.reason_key(sts.mode),
	    tlsrpt.name_key(coalesce(sts.mx, hosts.mx)), sts.max_age,
	    max(pol.successful), max(pol.failed),
	    coalesce(max(pol.successful)
		FILTER (WHERE changed IS NOT NULL AND NOT pol.id = ANY (changed)), 0),
	    coalesce(max(pol.failed)
		FILTER (WHERE changed IS NOT NULL AND NOT pol.id = ANY (changed)), 0),
	    coalesce(bool_or(changed IS NOT NULL AND NOT pol.id = ANY (changed)), false)
	FROM pol
	-- what an sts policy's policy-string says, from its field: value lines
	LEFT JOIN LATERAL (
		SELECT (array_agg(lower(line.value) ORDER BY line.n)
			FILTER (WHERE line.field = 'mode'))[1] AS mode,
		    string_agg(DISTINCT tlsrpt.host_key(line.value), ' '
			ORDER BY tlsrpt.host_key(line.value))
			FILTER (WHERE line.field = 'mx' AND line.value <> '') AS mx,
		    (array_agg(line.value ORDER BY line.n) FILTER (WHERE line.field = 'max_age'
			AND line.value ~ '^[0-9]{1,10}$'))[1]::bigint AS max_age
		FROM (SELECT e.n * 10000 + l.n AS n,
			lower(btrim(split_part(l.l, ':', 1), E' \t\r')) AS field,
			btrim(substr(l.l, strpos(l.l, ':') + 1), E' \t\r') AS value
		    FROM unnest(pol.policy_string) WITH ORDINALITY AS e(e, n)
		    CROSS JOIN LATERAL string_to_table(e.e, E'\n') WITH ORDINALITY AS l(l, n)
		    WHERE strpos(l.l, ':') > 0) line
		WHERE lower(pol.policy_type) = 'sts'
	) sts ON true
	-- the mx-host list, a leading "mx:" left out
	LEFT JOIN LATERAL (
		SELECT string_agg(DISTINCT h.h, ' ' ORDER BY h.h) AS mx
		FROM unnest(pol.mx_host) AS m(m)
		CROSS JOIN LATERAL (SELECT tlsrpt.host_key(regexp_replace(btrim(m.m, E' \t\r'),
		    '^mx:\s*', '', 'i')) AS h) h
		WHERE h.h <> ''
	) hosts ON true
	GROUP BY pol.report, pol.start_datetime, pol.organization_name, pol.dkim,
	    tlsrpt.domain_key(pol.policy_domain), tlsrpt.name_key(pol.policy_type),
	    tlsrpt.reason_key(sts.mode), tlsrpt.name_key(coalesce(sts.mx, hosts.mx)),
	    sts.max_age
$$;

-- tlsrpt.count_policies - apply to daily_reporter_policies what the
-- changed policies of the reports ids/starts bring (sign 1) or take away
-- (sign -1); planned as tlsrpt.count_sessions is
CREATE OR REPLACE FUNCTION tlsrpt.count_policies(ids bigint[], starts timestamptz[],
    changed bigint[], sign integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET jit = off SET plan_cache_mode = force_custom_plan AS $$
DECLARE
	first timestamptz;
	last timestamptz;
	empty tid[];
BEGIN
	SELECT min(x), max(x) INTO first, last FROM unnest(starts) AS x;
	IF sign > 0 THEN
		INSERT INTO tlsrpt.daily_reporter_policies AS t
		SELECT day, policy_domain, organization_name, dkim, policy_type, sts_mode,
		    mx, max_age, count(*) FILTER (WHERE NOT in_rest),
		    sum(successful - rest_successful), sum(failed - rest_failed)
		FROM tlsrpt.policies_of(ids, starts, changed, first, last)
		GROUP BY day, policy_domain, organization_name, dkim, policy_type, sts_mode,
		    mx, max_age
		ORDER BY day, policy_domain, organization_name, dkim, policy_type, sts_mode,
		    mx, max_age
		ON CONFLICT ON CONSTRAINT daily_reporter_policies_key DO UPDATE
		SET reports = t.reports + excluded.reports,
		    successful = t.successful + excluded.successful,
		    failed = t.failed + excluded.failed;
		RETURN;
	END IF;

	WITH d AS (
		SELECT day, policy_domain, organization_name, dkim, policy_type, sts_mode,
		    mx, max_age, count(*) FILTER (WHERE NOT in_rest) AS reports,
		    sum(successful - rest_successful) AS successful,
		    sum(failed - rest_failed) AS failed
		FROM tlsrpt.policies_of(ids, starts, changed, first, last)
		GROUP BY day, policy_domain, organization_name, dkim, policy_type, sts_mode,
		    mx, max_age
	), u AS (
		UPDATE tlsrpt.daily_reporter_policies AS t
		SET reports = t.reports - d.reports,
		    successful = t.successful - d.successful,
		    failed = t.failed - d.failed
		FROM d
		WHERE (t.day, t.policy_domain, t.organization_name, t.policy_type)
		      = (d.day, d.policy_domain, d.organization_name, d.policy_type)
		  AND (t.dkim, t.sts_mode, t.mx, t.max_age)
		      IS NOT DISTINCT FROM (d.dkim, d.sts_mode, d.mx, d.max_age)
		RETURNING t.ctid, t.reports
	)
	SELECT array_agg(ctid) INTO empty FROM u WHERE reports <= 0;
	DELETE FROM tlsrpt.daily_reporter_policies WHERE ctid = ANY (empty);
END
$$;

-- tlsrpt.details_of - per report, policy domain and detail key, its failed
-- sessions counted once (the largest of its policies' sums), with all its
-- rows and without the changed policies and details (rest; both NULL:
-- the whole report changed); looked up as tlsrpt.failures_of does
CREATE OR REPLACE FUNCTION tlsrpt.details_of(ids bigint[], starts timestamptz[],
    changed_policies bigint[], changed_details bigint[], first timestamptz,
    last timestamptz)
RETURNS TABLE (day date, policy_domain text, organization_name text, dkim text,
    result_type text, receiving_mx_hostname text, receiving_ip inet, sending_mta_ip inet,
    failure_reason_code text, additional_information text,
    failed bigint, rest_failed bigint, in_rest boolean)
LANGUAGE sql STABLE
AS $$
	WITH per_policy AS (
		SELECT k.id AS report, tlsrpt.utc_day(k.start_datetime) AS day,
		    tlsrpt.name_key(r.organization_name) AS organization_name, r.dkim,
		    tlsrpt.domain_key(p.policy_domain) AS policy_domain,
		    tlsrpt.name_key(f.result_type) AS result_type,
		    tlsrpt.host_key(f.receiving_mx_hostname) AS receiving_mx_hostname,
		    f.receiving_ip, f.sending_mta_ip,
		    tlsrpt.reason_key(f.failure_reason_code) AS failure_reason_code,
		    tlsrpt.reason_key(f.additional_information) AS additional_information,
		    sum(f.failed_session_count)::bigint AS failed,
		    sum(f.failed_session_count) FILTER (WHERE NOT (changed_policies IS NULL
			AND changed_details IS NULL OR p.id = ANY (coalesce(changed_policies, '{}'))
			OR f.id = ANY (coalesce(changed_details, '{}'))))::bigint AS rest_failed
		FROM unnest(ids, starts) AS k(id, start_datetime)
		CROSS JOIN LATERAL (SELECT r.organization_name, r.dkim
		    FROM tlsrpt.reports r
		    WHERE r.id = k.id AND r.start_datetime = k.start_datetime
		      AND r.start_datetime BETWEEN first AND last OFFSET 0) r
		CROSS JOIN LATERAL (SELECT p.id, p.policy_domain
		    FROM tlsrpt.policies p
		    WHERE p.report = k.id AND p.start_datetime = k.start_datetime
		      AND p.start_datetime BETWEEN first AND last OFFSET 0) p
		CROSS JOIN LATERAL (SELECT f.id, f.result_type, f.receiving_mx_hostname,
			f.receiving_ip, f.sending_mta_ip, f.failure_reason_code,
			f.additional_information, f.failed_session_count
		    FROM tlsrpt.failure_details f
		    WHERE f.policy = p.id AND f.start_datetime = k.start_datetime
		      AND f.start_datetime BETWEEN first AND last OFFSET 0) f
		GROUP BY k.id, k.start_datetime, r.organization_name, r.dkim, p.id,
		    p.policy_domain, tlsrpt.name_key(f.result_type),
		    tlsrpt.host_key(f.receiving_mx_hostname), f.receiving_ip, f.sending_mta_ip,
		    tlsrpt.reason_key(f.failure_reason_code),
		    tlsrpt.reason_key(f.additional_information)
	)
	SELECT day, policy_domain, organization_name, dkim, result_type,
	    receiving_mx_hostname, receiving_ip, sending_mta_ip, failure_reason_code,
	    additional_information, max(failed), coalesce(max(rest_failed), 0),
	    count(rest_failed) > 0
	FROM per_policy
	GROUP BY report, day, policy_domain, organization_name, dkim, result_type,
	    receiving_mx_hostname, receiving_ip, sending_mta_ip, failure_reason_code,
	    additional_information
$$;

-- tlsrpt.count_details - apply to daily_reporter_details what the changed
-- policies and failure details of the reports ids/starts bring (sign 1)
-- or take away (sign -1); planned as tlsrpt.count_sessions is
CREATE OR REPLACE FUNCTION tlsrpt.count_details(ids bigint[], starts timestamptz[],
    changed_policies bigint[], changed_details bigint[], sign integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET jit = off SET plan_cache_mode = force_custom_plan AS $$
DECLARE
	first timestamptz;
	last timestamptz;
	empty tid[];
BEGIN
	SELECT min(x), max(x) INTO first, last FROM unnest(starts) AS x;
	IF sign > 0 THEN
		INSERT INTO tlsrpt.daily_reporter_details AS t
		SELECT day, policy_domain, organization_name, dkim, result_type,
		    receiving_mx_hostname, receiving_ip, sending_mta_ip, failure_reason_code,
		    additional_information, count(*) FILTER (WHERE NOT in_rest),
		    sum(failed - rest_failed)
		FROM tlsrpt.details_of(ids, starts, changed_policies, changed_details, first, last)
		GROUP BY day, policy_domain, organization_name, dkim, result_type,
		    receiving_mx_hostname, receiving_ip, sending_mta_ip, failure_reason_code,
		    additional_information
		ORDER BY day, policy_domain, organization_name, dkim, result_type,
		    receiving_mx_hostname, receiving_ip, sending_mta_ip, failure_reason_code,
		    additional_information
		ON CONFLICT ON CONSTRAINT daily_reporter_details_key DO UPDATE
		SET reports = t.reports + excluded.reports,
		    failed = t.failed + excluded.failed;
		RETURN;
	END IF;

	WITH d AS (
		SELECT day, policy_domain, organization_name, dkim, result_type,
		    receiving_mx_hostname, receiving_ip, sending_mta_ip, failure_reason_code,
		    additional_information, count(*) FILTER (WHERE NOT in_rest) AS reports,
		    sum(failed - rest_failed) AS failed
		FROM tlsrpt.details_of(ids, starts, changed_policies, changed_details, first, last)
		GROUP BY day, policy_domain, organization_name, dkim, result_type,
		    receiving_mx_hostname, receiving_ip, sending_mta_ip, failure_reason_code,
		    additional_information
	), u AS (
		UPDATE tlsrpt.daily_reporter_details AS t
		SET reports = t.reports - d.reports,
		    failed = t.failed - d.failed
		FROM d
		WHERE (t.day, t.policy_domain, t.organization_name) = (d.day, d.policy_domain, d.organization_name)
		  AND (t.dkim, t.result_type, t.receiving_mx_hostname, t.receiving_ip, t.sending_mta_ip,
		       t.failure_reason_code, t.additional_information)
		      IS NOT DISTINCT FROM (d.dkim, d.result_type, d.receiving_mx_hostname,
		       d.receiving_ip, d.sending_mta_ip, d.failure_reason_code, d.additional_information)
		RETURNING t.ctid, t.reports
	)
	SELECT array_agg(ctid) INTO empty FROM u WHERE reports <= 0;
	DELETE FROM tlsrpt.daily_reporter_details WHERE ctid = ANY (empty);
END
$$;

REVOKE EXECUTE ON FUNCTION tlsrpt.count_policies(bigint[], timestamptz[], bigint[], integer),
    tlsrpt.count_details(bigint[], timestamptz[], bigint[], bigint[], integer) FROM PUBLIC;

-- A database whose tables had reports before these two figures existed
-- gets them counted now, a month at a time.
DO $$
DECLARE
	m timestamptz;
BEGIN
	IF NOT (SELECT new FROM pg_temp.tlsrpt_posture_new) THEN
		RETURN;
	END IF;
	FOR m IN SELECT DISTINCT date_trunc('month', start_datetime, 'UTC')
	    FROM tlsrpt.reports ORDER BY 1 LOOP
		PERFORM tlsrpt.count_policies(array_agg(id), array_agg(start_datetime), NULL, 1),
		    tlsrpt.count_details(array_agg(id), array_agg(start_datetime), NULL, NULL, 1)
		FROM tlsrpt.reports
		WHERE start_datetime >= m AND start_datetime < m + interval '1 month';
	END LOOP;
END
$$;
DROP TABLE pg_temp.tlsrpt_posture_new;

-- Partitions ------------------------------------------------------------------
--
-- Each of the three tables has a partition per calendar month (UTC) of
-- start_datetime, named after it (reports_2026_11, policies_2026_11,
-- failure_details_2026_11); *_early holds what is older than the first
-- month, *_default what is newer than the last (a report dated beyond the
-- months made ahead waits there, counted, until its month is made).  Old
-- months go by dropping their partitions, which keeps the daily figures.
-- tlsrpt.maintain() does both, run daily by cron as tlsrpt_maintainer
-- (roles.sql); its functions are the owner's, and no one else's.

-- tlsrpt.partition_months - the months that have partitions, in order
CREATE OR REPLACE FUNCTION tlsrpt.partition_months() RETURNS SETOF date
LANGUAGE sql STABLE
AS $$
	SELECT to_date(substr(c.relname, 9), 'YYYY_MM')
	FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
	WHERE i.inhparent = 'tlsrpt.reports'::regclass
	  AND c.relname ~ '^reports_[0-9]{4}_[0-9]{2}$'
	ORDER BY 1
$$;

-- tlsrpt.partition_of - the suffix of the partitions that hold a report
-- starting at t, given the months that have partitions
CREATE OR REPLACE FUNCTION tlsrpt.partition_of(t timestamptz, months date[]) RETURNS text
LANGUAGE sql IMMUTABLE
RETURN CASE
	WHEN date_trunc('month', t, 'UTC')::date = ANY (months)
	    THEN to_char(date_trunc('month', t, 'UTC')::date, 'YYYY_MM')
	WHEN t < months[1]::timestamp AT TIME ZONE 'UTC' THEN 'early'
	ELSE 'default' END;

-- tlsrpt.start_datetime_missing - BEFORE INSERT of a policy or failure
-- detail without start_datetime, which only a tlsrpt-ingest older than
-- version 3 of the schema sends: an error that defers, not one that bounces
CREATE OR REPLACE FUNCTION tlsrpt.start_datetime_missing() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	RAISE EXCEPTION '% without start_datetime: this tlsrpt-ingest is older than the tables (schema version 3)',
	    TG_TABLE_NAME USING ERRCODE = 'undefined_column',
	    HINT = 'install the tlsrpt-ingest that came with this schema';
END
$$;

-- tlsrpt.partition_add - the partitions of the three tables named suffix,
-- for bounds ("FOR VALUES ..." or "DEFAULT"), those not there yet; whether
-- the reports' one was new
--
-- The foreign keys, policies to reports and failure details to policies,
-- are the partitions' own, one month's rows to the same month's: checking
-- one is an index probe in one table, not a query of a partitioned table
-- (which costs five times as much, for every policy and failure detail
-- stored), and a month drops without its foreign keys being checked.
CREATE OR REPLACE FUNCTION tlsrpt.partition_add(suffix text, bounds text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	parent text;
	made boolean := false;
	fkey record;
BEGIN
	FOREACH parent IN ARRAY ARRAY['reports', 'policies', 'failure_details'] LOOP
		CONTINUE WHEN to_regclass(format('tlsrpt.%I', parent || '_' || suffix)) IS NOT NULL;
		EXECUTE format('CREATE TABLE tlsrpt.%I PARTITION OF tlsrpt.%I %s %s',
		    parent || '_' || suffix, parent, bounds,
		    CASE parent WHEN 'reports' THEN 'WITH (toast_tuple_target = 128)' ELSE '' END);
		made := made OR parent = 'reports';
		-- Rows without start_datetime land in the default partition.
		IF suffix = 'default' AND parent <> 'reports' THEN
			EXECUTE format('CREATE TRIGGER start_datetime_missing BEFORE INSERT ON tlsrpt.%I
			    FOR EACH ROW WHEN (NEW.start_datetime IS NULL)
			    EXECUTE FUNCTION tlsrpt.start_datetime_missing()', parent || '_' || suffix);
		END IF;
	END LOOP;
	FOR fkey IN SELECT * FROM (VALUES ('policies', 'report', 'reports'),
	    ('failure_details', 'policy', 'policies')) AS k(tab, col, ref) LOOP
		CONTINUE WHEN EXISTS (SELECT 1 FROM pg_constraint
		    WHERE conrelid = format('tlsrpt.%I', fkey.tab || '_' || suffix)::regclass
		      AND contype = 'f');
		EXECUTE format('ALTER TABLE tlsrpt.%I ADD CONSTRAINT %I FOREIGN KEY (%I, start_datetime)
		    REFERENCES tlsrpt.%I (id, start_datetime) ON DELETE CASCADE',
		    fkey.tab || '_' || suffix, fkey.tab || '_' || suffix || '_' || fkey.col || '_fkey',
		    fkey.col, fkey.ref || '_' || suffix);
	END LOOP;
	RETURN made;
END
$$;

-- tlsrpt.partition_drop - drop the partitions of the three tables named
-- suffix, with their rows; no trigger fires, the figures stay
CREATE OR REPLACE FUNCTION tlsrpt.partition_drop(suffix text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	-- In the order of their foreign keys.
	EXECUTE format('DROP TABLE tlsrpt.%I, tlsrpt.%I, tlsrpt.%I', 'failure_details_' || suffix,
	    'policies_' || suffix, 'reports_' || suffix);
END
$$;

-- tlsrpt.partition_stash - keep the rows of the partitions named suffix
-- in temporary tables, and drop the partitions
CREATE OR REPLACE FUNCTION tlsrpt.partition_stash(suffix text) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	n bigint;
BEGIN
	CREATE TEMPORARY TABLE IF NOT EXISTS tlsrpt_stash_reports
	    (LIKE tlsrpt.reports) ON COMMIT DROP;
	CREATE TEMPORARY TABLE IF NOT EXISTS tlsrpt_stash_policies
	    (LIKE tlsrpt.policies) ON COMMIT DROP;
	CREATE TEMPORARY TABLE IF NOT EXISTS tlsrpt_stash_failure_details
	    (LIKE tlsrpt.failure_details) ON COMMIT DROP;
	EXECUTE format('INSERT INTO pg_temp.tlsrpt_stash_reports SELECT * FROM tlsrpt.%I',
	    'reports_' || suffix);
	GET DIAGNOSTICS n = ROW_COUNT;
	EXECUTE format('INSERT INTO pg_temp.tlsrpt_stash_policies SELECT * FROM tlsrpt.%I',
	    'policies_' || suffix);
	EXECUTE format('INSERT INTO pg_temp.tlsrpt_stash_failure_details SELECT * FROM tlsrpt.%I',
	    'failure_details_' || suffix);
	PERFORM tlsrpt.partition_drop(suffix);
	RETURN n;
END
$$;

-- tlsrpt.partition_unstash - put the stashed rows back, each straight
-- into its partition: the tables' statement triggers do not fire, the
-- figures, which count them already, stay as they are
CREATE OR REPLACE FUNCTION tlsrpt.partition_unstash() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	months date[] := ARRAY(SELECT tlsrpt.partition_months());
	suffix text;
BEGIN
	IF to_regclass('pg_temp.tlsrpt_stash_reports') IS NULL THEN
		RETURN;
	END IF;
	FOR suffix IN SELECT DISTINCT tlsrpt.partition_of(start_datetime, months)
	    FROM pg_temp.tlsrpt_stash_reports LOOP
		EXECUTE format('INSERT INTO tlsrpt.%I (id, organization_name, contact_info,
			report_id, start_datetime, end_datetime, raw, message_id,
			message_from, tls_report_domain, tls_report_submitter, stored_at,
			dkim, dkim_domain, dkim_verifier)
		    SELECT id, organization_name, contact_info, report_id, start_datetime,
			end_datetime, raw, message_id, message_from, tls_report_domain,
			tls_report_submitter, stored_at, dkim, dkim_domain, dkim_verifier
		    FROM pg_temp.tlsrpt_stash_reports
		    WHERE tlsrpt.partition_of(start_datetime, $1) = $2',
		    'reports_' || suffix) USING months, suffix;
		EXECUTE format('INSERT INTO tlsrpt.%I SELECT * FROM pg_temp.tlsrpt_stash_policies
		    WHERE tlsrpt.partition_of(start_datetime, $1) = $2',
		    'policies_' || suffix) USING months, suffix;
		EXECUTE format('INSERT INTO tlsrpt.%I SELECT * FROM pg_temp.tlsrpt_stash_failure_details
		    WHERE tlsrpt.partition_of(start_datetime, $1) = $2',
		    'failure_details_' || suffix) USING months, suffix;
	END LOOP;
	DROP TABLE pg_temp.tlsrpt_stash_failure_details, pg_temp.tlsrpt_stash_policies,
	    pg_temp.tlsrpt_stash_reports;
END
$$;

-- tlsrpt.create_partitions - partitions for every month from the first
-- (since, or last month in a new database) to months_ahead months after
-- this one; the early and default partitions around them
--
-- Reports waiting in the default partition for a month made now, and
-- reports of the early partition in a month that since adds, move to
-- their month.  One line per change.
CREATE OR REPLACE FUNCTION tlsrpt.create_partitions(months_ahead integer DEFAULT 3,
    since date DEFAULT NULL) RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET TimeZone = 'UTC' AS $$
DECLARE
	months date[] := ARRAY(SELECT tlsrpt.partition_months());
	this_month date := date_trunc('month', now())::date;
	first date;
	horizon date := date_trunc('month', now())::date + make_interval(months => months_ahead + 1);
	m date;
	n bigint;
BEGIN
	IF months_ahead < 0 OR months_ahead > 120 THEN
		RAISE EXCEPTION 'months_ahead must be between 0 and 120, not %', months_ahead;
	END IF;
	first := least(coalesce(months[1], (this_month - interval '1 month')::date),
	    date_trunc('month', since)::date);
	IF to_regclass('tlsrpt.reports_early') IS NOT NULL AND first < months[1] THEN
		n := tlsrpt.partition_stash('early');
		RETURN NEXT format('moving %s reports out of the early partitions', n);
	END IF;
	IF to_regclass('tlsrpt.reports_default') IS NOT NULL THEN
		EXECUTE 'SELECT count(*) FROM tlsrpt.reports_default WHERE start_datetime < $1'
		INTO n USING horizon::timestamptz;
		IF n > 0 THEN
			n := tlsrpt.partition_stash('default');
			RETURN NEXT format('moving %s reports out of the default partitions', n);
		END IF;
	END IF;
	-- Those of every month, also where one of the three tables lost its
	-- partition (dropped by hand, with its rows).
	FOR m IN SELECT generate_series(first, horizon - 1, interval '1 month')::date
	    UNION SELECT unnest(months) ORDER BY 1 LOOP
		IF tlsrpt.partition_add(to_char(m, 'YYYY_MM'),
		    format('FOR VALUES FROM (%L) TO (%L)', m::timestamptz,
			(m + interval '1 month')::timestamptz)) THEN
			RETURN NEXT format('created the partitions of %s', to_char(m, 'YYYY-MM'));
		END IF;
	END LOOP;
	PERFORM tlsrpt.partition_add('early',
	    format('FOR VALUES FROM (MINVALUE) TO (%L)', first::timestamptz));
	PERFORM tlsrpt.partition_add('default', 'DEFAULT');
	PERFORM tlsrpt.partition_unstash();
END
$$;

-- tlsrpt.drop_reports_before - drop the partitions whose every report
-- starts before cutoff: whole months, and the early partitions once the
-- first month goes; the figures stay
CREATE OR REPLACE FUNCTION tlsrpt.drop_reports_before(cutoff timestamptz) RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET TimeZone = 'UTC' AS $$
DECLARE
	months date[] := ARRAY(SELECT tlsrpt.partition_months());
	m date;
	n bigint;
BEGIN
	IF months[1] IS NULL OR months[1] > cutoff THEN
		RETURN;
	END IF;
	EXECUTE 'SELECT count(*) FROM tlsrpt.reports_early' INTO n;
	PERFORM tlsrpt.partition_drop('early');
	RETURN NEXT format('dropped the reports before %s: %s', to_char(months[1], 'YYYY-MM'), n);
	FOREACH m IN ARRAY months LOOP
		EXIT WHEN m + interval '1 month' > cutoff;
		EXECUTE format('SELECT count(*) FROM tlsrpt.%I', 'reports_' || to_char(m, 'YYYY_MM'))
		INTO n;
		PERFORM tlsrpt.partition_drop(to_char(m, 'YYYY_MM'));
		RETURN NEXT format('dropped the reports of %s: %s', to_char(m, 'YYYY-MM'), n);
	END LOOP;
	m := coalesce((SELECT min(x) FROM tlsrpt.partition_months() AS x),
	    date_trunc('month', cutoff)::date);
	PERFORM tlsrpt.partition_add('early',
	    format('FOR VALUES FROM (MINVALUE) TO (%L)', m::timestamptz));
	RETURN QUERY SELECT * FROM tlsrpt.create_partitions(0, m);
END
$$;

-- tlsrpt.drop_figures_before - drop the daily figures of the days before
-- day, and the domains and reporters last seen before it
CREATE OR REPLACE FUNCTION tlsrpt.drop_figures_before(day date) RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	n bigint;
	f bigint;
	d bigint;
BEGIN
	DELETE FROM tlsrpt.daily_reporter_sessions s WHERE s.day < drop_figures_before.day;
	GET DIAGNOSTICS n = ROW_COUNT;
	DELETE FROM tlsrpt.daily_reporter_failures s WHERE s.day < drop_figures_before.day;
	GET DIAGNOSTICS f = ROW_COUNT;
	DELETE FROM tlsrpt.daily_reporter_policies s WHERE s.day < drop_figures_before.day;
	GET DIAGNOSTICS d = ROW_COUNT;
	n := n + d;
	DELETE FROM tlsrpt.daily_reporter_details s WHERE s.day < drop_figures_before.day;
	GET DIAGNOSTICS d = ROW_COUNT;
	f := f + d;
	DELETE FROM tlsrpt.reporter_domains r WHERE r.last_day < drop_figures_before.day;
	DELETE FROM tlsrpt.policy_domains p WHERE p.last_day < drop_figures_before.day;
	IF n + f > 0 THEN
		RETURN NEXT format('dropped the daily figures before %s: %s rows', day, n + f);
	END IF;
END
$$;

-- tlsrpt.maintain - what cron runs daily: partitions for the months ahead,
-- and the retention: reports older than keep_reports and daily figures
-- older than keep_figures dropped (NULL: kept for ever)
--     psql -d tlsrpt -Atc "SELECT tlsrpt.maintain(keep_reports => '13 months', keep_figures => '5 years')"
CREATE OR REPLACE FUNCTION tlsrpt.maintain(keep_reports interval DEFAULT NULL,
    keep_figures interval DEFAULT NULL, months_ahead integer DEFAULT 3) RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET lock_timeout = '10s' AS $$
BEGIN
	IF keep_reports < interval '1 day' OR keep_figures < interval '1 day' THEN
		RAISE EXCEPTION 'keep reports and figures for a day at least, not % and %',
		    keep_reports, keep_figures;
	END IF;
	RETURN QUERY SELECT * FROM tlsrpt.create_partitions(months_ahead);
	IF keep_reports IS NOT NULL THEN
		RETURN QUERY SELECT * FROM tlsrpt.drop_reports_before(now() - keep_reports);
	END IF;
	IF keep_figures IS NOT NULL THEN
		RETURN QUERY SELECT * FROM tlsrpt.drop_figures_before((now() - keep_figures)::date);
	END IF;
END
$$;

-- Only the owner runs what changes partitions and figures; maintain is
-- granted to tlsrpt_maintainer by roles.sql.
REVOKE EXECUTE ON FUNCTION tlsrpt.count_sessions(bigint[], timestamptz[], bigint[], integer),
    tlsrpt.count_failures(bigint[], timestamptz[], bigint[], bigint[], integer),
    tlsrpt.recount_domains(bigint[], text[], text[]),
    tlsrpt.partition_add(text, text), tlsrpt.partition_drop(text),
    tlsrpt.partition_stash(text), tlsrpt.partition_unstash(),
    tlsrpt.create_partitions(integer, date), tlsrpt.drop_reports_before(timestamptz),
    tlsrpt.drop_figures_before(date),
    tlsrpt.maintain(interval, interval, integer) FROM PUBLIC;

DO $$
BEGIN
	PERFORM tlsrpt.create_partitions();
END
$$;

-- Version 2 rows into the version 3 tables, a month at a time (each
-- month's triggers count its figures), with their ids; the sequences go on
-- from where they were.  Months have partitions from the first report's,
-- two years back at most; older reports go to the early partitions.
DO $$
DECLARE
	m timestamptz;
	first date;
BEGIN
	IF to_regclass('tlsrpt_v2.reports') IS NULL THEN
		RETURN;
	END IF;
	SELECT date_trunc('month', min(start_datetime), 'UTC')::date INTO first
	FROM tlsrpt_v2.reports;
	PERFORM tlsrpt.create_partitions(since => greatest(first,
	    (date_trunc('month', now(), 'UTC') - interval '24 months')::date));
	FOR m IN SELECT DISTINCT date_trunc('month', start_datetime, 'UTC')
	    FROM tlsrpt_v2.reports ORDER BY 1 LOOP
		INSERT INTO tlsrpt.reports (id, organization_name, contact_info, report_id,
		    start_datetime, end_datetime, raw, message_id, message_from,
		    tls_report_domain, tls_report_submitter, stored_at, dkim, dkim_domain, dkim_verifier)
		OVERRIDING SYSTEM VALUE
		SELECT id, organization_name, contact_info, report_id, start_datetime,
		    end_datetime, raw, message_id, message_from, tls_report_domain,
		    tls_report_submitter, stored_at, dkim, dkim_domain, dkim_verifier
		FROM tlsrpt_v2.reports
		WHERE start_datetime >= m AND start_datetime < m + interval '1 month'
		ORDER BY id;
		INSERT INTO tlsrpt.policies (id, report, ordinal, policy_type, policy_domain,
		    policy_string, mx_host, total_successful_session_count,
		    total_failure_session_count, start_datetime)
		OVERRIDING SYSTEM VALUE
		SELECT p.id, p.report, p.ordinal, p.policy_type, p.policy_domain,
		    p.policy_string, p.mx_host, p.total_successful_session_count,
		    p.total_failure_session_count, r.start_datetime
		FROM tlsrpt_v2.policies p JOIN tlsrpt_v2.reports r ON r.id = p.report
		WHERE r.start_datetime >= m AND r.start_datetime < m + interval '1 month'
		ORDER BY p.id;
		INSERT INTO tlsrpt.failure_details (id, policy, ordinal, result_type,
		    sending_mta_ip, receiving_ip, receiving_mx_hostname, receiving_mx_helo,
		    failed_session_count, additional_information, failure_reason_code,
		    start_datetime)
		OVERRIDING SYSTEM VALUE
		SELECT f.id, f.policy, f.ordinal, f.result_type, f.sending_mta_ip,
		    f.receiving_ip, f.receiving_mx_hostname, f.receiving_mx_helo,
		    f.failed_session_count, f.additional_information, f.failure_reason_code,
		    r.start_datetime
		FROM tlsrpt_v2.failure_details f
		JOIN tlsrpt_v2.policies p ON p.id = f.policy
		JOIN tlsrpt_v2.reports r ON r.id = p.report
		WHERE r.start_datetime >= m AND r.start_datetime < m + interval '1 month'
		ORDER BY f.id;
	END LOOP;
	PERFORM setval('tlsrpt.reports_id_seq', s.last_value, s.is_called)
	FROM tlsrpt_v2.reports_id_seq s;
	PERFORM setval('tlsrpt.policies_id_seq', s.last_value, s.is_called)
	FROM tlsrpt_v2.policies_id_seq s;
	PERFORM setval('tlsrpt.failure_details_id_seq', s.last_value, s.is_called)
	FROM tlsrpt_v2.failure_details_id_seq s;
	DROP TABLE tlsrpt_v2.failure_details, tlsrpt_v2.policies, tlsrpt_v2.reports;
	DROP SCHEMA tlsrpt_v2;
END
$$;

INSERT INTO tlsrpt.schema_version (version) VALUES (2), (3) ON CONFLICT DO NOTHING;
