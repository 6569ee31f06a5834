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
-- domains and MX host names are in lower case without trailing dots; a
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

-- The answers: what broke, where, since when and why; and whether MTA-STS
-- can go from testing to enforce.  Read from the daily figures like the
-- views above, so that their cost follows the days asked for.

-- failure_reasons - failed sessions per policy domain, UTC day, result
-- type, receiving MX host and the reason the reporters gave
CREATE OR REPLACE VIEW tlsrpt.failure_reasons AS
SELECT policy_domain, day, result_type, receiving_mx_hostname,
	failure_reason_code, additional_information,
	count(DISTINCT organization_name) AS organizations,
	sum(failed)::bigint AS failed
FROM tlsrpt.daily_reporter_details
WHERE dkim IS DISTINCT FROM 'fail'
GROUP BY policy_domain, day, result_type, receiving_mx_hostname,
	failure_reason_code, additional_information;
COMMENT ON VIEW tlsrpt.failure_reasons IS
	'Failed sessions per policy domain, UTC day, result type, MX host, failure-reason-code and additional-information, as the reporters wrote them';

-- failures_by_sending_ip - failed sessions per policy domain, UTC day,
-- sending MTA IP, reporting organisation and result type: which of a
-- reporter's machines fail
CREATE OR REPLACE VIEW tlsrpt.failures_by_sending_ip AS
SELECT policy_domain, day, sending_mta_ip, organization_name, result_type,
	sum(failed)::bigint AS failed
FROM tlsrpt.daily_reporter_details
WHERE dkim IS DISTINCT FROM 'fail'
GROUP BY policy_domain, day, sending_mta_ip, organization_name, result_type;

-- reports_by_dkim - reports and sessions per policy domain, UTC day,
-- reporting organisation and DKIM verdict of the carrying message, the
-- reports whose DKIM failed included: the one view that lists them, so
-- that they can be shown apart
CREATE OR REPLACE VIEW tlsrpt.reports_by_dkim AS
SELECT policy_domain, day, organization_name, dkim,
	sum(reports)::bigint AS reports,
	sum(successful)::bigint AS successful,
	sum(failed)::bigint AS failed,
	sum(successful + failed)::bigint AS sessions
FROM tlsrpt.daily_reporter_sessions
GROUP BY policy_domain, day, organization_name, dkim;
COMMENT ON VIEW tlsrpt.reports_by_dkim IS
	'Reports per policy domain, UTC day, reporter and DKIM verdict (pass, fail, none, untrusted; NULL: not recorded), those whose DKIM failed included: every other view leaves them out';

-- daily_policies - what the reporters applied, per policy domain, UTC day,
-- reporting organisation and policy: its type (sts, tlsa,
-- no-policy-found), and for sts the mode, mx patterns and max_age of the
-- policy it quoted (NULL when it quoted none); mx holds, for the other
-- types, the MX hosts the reporter listed.  A report listing the same
-- sessions under an sts and a tlsa policy counts in both rows.
CREATE OR REPLACE VIEW tlsrpt.daily_policies AS
SELECT policy_domain, day, organization_name, policy_type, sts_mode,
	string_to_array(mx, ' ') AS mx, max_age,
	sum(reports)::bigint AS reports,
	sum(successful)::bigint AS successful,
	sum(failed)::bigint AS failed,
	sum(successful + failed)::bigint AS sessions
FROM tlsrpt.daily_reporter_policies
WHERE dkim IS DISTINCT FROM 'fail'
GROUP BY policy_domain, day, organization_name, policy_type, sts_mode, mx, max_age;

