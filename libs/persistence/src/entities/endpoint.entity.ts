import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Cloud, CredentialRef, EndpointRole, SslMode } from '@prm/contracts';

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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
