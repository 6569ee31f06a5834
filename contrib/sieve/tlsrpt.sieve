# tlsrpt.sieve - hand TLS-RPT reports to tlsrpt-ingest, keep what it does
# not store
#
# The report address's mail goes to the filter.  "execute :pipe" is true
# when it exits 0: stored, or stored before; the message is then
# discarded, as an MTA transport would.  Anything else, a message that is
# not a report or a report the filter cannot store now (the database is
# down), is filed in tlsrpt-pending: Sieve cannot have the MTA retry a
# delivery, so the batch run of ../cron retries that folder instead.

require ["vnd.dovecot.execute", "fileinto", "mailbox"];

if address :is "to" "tlsrpt@example.org" {
	if execute :pipe "tlsrpt-ingest" ["-d", "service=tlsrpt"] {
		discard;
		stop;
	}
	fileinto :create "tlsrpt-pending";
	stop;
}
