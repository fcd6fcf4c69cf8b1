/**
 * Alert rule and notification settings (validated once from the environment by `AlerterSettingsEnv`, see env.ts).
 * Units are in the names: ms, bytes, hours.
 */
export interface AlerterSettings {
  /** Consecutive failed polls before `endpoint-unreachable` fires (`PRM_ALERT_UNREACHABLE_POLLS`, default 2). */
  unreachablePolls: number;
  /** Subscriber/publisher polls a stream must be seen down before `stream-down` fires (default 2). */
  downPolls: number;
  /** Publisher polls a lag level must hold before `lag` fires (default 2, monitoring.md §1.3). */
  lagPolls: number;
  /** An apply/sync error keeps its alert open this long after the newest error, ms (default 300000). */
  errorWindowMs: number;
  /** Slot retention thresholds, bytes (default 5 GiB warning, 20 GiB critical; null = off). */
  slotRetentionWarningBytes: number | null;
  slotRetentionCriticalBytes: number | null;
  /** An inactive logical slot no stream uses must stay so this long before `orphaned-slot` fires, ms (default 600000). */
  orphanForMs: number;
  /** `slot-forecast` warns when the limit is this close in time, hours (default 6; critical at a quarter of it). */
  forecastHorizonHours: number;
  /** Retained-WAL samples used by the forecast: window, ms (default 3600000), minimum count and span. */
  forecastWindowMs: number;
  forecastMinSamples: number;
  forecastMinSpanMs: number;
  /** Notification delivery: attempts per message and the first backoff delay, ms (exponential, default 8 and 5000). */
  notifyAttempts: number;
  notifyBackoffMs: number;
  /** Per-request timeout of a delivery (HTTP, SNS, SMTP), ms (default 10000). */
  notifyTimeoutMs: number;
  /** Resolved alerts are kept this many days (default 30). */
  historyDays: number;
  /** Endpoint override of the SNS and Secrets Manager clients (tests, VPC endpoints). */
  awsEndpoint?: string;
  /** Default AWS region. */
  awsRegion?: string;
  /** The process environment, for `env` secret references (local use). */
  env: Record<string, string | undefined>;
}

export const DEFAULT_ALERTER_SETTINGS: AlerterSettings = {
  unreachablePolls: 2,
  downPolls: 2,
  lagPolls: 2,
  errorWindowMs: 300_000,
  slotRetentionWarningBytes: 5 * 1024 ** 3,
  slotRetentionCriticalBytes: 20 * 1024 ** 3,
  orphanForMs: 600_000,
  forecastHorizonHours: 6,
  forecastWindowMs: 3_600_000,
  forecastMinSamples: 5,
  forecastMinSpanMs: 300_000,
  notifyAttempts: 8,
  notifyBackoffMs: 5_000,
  notifyTimeoutMs: 10_000,
  historyDays: 30,
  env: {},
};

/** Injection token of {@link AlerterSettings}. */
export const ALERTER_SETTINGS = Symbol('ALERTER_SETTINGS');
