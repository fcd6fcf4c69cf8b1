import type { Message } from '@aws-sdk/client-sqs';
import { DomainError, type ProvisioningRunView, StreamRequestMessageDto, validatePayload } from '@prm/contracts';
import { CORRELATION_ID_PATTERN } from '@prm/observability';

/** String message attribute by which a producer passes its own request/trace id (read with the message). */
export const SQS_CORRELATION_ATTRIBUTE = 'correlationId';

/**
 * The correlation id of one ingress message, bound while it is handled and carried into its provisioning job: the
 * producer's `correlationId` message attribute, else the body's `requestId` (the producer's idempotency key, which it
 * already knows), else `sqs:<MessageId>`; only values matching CORRELATION_ID_PATTERN are taken.
 */
export function sqsCorrelationId(message: Message): string {
  const attribute = message.MessageAttributes?.[SQS_CORRELATION_ATTRIBUTE]?.StringValue;
  if (attribute !== undefined && CORRELATION_ID_PATTERN.test(attribute)) return attribute;
  let requestId: unknown;
  try {
    requestId = (JSON.parse(message.Body ?? '') as { requestId?: unknown } | null)?.requestId;
  } catch {
    requestId = undefined;
  }
  if (typeof requestId === 'string' && CORRELATION_ID_PATTERN.test(requestId)) return requestId;
  return `sqs:${message.MessageId ?? 'unknown'}`;
}

/** What the handler needs from the provisioning service (the same path as POST /api/streams). */
export interface StreamRequestSink {
  submitCreate(
    body: unknown,
    ctx: { idempotencyKey: string; via: 'sqs' },
  ): Promise<{ run: ProvisioningRunView; created: boolean }>;
}

/** What happened to one message. */
export type IngressOutcome =
  { kind: 'accepted'; runId: string; created: boolean } | { kind: 'rejected'; reason: string };

/** Permanent rejections (the message can never succeed): they go to the DLQ. Others are retried by SQS. */
const PERMANENT: DomainError['code'][] = ['validation-failed', 'not-found', 'conflict'];

/**
 * Turns one SQS message into a provisioning run: JSON parse, the same DTO validation as the API
 * (`StreamRequestMessageDto`), then the same submit with idempotency key = `requestId`.
 * @returns `accepted` (delete the message) or `rejected` with the reason (dead-letter it, then delete).
 * @throws any transient failure (metadata store, Redis): the message stays and is redelivered.
 */
export async function handleStreamRequest(message: Message, sink: StreamRequestSink): Promise<IngressOutcome> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message.Body ?? '');
  } catch {
    return { kind: 'rejected', reason: 'body is not JSON' };
  }
  try {
    const req = validatePayload(StreamRequestMessageDto, parsed);
    const { run, created } = await sink.submitCreate((parsed as { stream: unknown }).stream, {
      idempotencyKey: req.requestId,
      via: 'sqs',
    });
    return { kind: 'accepted', runId: run.id, created };
  } catch (err) {
    if (err instanceof DomainError && PERMANENT.includes(err.code)) {
      const details = err.details.map((d) => (d.field ? `${d.field}: ${d.reason}` : d.reason)).join('; ');
      return { kind: 'rejected', reason: details ? `${err.message}: ${details}` : err.message };
    }
    throw err;
  }
}
