import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

import { classifyAwsError, CredentialError, regionOfArn } from './aws-errors.js';

/**
 * A database secret in the format RDS and Secrets Manager rotation use
 * (`{"engine":"postgres","username":...,"password":...,"host":...,"port":5432,"dbname":...}`).
 */
export interface RdsSecret {
  username: string;
  password: string;
  host?: string;
  port?: number;
  dbname?: string;
}

/** Options of {@link SecretsManagerCredentialSource}. */
export interface SecretsManagerCredentialSourceOptions {
  /** A client, or a factory by region (the region is read from each secret ARN). Default: SDK clients per region. */
  client?: SecretsManagerClient | ((region: string) => SecretsManagerClient);
  /** How long a fetched secret is reused, ms; default 300000 (5 min). */
  cacheTtlMs?: number;
  /** Clock in ms, for tests. */
  now?: () => number;
}

/**
 * Builds a per-region Secrets Manager client factory (clients memoized by region).
 * @param overrides e.g. `{ endpoint: fake.endpoint, credentials: { accessKeyId, secretAccessKey } }` in tests.
 */
export function secretsManagerClientFactory(
  overrides: Omit<ConstructorParameters<typeof SecretsManagerClient>[0], 'region'> = {},
): (region: string) => SecretsManagerClient {
  const clients = new Map<string, SecretsManagerClient>();
  return (region) => {
    let c = clients.get(region);
    if (!c) {
      c = new SecretsManagerClient({ ...overrides, region });
      clients.set(region, c);
    }
    return c;
  };
}

/** Parses the RDS secret JSON; names missing or invalid fields, never values. */
export function parseRdsSecret(text: string, secretArn: string): RdsSecret {
  const malformed = (what: string): CredentialError =>
    new CredentialError({
      code: 'secret-malformed',
      message: `secret ${secretArn} ${what}`,
      remedy:
        'Store the secret in the RDS format: {"username":"...","password":"...","host":"...","port":5432,"dbname":"..."}',
    });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw malformed('is not JSON');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw malformed('is not a JSON object');
  const o = data as Record<string, unknown>;
  const missing = ['username', 'password'].filter((k) => typeof o[k] !== 'string' || o[k] === '');
  if (missing.length > 0) throw malformed(`has no ${missing.join(' or ')} string`);
  const out: RdsSecret = { username: o.username as string, password: o.password as string };
  if (typeof o.host === 'string' && o.host) out.host = o.host;
  if (o.port !== undefined && o.port !== null && o.port !== '') {
    const port = typeof o.port === 'number' ? o.port : Number(o.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw malformed('has an invalid port');
    out.port = port;
  }
  if (typeof o.dbname === 'string' && o.dbname) out.dbname = o.dbname;
  return out;
}

/**
 * Reads database credentials from AWS Secrets Manager (`GetSecretValue`), with a TTL cache per ARN.
 * Concurrent reads of one ARN share a request; failures are not cached. Call {@link invalidate} after a failed
 * login so a rotated secret is read again.
 */
export class SecretsManagerCredentialSource {
  private readonly clientFor: (region: string) => SecretsManagerClient;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, { at: number; value: Promise<RdsSecret> }>();

  constructor(opts: SecretsManagerCredentialSourceOptions = {}) {
    const c = opts.client ?? secretsManagerClientFactory();
    this.clientFor = typeof c === 'function' ? c : () => c;
    this.ttlMs = opts.cacheTtlMs ?? 300_000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * @param secretArn full ARN; its region selects the client.
   * @throws CredentialError: `aws-access-denied`, `kms-decrypt-denied`, `secret-not-found` (also for a non-ARN),
   *   `secret-malformed`, `aws-error`.
   */
  getCredentials(secretArn: string): Promise<RdsSecret> {
    const hit = this.cache.get(secretArn);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    const value = this.fetch(secretArn);
    this.cache.set(secretArn, { at: this.now(), value });
    value.catch(() => {
      if (this.cache.get(secretArn)?.value === value) this.cache.delete(secretArn);
    });
    return value;
  }

  /** Forgets the cached value of `secretArn`. */
  invalidate(secretArn: string): void {
    this.cache.delete(secretArn);
  }

  private async fetch(secretArn: string): Promise<RdsSecret> {
    const region = regionOfArn(secretArn);
    if (!region || !secretArn.includes(':secretsmanager:')) {
      throw new CredentialError({
        code: 'secret-not-found',
        message: `"${secretArn}" is not a Secrets Manager secret ARN`,
        remedy: 'Use the full ARN: arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>',
      });
    }
    let out;
    try {
      out = await this.clientFor(region).send(new GetSecretValueCommand({ SecretId: secretArn }));
    } catch (err) {
      throw new CredentialError(
        classifyAwsError(err, { action: 'secretsmanager:GetSecretValue', resource: secretArn }),
      );
    }
    const text = out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
    if (text === undefined) {
      throw new CredentialError({
        code: 'secret-malformed',
        message: `secret ${secretArn} has no value`,
        remedy: 'Put a value in the secret (RDS JSON format)',
      });
    }
    return parseRdsSecret(text, secretArn);
  }
}
