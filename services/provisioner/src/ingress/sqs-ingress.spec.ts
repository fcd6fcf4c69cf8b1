import { jest } from '@jest/globals';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { DLQ_REASON_ATTRIBUTE } from '@prm/aws';
import { DomainError, type ProvisioningRunView } from '@prm/contracts';
import { currentCorrelationId } from '@prm/observability';
import { type AwsFake, expectEventually, startAwsFake } from '@prm/testing';
import { mockClient } from 'aws-sdk-client-mock';
import type { ProvisionerSettings } from '../env.js';
import type { ProvisioningService } from '../provisioning/provisioning.service.js';
import { SqsIngressConsumer } from './sqs-ingress.consumer.js';
import { SQS_CORRELATION_ATTRIBUTE, handleStreamRequest, sqsCorrelationId } from './sqs-ingress.handler.js';

const stream = {
  sourceEndpointId: '11111111-1111-4111-8111-111111111111',
  targetEndpointId: '22222222-2222-4222-8222-222222222222',
  replicationCredential: {
    kind: 'aws-secret',
    secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:repl-AbCdEf',
  },
  tables: ['public.orders'],
};
const valid = (requestId: string) => JSON.stringify({ requestId, type: 'create-stream', stream });

/**
 * A provisioning service double: records submissions, one run per idempotency key (like the real one), and the
 * correlation id bound during each (what the real one puts into the run's job).
 */
function sink() {
  const runs = new Map<string, string>();
  const correlationIds: (string | null)[] = [];
  const submitCreate = jest.fn(async (_body: unknown, ctx: { idempotencyKey?: string | null }) => {
    await new Promise((r) => setImmediate(r));
    correlationIds.push(currentCorrelationId());
    const key = String(ctx.idempotencyKey);
    const created = !runs.has(key);
    if (created) runs.set(key, `run-${runs.size + 1}`);
    return { run: { id: runs.get(key) } as ProvisioningRunView, created };
  });
  return { submitCreate, runs, correlationIds };
}

const settings = (over: Partial<ProvisionerSettings>): ProvisionerSettings => ({
  sqsIngressQueueUrl: null,
  sqsDlqUrl: null,
  awsEndpoint: null,
  awsRegion: 'us-east-1',
  leaseMs: 15_000,
  recoveryIntervalMs: 10_000,
  waitMs: 120_000,
  testPause: null,
  ...over,
});

describe('SQS ingress handler', () => {
  it('accepts a valid request with idempotency key = requestId', async () => {
    const s = sink();
    const out = await handleStreamRequest({ Body: valid('req-1') } as Message, s);
    expect(out).toEqual({ kind: 'accepted', runId: 'run-1', created: true });
    expect(s.submitCreate).toHaveBeenCalledWith(stream, { idempotencyKey: 'req-1', via: 'sqs' });
  });

  it('rejects non-JSON, a bad shape and a permanent domain error with the reason; rethrows transient ones', async () => {
    const s = sink();
    expect(await handleStreamRequest({ Body: '{nope' } as Message, s)).toEqual({
      kind: 'rejected',
      reason: 'body is not JSON',
    });
    const bad = await handleStreamRequest(
      {
        Body: JSON.stringify({ requestId: 'r', type: 'create-stream', stream: { ...stream, sourceEndpointId: 'x' } }),
      } as Message,
      s,
    );
    expect(bad).toMatchObject({ kind: 'rejected' });
    expect((bad as { reason: string }).reason).toContain(
      'stream.sourceEndpointId: sourceEndpointId must be an endpoint id',
    );
    const notFound = {
      submitCreate: async () => {
        throw new DomainError('not-found', 'endpoint x not found', [
          { field: 'sourceEndpointId', reason: 'no such endpoint' },
        ]);
      },
    };
    expect(await handleStreamRequest({ Body: valid('r2') } as Message, notFound)).toEqual({
      kind: 'rejected',
      reason: 'endpoint x not found: sourceEndpointId: no such endpoint',
    });
    const down = {
      submitCreate: async () => {
        throw new DomainError('unavailable', 'redis down');
      },
    };
    await expect(handleStreamRequest({ Body: valid('r3') } as Message, down)).rejects.toThrow('redis down');
  });
});

describe('SQS ingress correlation id', () => {
  const attr = (v: string) => ({ [SQS_CORRELATION_ATTRIBUTE]: { DataType: 'String', StringValue: v } });

  it('takes the correlationId attribute, else the requestId, else sqs:<MessageId>', () => {
    expect(sqsCorrelationId({ MessageId: 'm', Body: valid('order-1'), MessageAttributes: attr('trace-9') })).toBe(
      'trace-9',
    );
    expect(sqsCorrelationId({ MessageId: 'm', Body: valid('order-1'), MessageAttributes: attr('bad id!') })).toBe(
      'order-1',
    );
    expect(sqsCorrelationId({ MessageId: 'm', Body: valid('has spaces') })).toBe('sqs:m');
    expect(sqsCorrelationId({ MessageId: 'm', Body: '{nope' })).toBe('sqs:m');
    expect(sqsCorrelationId({ Body: 'null' })).toBe('sqs:unknown');
  });

  it('binds it while the message is handled, so the run and its job carry it', async () => {
    const s = sink();
    const consumer = new SqsIngressConsumer(s as unknown as ProvisioningService, settings({}));
    await consumer.handle({ MessageId: 'm1', Body: valid('order-7'), MessageAttributes: attr('trace-1') });
    await consumer.handle({ MessageId: 'm2', Body: valid('order-8') });
    expect(s.correlationIds).toEqual(['trace-1', 'order-8']);
    expect(currentCorrelationId()).toBeNull();
  });
});

