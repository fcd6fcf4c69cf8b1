/**
 * Alerts (issue 6): rules evaluated by the alerter on every status snapshot, their lifecycle
 * (pending → firing → resolved, one open alert per fingerprint = kind + subject), silences and notification channels.
 * Units are in the field names: bytes, seconds, ms. Times are ISO 8601.
 */

/**
 * - `lag`: stream lag over its warning/critical threshold (bytes or seconds), held for 2+ publisher polls.
 * - `stream-down`: subscription disabled, apply worker not running or slot inactive, for N subscriber/publisher polls.
 * - `backfill-stalled`: a copying table made no progress for the stall window.
 * - `backfill-failed`: `sync_error_count` rose or a table cannot be copied (e.g. missing on the subscriber).
 * - `apply-error`: `apply_error_count` rose or a replication error was logged (table, key, constraint, finish LSN).
 * - `endpoint-unreachable`: prm could not poll the endpoint for N consecutive polls (one alert per endpoint; stream
 *   alerts of its streams are suppressed and listed in this one).
 * - `slot-retention`: a logical slot retains more WAL than the threshold, or its `wal_status` is `unreserved`/`lost`.
 * - `orphaned-slot`: an inactive logical slot on a known endpoint that no known stream uses.
 * - `slot-forecast`: at the current growth rate the slot's retained WAL reaches `max_slot_wal_keep_size` (or, when
 *   that is unlimited, the retention threshold) within the forecast horizon.
 */
