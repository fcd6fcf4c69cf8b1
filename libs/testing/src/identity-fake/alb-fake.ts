/**
 * Stand-ins for an AWS Application Load Balancer with an `authenticate-oidc` action, for tests of code that verifies
 * the `x-amzn-oidc-data` header: a loopback key server shaped like `https://public-keys.auth.elb.<region>.amazonaws.com`
 * (GET `/<kid>` → the ES256 public key as PEM) and a signer producing ALB-style tokens.
 *
 * Like the real ALB (AWS "Authenticate users using an Application Load Balancer", "User claims encoding and signature
 * verification"), tokens carry `alg`, `kid`, `signer` (the ALB ARN), `iss`, `client`, `exp` in the JOSE header, each
 * part is base64url *with* '=' padding, and the signature (ES256, raw r||s) covers the padded `header.payload` text.
 */
import { randomUUID, webcrypto } from 'node:crypto';
import { createServer } from 'node:http';
import { exportSPKI, generateKeyPair, type CryptoKey } from 'jose';

/** An ALB signing key: the private half signs, the PEM is what the key server publishes. */
export interface AlbSigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKeyPem: string;
}

/** A fake ALB ARN in us-east-1 for tests. */
export const FAKE_ALB_ARN =
  'arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/prm-console/50dc6c495c0c9188';

/** Creates a fresh ES256 key pair; `kid` defaults to a UUID like the ALB's. */
export async function createAlbSigningKey(kid: string = randomUUID()): Promise<AlbSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { kid, privateKey, publicKeyPem: await exportSPKI(publicKey) };
}

/** A running key server; see {@link startAlbKeyServer}. */
export interface AlbKeyServer {
  /** `http://127.0.0.1:<port>`, for the verifier's `keyUrlBase`. */
  keyUrlBase: string;
  /** A key published from the start. */
  key: AlbSigningKey;
  /** Published keys by kid; add or delete entries to rotate. */
  keys: Map<string, AlbSigningKey>;
  /** When set, every key request answers this HTTP status (e.g. 503) instead of a key. */
  failWithStatus: number | null;
  /** When set, every key request answers 200 with this body instead of a key (e.g. not a PEM). */
  bodyOverride: string | null;
  /** Paths requested, in order (e.g. `/<kid>`), to assert caching. */
  requests: string[];
  stop(): Promise<void>;
}

/**
 * Starts a key server on a free loopback port publishing one fresh key.
 * @returns the handle; call `stop()` in `afterAll`.
 */
export async function startAlbKeyServer(): Promise<AlbKeyServer> {
  const key = await createAlbSigningKey();
  const handle: AlbKeyServer = {
    keyUrlBase: '',
    key,
    keys: new Map([[key.kid, key]]),
    failWithStatus: null,
    bodyOverride: null,
    requests: [],
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    handle.requests.push(path);
    if (handle.failWithStatus !== null) {
      res.writeHead(handle.failWithStatus).end();
      return;
    }
    if (handle.bodyOverride !== null) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(handle.bodyOverride);
      return;
    }
    const found = req.method === 'GET' ? handle.keys.get(path.slice(1)) : undefined;
    if (!found) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('NoSuchKey');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(found.publicKeyPem);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  handle.keyUrlBase = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return handle;
}

/** Options of {@link signAlbToken}. */
export interface SignAlbTokenOptions {
  /** The key to sign with; its kid goes into the header unless `kid` overrides it. */
  key: AlbSigningKey;
  /** The `signer` header field; default {@link FAKE_ALB_ARN}. */
  signer?: string;
  /** Overrides the header `kid` (e.g. a kid the server does not publish, or one that is not URL-safe). */
  kid?: string;
  /** Seconds until `exp` (header and claims); negative for an expired token; default 120 like the ALB. */
  expiresInSec?: number;
  /** `alg` header field; default ES256 (the signature is ES256 whatever this says). */
  alg?: string;
  /** IdP issuer in the header and claims; default `https://idp.example.com`. */
  issuer?: string;
  /** '=' padding on each part like the ALB; default true. */
  padded?: boolean;
}

const base64url = (bytes: Uint8Array, padded: boolean): string => {
  const text = Buffer.from(bytes).toString('base64url');
  return padded ? text + '='.repeat((4 - (text.length % 4)) % 4) : text;
};

/**
 * Signs ALB-style user claims (`sub`, `email`, `name`, groups... as the IdP's userinfo returned them; `exp` and `iss`
 * are added unless given).
 * @returns the compact token, as the ALB puts it into `x-amzn-oidc-data`
 */
export async function signAlbToken(claims: Record<string, unknown>, options: SignAlbTokenOptions): Promise<string> {
  const padded = options.padded ?? true;
  const issuer = options.issuer ?? 'https://idp.example.com';
  const exp = Math.floor(Date.now() / 1000) + (options.expiresInSec ?? 120);
  const header = {
    typ: 'JWT',
    kid: options.kid ?? options.key.kid,
    alg: options.alg ?? 'ES256',
    iss: issuer,
    client: 'prm-console-client',
    signer: options.signer ?? FAKE_ALB_ARN,
    exp,
  };
  const json = (value: unknown): string => base64url(new TextEncoder().encode(JSON.stringify(value)), padded);
  const signingInput = `${json(header)}.${json({ exp, iss: issuer, ...claims })}`;
  const signature = await webcrypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    options.key.privateKey,
    new TextEncoder().encode(signingInput),
  );
  return `${signingInput}.${base64url(new Uint8Array(signature), padded)}`;
}

/** Tokens the verifier must refuse, each for one reason; see {@link signBadAlbTokens}. */
export interface BadAlbTokens {
  /** Signed by a key that is not the published key, under the published kid. */
  wrongKey: string;
  /** Signed by the published key but naming another ALB as signer. */
  wrongSigner: string;
  /** Expired ten minutes ago. */
  expired: string;
  /** Names a kid the key server does not publish. */
  unknownKid: string;
  /** A valid token whose payload was swapped after signing (admin groups). */
  tamperedPayload: string;
  /** An `alg: none` token without signature. */
  unsigned: string;
}

/**
 * Produces one token per failure mode for `claims`, from the published `key` of a key server.
 * @param options.key the published key; `options.signer` the ALB ARN the verifier expects (default {@link FAKE_ALB_ARN})
 */
export async function signBadAlbTokens(
  claims: Record<string, unknown>,
  options: { key: AlbSigningKey; signer?: string },
): Promise<BadAlbTokens> {
  const signer = options.signer ?? FAKE_ALB_ARN;
  const foreign = await createAlbSigningKey(options.key.kid);
  const good = await signAlbToken(claims, { key: options.key, signer });
  const [header, , signature] = good.split('.');
  const forged = base64url(new TextEncoder().encode(JSON.stringify({ ...claims, groups: ['dba-admins'] })), true);
  const noneHeader = base64url(
    new TextEncoder().encode(JSON.stringify({ alg: 'none', kid: options.key.kid, signer })),
    true,
  );
  return {
    wrongKey: await signAlbToken(claims, { key: foreign, signer }),
    wrongSigner: await signAlbToken(claims, {
      key: options.key,
      signer: 'arn:aws:elasticloadbalancing:us-east-1:444455556666:loadbalancer/app/intruder/0123456789abcdef',
    }),
    expired: await signAlbToken(claims, { key: options.key, signer, expiresInSec: -600 }),
    unknownKid: await signAlbToken(claims, { key: options.key, signer, kid: randomUUID() }),
    tamperedPayload: `${header}.${forged}.${signature}`,
    unsigned: `${noneHeader}.${forged}.`,
  };
}
