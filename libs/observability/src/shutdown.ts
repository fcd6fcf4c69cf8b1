import { type BeforeApplicationShutdown, Injectable, Logger, type INestApplicationContext } from '@nestjs/common';
import { QueueDiscovery } from './queue-discovery.js';

/**
 * At shutdown (`beforeApplicationShutdown`, i.e. before the metadata pool, Redis and the queues close), stops this
 * service's BullMQ workers: `Worker.close()` stops fetching jobs and waits for the active ones to finish, so a job
 * is either completed or, if the process is force-exited first, left locked and picked up again by another worker
 * once its lock expires (BullMQ stalled-job check). Workers whose owner has its own `beforeApplicationShutdown` (the
 * migrator, which interrupts its run between targets) are left to it.
 */
@Injectable()
export class WorkerDrain implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');

  constructor(private readonly queues: QueueDiscovery) {}

  async beforeApplicationShutdown(): Promise<void> {
    const mine = this.queues.workers().filter((w) => !w.ownShutdown);
    if (mine.length === 0) return;
    this.logger.log(`closing workers of ${mine.map((w) => w.worker.name).join(', ')} (waiting for active jobs)`);
    await Promise.all(mine.map((w) => w.worker.close()));
    this.logger.log('workers closed');
  }
}

/** What {@link installGracefulShutdown} needs. */
export interface GracefulShutdownOptions {
  /** Bound of the whole shutdown, ms (`PRM_SHUTDOWN_TIMEOUT_MS`); past it the process exits with code 1. */
  timeoutMs: number;
  /** Signals handled; default SIGTERM and SIGINT. */
  signals?: NodeJS.Signals[];
  /** Process exit (replaceable in tests). */
  exit?: (code: number) => void;
  /** Where the shutdown lines go (the app's logger once attached). */
  logger?: Pick<Logger, 'log' | 'error'>;
}

/**
 * Replaces Nest's `enableShutdownHooks`: on the first SIGTERM/SIGINT, runs `app.close()` (workers drained by
 * {@link WorkerDrain}, then HTTP and bus listeners, then pools and Redis closed by their modules' shutdown hooks) and
 * exits 0; if that takes longer than `timeoutMs`, logs `shutdown timed out after <ms> ms: forcing exit` and exits 1.
 * A second signal while shutting down is ignored (the timer still bounds it).
 * @returns a function that removes the signal handlers (tests).
 */
export function installGracefulShutdown(app: INestApplicationContext, options: GracefulShutdownOptions): () => void {
  const logger = options.logger ?? new Logger('Shutdown');
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let started = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (started) return;
    started = true;
    const t0 = Date.now();
    logger.log(`${signal} received: stopping (bound ${options.timeoutMs} ms)`);
    const timer = setTimeout(() => {
      logger.error(`shutdown timed out after ${options.timeoutMs} ms: forcing exit`);
      exit(1);
    }, options.timeoutMs);
    app.close().then(
      () => {
        clearTimeout(timer);
        logger.log(`shutdown complete in ${Date.now() - t0} ms`);
        exit(0);
      },
      (err: unknown) => {
        clearTimeout(timer);
        logger.error(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
        exit(1);
      },
    );
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
