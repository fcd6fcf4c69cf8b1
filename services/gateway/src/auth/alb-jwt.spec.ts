import { webcrypto } from 'node:crypto';
import {
  type AlbKeyServer,
  type AlbSigningKey,
  createAlbSigningKey,
  FAKE_ALB_ARN,
  signAlbToken,
  signBadAlbTokens,
  startAlbKeyServer,
} from '@prm/testing';
import { AlbJwtVerifier, AuthenticationError, type AuthenticationFailure } from './alb-jwt.js';

const claims = {
  sub: '9f1c2e7a-user',
  name: 'Dana DBA',
  email: 'dana@example.com',
  groups: ['eng', 'dba-admins'],
};

/** The AuthenticationError `promise` rejects with; fails the test when it resolves or rejects with something else. */
async function refusal(promise: Promise<unknown>): Promise<AuthenticationError> {
  const error = await promise.then(
    () => {
      throw new Error('expected an AuthenticationError, but verification succeeded');
    },
    (e: unknown) => e,
  );
  if (!(error instanceof AuthenticationError)) throw error;
  return error;
}

async function expectRefused(
  promise: Promise<unknown>,
  failure: AuthenticationFailure,
  reason: RegExp,
  token?: string,
): Promise<void> {
  const error = await refusal(promise);
  expect({ failure: error.failure, name: error.name }).toEqual({ failure, name: 'AuthenticationError' });
  expect(error.reason).toMatch(reason);
  expect(error.message).toBe(error.reason);
  if (token) {
    for (const part of token.split('.').filter((p) => p.length > 8)) expect(error.reason).not.toContain(part);
  }
}

/** Signs `payloadText` (raw, not necessarily JSON) under an ALB header with `key`, padded like the ALB. */
async function signRaw(payloadText: string, key: AlbSigningKey): Promise<string> {
  const b64 = (bytes: Buffer): string => {
    const s = bytes.toString('base64url');
    return s + '='.repeat((4 - (s.length % 4)) % 4);
  };
  const exp = Math.floor(Date.now() / 1000) + 120;
  const header = { alg: 'ES256', kid: key.kid, signer: FAKE_ALB_ARN, exp };
  const input = `${b64(Buffer.from(JSON.stringify(header)))}.${b64(Buffer.from(payloadText))}`;
  const sig = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey, Buffer.from(input));
  return `${input}.${b64(Buffer.from(sig))}`;
}

