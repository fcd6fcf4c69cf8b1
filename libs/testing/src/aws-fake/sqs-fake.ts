/**
 * SQS in the protocol-level AWS fake. Current SDKs (@aws-sdk/client-sqs 3.1xxx) speak AWS JSON 1.0:
 * `POST /`, `Content-Type: application/x-amz-json-1.0`, `X-Amz-Target: AmazonSQS.<Operation>` (the client is built
 * with `AwsJson1_0Protocol`, `awsQueryCompatible: true`). Implemented: CreateQueue, GetQueueUrl, GetQueueAttributes,
 * SendMessage, ReceiveMessage (long polling up to 1 s here, visibility timeout), DeleteMessage(Batch),
 * ChangeMessageVisibility(Batch), PurgeQueue. MD5OfMessageBody / MD5OfBody are real MD5 hex digests (the SDK checks
 * them).
 */
import { createHash, randomUUID } from 'node:crypto';

/** One stored message. */
export interface SqsFakeMessage {
  messageId: string;
  body: string;
  /** String attributes (name → StringValue). */
  attributes: Record<string, string>;
  receiveCount: number;
  /** ms epoch; invisible (in flight) until then. */
  invisibleUntil: number;
  receiptHandle: string | null;
}

/** The SQS part of a running fake. */
export interface SqsFake {
  /** Creates a queue (idempotent) and returns its URL `<endpoint>/000000000000/<name>`. */
  createQueue(name: string): string;
  /** Every message still in the queue (visible or in flight). */
  messages(queueUrl: string): SqsFakeMessage[];
}

