-- Publisher: seed rows once, a replication role for the subscriptions, publications demo_pub (both tables) and
-- demo_pub_small (customers). Idempotent. psql variable: replicator_password.
INSERT INTO customers (name, email)
SELECT 'customer ' || g, 'customer' || g || '@example.test' FROM generate_series(1, 1000) AS g
WHERE NOT EXISTS (SELECT 1 FROM customers);
INSERT INTO orders (customer_id, amount)
SELECT 1 + (g % 1000), round((g % 977) * 1.37, 2) FROM generate_series(1, 5000) AS g
WHERE NOT EXISTS (SELECT 1 FROM orders);

SELECT format('CREATE ROLE demo_replicator LOGIN REPLICATION PASSWORD %L', :'replicator_password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'demo_replicator') \gexec
SELECT format('ALTER ROLE demo_replicator PASSWORD %L', :'replicator_password') \gexec
GRANT SELECT ON customers, orders TO demo_replicator;

SELECT 'CREATE PUBLICATION demo_pub FOR TABLE customers, orders'
WHERE NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'demo_pub') \gexec
SELECT 'CREATE PUBLICATION demo_pub_small FOR TABLE customers'
WHERE NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'demo_pub_small') \gexec
