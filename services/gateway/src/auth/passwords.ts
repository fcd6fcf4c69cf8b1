import bcrypt from 'bcryptjs';
import { DomainError } from '@prm/contracts';

/** bcrypt cost factor: 2^12 rounds, ~0.2-0.4 s per hash in bcryptjs on one core. */
const COST = 12;

/** A hash of a password no account has; compared against when the user is unknown, so timing does not tell. */
const UNKNOWN_USER_HASH = bcrypt.hashSync('prm-unknown-user-timing-equaliser', COST);

/**
 * Checks a new password: 12 to 72 bytes of UTF-8 (bcrypt ignores bytes past 72, so longer ones are refused rather
 * than silently truncated).
 * @throws DomainError `validation-failed` naming `field` and the reason
 */
export function assertPasswordPolicy(password: string, field = 'password'): void {
  const bytes = Buffer.byteLength(password, 'utf8');
  if (password.length < 12) {
    throw new DomainError('validation-failed', `${field}: must be at least 12 characters`, [
      { field, reason: 'must be at least 12 characters' },
    ]);
  }
  if (bytes > 72) {
    throw new DomainError('validation-failed', `${field}: must be at most 72 bytes (bcrypt)`, [
      { field, reason: 'must be at most 72 bytes of UTF-8' },
    ]);
  }
}

/** bcrypt hash of `password` (cost {@link COST}). */
export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, COST);
}

/** Compares against `hash`, or against a dummy hash when the account does not exist (same timing either way). */
export async function verifyPassword(password: string, hash: string | null): Promise<boolean> {
  const ok = await bcrypt.compare(password, hash ?? UNKNOWN_USER_HASH);
  return ok && hash !== null;
}
