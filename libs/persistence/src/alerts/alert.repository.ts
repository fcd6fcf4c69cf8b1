import { Injectable } from '@nestjs/common';
import type {
  AlertFact,
  AlertKind,
  AlertSeverity,
  AlertState,
  AlertSubject,
  AlertView,
  RemediationStep,
  SilenceView,
} from '@prm/contracts';
import { DataSource } from 'typeorm';

/** Anything that runs parameterized SQL: the DataSource or a transaction's EntityManager. */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** An alert row: the API view plus the evaluator's memory (`hits`: distinct observations while pending/firing). */
export interface AlertRecord extends AlertView {
  hits: number;
  /** Key of the last observation counted in `hits` (e.g. the publisher snapshot time). */
  lastObservation: string | null;
  /**
   * The highest severity announced for this alert (at firing, then raised by each escalation); null while pending.
   * A firing alert whose severity rises above it escalates (notified once); a lower severity is not announced.
   */
  notifiedSeverity: AlertSeverity | null;
}

/** What the evaluator writes for a new alert. */
export type NewAlert = Omit<AlertRecord, 'id' | 'acknowledgedBy' | 'acknowledgedAt' | 'silencedUntil'>;

/** Fields the evaluator changes on an open alert. */
export type AlertPatch = Partial<
  Pick<
    AlertRecord,
    | 'severity'
    | 'state'
    | 'subject'
    | 'summary'
    | 'facts'
    | 'remediation'
    | 'endpointIds'
    | 'streamIds'
    | 'lastSeenAt'
    | 'firedAt'
    | 'resolvedAt'
    | 'hits'
    | 'lastObservation'
    | 'notifiedSeverity'
    | 'silencedUntil'
    | 'acknowledgedBy'
    | 'acknowledgedAt'
  >
>;

interface AlertRow {
  id: string;
  fingerprint: string;
  kind: AlertKind;
  severity: AlertSeverity;
  subject_type: AlertSubject['type'];
  subject_id: string;
  subject_name: string;
  state: AlertState;
  first_seen_at: Date;
  last_seen_at: Date;
  fired_at: Date | null;
  resolved_at: Date | null;
  acknowledged_by: string | null;
  acknowledged_at: Date | null;
  silenced_until: Date | null;
  summary: string;
  facts: AlertFact[];
  remediation: RemediationStep[];
  endpoint_ids: string[];
  stream_ids: string[];
  hits: number;
  last_observation: string | null;
  notified_severity: AlertSeverity | null;
}

const COLUMNS = `id, fingerprint, kind, severity, subject_type, subject_id, subject_name, state, first_seen_at,
  last_seen_at, fired_at, resolved_at, acknowledged_by, acknowledged_at, silenced_until, summary, facts, remediation,
  endpoint_ids, stream_ids, hits, last_observation, notified_severity`;

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function toRecord(r: AlertRow): AlertRecord {
  return {
    id: r.id,
    fingerprint: r.fingerprint,
    kind: r.kind,
    severity: r.severity,
    state: r.state,
    subject: { type: r.subject_type, id: r.subject_id, name: r.subject_name },
    summary: r.summary,
    facts: r.facts,
    remediation: r.remediation,
    endpointIds: r.endpoint_ids,
    streamIds: r.stream_ids,
    firstSeenAt: r.first_seen_at.toISOString(),
    lastSeenAt: r.last_seen_at.toISOString(),
    firedAt: iso(r.fired_at),
    resolvedAt: iso(r.resolved_at),
    acknowledgedBy: r.acknowledged_by,
    acknowledgedAt: iso(r.acknowledged_at),
    silencedUntil: iso(r.silenced_until),
    hits: r.hits,
    lastObservation: r.last_observation,
    notifiedSeverity: r.notified_severity,
  };
}

/** Strips the evaluator's memory. */
export function toAlertView(r: AlertRecord): AlertView {
  const { hits: _h, lastObservation: _o, notifiedSeverity: _n, ...view } = r;
  return view;
}

