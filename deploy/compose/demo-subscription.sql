-- Replica: one subscription to the publisher (creates its replication slot there and copies the tables).
-- Idempotent. psql variables: subname, publication, conninfo (carries the replication password).
SELECT format('CREATE SUBSCRIPTION %I CONNECTION %L PUBLICATION %I', :'subname', :'conninfo', :'publication')
WHERE NOT EXISTS (SELECT 1 FROM pg_subscription WHERE subname = :'subname') \gexec
