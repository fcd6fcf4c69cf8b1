import fc from 'fast-check';

import {
  DEFAULT_BACKFILL_OPTIONS,
  estimateBackfill,
  readBackfillTracking,
  simulateSyncQueue,
  tableProgress,
} from './backfill.estimator.js';
import type {
  BackfillEstimate,
  BackfillObservation,
  BackfillOptions,
  BackfillTracking,
  TableObservation,
} from './backfill.types.js';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const OPTS: BackfillOptions = { stallAfterMs: 30_000, rateAlpha: 0.5 };

/** A table of `size` heap bytes and `rows` estimated rows; `copied` rows so far when copying. */
function tbl(table: string, state: TableObservation['state'], over: Partial<TableObservation> = {}): TableObservation {
  return {
    table,
    state,
    rowsCopied: null,
    bytesCopied: null,
    rowsEstimated: 100,
    sizeBytes: 1000,
    ...over,
  };
}

function obs(
  seconds: number,
  tables: TableObservation[],
  over: Partial<BackfillObservation> = {},
): BackfillObservation {
  return { at: new Date(T0 + seconds * 1000), tables, syncErrorCount: 0, maxSyncWorkers: 2, ...over };
}

/** Feeds observations in order, storing the tracking through JSON as the monitor's jsonb column would. */
function run(observations: BackfillObservation[], opts = OPTS, start: BackfillTracking | null = null) {
  let tracking = start;
  const out: BackfillEstimate[] = [];
  for (const o of observations) {
    const e = estimateBackfill(tracking, o, opts);
    out.push(e);
    tracking = JSON.parse(JSON.stringify(e.tracking)) as BackfillTracking;
  }
  return { out, last: out[out.length - 1], tracking };
}

const byName = (e: BackfillEstimate, name: string) => e.tables.find((t) => t.table === name);

describe('tableProgress', () => {
  it.each<[string, TableObservation, number | null]>([
    ['init is 0', tbl('a', 'i'), 0],
    ['copy finished (f) is 1', tbl('a', 'f'), 1],
    ['synchronized (s) is 1', tbl('a', 's'), 1],
    ['ready (r) is 1', tbl('a', 'r'), 1],
    ['copying: rows / estimated rows', tbl('a', 'd', { rowsCopied: 25, bytesCopied: 999 }), 0.25],
    ['copying: capped at 0.99 when rows exceed the estimate', tbl('a', 'd', { rowsCopied: 150 }), 0.99],
    [
      'copying without a row estimate: COPY bytes / (0.9 × heap bytes)',
      tbl('a', 'd', { rowsEstimated: null, rowsCopied: 5, bytesCopied: 450 }),
      0.5,
    ],
    [
      'copying, row estimate 0 (analyzed empty): COPY bytes',
      tbl('a', 'd', { rowsEstimated: 0, rowsCopied: 5, bytesCopied: 90 }),
      0.1,
    ],
    ['copying, bytes fallback capped at 0.99', tbl('a', 'd', { rowsEstimated: null, bytesCopied: 5000 }), 0.99],
    ['copying, no progress row visible: unknown', tbl('a', 'd'), null],
    [
      'copying, no estimate and no size: unknown',
      tbl('a', 'd', { rowsEstimated: null, sizeBytes: null, bytesCopied: 9 }),
      null,
    ],
  ])('%s', (_name, table, expected) => {
    expect(tableProgress(table)).toBe(expected);
  });
});

