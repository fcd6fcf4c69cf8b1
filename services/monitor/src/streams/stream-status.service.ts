import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import {
  type EndpointStatus,
  type EndpointView,
  EventPattern,
  type LiveMessage,
  type SlotInfo,
  type SubscriptionInfo,
  type TableSyncView,
} from '@prm/contracts';
import {
  type DiscoveredStream,
  type EffectiveThresholds,
  type MetricSample,
  MetricSampleRepository,
  type StoredStreamDetail,
  type StreamDerivationInputs,
  StreamRepository,
  type StreamRecord,
  type StreamStatusRecord,
  StreamStatusRepository,
  type StreamSync,
  WalSampleRepository,
} from '@prm/persistence';

import { estimateBackfill } from '../backfill/backfill.estimator.js';
import { type BackfillTracking, type EstimateBackfill, type TableObservation } from '../backfill/backfill.types.js';
import {
  MONITOR_EVENTS,
  MONITOR_SETTINGS,
  MONITOR_STORE,
  type MonitorEventBus,
  type MonitorSettings,
  type MonitorStore,
  resolveStreamSettings,
  type StreamSettings,
} from '../monitor.ports.js';
import { forgetStream, recordStreamLag } from '../metrics/monitor-metrics.js';
import { Coalescer } from '../poll/coalescer.js';
import { EndpointDirectory } from '../poll/endpoint-directory.js';
import { publisherFinder } from '../topology/topology.builder.js';
import { computeDrift, lagSeconds, thresholdLevel, walsenderLag } from './lag.js';
import { deriveStreamState } from './stream-state.js';

/** A pause recorded less than this long before a snapshot may not be applied yet (the run disables after it), ms. */
export const PAUSE_SETTLE_MS = 120_000;
/** The monitor's memory of a stream between derivations (stored as `stream_status.tracking`, plain JSON). */
export interface StreamTracking {
  /** Subscriber `now()` of the last subscriber snapshot consumed (a new one advances the counters below). */
  subscriberAt: string | null;
  /** Publisher `now()` of the last publisher snapshot consumed. */
  publisherAt: string | null;
  applyErrorCount: number | null;
  syncErrorCount: number | null;
  /** Subscriber time when an error counter last rose. */
  counterRiseAt: string | null;
  counterRise: string | null;
  workerMissingPolls: number;
  everHadWorker: boolean;
  slotInactivePolls: number;
  /** The backfill estimator's own memory. */
  backfill: BackfillTracking | null;
}

const EMPTY_TRACKING: StreamTracking = {
  subscriberAt: null,
  publisherAt: null,
  applyErrorCount: null,
  syncErrorCount: null,
  counterRiseAt: null,
  counterRise: null,
  workerMissingPolls: 0,
  everHadWorker: false,
  slotInactivePolls: 0,
  backfill: null,
};

const HOUR_MS = 3_600_000;
const STATE_LABELS = { i: 'init', d: 'copying', f: 'copied', s: 'synchronized', r: 'ready' } as const;

/** Everything one derivation reads (both ends' latest snapshots and the stream's memory). */
export interface StreamDerivationInput {
  stream: StreamRecord;
  target: EndpointView | null;
  targetStatus: EndpointStatus | null;
  source: EndpointView | null;
  sourceStatus: EndpointStatus | null;
  previous: StreamStatusRecord | null;
  thresholds: EffectiveThresholds;
  /** The earliest publisher WAL sample beyond the slot's `confirmed_flush_lsn` (see {@link lagSeconds}). */
  earliestUnconfirmed: { sampledAt: string; lsn: string } | null;
  /** Newest replication error attached to the stream (server time), from the log reader. */
  lastLogErrorAt: string | null;
  /** prm's clock. */
  now: Date;
  settings: StreamSettings;
  estimate: EstimateBackfill;
}

export interface StreamDerivation {
  detail: StoredStreamDetail;
  tracking: StreamTracking;
}

function isStale(status: EndpointStatus, now: Date, pollIntervalMs: number): boolean {
  return now.getTime() - Date.parse(status.checkedAt) > 3 * pollIntervalMs + 5_000;
}

function publicationTables(stream: StreamRecord, pub: EndpointStatus | null): string[] | null {
  if (!pub) return null;
  const pubs = pub.publications.filter((p) => stream.publications.includes(p.name));
  return [...new Set(pubs.flatMap((p) => p.tables))].sort();
}

