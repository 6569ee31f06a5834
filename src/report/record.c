/* record.c - judging a domain's TLS-RPT and MTA-STS DNS records
 *
 * Record selection follows RFC 8460 section 3: of the TXT records at
 * _smtp._tls.DOMAIN, those that do not start with v=TLSRPTv1 are
 * discarded; exactly one must be left.  The RFC's selection literal is
 * "v=TLSRPTv1;" while its grammar allows a space before the ";": such a
 * record is a warning, since strict reporters discard it.  Field names
 * and the version are case-sensitive; URI schemes are not (RFC 3986).
 * What a record holds is anyone's text: each finding and each record
 * shown passes through text_safe, so that a terminal shows its escapes.
 */
#include "config.h"

#include <string.h>

#include "common/error.h"
#include "common/text.h"
#include "finding.h"
#include "record.h"

/* What is being judged: one DNS name, and where its findings go. */
typedef struct judgement {
	const char	*check;		/* RECORD_CHECK_TLSRPT or _STS */
	const char	*name;		/* _smtp._tls.DOMAIN or _mta-sts.DOMAIN */
	const char	*domain;
	GPtrArray	*findings;	/* Finding, the record's */
	Verdict		 verdict;	/* the worst so far */
} Judgement;

/* record_say - one finding, with its fix (NULL: none); both may quote
 * the records */
G_GNUC_PRINTF(4, 5) static void
record_say(Judgement *j, Verdict verdict, const char *fix, const char *fmt, ...)
{
	g_autofree char *detail = NULL;
	va_list ap;

	va_start(ap, fmt);
	detail = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(j->findings, finding_new(j->check, verdict, j->name,
	    NULL, detail, fix));
	j->verdict = MAX(j->verdict, verdict);
}

/* record_is_wsp - a space or a tab, the record grammar's WSP */
static gboolean
record_is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* record_trim - text without WSP at either end, in place */
static char *
record_trim(char *text)
{
	char *end;

	while (record_is_wsp(*text))
		text++;
	end = text + strlen(text);
	while (end > text && record_is_wsp(end[-1]))
		*--end = '\0';
	return text;
}

/* record_starts_version - whether text starts with the version tag,
 * followed by the end, a ";" or WSP */
static gboolean
record_starts_version(const char *text, const char *version)
{
	size_t len = strlen(version);

	return strncmp(text, version, len) == 0 && (text[len] == '\0'
	    || text[len] == ';' || record_is_wsp(text[len]));
}

/* record_looks_like - whether text looks like a try at the version tag:
 * other case, spaces around "=" */
static gboolean
record_looks_like(const char *text, const char *version)
{
	g_autofree char *squeezed = g_strdup(text);
	char *o = squeezed;

	for (const char *p = text; *p != '\0' && *p != ';'; p++)
		if (!record_is_wsp(*p))
			*o++ = *p;
	*o = '\0';
	return g_ascii_strncasecmp(squeezed, version, strlen(version)) == 0;
}

/* record_field_name_ok - 1 to 32 letters, digits, "_", "-", ".", a letter
 * or digit first (RFC 8460 tlsrpt-ext-name) */
static gboolean
record_field_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > 32 || !g_ascii_isalnum(name[0]))
		return FALSE;
	for (size_t i = 1; i < len; i++)
		if (!g_ascii_isalnum(name[i]) && strchr("_-.", name[i]) == NULL)
			return FALSE;
	return TRUE;
}

/* record_value_ok - visible ASCII but "=" and ";" (tlsrpt-ext-value) */
static gboolean
record_value_ok(const char *value)
{
	if (*value == '\0')
		return FALSE;
	for (const char *p = value; *p != '\0'; p++)
		if (*p < 0x21 || *p > 0x7e || *p == '=' || *p == ';')
			return FALSE;
	return TRUE;
}

