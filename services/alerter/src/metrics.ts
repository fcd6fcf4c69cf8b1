import { Counter, register } from 'prom-client';

/**
 * The alerter's Prometheus metrics, on prom-client's default `register` (served at `GET /metrics` by the gateway):
 * - `prm_alerts_total{kind,severity,event}`: alert transitions (`event` = `pending`, `fired`, `resolved`);
 * - `prm_notifications_total{channel_kind,outcome}`: delivery attempts (`outcome` = `sent`, `retry`, `failed`).
 * Created once per process (several Nest apps in one test process share them).
 */
function counter<T extends string>(name: string, help: string, labelNames: readonly T[]): Counter<T> {
  const existing = register.getSingleMetric(name);
  if (existing) return existing as Counter<T>;
  return new Counter({ name, help, labelNames });
}

export const alertsTotal = counter('prm_alerts_total', 'Alert transitions by kind, severity and event', [
  'kind',
  'severity',
  'event',
] as const);

export const notificationsTotal = counter(
  'prm_notifications_total',
  'Notification delivery attempts by channel kind and outcome',
  ['channel_kind', 'outcome'] as const,
);
