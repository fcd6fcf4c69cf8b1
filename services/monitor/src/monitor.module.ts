import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module, type ModuleMetadata, type Provider } from '@nestjs/common';
import { QueueName } from '@prm/contracts';
import { type CredentialResolver } from '@prm/pg';

import {
  MONITOR_CREDENTIALS,
  MONITOR_SETTINGS,
  MONITOR_STORE,
  type MonitorSettings,
  type MonitorStore,
} from './monitor.ports.js';
import { EndpointConnectionManager } from './poll/endpoint-connection.manager.js';
import { EndpointDirectory } from './poll/endpoint-directory.js';
import { EndpointPollerService } from './poll/endpoint-poller.service.js';
import { MonitorPollService } from './poll/monitor-poll.service.js';
import { PollProcessor } from './poll/poll.processor.js';
import { PollScheduler } from './poll/poll.scheduler.js';
import { StreamStatusService } from './streams/stream-status.service.js';

/** What the host gives {@link MonitorModule.register}. */
export interface MonitorModuleOptions {
  /** Modules the port providers need (e.g. the one exporting the credential resolver). */
  imports?: ModuleMetadata['imports'];
  /**
   * Providers for the four port tokens of `monitor.ports.ts`:
   * `MONITOR_STORE` (MonitorStore, e.g. `{ provide: MONITOR_STORE, useClass: PersistenceMonitorStore }` with
   * PersistenceModule loaded), `MONITOR_EVENTS` (MonitorEventBus), `MONITOR_CREDENTIALS` (CredentialResolver
   * from @prm/pg) and `MONITOR_SETTINGS` (MonitorSettings).
   */
  providers: Provider[];
}

/**
 * The monitor: BullMQ queue `monitor-poll` with its tick scheduler and worker, one persistent session per
 * endpoint, an in-memory endpoint list (`EndpointDirectory`), status snapshots and `status.updated` events; stream
 * statuses, WAL/metric samples and `stream.updated` events (`StreamStatusService`, which needs PersistenceModule's
 * stream repositories loaded by the host).
 *
 * The host must also load `BullModule.forRoot` (connection + prefix; `MessagingModule.forRoot` does it).
 * Exports `MonitorPollService` (call `endpointChanged(id)` on `endpoint.changed`), `PollScheduler` and
 * `EndpointConnectionManager`.
 */
@Module({})
export class MonitorModule {
  static register(options: MonitorModuleOptions): DynamicModule {
    return {
      module: MonitorModule,
      imports: [...(options.imports ?? []), BullModule.registerQueue({ name: QueueName.MonitorPoll })],
      providers: [
        ...options.providers,
        {
          provide: EndpointConnectionManager,
          useFactory: (resolver: CredentialResolver, settings: MonitorSettings) =>
            new EndpointConnectionManager(resolver, settings.connection),
          inject: [MONITOR_CREDENTIALS, MONITOR_SETTINGS],
        },
        {
          provide: EndpointPollerService,
          useFactory: (connections: EndpointConnectionManager, settings: MonitorSettings) =>
            new EndpointPollerService(connections, undefined, settings.tableSizeRefreshMs),
          inject: [EndpointConnectionManager, MONITOR_SETTINGS],
        },
        {
          provide: EndpointDirectory,
          useFactory: (store: MonitorStore, settings: MonitorSettings) =>
            new EndpointDirectory(store, settings.pollIntervalMs),
          inject: [MONITOR_STORE, MONITOR_SETTINGS],
        },
        StreamStatusService,
        MonitorPollService,
        PollScheduler,
        PollProcessor,
      ],
      exports: [MonitorPollService, PollScheduler, EndpointConnectionManager, StreamStatusService],
    };
  }
}
