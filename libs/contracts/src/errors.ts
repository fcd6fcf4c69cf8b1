import type { ApiErrorDetail } from './api.js';

/**
 * Transport-neutral error codes. The gateway's HTTP filter maps them to statuses:
 * validation-failed 400, not-found 404, conflict 409, check-failed 422, unavailable 503.
 */
export type DomainErrorCode = 'validation-failed' | 'not-found' | 'conflict' | 'check-failed' | 'unavailable';

/** What a domain error looks like on the wire (RPC error payloads). */
export interface DomainErrorPayload {
  code: DomainErrorCode;
  message: string;
  details: ApiErrorDetail[];
}

/** A domain error: services throw these, never HTTP exceptions (STYLE.md §3.8). */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: ApiErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }

  toPayload(): DomainErrorPayload {
    return { code: this.code, message: this.message, details: this.details };
  }

  /** Recognises a payload that crossed a transport (plain object) and rebuilds the error. */
  static fromPayload(value: unknown): DomainError | null {
    if (typeof value !== 'object' || value === null) return null;
    const v = value as Partial<DomainErrorPayload>;
    const codes: DomainErrorCode[] = ['validation-failed', 'not-found', 'conflict', 'check-failed', 'unavailable'];
    if (typeof v.code !== 'string' || !codes.includes(v.code) || typeof v.message !== 'string') return null;
    return new DomainError(v.code, v.message, Array.isArray(v.details) ? v.details : []);
  }
}
