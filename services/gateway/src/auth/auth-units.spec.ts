import { ForbiddenException, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { jest } from '@jest/globals';
import { DomainError } from '@prm/contracts';
import { ACCESS_RULE, RequireRole, roleAtLeast } from '@prm/observability';
import { AuthEnv, corsOrigins } from './auth.env.js';
import { AuthGuard } from './auth.guard.js';
import { albRegion, type AuthService, type Principal } from './auth.service.js';
import { assertPasswordPolicy, hashPassword, verifyPassword } from './passwords.js';
import { hashSecret, looksLikeApiToken, newApiToken, sameSecret } from './secrets.js';

class NoRule {
  handler(): void {}
}
class Admins {
  @RequireRole('admin')
  handler(): void {}
}

function context(type: string, cls: new () => { handler(): void }, method = 'POST') {
  const req = { method, path: '/api/x', headers: {} };
  return {
    req,
    ctx: {
      getType: () => type,
      getHandler: () => cls.prototype.handler,
      getClass: () => cls,
      switchToHttp: () => ({ getRequest: () => req }),
    } as never,
  };
}

describe('AuthGuard (unit)', () => {
  const audit = { record: jest.fn() };
  const principal: Principal = { name: 'v', role: 'viewer', source: 'token' };
  const auth = {
    authenticate: jest.fn(async () => principal as Principal | null),
    csrfValid: jest.fn(() => true),
    allows: (held: Principal['role'], needed: Principal['role']) => roleAtLeast(held, needed),
  };
  const guard = new AuthGuard(new Reflector(), auth as unknown as AuthService, audit as never);

  it('refuses a route without an access rule (fail closed) and audits the refusal', async () => {
    const { ctx } = context('http', NoRule);
    await expect(guard.canActivate(ctx)).rejects.toThrow(new ForbiddenException('this route has no access rule'));
    expect(audit.record).toHaveBeenLastCalledWith(expect.anything(), 403, null);
    expect(auth.authenticate).not.toHaveBeenCalled();
  });

  it('lets bus messages through, refuses weaker roles, anonymous callers and a missing CSRF token', async () => {
    await expect(guard.canActivate(context('rpc', NoRule).ctx)).resolves.toBe(true);
    await expect(guard.canActivate(context('http', Admins).ctx)).rejects.toThrow(
      'requires the admin role (you are viewer)',
    );
    auth.authenticate.mockResolvedValueOnce(null);
    await expect(guard.canActivate(context('http', Admins).ctx)).rejects.toBeInstanceOf(UnauthorizedException);
    expect(audit.record).toHaveBeenLastCalledWith(expect.anything(), 401, null);
    auth.csrfValid.mockReturnValueOnce(false);
    await expect(guard.canActivate(context('http', Admins).ctx)).rejects.toThrow('x-csrf-token');
    auth.authenticate.mockResolvedValueOnce({ name: 'a', role: 'admin', source: 'password' });
    const { ctx, req } = context('http', Admins, 'GET');
    await expect(guard.canActivate(ctx)).resolves.toBe(true);
    expect((req as { user?: Principal }).user).toMatchObject({ name: 'a' });
    expect(Reflect.getMetadata(ACCESS_RULE, Admins.prototype.handler)).toEqual({ role: 'admin' });
  });
});

describe('auth helpers', () => {
  it('secrets: tokens have the prm_ shape, hashes are stable, comparison is exact', () => {
    const token = newApiToken();
    expect(looksLikeApiToken(token)).toBe(true);
    expect(looksLikeApiToken(`${token}x`)).toBe(false);
    expect(hashSecret(token)).toBe(hashSecret(token));
    expect(hashSecret(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abd')).toBe(false);
    expect(sameSecret('abc', 'abcd')).toBe(false);
  });

  it('password policy: 12 characters to 72 bytes, with the field named', async () => {
    expect(() => assertPasswordPolicy('short', 'newPassword')).toThrow(
      new DomainError('validation-failed', 'newPassword: must be at least 12 characters'),
    );
    expect(() => assertPasswordPolicy('é'.repeat(40))).toThrow('must be at most 72 bytes');
    expect(() => assertPasswordPolicy('long enough password')).not.toThrow();
    const hash = await hashPassword('long enough password');
    expect(hash).toMatch(/^\$2[aby]\$12\$/);
    await expect(verifyPassword('long enough password', hash)).resolves.toBe(true);
    await expect(verifyPassword('wrong password here', hash)).resolves.toBe(false);
    await expect(verifyPassword('long enough password', null)).resolves.toBe(false);
  }, 20_000);

  it('settings: CORS allow-list and the ALB region', () => {
    expect(corsOrigins({ PRM_CORS_ORIGINS: '' })).toEqual([]);
    expect(corsOrigins({ PRM_CORS_ORIGINS: 'https://a.example,http://b.example:8080' })).toEqual([
      'https://a.example',
      'http://b.example:8080',
    ]);
    expect(albRegion('arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/y')).toBe('eu-west-1');
    expect(new AuthEnv().PRM_AUTH_MODE).toBe('builtin');
  });
});
