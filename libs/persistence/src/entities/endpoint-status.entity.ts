import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { EndpointStatus } from '@prm/contracts';

/** The latest status snapshot of one endpoint (one row per endpoint, replaced on every poll). */
@Entity({ name: 'endpoint_status' })
export class EndpointStatusEntity {
  @PrimaryColumn({ name: 'endpoint_id', type: 'uuid' })
  endpointId: string;

  @Column({ type: 'jsonb' })
  status: EndpointStatus;

  @Column({ name: 'checked_at', type: 'timestamptz' })
  checkedAt: Date;
}
