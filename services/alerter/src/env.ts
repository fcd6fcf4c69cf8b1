import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { type AlerterSettings, DEFAULT_ALERTER_SETTINGS } from './alerter.settings.js';

const D = DEFAULT_ALERTER_SETTINGS;

/** Alert rule and notification settings (see README "Configuration"); the all-in-one validates these too. */
export class AlerterSettingsEnv {
  /** Consecutive failed polls before `endpoint-unreachable` fires. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  PRM_ALERT_UNREACHABLE_POLLS = D.unreachablePolls;

  /** Polls a stream must be seen down (disabled, no apply worker, slot inactive) before `stream-down` fires. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  PRM_ALERT_DOWN_POLLS = D.downPolls;

  /** Publisher polls a lag level must hold before `lag` fires. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  PRM_ALERT_LAG_POLLS = D.lagPolls;

  /** An apply/sync error alert stays open this long after the newest error, ms. */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  PRM_ALERT_ERROR_WINDOW_MS = D.errorWindowMs;

  /** Slot retained-WAL thresholds, bytes (0 = off). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  PRM_ALERT_SLOT_WARNING_BYTES = D.slotRetentionWarningBytes ?? 0;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  PRM_ALERT_SLOT_CRITICAL_BYTES = D.slotRetentionCriticalBytes ?? 0;

  /** An inactive slot no stream uses must stay so this long before `orphaned-slot` fires, ms. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  PRM_ALERT_ORPHAN_FOR_MS = D.orphanForMs;

  /** `slot-forecast` horizon, hours. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(24 * 30)
  PRM_ALERT_FORECAST_HORIZON_HOURS = D.forecastHorizonHours;

  /** Forecast regression window, ms, and its minimum span, ms. */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  PRM_ALERT_FORECAST_WINDOW_MS = D.forecastWindowMs;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  PRM_ALERT_FORECAST_MIN_SPAN_MS = D.forecastMinSpanMs;

  /** Delivery attempts per notification and the first backoff delay (doubling), ms. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  PRM_NOTIFY_ATTEMPTS = D.notifyAttempts;

  @Type(() => Number)
  @IsInt()
  @Min(10)
  PRM_NOTIFY_BACKOFF_MS = D.notifyBackoffMs;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @IsOptional()
  PRM_NOTIFY_TIMEOUT_MS = D.notifyTimeoutMs;

  /** Resolved alerts are kept this many days. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  PRM_ALERT_HISTORY_DAYS = D.historyDays;
}

/** alerter service settings when it runs alone: the alert settings plus its HTTP port. */
export class AlerterEnv extends AlerterSettingsEnv {
  /** HTTP port for `/health/*` when the service runs alone. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  PRM_PORT = 8085;
}

/** Typed settings from the validated env (`0` bytes thresholds mean off). */
export function alerterSettings(
  env: AlerterSettingsEnv,
  common: { PRM_AWS_ENDPOINT?: string; AWS_REGION?: string },
  processEnv: Record<string, string | undefined>,
): AlerterSettings {
  return {
    ...DEFAULT_ALERTER_SETTINGS,
    unreachablePolls: env.PRM_ALERT_UNREACHABLE_POLLS,
    downPolls: env.PRM_ALERT_DOWN_POLLS,
    lagPolls: env.PRM_ALERT_LAG_POLLS,
    errorWindowMs: env.PRM_ALERT_ERROR_WINDOW_MS,
    slotRetentionWarningBytes: env.PRM_ALERT_SLOT_WARNING_BYTES || null,
    slotRetentionCriticalBytes: env.PRM_ALERT_SLOT_CRITICAL_BYTES || null,
    orphanForMs: env.PRM_ALERT_ORPHAN_FOR_MS,
    forecastHorizonHours: env.PRM_ALERT_FORECAST_HORIZON_HOURS,
    forecastWindowMs: env.PRM_ALERT_FORECAST_WINDOW_MS,
    forecastMinSpanMs: env.PRM_ALERT_FORECAST_MIN_SPAN_MS,
    notifyAttempts: env.PRM_NOTIFY_ATTEMPTS,
    notifyBackoffMs: env.PRM_NOTIFY_BACKOFF_MS,
    notifyTimeoutMs: env.PRM_NOTIFY_TIMEOUT_MS,
    historyDays: env.PRM_ALERT_HISTORY_DAYS,
    awsEndpoint: common.PRM_AWS_ENDPOINT,
    awsRegion: common.AWS_REGION,
    env: processEnv,
  };
}
