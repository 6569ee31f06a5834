/* gen-corpus.c - a realistic corpus of TLS-RPT report messages for the benchmark
 *
 * usage: gen-corpus MAILDIR COUNT [COPYDIR]
 *
 * Writes COUNT inputs into MAILDIR/cur (and a Maildir's new/ and tmp/), in
 * the shapes real reporters send: Google's multipart/report with a base64
 * gzip part, Microsoft's text/html part and sts + tlsa policies without a
 * time zone, Mail.ru's multipart/mixed with application/gzip, a small
 * reporter's plain JSON part, bare .json.gz files as saved from uploads;
 * a report in ten carries twenty failure-details; one input in two hundred
 * is not a report and one in two hundred is invalid.
 *
 * With COPYDIR, also writes the rows the valid reports must become, in
 * COPY text format (reports.copy, policies.copy, failure_details.copy), for
 * bare-copy: the floor a bare libpq COPY program reaches on this machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <zlib.h>

typedef struct corpus {
	const char	*dir;
	FILE		*reports, *policies, *details;
	long		 policy_id, detail_id;
} Corpus;

/* gzip - data gzip'd; owned */
static GBytes *
gzip(const char *data, gsize len)
{
	z_stream z = { 0 };
	gsize cap = deflateBound(&z, len) + 64;
	guint8 *out = g_malloc(cap);

	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		g_error("deflateInit2 failed");
	z.next_in = (guint8 *)data;
	z.avail_in = len;
	z.next_out = out;
	z.avail_out = cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		g_error("deflate failed");
	deflateEnd(&z);
	return g_bytes_new_take(out, z.total_out);
}

/* base64 - data in base64, 76 columns, CRLF-free as most MTAs store it */
static char *
base64(GBytes *bytes)
{
	gsize len;
	const guint8 *data = g_bytes_get_data(bytes, &len);
	g_autofree char *flat = g_base64_encode(data, len);
	GString *out = g_string_new(NULL);

	gsize n = strlen(flat);

	for (gsize i = 0; i < n; i += 76)
		g_string_append_printf(out, "%.76s\n", flat + i);
	return g_string_free(out, FALSE);
}

/* copy_text - s escaped for COPY's text format */
static char *
copy_text(const char *s)
{
	GString *out = g_string_new(NULL);

	if (s == NULL)
		return g_strdup("\\N");
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '\\': g_string_append(out, "\\\\"); break;
		case '\t': g_string_append(out, "\\t"); break;
		case '\n': g_string_append(out, "\\n"); break;
		case '\r': g_string_append(out, "\\r"); break;
		default: g_string_append_c(out, *s);
		}
	}
	return g_string_free(out, FALSE);
}

