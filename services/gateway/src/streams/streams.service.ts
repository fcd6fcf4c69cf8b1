import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { DomainError, type StreamDetailView, type StreamMetricsView, type StreamView } from '@prm/contracts';
import { DEFAULT_POLL_INTERVAL_MS, thresholdLevel } from '@prm/monitor-service';
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
import { serializeJson } from '../topology/json-body.js';
import { ReadModel } from '../topology/read-model.js';

/** Errors listed on the Stream page (newest first). */
export const STREAM_ERRORS_LIMIT = 100;

/** After `stream.updated` / `endpoint.changed`, the stream list is updated in the background this much later, ms. */
export const STREAMS_UPDATE_DELAY_MS = 100;

/** What changed: these streams (`stream.updated`: rows or derived statuses), or the endpoints (names). */
export type StreamsChange = { streamIds: string[] } | 'all';

/** The list read model: its inputs (to apply changes to) and the sorted rows. */
interface StreamsState {
  records: ReadonlyMap<string, StreamRecord>;
  statuses: ReadonlyMap<string, StreamStatusRecord>;
  names: ReadonlyMap<string, string>;
  ids: string[];
  /** Summaries with the stored thresholds and error time; the current ones are applied per request. */
  rows: StreamView[];
  /** The list last served from this state, serialized, and the current parts it was made with. */
  body?: { current: string; bytes: Buffer };
}

const collator = new Intl.Collator();

/**
 * Read side of streams for the API: the monitor's latest derived status per stream (`stream_status.detail`),
 * completed with what may have changed since that poll: endpoint names, effective thresholds (a thresholds change
 * re-levels at once, not at the next poll), the newest logged error, and the errors themselves.
 *
 * The list (`GET /api/streams`) keeps what changes with the polls as a read model ({@link ReadModel}): the streams,
 * their derived statuses and the endpoint names, sorted; on `stream.updated` only the announced streams are read
 * again, on `endpoint.changed` everything (called by the live events controller; a burst causes one update); from
 * scratch every default poll interval. A request never gets a list that misses an event received before it. Per
 * request, only the small parts that change outside the polls are read (one light statement,
 * `StreamStatusRepository.currentParts`): effective thresholds and the newest logged error per stream; the list is
 * serialized again only when they or the model changed ({@link listBody}). One stream's detail is read per request.
 * Throws `DomainError`: not-found (unknown or malformed stream id), validation-failed (metrics query).
 */
@Injectable()
export class StreamsService implements OnModuleDestroy {
  private readonly model: ReadModel<StreamsState, StreamsChange>;

  constructor(
    private readonly streams: StreamRepository,
    private readonly statuses: StreamStatusRepository,
    private readonly endpoints: EndpointRepository,
    private readonly thresholds: ThresholdRepository,
    private readonly errors: ReplicationErrorRepository,
    private readonly metricsRepo: MetricSampleRepository,
  ) {
    this.model = new ReadModel('streams', (previous, changes) => this.buildList(previous, changes), {
      maxAgeMs: DEFAULT_POLL_INTERVAL_MS,
      updateDelayMs: STREAMS_UPDATE_DELAY_MS,
    });
  }

  /** Every stream, sorted by target endpoint name then subscription. */
  async list(): Promise<StreamView[]> {
    const { state, effective, lastErrors } = await this.current();
    return state.rows.map((s) => withCurrent(s, effective.get(s.id)!, lastErrors.get(s.id)));
  }

  /**
   * {@link list} serialized as the response body. The current parts (thresholds, newest errors) are read on every
   * call; the list is serialized again only when they or the read model changed.
   */
  async listBody(): Promise<Buffer> {
    const { state, effective, lastErrors } = await this.current();
    const current = state.ids
      .map((id) => {
        const { thresholds: t, overridden } = effective.get(id)!;
        return `${overridden}:${t.warningBytes}:${t.criticalBytes}:${t.warningSeconds}:${t.criticalSeconds}:${lastErrors.get(id) ?? ''}`;
      })
      .join('|');
    if (state.body?.current !== current) {
      const rows = state.rows.map((s) => withCurrent(s, effective.get(s.id)!, lastErrors.get(s.id)));
      state.body = { current, bytes: serializeJson(rows) };
    }
    return state.body.bytes;
  }

