import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** One audited action as stored (table `audit_event`). */
export interface AuditRecord {
  id: string;
  at: string;
  actor: string;
  sourceIp: string | null;
  /** `METHOD /route/pattern`, e.g. `POST /api/endpoints`. */
  action: string;
  /** The target, e.g. the endpoint or stream id from the path, or the created object's id. */
  subject: string | null;
  statusCode: number;
  outcome: 'succeeded' | 'refused' | 'failed';
  /** Request body with secrets redacted and long values cut. */
  payload: unknown;
  correlationId: string | null;
}

export type NewAuditRecord = Omit<AuditRecord, 'id' | 'at'>;

interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  source_ip: string | null;
  action: string;
  subject: string | null;
  status_code: number;
  outcome: AuditRecord['outcome'];
  payload: unknown;
  correlation_id: string | null;
}

/** The append-only audit log (table `audit_event`; UPDATE/DELETE/TRUNCATE are refused by a trigger). */
@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  async append(r: NewAuditRecord): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO audit_event (actor, source_ip, action, subject, status_code, outcome, payload, correlation_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)`,
      [
        r.actor,
        r.sourceIp,
        r.action,
        r.subject,
        r.statusCode,
        r.outcome,
        JSON.stringify(r.payload ?? null),
        r.correlationId,
      ],
    );
  }

  /** Newest first; `before` (an id) pages backwards; `limit` 1..500. */
  async list(opts: { limit: number; before?: string | null; actor?: string | null }): Promise<AuditRecord[]> {
    const rows: AuditRow[] = await this.dataSource.query(
      `SELECT id::text, at, actor, source_ip, action, subject, status_code, outcome, payload, correlation_id
         FROM audit_event
        WHERE ($1::bigint IS NULL OR id < $1::bigint) AND ($2::text IS NULL OR actor = $2)
        ORDER BY audit_event.id DESC LIMIT $3`,
      [opts.before ?? null, opts.actor ?? null, opts.limit],
    );
    return rows.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      actor: r.actor,
      sourceIp: r.source_ip,
      action: r.action,
      subject: r.subject,
      statusCode: r.status_code,
      outcome: r.outcome,
      payload: r.payload,
      correlationId: r.correlation_id,
    }));
  }
}
