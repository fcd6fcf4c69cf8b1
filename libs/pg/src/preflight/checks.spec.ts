import {
  checkColumns,
  checkNames,
  checkNotRdsProxy,
  checkReachable,
  checkReplicaIdentity,
  checkReplicationRole,
  checkSourceCapacity,
  checkSourceTables,
  checkTargetEmpty,
  checkTargetTables,
  checkTargetWorkers,
  checkVersions,
  checkWalLevel,
} from './checks.js';
import type { SourceFacts, TableFact, TargetFacts } from './facts.js';

const table = (over: Partial<TableFact> = {}): TableFact => ({
  requested: 'public.t',
  qualified: 'public.t',
  schema: 'public',
  name: 't',
  relkind: 'r',
  hasPrimaryKey: true,
  replicaIdentity: 'default',
  hasReplicaIdentityIndex: false,
  columns: [{ name: 'id', type: 'integer', notNull: true, hasDefault: false, generated: false }],
  sizeBytes: 8192,
  estimatedRows: 1,
  hasRows: null,
  canSelect: null,
  ...over,
});
const source = (over: Partial<SourceFacts> = {}): SourceFacts => ({
  serverVersionNum: 170002,
  walLevel: 'logical',
  maxReplicationSlots: 10,
  usedReplicationSlots: 0,
  maxWalSenders: 10,
  usedWalSenders: 0,
  rdsLogicalReplication: null,
  cloudsqlLogicalDecoding: null,
  slotExists: false,
  publicationExists: false,
  publicationTables: [],
  publicationAllTables: false,
  tables: [table()],
  ...over,
});
const target = (over: Partial<TargetFacts> = {}): TargetFacts => ({
  serverVersionNum: 150004,
  maxLogicalReplicationWorkers: 4,
  maxWorkerProcesses: 8,
  usedLogicalReplicationWorkers: 0,
  subscriptionExists: false,
  tables: [table()],
  ...over,
});

describe('preflight checks', () => {
  it('wal_level fix is provider-specific', () => {
    expect(checkWalLevel(source(), 'aws').outcome).toBe('pass');
    expect(checkWalLevel(source({ walLevel: 'replica' }), 'aws').fix).toContain('rds.logical_replication = 1');
    expect(checkWalLevel(source({ walLevel: 'replica' }), 'gcp').fix).toContain('cloudsql.logical_decoding = on');
    expect(checkWalLevel(source({ walLevel: 'replica' }), 'other').fix).toContain('ALTER SYSTEM SET wal_level');
    expect(checkWalLevel(source({ walLevel: 'replica', rdsLogicalReplication: 'off' }), 'other').fix).toContain(
      'parameter group',
    );
  });

  it('slots, WAL senders and workers: fail when none is free, warn when one is', () => {
    expect(checkSourceCapacity(source({ usedReplicationSlots: 10, usedWalSenders: 10 })).map((c) => c.outcome)).toEqual(
      ['fail', 'fail'],
    );
    expect(checkSourceCapacity(source({ usedReplicationSlots: 9, usedWalSenders: 9 })).map((c) => c.outcome)).toEqual([
      'warn',
      'warn',
    ]);
    expect(checkTargetWorkers(target({ usedLogicalReplicationWorkers: 4 })).outcome).toBe('fail');
    expect(checkTargetWorkers(target({ usedLogicalReplicationWorkers: 3 })).outcome).toBe('warn');
    expect(checkTargetWorkers(target()).outcome).toBe('pass');
  });

  it('versions and options', () => {
    expect(checkVersions(source(), target(), { origin: 'none' }).outcome).toBe('fail');
    expect(checkVersions(source(), target(), { disableOnError: true, streaming: 'on', binary: true }).outcome).toBe(
      'pass',
    );
    expect(checkVersions(source({ serverVersionNum: 90600 }), target(), {}).outcome).toBe('fail');
  });

  it('replication role and SELECT', () => {
    const [role, read] = checkReplicationRole({ user: 'r', canReplicate: false, canSelect: { 'public.t': false } }, [
      table(),
    ]);
    expect(role.fix).toContain('GRANT rds_replication TO r');
    expect(read.fix).toBe('GRANT SELECT ON public.t TO r');
  });

  it('tables, replica identity, columns, emptiness, names, proxies', () => {
    expect(checkSourceTables(source({ tables: [] })).outcome).toBe('fail');
    expect(checkSourceTables(source({ tables: [table({ qualified: null })] })).outcome).toBe('fail');
    expect(checkSourceTables(source({ tables: [table({ relkind: 'v' })] })).outcome).toBe('fail');
    const noKey = table({ hasPrimaryKey: false });
    expect(checkReplicaIdentity(source({ tables: [noKey] })).outcome).toBe('warn');
    expect(
      checkReplicaIdentity(source({ tables: [table({ hasPrimaryKey: false, replicaIdentity: 'full' })] })).outcome,
    ).toBe('pass');
    expect(checkTargetTables(target({ tables: [table({ qualified: null })] })).outcome).toBe('fail');
    const extra = table({
      columns: [
        { name: 'id', type: 'bigint', notNull: true, hasDefault: false, generated: false },
        { name: 'x', type: 'text', notNull: true, hasDefault: false, generated: false },
      ],
    });
    const cols = checkColumns(source(), target({ tables: [extra] }));
    expect(cols.detail).toContain('public.t.id is integer on the source, bigint on the target');
    expect(cols.detail).toContain('public.t.x exists only on the target and is NOT NULL without a default');
    expect(checkColumns(source(), target({ tables: [table({ columns: [] })] })).detail).toContain(
      'missing on the target',
    );
    expect(checkTargetEmpty(target({ tables: [table({ hasRows: true })] }), true).outcome).toBe('warn');
    expect(checkTargetEmpty(target({ tables: [table({ hasRows: true })] }), false).outcome).toBe('pass');
    expect(checkTargetEmpty(target({ tables: [table({ hasRows: false })] }), true).outcome).toBe('pass');
    expect(checkTargetEmpty(target(), true).outcome).toBe('warn');
    const names = { publication: 'p', subscription: 's', slot: 's' };
    expect(
      checkNames(
        source({ publicationExists: true, slotExists: true }),
        target({ subscriptionExists: true }),
        names,
        false,
      ).map((c) => c.outcome),
    ).toEqual(['fail', 'fail', 'fail']);
    expect(checkNames(source(), target(), names, true)[0].outcome).toBe('fail');
    expect(checkNames(source({ publicationExists: true }), target(), names, true)[0].detail).toContain(
      'does not publish',
    );
    expect(
      checkNames(source({ publicationExists: true, publicationAllTables: true }), target(), names, true)[0].outcome,
    ).toBe('pass');
    expect(checkNotRdsProxy('prm.proxy-abc123.us-east-1.rds.amazonaws.com').outcome).toBe('fail');
    expect(checkNotRdsProxy('db.abc123.us-east-1.rds.amazonaws.com').outcome).toBe('pass');
    expect(
      checkReachable('x', 'source', 'X', { code: 'auth-failed', message: 'm', remedy: 'r', sqlstate: '28P01' }),
    ).toMatchObject({
      outcome: 'fail',
      code: '28P01',
      fix: 'r',
    });
  });
});
