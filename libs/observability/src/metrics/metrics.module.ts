import {
  Controller,
  Get,
  Header,
  Injectable,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { RequireRole } from '../access.js';
import { DiscoveryModule } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { register } from 'prom-client';
import { QueueDiscovery } from '../queue-discovery.js';
import { ensureDefaultMetrics, gauge, httpRequestDuration, httpRequestsTotal } from './registry.js';

/** BullMQ job states reported by `prm_queue_depth`. */
export const QUEUE_DEPTH_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/** Job counts of one queue by state, as read from BullMQ `getJobCounts`. */
export type QueueCounts = Record<(typeof QUEUE_DEPTH_STATES)[number], number>;

/** Something that can count a queue's jobs (a BullMQ `Queue`). */
export interface CountableQueue {
  name: string;
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
}

/**
 * Reads queue depths at most once per `maxAgeMs` (default 5000): a scrape every second costs one Redis round trip
 * per queue every 5 s. A failed read keeps the previous counts (and is retried on the next scrape).
 */
export class QueueDepthReader {
  private cache: { at: number; counts: Map<string, QueueCounts> } | null = null;
  private inFlight: Promise<Map<string, QueueCounts>> | null = null;

  constructor(
    private readonly queues: () => CountableQueue[],
    private readonly maxAgeMs = 5000,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Counts per queue name (cached up to `maxAgeMs`). */
  async read(): Promise<Map<string, QueueCounts>> {
    if (this.cache && this.clock() - this.cache.at < this.maxAgeMs) return this.cache.counts;
    this.inFlight ??= this.fetch().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private async fetch(): Promise<Map<string, QueueCounts>> {
    const counts = new Map<string, QueueCounts>(this.cache?.counts ?? []);
    await Promise.all(
      this.queues().map(async (q) => {
        try {
          const c = await q.getJobCounts(...QUEUE_DEPTH_STATES);
          counts.set(q.name, {
            waiting: c.waiting ?? 0,
            active: c.active ?? 0,
            delayed: c.delayed ?? 0,
            failed: c.failed ?? 0,
          });
        } catch {
          // Redis down: keep the last known counts; /health/ready reports Redis.
        }
      }),
    );
    this.cache = { at: this.clock(), counts };
    return counts;
  }
}

/** Readers of the apps running in this process (one usually; tests may start several). */
const queueReaders = new Set<QueueDepthReader>();

/** `prm_queue_depth{queue,state}`: jobs of each BullMQ queue of this service by state (read on scrape, ≤ 5 s old). */
export const queueDepthGauge = gauge(
  'prm_queue_depth',
  'BullMQ jobs by queue and state (waiting, active, delayed, failed), read on scrape, at most 5 s old',
  ['queue', 'state'] as const,
  async function collect() {
    for (const reader of queueReaders) {
      for (const [queue, counts] of await reader.read()) {
        for (const state of QUEUE_DEPTH_STATES) this.set({ queue, state }, counts[state]);
      }
    }
  },
);

/** Registers this app's queues with `prm_queue_depth` while the app runs. */
@Injectable()
export class QueueDepthMetrics implements OnModuleInit, OnModuleDestroy {
  readonly reader: QueueDepthReader;

  constructor(discovery: QueueDiscovery) {
    this.reader = new QueueDepthReader(() => discovery.queues());
  }

  onModuleInit(): void {
    queueReaders.add(this.reader);
  }

  onModuleDestroy(): void {
    queueReaders.delete(this.reader);
  }
}

/** Route label of a request: the matched route pattern (bounded), `unmatched` for static files and 404s. */
export function routeLabel(req: Pick<Request, 'baseUrl'> & { route?: { path?: unknown } }): string {
  const path = req.route?.path;
  return typeof path === 'string' ? `${req.baseUrl ?? ''}${path}` : 'unmatched';
}

/** Express middleware counting requests and timing them (`prm_http_requests_total`, `..._duration_seconds`). */
export function httpMetricsMiddleware(req: Request, res: Response, next: NextFunction): void {
  const end = httpRequestDuration.startTimer();
  res.once('finish', () => {
    const labels = { method: req.method, route: routeLabel(req), status: String(res.statusCode) };
    httpRequestsTotal.inc(labels);
    end(labels);
  });
  next();
}

/** `GET /metrics`: Prometheus text format of prom-client's default register. */
@ApiExcludeController()
@RequireRole('viewer')
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', register.contentType)
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    return register.metrics();
  }
}

/**
 * Prometheus metrics for one service: default process metrics, HTTP request counters, BullMQ queue depths of the
 * app's queues, plus whatever other modules register in prom-client's default register (poll, lag, alert metrics).
 */
@Module({
  imports: [DiscoveryModule],
  controllers: [MetricsController],
  providers: [QueueDiscovery, QueueDepthMetrics],
  exports: [QueueDiscovery],
})
export class MetricsModule implements NestModule {
  constructor() {
    ensureDefaultMetrics();
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(httpMetricsMiddleware).forRoutes('*');
  }
}