/* array_text - a JSON array of plain strings as a PostgreSQL array literal */
static char *
array_text(const char *const *items, int n)
{
	GString *out = g_string_new("{");

	for (int i = 0; i < n; i++) {
		g_string_append_printf(out, "%s\"", i ? "," : "");
		for (const char *p = items[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				g_string_append_c(out, '\\');
			g_string_append_c(out, *p);
		}
		g_string_append_c(out, '"');
	}
	g_string_append_c(out, '}');
	return g_string_free(out, FALSE);
}

/* json_strings - a JSON array of plain strings */
static void
json_strings(GString *json, const char *const *items, int n)
{
	g_string_append_c(json, '[');
	for (int i = 0; i < n; i++) {
		g_string_append_printf(json, "%s\"", i ? "," : "");
		for (const char *p = items[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				g_string_append_c(json, '\\');
			g_string_append_c(json, *p);
		}
		g_string_append_c(json, '"');
	}
	g_string_append_c(json, ']');
}

/* add_policy - one policy with its failure-details, to JSON and COPY rows */
static void
add_policy(Corpus *c, GString *json, long report, const char *start, int ordinal,
    const char *type, const char *domain, const char *const *strings, int nstrings,
    const char *const *mx, int nmx, long ok, int ndetails, const char *result)
{
	long policy = ++c->policy_id;
	long failed = 0;
	GString *details = g_string_new(NULL);

	for (int d = 0; d < ndetails; d++) {
		char ip[32], host[64];
		long count = 1 + (report + d) % 9;

		g_snprintf(ip, sizeof(ip), "192.0.2.%ld", (report + d) % 250 + 1);
		g_snprintf(host, sizeof(host), "mx%d.%s", d % 3 + 1, domain);
		failed += count;
		g_string_append_printf(details, "%s{\"result-type\":\"%s\","
		    "\"sending-mta-ip\":\"198.51.100.%d\",\"receiving-ip\":\"%s\","
		    "\"receiving-mx-hostname\":\"%s\",\"failed-session-count\":%ld}",
		    d ? "," : "", result, d % 250 + 1, ip, host, count);
		if (c->details != NULL)
			fprintf(c->details, "%ld\t%ld\t%d\t%s\t198.51.100.%d\t%s\t%s\t\\N\t%ld\t\\N\t\\N\t%sZ\n",
			    ++c->detail_id, policy, d + 1, result, d % 250 + 1, ip, host, count,
			    start);
	}
	g_string_append_printf(json, "%s{\"policy\":{\"policy-type\":\"%s\","
	    "\"policy-domain\":\"%s\"", ordinal > 1 ? "," : "", type, domain);
	if (nstrings > 0) {
		g_string_append(json, ",\"policy-string\":");
		json_strings(json, strings, nstrings);
	}
	if (nmx > 0) {
		g_string_append(json, ",\"mx-host\":");
		json_strings(json, mx, nmx);
	}
	g_string_append_printf(json, "},\"summary\":{\"total-successful-session-count\":%ld,"
	    "\"total-failure-session-count\":%ld}", ok, failed);
	if (ndetails > 0)
		g_string_append_printf(json, ",\"failure-details\":[%s]", details->str);
	g_string_append_c(json, '}');
	if (c->policies != NULL) {
		g_autofree char *s = nstrings ? array_text(strings, nstrings) : g_strdup("\\N");
		g_autofree char *m = nmx ? array_text(mx, nmx) : g_strdup("\\N");
		g_autofree char *se = copy_text(s);
		g_autofree char *me = copy_text(m);

		fprintf(c->policies, "%ld\t%ld\t%d\t%s\t%s\t%s\t%s\t%ld\t%ld\t%sZ\n", policy,
		    report, ordinal, type, domain, nstrings ? se : "\\N",
		    nmx ? me : "\\N", ok, failed, start);
	}
	g_string_free(details, TRUE);
}

/* write_file - write data to dir/name, or die */
static void
write_file(const char *dir, const char *name, const void *data, gsize len)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	FILE *f = fopen(path, "w");

	/* No g_file_set_contents: its fsync per file would make generating
	 * a hundred thousand messages the slowest part of the benchmark. */
	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		g_error("cannot write %s", path);
}

/* add_report - input number i */
static void
add_report(Corpus *c, long i)
{
	static const char *const sts[] = { "version: STSv1", "mode: testing",
	    "mx: mx1.example.org", "mx: mx2.example.org", "max_age: 604800" };
	static const char *const tlsa[] = {
	    "[\"3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6\"]" };
	static const char *const mx[] = { "mx1.example.org", "mx2.example.org" };
	static const char *const results[] = { "certificate-expired",
	    "starttls-not-supported", "validation-failure", "sts-policy-fetch-error" };
	int kind = i % 20;		/* 0-9 Google, 10-13 Microsoft, 14-15 Mail.ru,
					 * 16-17 small reporter, 18 bare file, 19 Google */
	int ndetails = i % 10 == 0 ? 20 : (int)(i % 4);
	const char *result = results[i % 4];
	char domain[64], start[32], end[32], name[128];
	const char *org, *contact;
	GString *json = g_string_new(NULL);
	g_autofree char *message = NULL;
	/* The year before today: a report from the future is refused. */
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autoptr(GDateTime) year = g_date_time_add_days(now, -366);
	g_autoptr(GDateTime) date = g_date_time_add_days(year, i % 365);
	g_autofree char *day = g_date_time_format(date, "%Y-%m-%d");

	g_snprintf(domain, sizeof(domain), "example%ld.org", i % 50);
	g_snprintf(start, sizeof(start), "%sT00:00:00", day);
	g_snprintf(end, sizeof(end), "%sT23:59:59", day);

	if (i % 200 == 7) {		/* not a report */
		message = g_strdup_printf("From: friend@example.net\nTo: tlsrpt@%s\n"
		    "Subject: lunch %ld\nMessage-ID: <lunch-%ld@example.net>\n\nNoon?\n",
		    domain, i, i);
		g_snprintf(name, sizeof(name), "%ld.M%ld.bench:2,S", 1795392000 + i, i);
		write_file(c->dir, name, message, strlen(message));
		g_string_free(json, TRUE);
		return;
	}
	if (kind >= 10 && kind <= 13) {
		org = "Microsoft Corporation";
		contact = "tlsrpt-noreply@microsoft.com";
	} else if (kind == 14 || kind == 15) {
		org = "Mail.ru";
		contact = "noreply-smtp-tls-reporting@corp.mail.ru";
	} else if (kind == 16 || kind == 17) {
		org = "mail.example.net";
		contact = NULL;
	} else {
		org = "Google Inc.";
		contact = "smtp-tls-reporting@google.com";
	}
	g_string_append_printf(json, "{\"organization-name\":\"%s\",\"date-range\":"
	    "{\"start-datetime\":\"%s%s\",\"end-datetime\":\"%s%s\"},\"contact-info\":",
	    org, start, kind >= 10 && kind <= 13 ? "" : "Z", end,
	    kind >= 10 && kind <= 13 ? "" : "Z");
	if (contact != NULL)
		g_string_append_printf(json, "\"%s\"", contact);
	else
		g_string_append(json, "null");
	g_string_append_printf(json, ",\"report-id\":\"%s_%s_%ld\",\"policies\":[",
	    start, domain, i);

	if (i % 200 == 13) {		/* invalid: a negative count */
		g_string_append_printf(json, "{\"policy\":{\"policy-type\":\"sts\"},"
		    "\"summary\":{\"total-successful-session-count\":-%ld,"
		    "\"total-failure-session-count\":0}}]}", i);
	} else {
		add_policy(c, json, i, start, 1, "sts", domain, sts, 5, mx,
		    kind == 14 || kind == 15 ? 0 : 2, 100 + i % 5000, ndetails, result);
		if (kind >= 10 && kind <= 13)
			add_policy(c, json, i, start, 2, "tlsa", domain, tlsa, 1, NULL, 0,
			    100 + i % 5000, 0, result);
		g_string_append(json, "]}");
		if (c->reports != NULL) {
			g_autofree char *raw = copy_text(json->str);
			char mid[64];

			g_snprintf(mid, sizeof(mid), "bench-%ld@%s", i, kind == 18 ? "-" : "reporter.example");
			fprintf(c->reports, "%ld\t%s\t%s\t%s_%s_%ld\t%sZ\t%sZ\t%s\t%s\t%s\t%s\t%s\n",
			    i, org, contact ? contact : "\\N", start, domain, i, start, end,
			    raw, kind == 18 ? "\\N" : mid, kind == 18 ? "\\N" : "tlsrpt@reporter.example",
			    kind == 18 ? "\\N" : domain, kind == 18 ? "\\N" : "reporter.example");
		}
	}

	if (kind == 18) {		/* a bare report file */
		g_autoptr(GBytes) gz = gzip(json->str, json->len);

		g_snprintf(name, sizeof(name), "%ld.M%ld.bench.json.gz", 1795392000 + i, i);
		write_file(c->dir, name, g_bytes_get_data(gz, NULL), g_bytes_get_size(gz));
	} else if (kind == 16 || kind == 17) {
		message = g_strdup_printf("From: postmaster@mail.example.net\n"
		    "To: tlsrpt@%s\nSubject: Report Domain: %s Submitter: mail.example.net\n"
		    "Message-ID: <bench-%ld@reporter.example>\nTLS-Report-Domain: %s\n"
		    "TLS-Report-Submitter: reporter.example\nMIME-Version: 1.0\n"
		    "Content-Type: multipart/report; report-type=\"tlsrpt\"; boundary=\"b\"\n\n"
		    "--b\nContent-Type: text/plain\n\nTLS report\n\n--b\n"
		    "Content-Type: application/tlsrpt+json\nContent-Transfer-Encoding: 8bit\n\n"
		    "%s\n--b--\n", domain, domain, i, domain, json->str);
	} else {
		g_autoptr(GBytes) gz = gzip(json->str, json->len);
		g_autofree char *b64 = base64(gz);
		gboolean ms = kind >= 10 && kind <= 13, ru = kind == 14 || kind == 15;

		message = g_strdup_printf("From: %s\nTo: tlsrpt@%s\n"
		    "Subject: Report Domain: %s Submitter: reporter.example Report-ID: <%ld@x>\n"
		    "Date: Sat, 21 Nov 2026 03:12:44 +0000\n"
		    "Message-ID: <bench-%ld@reporter.example>\nTLS-Report-Domain: %s\n"
		    "TLS-Report-Submitter: reporter.example\nMIME-Version: 1.0\n"
		    "Content-Type: %s; boundary=\"=_b%ld\"\n\n"
		    "--=_b%ld\nContent-Type: %s\n\nThis is an aggregate TLS report.\n\n"
		    "--=_b%ld\nContent-Type: %s; name=\"reporter.example!%s!%ld!%ld!001.json.gz\"\n"
		    "Content-Disposition: attachment; filename=\"reporter.example!%s!%ld!%ld!001.json.gz\"\n"
		    "Content-Transfer-Encoding: base64\n\n%s\n--=_b%ld--\n",
		    "tlsrpt@reporter.example", domain, domain, i, i, domain,
		    ru ? "multipart/mixed" : "multipart/report; report-type=tlsrpt", i, i,
		    ms ? "text/html" : "text/plain", i,
		    ru ? "application/gzip" : "application/tlsrpt+gzip",
		    domain, 1795392000 + i, 1795478399 + i, domain, 1795392000 + i,
		    1795478399 + i, b64, i);
	}
	if (message != NULL) {
		g_snprintf(name, sizeof(name), "%ld.M%ld.bench:2,S", 1795392000 + i, i);
		write_file(c->dir, name, message, strlen(message));
	}
	g_string_free(json, TRUE);
}

int
main(int argc, char **argv)
{
	Corpus c = { 0 };
	g_autofree char *cur = NULL;
	long count;

	if (argc < 3 || (count = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: gen-corpus MAILDIR COUNT [COPYDIR]\n");
		return 64;
	}
	cur = g_build_filename(argv[1], "cur", NULL);
	for (const char *sub = "cur"; sub != NULL; sub = strcmp(sub, "cur") == 0 ? "new"
	    : strcmp(sub, "new") == 0 ? "tmp" : NULL) {
		g_autofree char *d = g_build_filename(argv[1], sub, NULL);

		if (g_mkdir_with_parents(d, 0755) != 0)
			g_error("cannot create %s", d);
	}
	c.dir = cur;
	if (argc > 3) {
		g_autofree char *r = g_build_filename(argv[3], "reports.copy", NULL);
		g_autofree char *p = g_build_filename(argv[3], "policies.copy", NULL);
		g_autofree char *f = g_build_filename(argv[3], "failure_details.copy", NULL);

		g_mkdir_with_parents(argv[3], 0755);
		if ((c.reports = fopen(r, "w")) == NULL || (c.policies = fopen(p, "w")) == NULL
		    || (c.details = fopen(f, "w")) == NULL)
			g_error("cannot write in %s", argv[3]);
	}
	for (long i = 1; i <= count; i++)
		add_report(&c, i);
	if (c.reports != NULL && (fclose(c.reports) || fclose(c.policies) || fclose(c.details)))
		g_error("cannot write the COPY files");
	return 0;
}