-- tlsrpt.bounces_under_enforce - whether failures of this result type are
-- mail that is not delivered once the domain's MTA-STS policy says
-- enforce (RFC 8461 section 5): a TLS session to an MX host that failed.
-- Not a policy that could not be fetched or read (the sender keeps its
-- cached policy, or has none), nor DANE's failures, which the domain's
-- TLSA records decide whatever the MTA-STS mode.  An unknown result type
-- counts as bouncing.
CREATE OR REPLACE FUNCTION tlsrpt.bounces_under_enforce(result_type text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN result_type IS NULL OR lower(result_type) NOT IN ('sts-policy-fetch-error',
	'sts-policy-invalid', 'sts-webpki-invalid', 'tlsa-invalid', 'dnssec-invalid',
	'dane-required');

-- tlsrpt.incident_spans - the incidents of tlsrpt.incidents_between
-- without their IP addresses and reasons (tlsrpt.incident_details), in
-- no order; bouncing: only those of the result types that bounce mail
-- under enforce
--
-- PL/pgSQL, so that it is planned on its own for the domains asked for
-- (a custom plan), never inlined into a dashboard's query; without JIT,
-- whose compiling costs seconds at a month of every domain and saves
-- nothing.
CREATE OR REPLACE FUNCTION tlsrpt.incident_spans(since date, until date,
    domain text DEFAULT NULL, lookback integer DEFAULT 60, domains text[] DEFAULT NULL,
    bouncing boolean DEFAULT false)
RETURNS TABLE (policy_domain text, result_type text, receiving_mx_hostname text,
    first_day date, last_day date, failed bigint, reporters bigint,
    organization_names text[], status text)
LANGUAGE plpgsql STABLE SET jit = off SET plan_cache_mode = force_custom_plan
AS $$
#variable_conflict use_column
DECLARE
	keys text[] := ARRAY(SELECT tlsrpt.domain_key(d) FROM unnest(domains) AS d);
BEGIN
	RETURN QUERY
	WITH failures AS (
		-- each reporter's failed sessions per failure and day
		SELECT f.policy_domain, f.result_type, f.receiving_mx_hostname,
		    f.organization_name, f.day, sum(f.failed)::bigint AS failed
		FROM tlsrpt.daily_reporter_failures f
		WHERE f.dkim IS DISTINCT FROM 'fail' AND f.failed > 0
		  AND f.day >= coalesce(since - lookback, '-infinity')
		  AND f.day <= coalesce(until, 'infinity')
		  AND (domain IS NULL OR f.policy_domain = tlsrpt.domain_key(domain))
		  AND (domains IS NULL OR f.policy_domain = ANY (keys))
		  AND (NOT bouncing OR tlsrpt.bounces_under_enforce(f.result_type))
		GROUP BY f.policy_domain, f.result_type, f.receiving_mx_hostname,
		    f.organization_name, f.day
	), failing AS (
		-- the failures of the period, with their days before it: a
		-- result type or MX host that is NULL is compared as '', and a
		-- failure taken with it in vain has no incident in the period
		SELECT f.*
		FROM failures f
		WHERE (f.policy_domain, coalesce(f.result_type, ''),
			coalesce(f.receiving_mx_hostname, '')) IN (SELECT p.policy_domain,
			coalesce(p.result_type, ''), coalesce(p.receiving_mx_hostname, '')
		    FROM failures p WHERE p.day >= coalesce(since, '-infinity'))
	), steps AS (
		-- each reporter's failure days, with its failure day before
		SELECT f.*, lag(f.day) OVER (PARTITION BY f.policy_domain, f.result_type,
			f.receiving_mx_hostname, f.organization_name ORDER BY f.day) AS previous
		FROM failing f
	), marked AS (
		-- a failure day continues the reporter's run when the reporter
		-- sent no report about the domain since the failure day before
		SELECT s.*,
		    CASE WHEN s.previous IS NOT NULL AND (s.day = s.previous + 1
			OR NOT EXISTS (SELECT 1 FROM tlsrpt.daily_reporter_sessions r
			    WHERE r.policy_domain = s.policy_domain
			      AND r.day > s.previous AND r.day < s.day
			      AND r.organization_name = s.organization_name
			      AND r.dkim IS DISTINCT FROM 'fail'))
			THEN 0 ELSE 1 END AS starts
		FROM steps s
	), runs AS (
		-- a reporter's runs of report days showing the failure
		SELECT m.policy_domain, m.result_type, m.receiving_mx_hostname,
		    m.organization_name, min(m.day) AS first_day, max(m.day) AS last_day,
		    sum(m.failed)::bigint AS failed
		FROM (SELECT m.*, sum(m.starts) OVER (PARTITION BY m.policy_domain,
			    m.result_type, m.receiving_mx_hostname, m.organization_name
			    ORDER BY m.day ROWS UNBOUNDED PRECEDING) AS run
		    FROM marked m) m
		GROUP BY m.policy_domain, m.result_type, m.receiving_mx_hostname,
		    m.organization_name, m.run
	), ended AS (
		-- open when a run reaches the reporter's latest report about the
		-- domain up to until: its latest of all (reporter_domains), or
		-- when that came later, none between
		SELECT r.*,
		    CASE WHEN l.last_day <= coalesce(until, 'infinity') THEN r.last_day = l.last_day
		    ELSE NOT EXISTS (SELECT 1 FROM tlsrpt.daily_reporter_sessions s
			WHERE s.policy_domain = r.policy_domain
			  AND s.day > r.last_day AND s.day <= coalesce(until, 'infinity')
			  AND s.organization_name = r.organization_name
			  AND s.dkim IS DISTINCT FROM 'fail') END AS open
		FROM runs r
		LEFT JOIN tlsrpt.reporter_domains l ON l.organization_name = r.organization_name
		    AND l.policy_domain = r.policy_domain
	), starts AS (
		SELECT r.*, CASE WHEN r.first_day <= max(r.last_day) OVER (PARTITION BY
			r.policy_domain, r.result_type, r.receiving_mx_hostname
			ORDER BY r.first_day, r.last_day, r.organization_name
			ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) + 1
		    THEN 0 ELSE 1 END AS starts
		FROM ended r
	), numbered AS (
		SELECT s.*, sum(s.starts) OVER (PARTITION BY s.policy_domain, s.result_type,
			s.receiving_mx_hostname ORDER BY s.first_day, s.last_day, s.organization_name
			ROWS UNBOUNDED PRECEDING) AS incident
		FROM starts s
	), incidents AS (
		SELECT n.policy_domain, n.result_type, n.receiving_mx_hostname,
		    min(n.first_day) AS first_day, max(n.last_day) AS last_day,
		    sum(n.failed)::bigint AS failed,
		    count(DISTINCT n.organization_name) AS reporters,
		    array_agg(DISTINCT n.organization_name ORDER BY n.organization_name)
			AS organization_names,
		    CASE WHEN bool_or(n.open) THEN 'ongoing' ELSE 'resolved' END AS status
		FROM numbered n
		GROUP BY n.policy_domain, n.result_type, n.receiving_mx_hostname, n.incident
		HAVING max(n.last_day) >= coalesce(since, '-infinity')
	)
	SELECT i.policy_domain, i.result_type, i.receiving_mx_hostname, i.first_day,
	    i.last_day, i.failed, i.reporters, i.organization_names, i.status
	FROM incidents i;
END
$$;

-- tlsrpt.incident_details - the IP addresses of an incident's MX host and
-- the reasons the reporters gave, the most frequent three of each, most
-- failed sessions first
CREATE OR REPLACE FUNCTION tlsrpt.incident_details(policy_domain text, result_type text,
    receiving_mx_hostname text, first_day date, last_day date)
RETURNS TABLE (receiving_ips inet[], failure_reason_codes text[],
    additional_information text[])
LANGUAGE sql STABLE
AS $$
	SELECT coalesce(ips.ips, '{}'), coalesce(codes.reasons, '{}'),
	    coalesce(info.reasons, '{}')
	FROM (SELECT policy_domain, result_type, receiving_mx_hostname, first_day,
	    last_day) i
	LEFT JOIN LATERAL (
		SELECT array_agg(x.receiving_ip ORDER BY x.failed DESC, x.receiving_ip) AS ips
		FROM (SELECT f.receiving_ip, sum(f.failed) AS failed
		      FROM tlsrpt.daily_reporter_failures f
		      WHERE f.policy_domain = i.policy_domain
			AND f.day BETWEEN i.first_day AND i.last_day
			AND f.dkim IS DISTINCT FROM 'fail' AND f.receiving_ip IS NOT NULL
			AND f.result_type IS NOT DISTINCT FROM i.result_type
			AND f.receiving_mx_hostname IS NOT DISTINCT FROM i.receiving_mx_hostname
		      GROUP BY f.receiving_ip) x
	) ips ON true
	LEFT JOIN LATERAL (
		SELECT array_agg(x.reason ORDER BY x.failed DESC, x.reason) AS reasons
		FROM (SELECT d.failure_reason_code AS reason, sum(d.failed) AS failed
		      FROM tlsrpt.daily_reporter_details d
		      WHERE d.policy_domain = i.policy_domain
			AND d.day BETWEEN i.first_day AND i.last_day
			AND d.dkim IS DISTINCT FROM 'fail' AND d.failure_reason_code IS NOT NULL
			AND d.result_type IS NOT DISTINCT FROM i.result_type
			AND d.receiving_mx_hostname IS NOT DISTINCT FROM i.receiving_mx_hostname
		      GROUP BY d.failure_reason_code
		      ORDER BY 2 DESC, 1 LIMIT 3) x
	) codes ON true
	LEFT JOIN LATERAL (
		SELECT array_agg(x.reason ORDER BY x.failed DESC, x.reason) AS reasons
		FROM (SELECT d.additional_information AS reason, sum(d.failed) AS failed
		      FROM tlsrpt.daily_reporter_details d
		      WHERE d.policy_domain = i.policy_domain
			AND d.day BETWEEN i.first_day AND i.last_day
			AND d.dkim IS DISTINCT FROM 'fail' AND d.additional_information IS NOT NULL
			AND d.result_type IS NOT DISTINCT FROM i.result_type
			AND d.receiving_mx_hostname IS NOT DISTINCT FROM i.receiving_mx_hostname
		      GROUP BY d.additional_information
		      ORDER BY 2 DESC, 1 LIMIT 3) x
	) info ON true
$$;

-- tlsrpt.incident_spans_worst - the first n incidents of
-- tlsrpt.incident_spans, ongoing first, then the most failed sessions
-- (then by domain, result type, MX host and first day): the rows that
-- ordering every incident and keeping n would give
--
-- An incident has at most the failed sessions of its failure (domain,
-- result type, MX host) over the days looked at, and a domain's
-- incidents rest on its own reports alone.  So the incidents of the
-- 16 * n domains with the largest such failures are worked out first
-- (the busiest domains have many incidents each, and a few hundred
-- rarely leave the rest behind), then of four times as many, and so on:
-- once n of them are ongoing with more
-- failed sessions than any failure of the other domains, no other
-- incident comes before those n.  Otherwise, or past half the domains,
-- every domain's are worked out.
CREATE OR REPLACE FUNCTION tlsrpt.incident_spans_worst(since date, until date,
    lookback integer DEFAULT 60, n integer DEFAULT 100, domains text[] DEFAULT NULL)
RETURNS TABLE (policy_domain text, result_type text, receiving_mx_hostname text,
    first_day date, last_day date, failed bigint, reporters bigint,
    organization_names text[], status text)
LANGUAGE plpgsql STABLE SET jit = off SET plan_cache_mode = force_custom_plan
AS $$
#variable_conflict use_column
DECLARE
	keys text[] := ARRAY(SELECT tlsrpt.domain_key(x) FROM unnest(domains) AS x);
	ranked text[];
	bounds bigint[];
	k bigint := 16 * n;
	last boolean;
	returned bigint;
BEGIN
	-- the domains, largest failure first, and that failure's sessions
	SELECT array_agg(x.policy_domain ORDER BY x.failed DESC, x.policy_domain),
	    array_agg(x.failed ORDER BY x.failed DESC, x.policy_domain)
	INTO ranked, bounds
	FROM (SELECT f.policy_domain, max(f.failed) AS failed
	    FROM (SELECT f.policy_domain, sum(f.failed) AS failed
		FROM tlsrpt.daily_reporter_failures f
		WHERE f.dkim IS DISTINCT FROM 'fail' AND f.failed > 0
		  AND f.day >= coalesce(since - lookback, '-infinity')
		  AND f.day <= coalesce(until, 'infinity')
		  AND (domains IS NULL OR f.policy_domain = ANY (keys))
		GROUP BY f.policy_domain, f.result_type, f.receiving_mx_hostname
		HAVING max(f.day) >= coalesce(since, '-infinity')) f
	    GROUP BY f.policy_domain) x;
	LOOP
		-- past half the domains, every domain's, without the test
		last := n <= 0 OR 2 * k > coalesce(cardinality(ranked), 0);
		RETURN QUERY
		WITH top AS MATERIALIZED (
			SELECT i.* FROM tlsrpt.incident_spans(since, until, NULL, lookback,
			    CASE WHEN last THEN domains ELSE ranked[1:k] END) i
			ORDER BY i.status = 'resolved', i.failed DESC, i.policy_domain,
			    i.result_type, i.receiving_mx_hostname, i.first_day
			LIMIT n)
		SELECT t.* FROM top t
		WHERE last OR (SELECT count(*) = n AND min(o.failed) > bounds[k + 1]
		    FROM top o WHERE o.status = 'ongoing');
		GET DIAGNOSTICS returned = ROW_COUNT;
		EXIT WHEN last OR returned > 0;
		k := 4 * k;
	END LOOP;
END
$$;

-- tlsrpt.incidents_between - the incidents with failures between since and
-- until (UTC days, both included; NULL: no bound), of one policy domain
-- (domain), of several (domains), or of all (both NULL)
--
-- An incident is one failure, said as one fact: a result type on a
-- receiving MX host of a policy domain, from its first day to its last,
-- with the failed sessions, the reporters that saw it, the MX host's IP
-- addresses and the reasons the reporters gave (the most frequent three
-- of each, most failed sessions first).  Each reporter's report days
-- about the domain decide: its run of days that show the failure ends at
-- a report day that does not; a day without a report from it ends
-- nothing (a failure day continues the run when the reporter's report
-- day before it is the failure day before it).  The runs of several reporters that overlap, or follow each
-- other the next day, are one incident.  It is ongoing when a reporter's
-- latest report about the domain, up to until, still shows it, resolved
-- otherwise.  The days before since are looked at, lookback of them, for
-- the first day of an incident that started earlier.
CREATE OR REPLACE FUNCTION tlsrpt.incidents_between(since date, until date,
    domain text DEFAULT NULL, lookback integer DEFAULT 60, domains text[] DEFAULT NULL)
RETURNS TABLE (policy_domain text, result_type text, receiving_mx_hostname text,
    receiving_ips inet[], first_day date, last_day date, failed bigint,
    reporters bigint, organization_names text[], status text,
    failure_reason_codes text[], additional_information text[],
    bounces_under_enforce boolean)
LANGUAGE sql STABLE
AS $$
	SELECT i.policy_domain, i.result_type, i.receiving_mx_hostname,
	    d.receiving_ips, i.first_day, i.last_day, i.failed, i.reporters,
	    i.organization_names, i.status, d.failure_reason_codes,
	    d.additional_information, tlsrpt.bounces_under_enforce(i.result_type)
	FROM tlsrpt.incident_spans(since, until, domain, lookback, domains) i
	CROSS JOIN LATERAL tlsrpt.incident_details(i.policy_domain, i.result_type,
	    i.receiving_mx_hostname, i.first_day, i.last_day) d
	ORDER BY i.policy_domain, i.status = 'resolved', i.failed DESC, i.result_type,
	    i.receiving_mx_hostname, i.first_day
$$;

-- incidents - every incident of the stored reports (see
-- tlsrpt.incidents_between, which answers for a period at the cost of that
-- period)
CREATE OR REPLACE VIEW tlsrpt.incidents AS
SELECT * FROM tlsrpt.incidents_between(NULL, NULL);
COMMENT ON VIEW tlsrpt.incidents IS
	'Each failure as one fact: policy domain, result type, MX host and IPs, first and last day, failed sessions, reporters, ongoing or resolved, the reporters'' reasons';

-- tlsrpt.enforce_verdicts_at - per policy domain, the verdict on moving
-- its MTA-STS policy from testing to enforce, from the reports of the
-- days days up to until, and its evidence
--
-- The mode is that of the policy the reporters applied to most sessions
-- on the latest day they quoted one; mode_since the first day of its
-- stretch (looked for in the 2 * days days up to until).  The verdicts:
--   ready            testing for days days at least, min_sessions
--                    sessions at least in the last days, no incident
--                    that would bounce mail under enforce, every MX host
--                    seen covered by the policy's mx patterns
--   not-enough-data  testing, no problem seen, but fewer days or sessions
--                    (or no reporter quoted the policy: its mode is
--                    unknown)
--   not-ready        testing, and incidents that would bounce mail
--                    (bouncing_incidents) or MX hosts seen that the mx
--                    patterns do not cover (mx_uncovered)
--   enforcing        enforce, no ongoing incident that bounces mail
--   losing-mail      enforce, and such incidents ongoing: mail deferred
--                    or bounced now
--   no-policy        no MTA-STS policy applied: only DANE (tlsa) or
--                    no-policy-found, or mode none
-- MX hosts seen are those of the failures and those the reporters listed
-- with their tlsa and no-policy-found policies; successful sessions name
-- no host.
CREATE OR REPLACE FUNCTION tlsrpt.enforce_verdicts_at(until date, days integer DEFAULT 30,
    min_sessions bigint DEFAULT 100, domain text DEFAULT NULL, domains text[] DEFAULT NULL)
RETURNS TABLE (policy_domain text, verdict text, mode text, mode_since date,
    sessions bigint, reporters bigint, policy_types text[], modes text[],
    mx_patterns text[], mx_uncovered text[], bouncing_incidents bigint,
    ongoing_bouncing_incidents bigint)
LANGUAGE plpgsql STABLE SET jit = off SET plan_cache_mode = force_custom_plan
AS $$
#variable_conflict use_column
DECLARE
	keys text[] := ARRAY(SELECT tlsrpt.domain_key(x) FROM unnest(domains) AS x);
BEGIN
	RETURN QUERY
	WITH p AS NOT MATERIALIZED (
		SELECT d.policy_domain, d.day, d.organization_name, d.policy_type,
		    d.sts_mode, d.mx, d.reports, d.successful + d.failed AS sessions
		FROM tlsrpt.daily_reporter_policies d
		WHERE d.dkim IS DISTINCT FROM 'fail'
		  AND d.day BETWEEN until - 2 * days + 1 AND until
		  AND (domain IS NULL OR d.policy_domain = tlsrpt.domain_key(domain))
		  AND (domains IS NULL OR d.policy_domain = ANY (keys))
	), modes AS (
		-- per domain, the modes its sts policies quoted, and when
		SELECT p.policy_domain, min(p.sts_mode) AS first_mode,
		    max(p.sts_mode) AS last_mode, min(p.day) AS first_day, max(p.day) AS last_day
		FROM p WHERE p.policy_type = 'sts' AND p.sts_mode IS NOT NULL
		GROUP BY p.policy_domain
	), day_modes AS (
		-- per domain that quoted several modes, and day, the mode
		-- applied to most sessions, and the number of the domain's
		-- stretch of days of one mode
		SELECT m.policy_domain, m.day, m.sts_mode,
		    sum(m.changed) OVER (PARTITION BY m.policy_domain ORDER BY m.day
			ROWS UNBOUNDED PRECEDING) AS stretch
		FROM (SELECT x.policy_domain, x.day, x.sts_mode,
			CASE WHEN x.sts_mode IS DISTINCT FROM lag(x.sts_mode) OVER (PARTITION BY
			    x.policy_domain ORDER BY x.day) THEN 1 ELSE 0 END AS changed
		    FROM (SELECT DISTINCT ON (y.policy_domain, y.day) y.policy_domain, y.day,
			    y.sts_mode
			FROM (SELECT p.policy_domain, p.day, p.sts_mode,
				sum(p.sessions) AS sessions, sum(p.reports) AS reports
			    FROM p WHERE p.policy_type = 'sts' AND p.sts_mode IS NOT NULL
			      AND p.policy_domain IN (SELECT o.policy_domain FROM modes o
				  WHERE o.first_mode <> o.last_mode)
			    GROUP BY p.policy_domain, p.day, p.sts_mode) y
			ORDER BY y.policy_domain, y.day, y.sessions DESC, y.reports DESC,
			    y.sts_mode) x) m
	), stretch AS (
		-- per domain, the mode of the latest day, that day, and the
		-- first day of its stretch: of a domain that quoted one mode,
		-- its first day
		SELECT o.policy_domain, o.first_mode AS mode, o.last_day AS latest_day,
		    o.first_day AS mode_since
		FROM modes o WHERE o.first_mode = o.last_mode
		UNION ALL
		SELECT m.policy_domain, min(m.sts_mode), max(m.day), min(m.day)
		FROM (SELECT d.*, max(d.stretch) OVER (PARTITION BY d.policy_domain) AS last
		    FROM day_modes d) m
		WHERE m.stretch = m.last
		GROUP BY m.policy_domain
	), judging AS (
		-- the policies with their domain's mode, and whether they are
		-- the mode's in its stretch in the last days
		SELECT p.*, s.mode, s.mode_since, s.latest_day,
		    coalesce(p.policy_type = 'sts' AND p.sts_mode = s.mode
			AND p.day >= s.mode_since AND p.day > until - days, false) AS of_mode
		FROM p LEFT JOIN stretch s ON s.policy_domain = p.policy_domain
		-- the days before the last days only for the patterns
		WHERE p.day > until - days OR p.day = s.latest_day
	), applied AS (
		-- per domain and policy applied: the sessions of the mode in
		-- its stretch in the last days, whether applied in the last
		-- days, and whether its mx are the mode's patterns on the
		-- latest day, or MX hosts listed (tlsa, no-policy-found) in the
		-- last days
		SELECT j.policy_domain, j.mode, j.mode_since, j.policy_type, j.sts_mode, j.mx,
		    sum(j.sessions) FILTER (WHERE j.of_mode) AS sessions,
		    bool_or(j.day > until - days) AS recent,
		    bool_or(j.policy_type = 'sts' AND j.sts_mode = j.mode
			AND j.day = j.latest_day) AS patterns,
		    bool_or(j.policy_type <> 'sts' AND j.day > until - days) AS listed
		FROM judging j
		GROUP BY j.policy_domain, j.mode, j.mode_since, j.policy_type, j.sts_mode, j.mx
	), reporters AS (
		-- per domain, the reporters that applied the mode in its
		-- stretch in the last days
		SELECT x.policy_domain, count(*) AS reporters
		FROM (SELECT DISTINCT j.policy_domain, j.organization_name
		    FROM judging j WHERE j.of_mode) x
		GROUP BY x.policy_domain
	), judged AS (
		SELECT a.policy_domain, a.mode, a.mode_since,
		    coalesce(sum(a.sessions), 0)::bigint AS sessions,
		    coalesce(min(r.reporters), 0) AS reporters,
		    array_agg(DISTINCT a.policy_type ORDER BY a.policy_type)
			FILTER (WHERE a.recent) AS policy_types,
		    coalesce(array_agg(DISTINCT a.sts_mode ORDER BY a.sts_mode)
			FILTER (WHERE a.recent AND a.sts_mode IS NOT NULL), '{}') AS modes,
		    array_agg(DISTINCT a.mx) FILTER (WHERE a.patterns) AS patterns,
		    array_agg(DISTINCT a.mx) FILTER (WHERE a.listed) AS listed
		FROM applied a
		LEFT JOIN reporters r ON r.policy_domain = a.policy_domain
		GROUP BY a.policy_domain, a.mode, a.mode_since
		HAVING bool_or(a.recent)
	), failed_hosts AS (
		-- the MX hosts of the failures of the last days
		SELECT f.policy_domain, array_agg(f.receiving_mx_hostname) AS hosts
		FROM (SELECT DISTINCT f.policy_domain, f.receiving_mx_hostname
		    FROM tlsrpt.daily_reporter_failures f
		    WHERE f.dkim IS DISTINCT FROM 'fail' AND f.receiving_mx_hostname IS NOT NULL
		      AND f.day BETWEEN until - days + 1 AND until
		      AND (domain IS NULL OR f.policy_domain = tlsrpt.domain_key(domain))
		      AND (domains IS NULL OR f.policy_domain = ANY (keys))) f
		GROUP BY f.policy_domain
	), covered AS (
		-- the mode's mx patterns, and the MX hosts seen that none covers
		SELECT j.policy_domain, t.mx_patterns,
		    ARRAY(SELECT h.host
			FROM (SELECT unnest(fh.hosts)
			    UNION SELECT x FROM unnest(j.listed) AS l(mx),
				unnest(string_to_array(l.mx, ' ')) AS x) h(host)
			WHERE cardinality(t.mx_patterns) > 0
			  AND NOT EXISTS (SELECT 1 FROM unnest(t.mx_patterns) AS m(pattern)
			    WHERE tlsrpt.mx_matches(h.host, m.pattern))
			ORDER BY h.host) AS uncovered
		FROM judged j
		LEFT JOIN failed_hosts fh ON fh.policy_domain = j.policy_domain
		CROSS JOIN LATERAL (SELECT ARRAY(SELECT DISTINCT x FROM unnest(j.patterns) AS l(mx),
		    unnest(string_to_array(l.mx, ' ')) AS x ORDER BY x) AS mx_patterns) t
	), incidents AS (
		SELECT i.policy_domain, count(*) AS bouncing,
		    count(*) FILTER (WHERE i.status = 'ongoing') AS ongoing_bouncing
		FROM tlsrpt.incident_spans(until - days + 1, until, domain, 60, domains, true) i
		GROUP BY i.policy_domain
	)
	SELECT j.policy_domain,
	    CASE
		WHEN j.mode = 'testing' THEN CASE
		    WHEN coalesce(i.bouncing, 0) > 0 OR cardinality(c.uncovered) > 0 THEN 'not-ready'
		    WHEN until - j.mode_since + 1 < days OR j.sessions < min_sessions
			THEN 'not-enough-data'
		    ELSE 'ready' END
		WHEN j.mode = 'enforce' THEN CASE
		    WHEN coalesce(i.ongoing_bouncing, 0) > 0 THEN 'losing-mail'
		    ELSE 'enforcing' END
		WHEN j.mode IS NULL AND 'sts' = ANY (j.policy_types) THEN 'not-enough-data'
		ELSE 'no-policy' END,
	    j.mode, j.mode_since, j.sessions, j.reporters, j.policy_types, j.modes,
	    c.mx_patterns, c.uncovered,
	    coalesce(i.bouncing, 0), coalesce(i.ongoing_bouncing, 0)
	FROM judged j
	JOIN covered c ON c.policy_domain = j.policy_domain
	LEFT JOIN incidents i ON i.policy_domain = j.policy_domain
	ORDER BY j.policy_domain;
END
$$;

-- enforce_verdicts - the verdicts on yesterday's (the last complete UTC
-- day's) reports, with the defaults of tlsrpt.enforce_verdicts_at and of
-- "tlsrpt-report enforce": 30 days, 100 sessions
CREATE OR REPLACE VIEW tlsrpt.enforce_verdicts AS
SELECT * FROM tlsrpt.enforce_verdicts_at((now() AT TIME ZONE 'UTC')::date - 1);
COMMENT ON VIEW tlsrpt.enforce_verdicts IS
	'Per policy domain, whether MTA-STS can go from testing to enforce (ready, not-enough-data, not-ready, enforcing, losing-mail, no-policy), from the 30 days up to yesterday';

-- tlsrpt.enforce_verdicts_worst - the first n verdicts of
-- tlsrpt.enforce_verdicts_at, worst first (losing-mail, not-ready,
-- not-enough-data, no-policy, enforcing, ready), then by domain: the
-- rows that ordering every verdict and keeping n would give
--
-- Only a domain with failures or listed MX hosts in the last days can
-- lose mail or not be ready, and a domain's verdict rests on its own
-- reports alone.  When there are at most 4 * n such domains, they are
-- judged first: when n of them lose mail or are not ready, no other
-- domain comes before those n.  When there are more, the first 4 * n by
-- name are judged first, then four times as many, and so on up to half
-- of them: once n lose mail, no domain after them comes before those n.
-- Otherwise every domain is judged.  A provider with many problems gets
-- its table at the cost of a few hundred domains; one with few, at the
-- cost of every domain and the tries.
CREATE OR REPLACE FUNCTION tlsrpt.enforce_verdicts_worst(until date, days integer DEFAULT 30,
    min_sessions bigint DEFAULT 100, n integer DEFAULT 100, domains text[] DEFAULT NULL)
RETURNS TABLE (policy_domain text, verdict text, mode text, mode_since date,
    sessions bigint, reporters bigint, policy_types text[], modes text[],
    mx_patterns text[], mx_uncovered text[], bouncing_incidents bigint,
    ongoing_bouncing_incidents bigint)
LANGUAGE plpgsql STABLE SET jit = off SET plan_cache_mode = force_custom_plan
AS $$
#variable_conflict use_column
DECLARE
	worst constant text[] := ARRAY['losing-mail', 'not-ready', 'not-enough-data',
	    'no-policy', 'enforcing', 'ready'];
	keys text[] := ARRAY(SELECT tlsrpt.domain_key(x) FROM unnest(domains) AS x);
	suspects text[];
	k bigint;
	chosen text[];
	last_rank integer;
	settled boolean := false;
BEGIN
	-- the domains that can lose mail or not be ready, by name: those
	-- with failures, of a result type that bounces or on a named MX
	-- host, or with MX hosts listed, in the last days
	suspects := ARRAY(
		SELECT f.policy_domain FROM tlsrpt.daily_reporter_failures f
		WHERE f.dkim IS DISTINCT FROM 'fail'
		  AND f.day BETWEEN until - days + 1 AND until
		  AND (f.receiving_mx_hostname IS NOT NULL
		       OR (f.failed > 0 AND tlsrpt.bounces_under_enforce(f.result_type)))
		  AND (domains IS NULL OR f.policy_domain = ANY (keys))
		UNION
		SELECT p.policy_domain FROM tlsrpt.daily_reporter_policies p
		WHERE p.dkim IS DISTINCT FROM 'fail' AND p.policy_type <> 'sts'
		  AND p.mx IS NOT NULL AND p.day BETWEEN until - days + 1 AND until
		  AND (domains IS NULL OR p.policy_domain = ANY (keys))
		ORDER BY 1);
	k := least(4 * n, cardinality(suspects));
	WHILE n > 0 AND (k = cardinality(suspects) OR 2 * k <= cardinality(suspects)) LOOP
		SELECT array_agg(v.policy_domain ORDER BY v.rank, v.policy_domain), max(v.rank)
		INTO chosen, last_rank
		FROM (SELECT v.policy_domain, array_position(worst, v.verdict) AS rank
		    FROM tlsrpt.enforce_verdicts_at(until, days, min_sessions, NULL,
			suspects[1:k]) v
		    WHERE v.verdict IN ('losing-mail', 'not-ready')
		    ORDER BY 2, 1 LIMIT n) v;
		settled := coalesce(cardinality(chosen) = n
		    AND (last_rank = 1 OR k = cardinality(suspects)), false);
		EXIT WHEN settled OR k = cardinality(suspects);
		k := 4 * k;
	END LOOP;
	RETURN QUERY SELECT v.* FROM tlsrpt.enforce_verdicts_at(until, days, min_sessions,
	    NULL, CASE WHEN settled THEN chosen ELSE domains END) v
	ORDER BY array_position(worst, v.verdict), v.policy_domain LIMIT n;
END
$$;

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
	), policies AS (
		SELECT day, policy_domain, organization_name, dkim, policy_type, sts_mode, mx,
		    max_age, count(*) AS reports, sum(successful)::bigint AS successful,
		    sum(failed)::bigint AS failed
		FROM (SELECT tlsrpt.utc_day(r.start_datetime) AS day,
			tlsrpt.domain_key(p.policy_domain) AS policy_domain,
			tlsrpt.name_key(r.organization_name) AS organization_name, r.dkim, k.*,
			max(p.total_successful_session_count) AS successful,
			max(p.total_failure_session_count) AS failed
		    FROM tlsrpt.reports r
		    JOIN tlsrpt.policies p ON p.report = r.id AND p.start_datetime = r.start_datetime
		    CROSS JOIN LATERAL tlsrpt.policy_key(p.policy_type, p.policy_string, p.mx_host) k
		    GROUP BY r.id, r.start_datetime, 2, 3, 4, k.policy_type, k.sts_mode, k.mx,
			k.max_age) x
		GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
	), details AS (
		SELECT day, policy_domain, organization_name, dkim, result_type,
		    receiving_mx_hostname, receiving_ip, sending_mta_ip, failure_reason_code,
		    additional_information, count(*) AS reports, sum(failed)::bigint AS failed
		FROM (SELECT report, day, policy_domain, organization_name, dkim, result_type,
			receiving_mx_hostname, receiving_ip, sending_mta_ip, failure_reason_code,
			additional_information, max(failed) AS failed
		    FROM (SELECT r.id AS report, tlsrpt.utc_day(r.start_datetime) AS day,
			    tlsrpt.domain_key(p.policy_domain) AS policy_domain,
			    tlsrpt.name_key(r.organization_name) AS organization_name, r.dkim,
			    tlsrpt.name_key(f.result_type) AS result_type,
			    tlsrpt.host_key(f.receiving_mx_hostname) AS receiving_mx_hostname,
			    f.receiving_ip, f.sending_mta_ip,
			    tlsrpt.reason_key(f.failure_reason_code) AS failure_reason_code,
			    tlsrpt.reason_key(f.additional_information) AS additional_information,
			    sum(f.failed_session_count) AS failed
			FROM tlsrpt.reports r
			JOIN tlsrpt.policies p ON p.report = r.id AND p.start_datetime = r.start_datetime
			JOIN tlsrpt.failure_details f ON f.policy = p.id
			    AND f.start_datetime = p.start_datetime
			GROUP BY r.id, r.start_datetime, p.id, 3, 4, 5, 6, 7, 8, 9, 10, 11) per_policy
		    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11) per_report
		GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
	), stored AS (
		SELECT 'daily_reporter_sessions' AS figures, to_jsonb(x) AS r
		FROM tlsrpt.daily_reporter_sessions x
		UNION ALL SELECT 'daily_reporter_failures', to_jsonb(x) FROM tlsrpt.daily_reporter_failures x
		UNION ALL SELECT 'reporter_domains', to_jsonb(x) FROM tlsrpt.reporter_domains x
		UNION ALL SELECT 'policy_domains', to_jsonb(x) FROM tlsrpt.policy_domains x
		UNION ALL SELECT 'daily_reporter_policies', to_jsonb(x) FROM tlsrpt.daily_reporter_policies x
		UNION ALL SELECT 'daily_reporter_details', to_jsonb(x) FROM tlsrpt.daily_reporter_details x
	), recounted AS (
		SELECT 'daily_reporter_sessions' AS figures, to_jsonb(x) AS r FROM sessions x
		UNION ALL SELECT 'daily_reporter_failures', to_jsonb(x) FROM failures x
		UNION ALL SELECT 'reporter_domains', to_jsonb(x) FROM reporters x
		UNION ALL SELECT 'policy_domains', to_jsonb(x) FROM domains x
		UNION ALL SELECT 'daily_reporter_policies', to_jsonb(x) FROM policies x
		UNION ALL SELECT 'daily_reporter_details', to_jsonb(x) FROM details x
	)
	SELECT figures, 'stored', r::text
	FROM (SELECT * FROM stored EXCEPT ALL SELECT * FROM recounted) x
	UNION ALL SELECT figures, 'recounted', r::text
	FROM (SELECT * FROM recounted EXCEPT ALL SELECT * FROM stored) x
$$;