/** Filter of {@link AlertRepository.list}. */
export interface AlertFilter {
  state?: AlertState;
  kind?: AlertKind;
  /** Default 200, at most 1000. */
  limit?: number;
}

const PATCH_COLUMNS: Record<keyof AlertPatch, (v: never) => [string, unknown][]> = {
  severity: (v) => [['severity', v]],
  state: (v) => [['state', v]],
  subject: (v: AlertSubject) => [
    ['subject_type', v.type],
    ['subject_id', v.id],
    ['subject_name', v.name],
  ],
  summary: (v) => [['summary', v]],
  facts: (v) => [['facts', JSON.stringify(v)]],
  remediation: (v) => [['remediation', JSON.stringify(v)]],
  endpointIds: (v) => [['endpoint_ids', v]],
  streamIds: (v) => [['stream_ids', v]],
  lastSeenAt: (v) => [['last_seen_at', v]],
  firedAt: (v) => [['fired_at', v]],
  resolvedAt: (v) => [['resolved_at', v]],
  hits: (v) => [['hits', v]],
  lastObservation: (v) => [['last_observation', v]],
  notifiedSeverity: (v) => [['notified_severity', v]],
  silencedUntil: (v) => [['silenced_until', v]],
  acknowledgedBy: (v) => [['acknowledged_by', v]],
  acknowledgedAt: (v) => [['acknowledged_at', v]],
};

/** A fixed key for `pg_advisory_xact_lock`: alert evaluations run one at a time across alerter processes. */
const EVALUATION_LOCK_KEY = 7_021_993_006;

/**
 * Alerts (table `alert`) and silences (`alert_silence`). Open alerts (pending/firing) are unique per fingerprint
 * (partial unique index); resolved rows are kept as history.
 */
