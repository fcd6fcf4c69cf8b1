// Alerting tables (alert, alert_silence, notification_channel, notification, alert_slot_sample): entities,
// migrations and repositories of this area. The repositories use parameterized SQL on the DataSource.
import { Alerts1764800000000 } from './1764800000000-alerts.js';
import { AlertEscalation1765060000000 } from './1765060000000-alert-escalation.js';
import { AlertRepository, AlertSilenceRepository } from './alert.repository.js';
import { NotificationChannelRepository, NotificationRepository } from './notification.repository.js';
import { SlotSampleRepository } from './slot-sample.repository.js';

export const ALERT_ENTITIES: (new () => object)[] = [];
export const ALERT_MIGRATIONS: (new () => object)[] = [Alerts1764800000000, AlertEscalation1765060000000];
export const ALERT_REPOSITORIES: (new (...args: never[]) => object)[] = [
  AlertRepository,
  AlertSilenceRepository,
  NotificationChannelRepository,
  NotificationRepository,
  SlotSampleRepository,
];
