import type { PgCause } from '@prm/contracts';

/**
 * Base class of every error that carries a classified {@link PgCause}. libs/aws's `CredentialError` extends it
 * too, so {@link classifyPgError} passes such causes through unchanged. The cause is in `pgCause` (not the ES2022
 * `cause` property, which is `unknown`). `message` is `pgCause.message` and never contains a secret.
 */
export class CausedError extends Error {
  constructor(readonly pgCause: PgCause) {
    super(pgCause.message);
    this.name = new.target.name;
  }
}

/** Thrown by `openClient` when a connection cannot be opened; carries the classified cause, never the password. */
export class PgConnectError extends CausedError {}

/** Thrown by `withDeadline` when the wrapped promise did not settle in time (cause code `timeout`). */
export class DeadlineError extends CausedError {}

/** Thrown by the identifier validators: `field` names what was being validated, `reason` says what is wrong. */
export class InvalidIdentifierError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`invalid ${field}: ${reason}`);
    this.name = 'InvalidIdentifierError';
  }
}

/**
 * Thrown by the conninfo parser on a string libpq would reject. The message names the position and the problem,
 * never the input itself (it may hold a password).
 */
export class ConninfoParseError extends Error {
  constructor(reason: string) {
    super(`invalid connection string: ${reason}`);
    this.name = 'ConninfoParseError';
  }
}

/** True for any object that carries a `pgCause` (a {@link CausedError}, also across module copies). */
export function isCausedError(err: unknown): err is { pgCause: PgCause } {
  if (err instanceof CausedError) return true;
  if (typeof err !== 'object' || err === null || !('pgCause' in err)) return false;
  const c = (err as { pgCause: unknown }).pgCause;
  return typeof c === 'object' && c !== null && 'code' in c && 'message' in c && 'remedy' in c;
}
