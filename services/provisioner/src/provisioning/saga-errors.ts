import type { PgCause, ProvisioningError, ProvisioningStepName } from '@prm/contracts';
import { classifyPgError, isCausedError, scrubSecrets } from '@prm/pg';

/** SQLSTATE-specific remedies for the saga's DDL (PostgreSQL Appendix A). */
const REMEDIES: Record<string, string> = {
  '42710': 'An object of that name already exists: choose another name, or reuse it explicitly',
  '42704': 'The object does not exist any more: refresh and retry',
  '42501':
    'The login lacks a privilege: CREATE on the database for publications, superuser or pg_create_subscription (PG16+) on the target for subscriptions',
  '53400':
    'A limit was reached (max_replication_slots / max_wal_senders on the source, max_logical_replication_workers on the target): raise it or free one',
  '55006': 'The replication slot is in use by another walsender: stop that subscriber first',
  '08006': 'The connection broke: check that both ends are up and reachable from each other',
  '08001':
    'The target could not connect to the source: the source must accept connections from the target host (pg_hba.conf, security groups) with the replication credential',
  '28P01': 'The replication credential was refused by the source: check the secret and the role',
  '57014': 'A statement timed out: a long transaction on the source can delay slot creation; retry when it ends',
};

/** Turns any saga failure into `{ step, message, sqlstate, remedy }` without secrets. */
export function toProvisioningError(
  step: ProvisioningError['step'] | ProvisioningStepName,
  err: unknown,
  secrets: string[] = [],
): ProvisioningError {
  if (isCausedError(err)) {
    const c: PgCause = err.pgCause;
    return { step, message: scrubSecrets(c.message, secrets), sqlstate: c.sqlstate, remedy: c.remedy };
  }
  const e = err as { code?: unknown; message?: unknown };
  const sqlstate = typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
  const message = scrubSecrets(typeof e?.message === 'string' ? e.message : String(err), secrets);
  if (sqlstate && REMEDIES[sqlstate]) return { step, message, sqlstate, remedy: REMEDIES[sqlstate] };
  if (/could not connect to the publisher/i.test(message)) {
    return { step, message, sqlstate, remedy: REMEDIES['08001'] };
  }
  const c = classifyPgError(err, { secrets });
  return {
    step,
    message: scrubSecrets(c.message, secrets),
    sqlstate: sqlstate ?? c.sqlstate,
    remedy: c.code === 'unknown' ? 'See the message; prm rolled back what it created' : c.remedy,
  };
}

/** Thrown inside the saga to stop with an already classified error. */
export class SagaStepError extends Error {
  constructor(readonly detail: ProvisioningError) {
    super(detail.message);
    this.name = 'SagaStepError';
  }
}
