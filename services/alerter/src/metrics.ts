import { ALERT_KINDS, ALERT_SEVERITIES } from '@prm/contracts';
import { Counter, Gauge, register } from 'prom-client';

/**
 * The alerter's Prometheus metrics, on prom-client's default `register` (served at `GET /metrics` by the gateway):
 * - `prm_alerts_total{kind,severity,event}`: alert transitions (`event` = `pending`, `fired`, `escalated`, `resolved`);
 * - `prm_notifications_total{channel_kind,outcome}`: delivery attempts (`outcome` = `sent`, `retry`, `failed`);
 * - `prm_alerts_firing{kind,severity}`: alerts firing now, read from the metadata store on each scrape.
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

/** Firing alerts per kind and severity, as the metadata store holds them (e.g. `AlertRepository.countFiringByKind`). */
export type FiringCountSource = () => Promise<{ kind: string; severity: string; n: number }[]>;

/** Sources of the running alerter apps, newest last (one per process in production; tests may start several). */
const firingSources: FiringCountSource[] = [];

/**
 * Makes `source` the one `prm_alerts_firing` reads (the newest registered wins); returns a function that removes it.
 */
export function registerFiringSource(source: FiringCountSource): () => void {
  firingSources.push(source);
  return () => {
    const i = firingSources.lastIndexOf(source);
    if (i >= 0) firingSources.splice(i, 1);
  };
}

/**
 * Sets `gauge` from the newest registered source: every kind × severity (0 when none fire, so that a series drops to
 * 0 rather than disappearing), plus any other label pair the store returns. Counted from the store on each scrape,
 * so it is right after a restart and whichever alerter process made the transitions. A failed read keeps the previous
 * values (the scrape still succeeds; /health/ready reports the database).
 */
export async function collectFiring(gauge: Gauge<'kind' | 'severity'>): Promise<void> {
  const source = firingSources[firingSources.length - 1];
  if (!source) return;
  let rows: Awaited<ReturnType<FiringCountSource>>;
  try {
    rows = await source();
  } catch {
    return;
  }
  gauge.reset();
  for (const kind of ALERT_KINDS) for (const severity of ALERT_SEVERITIES) gauge.set({ kind, severity }, 0);
  for (const r of rows) gauge.set({ kind: r.kind, severity: r.severity }, r.n);
}

/** `prm_alerts_firing{kind,severity}`: alerts firing now (from the metadata store, computed on scrape). */
export const alertsFiring: Gauge<'kind' | 'severity'> =
  (register.getSingleMetric('prm_alerts_firing') as Gauge<'kind' | 'severity'> | undefined) ??
  new Gauge({
    name: 'prm_alerts_firing',
    help: 'Alerts firing now by kind and severity (read from the metadata store on scrape)',
    labelNames: ['kind', 'severity'] as const,
    async collect() {
      await collectFiring(this);
    },
  });
