import { Injectable } from '@nestjs/common';
import { DomainError, type StreamDetailView, type StreamMetricsView, type StreamView } from '@prm/contracts';
import { thresholdLevel } from '@prm/monitor-service';
import {
  type EffectiveThresholds,
  EndpointRepository,
  MetricSampleRepository,
  ReplicationErrorRepository,
  type StoredStreamDetail,
  StreamRepository,
  type StreamRecord,
  type StreamStatusRecord,
  StreamStatusRepository,
  ThresholdRepository,
} from '@prm/persistence';
import { parseMetricsQuery } from './metrics-query.js';
import { annotateTableProblems } from './table-problems.js';

/** Errors listed on the Stream page (newest first). */
export const STREAM_ERRORS_LIMIT = 100;

/**
 * Read side of streams for the API: the monitor's latest derived status per stream (`stream_status.detail`),
 * completed with what may have changed since that poll: endpoint names, effective thresholds (a thresholds change
 * re-levels at once, not at the next poll), the newest logged error, and the errors themselves.
 * Throws `DomainError`: not-found (unknown or malformed stream id), validation-failed (metrics query).
 */
@Injectable()
export class StreamsService {
  constructor(
    private readonly streams: StreamRepository,
    private readonly statuses: StreamStatusRepository,
    private readonly endpoints: EndpointRepository,
    private readonly thresholds: ThresholdRepository,
    private readonly errors: ReplicationErrorRepository,
    private readonly metricsRepo: MetricSampleRepository,
  ) {}

  /** Every stream, sorted by target endpoint name then subscription. */
  async list(): Promise<StreamView[]> {
    const records = await this.streams.list();
    const ids = records.map((r) => r.id);
    const [statuses, names, effective, lastErrors] = await Promise.all([
      this.statuses.list(ids),
      this.endpointNames(),
      this.thresholds.effectiveMany(ids),
      this.errors.latestAtByStream(ids),
    ]);
    const byId = new Map(statuses.map((s) => [s.streamId, s] as const));
    return records
      .map((r) => toSummary(compose(r, byId.get(r.id) ?? null, names, effective.get(r.id)!, lastErrors.get(r.id))))
      .sort((a, b) => a.targetName.localeCompare(b.targetName) || a.subscription.localeCompare(b.subscription));
  }

  /** One stream with its publication/subscription/slot detail, tables and the newest {@link STREAM_ERRORS_LIMIT} errors. */
  async get(id: string): Promise<StreamDetailView> {
    const record = await this.require(id);
    const [status, names, effective, errors] = await Promise.all([
      this.statuses.get(id),
      this.endpointNames(),
      this.thresholds.effective(id),
      this.errors.listForStream(id, STREAM_ERRORS_LIMIT),
    ]);
    const detail = compose(record, status, names, effective, errors[0]?.at);
    return { ...detail, tables: annotateTableProblems(detail.tables, errors), errors };
  }

  /** Lag (bytes, seconds) and backfill percent over `[from, to)`, bucketed by `step` seconds (max per bucket). */
  async metrics(id: string, query: { from?: unknown; to?: unknown; step?: unknown }): Promise<StreamMetricsView> {
    const window = parseMetricsQuery(query);
    await this.require(id);
    const points = await this.metricsRepo.series(id, window.from, window.to, window.stepSeconds);
    return {
      streamId: id,
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      step: window.stepSeconds,
      points,
    };
  }

  private async require(id: string): Promise<StreamRecord> {
    const record = isUuid(id) ? await this.streams.get(id) : null;
    if (!record)
      throw new DomainError('not-found', `stream ${id} not found`, [{ field: 'id', reason: 'no such stream' }]);
    return record;
  }

  private async endpointNames(): Promise<Map<string, string>> {
    return new Map((await this.endpoints.findAll()).map((e) => [e.id, e.name] as const));
  }
}

/**
 * The stream as the API shows it: the stored detail (or an `unknown` placeholder before the first derivation) with
 * identity, names, thresholds, level and last error time taken from the current tables.
 */
export function compose(
  record: StreamRecord,
  status: StreamStatusRecord | null,
  names: ReadonlyMap<string, string>,
  effective: EffectiveThresholds,
  newestErrorAt: string | undefined,
): StoredStreamDetail {
  const base = status?.detail ?? placeholder(record);
  const lastErrorAt =
    [base.lastErrorAt, newestErrorAt ?? null]
      .filter((t): t is string => !!t)
      .sort()
      .pop() ?? null;
  return {
    ...base,
    id: record.id,
    sourceEndpointId: record.sourceEndpointId,
    targetEndpointId: record.targetEndpointId,
    sourceName: record.sourceEndpointId ? (names.get(record.sourceEndpointId) ?? base.sourceName) : null,
    targetName: names.get(record.targetEndpointId) ?? base.targetName,
    subscription: record.subscriptionName,
    publications: record.publications,
    slotName: record.slotName,
    thresholds: effective.thresholds,
    thresholdsOverridden: effective.overridden,
    level: thresholdLevel(base.lag, effective.thresholds),
    lastErrorAt,
    updatedAt: base.updatedAt ?? status?.updatedAt ?? null,
  };
}

/** `GET /api/streams` rows leave out the Stream page's detail blocks. */
export function toSummary(d: StoredStreamDetail): StreamView {
  const { publicationDetail: _p, subscriptionDetail: _s, slotDetail: _sl, tables: _t, ...view } = d;
  return view;
}

function placeholder(r: StreamRecord): StoredStreamDetail {
  return {
    id: r.id,
    sourceEndpointId: r.sourceEndpointId,
    targetEndpointId: r.targetEndpointId,
    sourceName: null,
    targetName: r.targetEndpointId,
    subscription: r.subscriptionName,
    publications: r.publications,
    slotName: r.slotName,
    state: 'unknown',
    stateReason: 'not derived yet (waiting for the first poll of both ends)',
    lag: { bytes: null, seconds: null, writeLagSeconds: null, flushLagSeconds: null, replayLagSeconds: null },
    level: 'ok',
    thresholds: { warningBytes: null, criticalBytes: null, warningSeconds: null, criticalSeconds: null },
    thresholdsOverridden: false,
    backfill: null,
    lastErrorAt: null,
    applyErrorCount: null,
    syncErrorCount: null,
    drift: { missingOnSubscriber: [], notInPublication: [] },
    conninfoHasPassword: null,
    updatedAt: null,
    publicationDetail: null,
    subscriptionDetail: null,
    slotDetail: null,
    tables: [],
  };
}

function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}
