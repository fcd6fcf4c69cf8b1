import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { sendToDeadLetterQueue, sqsClientFor } from '@prm/aws';
import { runWithCorrelation } from '@prm/observability';
import { Consumer } from 'sqs-consumer';
import type { ProvisionerSettings } from '../env.js';
import { PROVISIONER_SETTINGS } from '../provisioning/provisioning.ports.js';
import { ProvisioningService } from '../provisioning/provisioning.service.js';
import { SQS_CORRELATION_ATTRIBUTE, handleStreamRequest, sqsCorrelationId } from './sqs-ingress.handler.js';

/**
 * SQS ingress (`PRM_SQS_INGRESS_QUEUE_URL`; inert when unset): other services send stream-create requests
 * (`{ requestId, type: 'create-stream', stream: CreateStreamDto }`). A message is deleted only after its run is
 * recorded and its job enqueued; an invalid one is sent to `PRM_SQS_DLQ_URL` with the reason and then deleted
 * (without a DLQ it stays, and the queue's redrive policy applies). Transient failures leave it for redelivery.
 * Each message is handled with its correlation id bound ({@link sqsCorrelationId}): the ingress lines, the run's
 * record line and the saga's lines (through the job) carry it.
 */
@Injectable()
export class SqsIngressConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SqsIngressConsumer.name);
  private consumer: Consumer | null = null;
  private client: SQSClient | null = null;

  constructor(
    private readonly provisioning: ProvisioningService,
    @Inject(PROVISIONER_SETTINGS) private readonly settings: ProvisionerSettings,
  ) {}

  onApplicationBootstrap(): void {
    const url = this.settings.sqsIngressQueueUrl;
    if (!url) return;
    this.client = sqsClientFor(url, { endpoint: this.settings.awsEndpoint, fallbackRegion: this.settings.awsRegion });
    this.consumer = Consumer.create({
      queueUrl: url,
      sqs: this.client,
      batchSize: 10,
      waitTimeSeconds: 10,
      pollingWaitTimeMs: 0,
      messageAttributeNames: [SQS_CORRELATION_ATTRIBUTE],
      handleMessage: (m) => this.handle(m),
    });
    this.consumer.on('error', (err) => this.logger.error(`SQS ingress: ${err.message}`));
    this.consumer.on('processing_error', (err) =>
      this.logger.warn(`SQS ingress message kept for retry: ${err.message}`),
    );
    this.consumer.start();
    this.logger.log(`SQS ingress consuming ${url}`);
  }

  async onApplicationShutdown(): Promise<void> {
    this.consumer?.stop({ abort: true });
    this.client?.destroy();
  }

  /** Returns the message to have it deleted; undefined keeps it. */
  handle(message: Message): Promise<Message | undefined> {
    return runWithCorrelation(sqsCorrelationId(message), async () => {
      const outcome = await handleStreamRequest(message, this.provisioning);
      if (outcome.kind === 'accepted') {
        this.logger.log(
          `SQS ingress message ${message.MessageId} accepted: run ${outcome.runId}${outcome.created ? '' : ' (repeat)'}`,
        );
        return message;
      }
      const dlq = this.settings.sqsDlqUrl;
      this.logger.warn(`SQS ingress message ${message.MessageId} rejected: ${outcome.reason}`);
      if (!dlq || !this.client) return undefined;
      await sendToDeadLetterQueue(
        this.client,
        dlq,
        { body: message.Body ?? '', messageId: message.MessageId },
        outcome.reason,
      );
      return message;
    });
  }
}
