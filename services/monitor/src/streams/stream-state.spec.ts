import { type StreamStateInput, deriveStreamState } from './stream-state.js';

const base = (): StreamStateInput => ({
  subscriber: { reachable: true, stale: false, name: 'replica', errorCode: null },
  publisher: { reachable: true, stale: false, name: 'primary', polled: true },
  subscription: {
    enabled: true,
    workerPid: 42,
    tables: [
      { table: 'public.a', state: 'r', lsn: '0/1' },
      { table: 'public.b', state: 'r', lsn: '0/1' },
    ],
    disableOnError: false,
  },
  slot: { name: 'sub', active: true },
  slotName: 'sub',
  workerMissingPolls: 0,
  everHadWorker: true,
  slotInactivePolls: 0,
  recentError: null,
  backfillStalled: false,
  stallAfterMs: 120_000,
});
const state = (over: Partial<StreamStateInput>) => deriveStreamState({ ...base(), ...over });
const sub = base().subscription!;

describe('deriveStreamState', () => {
  it('streaming when every table is ready, the worker runs and the slot is active', () => {
    expect(state({})).toEqual({ state: 'streaming', reason: null });
  });

  it('unknown when an end cannot be polled, is stale, or the publisher is not known', () => {
    expect(state({ subscriber: null }).state).toBe('unknown');
    expect(state({ subscriber: { reachable: false, stale: true, name: 'replica', errorCode: 'timeout' } })).toEqual({
      state: 'unknown',
      reason: 'subscriber replica unreachable (timeout)',
    });
    expect(state({ subscriber: { reachable: true, stale: true, name: 'r', errorCode: null } }).state).toBe('unknown');
    expect(state({ subscription: null }).reason).toMatch(/no longer/);
    expect(state({ publisher: null }).reason).toBe('publisher is not a known endpoint');
    expect(state({ publisher: { reachable: false, stale: true, name: 'p', polled: true } }).reason).toBe(
      'publisher p unreachable',
    );
    expect(state({ publisher: { reachable: true, stale: true, name: 'p', polled: true } }).state).toBe('unknown');
    expect(state({ publisher: { reachable: false, stale: true, name: 'p', polled: false } }).state).toBe('unknown');
  });

  it('disabled wins over the publisher being unknown, and names disable_on_error', () => {
    expect(state({ subscription: { ...sub, enabled: false, workerPid: null }, publisher: null })).toEqual({
      state: 'disabled',
      reason: 'subscription disabled (subenabled = false)',
    });
    expect(
      state({
        subscription: { ...sub, enabled: false, workerPid: null, disableOnError: true },
        recentError: 'apply_error_count rose 0 → 1',
      }).reason,
    ).toMatch(/disable_on_error.*rose/);
    expect(
      state({
        subscription: { ...sub, enabled: false, workerPid: null },
        paused: { at: '2026-01-01T00:00:00.000Z', by: 'alice' },
      }),
    ).toEqual({ state: 'disabled', reason: 'paused through prm by alice at 2026-01-01T00:00:00.000Z' });
  });

  it('error while an error is recent, before stalled/backfilling', () => {
    expect(state({ recentError: 'sync_error_count rose 1 → 2', backfillStalled: true })).toEqual({
      state: 'error',
      reason: 'sync_error_count rose 1 → 2',
    });
  });

  it('stalled: worker missing ≥ 2 polls after it ran, slot missing or inactive ≥ 2 polls, copy stalled', () => {
    const noWorker = { ...sub, workerPid: null };
    expect(state({ subscription: noWorker, workerMissingPolls: 1 }).state).toBe('streaming');
    expect(state({ subscription: noWorker, workerMissingPolls: 2 })).toEqual({
      state: 'stalled',
      reason: 'apply worker not running (2 polls)',
    });
    expect(state({ slot: null }).reason).toBe('replication slot sub not found on publisher primary');
    expect(state({ slot: undefined }).state).toBe('streaming');
    expect(state({ slot: { name: 'sub', active: false }, slotInactivePolls: 1 }).state).toBe('streaming');
    expect(state({ slot: { name: 'sub', active: false }, slotInactivePolls: 2 }).state).toBe('stalled');
    expect(state({ backfillStalled: true, stallAfterMs: 90_000 }).reason).toBe('table copy made no progress for 90 s');
  });

  it('initializing before the first worker or while every pending table is in i; backfilling otherwise', () => {
    expect(state({ subscription: { ...sub, workerPid: null }, everHadWorker: false, workerMissingPolls: 5 })).toEqual({
      state: 'initializing',
      reason: 'apply worker not started yet',
    });
    const tables = (states: string) =>
      [...states].map((s, n) => ({ table: `public.t${n}`, state: s as 'i', lsn: null }));
    expect(state({ subscription: { ...sub, tables: tables('ii') } })).toEqual({
      state: 'initializing',
      reason: '2 of 2 tables waiting for sync',
    });
    expect(state({ subscription: { ...sub, tables: tables('rdi') } })).toEqual({
      state: 'backfilling',
      reason: '1 of 3 tables ready',
    });
    expect(state({ subscription: { ...sub, tables: tables('rfs') } }).state).toBe('backfilling');
    expect(state({ subscription: { ...sub, tables: [] } }).state).toBe('streaming');
  });
});
