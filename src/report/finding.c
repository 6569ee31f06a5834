/* finding.c - one thing a check found: its verdict, where, what, the fix */
#include "config.h"

#include "common/text.h"
#include "finding.h"

/* finding_new - a finding, the strings copied */
Finding *
finding_new(const char *check, Verdict verdict, const char *host,
    const char *address, const char *detail, const char *fix)
{
	Finding *finding = g_new0(Finding, 1);

	finding->check = g_strdup(check);
	finding->verdict = verdict;
	finding->host = g_strdup(host);
	finding->address = g_strdup(address);
	finding->detail = g_strdup(detail);
	finding->fix = g_strdup(fix);
	return finding;
}

/* finding_free - NULL-safe */
void
finding_free(Finding *finding)
{
	if (finding == NULL)
		return;
	g_free(finding->check);
	g_free(finding->host);
	g_free(finding->address);
	g_free(finding->detail);
	g_free(finding->fix);
	g_free(finding);
}

/* finding_verdict_name - "info", "pass", "warn" or "fail" */
const char *
finding_verdict_name(Verdict verdict)
{
	switch (verdict) {
	case VERDICT_INFO:	return "info";
	case VERDICT_PASS:	return "pass";
	case VERDICT_WARN:	return "warn";
	case VERDICT_FAIL:	return "fail";
	}
	return "fail";
}

/* finding_worst - the worst verdict of findings */
Verdict
finding_worst(const GPtrArray *findings)
{
	Verdict worst = VERDICT_PASS;

	for (guint i = 0; i < findings->len; i++) {
		const Finding *f = g_ptr_array_index(findings, i);

		worst = MAX(worst, f->verdict);
	}
	return worst;
}

/* finding_append_text - the finding's line, and its fix's */
void
finding_append_text(GString *out, const Finding *finding)
{
	text_append(out, finding->host, -1, TEXT_LINE, 0);
	if (finding->address != NULL) {
		g_string_append_c(out, '[');
		text_append(out, finding->address, -1, TEXT_LINE, 0);
		g_string_append_c(out, ']');
	}
	g_string_append_printf(out, ": %s: ", finding_verdict_name(finding->verdict));
	text_append(out, finding->detail, -1, TEXT_LINE, 0);
	if (finding->fix != NULL) {
		g_string_append(out, "\n    fix: ");
		text_append(out, finding->fix, -1, TEXT_LINE, 0);
	}
	g_string_append_c(out, '\n');
}
