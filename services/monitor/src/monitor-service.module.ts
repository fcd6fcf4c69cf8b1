import { Controller, type DynamicModule, Module } from '@nestjs/common';
import { ClientProxy, EventPattern as OnEvent, Payload } from '@nestjs/microservices';
import { EventPattern, type LiveMessage } from '@prm/contracts';
import { CREDENTIAL_RESOLVER } from '@prm/aws';
import { PRM_BUS } from '@prm/messaging';
import { lastValueFrom } from 'rxjs';
import { MonitorModule } from './monitor.module.js';
import {
  MONITOR_CREDENTIALS,
  MONITOR_EVENTS,
  MONITOR_SETTINGS,
  MONITOR_STORE,
  type MonitorEventBus,
  type MonitorSettings,
} from './monitor.ports.js';
import { logIngestionProviders } from './logs/log-ingestion.providers.js';
import { PersistenceMonitorStore } from './persistence-monitor.store.js';
import { MonitorPollService } from './poll/monitor-poll.service.js';

/** `endpoint.changed` from the config service: drop or refresh that endpoint's session. */
@Controller()
export class MonitorEndpointEventsController {
  constructor(private readonly polls: MonitorPollService) {}

  @OnEvent(EventPattern.EndpointChanged)
  endpointChanged(@Payload() message: LiveMessage): void {
    if (message?.type === 'endpoint.changed') this.polls.endpointChanged(message.endpointId);
  }
}

/** {@link MonitorEventBus} on the Redis bus. */
function busEvents(bus: ClientProxy): MonitorEventBus {
  return { emit: (pattern, payload) => lastValueFrom(bus.emit(pattern, payload), { defaultValue: undefined }) };
}

/**
 * The monitor wired to prm's infrastructure (metadata store, Redis bus, credential resolver). Needs
 * PersistenceModule, MessagingModule and CredentialsModule from the composing app.
 */
@Module({})
export class MonitorServiceModule {
  /**
   * @param settings poll interval and concurrency, plus the stream settings (`tableSizeRefreshMs`,
   *   `backfillStallMs`, `metricsRetentionDays`, ...; see {@link MonitorSettings}).
   */
  static forRoot(settings: MonitorSettings): DynamicModule {
    return {
      module: MonitorServiceModule,
      imports: [
        MonitorModule.register({
          providers: [
            { provide: MONITOR_STORE, useClass: PersistenceMonitorStore },
            { provide: MONITOR_EVENTS, useFactory: busEvents, inject: [PRM_BUS] },
            { provide: MONITOR_CREDENTIALS, useFactory: (r: unknown) => r, inject: [CREDENTIAL_RESOLVER] },
            { provide: MONITOR_SETTINGS, useValue: settings },
            ...logIngestionProviders(settings.logs),
          ],
        }),
      ],
      controllers: [MonitorEndpointEventsController],
    };
  }
}
