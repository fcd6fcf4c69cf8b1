import { Logger } from '@nestjs/common';

/** Timing of a {@link ReadModel}. */
export interface ReadModelOptions {
  /**
   * A model built (from scratch) longer ago than this is rebuilt from scratch, ms: bus events are at-most-once, and
   * a model may depend on the time (statuses turning stale). Reads meanwhile get the current model.
   */
  maxAgeMs: number;
  /** After an invalidation, the model is updated in the background this much later (once for a burst), ms. */
  updateDelayMs: number;
  /** prm's clock, epoch ms (replaceable in tests). */
  clock?: () => number;
}

/**
 * Computes the model: from scratch when `previous` is undefined, else by applying `changes` (what the bus announced
 * since `previous` was computed, in order) to it.
 */
export type ReadModelBuild<T, C> = (previous: T | undefined, changes: C[]) => Promise<T>;

/**
 * A read model: a view computed from prm's metadata store (e.g. the topology), kept in memory so that serving it
 * costs no query, and kept up to date from what the bus announces ({@link invalidate} with the change, e.g. the
 * endpoints whose snapshot is new), so that an update reads only what changed.
 *
 * - Fresh reads: {@link get} never answers with a model that misses a change announced before the call (a console
 *   that refetches on a live event sees that event's change); such a read waits for the update.
 * - Coalesced: one build runs at a time and takes every change announced so far; reads arriving meanwhile share it,
 *   or (when they come after a newer change) the single next build. A burst of changes within `updateDelayMs`
 *   causes one background update, so the next reads usually find the model ready.
 * - Age: a model whose last build from scratch is `maxAgeMs` old is rebuilt from scratch in the background; reads
 *   meanwhile get it as it is (no announced change is missing from it).
 * - A failed build is not kept: its changes are kept for the next one, its readers get the error.
 *
 * The value is shared by every reader: callers must not modify it.
 */
export class ReadModel<T, C> {
  private readonly logger = new Logger(ReadModel.name);
  private readonly clock: () => number;
  private value: T | undefined;
  /** The generation the value reflects (-1: none yet), and when it was last built from scratch. */
  private valueGeneration = -1;
  private fullBuildAt = 0;
  /** Incremented by {@link invalidate}; `pending` holds the changes not yet taken by a build. */
  private generation = 0;
  private pending: C[] = [];
  private building: { generation: number; promise: Promise<T> } | null = null;
  private timer: NodeJS.Timeout | null = null;

  /**
   * @param name for log lines (`topology`, `streams`).
   * @param build computes the model (see {@link ReadModelBuild}); its errors reach the readers.
   */
  constructor(
    private readonly name: string,
    private readonly build: ReadModelBuild<T, C>,
    private readonly options: ReadModelOptions,
  ) {
    this.clock = options.clock ?? (() => Date.now());
  }

  /** The model, with every change announced before this call. @throws the build's error. */
  get(): Promise<T> {
    if (this.valueGeneration < 0 || this.valueGeneration < this.generation) return this.refresh();
    if (this.clock() - this.fullBuildAt >= this.options.maxAgeMs && !this.building) {
      this.background(this.refresh(true));
    }
    return Promise.resolve(this.value as T);
  }

  /** Announces `change`: later reads wait for a model that includes it; one background update is scheduled. */
  invalidate(change: C): void {
    this.generation += 1;
    this.pending.push(change);
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.valueGeneration >= 0 && this.valueGeneration < this.generation) this.background(this.refresh());
    }, this.options.updateDelayMs);
    this.timer.unref();
  }

  /** Stops the background update timer (module shutdown). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private background(update: Promise<T>): void {
    update.catch((err: unknown) =>
      this.logger.warn(`${this.name} model not updated: ${err instanceof Error ? err.message : String(err)}`),
    );
  }

  /**
   * A build that includes every change announced so far: the one in flight if it took them all, else a new one once
   * it is done. `scratch`: rebuild from scratch (the age refresh).
   */
  private refresh(scratch = false): Promise<T> {
    const wanted = this.generation;
    if (this.building && this.building.generation >= wanted) return this.building.promise;
    if (this.building) {
      const again = () => this.refresh(scratch);
      return this.building.promise.then(again, again);
    }
    const generation = this.generation;
    const changes = this.pending;
    this.pending = [];
    const fromScratch = scratch || this.valueGeneration < 0;
    const startedAt = this.clock();
    const promise = this.build(fromScratch ? undefined : this.value, changes).then(
      (value) => {
        // Builds run one at a time: the one finishing is the newest.
        this.building = null;
        this.value = value;
        this.valueGeneration = generation;
        if (fromScratch) this.fullBuildAt = startedAt;
        return value;
      },
      (err: unknown) => {
        this.building = null;
        this.pending = [...changes, ...this.pending];
        throw err;
      },
    );
    this.building = { generation, promise };
    return promise;
  }
}