function tableObservations(
  sub: SubscriptionInfo,
  subStatus: EndpointStatus,
  pubStatus: EndpointStatus | null,
  publications: string[],
): TableObservation[] {
  const copies = new Map(
    (subStatus.copyProgress ?? []).filter((c) => c.command === 'COPY FROM' && c.table).map((c) => [c.table!, c]),
  );
  const sizes = new Map(
    (pubStatus?.tableSizes ?? []).filter((t) => publications.includes(t.publication)).map((t) => [t.table, t]),
  );
  return (sub.tables ?? []).map((t) => {
    const c = t.state === 'd' ? copies.get(t.table) : undefined;
    const size = sizes.get(t.table);
    return {
      table: t.table,
      state: t.state,
      rowsCopied: c?.tuplesProcessed ?? null,
      bytesCopied: c?.bytesProcessed ?? null,
      rowsEstimated: size?.estimatedRows ?? null,
      sizeBytes: size?.heapBytes ?? null,
    };
  });
}

/**
 * Derives one stream's detail and memory from both ends' latest snapshots. Pure apart from calling `estimate`.
 *
 * - Lag bytes: the publisher's slot `pg_current_wal_lsn() − confirmed_flush_lsn` (one clock); lag seconds:
 *   {@link lagSeconds} on the publisher's WAL samples; walsender lags via {@link walsenderLag}. All null unless the
 *   publisher was reached at its latest poll and not stale.
 * - Counters (apply/sync errors, missing worker, inactive slot) advance only on a new snapshot of their end, so a
 *   derivation triggered by the other end's poll does not count twice.
 * - Error hold: a counter rise or a logged error keeps the stream `error` for `errorHoldMs` (subscriber clock for
 *   counters, prm clock for logged errors).
 * - Backfill: `estimate(previous, observation)` on each new subscriber snapshot (tables from `pg_subscription_rel`,
 *   copy progress from the subscriber's COPY FROM rows, sizes from the publisher's cached size query, matched by
 *   `schema.table`).
 */