export const ALERT_KINDS = [
  'lag',
  'stream-down',
  'backfill-stalled',
  'backfill-failed',
  'apply-error',
  'endpoint-unreachable',
  'slot-retention',
  'orphaned-slot',
  'slot-forecast',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const ALERT_STATES = ['pending', 'firing', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** What an alert is about. Slot ids are `<endpointId>/<slotName>`. */
export interface AlertSubject {
  type: 'stream' | 'endpoint' | 'slot';
  id: string;
  /** Human name: `<target>/<subscription>`, the endpoint name, or `<endpoint>/<slot>`. */
  name: string;
}

/** One fact of an alert, shown as "label: value" (values already formatted with their unit). */
export interface AlertFact {
  label: string;
  value: string;
}

/** One remediation step: what to do, and the exact command when there is one (SQL or shell). */
export interface RemediationStep {
  text: string;
  command?: string;
}

/** One alert as the API and notifications show it. */
export interface AlertView {
  id: string;
  /** `kind:subjectType:subjectId`: at most one pending/firing alert per fingerprint. */
  fingerprint: string;
  kind: AlertKind;
  severity: AlertSeverity;
  state: AlertState;
  subject: AlertSubject;
  /** One line: what is wrong, where. */
  summary: string;
  facts: AlertFact[];
  remediation: RemediationStep[];
  /** Endpoints and streams the alert marks in the console (topology nodes/edges, stream rows). */
  endpointIds: string[];
  streamIds: string[];
  /** When the condition was first seen (start of pending), last seen, fired and resolved. */
  firstSeenAt: string;
  lastSeenAt: string;
  firedAt: string | null;
  resolvedAt: string | null;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  /** The alert's own silence (or the longest matching silence), null when not silenced. */
  silencedUntil: string | null;
}

/** A silence: no notifications for matching alerts until `until`. Matches by kind and/or subject id (null = any). */
export interface SilenceView {
  id: string;
  kind: AlertKind | null;
  subjectId: string | null;
  until: string;
  reason: string;
  createdBy: string;
  createdAt: string;
}

export const CHANNEL_KINDS = ['webhook', 'slack', 'sns', 'email'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/**
 * A reference to a secret value, never the value (prm stores no secret):
 * - `env`: the environment variable `name` holds it (local use);
 * - `aws-secret`: a Secrets Manager secret; its SecretString, or the string field `field` of its JSON (default
 *   `password`, then `secret`).
 */
export type SecretRef = { kind: 'env'; name: string } | { kind: 'aws-secret'; secretArn: string; field?: string };

/**
 * Channel settings per kind. Secrets are references ({@link SecretRef}).
 * - webhook: POST JSON to `url`, signed `X-Prm-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` with
 *   `X-Prm-Timestamp: <unix seconds>` when `secret` is set;
 * - slack: an incoming-webhook URL (the URL itself is a credential: the API shows only its origin);
 * - sns: `Publish` to `topicArn` (region from the ARN) with the SDK's default credentials;
 * - email: SMTP `host`:`port` (`secure` = implicit TLS), optional `user` + `password` reference, `from`, `to`.
 */
export type ChannelConfig =
  | { kind: 'webhook'; url: string; secret?: SecretRef | null }
  | { kind: 'slack'; url: string }
  | { kind: 'sns'; topicArn: string }
  | {
      kind: 'email';
      host: string;
      port: number;
      secure: boolean;
      user?: string | null;
      password?: SecretRef | null;
      from: string;
      to: string[];
    };

/** A notification channel as the API shows it (Slack URL reduced to its origin). */
export interface ChannelView {
  id: string;
  name: string;
  kind: ChannelKind;
  enabled: boolean;
  config: ChannelConfig;
  createdAt: string;
  updatedAt: string;
}

/**
 * What a delivery announces: an alert `fired`, `resolved`, or `escalated` (its severity rose above the highest severity
 * already announced for it while firing, e.g. warning → critical; a de-escalation is not announced).
 */
export const NOTIFICATION_EVENTS = ['fired', 'resolved', 'escalated'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
export const NOTIFICATION_STATUSES = ['pending', 'sent', 'failed'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/** One delivery of one alert event to one channel. */
export interface NotificationView {
  id: string;
  alertId: string;
  channelId: string;
  event: NotificationEvent;
  /** Severity the delivery announces (for `escalated`: the new severity). */
  severity: AlertSeverity;
  /** For `escalated`: the severity announced before (at firing or the previous escalation); otherwise null. */
  previousSeverity: AlertSeverity | null;
  status: NotificationStatus;
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
  createdAt: string;
}

/** `GET /api/alerts/:id`: the alert and its deliveries. */
export interface AlertDetailView extends AlertView {
  notifications: NotificationView[];
}

/** The message body every channel renders (webhook JSON as is). */
export interface AlertNotificationMessage {
  /** Version of this body. */
  version: 1;
  /** `fired`, `resolved` or `escalated`; one message may carry several alerts of one evaluation (grouped). */
  event: NotificationEvent;
  /** One line for subjects/titles. */
  title: string;
  alerts: AlertView[];
  /** For `escalated`: per alert, the severity announced before and the one it rose to (`alerts[].severity` = `to`). */
  escalations?: { alertId: string; from: AlertSeverity; to: AlertSeverity }[];
  /** `test` for `POST /api/channels/:id/test`. */
  test?: boolean;
  sentAt: string;
}

/** Live event `alert.changed` (EventPattern.AlertChanged): alerts created, fired, resolved, acknowledged or silenced. */
export interface AlertChangedEvent {
  type: 'alert.changed';
  alertIds: string[];
  /** Firing alerts that are neither acknowledged nor silenced after the change (the header badge). */
  firing: number;
  at: string;
}

/** Data of an `alert-eval` job (queue `alert-eval`): evaluate the rules on endpoint `endpointId`'s new snapshot. */
export interface AlertEvalJobData {
  endpointId: string;
  /** `EndpointStatus.checkedAt` of the snapshot. */
  checkedAt: string;
}

/** Deterministic id of the evaluation job of one snapshot (a re-added job is a no-op). */
export function alertEvalJobId(endpointId: string, checkedAt: string): string {
  return `alert-eval:${endpointId}:${Date.parse(checkedAt)}`;
}

/** Port the monitor calls after each poll to enqueue a durable `alert-eval` job (provided by the alerter's module). */
export interface AlertEvalEnqueuer {
  enqueue(job: AlertEvalJobData): Promise<void>;
}

/** Injection token of {@link AlertEvalEnqueuer}. */
export const ALERT_EVAL_ENQUEUER = 'prm.alert-eval-enqueuer';
