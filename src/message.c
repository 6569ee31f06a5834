/* message.c - stub, being written */
#include "config.h"
#include "message.h"
Message *message_new(GBytes *input, GError **error) { return NULL; }
void message_free(Message *message) { }
