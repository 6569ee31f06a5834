/* store.c - stub, being written */
#include "config.h"
#include "store.h"
Store *store_new(const StoreOptions *options, GError **error) { return NULL; }
void store_free(Store *store) { }
gboolean store_put(Store *store, const Message *message, const Report *report, StoreResult *result, GError **error) { return FALSE; }
