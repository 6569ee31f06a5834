-- upgrade.sql - bring a tlsrpt database of any earlier version to this one,
-- in one transaction: the tables (schema.sql, which copies version 2 rows
-- into the partitioned tables of version 3, keeping every id), the views
-- (views.sql) and the roles' grants (roles.sql).  Run it as a superuser
-- (roles.sql creates roles), from the directory it was installed in or
-- anywhere else (the files are found next to this one):
--     psql -v ON_ERROR_STOP=1 -d tlsrpt -f /usr/local/share/tlsrpt-ingest/upgrade.sql
-- Loading it again changes nothing.  A failure leaves the database as it
-- was.  Upgrade tlsrpt-ingest at the same time: the one of version 2
-- defers every report against these tables (and the MTA keeps them).

\set ON_ERROR_STOP on
BEGIN;
\ir schema.sql
\ir views.sql
\ir roles.sql
COMMIT;
