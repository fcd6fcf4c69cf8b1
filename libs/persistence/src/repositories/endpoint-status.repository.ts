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
