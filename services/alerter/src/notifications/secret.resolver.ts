import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretRef } from '@prm/contracts';
import { classifyAwsError, regionOfArn } from '@prm/aws';

/** Raised when a channel secret cannot be read; the message names the reference, never a value. */
export class ChannelSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChannelSecretError';
  }
}

/**
 * Resolves channel secret references (webhook HMAC secret, SMTP password) at send time; values are never stored,
 * logged or put in a notification.
 * - `env`: the variable `name` of the environment prm was started with;
 * - `aws-secret`: `GetSecretValue` (region from the ARN); a JSON object secret yields its `field` (default `password`,
 *   then `secret`), any other secret its whole SecretString. Values are cached for 5 minutes.
 */
export class SecretResolver {
  private readonly cache = new Map<string, { at: number; value: string }>();
  private readonly clients = new Map<string, SecretsManagerClient>();

  constructor(
    private readonly env: Record<string, string | undefined>,
    private readonly awsEndpoint?: string,
    private readonly ttlMs = 300_000,
  ) {}

  /** @throws ChannelSecretError naming the variable or ARN (and the missing IAM action for AWS errors). */
  async resolve(ref: SecretRef): Promise<string> {
    if (ref.kind === 'env') {
      const v = this.env[ref.name];
      if (v === undefined || v === '') throw new ChannelSecretError(`environment variable ${ref.name} is not set`);
      return v;
    }
    const key = `${ref.secretArn}#${ref.field ?? ''}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const region = regionOfArn(ref.secretArn) ?? 'us-east-1';
    let client = this.clients.get(region);
    if (!client) {
      client = new SecretsManagerClient({ region, ...(this.awsEndpoint ? { endpoint: this.awsEndpoint } : {}) });
      this.clients.set(region, client);
    }
    let text: string | undefined;
    try {
      const out = await client.send(new GetSecretValueCommand({ SecretId: ref.secretArn }));
      text = out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
    } catch (err) {
      const cause = classifyAwsError(err, { action: 'secretsmanager:GetSecretValue', resource: ref.secretArn });
      throw new ChannelSecretError(`secret ${ref.secretArn}: ${cause.message}`);
    }
    if (!text) throw new ChannelSecretError(`secret ${ref.secretArn} has no value`);
    let value = text;
    try {
      const o = JSON.parse(text) as unknown;
      if (o && typeof o === 'object' && !Array.isArray(o)) {
        const rec = o as Record<string, unknown>;
        const field = ref.field ?? (typeof rec.password === 'string' ? 'password' : 'secret');
        if (typeof rec[field] !== 'string')
          throw new ChannelSecretError(`secret ${ref.secretArn} has no string field ${field}`);
        value = rec[field] as string;
      }
    } catch (err) {
      if (err instanceof ChannelSecretError) throw err;
    }
    this.cache.set(key, { at: Date.now(), value });
    return value;
  }
}