describe('simulateSyncQueue', () => {
  it.each<[string, Parameters<typeof simulateSyncQueue>, Record<string, number>]>([
    [
      '3 tables, 2 workers: the queued one starts when the first worker frees',
      [
        [
          { table: 'a', remaining: 50, copying: true },
          { table: 'b', remaining: 80, copying: true },
          { table: 'c', remaining: 100, copying: false },
        ],
        2,
        10,
      ],
      { a: 5, b: 8, c: 15 },
    ],
    [
      '3 tables, 3 workers: all at once',
      [
        [
          { table: 'a', remaining: 50, copying: true },
          { table: 'b', remaining: 80, copying: true },
          { table: 'c', remaining: 100, copying: false },
        ],
        3,
        10,
      ],
      { a: 5, b: 8, c: 10 },
    ],
    [
      '1 worker: strictly one after the other, queue in the given order',
      [
        [
          { table: 'a', remaining: 10, copying: true },
          { table: 'b', remaining: 30, copying: false },
          { table: 'c', remaining: 20, copying: false },
        ],
        1,
        10,
      ],
      { a: 1, b: 4, c: 6 },
    ],
    [
      'free workers take queued tables right away',
      [
        [
          { table: 'a', remaining: 10, copying: false },
          { table: 'b', remaining: 20, copying: false },
        ],
        2,
        10,
      ],
      { a: 1, b: 2 },
    ],
    [
      'more tables copying than workers (setting lowered): all keep copying',
      [
        [
          { table: 'a', remaining: 10, copying: true },
          { table: 'b', remaining: 20, copying: true },
          { table: 'c', remaining: 30, copying: true },
        ],
        2,
        10,
      ],
      { a: 1, b: 2, c: 3 },
    ],
    ['nothing left', [[{ table: 'a', remaining: 0, copying: true }], 2, 10], { a: 0 }],
  ])('%s', (_name, args, expected) => {
    const finish = simulateSyncQueue(...args);
    expect(Object.fromEntries([...finish].map(([k, v]) => [k, Math.round(v * 1000) / 1000]))).toEqual(expected);
  });
});

