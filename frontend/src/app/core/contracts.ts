/**
 * The API shapes the console uses, re-exported type-only from libs/contracts (no runtime code from libs reaches
 * the browser bundle). Each file is imported directly so server-side DTO code never enters the console program.
 */
export type { ApiErrorBody, ApiErrorDetail, LiveMessage } from '@prm/contracts/api.js';
export type {
  Cloud,
  CredentialKind,
  CredentialRef,
  EndpointRole,
  EndpointView,
  LogSourceKind,
  LogSourceRef,
  PgCauseCode,
  SslMode,
} from '@prm/contracts/endpoint.js';
export type { Reachability } from '@prm/contracts/status.js';
export type { EdgeState, TopologyEdge, TopologyNode, TopologyView } from '@prm/contracts/topology.js';
export type {
  BackfillView,
  LagThresholds,
  ReplicationErrorView,
  StreamDetailView,
  StreamLag,
  StreamMetricPoint,
  StreamMetricsView,
  StreamState,
  StreamView,
  TableSyncState,
  TableSyncView,
  ThresholdLevel,
} from '@prm/contracts/stream.js';

import type {
  Cloud,
  CredentialKind,
  CredentialRef,
  EndpointRole,
  LogSourceKind,
  LogSourceRef,
  SslMode,
} from '@prm/contracts/endpoint.js';

/** Body of `POST /api/endpoints` (and, with every field optional, `PATCH /api/endpoints/:id`). */
export interface EndpointInput {
  name: string;
  host: string;
  port: number;
  dbname: string;
  sslmode: SslMode;
  cloud: Cloud;
  region?: string | null;
  network?: string | null;
  role: EndpointRole;
  credential: CredentialRef;
  /** Where prm reads the server log for replication errors (absent on create = none). */
  logSource?: LogSourceRef;
}

export const LOG_SOURCE_KIND_OPTIONS = [
  'none',
  'file',
  'rds',
  'cloudwatch',
] as const satisfies readonly LogSourceKind[];
export const LOG_FORMAT_OPTIONS = ['jsonlog', 'csvlog'] as const;

/** Option lists mirrored from libs/contracts/src/endpoint.ts (kept local: the console imports types only). */
export const CLOUD_OPTIONS = ['aws', 'gcp', 'other'] as const satisfies readonly Cloud[];
export const ROLE_OPTIONS = ['primary', 'replica'] as const satisfies readonly EndpointRole[];
export const SSL_MODE_OPTIONS = [
  'disable',
  'prefer',
  'require',
  'verify-ca',
  'verify-full',
] as const satisfies readonly SslMode[];
export const CREDENTIAL_KIND_OPTIONS = ['aws-secret', 'rds-iam', 'env'] as const satisfies readonly CredentialKind[];