@Injectable()
export class AlertRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Runs `fn` in one transaction holding the evaluation advisory lock, so that two evaluations (two endpoints of
   * one stream, or two alerter processes) never race on the same fingerprint.
   */
  evaluationTransaction<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1)', [EVALUATION_LOCK_KEY]);
      return fn(m);
    });
  }

  /** Open alerts (pending or firing) that mark endpoint `endpointId` (every open alert when null). */
  async listOpen(q: Queryable, endpointId: string | null): Promise<AlertRecord[]> {
    const rows = (await (endpointId === null
      ? q.query(`SELECT ${COLUMNS} FROM alert WHERE state <> 'resolved'`)
      : q.query(`SELECT ${COLUMNS} FROM alert WHERE state <> 'resolved' AND endpoint_ids @> ARRAY[$1]::text[]`, [
          endpointId,
        ]))) as AlertRow[];
    return rows.map(toRecord);
  }

  /** Inserts a new open alert. */
  async insert(q: Queryable, a: NewAlert): Promise<AlertRecord> {
    const rows = (await q.query(
      `INSERT INTO alert (fingerprint, kind, severity, subject_type, subject_id, subject_name, state, first_seen_at,
         last_seen_at, fired_at, resolved_at, summary, facts, remediation, endpoint_ids, stream_ids, hits,
         last_observation, notified_severity)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14::jsonb, $15::text[], $16::text[],
         $17, $18, $19)
       RETURNING ${COLUMNS}`,
      [
        a.fingerprint,
        a.kind,
        a.severity,
        a.subject.type,
        a.subject.id,
        a.subject.name,
        a.state,
        a.firstSeenAt,
        a.lastSeenAt,
        a.firedAt,
        a.resolvedAt,
        a.summary,
        JSON.stringify(a.facts),
        JSON.stringify(a.remediation),
        a.endpointIds,
        a.streamIds,
        a.hits,
        a.lastObservation,
        a.notifiedSeverity,
      ],
    )) as AlertRow[];
    return toRecord(rows[0]!);
  }

  /** Applies `patch` to alert `id`; returns the updated row (null when unknown). */
  async update(q: Queryable, id: string, patch: AlertPatch): Promise<AlertRecord | null> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    for (const [key, value] of Object.entries(patch) as [keyof AlertPatch, never][]) {
      if (value === undefined) continue;
      for (const [column, v] of PATCH_COLUMNS[key](value)) {
        params.push(v);
        const cast =
          column === 'facts' || column === 'remediation' ? '::jsonb' : column.endsWith('_ids') ? '::text[]' : '';
        sets.push(`${column} = $${params.length}${cast}`);
      }
    }
    sets.push('updated_at = now()');
    const rows = (await q.query(`UPDATE alert SET ${sets.join(', ')} WHERE id = $1 RETURNING ${COLUMNS}`, params)) as [
      AlertRow[],
      number,
    ];
    const row = rows[0]?.[0];
    return row ? toRecord(row) : null;
  }

  /** Deletes a pending alert that never fired (its condition cleared before its `for` duration). */
  async deletePending(q: Queryable, id: string): Promise<void> {
    await q.query(`DELETE FROM alert WHERE id = $1 AND state = 'pending'`, [id]);
  }

  /** Alerts by state and kind, firing first, then pending, then resolved; newest first within a state. */
  async list(filter: AlertFilter = {}): Promise<AlertRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.state) {
      params.push(filter.state);
      where.push(`state = $${params.length}`);
    }
    if (filter.kind) {
      params.push(filter.kind);
      where.push(`kind = $${params.length}`);
    }
    params.push(Math.min(Math.max(filter.limit ?? 200, 1), 1000));
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM alert ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY CASE state WHEN 'firing' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END,
         coalesce(resolved_at, fired_at, first_seen_at) DESC
       LIMIT $${params.length}`,
      params,
    )) as AlertRow[];
    return rows.map(toRecord);
  }

  /** Alerts by id (any state), in no particular order. */
  async getMany(ids: string[], q: Queryable = this.dataSource): Promise<AlertRecord[]> {
    if (ids.length === 0) return [];
    const rows = (await q.query(`SELECT ${COLUMNS} FROM alert WHERE id = ANY($1::uuid[])`, [ids])) as AlertRow[];
    return rows.map(toRecord);
  }

  /** One alert; null when unknown. */
  async get(id: string): Promise<AlertRecord | null> {
    return (await this.getMany([id]))[0] ?? null;
  }

  /** Marks alert `id` acknowledged by `by` (kept when already acknowledged); returns it, null when unknown. */
  async acknowledge(id: string, by: string, at: string): Promise<AlertRecord | null> {
    const rows = (await this.dataSource.query(
      `UPDATE alert SET acknowledged_by = coalesce(acknowledged_by, $2), acknowledged_at = coalesce(acknowledged_at, $3),
         updated_at = now()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, by, at],
    )) as [AlertRow[], number];
    const row = rows[0]?.[0];
    return row ? toRecord(row) : null;
  }

  /** Sets `silenced_until` on the open alerts a silence matches; returns their ids. */
  async applySilence(s: { kind: string | null; subjectId: string | null; until: string }): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `UPDATE alert SET silenced_until = GREATEST(coalesce(silenced_until, $3), $3), updated_at = now()
       WHERE state <> 'resolved' AND ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR subject_id = $2)
       RETURNING id`,
      [s.kind, s.subjectId, s.until],
    )) as [{ id: string }[], number];
    return rows[0].map((r) => r.id);
  }

  /** Clears `silenced_until` on open alerts that no active silence covers any more; returns their ids. */
  async refreshSilences(now: string): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `UPDATE alert a SET silenced_until = (
           SELECT max(s.until) FROM alert_silence s
           WHERE s.until > $1 AND (s.kind IS NULL OR s.kind = a.kind) AND (s.subject_id IS NULL OR s.subject_id = a.subject_id)),
         updated_at = now()
       WHERE a.state <> 'resolved' AND a.silenced_until IS NOT NULL AND a.silenced_until IS DISTINCT FROM (
           SELECT max(s.until) FROM alert_silence s
           WHERE s.until > $1 AND (s.kind IS NULL OR s.kind = a.kind) AND (s.subject_id IS NULL OR s.subject_id = a.subject_id))
       RETURNING a.id`,
      [now],
    )) as [{ id: string }[], number];
    return rows[0].map((r) => r.id);
  }

  /** Firing alerts that are neither acknowledged nor silenced at `now` (the console's header badge). */
  async countActionable(now: string): Promise<number> {
    const [row] = (await this.dataSource.query(
      `SELECT count(*)::int AS n FROM alert WHERE state = 'firing' AND acknowledged_at IS NULL
         AND (silenced_until IS NULL OR silenced_until <= $1)`,
      [now],
    )) as { n: number }[];
    return row?.n ?? 0;
  }

  /** Firing alerts per kind and severity (for the `prm_alerts_firing` gauge). */
  async countFiringByKind(): Promise<{ kind: string; severity: string; n: number }[]> {
    return (await this.dataSource.query(
      `SELECT kind, severity, count(*)::int AS n FROM alert WHERE state = 'firing' GROUP BY kind, severity`,
    )) as { kind: string; severity: string; n: number }[];
  }

  /** Deletes resolved alerts resolved before `before` (history retention); returns how many. */
  async purgeResolved(before: string): Promise<number> {
    const r = (await this.dataSource.query(`DELETE FROM alert WHERE state = 'resolved' AND resolved_at < $1`, [
      before,
    ])) as [unknown[], number];
    return r[1];
  }
}

