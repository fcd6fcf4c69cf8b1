import { Coalescer } from './coalescer.js';

/** A batch runner whose calls complete when the test says so. */
class Runner {
  calls: number[][] = [];
  private pending: (() => void)[] = [];
  hold = true;
  failWhen: (items: number[]) => boolean = () => false;

  run = async (items: number[]): Promise<string[]> => {
    this.calls.push(items);
    if (this.hold) await new Promise<void>((resolve) => this.pending.push(resolve));
    if (this.failWhen(items)) throw new Error(`bad batch ${items.join(',')}`);
    return items.map((i) => `out-${i}`);
  };

  /** Completes the oldest running call. */
  async releaseOne(): Promise<void> {
    this.pending.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
}

const tick = () => new Promise((r) => setImmediate(r));

describe('Coalescer (group commit of metadata statements)', () => {
  it('runs a lone call at once and alone', async () => {
    const runner = new Runner();
    runner.hold = false;
    const c = new Coalescer(runner.run);
    await expect(c.submit(1)).resolves.toBe('out-1');
    expect(runner.calls).toEqual([[1]]);
  });

  it('queues calls made while a batch is in flight and runs them as one batch, in call order', async () => {
    const runner = new Runner();
    const c = new Coalescer(runner.run);
    const first = c.submit(1);
    await tick();
    const rest = [2, 3, 4].map((i) => c.submit(i));
    await tick();
    expect(runner.calls).toEqual([[1]]);
    await runner.releaseOne();
    expect(runner.calls).toEqual([[1], [2, 3, 4]]);
    await runner.releaseOne();
    expect(await first).toBe('out-1');
    expect(await Promise.all(rest)).toEqual(['out-2', 'out-3', 'out-4']);
  });

  it('runs up to maxInFlight batches at once, each of at most maxBatch queued calls', async () => {
    const runner = new Runner();
    const c = new Coalescer(runner.run, 2, 2);
    const all = [1, 2, 3, 4, 5, 6].map((i) => c.submit(i));
    await tick();
    expect(runner.calls).toEqual([[1], [2]]);
    await runner.releaseOne();
    expect(runner.calls).toEqual([[1], [2], [3, 4]]);
    await runner.releaseOne();
    expect(runner.calls).toEqual([[1], [2], [3, 4], [5, 6]]);
    await runner.releaseOne();
    await runner.releaseOne();
    expect(await Promise.all(all)).toEqual(['out-1', 'out-2', 'out-3', 'out-4', 'out-5', 'out-6']);
  });

  it('a failed batch is retried item by item: only the bad item fails, with its own error', async () => {
    const runner = new Runner();
    runner.hold = false;
    runner.failWhen = (items) => items.includes(3);
    const c = new Coalescer(runner.run);
    const first = c.submit(1);
    const batch = [2, 3, 4].map((i) => c.submit(i).catch((e: Error) => e.message));
    expect(await first).toBe('out-1');
    expect(await Promise.all(batch)).toEqual(['out-2', 'bad batch 3', 'out-4']);
    expect(runner.calls).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });

  it('a single failing call gets the error of its run; later calls still run', async () => {
    const runner = new Runner();
    runner.hold = false;
    runner.failWhen = (items) => items[0] === 7;
    const c = new Coalescer(runner.run);
    await expect(c.submit(7)).rejects.toThrow('bad batch 7');
    await expect(c.submit(8)).resolves.toBe('out-8');
    expect(runner.calls).toEqual([[7], [8]]);
  });
});
