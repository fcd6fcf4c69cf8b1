/** One queued call of a {@link Coalescer}. */
interface Pending<I, O> {
  item: I;
  resolve: (out: O) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for one kind of metadata statement. The first call runs at once, alone; calls made while a batch is
 * in flight are queued and run together as the next batch, in one call of `run` (one statement). So N polls
 * finishing together cost a few statements instead of N, and a call made when nothing else runs waits for nothing.
 *
 * `run(items)` must return one output per item, in order. When a batch of several items fails, each item is
 * retried alone, so a bad item (or a conflict between two items of one batch) fails only its own caller; the
 * error of a single item reaches its caller unchanged.
 */
export class Coalescer<I, O> {
  private queue: Pending<I, O>[] = [];
  private inFlight = 0;

  /**
   * @param run executes a batch (items in call order), one output per item.
   * @param maxBatch most items per batch.
   * @param maxInFlight batches running at once (each holds one metadata connection).
   */
  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 200,
    private readonly maxInFlight = 1,
  ) {}

  /** Queues `item`; resolves with its output once its batch ran. @throws the error of its batch (see class doc). */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight += 1;
      void this.execute(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async execute(batch: Pending<I, O>[]): Promise<void> {
    try {
      const outs = await this.run(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(outs[i]));
    } catch (err) {
      if (batch.length === 1) return batch[0].reject(err);
      for (const p of batch) {
        try {
          p.resolve((await this.run([p.item]))[0]);
        } catch (own) {
          p.reject(own);
        }
      }
    }
  }
}