export function deriveStream(i: StreamDerivationInput): StreamDerivation {
  const { stream, targetStatus: subStatus, sourceStatus: pubStatus, settings } = i;
  const prev = { ...EMPTY_TRACKING, ...((i.previous?.tracking ?? {}) as Partial<StreamTracking>) };
  const t: StreamTracking = { ...prev };
  const prevDetail = i.previous?.detail ?? null;
  const subUp = subStatus !== null && subStatus.reachability === 'reachable';
  const subFresh = subUp && !isStale(subStatus, i.now, settings.pollIntervalMs);
  const pubUp = pubStatus !== null && pubStatus.reachability === 'reachable';
  const pubFresh = pubUp && !isStale(pubStatus, i.now, settings.pollIntervalMs);
  const sub = subStatus?.subscriptions.find((s) => s.name === stream.subscriptionName) ?? null;
  const slot: SlotInfo | null | undefined =
    pubStatus && pubUp && stream.slotName !== null
      ? (pubStatus.slots.find((s) => s.name === stream.slotName && s.slotType === 'logical') ?? null)
      : undefined;

  // Counters on a new subscriber snapshot.
  const newSubSnapshot = subUp && sub !== null && subStatus.serverTime !== prev.subscriberAt;
  if (newSubSnapshot) {
    t.subscriberAt = subStatus.serverTime;
    const rises: string[] = [];
    if (prev.applyErrorCount !== null && (sub.applyErrorCount ?? 0) > prev.applyErrorCount) {
      rises.push(`apply_error_count rose ${prev.applyErrorCount} → ${sub.applyErrorCount}`);
    }
    if (prev.syncErrorCount !== null && (sub.syncErrorCount ?? 0) > prev.syncErrorCount) {
      rises.push(`sync_error_count rose ${prev.syncErrorCount} → ${sub.syncErrorCount}`);
    }
    if (rises.length > 0) {
      t.counterRiseAt = subStatus.serverTime;
      t.counterRise = rises.join(', ');
    }
    t.applyErrorCount = sub.applyErrorCount;
    t.syncErrorCount = sub.syncErrorCount;
    if (sub.workerPid !== null) t.everHadWorker = true;
    t.workerMissingPolls = sub.enabled && sub.workerPid === null ? prev.workerMissingPolls + 1 : 0;
  }
  if (pubUp && pubStatus.serverTime !== prev.publisherAt) {
    t.publisherAt = pubStatus.serverTime;
    t.slotInactivePolls = slot && !slot.active ? prev.slotInactivePolls + 1 : 0;
  }

  // Recent errors (hold window).
  let recentError: string | null = null;
  const subNow = subStatus?.serverTime ? Date.parse(subStatus.serverTime) : i.now.getTime();
  if (t.counterRiseAt && subNow - Date.parse(t.counterRiseAt) <= settings.errorHoldMs) recentError = t.counterRise;
  if (i.lastLogErrorAt && i.now.getTime() - Date.parse(i.lastLogErrorAt) <= settings.errorHoldMs) {
    recentError = recentError ?? `replication error logged at ${i.lastLogErrorAt}`;
  }

  // Backfill.
  let backfill = prevDetail?.backfill ?? null;
  let tables: TableSyncView[] = prevDetail?.tables ?? [];
  if (newSubSnapshot && subStatus.serverTime) {
    const est = i.estimate(
      prev.backfill,
      {
        at: new Date(subStatus.serverTime),
        tables: tableObservations(sub, subStatus, pubStatus, stream.publications),
        syncErrorCount: sub.syncErrorCount,
        maxSyncWorkers: subStatus.maxSyncWorkers ?? null,
      },
      { stallAfterMs: settings.backfillStallMs, rateAlpha: settings.backfillRateAlpha },
    );
    backfill = est.view;
    tables = est.tables;
    t.backfill = est.tracking;
  } else if (sub && tables.length === 0 && (sub.tables ?? []).length > 0) {
    tables = (sub.tables ?? []).map((x) => ({
      table: x.table,
      state: x.state,
      stateLabel: STATE_LABELS[x.state],
      rowsCopied: null,
      rowsEstimated: null,
      sizeBytes: null,
      progress: x.state === 'i' || x.state === 'd' ? 0 : 1,
      retries: 0,
      etaSeconds: null,
      stalled: false,
      problem: null,
    }));
  }

  // Lag (publisher clock).
  const lagOk = pubFresh && slot !== undefined && slot !== null;
  const lagBytes = lagOk ? slot.lagBytes : null;
  const lag = {
    bytes: lagBytes,
    seconds: lagOk
      ? lagSeconds(slot.confirmedFlushLsn, pubStatus.walLsn, i.earliestUnconfirmed, pubStatus.serverTime!)
      : null,
    writeLagSeconds: lagOk ? walsenderLag(slot.writeLagSeconds, lagBytes) : null,
    flushLagSeconds: lagOk ? walsenderLag(slot.flushLagSeconds, lagBytes) : null,
    replayLagSeconds: lagOk ? walsenderLag(slot.replayLagSeconds, lagBytes) : null,
  };

  const { state, reason } = deriveStreamState({
    subscriber: subStatus
      ? {
          reachable: subUp,
          stale: !subFresh,
          name: i.target?.name ?? stream.targetEndpointId,
          errorCode: subStatus.lastError?.code ?? null,
        }
      : null,
    publisher: i.source
      ? { reachable: pubUp, stale: !pubFresh, name: i.source.name, polled: pubStatus !== null }
      : null,
    subscription: sub
      ? {
          enabled: sub.enabled,
          workerPid: sub.workerPid,
          tables: sub.tables ?? [],
          disableOnError: sub.options?.['disable_on_error'] === true,
        }
      : null,
    slot: slot === undefined ? undefined : slot && { name: slot.name, active: slot.active },
    slotName: stream.slotName,
    workerMissingPolls: t.workerMissingPolls,
    everHadWorker: t.everHadWorker,
    slotInactivePolls: t.slotInactivePolls,
    recentError,
    backfillStalled: backfill?.stalled === true,
    stallAfterMs: settings.backfillStallMs,
    paused: stream.pausedAt ? { at: stream.pausedAt, by: stream.pausedBy } : null,
  });

  const pubTables = publicationTables(stream, pubStatus);
  const pubs = pubStatus?.publications.filter((p) => stream.publications.includes(p.name)) ?? [];
  const lastErrorAt =
    [i.lastLogErrorAt, t.counterRiseAt]
      .filter((x): x is string => x !== null)
      .sort()
      .pop() ?? null;
  const detail: StoredStreamDetail = {
    id: stream.id,
    sourceEndpointId: stream.sourceEndpointId,
    targetEndpointId: stream.targetEndpointId,
    sourceName: i.source?.name ?? null,
    targetName: i.target?.name ?? stream.targetEndpointId,
    subscription: stream.subscriptionName,
    publications: stream.publications,
    slotName: stream.slotName,
    state,
    stateReason: reason,
    lag,
    level: thresholdLevel(lag, i.thresholds.thresholds),
    thresholds: i.thresholds.thresholds,
    thresholdsOverridden: i.thresholds.overridden,
    backfill,
    lastErrorAt,
    applyErrorCount: sub?.applyErrorCount ?? null,
    syncErrorCount: sub?.syncErrorCount ?? null,
    drift:
      pubTables && sub
        ? computeDrift(
            pubTables,
            (sub.tables ?? []).map((x) => x.table),
          )
        : (prevDetail?.drift ?? { missingOnSubscriber: [], notInPublication: [] }),
    conninfoHasPassword: sub?.conninfoHasPassword ?? null,
    pausedAt: stream.pausedAt,
    pausedBy: stream.pausedBy,
    updatedAt: i.now.toISOString(),
    publicationDetail:
      pubs.length > 0
        ? {
            names: pubs.map((p) => p.name),
            allTables: pubs.some((p) => p.allTables),
            tables: pubTables ?? [],
            operations: {
              insert: pubs.some((p) => p.insert),
              update: pubs.some((p) => p.update),
              delete: pubs.some((p) => p.delete),
              truncate: pubs.some((p) => p.truncate),
            },
          }
        : null,
    subscriptionDetail: sub
      ? {
          enabled: sub.enabled,
          workerPid: sub.workerPid,
          receivedLsn: sub.receivedLsn,
          latestEndLsn: sub.latestEndLsn,
          lastMsgReceiptTime: sub.lastMsgReceiptTime,
          latestEndTime: sub.latestEndTime,
          options: sub.options ?? {},
        }
      : null,
    slotDetail: slot
      ? {
          name: slot.name,
          active: slot.active,
          walStatus: slot.walStatus,
          restartLsn: slot.restartLsn,
          confirmedFlushLsn: slot.confirmedFlushLsn,
          retainedBytes: slot.retainedBytes,
        }
      : (prevDetail?.slotDetail ?? null),
    tables,
  };
  return { detail, tracking: t };
}