describe('AlbJwtVerifier', () => {
  let server: AlbKeyServer;
  let verifier: AlbJwtVerifier;

  beforeAll(async () => {
    server = await startAlbKeyServer();
  });

  afterAll(async () => {
    await server.stop();
  });

  beforeEach(() => {
    server.requests.length = 0;
    server.failWithStatus = null;
    server.bodyOverride = null;
    verifier = new AlbJwtVerifier({ region: 'us-east-1', albArn: FAKE_ALB_ARN, keyUrlBase: `${server.keyUrlBase}/` });
  });

  describe('accepts', () => {
    it('a padded ALB token signed over its padded parts, and reads the identity', async () => {
      const token = await signAlbToken(claims, { key: server.key });
      expect(token).toMatch(/=\./);
      await expect(verifier.verify(token)).resolves.toEqual({
        subject: '9f1c2e7a-user',
        name: 'dana@example.com',
        email: 'dana@example.com',
        groups: ['eng', 'dba-admins'],
      });
      expect(server.requests).toEqual([`/${server.key.kid}`]);
    });

    it('an unpadded token too (should the ALB ever stop padding)', async () => {
      const token = await signAlbToken(claims, { key: server.key, padded: false });
      expect(token).not.toContain('=');
      await expect(verifier.verify(` ${token} `)).resolves.toMatchObject({ subject: '9f1c2e7a-user' });
    });

    it('prefers preferred_username for the name, falls back to name then sub, and reads a custom groups claim', async () => {
      const custom = new AlbJwtVerifier({
        region: 'us-east-1',
        albArn: FAKE_ALB_ARN,
        keyUrlBase: server.keyUrlBase,
        groupsClaim: 'cognito:groups',
      });
      const withUsername = await signAlbToken(
        { sub: 's1', preferred_username: 'dana', email: 'd@example.com', 'cognito:groups': 'sre' },
        { key: server.key },
      );
      await expect(custom.verify(withUsername)).resolves.toEqual({
        subject: 's1',
        name: 'dana',
        email: 'd@example.com',
        groups: ['sre'],
      });
      const nameOnly = await signAlbToken({ sub: 's2', name: 'Dana', groups: ['eng'] }, { key: server.key });
      await expect(custom.verify(nameOnly)).resolves.toEqual({ subject: 's2', name: 'Dana', email: null, groups: [] });
      const subOnly = await signAlbToken({ sub: 's3', email: '' }, { key: server.key });
      await expect(custom.verify(subOnly)).resolves.toEqual({ subject: 's3', name: 's3', email: null, groups: [] });
    });

    it('fetches each key once, also for concurrent first requests', async () => {
      const token = await signAlbToken(claims, { key: server.key });
      await Promise.all([verifier.verify(token), verifier.verify(token), verifier.verify(token)]);
      await verifier.verify(token);
      expect(server.requests).toEqual([`/${server.key.kid}`]);
    });

    it('tolerates clock skew on exp up to clockToleranceSec', async () => {
      const token = await signAlbToken(claims, { key: server.key, expiresInSec: -30 });
      await expect(verifier.verify(token)).resolves.toMatchObject({ subject: claims.sub });
      const strict = new AlbJwtVerifier({
        region: 'us-east-1',
        albArn: FAKE_ALB_ARN,
        keyUrlBase: server.keyUrlBase,
        clockToleranceSec: 0,
      });
      await expectRefused(strict.verify(token), 'expired', /has expired/);
    });

    it('keeps at most 32 keys, evicting the oldest', async () => {
      const keys = await Promise.all(Array.from({ length: 33 }, () => createAlbSigningKey()));
      for (const key of keys) server.keys.set(key.kid, key);
      for (const key of keys) await verifier.verify(await signAlbToken(claims, { key }));
      server.requests.length = 0;
      await verifier.verify(await signAlbToken(claims, { key: keys[32]! }));
      expect(server.requests).toEqual([]);
      await verifier.verify(await signAlbToken(claims, { key: keys[0]! }));
      expect(server.requests).toEqual([`/${keys[0]!.kid}`]);
    });
  });

  describe('refuses', () => {
    it.each([[undefined], [''], ['   ']])('a missing header (%j)', async (value) => {
      await expectRefused(verifier.verify(value), 'missing', /x-amzn-oidc-data is missing/);
    });

    it.each([
      ['one part', 'abc'],
      ['four parts', 'a.b.c.d'],
      ['an empty signature', 'eyJhbGciOiJFUzI1NiJ9.e30.'],
      ['characters outside base64url', 'eyJhbGciOiJFUzI1NiJ9.e3+/.abc'],
      ['whitespace inside', 'eyJhbGci OiJFUzI1NiJ9.e30.abc'],
      ['a header that is not JSON', 'YWJj.e30.abc'],
      ['an oversized token', `${'a'.repeat(16 * 1024)}.e30.abc`],
    ])('a token with %s', async (_what, token) => {
      await expectRefused(verifier.verify(token), 'malformed', /not a well-formed JWT/);
      expect(server.requests).toEqual([]);
    });

    it('a header without ES256, a key id or an expiry, before fetching any key', async () => {
      const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
      const exp = Math.floor(Date.now() / 1000) + 60;
      const token = (header: unknown): string => `${b64(header)}.${b64(claims)}.c2ln`;
      await expectRefused(
        verifier.verify(token({ alg: 'HS256', kid: 'k', signer: FAKE_ALB_ARN, exp })),
        'malformed',
        /not signed with ES256/,
      );
      await expectRefused(verifier.verify(token({ alg: 'ES256', signer: FAKE_ALB_ARN, exp })), 'malformed', /key id/);
      for (const kid of ['../admin', 'a/b', 'k?x=1', 'x'.repeat(129), 7]) {
        await expectRefused(
          verifier.verify(token({ alg: 'ES256', kid, signer: FAKE_ALB_ARN, exp })),
          'malformed',
          /no valid key id/,
        );
      }
      await expectRefused(
        verifier.verify(token({ alg: 'ES256', kid: 'k', signer: FAKE_ALB_ARN, exp: 'tomorrow' })),
        'malformed',
        /no expiry/,
      );
      expect(server.requests).toEqual([]);
    });

    it('an unsigned (alg none) token', async () => {
      const bad = await signBadAlbTokens(claims, { key: server.key });
      await expectRefused(verifier.verify(bad.unsigned), 'malformed', /not a well-formed JWT/, bad.unsigned);
    });

    it('a token of another load balancer, before fetching any key', async () => {
      const bad = await signBadAlbTokens(claims, { key: server.key });
      await expectRefused(verifier.verify(bad.wrongSigner), 'wrong-signer', /another load balancer/, bad.wrongSigner);
      expect(server.requests).toEqual([]);
    });

    it('an expired token (header exp), before fetching any key', async () => {
      const bad = await signBadAlbTokens(claims, { key: server.key });
      await expectRefused(verifier.verify(bad.expired), 'expired', /has expired/, bad.expired);
      expect(server.requests).toEqual([]);
    });

    it('expired claims under an unexpired header', async () => {
      const token = await signAlbToken({ ...claims, exp: Math.floor(Date.now() / 1000) - 3600 }, { key: server.key });
      await expectRefused(verifier.verify(token), 'expired', /has expired/, token);
    });

    it('claims not yet valid (nbf)', async () => {
      const token = await signAlbToken({ ...claims, nbf: Math.floor(Date.now() / 1000) + 3600 }, { key: server.key });
      await expectRefused(verifier.verify(token), 'malformed', /claims are not valid \(nbf\)/, token);
    });

    it('a token signed by another key under the published kid', async () => {
      const bad = await signBadAlbTokens(claims, { key: server.key });
      await expectRefused(verifier.verify(bad.wrongKey), 'bad-signature', /signature is not valid/, bad.wrongKey);
    });

    it('a payload swapped after signing', async () => {
      const bad = await signBadAlbTokens(claims, { key: server.key });
      await expectRefused(
        verifier.verify(bad.tamperedPayload),
        'bad-signature',
        /signature is not valid/,
        bad.tamperedPayload,
      );
    });

    it('a padded ALB token whose padding was stripped (the signature covers the padded text)', async () => {
      const token = await signAlbToken(claims, { key: server.key });
      const stripped = token.replace(/=/g, '');
      expect(stripped).not.toBe(token);
      await expectRefused(verifier.verify(stripped), 'bad-signature', /signature is not valid/);
    });

    it('a signed payload that is not a JSON claims set', async () => {
      const token = await signRaw('not json', server.key);
      await expectRefused(verifier.verify(token), 'malformed', /not a well-formed JWT/);
    });

    it('claims without a subject', async () => {
      const token = await signAlbToken({ email: 'nobody@example.com' }, { key: server.key });
      await expectRefused(verifier.verify(token), 'malformed', /no subject \(sub\) claim/);
    });

    it('an unknown key id, and fetches it again once it is published (failures are not cached)', async () => {
      const bad = await signBadAlbTokens(claims, { key: server.key });
      const kid = JSON.parse(Buffer.from(bad.unknownKid.split('.')[0]!, 'base64url').toString()).kid as string;
      await expectRefused(
        verifier.verify(bad.unknownKid),
        'key-unavailable',
        new RegExp(`public key ${kid} could not be obtained \\(HTTP 404\\)`),
        bad.unknownKid,
      );
      server.keys.set(kid, { ...server.key, kid });
      await expect(verifier.verify(bad.unknownKid)).resolves.toMatchObject({ subject: claims.sub });
      expect(server.requests).toEqual([`/${kid}`, `/${kid}`]);
    });

    it('when the key endpoint fails, answers something else than a PEM key, or is unreachable', async () => {
      const token = await signAlbToken(claims, { key: server.key });
      server.failWithStatus = 503;
      await expectRefused(verifier.verify(token), 'key-unavailable', /\(HTTP 503\)/);
      server.failWithStatus = null;
      server.bodyOverride = '<html>maintenance</html>';
      await expectRefused(verifier.verify(token), 'key-unavailable', /\(not a PEM public key\)/);
      server.bodyOverride = `-----BEGIN PUBLIC KEY-----\n${'A'.repeat(9000)}\n-----END PUBLIC KEY-----`;
      await expectRefused(verifier.verify(token), 'key-unavailable', /\(not a PEM public key\)/);
      const offline = new AlbJwtVerifier({
        region: 'us-east-1',
        albArn: FAKE_ALB_ARN,
        keyUrlBase: server.keyUrlBase,
        fetchImpl: () => Promise.reject(new TypeError('fetch failed')),
      });
      await expectRefused(offline.verify(token), 'key-unavailable', /\(key endpoint unreachable\)/);
    });
  });

  describe('configuration', () => {
    it('fetches keys from the regional AWS endpoint by default', async () => {
      const urls: string[] = [];
      const fetchImpl: typeof fetch = async (input) => {
        urls.push(String(input));
        return new Response(server.key.publicKeyPem, { status: 200 });
      };
      const regional = new AlbJwtVerifier({
        region: 'eu-west-1',
        albArn: 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/prm/0123456789abcdef',
        fetchImpl,
      });
      const token = await signAlbToken(claims, {
        key: server.key,
        signer: 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/prm/0123456789abcdef',
      });
      await expect(regional.verify(token)).resolves.toMatchObject({ subject: claims.sub });
      expect(urls).toEqual([`https://public-keys.auth.elb.eu-west-1.amazonaws.com/${server.key.kid}`]);
    });

    it('refuses a malformed region or ALB ARN', () => {
      expect(() => new AlbJwtVerifier({ region: 'eu-west-1/../x', albArn: FAKE_ALB_ARN })).toThrow(
        'ALB region "eu-west-1/../x" is not an AWS region name',
      );
      expect(() => new AlbJwtVerifier({ region: 'eu-west-1', albArn: 'arn:aws:iam::111122223333:role/x' })).toThrow(
        '"arn:aws:iam::111122223333:role/x" is not an Application Load Balancer ARN',
      );
    });
  });
});
