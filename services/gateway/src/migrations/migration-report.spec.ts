import type { MigrationRunView, MigrationStepView } from '@prm/contracts';
import { migrationReportMarkdown } from './migration-report.js';

const step = (over: Partial<MigrationStepView>): MigrationStepView => ({
  position: 1,
  endpointId: 'e1',
  endpointName: 'a-replica',
  status: 'succeeded',
  startedAt: '2026-01-01T00:00:00Z',
  finishedAt: '2026-01-01T00:00:01Z',
  durationMs: 1000,
  statementsRun: 2,
  statementsTotal: 2,
  error: null,
  note: null,
  ...over,
});

const run = (over: Partial<MigrationRunView>): MigrationRunView =>
  ({
    id: 'r1',
    name: 'add column',
    checksum: 'abc',
    status: 'failed',
    dryRun: false,
    nonTransactional: false,
    actor: 'anonymous',
    createdAt: '2026-01-01T00:00:00Z',
    startedAt: '2026-01-01T00:00:00Z',
    finishedAt: null,
    targetCount: 3,
    counts: {},
    sql: 'ALTER TABLE orders ADD COLUMN note text;',
    lockTimeoutMs: 5000,
    statementTimeoutMs: 60000,
    warnings: [],
    steps: [],
    ...over,
  }) as MigrationRunView;

describe('migrationReportMarkdown', () => {
  it('reports each target, the failing statement with SQLSTATE and line, warnings and the script', () => {
    const md = migrationReportMarkdown(
      run({
        steps: [
          step({ note: 'pipe | and\nnewline' }),
          step({
            position: 2,
            endpointName: 'b-replica',
            status: 'failed',
            finishedAt: null,
            durationMs: null,
            statementsRun: 0,
            error: {
              sqlstate: '42701',
              message: 'column "note" of relation "orders" already exists',
              detail: null,
              hint: 'drop it first',
              line: 4,
              position: 12,
              statement: 'ALTER TABLE orders ADD COLUMN note text',
              statementIndex: 0,
            },
          }),
          step({ position: 3, endpointName: 'c-replica', status: 'skipped', startedAt: null, finishedAt: null }),
        ],
        warnings: [{ code: 'destructive-on-subscriber', message: 'careful' }],
      } as Partial<MigrationRunView>),
    );
    expect(md).toContain('# Migration report: add column');
    expect(md).toContain('one transaction per target');
    expect(md).toContain('| 1 | a-replica | succeeded |');
    expect(md).toContain('pipe \\| and newline');
    expect(md).toContain('| 3 | c-replica | skipped | - | - |');
    expect(md).toContain('## Error on b-replica');
    expect(md).toContain('- SQLSTATE: 42701');
    expect(md).toContain('- Detail: -');
    expect(md).toContain('- Line: 4 (position 12 in the statement)');
    expect(md).toContain('- destructive-on-subscriber: careful');
    expect(md).toContain('```sql\nALTER TABLE orders ADD COLUMN note text;\n```');
  });

  it('says when a run was a dry run or ran outside a transaction', () => {
    const md = migrationReportMarkdown(
      run({ dryRun: true, nonTransactional: true, startedAt: null, status: 'succeeded' }),
    );
    expect(md).toContain('(dry run: rolled back on every target)');
    expect(md).toContain('statement by statement outside a transaction');
    expect(md).toContain('- Started: -; finished: -');
    expect(md).not.toContain('## Warnings');
    expect(md).not.toContain('## Error on');
  });
});
