import { Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import type { EndpointStatus } from '@prm/contracts';
import { EndpointStatusEntity } from '../entities/endpoint-status.entity.js';

/** Latest status snapshot per endpoint (table `endpoint_status`). */
@Injectable()
export class EndpointStatusRepository {
  private readonly repo: Repository<EndpointStatusEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(EndpointStatusEntity);
  }

  /**
   * Stores `status` as the endpoint's latest snapshot. A status for an endpoint deleted meanwhile is dropped
   * (the insert selects from `endpoint`, so no foreign-key error races a delete).
   */
  async upsert(status: EndpointStatus): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO endpoint_status (endpoint_id, status, checked_at)
       SELECT id, $2::jsonb, $3 FROM endpoint WHERE id = $1
       ON CONFLICT (endpoint_id) DO UPDATE SET status = EXCLUDED.status, checked_at = EXCLUDED.checked_at`,
      [status.endpointId, JSON.stringify(status), status.checkedAt],
    );
  }

  /**
   * {@link upsert} for many snapshots in one statement (the monitor's polls finishing together). Snapshots of
   * endpoints deleted meanwhile are dropped; an endpoint repeated keeps its last snapshot.
   * @returns ids of the endpoints whose snapshot was stored.
   */
  async upsertMany(statuses: EndpointStatus[]): Promise<string[]> {
    if (statuses.length === 0) return [];
    const rows = [...new Map(statuses.map((s) => [s.endpointId, s])).values()].map((s) => ({
      endpoint_id: s.endpointId,
      status: s,
      checked_at: s.checkedAt,
    }));
    const stored = (await this.dataSource.query(
      `INSERT INTO endpoint_status (endpoint_id, status, checked_at)
       SELECT e.id, x.status, x.checked_at
         FROM jsonb_to_recordset($1::jsonb) AS x(endpoint_id uuid, status jsonb, checked_at timestamptz)
         JOIN endpoint e ON e.id = x.endpoint_id
       ON CONFLICT (endpoint_id) DO UPDATE SET status = EXCLUDED.status, checked_at = EXCLUDED.checked_at
       RETURNING endpoint_id`,
      [JSON.stringify(rows)],
    )) as { endpoint_id: string }[];
    return stored.map((r) => r.endpoint_id);
  }

  /** Latest snapshots of `endpointIds` in one statement (endpoints never polled are absent). */
  async findByEndpoints(endpointIds: string[]): Promise<EndpointStatus[]> {
    if (endpointIds.length === 0) return [];
    const rows = (await this.dataSource.query(
      'SELECT status FROM endpoint_status WHERE endpoint_id = ANY($1::uuid[])',
      [endpointIds],
    )) as { status: EndpointStatus }[];
    return rows.map((r) => r.status);
  }

  /** Every stored snapshot. */
  async findAll(): Promise<EndpointStatus[]> {
    const rows = await this.repo.find();
    return rows.map((r) => r.status);
  }

  async findByEndpoint(endpointId: string): Promise<EndpointStatus | null> {
    const row = await this.repo.findOneBy({ endpointId });
    return row?.status ?? null;
  }
}