/* record_uri_usable - a mailto: address or an https: URL a reporter can use */
static gboolean
record_uri_usable(const char *uri)
{
	if (g_ascii_strncasecmp(uri, "mailto:", 7) == 0) {
		g_autofree char *address = g_strndup(uri + 7, strcspn(uri + 7, "?"));
		const char *at = strrchr(address, '@');

		return at != NULL && at != address && at[1] != '\0'
		    && strpbrk(address, " \t,;") == NULL;
	}
	if (g_ascii_strncasecmp(uri, "https://", 8) == 0)
		return uri[8] != '\0' && uri[8] != '/' && strpbrk(uri, " \t") == NULL;
	return FALSE;
}

/* record_bare_address - whether uri is a mail address a reporter could use
 * once "mailto:" is written before it */
static gboolean
record_bare_address(const char *uri)
{
	g_autofree char *mailto = g_strconcat("mailto:", uri, NULL);

	return strchr(uri, ':') == NULL && record_uri_usable(mailto);
}

/* record_rua - judge the URIs of one rua field; how many are usable */
static guint
record_rua(Judgement *j, const char *value, GString *usable)
{
	g_auto(GStrv) uris = g_strsplit(value, ",", -1);
	g_autofree char *fix = g_strdup_printf("write rua=mailto:tlsrpt@%s, or "
	    "rua=https://... for reports by HTTPS", j->domain);
	guint n = 0;

	for (char **u = uris; *u != NULL; u++) {
		char *uri = record_trim(*u);

		if (record_uri_usable(uri)) {
			g_string_append_printf(usable, "%s%s", usable->len ? ", " : "", uri);
			n++;
		} else if (*uri == '\0')
			record_say(j, VERDICT_WARN, "remove the extra comma",
			    "an empty address in rua");
		else if (g_ascii_strncasecmp(uri, "mailto:", 7) == 0
		    || g_ascii_strncasecmp(uri, "https:", 6) == 0)
			record_say(j, VERDICT_WARN, fix, "rua '%s' is not a usable "
			    "address: reporters skip it", uri);
		else if (record_bare_address(uri)) {
			g_autofree char *own = g_strdup_printf("write rua=mailto:%s",
			    uri);

			record_say(j, VERDICT_WARN, own, "rua '%s' is a mail address "
			    "without mailto:: reporters cannot use it", uri);
		} else
			record_say(j, VERDICT_WARN, fix, "rua '%s' is neither mailto: "
			    "nor https:: reporters cannot use it", uri);
	}
	return n;
}

/* record_tlsrpt_fields - judge the fields after v=TLSRPTv1 */
static void
record_tlsrpt_fields(Judgement *j, const char *text)
{
	g_autoptr(GString) usable = g_string_new(NULL);
	g_autofree char *add_rua = g_strdup_printf("add rua=mailto:tlsrpt@%s "
	    "(an address that can take a few mails a day)", j->domain);
	const char *p = text + strlen("v=TLSRPTv1");
	g_auto(GStrv) fields = NULL;
	guint ruas = 0;

	if (record_is_wsp(*p)) {
		while (record_is_wsp(*p))
			p++;
		if (*p == ';')
			record_say(j, VERDICT_WARN, "write \"v=TLSRPTv1;\" with no "
			    "space before the \";\"", "a space before the first \";\": "
			    "reporters that look for \"v=TLSRPTv1;\" discard the record");
	}
	if (*p != '\0' && *p != ';') {
		record_say(j, VERDICT_FAIL, "separate the fields with \";\", as in "
		    "\"v=TLSRPTv1; rua=mailto:...\"", "bad syntax: no \";\" after "
		    "v=TLSRPTv1");
		return;
	}
	fields = g_strsplit(*p == ';' ? p + 1 : p, ";", -1);
	for (char **f = fields; *f != NULL; f++) {
		char *field = record_trim(*f);
		char *eq = strchr(field, '=');
		char *name, *value;

		if (*field == '\0')
			continue;
		if (eq == NULL) {
			record_say(j, VERDICT_FAIL, "write each field as name=value",
			    "bad syntax: field '%s' has no \"=\"", field);
			continue;
		}
		*eq = '\0';
		name = field;
		value = eq + 1;
		if ((eq > field && record_is_wsp(eq[-1])) || record_is_wsp(*value)) {
			record_say(j, VERDICT_FAIL, "remove the spaces around \"=\"",
			    "bad syntax: spaces around \"=\" in field '%s'",
			    record_trim(name));
			continue;
		}
		if (strcmp(name, "rua") == 0) {
			ruas++;
			record_rua(j, value, usable);
		} else if (g_ascii_strcasecmp(name, "rua") == 0)
			record_say(j, VERDICT_WARN, "write rua= in lower case",
			    "field '%s' is not rua: field names are case-sensitive", name);
		else if (!record_field_name_ok(name) || !record_value_ok(value))
			record_say(j, VERDICT_FAIL, "fields are name=value, the value "
			    "without spaces, \"=\" or \";\"", "bad syntax in field '%s'", name);
		else
			record_say(j, VERDICT_WARN, "remove it, or check its spelling",
			    "unknown field '%s': reporters ignore it", name);
	}
	if (ruas == 0)
		record_say(j, VERDICT_WARN, add_rua, "no rua field: reporters have "
		    "nowhere to send reports");
	else if (usable->len == 0)
		record_say(j, VERDICT_WARN, add_rua, "no usable rua address: "
		    "reporters have nowhere to send reports");
	else if (j->verdict == VERDICT_PASS)
		record_say(j, VERDICT_PASS, NULL, "one TLS-RPT record; reports go to %s",
		    usable->str);
}

