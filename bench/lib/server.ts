/**
 * The built all-in-one prm server (`dist/services/all-in-one/src/main.js`) as a child process on a free port, for
 * the API and console benchmarks (its CPU is then not shared with the load generator's event loop).
 */
import { type ChildProcess, spawn } from 'node:child_process';

import { TEST_AUTH_HEADER, expectEventually, freePort, repoRoot, testAuthEnv, testRedisUrl } from '@prm/testing';

export interface PrmServer {
  baseUrl: string;
  /** `Authorization` header value (an admin API token from testAuthEnv) for every API request. */
  authorization: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts prm on `databaseUrl` with Redis prefix `prefix`; the poll interval is one hour, so after the boot tick
 * (which sees whatever endpoints exist then) the monitor leaves seeded snapshots alone. `extraEnv` adds variables
 * (e.g. the passwords `env` credentials name).
 * @throws Error with prm's output when it exits or does not answer `GET /api/endpoints` within 60 s
 */
export async function startPrmServer(
  databaseUrl: string,
  prefix: string,
  extraEnv: Record<string, string> = {},
): Promise<PrmServer> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(process.execPath, ['dist/services/all-in-one/src/main.js'], {
    cwd: repoRoot(),
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PRM_PORT: String(port),
      PRM_HOST: '127.0.0.1',
      PRM_DATABASE_URL: databaseUrl,
      REDIS_URL: testRedisUrl(),
      PRM_REDIS_PREFIX: prefix,
      PRM_POLL_INTERVAL_MS: '3600000',
      ...testAuthEnv(),
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => (output = (output + c.toString('utf8')).slice(-8000)));
  child.stderr?.on('data', (c: Buffer) => (output = (output + c.toString('utf8')).slice(-8000)));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`prm exited with ${code}:\n${output}`))),
  );
  exited.catch(() => undefined);
  await Promise.race([
    exited,
    expectEventually(
      async () => {
        const res = await fetch(`${baseUrl}/api/endpoints`, { headers: { authorization: TEST_AUTH_HEADER } });
        if (!res.ok) throw new Error(`GET /api/endpoints: ${res.status}`);
      },
      { timeoutMs: 60_000, intervalMs: 250, message: 'prm all-in-one answering /api/endpoints' },
    ),
  ]);
  return {
    baseUrl,
    authorization: TEST_AUTH_HEADER,
    pid: child.pid ?? 0,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
