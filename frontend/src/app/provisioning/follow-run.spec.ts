import '@angular/compiler'; // @angular/common/http's partially compiled classes need the JIT compiler outside an Angular build
import { HttpErrorResponse } from '@angular/common/http';
import { describe, expect, it } from '@jest/globals';

import type { ProvisioningRunView } from '@prm/contracts/provisioning.js';
import { followRun, messageOf } from './follow-run';

function run(state: ProvisioningRunView['state']): ProvisioningRunView {
  return { id: '4f1c2a9e-0000-4000-8000-000000000001', state } as ProvisioningRunView;
}

/** A read that answers (or throws) the scripted results in order, counting calls. */
function script(results: (ProvisioningRunView | HttpErrorResponse)[]): {
  read: (id: string) => Promise<ProvisioningRunView>;
  calls: () => number;
} {
  let i = 0;
  return {
    read: async () => {
      const next = results[Math.min(i++, results.length - 1)];
      // HttpErrorResponse is not an Error subclass
      if (next instanceof HttpErrorResponse) throw next;
      return next;
    },
    calls: () => i,
  };
}

const noWait = async (): Promise<void> => undefined;
const http = (status: number, body: unknown = null): HttpErrorResponse =>
  new HttpErrorResponse({ status, statusText: 'x', error: body, url: '/api/provisioning/runs/x' });

describe('followRun (Stream page pause/resume)', () => {
  it('reads until the run settles and returns the last state', async () => {
    const { read, calls } = script([run('running'), run('running'), run('succeeded')]);
    const waits: number[] = [];
    const out = await followRun(run('queued'), read, async (ms) => void waits.push(ms), { intervalMs: 250 });
    expect(out).toEqual({ run: run('succeeded'), lostTrack: null });
    expect(calls()).toBe(3);
    expect(waits).toEqual([250, 250, 250]);
  });

  it('does not read a run that is already settled', async () => {
    const { read, calls } = script([run('running')]);
    await expect(followRun(run('failed'), read, noWait)).resolves.toEqual({ run: run('failed'), lostTrack: null });
    expect(calls()).toBe(0);
  });

  it('rides out transient read errors (no answer, 502) and goes on', async () => {
    const { read } = script([http(0), http(502), run('running'), http(503), run('rolled-back')]);
    await expect(followRun(run('running'), read, noWait)).resolves.toEqual({
      run: run('rolled-back'),
      lostTrack: null,
    });
  });

  it('stops following, not "fails", after too many transient errors in a row', async () => {
    const { read, calls } = script([http(502)]);
    const out = await followRun(run('running'), read, noWait, { maxErrors: 3 });
    expect(out.run.state).toBe('running');
    expect(out.lostTrack).toMatch(/502/);
    expect(calls()).toBe(3);
  });

  it('stops at once on a 4xx with the API message', async () => {
    const { read, calls } = script([http(404, { message: 'provisioning run not found', details: [] })]);
    const out = await followRun(run('running'), read, noWait);
    expect(out).toEqual({ run: run('running'), lostTrack: 'provisioning run not found' });
    expect(calls()).toBe(1);
  });
});

describe('messageOf', () => {
  it('joins the prm message and its field details', () => {
    const err = http(400, { message: 'invalid body', details: [{ field: 'tables', reason: 'must not be empty' }] });
    expect(messageOf(err)).toBe('invalid body — tables: must not be empty');
  });

  it('names an unreachable API instead of "0 Unknown Error"', () => {
    expect(messageOf(http(0))).toBe('prm API unreachable (network error or gateway down)');
  });

  it('falls back to the error message', () => {
    expect(messageOf(new Error('boom'))).toBe('boom');
    expect(messageOf('plain')).toBe('plain');
  });
});
