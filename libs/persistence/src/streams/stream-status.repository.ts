import { Injectable } from '@nestjs/common';
import { type EndpointStatus, type LagThresholds, type StreamDetailView } from '@prm/contracts';
import { DataSource } from 'typeorm';

import { type MetricSample } from './metric-sample.repository.js';
import { type StreamRecord } from './stream.repository.js';
import { type EffectiveThresholds } from './threshold.repository.js';
import { type WalSample } from './wal-sample.repository.js';

/** The stored detail: `StreamDetailView` without `errors` (those live in `replication_error`). */
export type StoredStreamDetail = Omit<StreamDetailView, 'errors'>;

/** One row of `stream_status`. */
export interface StreamStatusRecord {
  streamId: string;
  detail: StoredStreamDetail;
  /** The monitor's memory between polls (backfill estimator tracking, previous counters, missing-worker polls). */
  tracking: Record<string, unknown>;
  /** ISO time of the derivation (prm clock). */
  updatedAt: string;
}

interface Row {
  stream_id: string;
  detail: StoredStreamDetail;
  tracking: Record<string, unknown>;
  updated_at: Date;
}

const toRecord = (r: Row): StreamStatusRecord => ({
  streamId: r.stream_id,
  detail: r.detail,
  tracking: r.tracking,
  updatedAt: r.updated_at.toISOString(),
});

/** One stream touching an endpoint with what its derivation reads (see {@link StreamStatusRepository.listForDerivation}). */
export interface StreamDerivationRow {
  stream: StreamRecord;
  /** Its latest status; null before its first derivation. */
  previous: StreamStatusRecord | null;
  thresholds: EffectiveThresholds;
  /** ISO time of its newest row in `replication_error`; null when none. */
  lastLogErrorAt: string | null;
  /**
   * The publisher's earliest WAL sample beyond the `confirmed_flush_lsn` of the stream's slot, as the source's
   * stored snapshot reports it (its logical slot named `slotName`); see `WalSampleRepository.earliestAfter`. Null
   * when there is no source, no such slot or position, or no sample beyond it.
   */
  earliestUnconfirmed: WalSample | null;
}

/** Result of {@link StreamStatusRepository.listForDerivation}. */
export interface StreamDerivationInputs {
  streams: StreamDerivationRow[];
  /** Latest snapshots of the streams' other ends (endpoints never polled yet are absent). */
  endpointStatuses: EndpointStatus[];
}

/** One element of the `streams` array of the derivation statement (JSON: timestamps as text, numbers as numbers). */
interface DerivationRow {
  id: string;
  target_endpoint_id: string;
  subscription_name: string;
  source_endpoint_id: string | null;
  publications: string[];
  slot_name: string | null;
  origin: 'discovered' | 'provisioned';
  paused_at: string | null;
  paused_by: string | null;
  created_at: string;
  updated_at: string;
  status: { detail: StoredStreamDetail; tracking: Record<string, unknown>; updated_at: string } | null;
  overridden: boolean;
  warning_bytes: number | null;
  critical_bytes: number | null;
  warning_seconds: number | null;
  critical_seconds: number | null;
  last_error_at: string | null;
  earliest: { sampled_at: string; lsn: string } | null;
}