describe('SQS ingress consumer with aws-sdk-client-mock', () => {
  let sqsMock: ReturnType<typeof mockClient>;
  beforeEach(() => {
    sqsMock = mockClient(SQSClient);
  });
  afterEach(() => sqsMock.restore());

  it('dead-letters an invalid message with its reason before deleting it; keeps it when there is no DLQ', async () => {
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
    const s = sink();
    const consumer = new SqsIngressConsumer(
      s as unknown as ProvisioningService,
      settings({
        sqsIngressQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/in',
        sqsDlqUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/dlq',
      }),
    );
    (consumer as unknown as { client: SQSClient }).client = new SQSClient({ region: 'us-east-1' });
    const msg = { MessageId: 'm1', Body: JSON.stringify({ requestId: 'r', type: 'drop-everything' }) } as Message;
    expect(await consumer.handle(msg)).toBe(msg);
    const sent = sqsMock.commandCalls(SendMessageCommand)[0].args[0].input;
    expect(sent.QueueUrl).toBe('https://sqs.us-east-1.amazonaws.com/123456789012/dlq');
    expect(sent.MessageBody).toBe(msg.Body);
    expect(sent.MessageAttributes?.[DLQ_REASON_ATTRIBUTE]?.StringValue).toContain('type must be create-stream');
    const valid1 = { MessageId: 'm2', Body: valid('ok-1') } as Message;
    expect(await consumer.handle(valid1)).toBe(valid1);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(1);

    const noDlq = new SqsIngressConsumer(s as unknown as ProvisioningService, settings({}));
    expect(await noDlq.handle(msg)).toBeUndefined();
  });

  it('keeps the message when the DLQ send fails', async () => {
    sqsMock.on(SendMessageCommand).rejects(new Error('AccessDenied'));
    const consumer = new SqsIngressConsumer(
      sink() as unknown as ProvisioningService,
      settings({ sqsDlqUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/dlq' }),
    );
    (consumer as unknown as { client: SQSClient }).client = new SQSClient({ region: 'us-east-1' });
    await expect(consumer.handle({ MessageId: 'm', Body: 'x' } as Message)).rejects.toThrow('AccessDenied');
  });
});

describe('SQS ingress consumer: real SDK and sqs-consumer against the protocol-level fake', () => {
  let fake: AwsFake;
  const saved = { ...process.env };

  beforeAll(async () => {
    fake = await startAwsFake();
    process.env.AWS_ACCESS_KEY_ID = 'AKIDFAKE';
    process.env.AWS_SECRET_ACCESS_KEY = 'fake-secret-key';
  });
  afterAll(async () => {
    process.env = saved;
    await fake.stop();
  });

  it('speaks AWS JSON 1.0 (X-Amz-Target AmazonSQS.*); deletes accepted messages, dead-letters invalid ones with the reason', async () => {
    const inUrl = fake.sqs.createQueue('prm-ingress');
    const dlqUrl = fake.sqs.createQueue('prm-ingress-dlq');
    const s = sink();
    const consumer = new SqsIngressConsumer(
      s as unknown as ProvisioningService,
      settings({ sqsIngressQueueUrl: inUrl, sqsDlqUrl: dlqUrl, awsEndpoint: fake.endpoint }),
    );
    const producer = new SQSClient({ region: 'us-east-1', endpoint: fake.endpoint });
    await producer.send(
      new SendMessageCommand({
        QueueUrl: inUrl,
        MessageBody: valid('order-42'),
        MessageAttributes: { [SQS_CORRELATION_ATTRIBUTE]: { DataType: 'String', StringValue: 'producer-trace-42' } },
      }),
    );
    await producer.send(new SendMessageCommand({ QueueUrl: inUrl, MessageBody: valid('order-42') }));
    await producer.send(new SendMessageCommand({ QueueUrl: inUrl, MessageBody: '{"requestId":"bad one"}' }));
    consumer.onApplicationBootstrap();
    try {
      await expectEventually(() => {
        expect(fake.sqs.messages(inUrl)).toHaveLength(0);
        expect(fake.sqs.messages(dlqUrl)).toHaveLength(1);
      });
    } finally {
      await consumer.onApplicationShutdown();
    }
    expect(s.submitCreate).toHaveBeenCalledTimes(2);
    expect(s.runs.size).toBe(1); // same requestId twice → one run
    expect(s.correlationIds.sort()).toEqual(['order-42', 'producer-trace-42']);
    const receive = fake.requests.find((r) => r.target === 'AmazonSQS.ReceiveMessage');
    expect(JSON.stringify(receive)).toContain(SQS_CORRELATION_ATTRIBUTE);
    const dead = await producer.send(
      new ReceiveMessageCommand({ QueueUrl: dlqUrl, MessageAttributeNames: ['All'], MaxNumberOfMessages: 1 }),
    );
    const reason = dead.Messages?.[0].MessageAttributes?.[DLQ_REASON_ATTRIBUTE]?.StringValue ?? '';
    expect(reason).toContain('requestId must be 1-128 of letters');
    expect(dead.Messages?.[0].Body).toBe('{"requestId":"bad one"}');
    const targets = new Set(fake.requests.map((r) => r.target));
    expect(targets).toContain('AmazonSQS.ReceiveMessage');
    expect(targets).toContain('AmazonSQS.DeleteMessage');
    expect(targets).toContain('AmazonSQS.SendMessage');
    expect(fake.requests.find((r) => r.target === 'AmazonSQS.SendMessage')?.contentType).toBe(
      'application/x-amz-json-1.0',
    );
    producer.destroy();
  });
});
