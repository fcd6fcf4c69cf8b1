/** Tables of the demo database, in load order. */
export const DEMO_TABLES = [
  'pgbench_branches',
  'pgbench_tellers',
  'pgbench_accounts',
  'pgbench_history',
  'customers',
  'orders',
] as const;

/** The small tables replica-b subscribes to (publication `demo_pub_small`). */
export const DEMO_SMALL_TABLES = ['customers', 'orders'] as const;

/**
 * DDL of the demo schema: the pgbench tables (as `pgbench -i` makes them, plus a primary key on
 * pgbench_history so UPDATE/DELETE can be published) and two small shop tables.
 * On the publisher pgbench_accounts gets its primary key after the bulk load ({@link demoLoadSql}), which is
 * faster; subscribers get it up front so the initial table sync is a plain indexed COPY.
 */
export function demoSchemaSql(side: 'publisher' | 'subscriber'): string {
  const accountsPk = side === 'subscriber' ? 'PRIMARY KEY' : '';
  const fk = side === 'publisher' ? 'REFERENCES customers (id)' : '';
  return `
CREATE TABLE pgbench_branches (bid int PRIMARY KEY, bbalance int NOT NULL, filler char(88));
CREATE TABLE pgbench_tellers (tid int PRIMARY KEY, bid int NOT NULL, tbalance int NOT NULL, filler char(84));
CREATE TABLE pgbench_accounts (aid int NOT NULL ${accountsPk}, bid int NOT NULL, abalance int NOT NULL, filler char(84));
CREATE TABLE pgbench_history (hid bigserial PRIMARY KEY, tid int, bid int, aid int, delta int, mtime timestamp, filler char(22));
CREATE TABLE customers (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  customer_id bigint NOT NULL ${fk},
  amount numeric(12, 2) NOT NULL,
  status text NOT NULL DEFAULT 'new',
  created_at timestamptz NOT NULL DEFAULT now()
);`;
}

/** Row counts of a demo dataset. */
export interface DemoDatasetSize {
  accounts: number;
  branches: number;
  tellers: number;
  history: number;
  customers: number;
  orders: number;
}

/**
 * Sizes derived from the pgbench_accounts row count the way pgbench scales: one branch and ten tellers per
 * 100 000 accounts (at least one branch).
 */
export function demoDatasetSize(accounts: number): DemoDatasetSize {
  const rows = Math.max(1, Math.floor(accounts));
  const branches = Math.max(1, Math.ceil(rows / 100_000));
  return { accounts: rows, branches, tellers: branches * 10, history: 1000, customers: 1000, orders: 5000 };
}

/**
 * Statements that fill the publisher (generate_series, no COPY from the client), each run on its own so the
 * caller can time them. About 120 bytes per pgbench_accounts row: 2.5 M rows ≈ 300 MB plus a 55 MB index.
 */
export function demoLoadSql(size: DemoDatasetSize): string[] {
  return [
    `INSERT INTO pgbench_branches SELECT b, 0, '' FROM generate_series(1, ${size.branches}) b`,
    `INSERT INTO pgbench_tellers SELECT t, 1 + (t - 1) / 10, 0, '' FROM generate_series(1, ${size.tellers}) t`,
    `INSERT INTO pgbench_accounts SELECT a, 1 + (a - 1) / 100000, 0, '' FROM generate_series(1, ${size.accounts}) a`,
    'ALTER TABLE pgbench_accounts ADD PRIMARY KEY (aid)',
    `INSERT INTO pgbench_history (tid, bid, aid, delta, mtime, filler)
       SELECT 1 + h % ${size.tellers}, 1 + h % ${size.branches}, 1 + h % ${size.accounts}, (h % 1000) - 500,
              now() - make_interval(secs => h), ''
         FROM generate_series(1, ${size.history}) h`,
    `INSERT INTO customers (name, email)
       SELECT 'Customer ' || c, 'customer' || c || '@example.com' FROM generate_series(1, ${size.customers}) c`,
    `INSERT INTO orders (customer_id, amount, status)
       SELECT 1 + o % ${size.customers}, round((1 + (o * 7919) % 50000) / 100.0, 2),
              (ARRAY['new', 'paid', 'shipped'])[1 + o % 3]
         FROM generate_series(1, ${size.orders}) o`,
    'ANALYZE',
  ];
}
