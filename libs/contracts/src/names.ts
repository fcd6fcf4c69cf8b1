/**
 * Queue names (BullMQ) and message patterns (@nestjs/microservices Redis transport) shared by every service.
 * Durable work goes through queues; patterns are for request/reply and live events only (see DESIGN.md).
 */
export enum QueueName {
  MonitorPoll = 'monitor-poll',
  AlertEval = 'alert-eval',
  Provisioning = 'provisioning',
  Migrations = 'migrations',
  Notifications = 'notifications',
}

/** Job names inside the queues above. */
export enum JobName {
  /** Repeatable tick: fans out one {@link JobName.PollEndpoint} per endpoint. */
  PollTick = 'poll-tick',
  PollEndpoint = 'poll-endpoint',
  /** Queue `migrations`: run one migration (payload `MigrationJobData`). */
  RunMigration = 'run-migration',
  /** Queue `provisioning`: execute, continue or undo one provisioning run (payload `ProvisioningJobData`). */
  ProvisioningRun = 'provisioning-run',
  /** Queue `alert-eval`: evaluate the alert rules on one endpoint's new snapshot (payload `AlertEvalJobData`). */
  EvaluateAlerts = 'evaluate-alerts',
  /** Queue `notifications`: deliver one grouped message to one channel (payload `NotificationJobData`). */
  SendNotification = 'send-notification',
}

/** Request/reply patterns answered by the config service. */
export enum ConfigPattern {
  ListEndpoints = 'config.endpoints.list',
  GetEndpoint = 'config.endpoints.get',
  CreateEndpoint = 'config.endpoints.create',
  UpdateEndpoint = 'config.endpoints.update',
  DeleteEndpoint = 'config.endpoints.delete',
  /** Lag thresholds (bytes, seconds): global defaults and per-stream overrides. */
  GetGlobalThresholds = 'config.thresholds.get-global',
  PutGlobalThresholds = 'config.thresholds.put-global',
  GetStreamThresholds = 'config.thresholds.get-stream',
  PutStreamThresholds = 'config.thresholds.put-stream',
  DeleteStreamThresholds = 'config.thresholds.delete-stream',
}

/** Events (fire and forget) published over Redis. */
export enum EventPattern {
  EndpointChanged = 'endpoint.changed',
  StatusUpdated = 'status.updated',
  /** Payload `{ type: 'stream.updated', streamIds, at }`: streams with a new status (monitor). */
  StreamUpdated = 'stream.updated',
  /** Payload `MigrationProgressEvent`: a migration run or one of its target steps changed (migrator). */
  MigrationProgress = 'migration.progress',
  /** Payload `AlertChangedEvent`: alerts created, fired, resolved, acknowledged or silenced (alerter, gateway). */
  AlertChanged = 'alert.changed',
}
