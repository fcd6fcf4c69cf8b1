import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';

import { expectEventually } from '@prm/testing';

/** Whether a Redis server answers PING at `url` within 2 s. */
export async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Thrown when no Redis answers and none can be started; the message says how to get one. */
export class RedisUnavailableError extends Error {}

/**
 * Makes sure Redis answers at `url`. When nothing answers on a loopback URL and `redis-server` is on PATH, starts
 * it as a child (`--save "" --appendonly no --daemonize no`, no persistence) and returns the child so the caller
 * stops it on exit; returns null when a server was already running.
 * @throws RedisUnavailableError with install instructions when no server answers and none can be started
 */
export async function ensureRedis(url: string, log: (line: string) => void): Promise<ChildProcess | null> {
  if (await redisAnswers(url)) {
    log(`redis: ${url} answers`);
    return null;
  }
  const parsed = new URL(url);
  const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(parsed.hostname);
  const hasBinary = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!local || !hasBinary) {
    throw new RedisUnavailableError(
      `nothing answers on REDIS_URL=${url} and ${local ? 'redis-server is not installed' : 'it is not a local address'}.\n` +
        'Install and start Redis, e.g.:\n  apt-get install -y redis-server && redis-server --daemonize yes\n' +
        'or point REDIS_URL at a running server, then run make demo again.',
    );
  }
  const port = parsed.port || '6379';
  log(`redis: nothing answers on ${url}; starting redis-server on 127.0.0.1:${port} (no persistence)`);
  const child = spawn(
    'redis-server',
    ['--port', port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  try {
    await expectEventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}: ${stderr}`);
        if (!(await redisAnswers(url))) throw new Error('redis-server does not answer PING yet');
      },
      { timeoutMs: 10_000, intervalMs: 200, message: 'redis-server start' },
    );
  } catch (error: unknown) {
    child.kill('SIGKILL');
    throw error;
  }
  return child;
}
