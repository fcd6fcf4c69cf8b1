import type { ApiErrorDetail, PgCauseCode } from '../core/contracts';

/** Form control paths of the endpoint form that a server error can be attached to. */
export type EndpointFormField =
  | 'name'
  | 'host'
  | 'port'
  | 'dbname'
  | 'sslmode'
  | 'cloud'
  | 'region'
  | 'network'
  | 'role'
  | 'credential'
  | 'logSource';

const FIELDS: readonly EndpointFormField[] = [
  'name',
  'host',
  'port',
  'dbname',
  'sslmode',
  'cloud',
  'region',
  'network',
  'role',
  'credential',
  'logSource',
];

/**
 * Which field a live-check failure (422, `PgCause.code`) belongs to: credential problems at the credential,
 * network problems at host (and port for a refused connection), a missing database at dbname.
 */
const CODE_FIELDS: Partial<Record<PgCauseCode, EndpointFormField[]>> = {
  'auth-failed': ['credential'],
  'unknown-role': ['credential'],
  'insufficient-privilege': ['credential'],
  'aws-access-denied': ['credential'],
  'secret-not-found': ['credential'],
  'kms-decrypt-denied': ['credential'],
  'secret-malformed': ['credential'],
  'env-credential-missing': ['credential'],
  'aws-error': ['credential'],
  'connection-refused': ['host', 'port'],
  'dns-failure': ['host'],
  timeout: ['host', 'port'],
  'no-pg-hba-entry': ['host'],
  'tls-required': ['sslmode'],
  'tls-failed': ['sslmode'],
  'too-many-connections': ['host'],
  'server-starting-or-stopping': ['host'],
  'unknown-database': ['dbname'],
};

/**
 * The form fields an API error detail belongs to. The server's `field` wins (`credential.user` → `credential`);
 * otherwise the live-check `code` decides; details that fit no field go to the summary only (empty array).
 */
export function fieldsForDetail(detail: ApiErrorDetail): EndpointFormField[] {
  if (detail.field) {
    const head = detail.field.split('.')[0] as EndpointFormField;
    if (FIELDS.includes(head)) {
      return [head];
    }
  }
  if (detail.code && detail.code in CODE_FIELDS) {
    return CODE_FIELDS[detail.code as PgCauseCode] ?? [];
  }
  return [];
}

/** One line for a detail: reason, then the remedy when the server gave one. */
export function describeDetail(detail: ApiErrorDetail): string {
  return detail.remedy ? `${detail.reason} ${detail.remedy}` : detail.reason;
}
