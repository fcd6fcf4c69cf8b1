import { jest } from '@jest/globals';

import type { CredentialRef } from '@prm/contracts';

import { openClient, sslOptionFor, withDeadline, type CredentialResolver } from './connect.js';
import { CausedError, DeadlineError, PgConnectError } from './errors.js';

describe('withDeadline', () => {
  it('resolves and rejects with the wrapped promise when it settles in time', async () => {
    await expect(withDeadline(Promise.resolve(42), 1000, 'x')).resolves.toBe(42);
    await expect(withDeadline(Promise.reject(new Error('boom')), 1000, 'x')).rejects.toThrow('boom');
  });

  it('rejects with a timeout cause when the deadline passes first, and swallows the late rejection', async () => {
    let rejectLate: (e: Error) => void = () => undefined;
    const never = new Promise<number>((_r, rej) => (rejectLate = rej));
    const started = Date.now();
    const err = await withDeadline(never, 50, 'poll of orders-db').catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err).toBeInstanceOf(DeadlineError);
    expect((err as DeadlineError).pgCause).toMatchObject({
      code: 'timeout',
      message: 'poll of orders-db did not finish within 50 ms',
    });
    rejectLate(new Error('late')); // must not surface as an unhandled rejection
  });
});

describe('sslOptionFor', () => {
  it('maps libpq sslmode to pg ssl options', () => {
    expect(sslOptionFor('disable')).toBe(false);
    expect(sslOptionFor('require')).toEqual({ rejectUnauthorized: false });
    expect(sslOptionFor('prefer')).toEqual({ rejectUnauthorized: false });
    expect(sslOptionFor('verify-full', 'PEM')).toEqual({ rejectUnauthorized: true, ca: 'PEM' });
    const ca = sslOptionFor('verify-ca');
    expect(ca).toMatchObject({ rejectUnauthorized: true });
    expect(ca && ca.checkServerIdentity?.('h', {} as never)).toBeUndefined();
  });
});

describe('openClient (no server needed)', () => {
  const base = { host: '127.0.0.1', port: 1, dbname: 'd', sslmode: 'disable' as const };

  it('refuses RDS IAM without TLS before resolving anything', async () => {
    const resolve = jest.fn<CredentialResolver['resolve']>();
    const credential: CredentialRef = { kind: 'rds-iam', user: 'app', region: 'eu-west-1' };
    const err = await openClient({ ...base, credential }, { resolve }, { applicationName: 't' }).catch((e) => e);
    expect(err).toBeInstanceOf(PgConnectError);
    expect((err as PgConnectError).pgCause.code).toBe('tls-required');
    expect(resolve).not.toHaveBeenCalled();
  });

  it('wraps a credential failure in PgConnectError with its cause', async () => {
    const cause = { code: 'secret-not-found' as const, message: 'no such secret', remedy: 'fix the ARN' };
    const resolver: CredentialResolver = { resolve: () => Promise.reject(new CausedError(cause)) };
    const credential: CredentialRef = { kind: 'aws-secret', secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:x' };
    const err = await openClient({ ...base, credential }, resolver, { applicationName: 't' }).catch((e) => e);
    expect(err).toBeInstanceOf(PgConnectError);
    expect((err as PgConnectError).pgCause).toEqual(cause);
  });
});