/** A WAL position to record (see `WalSampleRepository.insertIfChanged`). */
interface WalSampleInput {
  endpointId: string;
  sampledAt: string;
  lsn: string;
}

/** A subscriber catalog to sync (see `StreamRepository.syncDiscovered`). */
interface CatalogInput {
  targetEndpointId: string;
  streams: DiscoveredStream[];
}

/**
 * Stream monitoring after each endpoint poll: keeps `stream` rows in step with the subscribers' catalogs, records
 * the publisher's WAL position, re-derives every stream touching the endpoint from both ends' latest snapshots,
 * stores `stream_status` and one `metric_sample` per stream, purges old samples at most hourly, and emits
 * `stream.updated` (`{ type: 'stream.updated', streamIds, at }`).
 *
 * Metadata cost per poll, whatever the number of streams and endpoints: the endpoint list comes from the
 * {@link EndpointDirectory} (no statement while fresh); then one WAL-sample insert and one stream sync (in
 * parallel, reachable endpoints only), one read of everything the derivations need
 * (`StreamStatusRepository.listForDerivation`: streams, statuses, thresholds, errors, the other ends' snapshots, the
 * publishers' WAL samples) and one write of every stream status and metric sample
 * (`StreamStatusRepository.saveMany`). A subscriber whose conninfo prm may not read adds
 * one statement (the endpoints holding its slots). Each of these statements is shared by the polls running at the
 * same time ({@link Coalescer}): polls finishing together cost one statement of each kind per batch.
 */
@Injectable()
export class StreamStatusService {
  private readonly logger = new Logger(StreamStatusService.name);
  private readonly settings: StreamSettings;
  private readonly directory: EndpointDirectory;
  private lastPurgeAt = 0;
  private readonly walWrites: Coalescer<WalSampleInput, boolean>;
  private readonly syncs: Coalescer<CatalogInput, StreamSync>;
  private readonly reads: Coalescer<string, StreamDerivationInputs>;
  private readonly writes: Coalescer<{ records: StreamStatusRecord[]; samples: MetricSample[] }, void>;