describe('estimateBackfill', () => {
  it('weights tables by publisher heap size (done tables count whole, copying ones by rows)', () => {
    const { last } = run([
      obs(0, [tbl('big', 'd', { sizeBytes: 900, rowsCopied: 50 }), tbl('small', 'r', { sizeBytes: 100 })]),
    ]);
    expect(last.view).toMatchObject({ percent: 55, tablesTotal: 2, tablesDone: 1, tablesCopying: 1, tablesQueued: 0 });
    expect(byName(last, 'big')).toMatchObject({ progress: 0.5, stateLabel: 'copying', retries: 0, stalled: false });
    expect(byName(last, 'small')).toMatchObject({ progress: 1, stateLabel: 'ready', etaSeconds: 0 });
  });

  it.each<[string, TableObservation[], number, boolean]>([
    [
      'sizes unknown: equal weights, rate not in bytes',
      [tbl('a', 'f', { sizeBytes: null }), tbl('b', 'i', { sizeBytes: null }), tbl('c', 's', { sizeBytes: null })],
      66.67,
      false,
    ],
    [
      'one size unknown: it weighs the mean of the known ones',
      [tbl('a', 'f', { sizeBytes: 300 }), tbl('b', 'i', { sizeBytes: 100 }), tbl('c', 'i', { sizeBytes: null })],
      50,
      true,
    ],
  ])('%s', (_name, tables, percent, bytesUnit) => {
    const { last } = run([
      obs(0, tables),
      obs(
        10,
        tables.map((t) => (t.state === 'i' ? { ...t, state: 'd' } : t)),
      ),
    ]);
    expect(last.view?.percent).toBe(percent);
    expect(JSON.parse(JSON.stringify(last.tracking)).unit).toBe(bytesUnit ? 'bytes' : 'tables');
  });

  it('labels every state', () => {
    const { last } = run([
      obs(
        0,
        ['i', 'd', 'f', 's', 'r'].map((s) => tbl(s, s as TableObservation['state'], { rowsCopied: 0 })),
      ),
    ]);
    expect(last.tables.map((t) => t.stateLabel)).toEqual(['init', 'copying', 'copied', 'synchronized', 'ready']);
  });

  it('has no rate or ETA before two samples, then a rate in heap bytes/s', () => {
    const { out } = run([obs(0, [tbl('a', 'd', { rowsCopied: 0 })]), obs(10, [tbl('a', 'd', { rowsCopied: 50 })])]);
    expect(out[0].view).toMatchObject({ rateBytesPerSecond: null, etaSeconds: null, etaAt: null, percent: 0 });
    expect(out[0].tables[0].etaSeconds).toBeNull();
    expect(out[1].view).toMatchObject({ rateBytesPerSecond: 50, etaSeconds: 10, percent: 50 });
    expect(out[1].view?.etaAt).toBe(new Date(T0 + 20_000).toISOString());
    expect(out[1].view?.startedAt).toBe(new Date(T0).toISOString());
  });

  it('queues tables beyond max_sync_workers_per_subscription (3 tables, 2 workers) and counts them in the ETA', () => {
    const start = [tbl('a', 'd', { rowsCopied: 0 }), tbl('b', 'd', { rowsCopied: 0 }), tbl('c', 'i')];
    const later = [tbl('a', 'd', { rowsCopied: 50 }), tbl('b', 'd', { rowsCopied: 50 }), tbl('c', 'i')];
    // 1000 heap bytes copied in 10 s by 2 workers: 50 bytes/s per worker; a and b need 10 s more, then c 20 s.
    const two = run([obs(0, start), obs(10, later)]).last;
    expect(two.view).toMatchObject({ etaSeconds: 30, rateBytesPerSecond: 100, tablesQueued: 1, tablesCopying: 2 });
    expect(two.tables.map((t) => t.etaSeconds)).toEqual([10, 10, 30]);
    // With 3 workers c could start now: 20 s.
    const three = run([obs(0, start, { maxSyncWorkers: 3 }), obs(10, later, { maxSyncWorkers: 3 })]).last;
    expect(three.view?.etaSeconds).toBe(20);
    expect(three.view?.maxSyncWorkers).toBe(3);
    // Unknown setting: PostgreSQL's default of 2.
    const unknown = run([obs(0, start, { maxSyncWorkers: null }), obs(10, later, { maxSyncWorkers: null })]).last;
    expect(unknown.view).toMatchObject({ etaSeconds: 30, maxSyncWorkers: null });
  });

  it('smooths the rate as an EWMA and keeps it across polls without change (one sample spans them)', () => {
    const at = (s: number, rows: number) =>
      obs(s, [tbl('a', 'd', { sizeBytes: 10_000, rowsEstimated: 10_000, rowsCopied: rows })]);
    const { out } = run([at(0, 0), at(10, 100), at(20, 300), at(25, 300), at(30, 300), at(40, 700)]);
    const rates = out.map((e) => e.view?.rateBytesPerSecond);
    // samples 10/s, 20/s → 0.5·20 + 0.5·10 = 15; unchanged polls keep 15; then 400 bytes over 20 s = 20/s → 17.5
    expect(rates).toEqual([null, 10, 15, 15, 15, 18]);
    expect(out[3].view?.stalled).toBe(false);
    expect(out[3].view?.etaSeconds).toBeCloseTo((9700 / 15) * 1, 0);
  });

  it('measures the rate per worker, so one table copying alone is not expected to go at two workers’ speed', () => {
    const { last } = run([
      obs(0, [tbl('a', 'd', { rowsCopied: 0 }), tbl('b', 'd', { rowsCopied: 0 })]),
      obs(10, [tbl('a', 'd', { rowsCopied: 40 }), tbl('b', 'd', { rowsCopied: 60 })]),
    ]);
    // 100 bytes / 20 worker-seconds = 5 per worker: a has 600 left, b 400 → b at 8 s, a at 12 s.
    expect(last.tables.map((t) => t.etaSeconds)).toEqual([12, 8]);
  });

  it('starts the rate over when the number of tables copying changes (workers share the servers)', () => {
    const a = (rows: number) => tbl('a', 'd', { sizeBytes: 10_000, rowsEstimated: 10_000, rowsCopied: rows });
    const { out, tracking } = run([
      obs(0, [a(0), tbl('b', 'd', { rowsCopied: 0 })]),
      obs(10, [a(500), tbl('b', 'd', { rowsCopied: 50 })]), // 1000 bytes by 2 workers in 10 s: 50/s each
      obs(20, [a(1000), tbl('b', 'r')]), // b finished during this interval: a mixed sample, blended
      obs(30, [a(2000), tbl('b', 'r')]), // a alone: 100/s, which replaces the EWMA (blending would give 75)
      obs(40, [a(3000), tbl('b', 'r')]), // same concurrency again: blended as usual
    ]);
    expect(out.map((e) => e.view?.rateBytesPerSecond)).toEqual([null, 100, 100, 100, 100]);
    expect(out.map((e) => byName(e, 'a')?.etaSeconds)).toEqual([null, 190, 180, 80, 70]);
    // Tracking stored before the flag existed still reads (as "not fresh").
    const stored = { ...(tracking as Record<string, unknown>) };
    delete stored.rateFresh;
    expect(readBackfillTracking(stored as BackfillTracking)).not.toBeNull();
    expect(readBackfillTracking({ ...stored, rateFresh: 'yes' } as BackfillTracking)).toBeNull();
  });

  describe('a copy that fails and restarts', () => {
    const steps = [
      obs(0, [tbl('a', 'd', { rowsCopied: 0 }), tbl('b', 'i')]),
      obs(10, [tbl('a', 'd', { rowsCopied: 60 }), tbl('b', 'i')]),
      obs(15, [tbl('a', 'd'), tbl('b', 'i')], { syncErrorCount: 1 }), // worker died: no progress row
      obs(20, [tbl('a', 'd', { rowsCopied: 10 }), tbl('b', 'i')], { syncErrorCount: 1 }), // restarted at 0
      obs(30, [tbl('a', 'd', { rowsCopied: 40 }), tbl('b', 'i')], { syncErrorCount: 1 }),
      obs(40, [tbl('a', 'd', { rowsCopied: 80 }), tbl('b', 'i')], { syncErrorCount: 1 }),
    ];

    it('counts a retry, shows the restart per table, and never moves the total back', () => {
      const { out } = run(steps);
      expect(out.map((e) => e.view?.percent)).toEqual([0, 30, 30, 30, 30, 40]);
      expect(out.map((e) => byName(e, 'a')?.progress)).toEqual([0, 0.6, 0.6, 0.1, 0.4, 0.8]);
      // counted when sync_error_count rose (a was the only table copying), not again when the restart shows
      expect(out.map((e) => byName(e, 'a')?.retries)).toEqual([0, 0, 1, 1, 1, 1]);
    });

    it('keeps the rate true: the drop is ignored, the re-copy counts as work, the ETA uses what is really left', () => {
      const { out } = run(steps);
      // 600 bytes / 10 s = 60/s, kept while the worker is down and at the restart (a drop is no sample); then
      // 300 bytes over 20 s (since the last sample) = 15 → EWMA 37.5; then 400 over 10 s = 40 → 38.75
      expect(out.map((e) => e.view?.rateBytesPerSecond)).toEqual([null, 60, 60, 60, 38, 39]);
      const last = out[out.length - 1];
      // a has 200 bytes really left (the total's held 60 % does not shorten the ETA); b starts on the second
      // worker now: 1000 bytes at 38.75 per worker.
      expect(byName(last, 'a')?.etaSeconds).toBe(5.2);
      expect(byName(last, 'b')?.etaSeconds).toBe(25.8);
      expect(last.view?.etaSeconds).toBe(25.8);
    });

    it('counts restarts on PostgreSQL 14 too (no sync_error_count)', () => {
      const { last } = run(steps.map((o) => ({ ...o, syncErrorCount: null })));
      expect(byName(last, 'a')?.retries).toBe(1);
    });

    it('pins sync errors without a visible restart on the only copying table that made no progress', () => {
      const { out } = run([
        obs(0, [tbl('a', 'd', { rowsCopied: 0 }), tbl('b', 'r')]),
        obs(10, [tbl('a', 'd', { rowsCopied: 0 }), tbl('b', 'r')], { syncErrorCount: 2 }),
        obs(20, [tbl('a', 'd', { rowsCopied: 0 }), tbl('x', 'd', { rowsCopied: 0 })], { syncErrorCount: 3 }),
      ]);
      expect(byName(out[1], 'a')?.retries).toBe(2);
      // two tables copying: the error is not pinned on either
      expect(byName(out[2], 'a')?.retries).toBe(2);
      expect(byName(out[2], 'x')?.retries).toBe(0);
      expect(JSON.parse(JSON.stringify(out[2].tracking)).unattributedRetries).toBe(1);
    });

    it('ignores a reset of the counters (stats reset)', () => {
      const { last } = run([
        obs(0, [tbl('a', 'd', { rowsCopied: 0 })], { syncErrorCount: 5 }),
        obs(10, [tbl('a', 'd', { rowsCopied: 10 })], { syncErrorCount: 0 }),
      ]);
      expect(byName(last, 'a')?.retries).toBe(0);
    });
  });

  describe('stall', () => {
    const a = (s: number, rows: number, extra: TableObservation[] = []) =>
      obs(s, [tbl('a', 'd', { rowsCopied: rows }), ...extra]);

    it('marks the backfill and the table stalled after the window, with no frozen ETA, and recovers', () => {
      const { out } = run([a(0, 0), a(10, 20), a(20, 20), a(39, 20), a(40, 20), a(50, 20), a(55, 30), a(65, 50)]);
      expect(out.map((e) => e.view?.stalled)).toEqual([false, false, false, false, true, true, false, false]);
      // before the window the last good rate (200 bytes / 10 s) and its ETA stay
      expect(out[3].view).toMatchObject({ rateBytesPerSecond: 20, etaSeconds: 40 });
      expect(out[4].view).toMatchObject({ etaSeconds: null, etaAt: null, rateBytesPerSecond: null });
      expect(byName(out[4], 'a')).toMatchObject({
        stalled: true,
        etaSeconds: null,
        problem: 'no copy progress for 30 s',
      });
      // recovery: the rate starts again from the last stalled poll (100 bytes over 5 s)
      expect(out[6].view).toMatchObject({ stalled: false, rateBytesPerSecond: 20, etaSeconds: 35 });
      expect(byName(out[6], 'a')).toMatchObject({ stalled: false, problem: null });
      expect(out[7].view?.rateBytesPerSecond).toBe(20);
    });

    it('flags one stuck table while another copies: backfill not stalled, but no total ETA', () => {
      const { last } = run([
        obs(0, [tbl('a', 'd', { rowsCopied: 0 }), tbl('b', 'd', { rowsCopied: 0 })]),
        obs(20, [tbl('a', 'd', { rowsCopied: 20 }), tbl('b', 'd', { rowsCopied: 0 })]),
        obs(40, [tbl('a', 'd', { rowsCopied: 40 }), tbl('b', 'd', { rowsCopied: 0 })]),
      ]);
      expect(last.view).toMatchObject({ stalled: false, etaSeconds: null });
      expect(byName(last, 'b')).toMatchObject({ stalled: true, etaSeconds: null });
      // a copied 400 bytes in 40 s on its own: 600 left at 10 bytes/s (b's idle worker does not dilute it)
      expect(byName(last, 'a')).toMatchObject({ stalled: false, etaSeconds: 60 });
    });

    it('is not a stall while tables only wait in the queue (nothing copying)', () => {
      const { last } = run([obs(0, [tbl('a', 'i')]), obs(100, [tbl('a', 'i')])]);
      expect(last.view?.stalled).toBe(false);
    });

    it('keeps the last progress while no progress row is visible (worker between attempts)', () => {
      const { out } = run([a(0, 0), a(10, 40), obs(15, [tbl('a', 'd')])]);
      expect(byName(out[2], 'a')?.progress).toBe(0.4);
      expect(out[2].view?.percent).toBe(40);
    });
  });

  describe('completion and later backfills', () => {
    it('returns view null once every table is ready, and starts a clean backfill for tables added later', () => {
      const { out } = run([
        obs(0, [tbl('a', 'd', { rowsCopied: 50 }), tbl('b', 'i')]),
        obs(10, [tbl('a', 'f'), tbl('b', 'd', { rowsCopied: 50 })]),
        obs(20, [tbl('a', 'r'), tbl('b', 's')]),
        obs(30, [tbl('a', 'r'), tbl('b', 'r')]),
        obs(40, [tbl('a', 'r'), tbl('b', 'r'), tbl('c', 'i', { sizeBytes: 3000 })]), // REFRESH PUBLICATION
        obs(50, [tbl('a', 'r'), tbl('b', 'r'), tbl('c', 'd', { sizeBytes: 3000, rowsCopied: 25 })]),
        obs(60, [tbl('a', 'r'), tbl('b', 'r'), tbl('c', 'd', { sizeBytes: 3000, rowsCopied: 75 })]),
      ]);
      expect(out.map((e) => e.view?.percent ?? null)).toEqual([25, 75, 100, null, 0, 25, 75]);
      expect(out[2].view).toMatchObject({ tablesDone: 2, tablesTotal: 2, etaSeconds: 0 });
      expect(out[3].tables.every((t) => t.progress === 1 && t.state === 'r')).toBe(true);
      expect(out[4].view).toMatchObject({ tablesTotal: 1, tablesQueued: 1, rateBytesPerSecond: null });
      expect(out[4].view?.startedAt).toBe(new Date(T0 + 40_000).toISOString());
      // 750 bytes in the 10 s in which c started (copying 0 → 1), then 1500 in 10 s wholly copying: that sample
      // replaces the first (not an EWMA of 112.5): 150 bytes/s; 750 left → 5 s
      expect(out[6].view).toMatchObject({ rateBytesPerSecond: 150, etaSeconds: 5 });
      expect(byName(out[6], 'a')).toMatchObject({ progress: 1, etaSeconds: 0, retries: 0 });
    });

    it('on first sight, counts every listed table (ready ones included) in the backfill', () => {
      const { last } = run([obs(0, [tbl('a', 'r'), tbl('b', 'i')])]);
      expect(last.view).toMatchObject({ percent: 50, tablesTotal: 2, tablesDone: 1 });
    });

    it('never shows less when a table joins or a size grows mid-backfill, and drops tables that left', () => {
      const { out } = run([
        obs(0, [tbl('a', 'd', { rowsCopied: 80 }), tbl('gone', 'i')]),
        obs(10, [tbl('a', 'd', { rowsCopied: 80 }), tbl('late', 'i', { sizeBytes: 9000 })]),
        obs(20, [tbl('a', 'f', { sizeBytes: 1000 }), tbl('late', 'd', { sizeBytes: 9000, rowsCopied: 50 })]),
      ]);
      expect(out.map((e) => e.view?.percent)).toEqual([40, 40, 55]);
      expect(out[1].view?.tablesTotal).toBe(2);
      expect(out[1].tables.map((t) => t.table)).toEqual(['a', 'late']);
    });

    it('treats an empty subscription as nothing to copy', () => {
      expect(run([obs(0, [])]).last.view).toBeNull();
    });
  });

  describe('tracking', () => {
    const steps = [
      obs(0, [tbl('a', 'd', { rowsCopied: 0 }), tbl('b', 'i', { sizeBytes: null })]),
      obs(10, [tbl('a', 'd', { rowsCopied: 30 }), tbl('b', 'i', { sizeBytes: null })]),
    ];

    it('is plain JSON: a round trip changes nothing, and continuing from it gives the same result', () => {
      const first = estimateBackfill(null, steps[0], OPTS);
      const copy = JSON.parse(JSON.stringify(first.tracking)) as BackfillTracking;
      expect(copy).toEqual(first.tracking);
      expect(estimateBackfill(copy, steps[1], OPTS)).toEqual(estimateBackfill(first.tracking, steps[1], OPTS));
      expect(readBackfillTracking(copy)).toEqual(first.tracking);
    });

    it('does not modify the tracking it is given', () => {
      const first = estimateBackfill(null, steps[0], OPTS);
      const before = JSON.stringify(first.tracking);
      estimateBackfill(first.tracking, steps[1], OPTS);
      expect(JSON.stringify(first.tracking)).toBe(before);
    });

    it.each<[string, BackfillTracking | null]>([
      ['null', null],
      ['another version', { version: 99 }],
      ['a damaged document', { version: 1, active: 'yes' }],
      [
        'a damaged table entry',
        { ...(estimateBackfill(null, steps[0], OPTS).tracking as object), tables: { a: { maxF: 'x' } } },
      ],
    ])('starts over from %s', (_name, tracking) => {
      expect(readBackfillTracking(tracking)).toBeNull();
      expect(estimateBackfill(tracking, steps[1], OPTS).view).toMatchObject({ percent: 15, rateBytesPerSecond: null });
    });

    it('forgets the rate when the weights change unit (sizes became known)', () => {
      const { out } = run([
        obs(0, [tbl('a', 'd', { sizeBytes: null, rowsCopied: 0 })]),
        obs(10, [tbl('a', 'd', { sizeBytes: null, rowsCopied: 50 })]),
        obs(20, [tbl('a', 'd', { sizeBytes: 1000, rowsCopied: 60 })]),
        obs(30, [tbl('a', 'd', { sizeBytes: 1000, rowsCopied: 70 })]),
      ]);
      // in bytes from the poll at 20 s on: 100 bytes over 10 s
      expect(out.map((e) => e.view?.rateBytesPerSecond)).toEqual([null, null, null, 10]);
      expect(out[1].view?.etaSeconds).toBe(10); // ETA works in table units too
    });
  });

  it('exports defaults for a 15 s poll', () => {
    expect(DEFAULT_BACKFILL_OPTIONS).toEqual({ stallAfterMs: 120_000, rateAlpha: 0.3 });
  });

  it('never lets the total go backwards, whatever the copies do (property)', () => {
    const table = fc.record({
      state: fc.constantFrom<TableObservation['state']>('i', 'd', 'd', 'd', 'f', 's'),
      rows: fc.option(fc.integer({ min: 0, max: 120 })),
    });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), table, table, fc.integer({ min: 0, max: 3 })), {
          minLength: 1,
          maxLength: 30,
        }),
        (polls) => {
          let tracking: BackfillTracking | null = null;
          let last = -1;
          let t = 0;
          let errors = 0;
          for (const [dt, a, b, err] of polls) {
            t += dt;
            errors += err;
            const e = estimateBackfill(
              tracking,
              obs(
                t,
                [tbl('a', a.state, { rowsCopied: a.rows }), tbl('b', b.state, { rowsCopied: b.rows, sizeBytes: 5000 })],
                { syncErrorCount: errors },
              ),
              OPTS,
            );
            tracking = JSON.parse(JSON.stringify(e.tracking)) as BackfillTracking;
            const p = e.view?.percent ?? 100;
            if (p < last) return false;
            last = p;
            if (e.view && e.view.etaSeconds !== null && !(e.view.etaSeconds >= 0)) return false;
          }
          return true;
        },
      ),
    );
  });
});
