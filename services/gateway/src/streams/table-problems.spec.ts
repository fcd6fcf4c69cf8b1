import type { ReplicationErrorView, TableSyncView } from '@prm/contracts';
import { annotateTableProblems } from './table-problems.js';

const table = (name: string, state: TableSyncView['state'], problem: string | null = null): TableSyncView => ({
  table: name,
  state,
  stateLabel: state,
  rowsCopied: null,
  rowsEstimated: null,
  sizeBytes: null,
  progress: 0,
  retries: 0,
  etaSeconds: null,
  stalled: problem !== null,
  problem,
});

const error = (tableName: string | null, message: string, at: string): ReplicationErrorView => ({
  id: at,
  endpointId: 'e',
  streamId: 's',
  at,
  severity: 'ERROR',
  sqlstate: '55000',
  message,
  detail: null,
  context: null,
  source: 'logical replication worker',
  table: tableName,
  finishLsn: null,
});

describe('annotateTableProblems', () => {
  it('names the newest error of each table that is not ready, matching with or without the schema', () => {
    const errors = [
      error('public.t4', 'logical replication target relation "public.t4" does not exist', '2026-01-01T00:00:02Z'),
      error('t3', 'invalid input syntax', '2026-01-01T00:00:01Z'),
      error('public.t4', 'older', '2026-01-01T00:00:00Z'),
      error(null, 'no table', '2026-01-01T00:00:00Z'),
    ];
    const out = annotateTableProblems(
      [
        table('public.t4', 'd'),
        table('public.t3', 'i', 'no copy progress for 120 s'),
        table('public.t1', 'r'),
        table('public.t9', 'd'),
      ],
      errors,
    );
    expect(out[0].problem).toBe(
      'logical replication target relation "public.t4" does not exist (SQLSTATE 55000) at 2026-01-01T00:00:02Z',
    );
    expect(out[1].problem).toBe(
      'no copy progress for 120 s; last error: invalid input syntax (SQLSTATE 55000) at 2026-01-01T00:00:01Z',
    );
    expect(out[2].problem).toBeNull(); // ready tables are left alone
    expect(out[3].problem).toBeNull();
  });
});
