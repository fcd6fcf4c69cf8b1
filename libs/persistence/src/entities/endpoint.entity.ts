import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Cloud, CredentialRef, EndpointRole, LogSourceRef, SslMode } from '@prm/contracts';

/** One database prm can connect to. Holds a credential reference only, never a password. */
@Entity({ name: 'endpoint' })
export class EndpointEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text', unique: true })
  name: string;

  @Column({ type: 'text' })
  host: string;

  @Column({ type: 'integer' })
  port: number;

  @Column({ type: 'text' })
  dbname: string;

  @Column({ type: 'text' })
  sslmode: SslMode;

  @Column({ type: 'text' })
  cloud: Cloud;

  @Column({ type: 'text', nullable: true })
  region: string | null;

  @Column({ type: 'text', nullable: true })
  network: string | null;

  @Column({ type: 'text' })
  role: EndpointRole;

  @Column({ type: 'jsonb' })
  credential: CredentialRef;

  /** Server log source for replication errors (migration ReplicationErrors1764500001000; default `{"kind":"none"}`). */
  @Column({ name: 'log_source', type: 'jsonb', default: () => `'{"kind":"none"}'::jsonb` })
  logSource: LogSourceRef;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
