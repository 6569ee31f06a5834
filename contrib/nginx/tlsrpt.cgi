#!/bin/sh
# tlsrpt.cgi - the CGI program the web server runs for rua=https: reports
#
# Web servers run a CGI program without arguments, so this one line gives
# them.  -t 30: answer 503 (the reporter retries) well before the web
# server or the reporter's client gives up on us.  The connection and its
# password are in the service file (see ../README): never on this line.
exec /usr/local/bin/tlsrpt-ingest --cgi -t 30 -d service=tlsrpt