  /**
   * @param directory the monitor's endpoint list cache (shared with `MonitorPollService`); when absent (a caller
   *   constructing the service by hand), one of its own on `store`, re-read every poll interval.
   */
  constructor(
    @Inject(MONITOR_STORE) store: MonitorStore,
    @Inject(MONITOR_EVENTS) private readonly events: MonitorEventBus,
    @Inject(MONITOR_SETTINGS) settings: MonitorSettings,
    @Inject(StreamRepository) private readonly streams: StreamRepository,
    @Inject(StreamStatusRepository) statuses: StreamStatusRepository,
    @Inject(WalSampleRepository) private readonly walSamples: WalSampleRepository,
    @Inject(MetricSampleRepository) private readonly metrics: MetricSampleRepository,
    @Optional() @Inject(EndpointDirectory) directory?: EndpointDirectory,
  ) {
    this.settings = resolveStreamSettings(settings);
    this.directory = directory ?? new EndpointDirectory(store, settings.pollIntervalMs);
    this.walWrites = new Coalescer((batch) => walSamples.insertIfChangedMany(batch));
    this.syncs = new Coalescer((batch) => streams.syncDiscoveredMany(batch));
    this.reads = new Coalescer(async (ids) => {
      const found = await statuses.listForDerivationMany(ids);
      return ids.map((id) => found.get(id)!);
    });
    this.writes = new Coalescer<{ records: StreamStatusRecord[]; samples: MetricSample[] }, void>(async (batch) => {
      await statuses.saveMany(
        batch.flatMap((b) => b.records),
        batch.flatMap((b) => b.samples),
      );
      return batch.map(() => undefined);
    });
  }

  /** The backfill estimator (replaceable in tests). */
  estimate: EstimateBackfill = estimateBackfill;
  /** prm's clock (replaceable in tests). */
  clock: () => Date = () => new Date();

  /**
   * Runs after `endpoint`'s poll stored `status`: {@link recordCatalog}, then {@link deriveStreams}.
   * @returns ids of the streams re-derived (empty when none touch the endpoint).
   * @throws only for failures of prm's metadata store or event bus.
   */
  async afterPoll(endpoint: EndpointView, status: EndpointStatus): Promise<string[]> {
    return this.deriveStreams(endpoint, status, await this.recordCatalog(endpoint, status));
  }

  /**
   * The first half of {@link afterPoll}, which needs only the new snapshot (not yet stored): on a reachable
   * endpoint, records its WAL position and brings its streams in step with its subscriptions (the two statements in
   * parallel). The monitor runs it while the snapshot is being stored.
   * @returns ids of the streams removed (their subscription vanished from the subscriber's catalog).
   * @throws only for failures of prm's metadata store.
   */
  async recordCatalog(endpoint: EndpointView, status: EndpointStatus): Promise<string[]> {
    if (status.reachability !== 'reachable') return [];
    const endpoints = await this.directory.list();
    const [, removed] = await Promise.all([
      status.walLsn && status.serverTime
        ? this.walWrites.submit({ endpointId: endpoint.id, sampledAt: status.serverTime, lsn: status.walLsn })
        : null,
      this.syncStreams(endpoint, status, endpoints),
    ]);
    return removed;
  }

