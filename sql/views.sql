-- views.sql - the everyday questions about stored TLS-RPT reports, as views
-- in the schema "tlsrpt".  Load it after schema.sql; loading it again
-- changes nothing:
--     psql -v ON_ERROR_STOP=1 -f views.sql
--
-- tlsrpt-report, the Grafana dashboard in contrib/grafana and ad-hoc psql
-- all read these views, so they agree on every figure.  Like the tables'
-- names, the views' names and columns are a public interface.
--
-- Counting once.  A report may list several policies for one policy
-- domain: Microsoft lists the same sessions under its "sts" and its
-- "tlsa" policy.  Summing them doubles the totals, so every view counts a
-- report's sessions for one policy domain once: per (report, policy
-- domain) it takes the largest successful and the largest failed count of
-- the report's policies for that domain, and per (report, policy domain,
-- result type, MX host, IP) the largest failed count, never the sum.
-- Within one policy, failure details are added up as the report gives them.
--
-- Days are UTC days, the day a report's date range starts on.  Policy
-- domains and MX host names are in lower case without a trailing dot; a
-- policy that names no domain (old Postfix reporters, for
-- no-policy-found) counts under "(none)".
--
-- Two views list reports one by one, from the tables: report_domains and
-- report_domain_failures, each row with its report's DKIM verdict.  The
-- others read the daily figures that schema.sql's triggers keep (the
-- tables daily_reporter_sessions, daily_reporter_failures,
-- reporter_domains and policy_domains), so that their cost follows the
-- days asked for, not the whole history; they leave out the reports whose
-- DKIM verdict is "fail": anyone can mail a report, and a forged one must
-- not move a figure.  tlsrpt.verify_figures() recounts the daily figures
-- from the tables.

SET client_min_messages = warning;

-- report_domains - one row per (report, policy domain): its sessions,
-- counted once
CREATE OR REPLACE VIEW tlsrpt.report_domains AS
SELECT r.id AS report,
	r.organization_name,
	r.report_id,
	tlsrpt.utc_day(r.start_datetime) AS day,
	r.start_datetime,
	r.end_datetime,
	r.stored_at,
	tlsrpt.domain_key(p.policy_domain) AS policy_domain,
	array_agg(DISTINCT p.policy_type ORDER BY p.policy_type) AS policy_types,
	max(p.total_successful_session_count) AS successful,
	max(p.total_failure_session_count) AS failed,
	max(p.total_successful_session_count) + max(p.total_failure_session_count) AS sessions,
	r.dkim
FROM tlsrpt.reports r
JOIN tlsrpt.policies p ON p.report = r.id AND p.start_datetime = r.start_datetime
GROUP BY r.id, r.start_datetime, tlsrpt.domain_key(p.policy_domain);
COMMENT ON VIEW tlsrpt.report_domains IS
	'Sessions of each report for each policy domain, counted once: the largest count of the report''s policies for that domain, not their sum';

-- report_domain_failures - one row per (report, policy domain, result
-- type, receiving MX host, receiving IP): failed sessions counted once
CREATE OR REPLACE VIEW tlsrpt.report_domain_failures AS
SELECT report, organization_name, day, policy_domain, result_type,
	receiving_mx_hostname, receiving_ip, max(failed) AS failed, dkim
FROM (
	SELECT r.id AS report,
		r.organization_name,
		tlsrpt.utc_day(r.start_datetime) AS day,
		tlsrpt.domain_key(p.policy_domain) AS policy_domain,
		p.id AS policy,
		tlsrpt.name_key(f.result_type) AS result_type,
		tlsrpt.host_key(f.receiving_mx_hostname) AS receiving_mx_hostname,
		f.receiving_ip,
		sum(f.failed_session_count) AS failed,
		r.dkim
	FROM tlsrpt.reports r
	JOIN tlsrpt.policies p ON p.report = r.id AND p.start_datetime = r.start_datetime
	JOIN tlsrpt.failure_details f ON f.policy = p.id AND f.start_datetime = p.start_datetime
	GROUP BY r.id, r.start_datetime, p.id, p.start_datetime, tlsrpt.name_key(f.result_type),
		tlsrpt.host_key(f.receiving_mx_hostname), f.receiving_ip
) per_policy
GROUP BY report, organization_name, day, policy_domain, result_type,
	receiving_mx_hostname, receiving_ip, dkim;
COMMENT ON VIEW tlsrpt.report_domain_failures IS
	'Failed sessions of each report by policy domain, result type, MX host and IP, counted once across the report''s policies';