interface SilenceRow {
  id: string;
  kind: AlertKind | null;
  subject_id: string | null;
  until: Date;
  reason: string;
  created_by: string;
  created_at: Date;
}

const toSilence = (r: SilenceRow): SilenceView => ({
  id: r.id,
  kind: r.kind,
  subjectId: r.subject_id,
  until: r.until.toISOString(),
  reason: r.reason,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
});

/** Silences (table `alert_silence`): matchers by kind and/or subject id, with an expiry. */
@Injectable()
export class AlertSilenceRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(s: Omit<SilenceView, 'id' | 'createdAt'>): Promise<SilenceView> {
    const rows = (await this.dataSource.query(
      `INSERT INTO alert_silence (kind, subject_id, until, reason, created_by) VALUES ($1, $2, $3, $4, $5)
       RETURNING id, kind, subject_id, until, reason, created_by, created_at`,
      [s.kind, s.subjectId, s.until, s.reason, s.createdBy],
    )) as SilenceRow[];
    return toSilence(rows[0]!);
  }

  /** Deletes silence `id`; returns it, null when unknown. */
  async delete(id: string): Promise<SilenceView | null> {
    const rows = (await this.dataSource.query(
      `DELETE FROM alert_silence WHERE id = $1 RETURNING id, kind, subject_id, until, reason, created_by, created_at`,
      [id],
    )) as [SilenceRow[], number];
    const row = rows[0]?.[0];
    return row ? toSilence(row) : null;
  }

  /** Silences still active at `now` (all when `now` is omitted), newest first. */
  async list(now?: string, q: Queryable = this.dataSource): Promise<SilenceView[]> {
    const rows = (await (now
      ? q.query(
          `SELECT id, kind, subject_id, until, reason, created_by, created_at FROM alert_silence WHERE until > $1
           ORDER BY created_at DESC`,
          [now],
        )
      : q.query(
          'SELECT id, kind, subject_id, until, reason, created_by, created_at FROM alert_silence ORDER BY created_at DESC',
        ))) as SilenceRow[];
    return rows.map(toSilence);
  }
}

/** The latest expiry among `silences` matching an alert of `kind` on `subjectId`; null when none matches. */
export function silencedUntil(silences: SilenceView[], kind: string, subjectId: string): string | null {
  const hits = silences
    .filter((s) => (s.kind === null || s.kind === kind) && (s.subjectId === null || s.subjectId === subjectId))
    .map((s) => s.until)
    .sort();
  return hits.pop() ?? null;
}