/** Latest derived status per stream (table `stream_status`, one row per stream, replaced on every derivation). */
@Injectable()
export class StreamStatusRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores the stream's latest status; dropped silently when the stream was deleted meanwhile. */
  async save(record: StreamStatusRecord): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO stream_status (stream_id, detail, tracking, updated_at)
       SELECT id, $2::jsonb, $3::jsonb, $4 FROM stream WHERE id = $1
       ON CONFLICT (stream_id) DO UPDATE
         SET detail = EXCLUDED.detail, tracking = EXCLUDED.tracking, updated_at = EXCLUDED.updated_at`,
      [record.streamId, JSON.stringify(record.detail), JSON.stringify(record.tracking), record.updatedAt],
    );
  }

  /**
   * {@link save} for many streams plus their time-series samples (`metric_sample`, see
   * `MetricSampleRepository.insert`), in one statement and one transaction. Statuses and samples of streams deleted
   * meanwhile are dropped; a stream repeated in `records` keeps its last record (likewise a repeated sample).
   * @returns how many statuses and samples were stored.
   */
  async saveMany(
    records: StreamStatusRecord[],
    samples: MetricSample[] = [],
  ): Promise<{ statuses: number; samples: number }> {
    if (records.length === 0 && samples.length === 0) return { statuses: 0, samples: 0 };
    const statuses = [...new Map(records.map((r) => [r.streamId, r])).values()].map((r) => ({
      stream_id: r.streamId,
      detail: r.detail,
      tracking: r.tracking,
      updated_at: r.updatedAt,
    }));
    const points = [...new Map(samples.map((m) => [`${m.streamId} ${m.sampledAt}`, m])).values()].map((m) => ({
      stream_id: m.streamId,
      sampled_at: m.sampledAt,
      lag_bytes: m.lagBytes,
      lag_seconds: m.lagSeconds,
      backfill_percent: m.backfillPercent,
    }));
    const rows = (await this.dataSource.query(
      `WITH st AS (
         INSERT INTO stream_status (stream_id, detail, tracking, updated_at)
         SELECT s.id, x.detail, coalesce(x.tracking, '{}'::jsonb), x.updated_at
           FROM jsonb_to_recordset($1::jsonb) AS x(stream_id uuid, detail jsonb, tracking jsonb, updated_at timestamptz)
           JOIN stream s ON s.id = x.stream_id
         ON CONFLICT (stream_id) DO UPDATE
           SET detail = EXCLUDED.detail, tracking = EXCLUDED.tracking, updated_at = EXCLUDED.updated_at
         RETURNING 1
       ), ms AS (
         INSERT INTO metric_sample (stream_id, sampled_at, lag_bytes, lag_seconds, backfill_percent)
         SELECT s.id, x.sampled_at, x.lag_bytes, x.lag_seconds, x.backfill_percent
           FROM jsonb_to_recordset($2::jsonb) AS x(stream_id uuid, sampled_at timestamptz, lag_bytes bigint,
                                                   lag_seconds double precision, backfill_percent double precision)
           JOIN stream s ON s.id = x.stream_id
         ON CONFLICT (stream_id, sampled_at) DO UPDATE SET lag_bytes = EXCLUDED.lag_bytes,
           lag_seconds = EXCLUDED.lag_seconds, backfill_percent = EXCLUDED.backfill_percent
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM st)::int AS statuses, (SELECT count(*) FROM ms)::int AS samples`,
      [JSON.stringify(statuses), JSON.stringify(points)],
    )) as { statuses: number; samples: number }[];
    return rows[0];
  }

  /**
   * Everything the monitor reads to re-derive the streams touching `endpointId` (as subscriber or publisher), in
   * one statement: each stream (ordered by target endpoint, then subscription name) with its latest status, its
   * effective thresholds (see `ThresholdRepository.effective`), the time of its newest logged replication error and
   * the publisher's earliest WAL sample not yet confirmed by its slot; plus the latest snapshots of the streams'
   * other ends (`endpoint_status`; `endpointId`'s own is not read). Call after `endpointId`'s snapshot is stored.
   */
  async listForDerivation(endpointId: string): Promise<StreamDerivationInputs> {
    return (await this.listForDerivationMany([endpointId])).get(endpointId)!;
  }

  /**
   * {@link listForDerivation} for many endpoints in one statement (the monitor's polls finishing together).
   * @returns an entry for every id of `endpointIds`. Its `endpointStatuses` hold the other ends of its streams, and
   *   may hold other snapshots of the batch (the other ends of the other endpoints' streams).
   */
  async listForDerivationMany(endpointIds: string[]): Promise<Map<string, StreamDerivationInputs>> {
    const ids = [...new Set(endpointIds)];
    const rows = (await this.dataSource.query(
      `WITH s AS (
         SELECT * FROM stream WHERE target_endpoint_id = ANY($1::uuid[]) OR source_endpoint_id = ANY($1::uuid[])
       ), g AS (
         SELECT warning_bytes, critical_bytes, warning_seconds, critical_seconds FROM threshold WHERE stream_id IS NULL
       )
       SELECT json_build_object(
         'streams', (SELECT coalesce(json_agg(json_build_object(
             'id', s.id, 'target_endpoint_id', s.target_endpoint_id, 'subscription_name', s.subscription_name,
             'source_endpoint_id', s.source_endpoint_id, 'publications', s.publications, 'slot_name', s.slot_name,
             'origin', s.origin, 'paused_at', s.paused_at, 'paused_by', s.paused_by,
             'created_at', s.created_at, 'updated_at', s.updated_at,
             'status', CASE WHEN st.stream_id IS NOT NULL THEN json_build_object(
                 'detail', st.detail, 'tracking', st.tracking, 'updated_at', st.updated_at) END,
             'overridden', t.stream_id IS NOT NULL,
             'warning_bytes', CASE WHEN t.stream_id IS NOT NULL THEN t.warning_bytes ELSE g.warning_bytes END,
             'critical_bytes', CASE WHEN t.stream_id IS NOT NULL THEN t.critical_bytes ELSE g.critical_bytes END,
             'warning_seconds', CASE WHEN t.stream_id IS NOT NULL THEN t.warning_seconds ELSE g.warning_seconds END,
             'critical_seconds',
               CASE WHEN t.stream_id IS NOT NULL THEN t.critical_seconds ELSE g.critical_seconds END,
             'last_error_at', (SELECT max(re.at) FROM replication_error re WHERE re.stream_id = s.id),
             'earliest', (SELECT json_build_object('sampled_at', w.sampled_at, 'lsn', w.lsn::text)
                 FROM endpoint_status es
                 CROSS JOIN LATERAL (
                   SELECT (sl ->> 'confirmedFlushLsn')::pg_lsn AS lsn
                     FROM jsonb_array_elements(es.status -> 'slots') WITH ORDINALITY AS x(sl, n)
                    WHERE sl ->> 'name' = s.slot_name AND sl ->> 'slotType' = 'logical'
                    ORDER BY x.n LIMIT 1) cf
                 CROSS JOIN LATERAL (
                   SELECT sampled_at, lsn FROM wal_sample
                    WHERE endpoint_id = es.endpoint_id AND lsn > cf.lsn ORDER BY sampled_at LIMIT 1) w
                WHERE es.endpoint_id = s.source_endpoint_id)
           ) ORDER BY s.target_endpoint_id, s.subscription_name), '[]'::json)
           FROM s LEFT JOIN stream_status st ON st.stream_id = s.id
                  LEFT JOIN threshold t ON t.stream_id = s.id
                  LEFT JOIN g ON true),
         'statuses', (SELECT coalesce(json_agg(es.status), '[]'::json) FROM endpoint_status es
           WHERE es.endpoint_id IN (
             SELECT target_endpoint_id FROM s
              WHERE source_endpoint_id = ANY($1::uuid[]) AND target_endpoint_id <> source_endpoint_id
             UNION
             SELECT source_endpoint_id FROM s
              WHERE target_endpoint_id = ANY($1::uuid[]) AND source_endpoint_id <> target_endpoint_id))
       ) AS d`,
      [ids],
    )) as { d: { streams: DerivationRow[]; statuses: EndpointStatus[] } }[];
    const iso = (v: string) => new Date(v).toISOString();
    const streams: StreamDerivationRow[] = rows[0].d.streams.map((r) => ({
      stream: {
        id: r.id,
        targetEndpointId: r.target_endpoint_id,
        subscriptionName: r.subscription_name,
        sourceEndpointId: r.source_endpoint_id,
        publications: r.publications,
        slotName: r.slot_name,
        origin: r.origin,
        pausedAt: r.paused_at === null ? null : iso(r.paused_at),
        pausedBy: r.paused_by,
        createdAt: iso(r.created_at),
        updatedAt: iso(r.updated_at),
      },
      previous: r.status
        ? { streamId: r.id, detail: r.status.detail, tracking: r.status.tracking, updatedAt: iso(r.status.updated_at) }
        : null,
      thresholds: {
        thresholds: {
          warningBytes: r.warning_bytes,
          criticalBytes: r.critical_bytes,
          warningSeconds: r.warning_seconds,
          criticalSeconds: r.critical_seconds,
        },
        overridden: r.overridden,
      },
      lastLogErrorAt: r.last_error_at ? iso(r.last_error_at) : null,
      earliestUnconfirmed: r.earliest ? { sampledAt: iso(r.earliest.sampled_at), lsn: r.earliest.lsn } : null,
    }));
    return new Map(
      ids.map((id) => [
        id,
        {
          streams: streams.filter((x) => x.stream.targetEndpointId === id || x.stream.sourceEndpointId === id),
          endpointStatuses: rows[0].d.statuses.filter((x) => x.endpointId !== id),
        },
      ]),
    );
  }

  /**
   * The parts of the streams' views that change between polls, in one statement that sends no parameter (it is
   * sent on every `GET /api/streams`): the effective thresholds of each of `streamIds` (as
   * `ThresholdRepository.effectiveMany`: its own row, else the global one) and the time of its newest logged
   * replication error (as `ReplicationErrorRepository.latestAtByStream`; one index probe per stream of the table).
   * @returns `thresholds` for every id; `newestErrorAt` only for streams with an error.
   */
  async currentParts(
    streamIds: string[],
  ): Promise<{ thresholds: Map<string, EffectiveThresholds>; newestErrorAt: Map<string, string> }> {
    if (streamIds.length === 0) return { thresholds: new Map(), newestErrorAt: new Map() };
    type Limits = [number | null, number | null, number | null, number | null];
    const rows = (await this.dataSource.query(
      `SELECT json_build_object(
         'global', (SELECT json_build_array(warning_bytes, critical_bytes, warning_seconds, critical_seconds)
                      FROM threshold WHERE stream_id IS NULL),
         'own', (SELECT coalesce(json_agg(json_build_array(stream_id, json_build_array(
                           warning_bytes, critical_bytes, warning_seconds, critical_seconds))), '[]'::json)
                   FROM threshold WHERE stream_id IS NOT NULL),
         'errors', (SELECT coalesce(json_agg(json_build_array(s.id, e.at)), '[]'::json)
                      FROM stream s
                      CROSS JOIN LATERAL (SELECT r.at FROM replication_error r WHERE r.stream_id = s.id
                                           ORDER BY r.at DESC LIMIT 1) e)
       ) AS d`,
    )) as { d: { global: Limits | null; own: [string, Limits][]; errors: [string, string][] } }[];
    const { global, own, errors } = rows[0].d;
    const limits = (l: Limits | null): LagThresholds => ({
      warningBytes: l?.[0] ?? null,
      criticalBytes: l?.[1] ?? null,
      warningSeconds: l?.[2] ?? null,
      criticalSeconds: l?.[3] ?? null,
    });
    const wanted = new Set(streamIds);
    const overrides = new Map(own.map(([id, l]) => [id, limits(l)]));
    const defaults = limits(global);
    return {
      thresholds: new Map(
        streamIds.map((id) => {
          const o = overrides.get(id);
          return [id, o ? { thresholds: o, overridden: true } : { thresholds: defaults, overridden: false }];
        }),
      ),
      newestErrorAt: new Map(
        errors.filter(([id]) => wanted.has(id)).map(([id, at]) => [id, new Date(at).toISOString()]),
      ),
    };
  }

  /** The stream's latest status; null before its first derivation. */
  async get(streamId: string): Promise<StreamStatusRecord | null> {
    const rows = (await this.dataSource.query(
      'SELECT stream_id, detail, tracking, updated_at FROM stream_status WHERE stream_id = $1',
      [streamId],
    )) as Row[];
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Latest statuses of `streamIds` (all streams when omitted). */
  async list(streamIds?: string[]): Promise<StreamStatusRecord[]> {
    const rows = (await (streamIds
      ? this.dataSource.query(
          'SELECT stream_id, detail, tracking, updated_at FROM stream_status WHERE stream_id = ANY($1::uuid[])',
          [streamIds],
        )
      : this.dataSource.query('SELECT stream_id, detail, tracking, updated_at FROM stream_status'))) as Row[];
    return rows.map(toRecord);
  }
}
