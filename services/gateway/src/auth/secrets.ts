import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Prefix of prm API tokens (lets secret scanners and humans recognise them). */
export const TOKEN_PREFIX = 'prm_';

/** A fresh 256-bit random value, base64url (43 characters). Used for session ids, CSRF tokens and API tokens. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A new API token: `prm_` + 43 base64url characters. */
export function newApiToken(): string {
  return `${TOKEN_PREFIX}${randomSecret()}`;
}

/** SHA-256 hex of a high-entropy secret (session id, CSRF token, API token): what the metadata DB stores. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of two strings (false on length mismatch). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** True when `value` has the shape of a prm API token (so malformed bearer values fail before any DB lookup). */
export function looksLikeApiToken(value: string): boolean {
  return /^prm_[A-Za-z0-9_-]{43}$/.test(value);
}
