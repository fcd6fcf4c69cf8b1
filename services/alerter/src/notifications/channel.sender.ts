import { createHmac } from 'node:crypto';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { AlertNotificationMessage, ChannelConfig } from '@prm/contracts';
import { classifyAwsError, regionOfArn } from '@prm/aws';
import nodemailer from 'nodemailer';
import { redact } from '../rules/format.js';
import { renderSlack, renderText } from './message.js';
import type { SecretResolver } from './secret.resolver.js';

/** A delivery failure; `message` is safe to store and show (no URL query, no secret). */
export class DeliveryError extends Error {
  constructor(message: string) {
    super(redact(message));
    this.name = 'DeliveryError';
  }
}

/** Header names of signed webhooks. */
export const SIGNATURE_HEADER = 'X-Prm-Signature';
export const TIMESTAMP_HEADER = 'X-Prm-Timestamp';

/**
 * Webhook signature: `sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>` with the channel's secret. Receivers
 * recompute it, compare in constant time and reject old timestamps (replay).
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Where the sender's dependencies come from (replaceable in tests). */
export interface ChannelSenderDeps {
  secrets: SecretResolver;
  timeoutMs: number;
  awsEndpoint?: string;
  awsRegion?: string;
  fetch?: typeof fetch;
}

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the URL';
  }
}

/** Sends one message to one channel (webhook, Slack, SNS, SMTP). Throws {@link DeliveryError} on any failure. */
export class ChannelSender {
  private readonly sns = new Map<string, SNSClient>();
  private readonly fetchFn: typeof fetch;

  constructor(private readonly deps: ChannelSenderDeps) {
    this.fetchFn = deps.fetch ?? fetch;
  }

  async send(config: ChannelConfig, message: AlertNotificationMessage): Promise<void> {
    try {
      switch (config.kind) {
        case 'webhook':
          return await this.webhook(config, message);
        case 'slack':
          return await this.post(config.url, JSON.stringify(renderSlack(message)), {}, 'Slack');
        case 'sns':
          return await this.publish(config, message);
        case 'email':
          return await this.email(config, message);
      }
    } catch (err) {
      if (err instanceof DeliveryError) throw err;
      throw new DeliveryError(err instanceof Error ? err.message : String(err));
    }
  }

  private async webhook(c: Extract<ChannelConfig, { kind: 'webhook' }>, m: AlertNotificationMessage): Promise<void> {
    const body = JSON.stringify(m);
    const headers: Record<string, string> = { 'X-Prm-Event': m.event };
    if (c.secret) {
      const ts = Math.floor(Date.now() / 1000);
      headers[TIMESTAMP_HEADER] = String(ts);
      headers[SIGNATURE_HEADER] = signWebhook(await this.deps.secrets.resolve(c.secret), ts, body);
    }
    await this.post(c.url, body, headers, 'webhook');
  }

  private async post(url: string, body: string, headers: Record<string, string>, what: string): Promise<void> {
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'prm-alerter', ...headers },
        body,
        signal: AbortSignal.timeout(this.deps.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new DeliveryError(`${what} ${origin(url)} not reached: ${cause}`);
    }
    await res.text().catch(() => '');
    if (!res.ok) throw new DeliveryError(`${what} ${origin(url)} answered HTTP ${res.status}`);
  }

  private async publish(c: Extract<ChannelConfig, { kind: 'sns' }>, m: AlertNotificationMessage): Promise<void> {
    const region = regionOfArn(c.topicArn) ?? this.deps.awsRegion ?? 'us-east-1';
    let client = this.sns.get(region);
    if (!client) {
      client = new SNSClient({ region, ...(this.deps.awsEndpoint ? { endpoint: this.deps.awsEndpoint } : {}) });
      this.sns.set(region, client);
    }
    try {
      await client.send(
        new PublishCommand({
          TopicArn: c.topicArn,
          // SNS e-mail subjects: ASCII, no line breaks, at most 100 characters.
          Subject: m.title.replace(/[^\x20-\x7e]/g, '-').slice(0, 100),
          Message: renderText(m),
          MessageAttributes: { event: { DataType: 'String', StringValue: m.event } },
        }),
        { abortSignal: AbortSignal.timeout(this.deps.timeoutMs) },
      );
    } catch (err) {
      throw new DeliveryError(
        `SNS ${c.topicArn}: ${classifyAwsError(err, { action: 'sns:Publish', resource: c.topicArn }).message}`,
      );
    }
  }

  private async email(c: Extract<ChannelConfig, { kind: 'email' }>, m: AlertNotificationMessage): Promise<void> {
    const pass = c.password ? await this.deps.secrets.resolve(c.password) : undefined;
    const transport = nodemailer.createTransport({
      host: c.host,
      port: c.port,
      secure: c.secure,
      ...(c.user ? { auth: { user: c.user, pass: pass ?? '' } } : {}),
      connectionTimeout: this.deps.timeoutMs,
      greetingTimeout: this.deps.timeoutMs,
      socketTimeout: this.deps.timeoutMs,
    });
    try {
      await transport.sendMail({ from: c.from, to: c.to.join(', '), subject: m.title, text: renderText(m) });
    } catch (err) {
      const e = err as { code?: string; responseCode?: number; message?: string };
      throw new DeliveryError(
        `SMTP ${c.host}:${c.port}: ${e.code ?? ''}${e.responseCode ? ` ${e.responseCode}` : ''} ${(e.message ?? '').split('\n')[0]}`.trim(),
      );
    } finally {
      transport.close();
    }
  }
}
