import type { AlertChangedEvent } from './alert.js';
import type { MigrationProgressEvent } from './migration.js';

/** Every non-2xx API response has this body. `details` names the field and the reason where there is one. */
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details: ApiErrorDetail[];
}

export interface ApiErrorDetail {
  field?: string;
  reason: string;
  /** Stable code, e.g. `auth-failed` from the live check. */
  code?: string;
  remedy?: string;
}

/** Messages pushed to the console over the WebSocket at `/ws`. */
export type LiveMessage =
  | { type: 'status.updated'; endpointIds: string[]; at: string }
  | { type: 'endpoint.changed'; endpointId: string; change: 'created' | 'updated' | 'deleted'; at: string }
  | { type: 'stream.updated'; streamIds: string[]; at: string }
  | MigrationProgressEvent
  | AlertChangedEvent
  | { type: 'hello'; at: string };
