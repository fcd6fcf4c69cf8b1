import { type EndpointView } from '@prm/contracts';

import { type MonitorStore } from '../monitor.ports.js';

interface Snapshot {
  list: EndpointView[];
  byId: ReadonlyMap<string, EndpointView>;
  /** `clock()` when the read that produced it started, ms. */
  at: number;
}

/**
 * The monitor's in-memory copy of the endpoint list (prm's `endpoint` table, via `MonitorStore.listEndpoints`), so
 * that a poll does not read the whole table again: the list changes only when a DBA edits endpoints, while every
 * endpoint is polled every interval.
 *
 * Freshness: the tick's fan-out re-reads it ({@link reload}, one statement per tick); `endpoint.changed` (config
 * service, provisioner) drops it ({@link invalidate}); and a copy older than `ttlMs` (one poll interval) is re-read on
 * the next use, for a change another process made without an event. An endpoint asked for by id that the copy does
 * not hold is read from the store and the copy dropped (it was created since). Concurrent re-reads share one
 * statement; a read that started before an invalidation is never kept as the fresh copy.
 */
export class EndpointDirectory {
  private snapshot: Snapshot | null = null;
  private loading: Promise<Snapshot> | null = null;
  /** Incremented by {@link invalidate}: a read started under an older generation is not kept. */
  private generation = 0;

  /**
   * @param store prm's metadata store.
   * @param ttlMs age after which the copy is re-read on use, ms (the poll interval).
   * @param clock prm's clock, epoch ms (replaceable in tests).
   */
  constructor(
    private readonly store: MonitorStore,
    private readonly ttlMs: number,
    private readonly clock: () => number = () => Date.now(),
  ) {}

  /** Every endpoint: the copy when younger than `ttlMs`, else read from the store. @throws the store's error. */
  async list(): Promise<EndpointView[]> {
    return (await this.current()).list;
  }

  /**
   * One endpoint by id; null when it does not exist. A cache miss reads that endpoint from the store (a new
   * endpoint: the copy is dropped so the next {@link list} sees it too).
   * @throws the store's error.
   */
  async get(id: string): Promise<EndpointView | null> {
    const hit = (await this.current()).byId.get(id);
    if (hit) return hit;
    const found = await this.store.findEndpoint(id);
    if (found) this.invalidate();
    return found;
  }

  /** Reads the list from the store now (the tick's fan-out) and keeps it. @throws the store's error. */
  async reload(): Promise<EndpointView[]> {
    this.invalidate();
    return (await this.current()).list;
  }

  /** Drops the copy (call on `endpoint.changed`); the next use reads the store again. */
  invalidate(): void {
    this.generation += 1;
    this.snapshot = null;
    this.loading = null;
  }

  private current(): Promise<Snapshot> {
    const s = this.snapshot;
    if (s && this.clock() - s.at < this.ttlMs) return Promise.resolve(s);
    if (this.loading) return this.loading;
    const generation = this.generation;
    const at = this.clock();
    const loading = this.store.listEndpoints().then(
      (list) => {
        const fresh: Snapshot = { list, byId: new Map(list.map((e) => [e.id, e])), at };
        if (generation === this.generation) {
          this.snapshot = fresh;
          this.loading = null;
        }
        return fresh;
      },
      (err: unknown) => {
        if (generation === this.generation) this.loading = null;
        throw err;
      },
    );
    this.loading = loading;
    return loading;
  }
}
