-- fill.sql - a hosting provider's reports, made by SQL, for bench-scale.sh
--
-- bench.fill(first, days, per_day) stores about per_day reports (fewer by
-- the second reports of a day that Google or Microsoft would not send) for each UTC day
-- from first on, one transaction a day, through the tables as
-- tlsrpt-ingest's batches do: reports, then their policies, then their
-- failure details, three statements, so that schema.sql's triggers keep
-- the daily figures as they do for real reports.  The reports look like
-- the real ones (the corpus's), and repeat from one run to the next:
--   * 30,000 policy domains (customerN.example), the first ones the
--     busiest (a domain's share falls off as the cube of a uniform draw);
--   * 50 reporters: Google (40 % of the reports, one sts policy), Microsoft
--     (25 %, the same sessions under sts and tlsa), Mail.ru (7 %), and 47
--     smaller ones with one to three policy domains per report;
--   * a policy in twelve fails, with one to nine failure details: result
--     type, MX host, IP and sending IP; Microsoft lists them under both;
--   * the DKIM verdict of the message: pass, one report in a thousand fail.

CREATE SCHEMA IF NOT EXISTS bench;

-- bench.fill - per_day reports on each of days UTC days from first
CREATE OR REPLACE PROCEDURE bench.fill(first date, days integer, per_day integer,
    domains integer DEFAULT 30000)
LANGUAGE plpgsql AS $$
DECLARE
	day date;
BEGIN
	SET LOCAL client_min_messages = warning;
	CREATE TEMPORARY TABLE IF NOT EXISTS bench_r (n integer, org text, contact text,
	    kind text, dkim text, domain integer, np integer, report_id text, id bigint);
	CREATE TEMPORARY TABLE IF NOT EXISTS bench_p (n integer, ordinal integer, type text,
	    domain text, ok bigint, nd integer, result text, id bigint);
	CREATE TEMPORARY TABLE IF NOT EXISTS bench_f (n integer, ordinal integer, d integer,
	    result text, ip inet, host text, sender inet, failed bigint);
	CREATE INDEX IF NOT EXISTS bench_p_n ON bench_p (n, ordinal);
	CREATE INDEX IF NOT EXISTS bench_f_n ON bench_f (n, ordinal);
	FOR i IN 0 .. days - 1 LOOP
		day := first + i;
		PERFORM setseed(((day - date '2000-01-01') % 9973) / 9973.0);
		TRUNCATE bench_r, bench_p, bench_f;

		INSERT INTO bench_r
		SELECT n, o.org, o.contact, o.kind,
		    CASE WHEN random() < 0.001 THEN 'fail' ELSE 'pass' END,
		    1 + floor(domains * random() ^ 3)::integer,
		    CASE o.kind WHEN 'microsoft' THEN 2 WHEN 'small' THEN 1 + floor(random() * 3)::integer
			ELSE 1 END,
		    NULL, NULL
		FROM (SELECT n, random() AS pick FROM generate_series(1, per_day) n) g,
		LATERAL (SELECT CASE WHEN pick < 0.40 THEN 'Google Inc.'
			    WHEN pick < 0.65 THEN 'Microsoft Corporation'
			    WHEN pick < 0.72 THEN 'Mail.ru'
			    ELSE 'Reporter ' || (4 + floor((pick - 0.72) / 0.28 * 47)::integer) END AS org,
			CASE WHEN pick < 0.40 THEN 'smtp-tls-reporting@google.com'
			    WHEN pick < 0.65 THEN 'tlsrpt-noreply@microsoft.com'
			    WHEN pick < 0.72 THEN 'noreply-smtp-tls-reporting@corp.mail.ru'
			    ELSE 'tlsrpt@reporter' || (4 + floor((pick - 0.72) / 0.28 * 47)::integer) || '.example' END AS contact,
			CASE WHEN pick < 0.40 THEN 'google' WHEN pick < 0.65 THEN 'microsoft'
			    WHEN pick < 0.72 THEN 'mailru' ELSE 'small' END AS kind) o;
		-- Google and Microsoft send one report a day per domain.
		DELETE FROM bench_r r USING bench_r s
		WHERE r.kind IN ('google', 'microsoft') AND s.kind = r.kind
		  AND s.domain = r.domain AND s.n < r.n;
		UPDATE bench_r SET report_id = CASE kind
		    WHEN 'google' THEN day || 'T00:00:00Z_customer' || domain || '.example'
		    WHEN 'microsoft' THEN (133900000000000000 + (day - date '2020-01-01') * 100000 + n)
			|| '+customer' || domain || '.example'
		    ELSE md5(day || '/' || n || '/' || org) || '@' || split_part(contact, '@', 2) END;

		-- Policies: Microsoft's sts and tlsa for one domain, the small
		-- reporters' for neighbouring domains.
		INSERT INTO bench_p
		SELECT r.n, k, CASE WHEN r.kind = 'microsoft' AND k = 2 THEN 'tlsa' ELSE 'sts' END,
		    'customer' || CASE WHEN r.kind = 'microsoft' THEN r.domain
			ELSE (r.domain + k - 2) % domains + 1 END || '.example',
		    floor(10 + 3000 * random() ^ 2)::bigint,
		    CASE WHEN random() < 1.0 / 12 THEN 1 + floor(random() * 9)::integer ELSE 0 END,
		    (ARRAY['certificate-expired', 'starttls-not-supported', 'validation-failure',
			'sts-policy-fetch-error', 'certificate-host-mismatch', 'tlsa-invalid',
			'dnssec-invalid', 'certificate-not-trusted', 'sts-webpki-invalid',
			'sts-policy-invalid', 'dane-required'])[1 + floor(random() ^ 2 * 11)::integer],
		    NULL
		FROM bench_r r, generate_series(1, r.np) k;
		UPDATE bench_p t SET nd = s.nd, result = s.result
		FROM bench_p s, bench_r r
		WHERE r.kind = 'microsoft' AND t.n = r.n AND s.n = r.n AND t.ordinal = 2 AND s.ordinal = 1;
		INSERT INTO bench_f
		SELECT p.n, p.ordinal, k, p.result,
		    ('192.0.2.' || (1 + (p.n + k) % 250))::inet,
		    'mx' || (1 + k % 3) || '.' || p.domain,
		    ('198.51.100.' || (1 + (p.n * 7 + k) % 250))::inet,
		    1 + (p.n + k * 31) % 40
		FROM bench_p p, generate_series(1, p.nd) k;
		ANALYZE bench_r, bench_p, bench_f;

		INSERT INTO tlsrpt.reports (organization_name, contact_info, report_id, start_datetime,
		    end_datetime, raw, message_id, message_from, tls_report_domain,
		    tls_report_submitter, dkim, dkim_domain)
		SELECT r.org, r.contact, r.report_id, day::timestamp AT TIME ZONE 'UTC',
		    (day::timestamp + interval '23:59:59') AT TIME ZONE 'UTC',
		    jsonb_build_object('organization-name', r.org,
			'date-range', jsonb_build_object('start-datetime', day || 'T00:00:00Z',
			    'end-datetime', day || 'T23:59:59Z'),
			'contact-info', r.contact, 'report-id', r.report_id,
			'policies', (SELECT jsonb_agg(jsonb_build_object(
			    'policy', jsonb_build_object('policy-type', p.type,
				'policy-string', CASE p.type WHEN 'sts' THEN jsonb_build_array(
				    'version: STSv1', 'mode: enforce', 'mx: mx1.' || p.domain,
				    'mx: mx2.' || p.domain, 'max_age: 604800')
				    ELSE jsonb_build_array('3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6') END,
				'policy-domain', p.domain,
				'mx-host', jsonb_build_array('mx1.' || p.domain, 'mx2.' || p.domain)),
			    'summary', jsonb_build_object('total-successful-session-count', p.ok,
				'total-failure-session-count',
				(SELECT coalesce(sum(f.failed), 0) FROM bench_f f
				 WHERE f.n = p.n AND f.ordinal = p.ordinal)),
			    'failure-details', (SELECT coalesce(jsonb_agg(jsonb_build_object(
				'result-type', f.result, 'sending-mta-ip', host(f.sender),
				'receiving-ip', host(f.ip), 'receiving-mx-hostname', f.host,
				'failed-session-count', f.failed) ORDER BY f.d), '[]')
				FROM bench_f f WHERE f.n = p.n AND f.ordinal = p.ordinal))
			    ORDER BY p.ordinal)
			FROM bench_p p WHERE p.n = r.n)),
		    '<' || md5(r.report_id) || '@' || split_part(r.contact, '@', 2) || '>',
		    r.contact, 'customer' || r.domain || '.example', split_part(r.contact, '@', 2),
		    r.dkim, split_part(r.contact, '@', 2)
		FROM bench_r r
		ORDER BY r.n;
		UPDATE bench_r r SET id = t.id
		FROM tlsrpt.reports t
		WHERE t.start_datetime = day::timestamp AT TIME ZONE 'UTC' AND t.report_id = r.report_id
		  AND t.organization_name = r.org;

		INSERT INTO tlsrpt.policies (report, ordinal, policy_type, policy_domain,
		    policy_string, mx_host, total_successful_session_count,
		    total_failure_session_count, start_datetime)
		SELECT r.id, p.ordinal, p.type, p.domain,
		    CASE p.type WHEN 'sts' THEN ARRAY['version: STSv1', 'mode: enforce',
			'mx: mx1.' || p.domain, 'mx: mx2.' || p.domain, 'max_age: 604800']
			ELSE ARRAY['3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6'] END,
		    ARRAY['mx1.' || p.domain, 'mx2.' || p.domain], p.ok,
		    (SELECT coalesce(sum(f.failed), 0) FROM bench_f f WHERE f.n = p.n AND f.ordinal = p.ordinal),
		    day::timestamp AT TIME ZONE 'UTC'
		FROM bench_p p JOIN bench_r r ON r.n = p.n
		ORDER BY r.id, p.ordinal;
		UPDATE bench_p p SET id = t.id
		FROM bench_r r, tlsrpt.policies t
		WHERE r.n = p.n AND t.report = r.id AND t.ordinal = p.ordinal
		  AND t.start_datetime = day::timestamp AT TIME ZONE 'UTC' AND p.nd > 0;

		INSERT INTO tlsrpt.failure_details (policy, ordinal, result_type, sending_mta_ip,
		    receiving_ip, receiving_mx_hostname, failed_session_count, start_datetime)
		SELECT p.id, f.d, f.result, f.sender, f.ip, f.host, f.failed,
		    day::timestamp AT TIME ZONE 'UTC'
		FROM bench_f f JOIN bench_p p ON p.n = f.n AND p.ordinal = f.ordinal
		ORDER BY p.id, f.d;
		COMMIT;
	END LOOP;
END
$$;
