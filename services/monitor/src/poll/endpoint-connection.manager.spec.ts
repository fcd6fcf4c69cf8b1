import { type EndpointView } from '@prm/contracts';
import { PgConnectError } from '@prm/pg';

import { BackoffError, EndpointConnectionManager, MONITOR_APPLICATION_NAME } from './endpoint-connection.manager.js';

const endpoint: EndpointView = {
  id: 'e1',
  name: 'orders',
  host: 'db.internal',
  port: 5432,
  dbname: 'app',
  sslmode: 'require',
  cloud: 'aws',
  region: 'eu-west-1',
  network: 'vpc-1',
  role: 'primary',
  credential: { kind: 'env', user: 'prm', passwordEnv: 'PW' },
  logSource: { kind: 'none' },
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

const refused = () =>
  new PgConnectError({ code: 'connection-refused', message: 'connection refused', remedy: 'start it' });

describe('EndpointConnectionManager backoff (connect failures)', () => {
  let now = 1_000_000;
  const opened: { host: string; applicationName: string; statementTimeoutMs?: number; lockTimeoutMs?: number }[] = [];
  const manager = new EndpointConnectionManager(
    { resolve: async () => ({ user: 'prm', password: 'x' }) },
    { backoffBaseMs: 1000, backoffMaxMs: 60_000 },
    async (spec, opts) => {
      opened.push({ host: spec.host, ...opts });
      throw refused();
    },
    () => now,
  );
  const attempt = () => manager.run(endpoint, async () => 'never');

  it('opens with prm-monitor, 5 s statement_timeout and 1 s lock_timeout, and doubles the wait up to 60 s', async () => {
    await expect(attempt()).rejects.toThrow(PgConnectError);
    expect(opened).toEqual([
      expect.objectContaining({
        host: 'db.internal',
        applicationName: MONITOR_APPLICATION_NAME,
        statementTimeoutMs: 5000,
        lockTimeoutMs: 1000,
      }),
    ]);
    const waits: number[] = [manager.state('e1')!.retryAt!.getTime() - now];
    for (let i = 0; i < 8; i++) {
      // inside the window: no connection attempt, the cause that opened the window
      const err = await attempt().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackoffError);
      expect((err as BackoffError).pgCause.code).toBe('connection-refused');
      now = manager.state('e1')!.retryAt!.getTime();
      await expect(attempt()).rejects.toThrow(PgConnectError);
      waits.push(manager.state('e1')!.retryAt!.getTime() - now);
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(opened).toHaveLength(9);
    expect(manager.state('e1')).toMatchObject({ connected: false, failures: 9 });
  });

  it('forgets the backoff when the endpoint changes or is closed', async () => {
    await expect(manager.run({ ...endpoint, updatedAt: '2026-02-01T00:00:00.000Z' }, async () => 1)).rejects.toThrow(
      PgConnectError,
    );
    expect(manager.state('e1')?.failures).toBe(1);
    manager.retain([]);
    expect(manager.state('e1')).toBeNull();
  });
});
