import { type EndpointView } from '@prm/contracts';

import { type MonitorStore } from '../monitor.ports.js';
import { EndpointDirectory } from './endpoint-directory.js';

const endpoint = (id: string, host = 'db.example'): EndpointView => ({ id, name: `ep-${id}`, host }) as EndpointView;

/** An in-memory store that counts its reads; `listEndpoints` answers when `release()` is called if `hold` is set. */
class FakeStore implements MonitorStore {
  rows: EndpointView[] = [];
  lists = 0;
  finds = 0;
  hold = false;
  failNext: Error | null = null;
  private pending: (() => void)[] = [];

  async listEndpoints(): Promise<EndpointView[]> {
    this.lists += 1;
    const snapshot = [...this.rows];
    const error = this.failNext;
    this.failNext = null;
    if (this.hold) await new Promise<void>((resolve) => this.pending.push(resolve));
    if (error) throw error;
    return snapshot;
  }
  async findEndpoint(id: string): Promise<EndpointView | null> {
    this.finds += 1;
    return this.rows.find((e) => e.id === id) ?? null;
  }
  findStatus(): Promise<null> {
    return Promise.resolve(null);
  }
  saveStatus(): Promise<void> {
    return Promise.resolve();
  }
  release(): void {
    this.hold = false;
    for (const r of this.pending.splice(0)) r();
  }
}

describe('EndpointDirectory (the monitor’s endpoint list between polls)', () => {
  let store: FakeStore;
  let now: number;
  let directory: EndpointDirectory;

  beforeEach(() => {
    store = new FakeStore();
    store.rows = [endpoint('a'), endpoint('b')];
    now = 1_000_000;
    directory = new EndpointDirectory(store, 15_000, () => now);
  });

  it('reads the list once and answers list() and get() from memory while younger than the TTL', async () => {
    expect((await directory.list()).map((e) => e.id)).toEqual(['a', 'b']);
    now += 14_999;
    expect((await directory.get('b'))?.name).toBe('ep-b');
    expect(await directory.list()).toHaveLength(2);
    expect(store.lists).toBe(1);
    expect(store.finds).toBe(0);
  });

  it('re-reads a copy as old as the TTL (a change made elsewhere without an event)', async () => {
    await directory.list();
    store.rows = [endpoint('a', 'moved.example')];
    now += 15_000;
    expect(await directory.list()).toEqual([endpoint('a', 'moved.example')]);
    expect(await directory.get('b')).toBeNull();
    expect(store.lists).toBe(2);
  });

  it('invalidate() (endpoint.changed) makes the next use read the store', async () => {
    await directory.list();
    store.rows = [endpoint('a', 'other.example'), endpoint('b')];
    expect((await directory.get('a'))?.host).toBe('db.example');
    directory.invalidate();
    expect((await directory.get('a'))?.host).toBe('other.example');
    expect(store.lists).toBe(2);
  });

  it('reload() always reads the store (the tick fan-out)', async () => {
    await directory.list();
    store.rows.push(endpoint('c'));
    expect((await directory.reload()).map((e) => e.id)).toEqual(['a', 'b', 'c']);
    expect(await directory.list()).toHaveLength(3);
    expect(store.lists).toBe(2);
  });

  it('an id the copy does not hold is read from the store; a found one drops the copy', async () => {
    await directory.list();
    expect(await directory.get('zz')).toBeNull();
    expect(store.lists).toBe(1);
    store.rows.push(endpoint('c'));
    expect((await directory.get('c'))?.id).toBe('c');
    expect(store.finds).toBe(2);
    expect((await directory.list()).map((e) => e.id)).toEqual(['a', 'b', 'c']);
    expect(store.lists).toBe(2);
  });

  it('concurrent uses share one read', async () => {
    store.hold = true;
    const all = Promise.all([directory.list(), directory.get('a'), directory.list()]);
    store.release();
    const [l1, a, l2] = await all;
    expect(l1).toBe(l2);
    expect(a?.id).toBe('a');
    expect(store.lists).toBe(1);
  });

  it('a read started before an invalidation is not kept as the fresh copy', async () => {
    store.hold = true;
    const stale = directory.list();
    directory.invalidate();
    store.rows = [endpoint('a', 'after.example')];
    store.hold = false;
    const fresh = directory.list();
    store.release();
    expect((await stale)[0].host).toBe('db.example');
    expect((await fresh)[0].host).toBe('after.example');
    expect((await directory.list())[0].host).toBe('after.example');
    expect(store.lists).toBe(2);
  });

  it('a failed read is not cached: the error reaches the caller and the next use reads again', async () => {
    store.failNext = new Error('metadata DB down');
    await expect(directory.list()).rejects.toThrow('metadata DB down');
    expect((await directory.list()).map((e) => e.id)).toEqual(['a', 'b']);
    expect(store.lists).toBe(2);
  });
});
