import { type LagThresholds, type ThresholdLevel } from '@prm/contracts';

/**
 * Parses an LSN as PostgreSQL prints it (`16/B374D848`: two hex halves) into a byte position.
 * @throws RangeError for text that is not an LSN.
 */
export function lsnToBigInt(lsn: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn);
  if (!m) throw new RangeError(`not an LSN: ${JSON.stringify(lsn)}`);
  return (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`);
}

/** Compares two LSNs: negative when `a` < `b`, 0 when equal, positive when `a` > `b`. */
export function compareLsn(a: string, b: string): number {
  const d = lsnToBigInt(a) - lsnToBigInt(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** A publisher WAL sample (its own clock). */
export interface LagSample {
  /** ISO time of the publisher's `now()` when the LSN was read. */
  sampledAt: string;
  lsn: string;
}

/**
 * Idle-safe lag in seconds (monitoring.md §1.3 fix 1; our own derivation, resolution one poll).
 * With `(tᵢ, lsnᵢ)` samples of the publisher's `pg_current_wal_lsn()` taken at each poll when it moved:
 * - 0 when `confirmed ≥ latestLsn` (the subscriber confirmed everything written up to the newest sample): an idle,
 *   caught-up stream stays at 0 however long the publisher is idle;
 * - otherwise `now − tⱼ` for the earliest sample `j` with `lsnⱼ > confirmed`: the age of the oldest WAL the
 *   subscriber has not confirmed; it grows while a disabled subscription falls behind.
 * All times are the publisher's clock (no skew).
 * @param confirmedLsn the slot's `confirmed_flush_lsn` at the publisher's poll; null → null.
 * @param latestLsn the publisher's `pg_current_wal_lsn()` at that poll (the newest sample); null → null.
 * @param earliestUnconfirmed the earliest stored sample with `lsn > confirmedLsn` (null when none is stored).
 * @param now the publisher's `now()` at that poll (ISO).
 * @returns seconds ≥ 0, or null when unknown.
 */
export function lagSeconds(
  confirmedLsn: string | null,
  latestLsn: string | null,
  earliestUnconfirmed: LagSample | null,
  now: string,
): number | null {
  if (confirmedLsn === null || latestLsn === null) return null;
  if (compareLsn(confirmedLsn, latestLsn) >= 0) return 0;
  if (earliestUnconfirmed === null) return null;
  const s = (Date.parse(now) - Date.parse(earliestUnconfirmed.sampledAt)) / 1000;
  return Number.isFinite(s) ? Math.max(0, s) : null;
}

/**
 * A walsender lag (`write_lag`/`flush_lag`/`replay_lag`, seconds). PostgreSQL sets them NULL about 20 s after
 * activity stops (monitoring.md §1.2): read NULL with `lag_bytes = 0` as 0, otherwise keep NULL (unknown).
 */
export function walsenderLag(value: number | null | undefined, lagBytes: number | null): number | null {
  if (value !== null && value !== undefined) return value;
  return lagBytes === 0 ? 0 : null;
}

/**
 * The threshold level of a lag: `critical` when bytes ≥ criticalBytes or seconds ≥ criticalSeconds, else `warning`
 * for the warning pair, else `ok`. A null threshold or a null lag never crosses.
 */
export function thresholdLevel(
  lag: { bytes: number | null; seconds: number | null },
  t: LagThresholds,
): ThresholdLevel {
  const over = (v: number | null, limit: number | null) => v !== null && limit !== null && v >= limit;
  if (over(lag.bytes, t.criticalBytes) || over(lag.seconds, t.criticalSeconds)) return 'critical';
  if (over(lag.bytes, t.warningBytes) || over(lag.seconds, t.warningSeconds)) return 'warning';
  return 'ok';
}

/**
 * Tables of the publication(s) the subscription does not have (added without `ALTER SUBSCRIPTION … REFRESH
 * PUBLICATION`: their changes are skipped or break the apply worker, monitoring.md §1.2), and the reverse (tables
 * the subscription still tracks that left the publication). Names are `schema.table`; results sorted.
 */
export function computeDrift(
  publicationTables: readonly string[],
  subscriptionTables: readonly string[],
): { missingOnSubscriber: string[]; notInPublication: string[] } {
  const pub = new Set(publicationTables);
  const sub = new Set(subscriptionTables);
  return {
    missingOnSubscriber: [...pub].filter((t) => !sub.has(t)).sort(),
    notInPublication: [...sub].filter((t) => !pub.has(t)).sort(),
  };
}