  /**
   * The second half of {@link afterPoll}, once `status` is stored and {@link recordCatalog} done: re-derives every
   * stream touching the endpoint, stores their statuses and samples, and emits `stream.updated` naming the streams
   * re-derived and `removed`; none is emitted when both are empty.
   * @returns ids of the streams re-derived (empty when none touch the endpoint).
   * @throws only for failures of prm's metadata store or event bus.
   */
  async deriveStreams(endpoint: EndpointView, status: EndpointStatus, removed: string[]): Promise<string[]> {
    const now = this.clock();
    const endpoints = await this.directory.list();
    const inputs = await this.reads.submit(endpoint.id);
    if (inputs.streams.length === 0) {
      await this.maybePurge(now);
      if (removed.length > 0) {
        const message: LiveMessage = { type: 'stream.updated', streamIds: removed, at: now.toISOString() };
        await this.events.emit(EventPattern.StreamUpdated, message);
      }
      return [];
    }
    const byId = new Map(endpoints.map((e) => [e.id, e]));
    const statusById = new Map<string, EndpointStatus>(inputs.endpointStatuses.map((s) => [s.endpointId, s]));
    statusById.set(endpoint.id, status);
    const statusOf = (id: string | null): EndpointStatus | null => (id === null ? null : (statusById.get(id) ?? null));

    const records: StreamStatusRecord[] = [];
    const samples: MetricSample[] = [];
    const details: StoredStreamDetail[] = [];
    for (const { stream, previous, thresholds, lastLogErrorAt, earliestUnconfirmed } of inputs.streams) {
      const { detail, tracking } = deriveStream({
        stream,
        target: byId.get(stream.targetEndpointId) ?? null,
        targetStatus: statusOf(stream.targetEndpointId),
        source: stream.sourceEndpointId ? (byId.get(stream.sourceEndpointId) ?? null) : null,
        sourceStatus: statusOf(stream.sourceEndpointId),
        previous,
        thresholds,
        earliestUnconfirmed,
        lastLogErrorAt,
        now,
        settings: this.settings,
        estimate: this.estimate,
      });
      records.push({
        streamId: stream.id,
        detail,
        tracking: tracking as unknown as Record<string, unknown>,
        updatedAt: now.toISOString(),
      });
      samples.push({
        streamId: stream.id,
        sampledAt: now.toISOString(),
        lagBytes: detail.lag.bytes,
        lagSeconds: detail.lag.seconds,
        backfillPercent: detail.backfill?.percent ?? null,
      });
      details.push(detail);
    }
    await this.writes.submit({ records, samples });
    // A pause through prm ends when the subscription is seen enabled again (resumed by other means than prm) in a
    // snapshot taken well after the pause was recorded (the pause run records it just before it disables).
    const resumed = inputs.streams.filter(({ stream }) => {
      const target = statusOf(stream.targetEndpointId);
      return (
        stream.pausedAt !== null &&
        target?.reachability === 'reachable' &&
        Date.parse(target.checkedAt) - Date.parse(stream.pausedAt) > PAUSE_SETTLE_MS &&
        target.subscriptions.some((x) => x.name === stream.subscriptionName && x.enabled)
      );
    });
    if (resumed.length > 0) await this.streams.clearPaused(resumed.map(({ stream }) => stream.id));
    for (const d of details) recordStreamLag(d);
    await this.maybePurge(now);
    const ids = inputs.streams.map(({ stream }) => stream.id);
    const message: LiveMessage = { type: 'stream.updated', streamIds: [...ids, ...removed], at: now.toISOString() };
    await this.events.emit(EventPattern.StreamUpdated, message);
    return ids;
  }

  /**
   * Upserts the subscriber's subscriptions as streams and deletes those that vanished from its catalog (one
   * statement; nothing is written when the catalog did not change).
   * @returns ids of the streams deleted.
   */
  private async syncStreams(
    endpoint: EndpointView,
    status: EndpointStatus,
    endpoints: EndpointView[],
  ): Promise<string[]> {
    // Without a readable conninfo the publisher is the endpoint holding the subscription's slot: read only the
    // snapshots of endpoints holding one of those slots.
    const slotNames = status.subscriptions.filter((s) => s.conninfo === null && s.slotName !== null);
    const statuses = new Map(
      (slotNames.length > 0 ? await this.streams.slotHolderStatuses(slotNames.map((s) => s.slotName!)) : []).map(
        (s) => [s.endpointId, s],
      ),
    );
    statuses.set(endpoint.id, status);
    const publisherOf = publisherFinder(endpoints, statuses);
    const { deleted: gone } = await this.syncs.submit({
      targetEndpointId: endpoint.id,
      streams: status.subscriptions.map((s) => ({
        subscriptionName: s.name,
        sourceEndpointId: publisherOf(s, endpoint)?.id ?? null,
        publications: s.publications,
        slotName: s.slotName,
      })),
    });
    for (const id of gone) forgetStream(id);
    if (gone.length > 0)
      this.logger.log(`streams removed (subscription dropped on ${endpoint.name}): ${gone.join(', ')}`);
    return gone;
  }

  /** Deletes metric and WAL samples older than the retention, at most once an hour per process. */
  private async maybePurge(now: Date): Promise<void> {
    if (now.getTime() - this.lastPurgeAt < HOUR_MS) return;
    this.lastPurgeAt = now.getTime();
    const before = new Date(now.getTime() - this.settings.metricsRetentionDays * 24 * HOUR_MS);
    const [m, w] = await Promise.all([this.metrics.purgeOlderThan(before), this.walSamples.purgeOlderThan(before)]);
    if (m + w > 0) this.logger.log(`purged ${m} metric and ${w} WAL samples older than ${before.toISOString()}`);
  }
}
