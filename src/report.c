/* report.c - stub, being written */
#include "config.h"
#include "report.h"
Report *report_new(const char *json, gsize len, GError **error) { return NULL; }
void report_free(Report *report) { }
char *report_to_json_string(const Report *report) { return NULL; }
