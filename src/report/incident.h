/* incident.h - an incident said in words
 *
 * One failure as one fact: "certificate-expired on mx2.example.org since
 * 2026-11-28, 1,808 failed sessions seen by 2 reporters, still failing",
 * with the plain-English diagnosis of explain and the reasons reporters
 * gave.  The table, the html page, enforce's evidence and check's status
 * line all say an incident with these words.  The words hold what
 * reporters wrote (an MX host name, a reason): the caller makes them safe
 * for its output.
 */
#ifndef TLSRPT_INCIDENT_H
#define TLSRPT_INCIDENT_H

#include <glib.h>

#include "summary.h"

/* incident_cause - the failure and where, and since when (ongoing) or
 * from when to when (resolved): "certificate-expired on mx2.example.org
 * since 2026-11-28"; owned */
char *incident_cause(const SummaryIncident *incident);

/* incident_sentence - the whole fact in one sentence, its diagnosis and
 * the reasons reporters gave; owned */
char *incident_sentence(const SummaryIncident *incident);

/* incident_status - "ongoing" or "resolved"; static */
const char *incident_status(const SummaryIncident *incident);

#endif