  /**
   * The read model, and the parts read per request (one light statement): effective thresholds and newest logged
   * error per stream.
   */
  private async current(): Promise<{
    state: StreamsState;
    effective: Map<string, EffectiveThresholds>;
    lastErrors: Map<string, string>;
  }> {
    const state = await this.model.get();
    const { thresholds, newestErrorAt } = await this.statuses.currentParts(state.ids);
    return { state, effective: thresholds, lastErrors: newestErrorAt };
  }

  /** Announces a change (`stream.updated`: those streams; `endpoint.changed`: `'all'`). */
  invalidate(change: StreamsChange): void {
    this.model.invalidate(change);
  }

  onModuleDestroy(): void {
    this.model.close();
  }

  /** The poll-driven part of the list: stored details with current identity and names, sorted. */
  private async buildList(previous: StreamsState | undefined, changes: StreamsChange[]): Promise<StreamsState> {
    let records: Map<string, StreamRecord>;
    let statuses: Map<string, StreamStatusRecord>;
    let names: ReadonlyMap<string, string>;
    if (!previous || changes.includes('all')) {
      const all = await this.streams.list();
      [statuses, names] = await Promise.all([
        this.statuses.list(all.map((r) => r.id)).then((l) => new Map(l.map((s) => [s.streamId, s]))),
        this.endpointNames(),
      ]);
      records = new Map(all.map((r) => [r.id, r]));
    } else {
      const ids = [...new Set(changes.flatMap((c) => (c === 'all' ? [] : c.streamIds)))];
      const [fresh, freshStatuses] = await Promise.all([this.streams.getMany(ids), this.statuses.list(ids)]);
      records = new Map(previous.records);
      statuses = new Map(previous.statuses);
      names = previous.names;
      const found = new Map(fresh.map((r) => [r.id, r]));
      const foundStatuses = new Map(freshStatuses.map((s) => [s.streamId, s]));
      for (const id of ids) {
        const r = found.get(id);
        const st = foundStatuses.get(id);
        if (r) records.set(id, r);
        else records.delete(id);
        if (r && st) statuses.set(id, st);
        else statuses.delete(id);
      }
    }
    const rows = [...records.values()]
      .map((r) => toSummary(identify(r, statuses.get(r.id) ?? null, names)))
      .sort((a, b) => collator.compare(a.targetName, b.targetName) || collator.compare(a.subscription, b.subscription));
    return { records, statuses, names, ids: [...records.keys()], rows };
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
  return withCurrent(identify(record, status, names), effective, newestErrorAt);
}

/** The stored detail (or the placeholder) with identity and names from the current `stream` and `endpoint` rows. */
function identify(
  record: StreamRecord,
  status: StreamStatusRecord | null,
  names: ReadonlyMap<string, string>,
): StoredStreamDetail {
  const base = status?.detail ?? placeholder(record);
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
    updatedAt: base.updatedAt ?? status?.updatedAt ?? null,
  };
}

/**
 * `view` with the parts that change outside the polls: the effective thresholds, the level they give its lag, and
 * the later of its stored last error time and `newestErrorAt` (the newest logged replication error).
 */
export function withCurrent<T extends StreamView>(
  view: T,
  effective: EffectiveThresholds,
  newestErrorAt: string | undefined,
): T {
  const lastErrorAt =
    [view.lastErrorAt, newestErrorAt ?? null]
      .filter((t): t is string => !!t)
      .sort()
      .pop() ?? null;
  return {
    ...view,
    thresholds: effective.thresholds,
    thresholdsOverridden: effective.overridden,
    level: thresholdLevel(view.lag, effective.thresholds),
    lastErrorAt,
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
    pausedAt: r.pausedAt,
    pausedBy: r.pausedBy,
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
