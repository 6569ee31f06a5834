/* render-metrics.h - a summary as Prometheus metrics
 *
 * The text exposition format (version 0.0.4) that node_exporter's
 * textfile collector reads: gauges of the window and of its last day per
 * policy domain, the ongoing incidents, each reporter's latest report,
 * the enforce verdicts, the reports not counted.  Names and labels are
 * documented in tlsrpt-report(1) and kept: a dashboard or an alert rule
 * rests on them.
 */
#ifndef TLSRPT_RENDER_METRICS_H
#define TLSRPT_RENDER_METRICS_H

#include <stdio.h>

#include "summary.h"

/* render_metrics - write summary to out as Prometheus metrics; now, in
 * seconds since the epoch, is what the reports' ages are counted from;
 * the caller checks out for write errors */
void render_metrics(FILE *out, const Summary *summary, gint64 now);

#endif
