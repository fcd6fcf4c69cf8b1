import { plainToInstance } from 'class-transformer';
import { type ValidationError, validateSync } from 'class-validator';
import type { ApiErrorDetail } from '../api.js';
import type { CredentialRef } from '../endpoint.js';
import { DomainError } from '../errors.js';
import type { CredentialRefDto } from './endpoint.dto.js';

/** Flattens class-validator errors into `{ field: 'credential.secretArn', reason }` details. */
export function validationDetails(errors: ValidationError[], parent = ''): ApiErrorDetail[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((reason) => ({
      field,
      reason: reason.replace(/^property (\S+) should not exist$/, 'unknown field $1'),
    }));
    return [...own, ...validationDetails(e.children ?? [], field)];
  });
}

/**
 * Validates a plain payload against a DTO class, rejecting unknown fields.
 * Throws `DomainError('validation-failed')` with one detail per bad field.
 */
export function validatePayload<T extends object>(cls: new () => T, payload: unknown): T {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new DomainError('validation-failed', 'request body must be a JSON object', [{ reason: 'not an object' }]);
  }
  const instance = plainToInstance(cls, payload, { exposeDefaultValues: true });
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    throw new DomainError('validation-failed', 'request validation failed', validationDetails(errors));
  }
  return instance;
}

/**
 * Checks the fields each credential kind needs (and refuses the ones it does not use) and returns the typed
 * reference. Throws `DomainError('validation-failed')` naming `credential.<field>`.
 */
export function toCredentialRef(dto: CredentialRefDto): CredentialRef {
  const need: Record<CredentialRef['kind'], (keyof CredentialRefDto)[]> = {
    'aws-secret': ['secretArn'],
    'rds-iam': ['user', 'region'],
    env: ['user', 'passwordEnv'],
  };
  const wanted = need[dto.kind];
  const fields: (keyof CredentialRefDto)[] = ['secretArn', 'user', 'region', 'passwordEnv'];
  const details: ApiErrorDetail[] = [];
  for (const f of fields) {
    const present = dto[f] !== undefined && dto[f] !== null && dto[f] !== '';
    if (wanted.includes(f) && !present)
      details.push({ field: `credential.${f}`, reason: `${f} is required for kind ${dto.kind}` });
    if (!wanted.includes(f) && present)
      details.push({ field: `credential.${f}`, reason: `${f} is not used by kind ${dto.kind}` });
  }
  if (details.length > 0) throw new DomainError('validation-failed', 'invalid credential reference', details);
  switch (dto.kind) {
    case 'aws-secret':
      return { kind: 'aws-secret', secretArn: dto.secretArn as string };
    case 'rds-iam':
      return { kind: 'rds-iam', user: dto.user as string, region: dto.region as string };
    case 'env':
      return { kind: 'env', user: dto.user as string, passwordEnv: dto.passwordEnv as string };
  }
}