-- daily_sessions - sessions per policy domain per UTC day
CREATE OR REPLACE VIEW tlsrpt.daily_sessions AS
SELECT policy_domain, day,
	sum(reports)::bigint AS reports,
	count(DISTINCT organization_name) AS organizations,
	sum(successful)::bigint AS successful,
	sum(failed)::bigint AS failed,
	sum(successful + failed)::bigint AS sessions,
	sum(failed) / nullif(sum(successful + failed), 0) AS failure_ratio
FROM tlsrpt.daily_reporter_sessions
WHERE dkim IS DISTINCT FROM 'fail'
GROUP BY policy_domain, day;
COMMENT ON VIEW tlsrpt.daily_sessions IS
	'Successful and failed sessions per policy domain per UTC day; failure_ratio is failed / sessions, NULL without sessions';

-- failures_by_result_type - failed sessions per policy domain, UTC day and
-- result type
CREATE OR REPLACE VIEW tlsrpt.failures_by_result_type AS
SELECT policy_domain, day, result_type,
	sum(reports_by_type)::bigint AS reports,
	count(DISTINCT organization_name) AS organizations,
	sum(failed)::bigint AS failed
FROM tlsrpt.daily_reporter_failures
WHERE dkim IS DISTINCT FROM 'fail'
GROUP BY policy_domain, day, result_type;

-- failures_by_organization - sessions and failures per policy domain, UTC
-- day and reporting organisation
CREATE OR REPLACE VIEW tlsrpt.failures_by_organization AS
SELECT policy_domain, day, organization_name,
	sum(reports)::bigint AS reports,
	sum(successful)::bigint AS successful,
	sum(failed)::bigint AS failed,
	sum(successful + failed)::bigint AS sessions,
	sum(failed) / nullif(sum(successful + failed), 0) AS failure_ratio
FROM tlsrpt.daily_reporter_sessions
WHERE dkim IS DISTINCT FROM 'fail'
GROUP BY policy_domain, day, organization_name;

-- failures_by_mx - failed sessions per policy domain, UTC day, receiving
-- MX host and receiving IP, with the result types seen there
CREATE OR REPLACE VIEW tlsrpt.failures_by_mx AS
SELECT policy_domain, day, receiving_mx_hostname, receiving_ip,
	sum(reports_by_host)::bigint AS reports,
	sum(failed)::bigint AS failed,
	array_agg(DISTINCT result_type ORDER BY result_type) AS result_types
FROM tlsrpt.daily_reporter_failures
WHERE dkim IS DISTINCT FROM 'fail'
GROUP BY policy_domain, day, receiving_mx_hostname, receiving_ip;

-- reporter_days - the daily figures as stored: per UTC day, policy
-- domain and reporting organisation (a row for each DKIM verdict, so sum
-- them), the reports, successful and failed sessions; the cheapest way to
-- a sum over many domains and days
CREATE OR REPLACE VIEW tlsrpt.reporter_days AS
SELECT day, policy_domain, organization_name, dkim, reports, successful, failed
FROM tlsrpt.daily_reporter_sessions
WHERE dkim IS DISTINCT FROM 'fail';
COMMENT ON VIEW tlsrpt.reporter_days IS
	'Reports, successful and failed sessions per UTC day, policy domain, reporter and DKIM verdict: to be summed';

-- daily_failures - failed sessions per policy domain, UTC day, reporting
-- organisation, result type, receiving MX host and receiving IP (a row
-- for each DKIM verdict, so sum them): what failed where, who saw it
CREATE OR REPLACE VIEW tlsrpt.daily_failures AS
SELECT day, policy_domain, organization_name, dkim, result_type,
	receiving_mx_hostname, receiving_ip, reports, failed
FROM tlsrpt.daily_reporter_failures
WHERE dkim IS DISTINCT FROM 'fail';
COMMENT ON VIEW tlsrpt.daily_failures IS
	'Failed sessions per UTC day, policy domain, reporter, DKIM verdict, result type, MX host and IP: to be summed';

-- known_domains - every policy domain with counted reports: the first
-- and the last day, how many reports; for pickers and totals
CREATE OR REPLACE VIEW tlsrpt.known_domains AS
SELECT policy_domain, first_day, last_day, reports
FROM tlsrpt.policy_domains;
COMMENT ON VIEW tlsrpt.known_domains IS
	'Every policy domain with counted reports: the first and last day seen, and how many';

