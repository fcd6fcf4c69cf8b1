import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Queue, Worker } from 'bullmq';

/** A provider that owns a BullMQ worker (`@Processor` hosts and hand-made workers both expose `worker`). */
export interface WorkerOwner {
  /** Class name of the provider (for health details and logs). */
  owner: string;
  worker: Worker;
  /** True when the owner runs its own `beforeApplicationShutdown` (it stops its worker itself). */
  ownShutdown: boolean;
}

function isQueue(x: unknown): x is Queue {
  const q = x as Partial<Queue> | null;
  return (
    typeof q === 'object' &&
    q !== null &&
    typeof q.getJobCounts === 'function' &&
    typeof q.name === 'string' &&
    typeof (q as { upsertJobScheduler?: unknown }).upsertJobScheduler === 'function'
  );
}

function isWorker(x: unknown): x is Worker {
  const w = x as Partial<Worker> | null;
  return typeof w === 'object' && w !== null && typeof w.isRunning === 'function' && typeof w.close === 'function';
}

/**
 * Finds the BullMQ queues and workers of the running Nest app by looking at its providers: queues registered with
 * `BullModule.registerQueue` and any provider with a `worker` property holding a BullMQ `Worker` (`WorkerHost`
 * subclasses, and hosts that build their worker by hand such as the migrator's). Read on demand (workers are created
 * in `onModuleInit`/`onApplicationBootstrap`).
 */
@Injectable()
export class QueueDiscovery {
  constructor(private readonly discovery: DiscoveryService) {}

  /** Distinct queues by name. */
  queues(): Queue[] {
    const byName = new Map<string, Queue>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (isQueue(instance) && !byName.has(instance.name)) byName.set(instance.name, instance);
    }
    return [...byName.values()];
  }

  /** Workers with their owning provider. */
  workers(): WorkerOwner[] {
    const found: WorkerOwner[] = [];
    const seen = new Set<Worker>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | null | undefined;
      if (!instance || typeof instance !== 'object') continue;
      let worker: unknown;
      try {
        // WorkerHost's getter throws before the worker exists.
        worker = instance.worker;
      } catch {
        continue;
      }
      if (!isWorker(worker) || seen.has(worker)) continue;
      seen.add(worker);
      found.push({
        owner: instance.constructor?.name ?? 'unknown',
        worker,
        ownShutdown:
          typeof (instance as { beforeApplicationShutdown?: unknown }).beforeApplicationShutdown === 'function',
      });
    }
    return found;
  }
}