/* record_misplaced - where else a TLS-RPT record was published by mistake,
 * asked before deadline; owned, NULL if nowhere */
static char *
record_misplaced(const Dns *dns, const char *domain, gint64 deadline)
{
	/* The labels people write instead (swapped, one label, a dot for
	 * the underscore, _tcp as for SRV, the draft's name, the MTA-STS
	 * record's), the domain itself, and the domain twice: a zone file's
	 * name without its final dot. */
	static const char *const labels[] = { "_tls._smtp.", "_smtp_tls.",
	    "_smtp.tls.", "_smtp._tcp.", "_smtp-tlsrpt.", "_tlsrpt.",
	    "_mta-sts.", "" };
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);

	for (unsigned i = 0; i < G_N_ELEMENTS(labels); i++)
		g_ptr_array_add(names, g_strconcat(labels[i], domain, NULL));
	g_ptr_array_add(names, g_strdup_printf("_smtp._tls.%s.%s", domain, domain));
	for (guint i = 0; i < names->len; i++) {
		const char *name = g_ptr_array_index(names, i);
		/* A failure here must not hide the verdict on the real name. */
		g_autoptr(GPtrArray) records = dns_txt(dns, name, deadline,
		    NULL, NULL);

		for (guint k = 0; records != NULL && k < records->len; k++)
			if (record_looks_like(g_ptr_array_index(records, k), "v=TLSRPTv1"))
				return g_strdup(name);
	}
	return NULL;
}

/* record_select - RFC 8460's selection: the records that start with the
 * version, and those that look like a try at it; the last of the first */
static const char *
record_select(GPtrArray *records, const char *version, guint *candidates,
    guint *lookalikes)
{
	const char *chosen = NULL;

	for (guint i = 0; i < records->len; i++) {
		const char *text = g_ptr_array_index(records, i);

		if (record_starts_version(text, version)) {
			(*candidates)++;
			chosen = text;
		} else if (record_looks_like(text, version))
			(*lookalikes)++;
	}
	return chosen;
}

/* record_tlsrpt - judge the TXT records at _smtp._tls.DOMAIN, looking
 * for a misplaced one before deadline */
