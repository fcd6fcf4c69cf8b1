import { Redis } from 'ioredis';
import pg from 'pg';

import { expectEventually } from './expect-eventually.js';
import { freePort } from './ports.js';
import { flushRedisPrefix, testRedisPrefix, testRedisUrl } from './redis.js';
import { createTestDatabase } from './test-database.js';

describe('expectEventually', () => {
  it('retries until the callback stops throwing and returns its value', async () => {
    let calls = 0;
    const value = await expectEventually(
      () => {
        calls += 1;
        expect(calls).toBeGreaterThanOrEqual(3);
        return calls * 10;
      },
      { intervalMs: 1 },
    );
    expect(value).toBe(30);
  });

  it('rethrows the last error with the message and attempt count on timeout', async () => {
    await expect(
      expectEventually(
        () => {
          throw new Error('still 0 rows');
        },
        { timeoutMs: 30, intervalMs: 5, message: 'rows arrive' },
      ),
    ).rejects.toThrow(/^rows arrive: not true after 30 ms \(\d+ attempts\): still 0 rows$/);
  });

  it('stops retrying when its signal is aborted', async () => {
    const controller = new AbortController();
    let calls = 0;
    const started = Date.now();
    await expect(
      expectEventually(
        () => {
          calls += 1;
          if (calls === 2) controller.abort();
          throw new Error('process exited');
        },
        { timeoutMs: 10_000, intervalMs: 1, signal: controller.signal },
      ),
    ).rejects.toThrow(/^aborted after 2 attempts: process exited$/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('wraps non-Error throws', async () => {
    await expect(
      expectEventually(
        () => {
          throw 'nope';
        },
        { timeoutMs: 1, intervalMs: 1 },
      ),
    ).rejects.toThrow(/nope/);
  });
});

describe('freePort', () => {
  it('returns bindable loopback ports other than 5432 and 6379', async () => {
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    for (const port of ports) expect(port).not.toBe(5432);
    expect(ports.every((p) => p > 1024 && p < 65536)).toBe(true);
  });
});

describe('createTestDatabase (real PostgreSQL on 127.0.0.1:5432)', () => {
  it('creates a uniquely named prm_test database that can be dropped', async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase('monitor-poll')]);
    expect(a.name).toMatch(/^prm_test_\d+_[0-9a-f]{8}$/);
    expect(b.name).toMatch(/^prm_test_monitor_poll_\d+_[0-9a-f]{8}$/);
    const client = new pg.Client({ connectionString: a.url });
    await client.connect();
    const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
    await client.end();
    expect(rows[0].db).toBe(a.name);
    await Promise.all([a.drop(), b.drop()]);
    await a.drop(); // idempotent
    const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
    const left = await admin.query('SELECT 1 FROM pg_database WHERE datname = ANY($1)', [[a.name, b.name]]);
    await admin.end();
    expect(left.rowCount).toBe(0);
  });
});

describe('Redis prefixes (real Redis)', () => {
  it('flushes only the keys under the prefix', async () => {
    const prefix = testRedisPrefix('helpers spec');
    const other = testRedisPrefix('helpers spec');
    expect(prefix).not.toBe(other);
    expect(prefix).toMatch(/^prm-test:helpers_spec:\d+:[0-9a-f]{8}:$/);
    const redis = new Redis(testRedisUrl());
    try {
      await redis.mset(`${prefix}a`, '1', `${prefix}b*`, '2', `${other}a`, '3');
      expect(await flushRedisPrefix(prefix)).toBe(2);
      expect(await redis.exists(`${prefix}a`, `${prefix}b*`)).toBe(0);
      expect(await redis.get(`${other}a`)).toBe('3');
      expect(await flushRedisPrefix(other)).toBe(1);
    } finally {
      redis.disconnect();
    }
  });

  it('refuses an empty prefix', async () => {
    await expect(flushRedisPrefix('')).rejects.toThrow(/non-empty prefix/);
  });
});
