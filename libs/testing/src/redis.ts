import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** Redis used by tests: `REDIS_URL`, default redis://127.0.0.1:6379. */
export function testRedisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/**
 * A key prefix unique to this test file and process, e.g. `prm-test:monitor-poll:4242:1a2b3c4d:`.
 * Pass it as the BullMQ `prefix` / ioredis `keyPrefix` so parallel test files never share keys.
 */
export function testRedisPrefix(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_.-]/g, '_');
  return `prm-test:${clean}:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** Escapes the glob characters of Redis `MATCH` patterns. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (ch) => `\\${ch}`);
}

/**
 * Deletes every key starting with `prefix` using `SCAN ... MATCH` (never `KEYS`) and `UNLINK` in batches.
 * @returns the number of keys deleted
 * @throws the ioredis connection error when Redis does not answer
 */
export async function flushRedisPrefix(prefix: string, url = testRedisUrl()): Promise<number> {
  if (!prefix) throw new Error('flushRedisPrefix needs a non-empty prefix (it would delete every key)');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