static void
record_tlsrpt(Judgement *j, const Dns *dns, gint64 deadline,
    GPtrArray *records)
{
	g_autofree char *publish = g_strdup_printf("publish TXT \"v=TLSRPTv1; "
	    "rua=mailto:tlsrpt@%s\" at %s", j->domain, j->name);
	const char *chosen;
	guint candidates = 0, lookalikes = 0;
	g_autofree char *elsewhere = NULL;

	chosen = record_select(records, "v=TLSRPTv1", &candidates, &lookalikes);
	if (candidates > 1) {
		record_say(j, VERDICT_FAIL, "keep one record; list several addresses "
		    "in its rua=, separated by commas", "%u TLS-RPT records: "
		    "reporters must ignore them all", candidates);
		return;
	}
	if (candidates == 1) {
		record_tlsrpt_fields(j, chosen);
		return;
	}
	if (lookalikes > 0) {
		record_say(j, VERDICT_FAIL, "start the record with exactly "
		    "\"v=TLSRPTv1;\"", "bad syntax: the version must be exactly "
		    "v=TLSRPTv1 (upper and lower case as written, no spaces)");
		return;
	}
	elsewhere = record_misplaced(dns, j->domain, deadline);
	if (elsewhere != NULL)
		record_say(j, VERDICT_FAIL, publish, "no TLS-RPT record here, but one "
		    "at %s, a name reporters never look at", elsewhere);
	else if (records->len > 0)
		record_say(j, VERDICT_FAIL, publish, "%u TXT record%s, none of them "
		    "v=TLSRPTv1: reporters send no reports", records->len,
		    records->len == 1 ? "" : "s");
	else
		record_say(j, VERDICT_FAIL, publish, "no TLS-RPT record: reporters "
		    "send no reports");
}

/* record_sts - judge the TXT records at _mta-sts.DOMAIN; the id of the
 * one good record, owned, or NULL */
