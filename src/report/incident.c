/* incident.c - an incident said in words */
#include "config.h"

#include <string.h>

#include "explain.h"
#include "incident.h"

/* incident_where - the failure and its MX host, into text */
static void
incident_where(GString *text, const SummaryIncident *incident)
{
	g_string_append(text, incident->result_type ? incident->result_type
	    : "a failure without a result type");
	if (incident->mx_host != NULL)
		g_string_append_printf(text, " on %s", incident->mx_host);
}

/* incident_when - since when, or from when to when, into text */
static void
incident_when(GString *text, const SummaryIncident *incident)
{
	if (incident->ongoing)
		g_string_append_printf(text, " since %s", incident->first_day);
	else if (strcmp(incident->first_day, incident->last_day) == 0)
		g_string_append_printf(text, " on %s", incident->first_day);
	else
		g_string_append_printf(text, " from %s to %s", incident->first_day,
		    incident->last_day);
}

/* incident_cause - the failure, where, and when */
char *
incident_cause(const SummaryIncident *incident)
{
	GString *text = g_string_new(NULL);

	incident_where(text, incident);
	incident_when(text, incident);
	return g_string_free(text, FALSE);
}

/* incident_quote - the strings of list, quoted, ", " between them */
static void
incident_quote(GString *text, const SummaryList *list)
{
	for (guint i = 0; i < list->len; i++)
		g_string_append_printf(text, "%s\"%s\"", i > 0 ? ", " : "",
		    (const char *)g_ptr_array_index(list, i));
}

/* incident_sentence - the whole fact in one sentence */
char *
incident_sentence(const SummaryIncident *incident)
{
	GString *text = g_string_new(NULL);
	char count[32];

	incident_where(text, incident);
	if (incident->ips->len > 0) {
		g_string_append(text, " (");
		for (guint i = 0; i < incident->ips->len; i++)
			g_string_append_printf(text, "%s%s", i > 0 ? ", " : "",
			    (const char *)g_ptr_array_index(incident->ips, i));
		g_string_append_c(text, ')');
	}
	incident_when(text, incident);
	g_string_append_printf(text, ", %s failed session%s seen by %" G_GINT64_FORMAT
	    " reporter%s, %s: %s.", summary_count(incident->failed, count),
	    incident->failed == 1 ? "" : "s", incident->reporters,
	    incident->reporters == 1 ? "" : "s",
	    incident->ongoing ? "still failing" : "resolved",
	    explain_diagnosis(incident->result_type));
	if (incident->reason_codes->len + incident->additional_information->len > 0) {
		g_string_append(text, " The reporters said: ");
		incident_quote(text, incident->reason_codes);
		if (incident->reason_codes->len > 0
		    && incident->additional_information->len > 0)
			g_string_append(text, ", ");
		incident_quote(text, incident->additional_information);
		g_string_append_c(text, '.');
	}
	return g_string_free(text, FALSE);
}

/* incident_status - "ongoing" or "resolved" */
const char *
incident_status(const SummaryIncident *incident)
{
	return incident->ongoing ? "ongoing" : "resolved";
}
