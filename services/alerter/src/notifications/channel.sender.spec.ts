import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { AlertView } from '@prm/contracts';
import { jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { ChannelSender, DeliveryError, signWebhook } from './channel.sender.js';
import { buildMessage, renderSlack, renderText } from './message.js';
import { ChannelSecretError, SecretResolver } from './secret.resolver.js';

const ALERT: AlertView = {
  id: 'a1',
  fingerprint: 'slot-retention:slot:e1/s',
  kind: 'slot-retention',
  severity: 'warning',
  state: 'resolved',
  subject: { type: 'slot', id: 'e1/s', name: 'pub/s' },
  summary: 'Slot s retains 6.0 GiB',
  facts: [{ label: 'conninfo', value: 'password=topsecret host=x' }],
  remediation: [{ text: 'drop it', command: "SELECT pg_drop_replication_slot('s');" }],
  endpointIds: ['e1'],
  streamIds: [],
  firstSeenAt: '2026-01-01T00:00:00.000Z',
  lastSeenAt: '2026-01-01T00:00:00.000Z',
  firedAt: '2026-01-01T00:00:00.000Z',
  resolvedAt: '2026-01-01T01:00:00.000Z',
  acknowledgedBy: null,
  acknowledgedAt: null,
  silencedUntil: null,
};

describe('channel sender (mocked transports)', () => {
  const sns = mockClient(SNSClient);
  afterEach(() => sns.reset());

  it('publishes to SNS with the event attribute and an ASCII subject (aws-sdk-client-mock)', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm1' });
    const sender = new ChannelSender({ secrets: new SecretResolver({}), timeoutMs: 1000 });
    const topicArn = 'arn:aws:sns:eu-west-1:111122223333:alerts';
    await sender.send({ kind: 'sns', topicArn }, buildMessage('resolved', [ALERT, { ...ALERT, id: 'a2' }], new Date()));
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      TopicArn: topicArn,
      MessageAttributes: { event: { DataType: 'String', StringValue: 'resolved' } },
    });
    expect(input.Subject).toBe('[prm] 2 alerts resolved: pub/s, pub/s');
    expect(input.Message).not.toContain('topsecret');
    sns
      .on(PublishCommand)
      .rejects(
        Object.assign(new Error('User is not authorized to perform: SNS:Publish'), { name: 'AuthorizationError' }),
      );
    await expect(sender.send({ kind: 'sns', topicArn }, buildMessage('fired', [ALERT], new Date()))).rejects.toThrow(
      DeliveryError,
    );
  });

  it('posts a signed webhook and reports HTTP failures without the URL path', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const fetchMock = jest.fn(async (url: string | URL | Request, init?: RequestInit) => {
      calls.push({ url: String(url), init: init! });
      return new Response('no', { status: calls.length === 1 ? 200 : 500 });
    });
    const sender = new ChannelSender({
      secrets: new SecretResolver({ HOOK: 's3cret' }),
      timeoutMs: 1000,
      fetch: fetchMock as unknown as typeof fetch,
    });
    const config = {
      kind: 'webhook' as const,
      url: 'https://hooks.example.com/p/abc?token=zzz',
      secret: { kind: 'env' as const, name: 'HOOK' },
    };
    await sender.send(config, buildMessage('fired', [ALERT], new Date()));
    const headers = calls[0]!.init.headers as Record<string, string>;
    expect(headers['X-Prm-Signature']).toBe(
      signWebhook('s3cret', Number(headers['X-Prm-Timestamp']), calls[0]!.init.body as string),
    );
    const err = await sender.send(config, buildMessage('fired', [ALERT], new Date())).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err!.message).toBe('webhook https://hooks.example.com answered HTTP 500');
  });

  it('names a missing env secret without a value', async () => {
    await expect(new SecretResolver({}).resolve({ kind: 'env', name: 'NOPE' })).rejects.toThrow(ChannelSecretError);
    const sender = new ChannelSender({ secrets: new SecretResolver({}), timeoutMs: 1000 });
    await expect(
      sender.send(
        { kind: 'webhook', url: 'http://127.0.0.1:1/', secret: { kind: 'env', name: 'NOPE' } },
        buildMessage('fired', [ALERT], new Date()),
      ),
    ).rejects.toThrow('environment variable NOPE is not set');
  });

  it('renders text and Slack bodies with facts, steps and commands (remediation only when firing)', () => {
    const fired = buildMessage('fired', [{ ...ALERT, state: 'firing' }], new Date('2026-01-01T00:00:00Z'));
    expect(fired.title).toBe('[prm] WARNING: Slot s retains 6.0 GiB');
    const text = renderText(fired);
    expect(text).toContain('conninfo: password=[redacted] host=x');
    expect(text).toContain("      SELECT pg_drop_replication_slot('s');");
    expect(renderText(buildMessage('resolved', [ALERT], new Date()))).not.toContain('What to do');
    expect(renderSlack(fired).text).toContain("```SELECT pg_drop_replication_slot('s');```");
    const test = buildMessage('fired', [], new Date(), true);
    expect(test).toMatchObject({ test: true, title: '[prm] test notification', alerts: [] });
    expect(renderText(test)).toContain('the channel works');
  });
});