/** Error raised by the SQS handler: `type` is the JSON `__type`. */
export class SqsFakeError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');
const ACCOUNT = '000000000000';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Creates the SQS state; `baseUrl()` gives the fake's endpoint once it listens. */
export function createSqsFake(baseUrl: () => string): SqsFake & {
  handle(op: string, body: Record<string, unknown>): Promise<unknown>;
} {
  const queues = new Map<string, SqsFakeMessage[]>();
  const urlOf = (name: string): string => `${baseUrl()}/${ACCOUNT}/${name}`;
  const queue = (body: Record<string, unknown>): SqsFakeMessage[] => {
    const name =
      String(body.QueueUrl ?? '')
        .split('/')
        .pop() ?? '';
    const q = queues.get(name);
    if (!q) throw new SqsFakeError('com.amazonaws.sqs#QueueDoesNotExist', 'The specified queue does not exist.');
    return q;
  };
  const visible = (q: SqsFakeMessage[], now: number): SqsFakeMessage[] => q.filter((m) => m.invisibleUntil <= now);
  const byReceipt = (q: SqsFakeMessage[], handle: unknown): number => q.findIndex((m) => m.receiptHandle === handle);

  async function handle(op: string, body: Record<string, unknown>): Promise<unknown> {
    switch (op) {
      case 'CreateQueue': {
        const name = String(body.QueueName ?? '');
        if (!queues.has(name)) queues.set(name, []);
        return { QueueUrl: urlOf(name) };
      }
      case 'GetQueueUrl': {
        const name = String(body.QueueName ?? '');
        if (!queues.has(name)) {
          throw new SqsFakeError('com.amazonaws.sqs#QueueDoesNotExist', 'The specified queue does not exist.');
        }
        return { QueueUrl: urlOf(name) };
      }
      case 'GetQueueAttributes': {
        const q = queue(body);
        const now = Date.now();
        return {
          Attributes: {
            ApproximateNumberOfMessages: String(visible(q, now).length),
            ApproximateNumberOfMessagesNotVisible: String(q.length - visible(q, now).length),
            VisibilityTimeout: '30',
          },
        };
      }
      case 'SendMessage': {
        const q = queue(body);
        const text = String(body.MessageBody ?? '');
        const attrs: Record<string, string> = {};
        for (const [k, v] of Object.entries(
          (body.MessageAttributes ?? {}) as Record<string, { StringValue?: string }>,
        )) {
          attrs[k] = String(v.StringValue ?? '');
        }
        const m: SqsFakeMessage = {
          messageId: randomUUID(),
          body: text,
          attributes: attrs,
          receiveCount: 0,
          invisibleUntil: 0,
          receiptHandle: null,
        };
        q.push(m);
        return { MessageId: m.messageId, MD5OfMessageBody: md5(text) };
      }
      case 'ReceiveMessage': {
        const q = queue(body);
        const max = Math.min(10, Number(body.MaxNumberOfMessages ?? 1) || 1);
        const waitMs = Math.min(1000, Number(body.WaitTimeSeconds ?? 0) * 1000);
        const visibilityMs = Number(body.VisibilityTimeout ?? 30) * 1000;
        const until = Date.now() + waitMs;
        let batch = visible(q, Date.now()).slice(0, max);
        while (batch.length === 0 && Date.now() < until) {
          await sleep(50);
          batch = visible(q, Date.now()).slice(0, max);
        }
        const now = Date.now();
        return {
          Messages: batch.map((m) => {
            m.receiveCount += 1;
            m.invisibleUntil = now + visibilityMs;
            m.receiptHandle = randomUUID();
            const attrs = Object.entries(m.attributes);
            return {
              MessageId: m.messageId,
              ReceiptHandle: m.receiptHandle,
              MD5OfBody: md5(m.body),
              Body: m.body,
              Attributes: { ApproximateReceiveCount: String(m.receiveCount) },
              ...(attrs.length > 0
                ? {
                    MessageAttributes: Object.fromEntries(
                      attrs.map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
                    ),
                  }
                : {}),
            };
          }),
        };
      }
      case 'DeleteMessage': {
        const q = queue(body);
        const i = byReceipt(q, body.ReceiptHandle);
        if (i < 0) throw new SqsFakeError('com.amazonaws.sqs#ReceiptHandleIsInvalid', 'The receipt handle is invalid.');
        q.splice(i, 1);
        return {};
      }
      case 'DeleteMessageBatch': {
        const q = queue(body);
        const entries = (body.Entries ?? []) as { Id: string; ReceiptHandle: string }[];
        const ok: { Id: string }[] = [];
        const failed: { Id: string; Code: string; SenderFault: boolean; Message: string }[] = [];
        for (const e of entries) {
          const i = byReceipt(q, e.ReceiptHandle);
          if (i < 0) failed.push({ Id: e.Id, Code: 'ReceiptHandleIsInvalid', SenderFault: true, Message: 'invalid' });
          else {
            q.splice(i, 1);
            ok.push({ Id: e.Id });
          }
        }
        return { Successful: ok, Failed: failed };
      }
      case 'ChangeMessageVisibility': {
        const q = queue(body);
        const i = byReceipt(q, body.ReceiptHandle);
        if (i >= 0) q[i].invisibleUntil = Date.now() + Number(body.VisibilityTimeout ?? 0) * 1000;
        return {};
      }
      case 'ChangeMessageVisibilityBatch': {
        const q = queue(body);
        const entries = (body.Entries ?? []) as { Id: string; ReceiptHandle: string; VisibilityTimeout?: number }[];
        for (const e of entries) {
          const i = byReceipt(q, e.ReceiptHandle);
          if (i >= 0) q[i].invisibleUntil = Date.now() + Number(e.VisibilityTimeout ?? 0) * 1000;
        }
        return { Successful: entries.map((e) => ({ Id: e.Id })), Failed: [] };
      }
      case 'PurgeQueue':
        queue(body).length = 0;
        return {};
      default:
        throw new SqsFakeError('UnknownOperationException', `AmazonSQS.${op} is not implemented by the fake`);
    }
  }

  return {
    handle,
    createQueue: (name) => {
      if (!queues.has(name)) queues.set(name, []);
      return urlOf(name);
    },
    messages: (url) => queues.get(url.split('/').pop() ?? '') ?? [],
  };
}
