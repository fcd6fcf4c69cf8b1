import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnApplicationShutdown, Optional } from '@nestjs/common';
import {
  ALERT_EVAL_ENQUEUER,
  type AlertEvalEnqueuer,
  type EndpointStatus,
  type EndpointView,
  EventPattern,
  JobName,
  QueueName,
} from '@prm/contracts';
import { Queue } from 'bullmq';

import {
  MONITOR_EVENTS,
  MONITOR_SETTINGS,
  MONITOR_STORE,
  type MonitorEventBus,
  type MonitorSettings,
  type MonitorStore,
  type StatusUpdatedEvent,
} from '../monitor.ports.js';
import { type LogIngestion, MONITOR_LOG_INGESTION } from '../logs/log-ingestion.port.js';
import { EndpointConnectionManager } from './endpoint-connection.manager.js';
import { EndpointDirectory } from './endpoint-directory.js';
import { StreamStatusService } from '../streams/stream-status.service.js';
import { EndpointPollerService } from './endpoint-poller.service.js';

/** Data of a `poll-endpoint` job. */
export interface PollEndpointJobData {
  endpointId: string;
  /** The tick (epoch ms) that fanned it out. */
  tick: number;
}

/** Deterministic id of the poll job of one endpoint in one tick: a re-run tick adds no duplicate. */
export function pollJobId(endpointId: string, tick: number): string {
  return `poll:${endpointId}:${tick}`;
}

/**
 * The monitor's poll flow: fan a tick out into one `poll-endpoint` job per endpoint, poll one endpoint, store
 * its snapshot and announce it with `status.updated`.
 */
@Injectable()
export class MonitorPollService implements OnApplicationShutdown {
  private readonly logger = new Logger(MonitorPollService.name);

  constructor(
    @Inject(MONITOR_STORE) private readonly store: MonitorStore,
    @Inject(MONITOR_EVENTS) private readonly events: MonitorEventBus,
    @Inject(MONITOR_SETTINGS) private readonly settings: MonitorSettings,
    @Inject(EndpointConnectionManager) private readonly connections: EndpointConnectionManager,
    @Inject(EndpointPollerService) private readonly poller: EndpointPollerService,
    @InjectQueue(QueueName.MonitorPoll) private readonly queue: Queue,
    @Inject(StreamStatusService) private readonly streams: StreamStatusService,
    @Inject(EndpointDirectory) private readonly directory: EndpointDirectory,
    @Optional() @Inject(MONITOR_LOG_INGESTION) private readonly logIngestion?: LogIngestion,
    @Optional() @Inject(ALERT_EVAL_ENQUEUER) private readonly alertEval?: AlertEvalEnqueuer,
  ) {}

  /**
   * Adds one `poll-endpoint` job per endpoint for tick `tick` (jobId `poll:<endpointId>:<tick>`, removed on
   * completion, one attempt: the next tick is the retry). The endpoint list is read from the store (one
   * statement) and kept as this process's `EndpointDirectory` copy for the polls. Closes this process's sessions to
   * endpoints that are gone or that it has not polled for three intervals (another instance polls them).
   * @returns the number of jobs added.
   */
  async fanOut(tick: number): Promise<number> {
    const endpoints = await this.directory.reload();
    this.connections.retain(endpoints.map((e) => e.id));
    this.connections.closeIdle(3 * this.settings.pollIntervalMs);
    if (endpoints.length === 0) return 0;
    await this.queue.addBulk(
      endpoints.map((e) => ({
        name: JobName.PollEndpoint,
        data: { endpointId: e.id, tick } satisfies PollEndpointJobData,
        opts: {
          jobId: pollJobId(e.id, tick),
          attempts: 1,
          removeOnComplete: true,
          removeOnFail: { age: 24 * 3600, count: 1000 },
        },
      })),
    );
    return endpoints.length;
  }

  /**
   * Polls one endpoint, upserts its snapshot (meanwhile records its WAL position and stream catalog:
   * `StreamStatusService.recordCatalog`) and emits `status.updated` ({@link StatusUpdatedEvent}), then re-derives the
   * streams touching it (`StreamStatusService.deriveStreams`, which emits `stream.updated`), then enqueues
   * an `alert-eval` job for the snapshot when the alerter's enqueuer is present (`ALERT_EVAL_ENQUEUER`, optional).
   * The endpoint comes from the `EndpointDirectory` (no statement while fresh); its previous snapshot is read while
   * the endpoint answers. An endpoint deleted meanwhile has its session closed and nothing stored.
   * @returns the stored status, or null when the endpoint no longer exists.
   * @throws only for failures of prm's own store or event bus (the job then fails and is kept for inspection).
   */
  async pollEndpoint(endpointId: string): Promise<EndpointStatus | null> {
    // The previous snapshot is read while the endpoint answers its discovery statement (the poller awaits it).
    const previous = this.store.findStatus(endpointId);
    previous.catch(() => undefined); // awaited below or by the poller
    const endpoint = await this.directory.get(endpointId);
    if (!endpoint) {
      this.connections.close(endpointId);
      await previous;
      return null;
    }
    const status = await this.poller.poll(endpoint, previous);
    const before = await previous;
    if (status.reachability !== 'reachable' && before?.reachability !== status.reachability) {
      this.logger.warn(`endpoint ${endpoint.name} (${endpointId}) unreachable: ${status.lastError?.code}`);
    }
    // The stream catalog is synced while the snapshot is stored (neither needs the other).
    const catalog = this.streams.recordCatalog(endpoint, status);
    catalog.catch(() => undefined); // awaited below
    await this.store.saveStatus(status);
    const removed = await catalog;
    await this.ingestLogs(endpoint, status);
    const event: StatusUpdatedEvent = { endpointIds: [endpointId], at: status.checkedAt };
    await this.events.emit(EventPattern.StatusUpdated, event);
    await this.streams.deriveStreams(endpoint, status, removed);
    // Durable alert evaluation of this snapshot (alerter); a Redis failure fails the job like the event bus would.
    await this.alertEval?.enqueue({ endpointId, checkedAt: status.checkedAt });
    return status;
  }

  /** Reads the endpoint's server log for replication errors (when configured); a failure never fails the poll. */
  private async ingestLogs(endpoint: EndpointView, status: EndpointStatus): Promise<void> {
    if (!this.logIngestion || (endpoint.logSource?.kind ?? 'none') === 'none') return;
    try {
      await this.logIngestion.ingest(endpoint, status);
    } catch (err) {
      this.logger.warn(`endpoint ${endpoint.name} (${endpoint.id}): server log not read: ${(err as Error).message}`);
    }
  }

  /**
   * Call on `endpoint.changed` (created, updated or deleted): the endpoint's session is closed and re-opened on next
   * use, and the in-memory endpoint list is read again on next use.
   */
  endpointChanged(endpointId: string): void {
    this.directory.invalidate();
    this.connections.close(endpointId);
  }

  onApplicationShutdown(): void {
    this.connections.closeAll();
  }
}
