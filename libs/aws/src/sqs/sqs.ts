import { SendMessageCommand, SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';

/** Region of an SQS queue URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`); null for other hosts. */
export function regionOfQueueUrl(url: string): string | null {
  return /^https?:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\//.exec(url)?.[1] ?? null;
}

/**
 * An SQS client for `queueUrl`: region from the URL (else `fallbackRegion`, else us-east-1), optional endpoint
 * override (VPC endpoint, tests). Credentials come from the default provider chain (ECS task role).
 * The current SDK speaks AWS JSON 1.0 (`X-Amz-Target: AmazonSQS.<Operation>`).
 */
export function sqsClientFor(
  queueUrl: string,
  opts: { endpoint?: string | null; fallbackRegion?: string | null } & Omit<
    SQSClientConfig,
    'region' | 'endpoint'
  > = {},
): SQSClient {
  const { endpoint, fallbackRegion, ...rest } = opts;
  return new SQSClient({
    ...rest,
    region: regionOfQueueUrl(queueUrl) ?? fallbackRegion ?? 'us-east-1',
    ...(endpoint ? { endpoint } : {}),
  });
}

/** SQS message attribute carrying the reason a message was dead-lettered. */
export const DLQ_REASON_ATTRIBUTE = 'prm-dlq-reason';

/**
 * Sends a rejected message to the dead-letter queue with the reason (attribute {@link DLQ_REASON_ATTRIBUTE}, at
 * most 4000 characters) and the original message id (attribute `prm-source-message-id`). The body is kept as is.
 * @throws the SDK error (the caller must then leave the message on its queue).
 */
export async function sendToDeadLetterQueue(
  client: SQSClient,
  dlqUrl: string,
  message: { body: string; messageId?: string },
  reason: string,
): Promise<void> {
  await client.send(
    new SendMessageCommand({
      QueueUrl: dlqUrl,
      MessageBody: message.body === '' ? '(empty)' : message.body,
      MessageAttributes: {
        [DLQ_REASON_ATTRIBUTE]: { DataType: 'String', StringValue: reason.slice(0, 4000) || 'invalid' },
        ...(message.messageId
          ? { 'prm-source-message-id': { DataType: 'String', StringValue: message.messageId } }
          : {}),
      },
    }),
  );
}
