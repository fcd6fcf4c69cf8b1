import { jest } from '@jest/globals';

import { ReadModel } from './read-model.js';

/**
 * A model that is the list of changes applied so far ("scratch" for a build from scratch); builds complete when the
 * test says so when `hold` is set, and record what they were given.
 */
class Builds {
  calls: { previous: string[] | undefined; changes: string[] }[] = [];
  hold = false;
  fail: Error | null = null;
  private pending: (() => void)[] = [];

  build = async (previous: string[] | undefined, changes: string[]): Promise<string[]> => {
    this.calls.push({ previous, changes });
    const fail = this.fail;
    if (this.hold) await new Promise<void>((resolve) => this.pending.push(resolve));
    if (fail) throw fail;
    return previous ? [...previous, ...changes] : ['scratch'];
  };

  async releaseAll(): Promise<void> {
    while (this.pending.length > 0) {
      this.pending.shift()!();
      await new Promise((r) => setImmediate(r));
    }
  }
}

describe('ReadModel (the gateway read models)', () => {
  let builds: Builds;
  let now: number;
  let model: ReadModel<string[], string>;

  beforeEach(() => {
    builds = new Builds();
    now = 1_000_000;
    model = new ReadModel('test', builds.build, { maxAgeMs: 15_000, updateDelayMs: 100, clock: () => now });
  });

  afterEach(() => model.close());

  it('builds from scratch once, then serves the same value without building', async () => {
    const first = await model.get();
    expect(first).toEqual(['scratch']);
    now += 14_999;
    expect(await model.get()).toBe(first);
    expect(builds.calls).toEqual([{ previous: undefined, changes: [] }]);
  });

  it('applies the changes announced since the last build to the previous value', async () => {
    await model.get();
    model.invalidate('a');
    model.invalidate('b');
    expect(await model.get()).toEqual(['scratch', 'a', 'b']);
    expect(builds.calls[1]).toEqual({ previous: ['scratch'], changes: ['a', 'b'] });
  });

  it('reads during a build share it', async () => {
    builds.hold = true;
    const reads = [model.get(), model.get(), model.get()];
    await builds.releaseAll();
    const [a, b, c] = await Promise.all(reads);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(builds.calls).toHaveLength(1);
  });

  it('a change announced during a build: later reads wait for one more build, which takes it', async () => {
    await model.get();
    builds.hold = true;
    model.invalidate('a');
    const early = model.get();
    model.invalidate('b');
    model.invalidate('c');
    const late = [model.get(), model.get()];
    await builds.releaseAll();
    await builds.releaseAll();
    expect(await early).toEqual(['scratch', 'a']);
    expect(await Promise.all(late)).toEqual([
      ['scratch', 'a', 'b', 'c'],
      ['scratch', 'a', 'b', 'c'],
    ]);
    expect(builds.calls.map((c) => c.changes)).toEqual([[], ['a'], ['b', 'c']]);
  });

  it('a model as old as maxAgeMs is rebuilt from scratch in the background; reads meanwhile get it as it is', async () => {
    await model.get();
    model.invalidate('a');
    await model.get();
    now += 15_000;
    builds.hold = true;
    expect(await model.get()).toEqual(['scratch', 'a']);
    expect(await model.get()).toEqual(['scratch', 'a']);
    expect(builds.calls).toHaveLength(3);
    expect(builds.calls[2]).toEqual({ previous: undefined, changes: [] });
    await builds.releaseAll();
    expect(await model.get()).toEqual(['scratch']);
    now += 14_999;
    await model.get();
    expect(builds.calls).toHaveLength(3);
  });

  it('a burst of changes causes one background update after updateDelayMs', async () => {
    jest.useFakeTimers();
    try {
      const timed = new ReadModel('timed', builds.build, { maxAgeMs: 15_000, updateDelayMs: 100, clock: () => now });
      await timed.get();
      for (let i = 0; i < 50; i++) timed.invalidate(`c${i}`);
      await jest.advanceTimersByTimeAsync(99);
      expect(builds.calls).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(builds.calls).toHaveLength(2);
      expect(builds.calls[1].changes).toHaveLength(50);
      expect(await timed.get()).toHaveLength(51);
      expect(builds.calls).toHaveLength(2);
      // a read already brought the model up to date: the timer builds nothing; close() cancels a pending timer
      timed.invalidate('x');
      await timed.get();
      await jest.advanceTimersByTimeAsync(200);
      expect(builds.calls).toHaveLength(3);
      timed.invalidate('y');
      timed.close();
      await jest.advanceTimersByTimeAsync(200);
      expect(builds.calls).toHaveLength(3);
    } finally {
      jest.useRealTimers();
    }
  });

  it('a failed build reaches its readers and keeps its changes for the next one; background failures are logged', async () => {
    jest.useFakeTimers();
    try {
      const timed = new ReadModel('timed', builds.build, { maxAgeMs: 15_000, updateDelayMs: 100, clock: () => now });
      builds.fail = new Error('metadata DB down');
      await expect(timed.get()).rejects.toThrow('metadata DB down');
      builds.fail = null;
      expect(await timed.get()).toEqual(['scratch']);
      builds.fail = new Error('still down');
      timed.invalidate('a');
      await jest.advanceTimersByTimeAsync(100);
      expect(builds.calls).toHaveLength(3);
      builds.fail = null;
      timed.invalidate('b');
      expect(await timed.get()).toEqual(['scratch', 'a', 'b']);
      timed.close();
    } finally {
      jest.useRealTimers();
    }
  });
});
