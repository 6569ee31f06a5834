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
-- domains and MX host names are in lower case; a policy that names no
-- domain (old Postfix reporters, for no-policy-found) counts under "(none)".

SET client_min_messages = warning;

-- report_domains - one row per (report, policy domain): its sessions,
-- counted once; the base of every other view
CREATE OR REPLACE VIEW tlsrpt.report_domains AS
SELECT r.id AS report,
	r.organization_name,
	r.report_id,
	(r.start_datetime AT TIME ZONE 'UTC')::date AS day,
	r.start_datetime,
	r.end_datetime,
	r.stored_at,
	lower(coalesce(p.policy_domain, '(none)')) AS policy_domain,
	array_agg(DISTINCT p.policy_type ORDER BY p.policy_type) AS policy_types,
	max(p.total_successful_session_count) AS successful,
	max(p.total_failure_session_count) AS failed,
	max(p.total_successful_session_count) + max(p.total_failure_session_count) AS sessions
FROM tlsrpt.reports r
JOIN tlsrpt.policies p ON p.report = r.id
GROUP BY r.id, lower(coalesce(p.policy_domain, '(none)'));
COMMENT ON VIEW tlsrpt.report_domains IS
	'Sessions of each report for each policy domain, counted once: the largest count of the report''s policies for that domain, not their sum';

-- report_domain_failures - one row per (report, policy domain, result
-- type, receiving MX host, receiving IP): failed sessions counted once
CREATE OR REPLACE VIEW tlsrpt.report_domain_failures AS
SELECT report, organization_name, day, policy_domain, result_type,
	receiving_mx_hostname, receiving_ip, max(failed) AS failed
FROM (
	SELECT r.id AS report,
		r.organization_name,
		(r.start_datetime AT TIME ZONE 'UTC')::date AS day,
		lower(coalesce(p.policy_domain, '(none)')) AS policy_domain,
		p.id AS policy,
		f.result_type,
		lower(f.receiving_mx_hostname) AS receiving_mx_hostname,
		f.receiving_ip,
		sum(f.failed_session_count) AS failed
	FROM tlsrpt.reports r
	JOIN tlsrpt.policies p ON p.report = r.id
	JOIN tlsrpt.failure_details f ON f.policy = p.id
	GROUP BY r.id, p.id, f.result_type, lower(f.receiving_mx_hostname), f.receiving_ip
) per_policy
GROUP BY report, organization_name, day, policy_domain, result_type,
	receiving_mx_hostname, receiving_ip;
COMMENT ON VIEW tlsrpt.report_domain_failures IS
	'Failed sessions of each report by policy domain, result type, MX host and IP, counted once across the report''s policies';

-- daily_sessions - sessions per policy domain per UTC day
CREATE OR REPLACE VIEW tlsrpt.daily_sessions AS
SELECT policy_domain, day,
	count(*) AS reports,
	count(DISTINCT organization_name) AS organizations,
	sum(successful)::bigint AS successful,
	sum(failed)::bigint AS failed,
	sum(sessions)::bigint AS sessions,
	sum(failed) / nullif(sum(sessions), 0) AS failure_ratio
FROM tlsrpt.report_domains
GROUP BY policy_domain, day;
COMMENT ON VIEW tlsrpt.daily_sessions IS
	'Successful and failed sessions per policy domain per UTC day; failure_ratio is failed / sessions, NULL without sessions';

-- failures_by_result_type - failed sessions per policy domain, UTC day and
-- result type
CREATE OR REPLACE VIEW tlsrpt.failures_by_result_type AS
SELECT policy_domain, day, result_type,
	count(DISTINCT report) AS reports,
	count(DISTINCT organization_name) AS organizations,
	sum(failed)::bigint AS failed
FROM tlsrpt.report_domain_failures
GROUP BY policy_domain, day, result_type;

-- failures_by_organization - sessions and failures per policy domain, UTC
-- day and reporting organisation
CREATE OR REPLACE VIEW tlsrpt.failures_by_organization AS
SELECT policy_domain, day, organization_name,
	count(*) AS reports,
	sum(successful)::bigint AS successful,
	sum(failed)::bigint AS failed,
	sum(sessions)::bigint AS sessions,
	sum(failed) / nullif(sum(sessions), 0) AS failure_ratio
FROM tlsrpt.report_domains
GROUP BY policy_domain, day, organization_name;

-- failures_by_mx - failed sessions per policy domain, UTC day, receiving
-- MX host and receiving IP, with the result types seen there
CREATE OR REPLACE VIEW tlsrpt.failures_by_mx AS
SELECT policy_domain, day, receiving_mx_hostname, receiving_ip,
	count(DISTINCT report) AS reports,
	sum(failed)::bigint AS failed,
	array_agg(DISTINCT result_type ORDER BY result_type) AS result_types
FROM tlsrpt.report_domain_failures
GROUP BY policy_domain, day, receiving_mx_hostname, receiving_ip;

-- latest_reports - the latest report of each (organisation, policy
-- domain), with how many came before it and since when
CREATE OR REPLACE VIEW tlsrpt.latest_reports AS
SELECT DISTINCT ON (organization_name, policy_domain)
	organization_name, policy_domain,
	report, report_id, day, start_datetime, end_datetime, stored_at,
	successful, failed, sessions,
	count(*) OVER w AS reports,
	min(day) OVER w AS first_day
FROM tlsrpt.report_domains
WINDOW w AS (PARTITION BY organization_name, policy_domain)
ORDER BY organization_name, policy_domain, start_datetime DESC, report DESC;
COMMENT ON VIEW tlsrpt.latest_reports IS
	'The latest report from each organisation for each policy domain; reports counts them all, first_day is the day of the first';