-- latest_reports - the latest report of each (organisation, policy
-- domain), with how many came before it and since when
CREATE OR REPLACE VIEW tlsrpt.latest_reports AS
SELECT organization_name, policy_domain,
	report, report_id, last_day AS day, start_datetime, end_datetime, stored_at,
	successful, failed, successful + failed AS sessions,
	reports,
	first_day
FROM tlsrpt.reporter_domains;
COMMENT ON VIEW tlsrpt.latest_reports IS
	'The latest report from each organisation for each policy domain; reports counts them all, first_day is the day of the first';

-- tlsrpt.verify_figures - the rows where the daily figures and the
-- domains and reporters kept by schema.sql's triggers differ from a
-- recount of the reports stored: none, unless report partitions were
-- dropped (the figures stay) or the figures were dropped before the
-- reports (tlsrpt.maintain's keep_figures)
CREATE OR REPLACE FUNCTION tlsrpt.verify_figures()
RETURNS TABLE (figures text, side text, row_text text)
LANGUAGE sql STABLE
AS $$
	WITH sessions AS (
		SELECT day, policy_domain, tlsrpt.name_key(organization_name) AS organization_name,
		    dkim, count(*) AS reports, sum(successful)::bigint AS successful,
		    sum(failed)::bigint AS failed
		FROM tlsrpt.report_domains
		GROUP BY 1, 2, 3, 4
	), failures AS (
		SELECT day, policy_domain, tlsrpt.name_key(organization_name) AS organization_name,
		    dkim, result_type, receiving_mx_hostname, receiving_ip,
		    count(*) AS reports,
		    count(*) FILTER (WHERE first_of_type) AS reports_by_type,
		    count(*) FILTER (WHERE first_of_host) AS reports_by_host,
		    sum(failed)::bigint AS failed
		FROM (SELECT *,
			row_number() OVER (PARTITION BY report, policy_domain, result_type
			    ORDER BY receiving_mx_hostname NULLS FIRST, receiving_ip NULLS FIRST) = 1
			    AS first_of_type,
			row_number() OVER (PARTITION BY report, policy_domain,
			    receiving_mx_hostname, receiving_ip ORDER BY result_type NULLS FIRST) = 1
			    AS first_of_host
		    FROM tlsrpt.report_domain_failures) f
		GROUP BY 1, 2, 3, 4, 5, 6, 7
	), reporters AS (
		SELECT DISTINCT ON (tlsrpt.name_key(organization_name), policy_domain)
		    tlsrpt.name_key(organization_name) AS organization_name, policy_domain,
		    min(day) OVER w AS first_day, max(day) OVER w AS last_day,
		    count(*) OVER w AS reports, report, report_id, start_datetime,
		    end_datetime, stored_at, successful, failed
		FROM tlsrpt.report_domains
		WHERE dkim IS DISTINCT FROM 'fail'
		WINDOW w AS (PARTITION BY tlsrpt.name_key(organization_name), policy_domain)
		ORDER BY tlsrpt.name_key(organization_name), policy_domain,
		    start_datetime DESC, report DESC
	), domains AS (
		SELECT policy_domain, min(day) AS first_day, max(day) AS last_day,
		    count(*) AS reports
		FROM tlsrpt.report_domains
		WHERE dkim IS DISTINCT FROM 'fail'
		GROUP BY policy_domain
	), stored AS (
		SELECT 'daily_reporter_sessions' AS figures, to_jsonb(x) AS r
		FROM tlsrpt.daily_reporter_sessions x
		UNION ALL SELECT 'daily_reporter_failures', to_jsonb(x) FROM tlsrpt.daily_reporter_failures x
		UNION ALL SELECT 'reporter_domains', to_jsonb(x) FROM tlsrpt.reporter_domains x
		UNION ALL SELECT 'policy_domains', to_jsonb(x) FROM tlsrpt.policy_domains x
	), recounted AS (
		SELECT 'daily_reporter_sessions' AS figures, to_jsonb(x) AS r FROM sessions x
		UNION ALL SELECT 'daily_reporter_failures', to_jsonb(x) FROM failures x
		UNION ALL SELECT 'reporter_domains', to_jsonb(x) FROM reporters x
		UNION ALL SELECT 'policy_domains', to_jsonb(x) FROM domains x
	)
	SELECT figures, 'stored', r::text
	FROM (SELECT * FROM stored EXCEPT ALL SELECT * FROM recounted) x
	UNION ALL SELECT figures, 'recounted', r::text
	FROM (SELECT * FROM recounted EXCEPT ALL SELECT * FROM stored) x
$$;
