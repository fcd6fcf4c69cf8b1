import { BullModule } from '@nestjs/bullmq';
import {
  type DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { QueueName } from '@prm/contracts';
import { AlertRepository, SlotSampleRepository } from '@prm/persistence';
import { ALERTER_SETTINGS, type AlerterSettings, DEFAULT_ALERTER_SETTINGS } from './alerter.settings.js';
import { AlertEvalProcessor, AlertEvalProducerModule } from './evaluation/alert-eval.processor.js';
import { AlertEvaluationService } from './evaluation/alert-evaluation.service.js';
import { NotificationProcessor } from './notifications/notification.processor.js';
import { NotificationService } from './notifications/notification.service.js';
import { registerFiringSource } from './metrics.js';

/**
 * Housekeeping every minute: re-enqueues deliveries left pending, refreshes `silenced_until` after silences expire
 * or are deleted, purges old history and slot samples.
 */
@Injectable()
export class AlerterHousekeeping implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AlerterHousekeeping.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(ALERTER_SETTINGS) private readonly settings: AlerterSettings,
    @Inject(NotificationService) private readonly notifications: NotificationService,
    @Inject(AlertRepository) private readonly alerts: AlertRepository,
    @Inject(SlotSampleRepository) private readonly samples: SlotSampleRepository,
    @Inject(AlertEvaluationService) private readonly evaluation: AlertEvaluationService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.run(), 60_000);
    this.timer.unref();
    setTimeout(() => void this.run(), 1_000).unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One housekeeping round; failures are logged (the next round retries). */
  async run(): Promise<void> {
    try {
      const now = Date.now();
      const requeued = await this.notifications.sweep();
      const changed = await this.alerts.refreshSilences(new Date(now).toISOString());
      const keep = new Date(now - this.settings.historyDays * 86_400_000).toISOString();
      await this.alerts.purgeResolved(keep);
      await this.samples.purge(new Date(now - Math.max(this.settings.forecastWindowMs, 3_600_000) * 2).toISOString());
      if (changed.length) await this.evaluation.emitChanged(changed);
      if (requeued) this.logger.log(`re-enqueued ${requeued} pending notification group(s)`);
    } catch (err) {
      this.logger.warn(`housekeeping failed: ${(err as Error).message}`);
    }
  }
}

/** Feeds `prm_alerts_firing` from this app's metadata store while the app runs (counted on each scrape). */
@Injectable()
export class FiringAlertsMetrics implements OnModuleInit, OnModuleDestroy {
  private unregister: (() => void) | null = null;

  constructor(@Inject(AlertRepository) private readonly alerts: AlertRepository) {}

  onModuleInit(): void {
    this.unregister = registerFiringSource(() => this.alerts.countFiringByKind());
  }

  onModuleDestroy(): void {
    this.unregister?.();
    this.unregister = null;
  }
}

/**
 * The alerter: consumes `alert-eval` (rules + lifecycle on every snapshot) and `notifications` (grouped deliveries
 * with retries), and provides the `alert-eval` enqueuer the monitor calls after each poll. Needs PersistenceModule
 * and MessagingModule from the composing app.
 */
@Module({})
export class AlerterServiceModule {
  static forRoot(settings: Partial<AlerterSettings> = {}): DynamicModule {
    return {
      module: AlerterServiceModule,
      imports: [
        AlertEvalProducerModule.forRoot(),
        BullModule.registerQueue({ name: QueueName.AlertEval }, { name: QueueName.Notifications }),
      ],
      providers: [
        { provide: ALERTER_SETTINGS, useValue: { ...DEFAULT_ALERTER_SETTINGS, ...settings } },
        AlertEvaluationService,
        AlertEvalProcessor,
        NotificationService,
        NotificationProcessor,
        AlerterHousekeeping,
        FiringAlertsMetrics,
      ],
      exports: [AlertEvaluationService, NotificationService],
    };
  }
}