static char *
record_sts(Judgement *j, GPtrArray *records)
{
	const char *chosen;
	guint candidates = 0, lookalikes = 0;
	g_auto(GStrv) fields = NULL;
	const char *id = NULL;

	chosen = record_select(records, "v=STSv1", &candidates, &lookalikes);
	if (candidates > 1) {
		record_say(j, VERDICT_FAIL, "keep one record", "%u MTA-STS records: "
		    "senders ignore them all", candidates);
		return NULL;
	}
	if (candidates == 0 && lookalikes > 0) {
		record_say(j, VERDICT_FAIL, "start the record with exactly \"v=STSv1;\"",
		    "bad syntax: the version must be exactly v=STSv1");
		return NULL;
	}
	if (candidates == 0 && record_select(records, "v=TLSRPTv1", &candidates,
	    &lookalikes) != NULL) {
		g_autofree char *move = g_strconcat("move it to _smtp._tls.",
		    j->domain, NULL);

		record_say(j, VERDICT_WARN, move, "a TLS-RPT record, published at "
		    "the wrong name; no MTA-STS record");
		return NULL;
	}
	if (candidates == 0) {
		record_say(j, VERDICT_INFO, NULL, "no MTA-STS record (optional): "
		    "senders are not asked to insist on TLS, so reports show "
		    "no-policy-found unless you publish DANE");
		return NULL;
	}
	fields = g_strsplit(chosen + strlen("v=STSv1"), ";", -1);
	for (char **f = fields; *f != NULL; f++) {
		char *field = record_trim(*f);

		if (strncmp(field, "id=", 3) == 0)
			id = field + 3;
	}
	if (id == NULL) {
		record_say(j, VERDICT_FAIL, "add id=, for example id=20261122T000000, "
		    "and change it whenever the policy changes",
		    "no id= field: senders ignore the record");
		return NULL;
	}
	if (*id == '\0' || strlen(id) > 32 || strspn(id,
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != strlen(id)) {
		record_say(j, VERDICT_FAIL, "use 1 to 32 letters and digits, for "
		    "example id=20261122T000000", "id '%s' is not 1 to 32 letters "
		    "and digits", id);
		return NULL;
	}
	record_say(j, VERDICT_PASS, NULL, "one MTA-STS record, id=%s", id);
	return g_strdup(id);
}

/* record_show - the findings about a name, then its records, quoted */
static void
record_show(GString *out, const Record *record, const char *check,
    GPtrArray *records)
{
	for (guint i = 0; i < record->findings->len; i++) {
		const Finding *f = g_ptr_array_index(record->findings, i);

		if (strcmp(f->check, check) == 0)
			finding_append_text(out, f);
	}
	for (guint i = 0; i < records->len; i++) {
		g_string_append(out, "    record: ");
		text_append(out, g_ptr_array_index(records, i), -1, TEXT_QUOTED, 0);
		g_string_append_c(out, '\n');
	}
}

/* record_domain - the domain a command line names, in lower case */
char *
record_domain(const char *text, GError **error)
{
	g_autofree char *bare = NULL;
	const char *domain = text;

	/* Forgive "_smtp._tls.example.org" and "example.org.". */
	if (g_str_has_prefix(domain, "_smtp._tls."))
		domain += strlen("_smtp._tls.");
	bare = g_ascii_strdown(domain, -1);
	if (g_str_has_suffix(bare, "."))
		bare[strlen(bare) - 1] = '\0';
	if (*bare == '\0' || strchr(bare, '.') == NULL || strpbrk(bare, " \t;,/@") != NULL) {
		g_set_error(error, TLSRPT_ERROR, ERROR_USAGE,
		    "'%s' is not a domain name", text);
		return NULL;
	}
	return g_steal_pointer(&bare);
}

/* record_txt - the TXT records at name, asked before deadline; owned, or
 * NULL and an error that says what went unanswered */
static GPtrArray *
record_txt(const Dns *dns, const char *name, gint64 deadline, GError **error)
{
	g_autoptr(GError) dns_error = NULL;
	GPtrArray *records = dns_txt(dns, name, deadline, NULL, &dns_error);

	if (records == NULL)
		g_propagate_error(error, g_steal_pointer(&dns_error));
	return records;
}

/* record_judge - look up and judge the records of domain */
Record *
record_judge(const Dns *dns, const char *domain, gint64 deadline,
    GError **error)
{
	g_autoptr(Record) record = g_new0(Record, 1);
	g_autofree char *tlsrpt_name = g_strconcat("_smtp._tls.", domain, NULL);
	g_autofree char *sts_name = g_strconcat("_mta-sts.", domain, NULL);
	GPtrArray *findings = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)finding_free);
	Judgement tlsrpt = { RECORD_CHECK_TLSRPT, tlsrpt_name, domain, findings,
	    VERDICT_PASS };
	Judgement sts = { RECORD_CHECK_STS, sts_name, domain, findings,
	    VERDICT_PASS };

	record->findings = findings;
	record->tlsrpt_records = record_txt(dns, tlsrpt_name, deadline, error);
	if (record->tlsrpt_records == NULL)
		return NULL;
	record->sts_records = record_txt(dns, sts_name, deadline, error);
	if (record->sts_records == NULL)
		return NULL;
	record_tlsrpt(&tlsrpt, dns, deadline, record->tlsrpt_records);
	record->sts_id = record_sts(&sts, record->sts_records);
	record->status = (RecordStatus)MAX(tlsrpt.verdict, sts.verdict);
	return g_steal_pointer(&record);
}

/* record_text - the findings and records, as record prints them */
char *
record_text(const Record *record)
{
	GString *out = g_string_new(NULL);

	record_show(out, record, RECORD_CHECK_TLSRPT, record->tlsrpt_records);
	record_show(out, record, RECORD_CHECK_STS, record->sts_records);
	return g_string_free(out, FALSE);
}

/* record_free - NULL-safe */
void
record_free(Record *record)
{
	if (record == NULL)
		return;
	if (record->findings != NULL)
		g_ptr_array_unref(record->findings);
	if (record->tlsrpt_records != NULL)
		g_ptr_array_unref(record->tlsrpt_records);
	if (record->sts_records != NULL)
		g_ptr_array_unref(record->sts_records);
	g_free(record->sts_id);
	g_free(record);
}
