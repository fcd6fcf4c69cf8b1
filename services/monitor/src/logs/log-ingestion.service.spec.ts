import { type EndpointStatus, type EndpointView, type LogSourceRef } from '@prm/contracts';
import { type LogCursorRepository, type NewReplicationError, type ReplicationErrorRepository } from '@prm/persistence';
import { type LogReader, type ServerLogEntry } from '@prm/pg';

import { type LogReaderFactory } from './log-reader.factory.js';
import { LogIngestionService, logSourceKey } from './log-ingestion.service.js';
import { type StreamLookup } from './stream-lookup.js';

const entry = (over: Partial<ServerLogEntry>): ServerLogEntry => ({
  at: '2026-11-29T15:25:17.000Z',
  severity: 'ERROR',
  sqlstate: null,
  message: 'x',
  detail: null,
  hint: null,
  context: null,
  backendType: null,
  pid: 1,
  user: null,
  database: null,
  applicationName: null,
  ...over,
});

/** In-memory doubles of the repositories, the stream lookup and a scripted reader. */
function setup(batches: ServerLogEntry[][]) {
  const stored: NewReplicationError[] = [];
  const cursors = new Map<string, Record<string, unknown>>();
  const readCursors: unknown[] = [];
  const reader: LogReader<number> = {
    read: (cursor) => {
      readCursors.push(cursor);
      const n = cursor ?? 0;
      return Promise.resolve({ entries: batches[n] ?? [], cursor: n + 1, bytesRead: 1, more: false });
    },
  };
  const errors = {
    insertMany: (rows: NewReplicationError[]) => (stored.push(...rows), Promise.resolve(rows.length)),
    unattachedSubscriptions: () =>
      Promise.resolve([
        ...new Set(stored.filter((r) => !r.streamId && r.subscriptionName).map((r) => r.subscriptionName!)),
      ]),
    attach: (_e: string, name: string, id: string) => {
      const rows = stored.filter((r) => r.subscriptionName === name && !r.streamId);
      rows.forEach((r) => (r.streamId = id));
      return Promise.resolve(rows.length);
    },
  } as unknown as ReplicationErrorRepository;
  const cursorRepo = {
    get: (id: string) => Promise.resolve(cursors.has(id) ? { position: cursors.get(id) } : null),
    save: (id: string, _k: string, p: Record<string, unknown>) => (cursors.set(id, p), Promise.resolve()),
  } as unknown as LogCursorRepository;
  const streams = new Map<string, string>();
  const lookup: StreamLookup = {
    findStreamId: (_e, name) => Promise.resolve(streams.get(`sub:${name}`) ?? null),
    findStreamIdBySlot: (_e, slot) => Promise.resolve(streams.get(`slot:${slot}`) ?? null),
  };
  const factory: LogReaderFactory = { create: (s) => (s.kind === 'none' ? null : (reader as LogReader<unknown>)) };
  const service = new LogIngestionService(errors, cursorRepo, lookup, factory);
  return { service, stored, cursors, readCursors, streams };
}

const endpoint = (logSource: LogSourceRef) => ({ id: 'ep1', name: 'sub', logSource }) as EndpointView;
const status = { subscriptions: [{ oid: 16396, name: 'orders_sub' }] } as unknown as EndpointStatus;
const file: LogSourceRef = { kind: 'file', path: '/var/log/pg.json', format: 'jsonlog' };

describe('LogIngestionService', () => {
  it('resolves the subscription from origin pg_<subid> via the status, and walsender errors by slot', async () => {
    const t = setup([
      [
        entry({
          message: 'logical replication target relation "public.t4" does not exist',
          context: 'processing remote data for replication origin "pg_16396" during message type "INSERT"',
        }),
        entry({ pid: 2, backendType: 'walsender', message: 'replication slot "orders_sub" is active for PID 9' }),
        entry({ pid: 3, backendType: 'client backend', message: 'syntax error' }),
      ],
    ]);
    t.streams.set('slot:orders_sub', 'stream-1');
    const r = await t.service.ingest(endpoint(file), status);
    expect(r).toMatchObject({ read: 3, kept: 2, inserted: 2, attached: 0 });
    expect(t.stored.map((s) => [s.subscriptionName, s.streamId, s.table, s.source])).toEqual([
      ['orders_sub', null, 'public.t4', 'postgres'],
      [null, 'stream-1', null, 'walsender'],
    ]);
    t.streams.set('sub:orders_sub', 'stream-2');
    expect((await t.service.ingest(endpoint(file), null)).attached).toBe(1);
    expect(t.stored[0].streamId).toBe('stream-2');
  });

  it('keeps the cursor and pid roles between reads; a changed source starts afresh; none reads nothing', async () => {
    const t = setup([
      [
        entry({
          severity: 'LOG',
          pid: 5,
          message: 'logical replication apply worker for subscription "s" has started',
        }),
      ],
      [entry({ pid: 5, message: 'could not receive data from WAL stream: x' })],
    ]);
    await t.service.ingest(endpoint(file), null);
    const r2 = await t.service.ingest(endpoint(file), null);
    expect(r2.errors[0]).toMatchObject({ subscriptionName: 's', source: 'logical replication apply worker' });
    expect(t.cursors.get('ep1')).toMatchObject({
      source: logSourceKey(file),
      reader: 2,
      roles: { '5': { kind: 'apply' } },
    });
    await t.service.ingest(endpoint({ kind: 'file', path: '/other.csv', format: 'csvlog' }), null);
    expect(t.readCursors).toEqual([null, 1, null]);
    expect(await t.service.ingest(endpoint({ kind: 'none' }), null)).toMatchObject({ read: 0, errors: [] });
    expect(
      ['rds', 'cloudwatch'].map((k) =>
        logSourceKey(
          k === 'rds'
            ? { kind: 'rds', instanceId: 'i', region: 'r' }
            : { kind: 'cloudwatch', logGroup: 'g', region: 'r' },
        ),
      ),
    ).toEqual(['rds:r:i', 'cloudwatch:r:g']);
  });
});
